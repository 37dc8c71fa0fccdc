'use client';

import { startTransition, useActionState, useEffect, useRef, useState } from 'react';
import { BulkActions } from '@/components/sessions/bulk-actions';
import { callSessionAction } from '@/components/sessions/call-action';
import { ConfirmDialog } from '@/components/sessions/confirm-dialog';
import { confirmCopy, otherSession } from '@/components/sessions/confirm-copy';
import { ResultMessage } from '@/components/sessions/result-message';
import { SessionList } from '@/components/sessions/session-row';
import { sameConfirmable, type BulkAction, type Confirmable, type ReauthOptions } from '@/lib/sessions/actions/confirmable';
import { IDLE, type SessionActionResult } from '@/lib/sessions/actions/result';
import type { SessionView } from '@/lib/sessions/view';
import { plural } from '@/lib/sessions/wording';
import { revokeOtherSessions, revokeSession, revokeUnusualSessions, signOutEverywhere } from '../actions';

type Intent = ({ kind: 'revoke'; key: string } | { kind: BulkAction }) & { afterReauth?: boolean };

const BULK = { others: revokeOtherSessions, unusual: revokeUnusualSessions, everywhere: signOutEverywhere };

async function run(_previous: SessionActionResult, intent: Intent): Promise<SessionActionResult> {
  const options: ReauthOptions | undefined = intent.afterReauth ? { afterReauth: true } : undefined;
  return callSessionAction(() => (intent.kind === 'revoke' ? revokeSession(intent.key, options) : BULK[intent.kind](options)));
}

export function SessionsPanel({
  sessions,
  initialConfirm,
  recentAuth,
  impersonated,
}: {
  sessions: SessionView[];
  initialConfirm: Confirmable | null;
  recentAuth: boolean;
  impersonated: boolean;
}) {
  const [state, dispatch, isPending] = useActionState(run, IDLE);
  const [lastIntent, setLastIntent] = useState<Intent | null>(null);
  const [confirming, setConfirming] = useState<Confirmable | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const statusRef = useRef<HTMLDivElement>(null);

  const others = sessions.filter((s) => !s.isCurrent);
  const unusual = others.filter((s) => s.hints.length > 0);

  // Back from re-authentication (?confirm=…): reopen that confirmation, once, and tidy the URL.
  const reopened = useRef(false);
  // The confirmation that came back from re-authentication: confirming it tells the server so, which then answers
  // an error instead of a second "sign in again" (never a redirect loop).
  const returnedFor = useRef<Confirmable | null>(null);
  useEffect(() => {
    if (reopened.current || !initialConfirm) return;
    reopened.current = true;
    window.history.replaceState(null, '', window.location.pathname);
    const nothing =
      initialConfirm.kind === 'others' && others.length === 0
        ? 'There are no other sessions to sign out.'
        : initialConfirm.kind === 'unusual' && unusual.length === 0
          ? 'No session looks unusual now, so there is nothing to sign out.'
          : initialConfirm.kind === 'revoke' && !otherSession(sessions, initialConfirm.key)
            ? 'That session has already ended, so there is nothing to sign out.'
            : null;
    // Deferred: React state updates belong in a callback, not the effect body.
    queueMicrotask(() => {
      if (nothing) setNotice(nothing);
      else {
        returnedFor.current = initialConfirm;
        setConfirming(initialConfirm);
      }
    });
  }, [initialConfirm, others.length, unusual.length, sessions]);

  useEffect(() => {
    if (state.status === 'reauth_required') {
      window.location.assign(state.signInUrl);
      return;
    }
    // The row that had focus may be gone: keep keyboard users where the outcome is.
    if (state.status !== 'idle') statusRef.current?.focus();
  }, [state]);

  function go(intent: Intent) {
    setNotice(null);
    setLastIntent(intent);
    startTransition(() => dispatch(intent));
  }

  const pendingKey = isPending && lastIntent?.kind === 'revoke' ? lastIntent.key : null;
  const pendingBulk = isPending && lastIntent && lastIntent.kind !== 'revoke' ? lastIntent.kind : null;

  return (
    <>
      <section aria-labelledby="sessions-heading" className="card">
        <div className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:justify-between">
          <h2 id="sessions-heading" className="text-lg font-semibold">
            Where you&apos;re signed in
          </h2>
          <p className="text-sm text-slate-500">
            {plural(sessions.length, 'active session', 'active sessions')}
          </p>
        </div>

        <div ref={statusRef} tabIndex={-1} role="status" aria-live="polite" aria-atomic="true" className="mt-4 empty:hidden focus:outline-none">
          {notice ? <p className="rounded-xl border border-slate-200 bg-slate-50 p-4 text-sm text-slate-700">{notice}</p> : null}
          {!notice && !isPending ? <ResultMessage state={state} onRetry={() => lastIntent && go(lastIntent)} /> : null}
          {isPending ? <span className="sr-only">Signing out…</span> : null}
        </div>

        {sessions.length === 0 ? (
          <p className="mt-4 rounded-xl border border-slate-200 bg-slate-50 p-4 text-sm text-slate-700">
            WorkOS lists no active sessions for your account.
          </p>
        ) : (
          <SessionList
            label="Active sessions"
            className="mt-4 divide-y divide-slate-100 border-y border-slate-100"
            sessions={sessions}
            pendingKey={pendingKey}
            disabled={isPending}
            onSignOut={(session) =>
              // Another session needs a recent sign-in: confirm first, saying the user will be asked to sign in.
              session.isCurrent || recentAuth
                ? go({ kind: 'revoke', key: session.key })
                : setConfirming({ kind: 'revoke', key: session.key })
            }
          />
        )}
      </section>

      <BulkActions
        others={others.length}
        unusual={unusual.length}
        busy={isPending}
        pending={pendingBulk}
        onChoose={(kind) => setConfirming({ kind })}
      />

      <ConfirmDialog
        copy={confirming ? confirmCopy(confirming, sessions, recentAuth, impersonated) : null}
        onCancel={() => {
          returnedFor.current = null;
          setConfirming(null);
        }}
        onConfirm={() => {
          const confirmed = confirming;
          setConfirming(null);
          if (!confirmed) return;
          const afterReauth = sameConfirmable(returnedFor.current, confirmed) ? { afterReauth: true } : {};
          returnedFor.current = null;
          if (confirmed.kind !== 'revoke') return go({ kind: confirmed.kind, ...afterReauth });
          const session = otherSession(sessions, confirmed.key);
          if (session) go({ kind: 'revoke', key: session.key, ...afterReauth });
        }}
      />
    </>
  );
}

'use client';

import { CircleAlert, CircleCheck, LoaderCircle, LogOut, RefreshCw, ShieldAlert, TriangleAlert } from 'lucide-react';
import { startTransition, useActionState, useEffect, useRef, useState } from 'react';
import type { SessionView } from '@/lib/sessions/view';
import { revokeOtherSessions, revokeSession, revokeUnusualSessions, signOutEverywhere } from '../actions';
import { IDLE, sameConfirmable, type BulkAction, type Confirmable, type ReauthOptions, type SecurityActionResult } from '../action-types';
import { ConfirmDialog, type ConfirmCopy } from './confirm-dialog';
import { SessionRow } from './session-row';

type Intent = ({ kind: 'revoke'; key: string; label: string } | { kind: BulkAction }) & { afterReauth?: boolean };

function isNextNavigation(error: unknown): boolean {
  const digest = typeof error === 'object' && error !== null && 'digest' in error ? String(error.digest) : '';
  return digest.startsWith('NEXT_REDIRECT') || digest.startsWith('NEXT_HTTP_ERROR_FALLBACK');
}

function reauthOptions(intent: Intent): ReauthOptions | undefined {
  return intent.afterReauth ? { afterReauth: true } : undefined;
}

async function run(_previous: SecurityActionResult, intent: Intent): Promise<SecurityActionResult> {
  try {
    switch (intent.kind) {
      case 'revoke':
        return await revokeSession(intent.key, reauthOptions(intent));
      case 'others':
        return await revokeOtherSessions(reauthOptions(intent));
      case 'unusual':
        return await revokeUnusualSessions(reauthOptions(intent));
      case 'everywhere':
        return await signOutEverywhere(reauthOptions(intent));
    }
  } catch (error) {
    if (isNextNavigation(error)) throw error;
    return {
      status: 'error',
      code: 'unavailable',
      message: 'We could not reach the server, so nothing was signed out. Check your connection and try again.',
      failed: [],
    };
  }
}

function count(n: number): string {
  return `${n} ${n === 1 ? 'session' : 'sessions'}`;
}

/** The other session a confirmation names, if it is still listed. */
function otherSession(sessions: SessionView[], key: string): SessionView | undefined {
  return sessions.find((s) => s.key === key && !s.isCurrent);
}

function confirmCopy(confirm: Confirmable, sessions: SessionView[], recentAuth: boolean, impersonated: boolean): ConfirmCopy | null {
  const others = sessions.filter((s) => !s.isCurrent);
  const note = impersonated
    ? 'You are signed in through support impersonation: this needs the account owner’s own recent sign-in, so it will be refused.'
    : recentAuth
      ? null
      : 'First you’ll be asked to sign in again, to confirm it’s you.';
  switch (confirm.kind) {
    case 'revoke': {
      const session = otherSession(sessions, confirm.key);
      if (!session) return null;
      return {
        title: `Sign out ${session.label}?`,
        body: 'It loses access on its next request and has to sign in again.',
        names: [session.hints.length > 0 ? `${session.label} (${session.hints.map((h) => h.text.toLowerCase()).join(', ')})` : session.label],
        note,
        confirmLabel: 'Yes, sign it out',
        destructive: false,
      };
    }
    case 'others':
      return {
        title: 'Sign out of all other sessions?',
        body: `${count(others.length)} will end. This device stays signed in.`,
        names: others.map((s) => s.label),
        note,
        confirmLabel: `Yes, sign out ${count(others.length)}`,
        destructive: false,
      };
    case 'unusual': {
      const unusual = others.filter((s) => s.hints.length > 0);
      return {
        title: 'Sign out unusual sessions?',
        body: `${count(unusual.length)} that ${unusual.length === 1 ? 'looks' : 'look'} unusual will end. This device stays signed in.`,
        names: unusual.map((s) => `${s.label} (${s.hints.map((h) => h.text.toLowerCase()).join(', ')})`),
        note,
        confirmLabel: `Yes, sign out ${count(unusual.length)}`,
        destructive: false,
      };
    }
    case 'everywhere':
      return {
        title: 'Sign out everywhere?',
        body: `All ${count(sessions.length)} will end, including this device. You’ll need to sign in again everywhere.`,
        names: sessions.map((s) => (s.isCurrent ? `${s.label} (this device)` : s.label)),
        note,
        confirmLabel: 'Yes, sign out everywhere',
        destructive: true,
      };
  }
}

function ResultMessage({ state, onRetry }: { state: SecurityActionResult; onRetry: () => void }) {
  if (state.status === 'idle') return null;
  if (state.status === 'reauth_required') {
    return (
      <p className="flex items-start gap-2 rounded-xl border border-brand-100 bg-brand-50 p-4 text-sm text-slate-800">
        <LoaderCircle aria-hidden className="mt-0.5 size-4 shrink-0 animate-spin" />
        <span>
          {state.message}{' '}
          <a href={state.signInUrl} className="font-medium text-brand-700 underline underline-offset-2">
            Continue to sign in
          </a>
        </span>
      </p>
    );
  }
  if (state.status === 'success' && state.pending.length > 0) {
    return (
      <p className="flex items-start gap-2 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-950">
        <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
        <span>{state.message}</span>
      </p>
    );
  }
  if (state.status === 'success') {
    return (
      <p className="flex items-start gap-2 rounded-xl border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900">
        <CircleCheck aria-hidden className="mt-0.5 size-4 shrink-0" />
        <span>{state.message}</span>
      </p>
    );
  }
  const partial = state.status === 'partial';
  const canRetry = partial || state.code === 'revoke_failed' || state.code === 'unavailable';
  return (
    <div
      className={`flex flex-col gap-3 rounded-xl border p-4 text-sm sm:flex-row sm:items-start sm:justify-between ${
        partial ? 'border-amber-200 bg-amber-50 text-amber-950' : 'border-red-200 bg-red-50 text-red-900'
      }`}
    >
      <p className="flex items-start gap-2">
        {partial ? (
          <TriangleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
        ) : (
          <CircleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
        )}
        <span>{state.message}</span>
      </p>
      {canRetry ? (
        <button type="button" className="btn btn-secondary shrink-0" onClick={onRetry}>
          <RefreshCw aria-hidden className="size-4" />
          Try again
        </button>
      ) : null}
    </div>
  );
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

  const pendingKind = isPending ? lastIntent?.kind : undefined;
  const pendingKey = isPending && lastIntent?.kind === 'revoke' ? lastIntent.key : null;

  return (
    <>
      <section aria-labelledby="sessions-heading" className="card">
        <div className="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:justify-between">
          <h2 id="sessions-heading" className="text-lg font-semibold">
            Where you&apos;re signed in
          </h2>
          <p className="text-sm text-slate-500">
            {sessions.length === 1 ? '1 active session' : `${sessions.length} active sessions`}
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
          <ul aria-label="Active sessions" className="mt-4 divide-y divide-slate-100 border-y border-slate-100">
            {sessions.map((session) => (
              <SessionRow
                key={session.key}
                session={session}
                pending={pendingKey === session.key}
                disabled={isPending}
                onSignOut={() =>
                  // Another session needs a recent sign-in: confirm first, saying the user will be asked to sign in.
                  session.isCurrent || recentAuth
                    ? go({ kind: 'revoke', key: session.key, label: session.label })
                    : setConfirming({ kind: 'revoke', key: session.key })
                }
              />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="bulk-heading" className="card">
        <h2 id="bulk-heading" className="text-lg font-semibold">
          Sign out other devices
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Signed-out devices lose access on their next request and see that they were signed out. For your
          security, you may be asked to sign in again first.
        </p>
        {unusual.length > 0 ? (
          <p className="mt-3 flex items-start gap-2 rounded-xl border border-amber-200 bg-amber-50 p-3 text-sm text-amber-950">
            <ShieldAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
            {unusual.length === 1
              ? '1 session looks unusual compared with this device.'
              : `${unusual.length} sessions look unusual compared with this device.`}
          </p>
        ) : null}
        <div className="mt-4 flex flex-col gap-2 sm:flex-row sm:flex-wrap">
          <button
            type="button"
            className="btn btn-secondary"
            disabled={isPending || others.length === 0}
            onClick={() => setConfirming({ kind: 'others' })}
          >
            {pendingKind === 'others' ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : <LogOut aria-hidden className="size-4" />}
            Sign out of all other sessions
          </button>
          {unusual.length > 0 ? (
            <button
              type="button"
              className="btn border border-amber-300 bg-amber-50 text-amber-950 shadow-sm hover:bg-amber-100"
              disabled={isPending}
              onClick={() => setConfirming({ kind: 'unusual' })}
            >
              {pendingKind === 'unusual' ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : <ShieldAlert aria-hidden className="size-4" />}
              Sign out unusual sessions
            </button>
          ) : null}
          <button
            type="button"
            className="btn bg-red-600 text-white shadow-sm hover:bg-red-700 sm:ml-auto"
            disabled={isPending}
            onClick={() => setConfirming({ kind: 'everywhere' })}
          >
            {pendingKind === 'everywhere' ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : <LogOut aria-hidden className="size-4" />}
            Sign out everywhere
          </button>
        </div>
      </section>

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
          if (session) go({ kind: 'revoke', key: session.key, label: session.label, ...afterReauth });
        }}
      />
    </>
  );
}

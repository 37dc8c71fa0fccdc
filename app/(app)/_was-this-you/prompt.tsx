'use client';

import { ShieldQuestion, X } from 'lucide-react';
import { useEffect, useRef, useState, useTransition } from 'react';
import { LocalTime } from '@/components/local-time';
import { callSessionAction } from '@/components/sessions/call-action';
import { ResultMessage } from '@/components/sessions/result-message';
import { parseConfirmable } from '@/lib/sessions/actions/confirmable';
import { IDLE, type SessionActionResult } from '@/lib/sessions/actions/result';
import { DISMISSED_COOKIE, withDismissed, type SignInPrompt } from '@/lib/sessions/was-this-you/prompt';
import { confirmSignIn, disownSignIn } from './actions';

type Phase = 'ask' | 'confirm' | 'answered';

function where(location: string | null): string {
  if (!location) return '';
  return location === 'Local network' ? ' on your local network' : ` in ${location}`;
}

function rememberDismissed(key: string): void {
  const current = document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${DISMISSED_COOKIE}=`))
    ?.slice(DISMISSED_COOKIE.length + 1);
  const secure = window.location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${DISMISSED_COOKIE}=${withDismissed(current, key)}; path=/; samesite=lax${secure}`;
}

/**
 * "Was this you?" about a flagged sign-in on another device, above every signed-in page: calm, not a modal.
 * "No, sign it out" needs a recent sign-in; the return trip (`?confirm=revoke&session=<key>`, as on the security page)
 * reopens its confirmation here. Stays mounted (the layout keeps it) so an answer's outcome outlives the re-render
 * that drops the question.
 */
export function WasThisYou({ prompt }: { prompt: SignInPrompt | null }) {
  const [closed, setClosed] = useState<string[]>([]);
  const [answered, setAnswered] = useState<{ prompt: SignInPrompt; disowned: boolean } | null>(null);
  const [phase, setPhase] = useState<Phase>('ask');
  const [result, setResult] = useState<SessionActionResult>(IDLE);
  const [pending, startTransition] = useTransition();
  // Back from re-authentication: the confirmation says so to the server (fresh-auth.ts: never a second trip).
  const [returned, setReturned] = useState(false);
  const lastCall = useRef<(() => void) | null>(null);

  useEffect(() => {
    if (!prompt) return;
    const returned = parseConfirmable(Object.fromEntries(new URLSearchParams(window.location.search)));
    if (returned?.kind !== 'revoke' || returned.key !== prompt.key) return;
    window.history.replaceState(null, '', window.location.pathname);
    queueMicrotask(() => {
      setReturned(true);
      setPhase('confirm');
    });
  }, [prompt]);

  useEffect(() => {
    if (result.status === 'reauth_required') window.location.assign(result.signInUrl);
  }, [result]);

  const asked = answered?.prompt ?? (prompt && !closed.includes(prompt.key) ? prompt : null);
  if (!asked) return null;

  function close(key: string) {
    if (!answered) rememberDismissed(key);
    setClosed((keys) => [...keys, key]);
    setAnswered(null);
    setPhase('ask');
    setResult(IDLE);
  }

  function answer(target: SignInPrompt, disowning: boolean) {
    const options = returned ? { afterReauth: true } : undefined;
    setReturned(false);
    const run = () =>
      startTransition(async () => {
        const outcome = await callSessionAction(() => (disowning ? disownSignIn(target.key, options) : confirmSignIn(target.key)));
        setResult(outcome);
        if (outcome.status === 'success' || outcome.status === 'partial') {
          setAnswered({ prompt: target, disowned: disowning });
          setPhase('answered');
        } else if (outcome.status === 'error') setPhase('ask');
      });
    lastCall.current = run;
    run();
  }

  return (
    <section aria-label="Was this you?" className="mb-6 rounded-xl border border-brand-100 bg-brand-50 p-4 text-sm text-slate-800">
      <div className="flex items-start gap-3">
        <ShieldQuestion aria-hidden className="mt-0.5 size-5 shrink-0 text-brand-700" />
        <div className="flex-1 space-y-3" aria-live="polite">
          {phase === 'ask' ? (
            <>
              <p>
                New sign-in on <strong>{asked.label}</strong>
                {where(asked.location)}, <LocalTime moment={asked.signedIn} />. Was this you?
              </p>
              {asked.reasons.length > 0 ? <p className="text-slate-600">{asked.reasons.join(' · ')}</p> : null}
              <div className="flex flex-wrap gap-2">
                <button type="button" className="btn btn-secondary" disabled={pending} onClick={() => answer(asked, false)}>
                  Yes, it was me
                </button>
                <button
                  type="button"
                  className="btn btn-secondary"
                  disabled={pending}
                  onClick={() => (asked.signInFirst ? setPhase('confirm') : answer(asked, true))}
                >
                  No, sign it out
                </button>
              </div>
            </>
          ) : null}
          {phase === 'confirm' ? (
            <>
              <p>
                Sign out <strong>{asked.label}</strong>? It loses access on its next request.
                {asked.signInFirst && !returned ? ' First you’ll be asked to sign in again, to confirm it’s you.' : ''}
              </p>
              <div className="flex flex-wrap gap-2">
                <button type="button" className="btn bg-red-600 text-white hover:bg-red-700" disabled={pending} onClick={() => answer(asked, true)}>
                  Yes, sign it out
                </button>
                <button type="button" className="btn btn-secondary" disabled={pending} onClick={() => setPhase('ask')}>
                  Cancel
                </button>
              </div>
            </>
          ) : null}
          {pending ? <p>Just a moment…</p> : <ResultMessage state={result} onRetry={() => lastCall.current?.()} />}
          {answered?.disowned ? (
            <p>
              If that sign-in wasn’t you, someone else may know your password. Reset it now: sign out, then choose
              “Forgot password?” on the sign-in page.
            </p>
          ) : null}
        </div>
        <button type="button" onClick={() => close(asked.key)} className="-m-1 rounded-md p-1 text-slate-500 hover:bg-white" aria-label="Dismiss">
          <X aria-hidden className="size-5" />
        </button>
      </div>
    </section>
  );
}

'use client';

import { LoaderCircle, LogOut } from 'lucide-react';
import { useActionState, useRef, useState } from 'react';
import { SessionList } from '@/components/sessions/session-row';
import { IDLE } from '@/lib/sessions/actions/result';
import type { SessionView } from '@/lib/sessions/view';
import { signOutUserAsAdmin } from '../actions';
import { ADMIN_REASONS } from '../reasons';

/**
 * The user's sessions with the security page's rows, and one reason for whatever the administrator signs out.
 * The reason is required: the browser refuses to submit without one, and the action checks again.
 */
export function AdminSessions({ user, sessions }: { user: { id: string; name: string }; sessions: SessionView[] }) {
  const [state, formAction, pending] = useActionState(signOutUserAsAdmin, IDLE);
  const formRef = useRef<HTMLFormElement>(null);
  const targetRef = useRef<HTMLInputElement>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [reason, setReason] = useState('');

  const submit = (key: string) => {
    if (!formRef.current || !targetRef.current) return;
    targetRef.current.value = key;
    setTarget(key);
    formRef.current.requestSubmit();
  };

  const fieldErrors = state.status === 'error' ? (state.fieldErrors ?? {}) : {};
  // Whatever did not end, with why: a field's error is shown next to its field instead.
  const failure =
    state.status === 'partial' || (state.status === 'error' && !fieldErrors.reason && !fieldErrors.details) ? state.message : null;

  return (
    <form ref={formRef} action={formAction} className="space-y-5" aria-describedby="admin-result">
      <input type="hidden" name="userId" value={user.id} />
      <input ref={targetRef} type="hidden" name="target" defaultValue="" />

      <div className="grid gap-4 sm:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]">
        <div>
          <label htmlFor="admin-reason" className="block text-sm font-medium text-slate-800">
            Reason
          </label>
          <select
            id="admin-reason"
            name="reason"
            required
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={fieldErrors.reason ? true : undefined}
            aria-describedby={fieldErrors.reason ? 'admin-reason-error' : undefined}
            className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
          >
            <option value="" disabled>
              Choose a reason…
            </option>
            {ADMIN_REASONS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          {fieldErrors.reason ? (
            <p id="admin-reason-error" className="mt-1 text-sm text-red-700">
              {fieldErrors.reason}
            </p>
          ) : null}
        </div>
        <div>
          <label htmlFor="admin-details" className="block text-sm font-medium text-slate-800">
            Details {reason === 'other' ? '(required)' : '(optional)'}
          </label>
          <input
            id="admin-details"
            name="details"
            type="text"
            maxLength={300}
            required={reason === 'other'}
            aria-invalid={fieldErrors.details ? true : undefined}
            aria-describedby={fieldErrors.details ? 'admin-details-error' : 'admin-details-hint'}
            className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
          />
          {fieldErrors.details ? (
            <p id="admin-details-error" className="mt-1 text-sm text-red-700">
              {fieldErrors.details}
            </p>
          ) : (
            <p id="admin-details-hint" className="mt-1 text-xs text-slate-500">
              {user.name} sees the reason in their security activity.
            </p>
          )}
        </div>
      </div>

      <div id="admin-result" role="status" aria-live="polite" className="min-h-5 text-sm">
        {state.status === 'success' ? <p className="text-emerald-800">{state.message}</p> : null}
        {failure ? <p className="text-red-700">{failure}</p> : null}
      </div>

      {sessions.length === 0 ? (
        <p className="rounded-xl border border-slate-200 bg-slate-50 p-4 text-sm text-slate-600">
          {user.name} is not signed in anywhere.
        </p>
      ) : (
        <>
          <SessionList
            label={`${user.name}’s sessions`}
            className="divide-y divide-slate-200"
            sessions={sessions}
            pendingKey={pending ? target : null}
            disabled={pending}
            onSignOut={(session) => submit(session.key)}
          />
          <div className="flex justify-end">
            <button type="button" onClick={() => submit('all')} disabled={pending} className="btn btn-primary" aria-busy={pending && target === 'all'}>
              {pending && target === 'all' ? (
                <LoaderCircle aria-hidden className="size-4 animate-spin" />
              ) : (
                <LogOut aria-hidden className="size-4" />
              )}
              Sign out all sessions
            </button>
          </div>
        </>
      )}
    </form>
  );
}

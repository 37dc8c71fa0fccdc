import { CircleAlert, CircleCheck, LoaderCircle, RefreshCw, TriangleAlert } from 'lucide-react';
import type { SessionActionResult } from '@/lib/sessions/actions/result';

/** What an action answered, in words; a retry where trying again can help. */
export function ResultMessage({ state, onRetry }: { state: SessionActionResult; onRetry: () => void }) {
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

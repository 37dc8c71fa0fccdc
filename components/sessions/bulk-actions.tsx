import { LoaderCircle, LogOut, ShieldAlert } from 'lucide-react';
import type { ReactNode } from 'react';
import type { BulkAction } from '@/lib/sessions/actions/confirmable';
import { plural } from '@/lib/sessions/wording';

function BulkButton({
  kind,
  className,
  disabled,
  pending,
  onChoose,
  children,
}: {
  kind: BulkAction;
  className: string;
  disabled: boolean;
  pending: BulkAction | null;
  onChoose: (kind: BulkAction) => void;
  children: ReactNode;
}) {
  const Icon = pending === kind ? LoaderCircle : kind === 'unusual' ? ShieldAlert : LogOut;
  return (
    <button type="button" className={className} disabled={disabled} onClick={() => onChoose(kind)}>
      <Icon aria-hidden className={pending === kind ? 'size-4 animate-spin' : 'size-4'} />
      {children}
    </button>
  );
}

/** "Sign out other devices": the buttons that ask to confirm a bulk action (`pending` is the one running). */
export function BulkActions({
  others,
  unusual,
  busy,
  pending,
  onChoose,
}: {
  others: number;
  unusual: number;
  busy: boolean;
  pending: BulkAction | null;
  onChoose: (kind: BulkAction) => void;
}) {
  return (
    <section aria-labelledby="bulk-heading" className="card">
      <h2 id="bulk-heading" className="text-lg font-semibold">
        Sign out other devices
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Signed-out devices lose access on their next request and see that they were signed out. For your
        security, you may be asked to sign in again first.
      </p>
      {unusual > 0 ? (
        <p className="mt-3 flex items-start gap-2 rounded-xl border border-amber-200 bg-amber-50 p-3 text-sm text-amber-950">
          <ShieldAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
          {`${plural(unusual, 'session looks', 'sessions look')} unusual: something about how ${unusual === 1 ? 'it' : 'they'} signed in is new for your account.`}
        </p>
      ) : null}
      <div className="mt-4 flex flex-col gap-2 sm:flex-row sm:flex-wrap">
        <BulkButton kind="others" className="btn btn-secondary" disabled={busy || others === 0} {...{ pending, onChoose }}>
          Sign out of all other sessions
        </BulkButton>
        {unusual > 0 ? (
          <BulkButton
            kind="unusual"
            className="btn border border-amber-300 bg-amber-50 text-amber-950 shadow-sm hover:bg-amber-100"
            disabled={busy}
            {...{ pending, onChoose }}
          >
            Sign out unusual sessions
          </BulkButton>
        ) : null}
        <BulkButton kind="everywhere" className="btn bg-red-600 text-white shadow-sm hover:bg-red-700 sm:ml-auto" disabled={busy} {...{ pending, onChoose }}>
          Sign out everywhere
        </BulkButton>
      </div>
    </section>
  );
}

import { ChevronDown, Globe, KeyRound, LoaderCircle, LogOut, MapPin, UserCog } from 'lucide-react';
import { useId, type ReactNode } from 'react';
import { describeDeviceType } from '@/lib/sessions/device';
import { groupSessions, type SessionGroup } from '@/lib/sessions/groups';
import type { Moment, SessionView } from '@/lib/sessions/view';
import { plural } from '@/lib/sessions/wording';
import { LocalTime } from '@/components/local-time';
import { DeviceIcon } from './device-icon';

function When({ moment }: { moment: Moment }) {
  return <LocalTime moment={moment} className="underline decoration-slate-300 decoration-dotted underline-offset-2" />;
}

function Badge({ tone, children }: { tone: 'green' | 'violet' | 'amber'; children: ReactNode }) {
  const tones = {
    green: 'bg-emerald-100 text-emerald-900',
    violet: 'bg-violet-100 text-violet-900',
    amber: 'bg-amber-100 text-amber-950',
  };
  return <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

function SessionRow({
  session,
  pending,
  disabled,
  onSignOut,
}: {
  session: SessionView;
  pending: boolean;
  disabled: boolean;
  onSignOut: () => void;
}) {
  return (
    <li aria-label={session.label} className="flex flex-col gap-3 py-4 sm:flex-row sm:items-start sm:gap-4">
      <div className="flex min-w-0 flex-1 gap-3">
        <span
          className={`flex size-10 shrink-0 items-center justify-center rounded-xl ${
            session.isCurrent ? 'bg-brand-50 text-brand-700' : 'bg-slate-100 text-slate-600'
          }`}
        >
          <DeviceIcon type={session.deviceType} className="size-5" />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <h3 className="font-semibold text-slate-900">{session.label}</h3>
            {session.isCurrent ? <Badge tone="green">This device</Badge> : null}
            {session.signedOutHere ? <Badge tone="amber">Signed out here; WorkOS has not confirmed yet</Badge> : null}
            {session.hints.map((hint) =>
              hint.kind === 'impersonated' ? (
                <Badge key={hint.kind} tone="violet">
                  <UserCog aria-hidden className="size-3" />
                  {hint.text}
                </Badge>
              ) : (
                <Badge key={hint.kind} tone="amber">
                  {hint.text}
                </Badge>
              ),
            )}
          </div>
          <p className="mt-0.5 text-sm text-slate-500">
            {describeDeviceType(session.deviceType)}
            {session.versions ? ` · ${session.versions}` : ''}
          </p>
          <dl className="mt-2 grid gap-x-6 gap-y-1 text-sm text-slate-700 sm:grid-cols-2">
            <div className="flex items-center gap-1.5">
              <dt className="sr-only">IP address</dt>
              <Globe aria-hidden className="size-3.5 text-slate-400" />
              <dd className="font-mono text-[0.8125rem]">{session.ipAddress ?? 'IP address unknown'}</dd>
            </div>
            {session.location ? (
              <div className="flex items-center gap-1.5">
                <dt className="sr-only">Location</dt>
                <MapPin aria-hidden className="size-3.5 text-slate-400" />
                <dd>{session.location}</dd>
              </div>
            ) : null}
            <div className="flex items-center gap-1.5">
              <dt className="sr-only">Sign-in method</dt>
              <KeyRound aria-hidden className="size-3.5 text-slate-400" />
              <dd>{session.signInMethod}</dd>
            </div>
            <div>
              <dt className="sr-only">Signed in</dt>
              <dd>
                Signed in <When moment={session.signedIn} />
              </dd>
            </div>
            <div>
              <dt className="sr-only">Last active</dt>
              <dd>
                {session.isCurrent ? 'Active now' : (
                  <>
                    Last active <When moment={session.lastActive} />
                  </>
                )}
              </dd>
            </div>
          </dl>
          {session.impersonator?.reason ? (
            <p className="mt-2 text-sm text-slate-600">Reason given: {session.impersonator.reason}</p>
          ) : null}
        </div>
      </div>
      <button
        type="button"
        onClick={onSignOut}
        disabled={disabled}
        aria-busy={pending}
        className="btn btn-secondary w-full shrink-0 sm:w-auto"
      >
        {pending ? <LoaderCircle aria-hidden className="size-4 animate-spin" /> : <LogOut aria-hidden className="size-4" />}
        {pending ? 'Signing out…' : 'Sign out'}
        <span className="sr-only"> {session.label}</span>
      </button>
    </li>
  );
}

/** The sessions of one device, under a summary that names the device, counts them and says what needs a look. */
function SessionGroupItem({ group, children }: { group: SessionGroup; children: ReactNode }) {
  const summaryId = useId();
  const includesThisDevice = group.sessions.some((s) => s.isCurrent);
  return (
    <li className="py-4">
      {/* Open at first: every row and its Sign out button stay in view until the user folds the group. */}
      <details open className="group/device">
        <summary id={summaryId} className="flex cursor-pointer list-none items-center gap-3 rounded-xl [&::-webkit-details-marker]:hidden">
          <span
            className={`flex size-10 shrink-0 items-center justify-center rounded-xl ${
              includesThisDevice ? 'bg-brand-50 text-brand-700' : 'bg-slate-100 text-slate-600'
            }`}
          >
            <DeviceIcon type={group.sessions[0]!.deviceType} className="size-5" />
          </span>
          <span className="flex min-w-0 flex-1 flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-semibold text-slate-900">{group.label}</span>{' '}
            <span className="text-slate-500">· {plural(group.sessions.length, 'session', 'sessions')}</span>{' '}
            {group.unusual > 0 ? <Badge tone="amber">{plural(group.unusual, 'looks unusual', 'look unusual')}</Badge> : null}{' '}
            <span className="basis-full text-sm text-slate-500">
              {describeDeviceType(group.sessions[0]!.deviceType)}
              {includesThisDevice ? ' · including this device' : ''}
            </span>
          </span>
          <ChevronDown aria-hidden className="size-5 shrink-0 text-slate-500 transition-transform group-open/device:rotate-180" />
        </summary>
        <ul aria-labelledby={summaryId} className="mt-2 ml-5 divide-y divide-slate-100 border-l border-slate-200 pl-4 sm:ml-12">
          {children}
        </ul>
      </details>
    </li>
  );
}

/**
 * Sessions, one row each, those of the same device (browser, OS and device type) under one summary; `pendingKey` is
 * the one being signed out.
 */
export function SessionList({
  label,
  className,
  sessions,
  pendingKey,
  disabled,
  onSignOut,
}: {
  label: string;
  className: string;
  sessions: SessionView[];
  pendingKey: string | null;
  disabled: boolean;
  onSignOut: (session: SessionView) => void;
}) {
  const row = (session: SessionView) => (
    <SessionRow
      key={session.key}
      session={session}
      pending={pendingKey === session.key}
      disabled={disabled}
      onSignOut={() => onSignOut(session)}
    />
  );
  return (
    <ul aria-label={label} className={className}>
      {groupSessions(sessions).map((group) =>
        group.sessions.length === 1 ? (
          row(group.sessions[0]!)
        ) : (
          <SessionGroupItem key={group.key} group={group}>
            {group.sessions.map(row)}
          </SessionGroupItem>
        ),
      )}
    </ul>
  );
}

import type { Metadata } from 'next';
import { LocationAttribution } from '@/components/location-attribution';
import { ActivityList, loadActivity } from '@/components/sessions/activity-list';
import { RetryButton } from '@/components/sessions/retry-button';
import { listAudit } from '@/lib/audit';
import { requireSession } from '@/lib/auth/session';
import { parseConfirmable } from '@/lib/sessions/actions/confirmable';
import { hasRecentSignIn } from '@/lib/sessions/actions/fresh-auth';
import { getSessionsForDisplay } from '@/lib/sessions/overview';
import { SessionsPanel } from './_components/sessions-panel';

export const metadata: Metadata = { title: 'Security' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SecurityPage({ searchParams }: { searchParams: SearchParams }) {
  const current = await requireSession();
  const confirm = parseConfirmable(await searchParams);
  const now = new Date();

  // For display only (a few seconds' cache, counted against the page limits); every action asks WorkOS again.
  const listing = await getSessionsForDisplay(current, now);
  const entries = listing.status === 'listed' ? listing.value : null;
  const sessions = entries?.map((entry) => entry.view) ?? null;
  const activity = await loadActivity(() => listAudit(current.user.id, 15), current.sessionHash, now, 'security');
  // As the actions check it: only to say beforehand that a sign-in will be asked for.
  const mine = entries?.find((entry) => entry.session.id === current.sessionId);
  const recentAuth = hasRecentSignIn(current, mine?.session.createdAt, now.getTime());

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Security</h1>
        <p className="mt-1 max-w-2xl text-slate-600">
          These are the devices signed in to your account. If you don&apos;t recognise one, sign it out: it loses
          access on its next request.
        </p>
      </div>

      {sessions === null ? (
        <section aria-labelledby="sessions-heading" className="card">
          <h2 id="sessions-heading" className="text-lg font-semibold">
            Where you&apos;re signed in
          </h2>
          <div role="alert" className="mt-4 flex flex-col gap-3 rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900 sm:flex-row sm:items-center sm:justify-between">
            {listing.status === 'limited' ? (
              <p>{listing.limited.message} Nothing has changed.</p>
            ) : (
              <p>
                We couldn&apos;t load your sessions from WorkOS just now, so we can&apos;t show or sign out devices.
                Nothing has changed.
              </p>
            )}
            <RetryButton />
          </div>
        </section>
      ) : (
        <SessionsPanel
          sessions={sessions}
          initialConfirm={confirm}
          recentAuth={recentAuth}
          impersonated={current.impersonator !== null}
        />
      )}

      <ActivityList activity={activity} />
      <LocationAttribution />
    </div>
  );
}

import { Search, ShieldCheck } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { forbidden } from 'next/navigation';
import { z } from 'zod';
import { requireSession } from '@/lib/auth/session';
import { listOrganizationAudit } from '@/lib/audit';
import { limitCaller } from '@/lib/rate-limit';
import { listForDisplay } from '@/lib/sessions/overview';
import { LocalTime } from '@/components/local-time';
import { LocationAttribution } from '@/components/location-attribution';
import { loadActivity, type ActivityItem } from '@/components/sessions/activity-list';
import { ReceiptNote } from '@/components/sessions/receipt-note';
import type { SessionView } from '@/lib/sessions/view';
import { WorkosError, type AppUser } from '@/lib/workos/client';
import { AdminSessions } from './_components/admin-sessions';
import { claimsAdministrator, getAdministratorState, type AdminSession } from './guard';
import { findManagedUser, getUserSessions } from './user-sessions';

export const metadata: Metadata = { title: 'Administration' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

type Lookup =
  | { state: 'none' }
  | { state: 'invalid'; email: string }
  | { state: 'not_found'; email: string }
  | { state: 'unavailable'; email: string }
  | { state: 'found'; email: string; user: AppUser; sessions: SessionView[] | null; activity: ActivityItem[] };

const emailSchema = z.email().max(320);

async function lookUp(raw: string | undefined, admin: AdminSession): Promise<Lookup> {
  const email = raw?.trim() ?? '';
  if (!email) return { state: 'none' };
  if (!emailSchema.safeParse(email).success) return { state: 'invalid', email };
  let user: AppUser | null;
  try {
    // Only users of the administrator's organization; anyone else is "No user with the email …".
    user = await findManagedUser(admin, { email });
  } catch (error) {
    console.error('[admin] finding a user failed', error instanceof WorkosError ? error.kind : error);
    return { state: 'unavailable', email };
  }
  if (!user) return { state: 'not_found', email };

  const now = new Date();
  let sessions: SessionView[] | null = null;
  try {
    sessions = (await getUserSessions(user, admin, now, listForDisplay)).map((entry) => entry.view);
  } catch (error) {
    console.error('[admin] listing sessions failed', error instanceof WorkosError ? error.kind : error);
  }
  // Only the entries of the administrator's organization: a member of several organizations signs in, and is
  // signed out by their administrators, elsewhere too, and none of that is this administrator's to see.
  const userId = user.id;
  const activity = await loadActivity(() => listOrganizationAudit(userId, admin.organizationId, 10), null, now, 'admin');
  return { state: 'found', email, user, sessions, activity: activity ?? [] };
}

function Heading() {
  return (
    <h1 className="flex items-center gap-2 text-2xl font-bold tracking-tight sm:text-3xl">
      <ShieldCheck aria-hidden className="size-7 text-brand-600" />
      Administration
    </h1>
  );
}

export default async function AdminPage({ searchParams }: { searchParams: SearchParams }) {
  // Counted before anything asks WorkOS (the role check, the lookup): a render is a handful of WorkOS calls.
  const session = await requireSession();
  const limited = await limitCaller('page', session);
  if (limited) {
    if (!claimsAdministrator(session)) forbidden();
    return (
      <div className="space-y-8">
        <Heading />
        <section role="alert" className="card max-w-2xl border-amber-200 bg-amber-50 text-amber-950">
          <p>{limited.message} Nothing has changed.</p>
        </section>
      </div>
    );
  }
  const administrator = await getAdministratorState();
  if (administrator.status === 'forbidden') forbidden();
  if (administrator.status === 'unconfirmed') {
    return (
      <div className="space-y-8">
        <Heading />
        <section role="alert" className="card max-w-2xl border-red-200 bg-red-50 text-red-900">
          <p>
            We couldn&apos;t confirm your administrator role with WorkOS just now, so this page is not shown. Nothing
            has changed, and you are still signed in.
          </p>
          <Link href="/admin" className="btn btn-secondary mt-4">
            Try again
          </Link>
        </section>
      </div>
    );
  }
  const { admin } = administrator;
  const raw = (await searchParams).email;
  const lookup = await lookUp(typeof raw === 'string' ? raw : undefined, admin);
  const email = lookup.state === 'none' ? '' : lookup.email;

  return (
    <div className="space-y-8">
      <div>
        <Heading />
        <p className="mt-1 max-w-2xl text-slate-600">
          You administer <strong className="font-semibold text-slate-900">{admin.organizationName}</strong>. Find a
          person of it by email to see where they&apos;re signed in, and sign out one device or all of them — for
          offboarding or a suspected compromise. Every device is told at once, and the person sees why in their
          security activity.
        </p>
      </div>

      <section aria-labelledby="find-heading" className="card">
        <h2 id="find-heading" className="text-lg font-semibold">
          Find a user
        </h2>
        <form method="get" action="/admin" role="search" className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex-1">
            <label htmlFor="admin-email" className="block text-sm font-medium text-slate-800">
              User email
            </label>
            <input
              id="admin-email"
              name="email"
              type="email"
              required
              autoComplete="off"
              defaultValue={email}
              className="mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm"
            />
          </div>
          <button type="submit" className="btn btn-primary">
            <Search aria-hidden className="size-4" />
            Find user
          </button>
        </form>
        {lookup.state === 'invalid' ? (
          <p role="alert" className="mt-3 text-sm text-red-700">
            “{lookup.email}” is not an email address.
          </p>
        ) : null}
        {lookup.state === 'not_found' ? (
          <p role="status" className="mt-3 text-sm text-slate-700">
            No user with the email {lookup.email}.
          </p>
        ) : null}
        {lookup.state === 'unavailable' ? (
          <p role="alert" className="mt-3 text-sm text-red-700">
            We couldn&apos;t reach WorkOS to look that user up. Please try again.
          </p>
        ) : null}
      </section>

      {lookup.state === 'found' ? (
        <>
          <section aria-labelledby="user-heading" className="card">
            <h2 id="user-heading" className="text-lg font-semibold">
              {lookup.user.name}
            </h2>
            <p className="text-sm text-slate-600">{lookup.user.email}</p>
            <div className="mt-5">
              {lookup.sessions === null ? (
                <p role="alert" className="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-900">
                  We couldn&apos;t load this user&apos;s sessions from WorkOS just now. Nothing has changed.
                </p>
              ) : (
                <AdminSessions user={{ id: lookup.user.id, name: lookup.user.name }} sessions={lookup.sessions} />
              )}
            </div>
          </section>

          <section aria-labelledby="user-activity-heading" className="card">
            <h2 id="user-activity-heading" className="text-lg font-semibold">
              Recent security activity
            </h2>
            {lookup.activity.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">Nothing recorded yet.</p>
            ) : (
              <ol className="mt-3 divide-y divide-slate-100 text-sm">
                {lookup.activity.map((line) => (
                  <li key={line.id} className="flex flex-col gap-0.5 py-2 sm:flex-row sm:justify-between sm:gap-4">
                    <span className="text-slate-800">
                      {line.text}
                      {line.receipt ? <ReceiptNote receipt={line.receipt} /> : null}
                    </span>
                    <LocalTime moment={line.at} className="shrink-0 text-slate-500" />
                  </li>
                ))}
              </ol>
            )}
          </section>
          <LocationAttribution />
        </>
      ) : null}
    </div>
  );
}

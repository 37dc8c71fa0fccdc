import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { requireSession } from '@/lib/auth/session';
import { LocalTime } from '@/components/local-time';
import { listOrganizationMemberships } from '@/lib/workos/client';
import { describeSignInMethod } from '@/lib/sessions/auth-method';
import { describeDevice } from '@/lib/sessions/device';
import { listForDisplay, readForDisplay } from '@/lib/sessions/overview';
import { describeMoment } from '@/lib/sessions/time';

export const metadata: Metadata = { title: 'Home' };

/** The organization's name as WorkOS has it; its id when WorkOS cannot say (the page still renders). */
async function organizationName(userId: string, organizationId: string): Promise<string> {
  try {
    const memberships = await listOrganizationMemberships({ userId, organizationId, statuses: ['active', 'inactive', 'pending'] });
    return memberships.find((m) => m.organizationId === organizationId)?.organizationName ?? organizationId;
  } catch {
    return organizationId;
  }
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-0.5 py-3 sm:flex-row sm:gap-4">
      <dt className="w-40 shrink-0 text-sm text-slate-500">{label}</dt>
      <dd className="text-sm font-medium break-all text-slate-900">{children}</dd>
    </div>
  );
}

export default async function HomePage() {
  const session = await requireSession();
  const listing = await readForDisplay(
    session,
    async () => (await listForDisplay(session.user.id)).find((s) => s.id === session.sessionId) ?? null,
    'home',
  );
  const current = listing.status === 'listed' ? listing.value : null;
  const organization = session.organizationId && listing.status === 'listed' ? await organizationName(session.user.id, session.organizationId) : session.organizationId;
  const now = new Date();

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Welcome, {session.user.name}</h1>
        <p className="mt-1 text-slate-600">You are signed in. Here is who you are and this session.</p>
      </div>

      <section aria-labelledby="you" className="card">
        <h2 id="you" className="text-lg font-semibold">
          You
        </h2>
        <dl className="mt-2 divide-y divide-slate-100">
          <Field label="Name">{session.user.name}</Field>
          <Field label="Email">{session.user.email}</Field>
          <Field label="Role">{session.role ?? 'member'}</Field>
          {session.organizationId ? <Field label="Organization">{organization}</Field> : null}
          {session.impersonator ? (
            <Field label="Impersonated by">
              {session.impersonator.email}
              {session.impersonator.reason ? ` — ${session.impersonator.reason}` : ''}
            </Field>
          ) : null}
        </dl>
      </section>

      <section aria-labelledby="this-session" className="card" data-testid="this-session">
        <h2 id="this-session" className="text-lg font-semibold">
          This session
        </h2>
        {listing.status === 'limited' ? (
          <p role="status" className="mt-2 text-sm text-amber-700">
            {listing.limited.message}
          </p>
        ) : listing.status === 'unavailable' ? (
          <p role="status" className="mt-2 text-sm text-amber-700">
            Session details are unavailable right now. Try again in a moment.
          </p>
        ) : current === null ? (
          <p role="status" className="mt-2 text-sm text-amber-700">
            WorkOS no longer lists this session as active.
          </p>
        ) : (
          <dl className="mt-2 divide-y divide-slate-100">
            <Field label="Sign-in method">{describeSignInMethod(current.authMethod)}</Field>
            <Field label="IP address">
              <span data-testid="session-ip">{current.ipAddress ?? 'Unknown'}</span>
            </Field>
            <Field label="Device">{describeDevice(current.userAgent).label}</Field>
            <Field label="Signed in at">
              <LocalTime moment={describeMoment(session.authTime ? new Date(session.authTime * 1000) : current.createdAt, now)} show="exact" />
            </Field>
          </dl>
        )}
        <p className="mt-4 text-sm text-slate-600">
          Manage every device signed in to your account on the{' '}
          <a href="/account/security" className="font-medium text-brand-700 underline underline-offset-2">
            Security page
          </a>
          .
        </p>
      </section>
    </div>
  );
}

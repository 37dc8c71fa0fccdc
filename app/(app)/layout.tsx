import type { ReactNode } from 'react';
import { Header } from '@/components/header';
import { SessionGuard } from '@/components/session-guard';
import { requireSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const session = await requireSession();

  return (
    <div className="flex min-h-dvh flex-col">
      <Header user={{ name: session.user.name, email: session.user.email }} isAdmin={session.role === 'admin' && !session.impersonator} />
      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">
        {children}
      </main>
      <SessionGuard pollIntervalMs={getEnv().NEXT_PUBLIC_SESSION_POLL_INTERVAL_MS} />
    </div>
  );
}

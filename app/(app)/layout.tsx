import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { Header } from '@/components/header';
import { requireSession } from '@/lib/auth/session';
import { DISMISSED_COOKIE, getSignInPrompt, parseDismissed } from '@/lib/sessions/was-this-you';
import { WasThisYou } from './_was-this-you/prompt';
import { claimsAdministrator } from './admin/guard';

/** The session is watched (SessionGuard) by the root layout, for every page a signed-in user sees. */
export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const session = await requireSession();
  const prompt = await getSignInPrompt(session, parseDismissed((await cookies()).get(DISMISSED_COOKIE)?.value));

  return (
    <div className="flex min-h-dvh flex-col">
      <Header user={{ name: session.user.name, email: session.user.email }} isAdmin={claimsAdministrator(session)} />
      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">
        <WasThisYou prompt={prompt} />
        {children}
      </main>
    </div>
  );
}

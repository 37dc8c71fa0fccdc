import { LogOut } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { REASON_COPY } from '@/lib/session-status/copy';
import { parseSignedOutReason } from '@/lib/session-status/reasons';

export const metadata: Metadata = { title: 'Signed out' };

export default async function SignedOutPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const reason = parseSignedOutReason((await searchParams).reason);
  const { title, body } = REASON_COPY[reason];

  return (
    <main id="main" className="flex min-h-dvh items-center justify-center px-4 py-12">
      <div className="card w-full max-w-md text-center" data-reason={reason}>
        <div className="mx-auto flex size-12 items-center justify-center rounded-full bg-brand-50">
          <LogOut aria-hidden className="size-6 text-brand-600" />
        </div>
        <h1 className="mt-4 text-2xl font-bold tracking-tight">{title}</h1>
        <p className="mt-2 text-slate-600">{body}</p>
        <div className="mt-6 flex flex-col gap-2 sm:flex-row sm:justify-center">
          <a href="/sign-in" className="btn btn-primary">
            Sign in again
          </a>
          <Link href="/" className="btn btn-secondary">
            Go to the home page
          </Link>
        </div>
      </div>
    </main>
  );
}

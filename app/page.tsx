import { MonitorSmartphone, ShieldCheck, Zap } from 'lucide-react';
import Link from 'next/link';
import { getOptionalSession } from '@/lib/auth/session';

const features = [
  {
    icon: Zap,
    title: 'Signed out means signed out',
    body: 'A revoked session is refused on its very next request, not when its token happens to expire.',
  },
  {
    icon: MonitorSmartphone,
    title: 'Every device hears about it',
    body: 'Open tabs and other devices show “you’ve been signed out” within about a second.',
  },
  {
    icon: ShieldCheck,
    title: 'See and end your sessions',
    body: 'Device, browser, IP and sign-in time for each session; end one, all others, or all of them.',
  },
];

export default async function LandingPage() {
  const session = await getOptionalSession();

  return (
    <div className="flex min-h-dvh flex-col">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between px-4 py-5 sm:px-6">
        <span className="text-lg font-bold tracking-tight">Demo App</span>
        <nav aria-label="Account" className="flex items-center gap-2">
          {session ? (
            <Link href="/home" className="btn btn-primary">
              Go to Home
            </Link>
          ) : (
            <>
              <a href="/sign-in" className="btn btn-secondary">
                Sign in
              </a>
              <a href="/sign-up" className="btn btn-primary">
                Sign up
              </a>
            </>
          )}
        </nav>
      </header>

      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 pb-16 sm:px-6">
        <section className="py-12 sm:py-20">
          <p className="text-sm font-semibold tracking-wide text-brand-600 uppercase">Session security</p>
          <h1 className="mt-3 max-w-3xl text-4xl font-bold tracking-tight text-balance sm:text-5xl">
            Sign out everywhere — and actually be signed out.
          </h1>
          <p className="mt-5 max-w-2xl text-lg text-pretty text-slate-600">
            See every device signed in to your account and end any of them. When a session ends — by you, an
            administrator, a password change or WorkOS itself — it stops working at once, on every device.
          </p>
          <div className="mt-8 flex flex-wrap gap-3">
            {session ? (
              <Link href="/home" className="btn btn-primary px-5 py-2.5 text-base">
                Continue as {session.user.name}
              </Link>
            ) : (
              <>
                <a href="/sign-in" className="btn btn-primary px-5 py-2.5 text-base">
                  Sign in
                </a>
                <a href="/sign-up" className="btn btn-secondary px-5 py-2.5 text-base">
                  Create an account
                </a>
              </>
            )}
          </div>
        </section>

        <section aria-labelledby="features" className="grid gap-4 sm:grid-cols-3">
          <h2 id="features" className="sr-only">
            What you get
          </h2>
          {features.map(({ icon: Icon, title, body }) => (
            <div key={title} className="card">
              <Icon aria-hidden className="size-6 text-brand-600" />
              <h3 className="mt-4 font-semibold">{title}</h3>
              <p className="mt-2 text-sm text-slate-600">{body}</p>
            </div>
          ))}
        </section>
      </main>

      <footer className="border-t border-slate-200 py-6 text-center text-sm text-slate-500">
        Authentication by WorkOS AuthKit.
      </footer>
    </div>
  );
}

import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SessionGuard } from '@/components/session-guard';
import { getRenderedSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Demo App — sign out everywhere', template: '%s · Demo App' },
  description: 'Sessions you can see and end, everywhere, at once.',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: '#f8fafc',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // IMPORTANT: every page renders per request, so Next can give its scripts this response's CSP nonce
  // (lib/security/headers). A page prerendered at build time would carry none and run no script at all.
  await connection();
  // IMPORTANT: every page rendered for a signed-in user (the signed-in area, the landing page's "Go to Home",
  // /signed-out, not-found…) watches the session and is blocked the moment it ends. Mounted here, once, so no page
  // can forget it; a signed-out render mounts nothing.
  const session = await getRenderedSession();
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">
        <a
          href="#main"
          className="sr-only rounded-md bg-white px-3 py-2 text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:z-50"
        >
          Skip to content
        </a>
        {children}
        {session ? <SessionGuard pollIntervalMs={getEnv().NEXT_PUBLIC_SESSION_POLL_INTERVAL_MS} /> : null}
      </body>
    </html>
  );
}

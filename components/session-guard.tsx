'use client';

import { LogOut } from 'lucide-react';
import { useEffect, useId } from 'react';
import { createPortal } from 'react-dom';
import { Dialog } from '@/components/dialog';
import { useSessionStatus, type SessionEnded } from '@/hooks/use-session-status';

/**
 * Watches the session from every signed-in page and, the moment it ends (revoked here, on another device,
 * by an administrator or by WorkOS), blocks the page with a prompt to sign in again.
 */
export function SessionGuard({ pollIntervalMs }: { pollIntervalMs?: number }) {
  const { ended } = useSessionStatus({ pollIntervalMs });
  if (!ended) return null;
  return createPortal(<SignedOutDialog ended={ended} />, document.body);
}

/** Marks everything else in <body> inert too: the modal already blocks it, the attribute says so to every reader. */
function useInertSiblings(id: string) {
  useEffect(() => {
    const made: Element[] = [];
    for (const element of Array.from(document.body.children)) {
      if (element.id !== id && !element.hasAttribute('inert')) {
        element.setAttribute('inert', '');
        made.push(element);
      }
    }
    return () => {
      for (const element of made) element.removeAttribute('inert');
    };
  }, [id]);
}

function SignedOutDialog({ ended }: { ended: SessionEnded }) {
  const id = useId();
  const titleId = `${id}-title`;
  const bodyId = `${id}-body`;
  useInertSiblings(id);

  return (
    // No onCancel: Escape leaves it up; only signing in again (or leaving the page) ends it.
    <Dialog
      open
      id={id}
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-session-prompt=""
      data-reason={ended.reason}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-2xl border border-slate-200 bg-white p-0 text-slate-900 shadow-sm backdrop:bg-slate-900/60 backdrop:backdrop-blur-sm"
    >
      <div className="p-6 text-center">
        <div className="mx-auto flex size-12 items-center justify-center rounded-full bg-brand-50">
          <LogOut aria-hidden className="size-6 text-brand-600" />
        </div>
        <h2 id={titleId} className="mt-4 text-xl font-bold tracking-tight">
          You&apos;ve been signed out
        </h2>
        <p id={bodyId} className="mt-2 text-slate-600">
          {ended.message} Sign in again to continue.
        </p>
        <button
          type="button"
          className="btn btn-primary mt-6 w-full sm:w-auto"
          // A full navigation: /sign-in is a route handler that sends the browser to WorkOS.
          // eslint-disable-next-line @next/next/no-location-assign-relative-destination
          onClick={() => window.location.assign('/sign-in')}
        >
          Sign in again
        </button>
      </div>
    </Dialog>
  );
}

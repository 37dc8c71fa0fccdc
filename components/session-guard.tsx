'use client';

import { LogOut } from 'lucide-react';
import { useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
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

function SignedOutDialog({ ended }: { ended: SessionEnded }) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    // Everything else on the page becomes unreachable (no clicks, no focus, hidden from assistive tech).
    const made: Element[] = [];
    for (const element of Array.from(document.body.children)) {
      if (element !== dialog && !element.hasAttribute('inert')) {
        element.setAttribute('inert', '');
        made.push(element);
      }
    }
    buttonRef.current?.focus();
    const keepFocus = (event: FocusEvent) => {
      if (!dialog.contains(event.target as Node)) buttonRef.current?.focus();
    };
    document.addEventListener('focusin', keepFocus);
    return () => {
      document.removeEventListener('focusin', keepFocus);
      for (const element of made) element.removeAttribute('inert');
    };
  }, []);

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      return;
    }
    if (event.key !== 'Tab') return;
    const focusable = Array.from(
      dialogRef.current?.querySelectorAll<HTMLElement>('button, [href], [tabindex]:not([tabindex="-1"])') ?? [],
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div
      ref={dialogRef}
      data-session-prompt=""
      className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/60 px-4 backdrop-blur-sm"
      onKeyDown={onKeyDown}
    >
      <div
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        data-reason={ended.reason}
        className="card w-full max-w-md text-center"
      >
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
          ref={buttonRef}
          type="button"
          className="btn btn-primary mt-6 w-full sm:w-auto"
          // A full navigation: /sign-in is a route handler that sends the browser to WorkOS.
          // eslint-disable-next-line @next/next/no-location-assign-relative-destination
          onClick={() => window.location.assign('/sign-in')}
        >
          Sign in again
        </button>
      </div>
    </div>
  );
}

'use client';

import { useEffect, useRef, type ComponentPropsWithoutRef, type KeyboardEvent } from 'react';

type DialogProps = Omit<ComponentPropsWithoutRef<'dialog'>, 'open' | 'onCancel' | 'onKeyDown' | 'onClick'> & {
  open: boolean;
  /** Escape, or a click on the backdrop. Without it the dialog cannot be dismissed: it stays until it is unmounted. */
  onCancel?: () => void;
};

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab wrap around inside the dialog instead of leaving for the browser's own controls. */
function keepTabInside(event: KeyboardEvent<HTMLDialogElement>) {
  const focusable = Array.from(event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE));
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
}

/**
 * The app's one modal: a native <dialog> opened with showModal() (the rest of the page is inert, focus moves in),
 * Tab kept inside, Escape handled here (so the browser never closes it behind React's back), and focus given back
 * to whatever opened it when it closes. Its children should fill it: a click on the dialog itself is the backdrop.
 */
export function Dialog({ open, onCancel, children, ...props }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!open || !dialog) return;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    return () => {
      dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, [open]);

  return (
    <dialog
      ref={ref}
      {...props}
      onCancel={(event) => {
        event.preventDefault();
        onCancel?.();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Tab') keepTabInside(event);
        if (event.key !== 'Escape') return;
        event.preventDefault();
        onCancel?.();
      }}
      onClick={(event) => {
        if (event.target === ref.current) onCancel?.();
      }}
    >
      {children}
    </dialog>
  );
}

import type { Dispose } from './probe';

/** Where the page hears it may have missed something (window and document in the browser; fakes in tests). */
export interface PageEvents {
  window: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  document: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> & { visibilityState: DocumentVisibilityState };
  online(): boolean;
}

export function browserPage(): PageEvents {
  return { window, document, online: () => navigator.onLine };
}

/** Calls `fn` when the device comes back online, or the page is shown or focused again; never while hidden or offline. */
export function onWake(page: PageEvents, fn: () => void): Dispose {
  const wake = () => {
    if (page.document.visibilityState !== 'hidden' && page.online()) fn();
  };
  page.window.addEventListener('online', wake);
  page.window.addEventListener('focus', wake);
  page.document.addEventListener('visibilitychange', wake);
  return () => {
    page.window.removeEventListener('online', wake);
    page.window.removeEventListener('focus', wake);
    page.document.removeEventListener('visibilitychange', wake);
  };
}

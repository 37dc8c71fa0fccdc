import { reportingProbe, type Dispose, type OnEnded, type Probe } from './probe';

/** Set on <html> while a page restored from the back-forward cache waits for the server's word (app/globals.css). */
export const SESSION_CHECK_ATTRIBUTE = 'data-session-check';

export interface BackForwardCacheOptions {
  /** Where `pagehide` and `pageshow` fire: window. */
  target?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** Carries SESSION_CHECK_ATTRIBUTE: document.documentElement. */
  root?: Pick<Element, 'setAttribute' | 'removeAttribute'>;
  probe?: Probe;
}

/**
 * Pages kept in the back-forward cache (WebKit and Firefox keep pages like these; Chromium may) come back exactly
 * as they were left, signed-in content included, without a request to the server. So a page is hidden as it goes
 * into the cache (`pagehide`, persisted: the restored first frame is already hidden), and on `pageshow` (persisted)
 * it stays hidden until /api/session has answered: shown again if the session stands, or left hidden behind the
 * sign-in prompt if it ended. An unanswered probe (offline) shows the page again: it says nothing of the session.
 */
export function watchBackForwardCache(onEnded: OnEnded, options: BackForwardCacheOptions = {}): Dispose {
  const target = options.target ?? window;
  const root = options.root ?? document.documentElement;
  const probe = options.probe ?? reportingProbe(onEnded);
  let checks = 0;
  const onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) root.setAttribute(SESSION_CHECK_ATTRIBUTE, 'pending');
  };
  const onPageShow = (event: Event) => {
    if (!(event as PageTransitionEvent).persisted) return;
    root.setAttribute(SESSION_CHECK_ATTRIBUTE, 'pending');
    const check = ++checks;
    void probe().then((status) => {
      if (check === checks && status !== 'ended') root.removeAttribute(SESSION_CHECK_ATTRIBUTE);
    });
  };
  target.addEventListener('pagehide', onPageHide);
  target.addEventListener('pageshow', onPageShow);
  return () => {
    target.removeEventListener('pagehide', onPageHide);
    target.removeEventListener('pageshow', onPageShow);
  };
}

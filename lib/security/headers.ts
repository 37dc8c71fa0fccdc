import { randomBytes } from 'node:crypto';

/**
 * The browser security headers on every response the app serves. proxy.ts answers every matched request with
 * `securityHeaders()` (a fresh nonce each time); next.config.ts gives the paths the proxy does not run on
 * (`_next/static`, `favicon.ico`, …) `assetHeaders()`.
 * Plain TypeScript with no `server-only` and no env: next.config.ts imports it too.
 */

export interface SecurityHeaderOptions {
  /** The app's origin (NEXT_PUBLIC_WORKOS_REDIRECT_URI's): https turns on HSTS and upgrade-insecure-requests. */
  appOrigin: string;
  /** WorkOS's API origin: the header's Sign out, submitted without JavaScript, is redirected to its logout URL. */
  workosOrigin: string;
  /** `next dev`: React's dev tooling evaluates code, and dev CSS arrives as inline style elements. */
  dev: boolean;
}

/** The request header Next reads the nonce from when it renders (it puts the nonce on its own scripts). */
export const CSP_HEADER = 'content-security-policy';

/** 128 random bits, base64: unguessable, and new for every response. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

const isHttps = (origin: string) => origin.startsWith('https:');

type Directive = [name: string, ...sources: string[]];
const serialize = (directives: Directive[]) => directives.map((d) => d.join(' ')).join('; ');

export function contentSecurityPolicy(nonce: string, { appOrigin, workosOrigin, dev }: SecurityHeaderOptions): string {
  return serialize([
    ['default-src', "'self'"],
    // 'strict-dynamic': what Next's nonced scripts load is trusted too. Browsers that know it ignore host sources;
    // 'self' is only for older ones.
    ['script-src', "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    // A nonce makes browsers ignore 'unsafe-inline', so dev gets one or the other.
    ['style-src', "'self'", dev ? "'unsafe-inline'" : `'nonce-${nonce}'`],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'"],
    // The session stream (/api/session/events), the status poll and server actions are all same-origin.
    ['connect-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    // Browsers check a form's redirects too: without JavaScript, Sign out is a POST answered by a 303 to WorkOS.
    ['form-action', "'self'", workosOrigin],
    ['frame-ancestors', "'none'"],
    ...(isHttps(appOrigin) ? [['upgrade-insecure-requests'] as Directive] : []),
  ]);
}

/**
 * Features this app never uses, denied to it and to anything it might embed. Only names Chromium knows: it reports
 * an unknown one as a console error on every page.
 */
const DENIED_FEATURES = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'xr-spatial-tracking',
];

/** The same on every response, whatever the environment. */
const FIXED_HEADERS: Record<string, string> = {
  // frame-ancestors for browsers that predate it.
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Permissions-Policy': DENIED_FEATURES.map((feature) => `${feature}=()`).join(', '),
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Two years (hstspreload.org's advice), every subdomain; asking for preload is the deployment's call. */
const HSTS = 'max-age=63072000; includeSubDomains';

/** Every header for a response of the proxy, with this request's nonce. */
export function securityHeaders(
  nonce: string,
  options: SecurityHeaderOptions,
): { 'Content-Security-Policy': string } & Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce, options),
    ...FIXED_HEADERS,
    ...(isHttps(options.appOrigin) ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

/**
 * For the paths the proxy does not run on: static files, and Next's not-found page where a file is missing
 * (rendered with no nonce, so it may run no script; it needs none). No HSTS: next.config's headers are fixed at
 * build time, and the app's pages set it.
 */
export function assetHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': serialize([
      ['default-src', "'none'"],
      ['style-src', "'self'"],
      ['img-src', "'self'", 'data:'],
      ['font-src', "'self'"],
      ['base-uri', "'none'"],
      ['form-action', "'none'"],
      ['frame-ancestors', "'none'"],
    ]),
    ...FIXED_HEADERS,
  };
}

/** Sets `headers` on `response` (replacing any value already there) and returns it. */
export function withSecurityHeaders<R extends Response>(response: R, headers: Record<string, string>): R {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/** The nonce the proxy put in this request's policy (for a page the proxy writes itself), if any. */
export function requestNonce(headers: Headers): string | undefined {
  return /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(headers.get(CSP_HEADER) ?? '')?.[1];
}

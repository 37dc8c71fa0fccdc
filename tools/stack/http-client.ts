/**
 * Plain-HTTP clients (no browser) for the multi-instance tests, some specs and the benchmarks: signing in through
 * the app and the emulator's hosted page exactly as a browser would (redirects, PKCE cookie, form post),
 * /api/session checks and /api/session/events streams. The emulator's control API client is
 * tools/stack/emulator-client.ts. Erasable TypeScript; Node 24 runs it directly.
 */
import { request as httpRequest, Agent } from 'node:http';
import { DEMO_PASSWORD, type EmulatorClient } from './emulator-client.ts';

export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The hidden inputs of the hosted page's password form (the OAuth parameters it carries). */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input\b[^>]*>/g)) {
    const tag = match[0];
    if (!/type="hidden"/.test(tag)) continue;
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined && value !== undefined) fields[decodeEntities(name)] = decodeEntities(value);
  }
  return fields;
}

export interface SignedIn {
  /** The Cookie header to present (the sealed session cookie; never printed). */
  cookie: string;
  /** The cookies, to go on as a browser does (renewed cookies replace them). */
  jar: CookieJar;
}

/**
 * Signs in through `appOrigin` and the emulator's hosted page. `userAgent` is recorded by the emulator on the
 * session, which lets a caller find the session id afterwards (`sessionIdByUserAgent`).
 */
export async function signInOverHttp(
  appOrigin: string,
  email: string,
  options: {
    password?: string;
    userAgent: string;
    /** The browser's address as WorkOS sees it (the emulator reads X-Forwarded-For), and as the app is told. */
    ip?: string;
    /** Sent to the app only, over `ip`'s X-Forwarded-For: what a client claims there. */
    appHeaders?: Record<string, string>;
  },
): Promise<SignedIn> {
  const jar = new CookieJar();
  const headers = (extra: Record<string, string> = {}) => ({
    'user-agent': options.userAgent,
    ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
    ...options.appHeaders,
    ...(jar.header() ? { cookie: jar.header() } : {}),
    ...extra,
  });
  const expectRedirect = (response: Response, step: string): string => {
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`sign-in ${step}: expected a redirect, got ${response.status}`);
    }
    return new URL(location, response.url).toString();
  };

  const start = await fetch(`${appOrigin}/sign-in?returnTo=%2Fhome`, { headers: headers(), redirect: 'manual' });
  jar.store(start);
  const authorizeUrl = expectRedirect(start, '/sign-in');

  const page = await fetch(authorizeUrl, { headers: { 'user-agent': options.userAgent }, redirect: 'manual' });
  if (page.status !== 200) throw new Error(`sign-in: hosted page answered ${page.status}`);
  const fields = hiddenFields(await page.text());
  const form = new URLSearchParams({ ...fields, email, password: options.password ?? DEMO_PASSWORD });
  const submitted = await fetch(new URL('/user_management/authorize', authorizeUrl), {
    method: 'POST',
    headers: {
      'user-agent': options.userAgent,
      ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
    redirect: 'manual',
  });
  const callbackUrl = expectRedirect(submitted, 'hosted form');

  const callback = await fetch(callbackUrl, { headers: headers(), redirect: 'manual' });
  jar.store(callback);
  expectRedirect(callback, '/callback');
  if (!jar.get('wos-session')) throw new Error('sign-in: /callback set no session cookie');
  return { cookie: jar.header(), jar };
}

/** The id of the one active session of the user that `userAgent` signed in (see `signInOverHttp`). */
export async function sessionIdByUserAgent(
  emulator: EmulatorClient,
  userId: string,
  userAgent: string,
): Promise<string> {
  const match = (await emulator.sessions(userId)).filter((s) => s.user_agent === userAgent && s.status === 'active');
  if (match.length !== 1)
    throw new Error(`expected one active session with user agent "${userAgent}", found ${match.length}`);
  return match[0]!.id;
}

/** GET /api/session with the cookie: the status and the body's `error`. */
export async function sessionStatus(
  origin: string,
  cookie: string,
): Promise<{ status: number; error?: string; reason?: string }> {
  const response = await fetch(`${origin}/api/session`, { headers: { cookie } });
  const body = (await response.json().catch(() => ({}))) as { error?: string; reason?: string };
  return { status: response.status, error: body.error, reason: body.reason };
}

export interface RevokedEvent {
  at: number;
  /** `revoked-<revokedAt>`: when the revocation was committed (ms since the epoch). */
  id: string | null;
  data: { reason: string; message: string };
}

export interface SseStream {
  /** Resolves when the server's first bytes arrive (the stream is registered). */
  connected: Promise<void>;
  /** Resolves with the arrival time (performance.now()), event id and data of `event: revoked`. */
  revoked: Promise<RevokedEvent>;
  close(): void;
}

/** One /api/session/events stream over its own socket (as one browser tab). */
export function openEventStream(origin: string, cookie: string, agent?: Agent): SseStream {
  const url = new URL('/api/session/events', origin);
  let onConnected!: () => void;
  let onRevoked!: (value: RevokedEvent) => void;
  let fail!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    fail = reject;
  });
  const revoked = new Promise<RevokedEvent>((resolve, reject) => {
    onRevoked = resolve;
    const previous = fail;
    fail = (error) => {
      previous(error);
      reject(error);
    };
  });
  connected.catch(() => {});
  revoked.catch(() => {});
  let buffer = '';
  let done = false;
  const req = httpRequest(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: { cookie, accept: 'text/event-stream' },
      agent: agent ?? false,
    },
    (res) => {
      if (res.statusCode !== 200) {
        fail(new Error(`event stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let first = true;
      res.on('data', (chunk: string) => {
        if (first) {
          first = false;
          onConnected();
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!/^event: revoked$/m.test(block)) continue;
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
          done = true;
          const id = /^id: (.*)$/m.exec(block)?.[1] ?? null;
          onRevoked({ at: performance.now(), id, data: JSON.parse(data) as RevokedEvent['data'] });
        }
      });
      res.on('end', () => {
        if (!done) fail(new Error('event stream ended without `revoked`'));
      });
      res.on('error', (error) => fail(error));
    },
  );
  req.on('error', (error) => fail(error));
  req.end();
  return {
    connected,
    revoked,
    close: () => {
      done = true;
      req.destroy();
    },
  };
}

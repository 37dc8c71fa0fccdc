import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorConfig } from './config.ts';
import type { CallLog, FaultRegistry } from './control/faults.ts';
import type { Store } from './store.ts';
import { ApiError } from './wire.ts';

/** What every route handler gets: the request and the emulator's parts. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  store: Store;
  config: EmulatorConfig;
  faults: FaultRegistry;
  calls: CallLog;
  /** Present when the clock can be moved (always, unless a test injected its own clock). */
  advanceClock: ((ms: number) => void) | null;
  reset: () => void;
}

/** `id` is the route's `:id` segment, decoded ('' for a route without one). */
export type Handler = (ctx: RequestContext, id: string) => unknown;

/** One entry of a route table: `path` is literal but for an `:id` segment, which matches any non-empty segment. */
export interface Route {
  method: string;
  path: string;
  handler: Handler;
}

/** The `:id` segment, raw ('' when the pattern has none), or null when the path does not match. */
function matchPath(pattern: string, path: string): string | null {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return null;
  let id = '';
  for (const [i, segment] of expected.entries()) {
    const value = actual[i] ?? '';
    if (segment === ':id' && value !== '') id = value;
    else if (segment !== value) return null;
  }
  return id;
}

/** Runs the first route of the table that matches the request's method and path; false when none does. */
export async function dispatch(routes: readonly Route[], ctx: RequestContext): Promise<boolean> {
  const method = ctx.req.method ?? 'GET';
  for (const route of routes) {
    if (route.method !== method) continue;
    const id = matchPath(route.path, ctx.url.pathname);
    if (id === null) continue;
    await route.handler(ctx, decodeURIComponent(id));
    return true;
  }
  return false;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    ...headers,
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** The browser's address: the first `X-Forwarded-For` entry if present, else the socket address. */
export function clientIp(req: IncomingMessage): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (first) return first;
  const address = req.socket.remoteAddress ?? null;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

export function parseCookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    try {
      out[name] = decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      // ignore malformed cookies
    }
  }
  return out;
}

/** Constant-time comparison of secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim() ?? null;
}

/** 401 unless the request carries `Authorization: Bearer <API key>`. */
export function requireApiKey(req: IncomingMessage, config: EmulatorConfig): void {
  const token = bearerToken(req);
  if (token === null || !secretsEqual(token, config.apiKey)) {
    throw new ApiError(401, { message: 'Unauthorized', code: 'unauthorized' });
  }
}

/** The handler, behind the API key check. */
export const withApiKey =
  (handler: Handler): Handler =>
  (ctx, id) => {
    requireApiKey(ctx.req, ctx.config);
    return handler(ctx, id);
  };

import 'server-only';
import { NextResponse, type NextRequest } from 'next/server';
import { isDocumentRequest } from '@/lib/http/document-request';
import { clientIp } from '@/lib/security/client-ip';
import { getEnv, type Env } from '@/lib/env';
import { consumeForCaller, createRateLimits, type RateLimits, type Rule, type RuleLimit } from './limits';
import { tooManyRequestsMessage } from './message';

export { tooManyRequestsMessage } from './message';
export type { RateLimits, Rule } from './limits';

/** Every limit counts requests per minute (fixed windows). */
export const WINDOW_SECONDS = 60;

function limitsFromEnv(env: Env): Record<Rule, RuleLimit> {
  const perMinute = (points: number): RuleLimit => ({ points, windowSeconds: WINDOW_SECONDS });
  return {
    'page:session': perMinute(env.RATE_LIMIT_PAGES_PER_SESSION),
    'page:user': perMinute(env.RATE_LIMIT_PAGES_PER_USER),
    'action:session': perMinute(env.RATE_LIMIT_ACTIONS_PER_SESSION),
    'action:user': perMinute(env.RATE_LIMIT_ACTIONS_PER_USER),
    'sign_in:ip': perMinute(env.RATE_LIMIT_SIGN_IN_PER_IP),
    'callback:ip': perMinute(env.RATE_LIMIT_CALLBACK_PER_IP),
    'webhook:ip': perMinute(env.RATE_LIMIT_WEBHOOKS_PER_IP),
    'receipts:ip': perMinute(env.RATE_LIMIT_RECEIPTS_PER_IP),
  };
}

const key = Symbol.for('soe.rate-limit');
type Holder = { [key]?: Promise<RateLimits> };

async function createRuntime(env: Env): Promise<RateLimits> {
  const limits = limitsFromEnv(env);
  if (!env.REDIS_URL) return createRateLimits({ limits });
  // Imported only when REDIS_URL is set: ioredis stays out of processes that do not use Redis.
  const { createFailFastRedis } = await import('@/lib/redis/fail-fast');
  let lastWarning = 0;
  const { redis, ready } = createFailFastRedis({
    url: env.REDIS_URL,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    onError: (error) => {
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      console.warn(`[rate-limit/redis] ${error.message}; counting in this instance's memory until Redis answers`);
    },
  });
  // Once, at the first request: counted in memory while connecting, the first requests would escape the shared count.
  await ready();
  return createRateLimits({ limits, redis, keyPrefix: env.REDIS_KEY_PREFIX });
}

/** The process-wide limits (shared by the proxy and every route, which Next may load as separate module instances). */
function getRateLimits(): Promise<RateLimits> {
  const holder = globalThis as Holder;
  holder[key] ??= createRuntime(getEnv());
  return holder[key];
}

/** A refusal, with what the page or the action result says. */
export interface Limited {
  retryAfterSeconds: number;
  message: string;
}

export interface Caller {
  sessionHash: string;
  user: { id: string };
}

/**
 * Counts one WorkOS-backed page render or server action of a signed-in caller, per session then per user
 * (consumeForCaller). Null when allowed.
 * IMPORTANT: never put this in front of ending the caller's own session: signing out is always possible.
 */
export async function limitCaller(kind: 'page' | 'action', caller: Caller): Promise<Limited | null> {
  const decision = await consumeForCaller(await getRateLimits(), kind, {
    sessionHash: caller.sessionHash,
    userId: caller.user.id,
  });
  if (decision.allowed) return null;
  return { retryAfterSeconds: decision.retryAfterSeconds, message: tooManyRequestsMessage(decision.retryAfterSeconds) };
}

/**
 * The entry points anyone can call, limited per client IP before any work: starting a sign-in, the callback (a
 * WorkOS code exchange each), and WorkOS's webhook deliveries (WorkOS retries a 429 with backoff, and the Events
 * API, with REVOCATION_SIGNALS=both, does not go through this endpoint: a refused delivery is late, never lost).
 */
const IP_LIMITED_PATHS: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['/sign-in', 'sign_in:ip'],
  ['/sign-up', 'sign_in:ip'],
  ['/callback', 'callback:ip'],
  ['/api/webhooks/workos', 'webhook:ip'],
  ['/api/session/receipts', 'receipts:ip'],
]);

/** The proxy's first step: a 429 for a client IP over the limit of an IP-limited path, else null. */
export async function limitClientIp(request: NextRequest): Promise<NextResponse | null> {
  const rule = IP_LIMITED_PATHS.get(request.nextUrl.pathname);
  if (!rule) return null;
  // Requests whose address is unknown share one budget: they cannot be told apart, and must not be unlimited.
  const ip = clientIp(request.headers) ?? 'unknown';
  const decision = await (await getRateLimits()).consume(rule, ip);
  return decision.allowed ? null : tooManyRequests(request, decision.retryAfterSeconds);
}

/** 429 with Retry-After: a short page for a browser navigation, JSON for anything else. */
function tooManyRequests(request: Request, retryAfterSeconds: number): NextResponse {
  const message = tooManyRequestsMessage(retryAfterSeconds);
  const headers = { 'Retry-After': String(retryAfterSeconds), 'Cache-Control': 'no-store' };
  if (isDocumentRequest(request)) {
    return new NextResponse(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Too many requests</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#0f172a"><h1>Too many requests</h1><p role="alert">${message}</p><p>Nothing has changed. <a href="">Try again</a> after that.</p></body></html>`,
      { status: 429, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } },
    );
  }
  return NextResponse.json({ error: 'rate_limited', message, retryAfterSeconds }, { status: 429, headers });
}

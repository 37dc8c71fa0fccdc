import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Fixed-window request limits (rate-limiter-flexible). In memory by default; with Redis every instance counts in the
 * same window. IMPORTANT: a limiter must never become a way to sign people out or to block revocation, so:
 * - Redis that cannot be reached is not a refusal: each limiter falls back to its in-memory insurance limiter
 *   (the same rule counted per instance, so at worst N times looser with N instances) until Redis answers again;
 * - anything else that goes wrong lets the request through (and is logged): the limiter guards WorkOS's quota,
 *   it is not an authorization check.
 */

/** Every limit, by what it counts and what it is keyed on. */
export const RULES = [
  'page:session',
  'page:user',
  'action:session',
  'action:user',
  'sign_in:ip',
  'callback:ip',
  'webhook:ip',
  'receipts:ip',
] as const;
export type Rule = (typeof RULES)[number];

export interface RuleLimit {
  /** Requests allowed per window. */
  points: number;
  windowSeconds: number;
}

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimits {
  readonly store: 'memory' | 'redis';
  /** Counts one request against `rule` for `key` (a session hash, a user id, an IP). */
  consume(rule: Rule, key: string): Promise<LimitDecision>;
}

export interface RateLimitsDeps {
  limits: Record<Rule, RuleLimit>;
  /** Shared counters; without it, this process's memory. */
  redis?: Redis;
  /** Redis key prefix (REDIS_KEY_PREFIX); keys are `<prefix>rl:<rule>:<key>`. */
  keyPrefix?: string;
  log?: (message: string) => void;
}

const ALLOWED: LimitDecision = { allowed: true };

/** Whole seconds, at least 1: what Retry-After and the page say. */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

export function createRateLimits(deps: RateLimitsDeps): RateLimits {
  const log = deps.log ?? ((message) => console.warn(`[rate-limit] ${message}`));
  const prefix = deps.keyPrefix ?? '';
  const limiters = new Map<Rule, RateLimiterAbstract>();
  for (const rule of RULES) {
    const { points, windowSeconds: duration } = deps.limits[rule];
    const keyPrefix = `${prefix}rl:${rule}`;
    const memory = new RateLimiterMemory({ points, duration, keyPrefix });
    limiters.set(
      rule,
      deps.redis
        ? new RateLimiterRedis({
            storeClient: deps.redis,
            points,
            duration,
            keyPrefix,
            // Straight to the insurance limiter while disconnected, rather than a command timeout per request.
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
            // A key over its limit is refused from memory for the rest of the window: a loop costs Redis nothing.
            inMemoryBlockOnConsumed: points + 1,
          })
        : memory,
    );
  }
  let lastLog = 0;
  return {
    store: deps.redis ? 'redis' : 'memory',
    async consume(rule, key) {
      try {
        await limiters.get(rule)!.consume(key);
        return ALLOWED;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: retryAfterSeconds(rejection.msBeforeNext) };
        }
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(
            `${rule}: could not count a request, letting it through: ${rejection instanceof Error ? rejection.message : String(rejection)}`,
          );
        }
        return ALLOWED;
      }
    },
  };
}

/**
 * One WorkOS-backed page render or server action of a signed-in caller: counted against its session, then its
 * user. A request its session may not make is not counted against the user, so one session (a stolen cookie)
 * cannot spend more than its own share of the user's budget (lib/env.ts keeps the user's at least twice it).
 */
export async function consumeForCaller(
  limits: RateLimits,
  kind: 'page' | 'action',
  caller: { sessionHash: string; userId: string },
): Promise<LimitDecision> {
  const bySession = await limits.consume(`${kind}:session`, caller.sessionHash);
  if (!bySession.allowed) return bySession;
  return limits.consume(`${kind}:user`, caller.userId);
}

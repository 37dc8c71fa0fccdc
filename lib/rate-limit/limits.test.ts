import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFailFastRedis } from '@/lib/redis/fail-fast';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { startTcpProxy, type TcpProxy } from '@/tools/stack/tcp-proxy';
import { consumeForCaller, createRateLimits, RULES, type RateLimits, type Rule, type RuleLimit } from './limits';

/** The limiter wiring, in memory and against a real redis-server (behind a TCP proxy that can be cut). */

function limitsOf(points: Partial<Record<Rule, number>>, windowSeconds = 60): Record<Rule, RuleLimit> {
  return Object.fromEntries(RULES.map((rule) => [rule, { points: points[rule] ?? 1_000, windowSeconds }])) as Record<
    Rule,
    RuleLimit
  >;
}

async function burst(limits: RateLimits, rule: Rule, key: string, n: number) {
  const decisions = [];
  for (let i = 0; i < n; i++) decisions.push(await limits.consume(rule, key));
  return decisions;
}

const allowedCount = (decisions: { allowed: boolean }[]) => decisions.filter((d) => d.allowed).length;

describe('rate limits in memory', () => {
  it('allows the limit per window, then refuses with the seconds until the window ends', async () => {
    const limits = createRateLimits({ limits: limitsOf({ 'sign_in:ip': 3 }) });
    expect(limits.store).toBe('memory');
    const decisions = await burst(limits, 'sign_in:ip', '198.51.100.1', 5);
    expect(decisions.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    for (const refused of decisions.slice(3)) {
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
      if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      if (!refused.allowed) expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    // Another key, and another rule for the same key, have budgets of their own.
    expect(await limits.consume('sign_in:ip', '198.51.100.2')).toEqual({ allowed: true });
    expect(await limits.consume('callback:ip', '198.51.100.1')).toEqual({ allowed: true });
  });

  it('counts again once the window has passed', async () => {
    vi.useFakeTimers();
    try {
      const limits = createRateLimits({ limits: limitsOf({ 'webhook:ip': 1 }) });
      expect(await limits.consume('webhook:ip', 'a')).toEqual({ allowed: true });
      expect(await limits.consume('webhook:ip', 'a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
      vi.advanceTimersByTime(30_000);
      expect(await limits.consume('webhook:ip', 'a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
      vi.advanceTimersByTime(30_001);
      expect(await limits.consume('webhook:ip', 'a')).toEqual({ allowed: true });
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts a caller per session, then per user, and a session's refused requests cost its user nothing", async () => {
    const limits = createRateLimits({ limits: limitsOf({ 'action:session': 2, 'action:user': 4 }) });
    const stolen = { sessionHash: 'a'.repeat(32), userId: 'user_ada' };
    const laptop = { sessionHash: 'b'.repeat(32), userId: 'user_ada' };
    const grace = { sessionHash: 'c'.repeat(32), userId: 'user_grace' };

    const loop = [];
    for (let i = 0; i < 50; i++) loop.push(await consumeForCaller(limits, 'action', stolen));
    expect(allowedCount(loop)).toBe(2);
    // The owner's other device still has the rest of the user's budget: 4 − the stolen session's 2.
    const owner = [];
    for (let i = 0; i < 3; i++) owner.push(await consumeForCaller(limits, 'action', laptop));
    expect(owner.map((d) => d.allowed)).toEqual([true, true, false]);
    // Pages are another budget, and another user is not affected at all.
    expect(await consumeForCaller(limits, 'page', stolen)).toEqual({ allowed: true });
    expect(await consumeForCaller(limits, 'action', grace)).toEqual({ allowed: true });
  });
});

describe('rate limits in Redis', () => {
  let server: RedisServer;
  let admin: Redis;
  let proxy: TcpProxy;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ portFrom: 6530 });
    admin = new Redis(server.url);
    proxy = await startTcpProxy(server.port, 6560);
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    admin.disconnect();
    await proxy.close();
    await server.stop();
  });

  async function instance(url: string, points: Partial<Record<Rule, number>>, prefix: string): Promise<RateLimits> {
    const { redis, ready } = createFailFastRedis({ url, connectTimeoutMs: 500, commandTimeoutMs: 500 });
    clients.push(redis);
    await ready();
    return createRateLimits({ limits: limitsOf(points), redis, keyPrefix: prefix, log: () => {} });
  }

  it('shares one budget between instances, in keys under the configured prefix', async () => {
    const a = await instance(server.url, { 'callback:ip': 4 }, 't1:');
    const b = await instance(server.url, { 'callback:ip': 4 }, 't1:');
    expect(a.store).toBe('redis');
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await (i % 2 ? a : b).consume('callback:ip', '203.0.113.9'));
    expect(allowedCount(decisions)).toBe(4);
    // Both instances have now seen the fifth and later requests over the shared limit.
    expect(await a.consume('callback:ip', '203.0.113.9')).toMatchObject({ allowed: false });
    expect(await b.consume('callback:ip', '203.0.113.9')).toMatchObject({ allowed: false });
    expect(Number(await admin.get('t1:rl:callback:ip:203.0.113.9'))).toBeGreaterThanOrEqual(5);
    expect(await admin.pttl('t1:rl:callback:ip:203.0.113.9')).toBeGreaterThan(50_000);
  });

  it('with Redis cut off, neither refuses because of the outage nor stops limiting: each instance counts alone', async () => {
    const limits = await instance(`redis://127.0.0.1:${proxy.port}`, { 'action:session': 3 }, 't2:');
    expect(await limits.consume('action:session', 'before')).toEqual({ allowed: true });
    expect(await admin.get('t2:rl:action:session:before')).toBe('1');

    proxy.cut();
    const during = [];
    const took = [];
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      during.push(await limits.consume('action:session', 'during'));
      took.push(Date.now() - started);
    }
    // The insurance limiter still enforced the limit, and answered at once once the client saw the connection gone
    // (the request that finds out may wait one command timeout; no request waits more).
    expect(during.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
    expect(Math.max(...took)).toBeLessThan(500 + 250);
    expect(Math.max(...took.slice(1))).toBeLessThan(50);
    expect(await admin.exists('t2:rl:action:session:during')).toBe(0);

    proxy.restore();
    await new Promise<void>((resolve) => {
      const check = () =>
        limits.store === 'redis' && clients.at(-1)!.status === 'ready' ? resolve() : setTimeout(check, 25);
      check();
    });
    expect(await limits.consume('action:session', 'after')).toEqual({ allowed: true });
    expect(await admin.get('t2:rl:action:session:after')).toBe('1');
  });
});

import { describe, expect, it } from 'vitest';
import { newDb, outboxSize, record, Recorder, redisForThisFile } from '@/test/revocation/redis-backend-harness';

const h = redisForThisFile({ redisFrom: 6640, proxyFrom: 6720 });
const { backend, started, adminReady } = h;

describe('redis backend: the outbox while Redis is away', { timeout: 30_000 }, () => {
  it('while Redis is down: keeps enforcing, queues new revocations durably, flushes them when it returns', async () => {
    const a = await started();
    const b = await started();
    const known = record('session_known');
    await a.b.persist(known);
    await b.rec.until(() => b.rec.count(known.sessionHash) === 1, 'B to know the first record');

    await h.server.stop();
    await Promise.all([
      a.rec.until(() => a.rec.lastStatus() === 'degraded', 'A degraded'),
      b.rec.until(() => b.rec.lastStatus() === 'degraded', 'B degraded'),
    ]);
    expect(a.b.health()).toMatchObject({ phase: 'unreachable' });

    const queued = record('session_revoked_during_outage');
    const t0 = performance.now();
    await a.b.persist(queued); // must not hang on the dead connection
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(a.rec.count(queued.sessionHash)).toBe(1); // applied locally at once
    expect(a.b.health()).toMatchObject({
      status: 'degraded',
      queued: 1,
    });

    await h.server.restart(); // comes back EMPTY (no persistence)
    await Promise.all([
      a.rec.until(() => a.b.health().status === 'ok', 'A back in sync', 10_000),
      b.rec.until(() => b.rec.count(queued.sessionHash) === 1, 'B to learn the queued record', 10_000),
    ]);
    expect(await h.admin.exists(`rev:s:${queued.sessionHash}`)).toBe(1);
    // The record made before the restart was put back by the instances that knew it.
    await b.rec.until(() => b.b.health().status === 'ok', 'B back in sync', 10_000);
    expect(await h.admin.exists(`rev:s:${known.sessionHash}`)).toBe(1);
    // A new instance with an empty local database sees everything.
    const c = await started();
    expect(c.rec.count(known.sessionHash)).toBe(1);
    expect(c.rec.count(queued.sessionHash)).toBe(1);
  });

  it('fails a write to a Redis that stopped answering within the command timeout, into the outbox', async () => {
    const proxy = await h.proxy();
    const db = newDb();
    const a = await started({ url: `redis://127.0.0.1:${proxy.port}`, db, commandTimeoutMs: 300, heartbeatMs: 60_000 });
    proxy.stall();
    const r = record('session_while_stalled');
    const t0 = performance.now();
    await a.b.persist(r);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(outboxSize(db)).toBe(1);
    expect(a.rec.count(r.sessionHash)).toBe(1);
    expect(a.b.health()).toMatchObject({
      status: 'degraded',
      queued: 1,
    });
    expect(a.rec.lastStatus()).toBe('degraded');
    proxy.unstall();
    await a.rec.until(() => a.rec.lastStatus() === 'ok', 'healthy again once the queue is flushed', 10_000);
    expect(outboxSize(db)).toBe(0);
    expect(await h.admin.exists(`rev:s:${r.sessionHash}`)).toBe(1);
  });

  it('a revocation queued before a crash is published by the next process on the same database', async () => {
    const db = newDb();
    await h.server.stop();
    const first = backend({ db, startupTimeoutMs: 200 });
    await first.start(new Recorder());
    const r = record('session_accepted_by_workos');
    await first.persist(r);
    expect(outboxSize(db)).toBe(1);
    await first.close(); // the process goes away with the record only in its outbox

    await h.server.restart();
    const { b } = await started({ db });
    expect(b.health().status).toBe('ok');
    expect(outboxSize(db)).toBe(0);
    expect(await (await adminReady()).exists(`rev:s:${r.sessionHash}`)).toBe(1);
  });
});

import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listedEvent, type ListedEvent } from '@/lib/workos/core';
import type { WorkosEvent } from '@/lib/workos/types';
import { isProcessed, listParked, parkEvent, readLedger } from './ledger';
import { EventsPoller, nextDelay, readCursor, writeCursor, type EventsSource, type PollerOptions } from './poller';
import { LedgerRetrier } from './retrier';
import { HANDLED_EVENTS, processEvent, type ProcessOutcome } from './process-event';
import { event, fakeDeps, FakeWorkos, memoryDb, session, TEST_BOX } from '@/test/event-fakes';

type ListCall = Parameters<EventsSource['listEvents']>[0];

/** An event WorkOS sent that cannot be read (an invalid timestamp), as the SDK hands it over. */
function unreadable(id: string): ListedEvent {
  return listedEvent({ id, event: 'session.revoked', createdAt: 'not a date', data: {} });
}

/** An Events API over a fixed, growing list, with WorkOS's `after` semantics. */
class FakeEvents implements EventsSource {
  readonly log: (WorkosEvent | ListedEvent)[] = [];
  readonly calls: ListCall[] = [];
  failures = 0;

  async listEvents(opts: ListCall) {
    this.calls.push(opts);
    if (this.failures > 0) {
      this.failures--;
      throw new Error('WorkOS is unavailable');
    }
    const listed = this.log.map((e): ListedEvent => ('ok' in e ? e : { ok: true, event: e }));
    const idOf = (e: ListedEvent) => (e.ok ? e.event.id : e.id);
    let list = listed.filter((e) => opts.events.includes(e.ok ? e.event.event : e.type));
    if (opts.after) {
      const index = list.findIndex((e) => idOf(e) === opts.after);
      list = list.slice(index + 1);
    } else if (opts.rangeStart) {
      const start = new Date(opts.rangeStart).getTime();
      list = list.filter((e) => !e.ok || e.event.createdAt.getTime() >= start);
    }
    const data = list.slice(0, opts.limit ?? 10);
    return { data, after: data.length ? idOf(data.at(-1)!) : null };
  }
}

function parkInto(db: DatabaseSync) {
  return (e: { id: string; type: string; payload: string }, reason: string) => parkEvent(db, e, 'events', reason, NOW);
}

const NOW = new Date('2026-04-01T00:00:00Z').getTime();

/** A poller of the handled events over `source`, parking what it cannot read into `db`. */
function pollerFor(db: DatabaseSync, source: EventsSource, process: PollerOptions['process'], options: Partial<PollerOptions> = {}) {
  return new EventsPoller({ db, source, process, park: parkInto(db), events: HANDLED_EVENTS, intervalMs: 1_000, ...options });
}

function setup(pageSize = 100) {
  const db = memoryDb();
  const source = new FakeEvents();
  const processed: string[] = [];
  const process = vi.fn(async (e: WorkosEvent): Promise<ProcessOutcome> => {
    processed.push(e.id);
    return { status: 'processed', type: e.event };
  });
  const poller = pollerFor(db, source, process, { pageSize, now: () => NOW, random: () => 0.5 });
  return { db, source, processed, process, poller };
}

const at = (offsetMs: number) => new Date(NOW + offsetMs);

describe('EventsPoller.pollOnce', () => {
  it('starts from now on its first run rather than replaying history, and persists that start', async () => {
    const { db, source, processed, poller } = setup();
    source.log.push(event('session.revoked', { id: 'event_old', createdAt: at(-86_400_000) }));

    await expect(poller.pollOnce()).resolves.toBe(0);

    expect(source.calls[0]).toMatchObject({ rangeStart: new Date(NOW).toISOString(), events: [...HANDLED_EVENTS] });
    expect(source.calls[0]).not.toHaveProperty('after');
    expect(processed).toEqual([]);
    expect(readCursor(db)).toEqual({ rangeStart: new Date(NOW).toISOString() });
  });

  it('processes new events in order and resumes after the last one', async () => {
    const { db, source, processed, poller } = setup();
    await poller.pollOnce();
    source.log.push(
      event('session.created', { id: 'event_1', createdAt: at(1) }),
      event('session.revoked', { id: 'event_2', createdAt: at(2) }),
    );

    await expect(poller.pollOnce()).resolves.toBe(2);
    expect(processed).toEqual(['event_1', 'event_2']);
    expect(readCursor(db)).toEqual({ after: 'event_2' });

    source.log.push(event('user.deleted', { id: 'event_3', createdAt: at(3) }));
    await poller.pollOnce();
    expect(source.calls.at(-1)).toMatchObject({ after: 'event_2' });
    expect(processed).toEqual(['event_1', 'event_2', 'event_3']);
  });

  it('follows every page in one round', async () => {
    const { source, processed, poller } = setup(2);
    await poller.pollOnce();
    for (let i = 1; i <= 5; i++) source.log.push(event('session.revoked', { id: `event_p${i}`, createdAt: at(i) }));

    await expect(poller.pollOnce()).resolves.toBe(5);
    expect(processed).toEqual(['event_p1', 'event_p2', 'event_p3', 'event_p4', 'event_p5']);
  });

  it('passes an event whose handling failed or is in progress elsewhere: the ledger keeps it, later ones are acted on at once', async () => {
    const { db, source, processed, process, poller } = setup();
    writeCursor(db, { after: 'event_0' }, NOW);
    source.log.push(
      event('session.revoked', { id: 'event_0' }),
      event('session.revoked', { id: 'event_failing' }),
      event('session.revoked', { id: 'event_busy' }),
      event('session.revoked', { id: 'event_b' }),
    );
    process.mockImplementationOnce(async (e) => ({ status: 'pending', type: e.event, reason: 'failed', retryAfterMs: 2_000 }));
    process.mockImplementationOnce(async (e) => ({ status: 'pending', type: e.event, reason: 'in_progress', retryAfterMs: 2_000 }));
    await expect(poller.pollOnce()).resolves.toBe(3);
    expect(processed).toEqual(['event_b']);
    expect(readCursor(db)).toEqual({ after: 'event_b' });
  });

  it('passes an event that was parked or cannot be read, instead of blocking every later one', async () => {
    const { db, source, processed, process, poller } = setup();
    writeCursor(db, { after: 'event_0' }, NOW);
    source.log.push(
      event('session.revoked', { id: 'event_0' }),
      unreadable('event_unreadable'),
      event('session.revoked', { id: 'event_parked' }),
      event('session.revoked', { id: 'event_ok' }),
    );
    process.mockImplementationOnce(async (e) => ({ status: 'parked', type: e.event, reason: 'carries no session' }));

    await poller.pollOnce();

    expect(processed).toEqual(['event_ok']);
    expect(readCursor(db)).toEqual({ after: 'event_ok' });
    expect(listParked(db)).toEqual([
      expect.objectContaining({
        eventId: 'event_unreadable',
        reason: expect.stringMatching(/^could not be read: WorkOS sent an invalid timestamp/),
        replayable: true,
      }),
    ]);
  });

  it('a malformed and a poison event in the stream, then valid ones: the valid ones are acted on at once, the others parked with why', async () => {
    let t = NOW;
    const workos = new FakeWorkos([session({ id: 'session_v', userId: 'user_grace' })]);
    const { deps, registry, db } = fakeDeps({ workos, now: () => t, maxAttempts: 3 });
    // The poison event: a password reset whose handling keeps failing for a reason of its own (an outage would be
    // retried for about a day instead: process-event.test.ts).
    workos.listActiveSessions = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'createdAt')");
    };
    const source = new FakeEvents();
    source.log.push(
      event('session.created', { id: 'event_start' }),
      unreadable('event_malformed'),
      event('password_reset.succeeded', { id: 'event_poison', userId: 'user_grace', data: { userId: 'user_grace' }, createdAt: new Date(NOW) }),
      event('session.revoked', { id: 'event_valid', session: session({ id: 'session_v', userId: 'user_grace' }) }),
    );
    writeCursor(db, { after: 'event_start' }, NOW);
    const poller = pollerFor(db, source, (e) => processEvent(e, 'events', deps), { now: () => t });
    const retrier = new LedgerRetrier({ db, open: (sealed) => TEST_BOX.open(sealed), process: (e, channel) => processEvent(e, channel, deps), intervalMs: 1_000, now: () => t });

    await expect(poller.pollOnce()).resolves.toBe(3);
    expect(readCursor(db)).toEqual({ after: 'event_valid' });
    expect(registry.check('session_v', 'user_grace')).toMatchObject({ reason: 'revoked_at_workos' });
    expect(isProcessed(db, 'event_valid')).toBe(true);
    expect(readLedger(db, 'event_poison')).toMatchObject({ status: 'retry', attempts: 1 });

    // The retrier gives the poison event its remaining tries, then it is parked with why.
    for (let round = 0; round < 5 && readLedger(db, 'event_poison')?.status !== 'parked'; round++) {
      t += 10 * 60_000; // past any backoff
      await retrier.runOnce();
    }
    expect(listParked(db).map((p) => [p.eventId, p.attempts])).toEqual(
      expect.arrayContaining([
        ['event_malformed', 0],
        ['event_poison', 3],
      ]),
    );
    expect(readLedger(db, 'event_poison')?.last_error).toMatch(/failed 3 times: Cannot read properties/);
  });

  it('reads nothing while this instance cannot act on events (it has never loaded the revocation set)', async () => {
    const { source, db } = setup();
    source.log.push(event('session.revoked', { id: 'event_1', session: session({ id: 'session_1', userId: 'user_grace' }) }));
    let ready = false;
    const checks: boolean[] = [];
    const poller = pollerFor(db, source, async (e) => ({ status: 'processed', type: e.event }), {
      intervalMs: 5,
      canProcess: async () => {
        checks.push(ready);
        return ready;
      },
    });
    poller.start();
    try {
      await vi.waitFor(() => expect(checks.length).toBeGreaterThanOrEqual(3));
      expect(source.calls).toEqual([]);
      expect(readLedger(db, 'event_1')).toBeNull();
      ready = true;
      await vi.waitFor(() => expect(source.calls.length).toBeGreaterThan(0));
    } finally {
      await poller.stop();
    }
  });

  it('revokes through processEvent once even when a webhook already delivered the event', async () => {
    const { deps, registry, db } = fakeDeps();
    const source = new FakeEvents();
    const revoked = event('session.revoked', {
      id: 'event_dup',
      session: session({ id: 'session_x', userId: 'user_grace' }),
    });
    source.log.push(event('session.created', { id: 'event_start' }), revoked);
    writeCursor(db, { after: 'event_start' }, NOW);
    const poller = pollerFor(db, source, (e) => processEvent(e, 'events', deps));

    await processEvent(revoked, 'webhook', deps);
    await poller.pollOnce();

    expect(registry.revokeCalls).toHaveLength(1);
    expect(registry.check('session_x', 'user_grace')?.source).toBe('webhook');
    expect(readCursor(db)).toEqual({ after: 'event_dup' });
  });
});

describe('nextDelay', () => {
  it('is the interval while healthy and grows exponentially with jitter after failures, up to a ceiling', () => {
    expect(nextDelay(1_000, 0, 60_000, () => 0.9)).toBe(1_000);
    expect(nextDelay(1_000, 1, 60_000, () => 0)).toBe(1_000);
    expect(nextDelay(1_000, 1, 60_000, () => 1)).toBe(2_000);
    expect(nextDelay(1_000, 3, 60_000, () => 0.5)).toBe(6_000);
    expect(nextDelay(1_000, 30, 60_000, () => 1)).toBe(60_000);
    expect(nextDelay(1_000, 30, 60_000, () => 0)).toBe(30_000);
  });
});

describe('EventsPoller lifecycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls at once and then every interval, backs off after errors, and stops cleanly', async () => {
    vi.useFakeTimers();
    const { source, poller } = setup();
    source.failures = 2;

    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.calls).toHaveLength(1);
    expect(poller.consecutiveFailures).toBe(1);

    // First failure: between 1 s and 2 s (random 0.5 → 1.5 s).
    await vi.advanceTimersByTimeAsync(1_499);
    expect(source.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.calls).toHaveLength(2);
    expect(poller.consecutiveFailures).toBe(2);

    // Second failure: 3 s.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(source.calls).toHaveLength(3);
    expect(poller.consecutiveFailures).toBe(0);

    // Healthy again: back to the interval.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.calls).toHaveLength(4);

    await poller.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.calls).toHaveLength(4);
  });

  it('waits for a round in progress when stopped', async () => {
    const { source, poller } = setup();
    let entered = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = source.listEvents.bind(source);
    source.listEvents = async (opts) => {
      entered = true;
      await gate;
      return original(opts);
    };

    poller.start();
    await vi.waitFor(() => expect(entered).toBe(true));
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(stopped).toBe(true);
    expect(source.calls).toHaveLength(1);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { SESSION_EVENTS_URL } from '@/lib/session-status/protocol';
import { watchPush } from './push';
import { fakePage, FakeEventSource } from './test-fakes';

describe('watchPush (the push channel)', () => {
  function start() {
    FakeEventSource.opened = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const fake = fakePage();
    const onEnded = vi.fn();
    const probe = vi.fn(async () => 'active' as const);
    const acknowledge = vi.fn();
    const dispose = watchPush(onEnded, {
      acknowledge,
      createEventSource: (url: string) => new FakeEventSource(url) as unknown as EventSource,
      probe,
      page: fake.page,
      setTimer: (fn: () => void, ms: number) => {
        timers.push({ fn, ms });
        return timers.length as unknown as ReturnType<typeof setTimeout>;
      },
      clearTimer: () => {},
      random: () => 0.5,
    });
    return { onEnded, probe, acknowledge, timers, dispose, fake };
  }

  it('reconnects quietly, after probing the session, when the server closes the stream because the token expired', async () => {
    const { onEnded, probe, timers, dispose } = start();
    expect(FakeEventSource.opened).toHaveLength(1);
    const first = FakeEventSource.opened[0]!;
    expect(first.url).toBe(SESSION_EVENTS_URL);
    first.readyState = 1;
    first.onopen?.();

    first.emit('reconnect', '{"reason":"access_token_expired"}');
    expect(first.readyState).toBe(2);
    expect(onEnded).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(probe).toHaveBeenCalledTimes(1);
    expect(timers[0]!.ms).toBeLessThanOrEqual(1_000);
    timers[0]!.fn();
    expect(FakeEventSource.opened).toHaveLength(2);
    expect(onEnded).not.toHaveBeenCalled();
    dispose();
  });

  it('still reports a revocation pushed on the stream', () => {
    const { onEnded, acknowledge, dispose } = start();
    FakeEventSource.opened[0]!.emit('revoked', '{"reason":"admin","message":"An administrator signed you out."}');
    expect(onEnded).toHaveBeenCalledWith({ reason: 'admin', message: 'An administrator signed you out.' });
    expect(acknowledge).not.toHaveBeenCalled();
    dispose();
  });

  it("says it was told, with the frame's receipt, and keeps the receipt out of the ending", () => {
    const { onEnded, acknowledge, dispose } = start();
    FakeEventSource.opened[0]!.emit('revoked', '{"reason":"signed_out","message":"Signed out.","receipt":"sealed-token"}');
    expect(acknowledge).toHaveBeenCalledWith('sealed-token');
    expect(onEnded).toHaveBeenCalledWith({ reason: 'signed_out', message: 'Signed out.' });
    dispose();
  });

  it('asks why and retries with backoff when the browser gives up on the stream', () => {
    const { probe, timers, dispose } = start();
    const first = FakeEventSource.opened[0]!;
    first.readyState = 2;
    first.onerror?.();
    expect(probe).toHaveBeenCalledTimes(1);
    expect(timers.map((t) => t.ms)).toEqual([750]);
    timers[0]!.fn();
    FakeEventSource.opened[1]!.readyState = 2;
    FakeEventSource.opened[1]!.onerror?.();
    expect(timers[1]!.ms).toBe(1_500);
    dispose();
  });

  it('drops the stream offline, and opens it again when the page wakes', () => {
    const { fake, dispose } = start();
    fake.fire('window', 'offline');
    expect(FakeEventSource.opened[0]!.readyState).toBe(2);
    fake.state.online = false;
    fake.fire('document', 'visibilitychange');
    expect(FakeEventSource.opened).toHaveLength(1);
    fake.state.online = true;
    fake.fire('window', 'online');
    expect(FakeEventSource.opened).toHaveLength(2);

    dispose();
    expect(FakeEventSource.opened[1]!.readyState).toBe(2);
    fake.fire('window', 'online');
    expect(FakeEventSource.opened).toHaveLength(2);
  });
});

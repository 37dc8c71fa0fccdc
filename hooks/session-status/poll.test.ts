import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLL_INTERVAL_MS, watchPoll } from './poll';
import { fakePage } from './test-fakes';

function setup(intervalMs?: number) {
  const fake = fakePage();
  const probe = vi.fn(async () => 'active' as const);
  const timer = { fn: () => {}, ms: 0, stopped: false };
  const dispose = watchPoll(vi.fn(), {
    ...(intervalMs === undefined ? {} : { intervalMs }),
    probe,
    page: fake.page,
    setInterval: (fn, ms) => {
      Object.assign(timer, { fn, ms });
      return () => void (timer.stopped = true);
    },
  });
  return { fake, probe, timer, dispose };
}

describe('watchPoll (polling /api/session)', () => {
  it('asks at once, then every interval (30 s by default)', () => {
    const { probe, timer } = setup();
    expect(probe).toHaveBeenCalledTimes(1);
    expect(timer.ms).toBe(DEFAULT_POLL_INTERVAL_MS);
    timer.fn();
    expect(probe).toHaveBeenCalledTimes(2);
    expect(setup(5_000).timer.ms).toBe(5_000);
  });

  it('does not ask while the page is hidden or offline, and asks as soon as it is shown, focused or online', () => {
    const { fake, probe, timer } = setup();
    probe.mockClear();
    fake.state.visibility = 'hidden';
    timer.fn();
    fake.fire('document', 'visibilitychange');
    expect(probe).not.toHaveBeenCalled();
    fake.state.visibility = 'visible';
    fake.fire('document', 'visibilitychange');
    fake.fire('window', 'focus');
    expect(probe).toHaveBeenCalledTimes(2);
    fake.state.online = false;
    timer.fn();
    expect(probe).toHaveBeenCalledTimes(2);
    fake.state.online = true;
    fake.fire('window', 'online');
    expect(probe).toHaveBeenCalledTimes(3);
  });

  it('stops when disposed', () => {
    const { fake, probe, timer, dispose } = setup();
    dispose();
    expect(timer.stopped).toBe(true);
    fake.fire('window', 'focus');
    expect(probe).toHaveBeenCalledTimes(1);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOW_TICK_MS, nowSnapshot, subscribeToNow } from './use-now';

afterEach(() => {
  vi.useRealTimers();
});

describe('the page clock behind LocalTime', () => {
  it('moves on for every subscriber on one timer, keeps a stable snapshot between ticks, and stops with the last one', () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    const heard: string[] = [];
    const stopA = subscribeToNow(() => heard.push('a'));
    const stopB = subscribeToNow(() => heard.push('b'));
    const first = nowSnapshot();
    expect(first).toBe(Date.parse('2026-11-30T12:00:00Z'));
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(NOW_TICK_MS - 1);
    expect(nowSnapshot()).toBe(first); // React must see the same value until something changed
    vi.advanceTimersByTime(1);
    expect(heard).toEqual(['a', 'b']);
    expect(nowSnapshot()).toBe(first + NOW_TICK_MS);

    stopA();
    vi.advanceTimersByTime(NOW_TICK_MS);
    expect(heard).toEqual(['a', 'b', 'b']);
    stopB();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts from the current time when a page subscribes again after a while', () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') });
    subscribeToNow(() => {})();
    vi.setSystemTime(new Date('2026-11-30T15:00:00Z'));
    const stop = subscribeToNow(() => {});
    expect(nowSnapshot()).toBe(Date.parse('2026-11-30T15:00:00Z'));
    stop();
  });
});

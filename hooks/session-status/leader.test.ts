import { afterEach, describe, expect, it, vi } from 'vitest';
import { electLeader, HEARTBEAT_MS, LEASE_MS, type LeaderOptions } from './leader';
import { fakeBroadcast } from './test-fakes';

/** Tabs standing for one name; `leading()` lists the ones whose lead is running. */
function tabs(name: string, options: (index: number) => LeaderOptions) {
  const running = new Set<number>();
  const stopped: number[] = [];
  const targets: EventTarget[] = [];
  const disposes: (() => void)[] = [];
  const open = (index: number) => {
    const target = new EventTarget();
    targets[index] = target;
    disposes[index] = electLeader(
      name,
      () => {
        running.add(index);
        return () => {
          running.delete(index);
          stopped.push(index);
        };
      },
      { target, ...options(index) },
    );
  };
  return {
    open,
    leading: () => [...running],
    stopped,
    close: (index: number) => disposes[index]!(),
    closeAll: () => disposes.forEach((dispose) => dispose()),
    fire: (index: number, type: 'pagehide' | 'pageshow', persisted: boolean) =>
      targets[index]!.dispatchEvent(Object.assign(new Event(type), { persisted })),
  };
}

let lockNames = 0;
const freshLock = () => `leader-test-${++lockNames}`;

describe('electLeader with Web Locks (navigator.locks)', () => {
  it('elects exactly one of several tabs, and hands over to the next at once when the leader leaves', async () => {
    const browser = tabs(freshLock(), () => ({}));
    for (const index of [0, 1, 2]) browser.open(index);
    await vi.waitFor(() => expect(browser.leading()).toEqual([0]));
    const { pending = [] } = await navigator.locks.query();
    expect(pending.filter((lock) => lock.name?.startsWith('leader-test-'))).toHaveLength(2);

    browser.close(0);
    // Withdrawing stops the lead at once, not when the lock's promise settles.
    expect(browser.leading()).toEqual([]);
    expect(browser.stopped).toEqual([0]);
    await vi.waitFor(() => expect(browser.leading()).toEqual([1]));
    browser.closeAll();
    await vi.waitFor(async () => expect((await navigator.locks.query()).held).toEqual([]));
  });

  it('a tab closed while waiting never leads', async () => {
    const browser = tabs(freshLock(), () => ({}));
    browser.open(0);
    browser.open(1);
    await vi.waitFor(() => expect(browser.leading()).toEqual([0]));
    browser.close(1);
    browser.close(0);
    browser.open(2);
    await vi.waitFor(() => expect(browser.leading()).toEqual([2]));
    expect(browser.stopped).toEqual([0]);
    browser.closeAll();
  });

  it('a page leaving for the back-forward cache steps down, and stands again when it is shown from the cache', async () => {
    const browser = tabs(freshLock(), () => ({}));
    browser.open(0);
    await vi.waitFor(() => expect(browser.leading()).toEqual([0]));
    browser.open(1);
    browser.fire(0, 'pagehide', true);
    await vi.waitFor(() => expect(browser.leading()).toEqual([1]));

    browser.fire(0, 'pageshow', false); // a fresh load is a new page: this one stays out
    browser.fire(0, 'pageshow', true);
    browser.close(1);
    await vi.waitFor(() => expect(browser.leading()).toEqual([0]));
    browser.closeAll();
    // Disposed, it no longer answers the page's events.
    browser.fire(0, 'pageshow', true);
    await vi.waitFor(async () => expect((await navigator.locks.query()).held).toEqual([]));
    expect(browser.leading()).toEqual([]);
  });
});

describe('electLeader without Web Locks: a lease over BroadcastChannel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function leaseBrowser(count: number, random = () => 0.5) {
    vi.useFakeTimers();
    const network = fakeBroadcast();
    const channels: ReturnType<typeof network.createChannel>[] = [];
    const browser = tabs('session-push', (index) => ({
      locks: null,
      id: `tab-${index}`,
      random,
      createChannel: (name) => (channels[index] = network.createChannel(name)),
    }));
    for (let index = 0; index < count; index++) browser.open(index);
    return { browser, network, channels };
  }

  it('the first claim after the lease wins; the heartbeat keeps the others following', () => {
    const { browser } = leaseBrowser(3);
    vi.advanceTimersByTime(LEASE_MS + HEARTBEAT_MS);
    expect(browser.leading()).toHaveLength(1);
    const [leader] = browser.leading();
    vi.advanceTimersByTime(10 * LEASE_MS);
    expect(browser.leading()).toEqual([leader]);
    browser.closeAll();
  });

  it('a leader that resigns is replaced within a heartbeat, one that goes silent (crashed) within a second', () => {
    const { browser, network, channels } = leaseBrowser(3);
    vi.advanceTimersByTime(LEASE_MS + HEARTBEAT_MS);
    const [first] = browser.leading();
    browser.close(first!);
    vi.advanceTimersByTime(HEARTBEAT_MS + 1);
    expect(browser.leading()).toHaveLength(1);
    const [second] = browser.leading();
    expect(second).not.toBe(first);

    network.cut(channels[second!]!);
    vi.advanceTimersByTime(1_000);
    expect(browser.leading().filter((index) => index !== second)).toHaveLength(1);
    browser.closeAll();
  });

  it('two tabs claiming in the same instant settle on one (the smaller id) within a heartbeat', () => {
    const { browser } = leaseBrowser(2, () => 0);
    vi.advanceTimersByTime(LEASE_MS);
    expect(browser.leading().sort()).toEqual([0, 1]);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    expect(browser.leading()).toEqual([0]);
    expect(browser.stopped).toEqual([1]);
    vi.advanceTimersByTime(10 * LEASE_MS);
    expect(browser.leading()).toEqual([0]);
    browser.closeAll();
  });

  it('disposed, a tab stops leading, says nothing more and claims nothing', () => {
    const { browser } = leaseBrowser(1);
    vi.advanceTimersByTime(LEASE_MS + HEARTBEAT_MS);
    expect(browser.leading()).toEqual([0]);
    browser.close(0);
    expect(browser.leading()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('electLeader with neither Web Locks nor BroadcastChannel', () => {
  it('every tab leads alone, until it is disposed or leaves for the back-forward cache', () => {
    const browser = tabs('session-push', () => ({ locks: null, createChannel: () => null }));
    browser.open(0);
    browser.open(1);
    expect(browser.leading()).toEqual([0, 1]);
    browser.fire(0, 'pagehide', true);
    expect(browser.leading()).toEqual([1]);
    browser.fire(0, 'pageshow', true);
    expect(browser.leading()).toEqual([1, 0]);
    browser.closeAll();
    expect(browser.leading()).toEqual([]);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { awaitReceipt } from './use-receipt';

const HASH = (n: number) => n.toString(16).padStart(32, '0');

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('awaitReceipt (the revoker page asking for receipts)', () => {
  it('asks once for every awaited receipt, soon then once a second, and stops when nothing is awaited', async () => {
    vi.useFakeTimers();
    const urls: string[] = [];
    let answer: unknown = { receipts: [] };
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
    });
    const phone = vi.fn();
    const tablet = vi.fn();
    const stopPhone = awaitReceipt(HASH(1), phone);
    const stopTablet = awaitReceipt(HASH(2), tablet);

    await vi.advanceTimersByTimeAsync(150);
    expect(urls).toEqual([`/api/session/receipts?sessions=${HASH(1)},${HASH(2)}`]);
    await vi.advanceTimersByTimeAsync(300 + 600 + 1_000);
    expect(urls).toHaveLength(4);

    answer = { receipts: [{ sessionHash: HASH(1), revokedAt: 1_000, toldAt: 1_200 }, { sessionHash: HASH(9), revokedAt: 1, toldAt: 2 }] };
    await vi.advanceTimersByTimeAsync(1_000);
    expect(phone).toHaveBeenCalledWith({ sessionHash: HASH(1), revokedAt: 1_000, toldAt: 1_200 });
    expect(tablet).not.toHaveBeenCalled();

    stopPhone();
    stopTablet();
    const asked = urls.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(urls.length).toBeLessThanOrEqual(asked + 1);
    const settled = urls.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(urls).toHaveLength(settled);
  });

  it('keeps asking past a failed request or an answer it cannot read', async () => {
    vi.useFakeTimers();
    let calls = 0;
    vi.stubGlobal('fetch', async () => {
      calls += 1;
      if (calls === 1) throw new TypeError('offline');
      if (calls === 2) return new Response('not json', { status: 200 });
      return new Response(JSON.stringify({ receipts: [{ sessionHash: HASH(3), revokedAt: 5, toldAt: 9 }] }));
    });
    const listener = vi.fn();
    const stop = awaitReceipt(HASH(3), listener);
    await vi.advanceTimersByTimeAsync(150 + 300 + 600);
    expect(listener).toHaveBeenCalledWith({ sessionHash: HASH(3), revokedAt: 5, toldAt: 9 });
    stop();
  });
});

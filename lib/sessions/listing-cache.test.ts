import { describe, expect, it } from 'vitest';
import type { AppSession } from '@/lib/workos/types';
import { createSessionListCache } from './listing-cache';

/** A WorkOS listing under the test's control: each call waits until the test settles it. */
function fakeWorkos() {
  const calls: { userId: string; resolve: (s: AppSession[]) => void; reject: (e: Error) => void }[] = [];
  return {
    calls,
    list: (userId: string) =>
      new Promise<AppSession[]>((resolve, reject) => {
        calls.push({ userId, resolve, reject });
      }),
  };
}

const listed = (id: string) => [{ id } as AppSession];

describe('session list cache (display only)', () => {
  it('asks WorkOS once per user per ttl, and concurrent renders share the one call', async () => {
    let t = 1_000;
    const workos = fakeWorkos();
    const cache = createSessionListCache({ ttlMs: 5_000, list: workos.list, now: () => t });
    const first = cache.get('user_ada');
    const second = cache.get('user_ada');
    const grace = cache.get('user_grace');
    expect(workos.calls.map((c) => c.userId)).toEqual(['user_ada', 'user_grace']);
    workos.calls[0]!.resolve(listed('s1'));
    workos.calls[1]!.resolve(listed('g1'));
    expect(await first).toEqual(listed('s1'));
    expect(await second).toEqual(listed('s1'));
    expect(await grace).toEqual(listed('g1'));

    t += 4_999;
    expect(await cache.get('user_ada')).toEqual(listed('s1'));
    expect(workos.calls).toHaveLength(2);
    t += 1;
    const fresh = cache.get('user_ada');
    expect(workos.calls).toHaveLength(3);
    workos.calls[2]!.resolve(listed('s2'));
    expect(await fresh).toEqual(listed('s2'));
  });

  it("lists afresh after the user's sessions changed, and never keeps a listing that was in flight at the change", async () => {
    const workos = fakeWorkos();
    const cache = createSessionListCache({ ttlMs: 5_000, list: workos.list });
    const before = cache.get('user_ada');
    cache.forget('user_ada'); // e.g. a revocation lands while WorkOS is being asked
    const after = cache.get('user_ada');
    expect(workos.calls).toHaveLength(2);
    workos.calls[0]!.resolve(listed('stale'));
    workos.calls[1]!.resolve(listed('fresh'));
    expect(await before).toEqual(listed('stale'));
    expect(await after).toEqual(listed('fresh'));
    expect(await cache.get('user_ada')).toEqual(listed('fresh'));
    expect(workos.calls).toHaveLength(2);
  });

  it('lists afresh, once for concurrent renders, when the kept listing shows a session already ended here', async () => {
    const workos = fakeWorkos();
    const endedHere = new Set<string>();
    const cache = createSessionListCache({
      ttlMs: 5_000,
      list: workos.list,
      outdated: (_userId, sessions) => sessions.some((s) => endedHere.has(s.id)),
    });
    const first = cache.get('user_ada');
    workos.calls[0]!.resolve([{ id: 's1' } as AppSession, { id: 's2' } as AppSession]);
    expect(await first).toHaveLength(2);

    // s2 is ended here (by another instance, say): WorkOS has yet to confirm it, and the kept listing still shows it.
    endedHere.add('s2');
    const renders = [cache.get('user_ada'), cache.get('user_ada')];
    await expect.poll(() => workos.calls.length).toBe(2);
    workos.calls[1]!.resolve(listed('s1'));
    expect(await Promise.all(renders)).toEqual([listed('s1'), listed('s1')]);
    expect(await cache.get('user_ada')).toEqual(listed('s1'));
    expect(workos.calls).toHaveLength(2);
  });

  it('does not keep failures, and is a pass-through with a ttl of 0', async () => {
    const workos = fakeWorkos();
    const cache = createSessionListCache({ ttlMs: 5_000, list: workos.list });
    const failed = cache.get('user_ada');
    workos.calls[0]!.reject(new Error('unavailable'));
    await expect(failed).rejects.toThrow('unavailable');
    const retried = cache.get('user_ada');
    expect(workos.calls).toHaveLength(2);
    workos.calls[1]!.resolve(listed('s1'));
    expect(await retried).toEqual(listed('s1'));

    const off = fakeWorkos();
    const uncached = createSessionListCache({ ttlMs: 0, list: off.list });
    void uncached.get('user_ada');
    void uncached.get('user_ada');
    expect(off.calls).toHaveLength(2);
  });

  it('holds at most maxUsers users, dropping the oldest', async () => {
    const workos = fakeWorkos();
    const cache = createSessionListCache({ ttlMs: 60_000, list: workos.list, maxUsers: 2 });
    for (const user of ['a', 'b', 'c']) void cache.get(user);
    void cache.get('b');
    void cache.get('c');
    void cache.get('a');
    expect(workos.calls.map((c) => c.userId)).toEqual(['a', 'b', 'c', 'a']);
  });
});

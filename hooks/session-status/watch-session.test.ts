import { afterEach, describe, expect, it, vi } from 'vitest';
import { promptFor } from '@/lib/session-status/copy';
import { SESSION_EVENTS_URL } from '@/lib/session-status/protocol';
import type { ProbeResult } from './probe';
import { fakeBroadcast, FakeEventSource, fakePage } from './test-fakes';
import { watchSession, type SessionEnded } from './watch-session';

interface Tab {
  ended: SessionEnded[];
  /** What the server answers the tab's own fetches. */
  answer: Response;
  fetchTarget: { fetch: typeof fetch };
  dispose: () => void;
}

/**
 * Tabs of one fake browser, each watching its session as a page does: the real Web Locks of Node elect the push
 * leader, fakes stand for everything else. `session` is what the server says of the browser's session.
 */
function browser() {
  FakeEventSource.opened = [];
  const network = fakeBroadcast();
  const session: { now: ProbeResult } = { now: { status: 'active' } };
  const opened: Tab[] = [];
  const open = () => {
    const page = fakePage();
    const probe = vi.fn(async () => session.now.status);
    const ended: SessionEnded[] = [];
    const tab: Tab = { ended, answer: new Response(), dispose: () => {}, fetchTarget: { fetch: (async () => tab.answer) as typeof fetch } };
    tab.dispose = watchSession((ending) => ended.push(ending), {
      fetchTarget: tab.fetchTarget,
      backForwardCache: { target: page.page.window, root: { setAttribute: () => {}, removeAttribute: () => {} }, probe },
      push: {
        createEventSource: (url) => new FakeEventSource(url) as unknown as EventSource,
        probe,
        page: page.page,
      },
      leader: { target: page.page.window },
      poll: { probe, page: page.page, setInterval: () => () => {} },
      tabs: { createChannel: network.createChannel, probe: async () => session.now },
    });
    opened.push(tab);
    return tab;
  };
  /** The streams not closed. */
  const streams = () => FakeEventSource.opened.filter((source) => source.readyState !== 2);
  const closeAll = () => opened.forEach((tab) => tab.dispose());
  return { open, session, streams, closeAll };
}

const ADMIN = { reason: 'admin', message: promptFor('admin') } as const;
const ADMIN_FRAME = JSON.stringify(ADMIN);

describe('watchSession: one push stream per browser', () => {
  let closeAll = () => {};
  afterEach(async () => {
    closeAll();
    await vi.waitFor(async () => expect((await navigator.locks.query()).held).toEqual([]));
  });

  it('only the leader opens the stream; what it hears reaches every tab', async () => {
    const b = browser();
    closeAll = b.closeAll;
    const [leader, ...followers] = [b.open(), b.open(), b.open()];
    await vi.waitFor(() => expect(b.streams()).toHaveLength(1));
    expect(b.streams()[0]!.url).toBe(SESSION_EVENTS_URL);
    expect((await navigator.locks.query()).pending).toHaveLength(2);

    b.session.now = { status: 'ended', reason: 'admin' };
    b.streams()[0]!.emit('revoked', ADMIN_FRAME);
    expect(leader!.ended).toEqual([ADMIN]);
    for (const follower of followers) await vi.waitFor(() => expect(follower.ended).toEqual([ADMIN]));
    // Ended everywhere: no stream is left open.
    await vi.waitFor(() => expect(b.streams()).toHaveLength(0));
  });

  it('closing the leader hands the stream to another tab, whose new stream is told what happened in between', async () => {
    const b = browser();
    closeAll = b.closeAll;
    const [leader, ...others] = [b.open(), b.open(), b.open()];
    await vi.waitFor(() => expect(b.streams()).toHaveLength(1));
    const first = b.streams()[0]!;

    leader!.dispose();
    expect(first.readyState).toBe(2);
    await vi.waitFor(() => expect(b.streams()).toHaveLength(1));
    expect(b.streams()[0]).not.toBe(first);

    // Revoked while the stream changed hands: the server says so at once on the new leader's stream.
    b.session.now = { status: 'ended', reason: 'admin' };
    b.streams()[0]!.emit('revoked', ADMIN_FRAME);
    for (const tab of others) await vi.waitFor(() => expect(tab.ended).toEqual([ADMIN]));
    expect(leader!.ended).toEqual([]);
  });

  it('a follower still learns by its own fetches, and tells the leader', async () => {
    const b = browser();
    closeAll = b.closeAll;
    const [leader, follower] = [b.open(), b.open()];
    await vi.waitFor(() => expect(b.streams()).toHaveLength(1));

    b.session.now = { status: 'ended', reason: 'admin' };
    follower!.answer = new Response(JSON.stringify({ error: 'session_revoked', reason: 'admin' }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'x-session-status': 'revoked' },
    });
    await follower!.fetchTarget.fetch('/api/anything');
    await vi.waitFor(() => expect(follower!.ended).toEqual([ADMIN]));
    await vi.waitFor(() => expect(leader!.ended).toEqual([ADMIN]));
    expect(b.streams()).toHaveLength(0);
  });

  it('a follower that closes leaves the leader as it was, and never leads', async () => {
    const b = browser();
    closeAll = b.closeAll;
    const [leader, follower] = [b.open(), b.open()];
    await vi.waitFor(() => expect(b.streams()).toHaveLength(1));
    const stream = b.streams()[0];
    follower!.dispose();
    expect(b.streams()).toEqual([stream]);

    leader!.dispose();
    await vi.waitFor(async () => expect((await navigator.locks.query()).held).toEqual([]));
    expect(FakeEventSource.opened).toEqual([stream]);
    expect([...leader!.ended, ...follower!.ended]).toEqual([]);
  });
});

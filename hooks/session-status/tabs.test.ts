import { describe, expect, it, vi } from 'vitest';
import { TAB_CHANNEL } from '@/lib/session-status/protocol';
import type { ProbeResult } from './probe';
import { watchTabs } from './tabs';

class FakeChannel {
  posted: unknown[] = [];
  closed = false;
  onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
  constructor(readonly name: string) {}
  postMessage(message: unknown) {
    this.posted.push(message);
  }
  close() {
    this.closed = true;
  }
  hear(data: unknown) {
    this.onmessage?.({ data } as MessageEvent<unknown>);
  }
}

function setup(probe: () => Promise<ProbeResult>) {
  let channel!: FakeChannel;
  const onEnded = vi.fn();
  const tabs = watchTabs(onEnded, { createChannel: (name) => (channel = new FakeChannel(name)), probe: vi.fn(probe) });
  return { channel, onEnded, tabs };
}

describe('watchTabs (the other tabs of this browser)', () => {
  it('tells the others on the session channel', () => {
    const { channel, tabs } = setup(async () => ({ status: 'active' }));
    expect(channel.name).toBe(TAB_CHANNEL);
    tabs.tell('signed_out');
    expect(channel.posted).toEqual([{ type: 'revoked', reason: 'signed_out' }]);
  });

  it("checks a sibling's word with the server: a live session is not signed out by a stale message", async () => {
    const { channel, onEnded } = setup(async () => ({ status: 'active' }));
    channel.hear({ type: 'revoked', reason: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onEnded).not.toHaveBeenCalled();
  });

  it("takes the server's reason, or the sibling's when the server only knows the cookie is gone", async () => {
    const revoked = setup(async () => ({ status: 'ended', reason: 'password_changed' }));
    revoked.channel.hear({ type: 'revoked', reason: 'admin' });
    await vi.waitFor(() => expect(revoked.onEnded).toHaveBeenCalledWith({ reason: 'password_changed', fromOtherTab: true }));

    const gone = setup(async () => ({ status: 'ended', reason: 'session_ended' }));
    gone.channel.hear({ type: 'revoked', reason: 'signed_out' });
    await vi.waitFor(() => expect(gone.onEnded).toHaveBeenCalledWith({ reason: 'signed_out', fromOtherTab: true }));
  });

  it('trusts the sibling when the server cannot be asked', async () => {
    const { channel, onEnded } = setup(() => Promise.reject(new Error('offline')));
    channel.hear({ type: 'revoked', reason: 'signed_out_elsewhere' });
    await vi.waitFor(() => expect(onEnded).toHaveBeenCalledWith({ reason: 'signed_out_elsewhere', fromOtherTab: true }));
  });

  it('ignores other messages, and everything once disposed', async () => {
    const { channel, onEnded, tabs } = setup(() => Promise.reject(new Error('offline')));
    channel.hear({ type: 'hello' });
    tabs.dispose();
    expect(channel.closed).toBe(true);
    channel.hear({ type: 'revoked', reason: 'admin' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onEnded).not.toHaveBeenCalled();
  });
});

import { describe, expect, it, vi } from 'vitest';
import { SESSION_CHECK_ATTRIBUTE, watchBackForwardCache } from './back-forward-cache';
import type { ProbeResult } from './probe';

describe('watchBackForwardCache (pages restored from the back-forward cache)', () => {
  function setup() {
    const target = new EventTarget();
    const attributes = new Map<string, string>();
    const root = {
      setAttribute: (name: string, value: string) => void attributes.set(name, value),
      removeAttribute: (name: string) => void attributes.delete(name),
    };
    let answer!: (status: ProbeResult['status'] | 'unknown') => void;
    const probe = vi.fn(() => new Promise<ProbeResult['status'] | 'unknown'>((resolve) => (answer = resolve)));
    const dispose = watchBackForwardCache(vi.fn(), { target, root, probe });
    const fire = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
      target.dispatchEvent(Object.assign(new Event(type), { persisted }));
    const hidden = () => attributes.has(SESSION_CHECK_ATTRIBUTE);
    return { dispose, fire, hidden, probe, answer: (status: ProbeResult['status'] | 'unknown') => answer(status) };
  }

  it('hides the page as it enters the cache, and shows it again only once the session is confirmed', async () => {
    const t = setup();
    t.fire('pagehide', true);
    expect(t.hidden()).toBe(true);
    t.fire('pageshow', true);
    expect(t.probe).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    expect(t.hidden()).toBe(true);
    t.answer('active');
    await vi.waitFor(() => expect(t.hidden()).toBe(false));
  });

  it('keeps the page hidden behind the prompt when the probe finds the session ended', async () => {
    const t = setup();
    t.fire('pagehide', true);
    t.fire('pageshow', true);
    t.answer('ended');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(t.hidden()).toBe(true);
  });

  it('shows the page again when the server cannot be asked (offline says nothing of the session)', async () => {
    const t = setup();
    t.fire('pageshow', true);
    t.answer('unknown');
    await vi.waitFor(() => expect(t.hidden()).toBe(false));
  });

  it('ignores ordinary loads and unloads (not persisted), and stops listening when disposed', () => {
    const t = setup();
    t.fire('pagehide', false);
    t.fire('pageshow', false);
    expect(t.hidden()).toBe(false);
    expect(t.probe).not.toHaveBeenCalled();
    t.dispose();
    t.fire('pagehide', true);
    t.fire('pageshow', true);
    expect(t.hidden()).toBe(false);
    expect(t.probe).not.toHaveBeenCalled();
  });
});

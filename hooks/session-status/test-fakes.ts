import type { BroadcastChannelLike } from './broadcast';
import type { PageEvents } from './wake';

/** window and document as the channels use them, driven by the test. */
export function fakePage() {
  const state = { visibility: 'visible' as DocumentVisibilityState, online: true };
  const window = new EventTarget();
  const document = Object.defineProperty(new EventTarget(), 'visibilityState', { get: () => state.visibility }) as EventTarget & {
    visibilityState: DocumentVisibilityState;
  };
  const page: PageEvents = { window, document, online: () => state.online };
  return {
    page,
    state,
    fire: (target: 'window' | 'document', type: string, extra: Record<string, unknown> = {}) =>
      (target === 'window' ? window : document).dispatchEvent(Object.assign(new Event(type), extra)),
  };
}

/** An EventSource driven by the test: every one made is in `opened`, its events emitted by `emit`. */
export class FakeEventSource {
  static opened: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, fn: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data: string) {
    for (const fn of this.listeners.get(type) ?? []) fn({ data } as MessageEvent<string>);
  }
}

/**
 * BroadcastChannels between the tabs of one fake browser: a message reaches every other open channel of its name
 * in a later task, as in browsers. `cut` silences one (its tab crashed) without closing it.
 */
export function fakeBroadcast() {
  const open = new Set<FakeChannel>();
  class FakeChannel implements BroadcastChannelLike {
    onmessage: ((event: MessageEvent<unknown>) => void) | null = null;
    constructor(readonly name: string) {
      open.add(this);
    }
    postMessage(data: unknown) {
      if (!open.has(this)) return;
      for (const other of open) {
        if (other !== this && other.name === this.name) setTimeout(() => open.has(other) && other.onmessage?.({ data } as MessageEvent<unknown>));
      }
    }
    close() {
      open.delete(this);
    }
  }
  return {
    createChannel: (name: string) => new FakeChannel(name),
    cut: (channel: BroadcastChannelLike) => open.delete(channel as FakeChannel),
  };
}

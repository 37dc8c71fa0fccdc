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

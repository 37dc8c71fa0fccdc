import { newId } from '../ids.ts';
import type { Store } from '../store.ts';

export interface EventRecord {
  id: string;
  event: string;
  data: Record<string, unknown>;
  createdAt: number;
}

export type EventListener = (event: EventRecord) => void;

const EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** What WorkOS announces: kept 30 days for the Events API and handed to listeners (the webhook dispatcher). */
export class Events {
  private readonly store: Store;
  private readonly listeners = new Set<EventListener>();

  constructor(store: Store) {
    this.store = store;
  }

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: string, data: Record<string, unknown>): EventRecord {
    const { state } = this.store;
    const now = this.store.now();
    const record: EventRecord = { id: newId('event', now), event, data, createdAt: now };
    const cutoff = now - EVENT_RETENTION_MS;
    state.events = state.events.filter((e) => e.createdAt >= cutoff);
    state.events.push(record);
    this.store.persistSoon();
    for (const listener of this.listeners) listener(record);
    return record;
  }

  /** Events still retained (30 days), oldest first. */
  list(): EventRecord[] {
    const cutoff = this.store.now() - EVENT_RETENTION_MS;
    return this.store.state.events.filter((e) => e.createdAt >= cutoff);
  }

  get(id: string): EventRecord | undefined {
    return this.store.state.events.find((e) => e.id === id);
  }
}

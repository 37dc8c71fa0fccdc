import type { Store } from '../store.ts';

export interface DeliveryAttempt {
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  event: string;
  url: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  lastStatus: number | null;
  lastError: string | null;
  /** The app's own word on the event, from its answer's JSON `status` (processed, duplicate, ignored, parked). */
  acknowledgedAs?: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  log: DeliveryAttempt[];
}

const DELIVERIES_KEPT = 1000;

/** Webhook deliveries, the latest 1,000; the dispatcher (emulator/webhooks.ts) updates them in place. */
export class Deliveries {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  list(): DeliveryRecord[] {
    return this.store.state.deliveries;
  }

  add(delivery: DeliveryRecord): void {
    const { deliveries } = this.store.state;
    deliveries.push(delivery);
    if (deliveries.length > DELIVERIES_KEPT) deliveries.splice(0, deliveries.length - DELIVERIES_KEPT);
    this.store.persistSoon();
  }
}

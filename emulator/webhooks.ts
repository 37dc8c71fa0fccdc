import { createHmac } from 'node:crypto';
import { newId } from './ids.ts';
import type { DeliveryRecord } from './state/deliveries.ts';
import type { EventRecord } from './state/events.ts';
import type { Store } from './store.ts';
import { webhookEventJson } from './wire.ts';

export interface WebhookRetryPolicy {
  /** Delay before the first retry; doubles on every further retry. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts: number;
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: WebhookRetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxAttempts: 12,
  timeoutMs: 10_000,
};

/** `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret, t + "." + body)>` */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp}, v1=${v1}`;
}

type Log = (line: string) => void;

/**
 * Delivers every event to the configured endpoint, signed as WorkOS signs, retrying with
 * exponential backoff until the endpoint acknowledges with a 2xx (or attempts run out).
 */
export class WebhookDispatcher {
  private readonly store: Store;
  private readonly policy: WebhookRetryPolicy;
  private readonly log: Log;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private closed = false;
  /** Bumped by cancelAll so attempts already in flight for discarded deliveries stop there. */
  private generation = 0;

  constructor(store: Store, policy: WebhookRetryPolicy, log: Log) {
    this.store = store;
    this.policy = policy;
    this.log = log;
    this.unsubscribe = store.events.on((event) => this.enqueue(event));
    // Resume deliveries that were pending when the emulator last stopped.
    for (const delivery of store.deliveries.list()) {
      if (delivery.status === 'pending') this.schedule(delivery, 0);
    }
  }

  private enqueue(event: EventRecord): void {
    const { webhookUrl, webhooksEnabled, webhookSecret } = this.store.config;
    if (!webhooksEnabled || !webhookUrl || !webhookSecret) return;
    const now = this.store.clock.now();
    const delivery: DeliveryRecord = {
      id: newId('webhook_delivery', now),
      eventId: event.id,
      event: event.event,
      url: webhookUrl,
      attempts: 0,
      status: 'pending',
      lastStatus: null,
      lastError: null,
      nextAttemptAt: now,
      createdAt: now,
      log: [],
    };
    this.store.deliveries.add(delivery);
    this.schedule(delivery, 0);
  }

  private schedule(delivery: DeliveryRecord, delayMs: number): void {
    if (this.closed) return;
    const generation = this.generation;
    const timer = setTimeout(() => {
      this.timers.delete(delivery.id);
      const attempt = this.attempt(delivery, generation).finally(() => this.inFlight.delete(attempt));
      this.inFlight.add(attempt);
    }, delayMs);
    this.timers.set(delivery.id, timer);
  }

  private async attempt(delivery: DeliveryRecord, generation: number): Promise<void> {
    const event = this.store.events.get(delivery.eventId);
    const secret = this.store.config.webhookSecret;
    if (!event || !secret) {
      this.finish(delivery, 'failed', null, event ? 'no webhook secret configured' : 'event no longer retained');
      return;
    }
    const body = JSON.stringify(webhookEventJson(event));
    const started = Date.now();
    delivery.attempts += 1;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WorkOS-Emulator-Webhooks/1.0',
          // Real time, even with the emulator's clock moved: receivers check it against their own clock.
          'workos-signature': signWebhook(secret, Date.now(), body),
        },
        body,
        signal: AbortSignal.timeout(this.policy.timeoutMs),
      });
      status = response.status;
      delivery.acknowledgedAs = await acknowledgment(response);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    if (this.closed || generation !== this.generation) return;
    const durationMs = Date.now() - started;
    delivery.log.push({ at: this.store.clock.now(), status, error, durationMs });
    delivery.lastStatus = status;
    delivery.lastError = error;
    const outcome = error === null ? 'delivered' : 'failed';
    this.log(
      `webhook ${event.event} ${event.id} → ${delivery.url} attempt ${delivery.attempts}: ${error ?? `HTTP ${status}`} (${durationMs} ms)`,
    );
    if (outcome === 'delivered') {
      this.finish(delivery, 'delivered', status, null);
    } else if (delivery.attempts >= this.policy.maxAttempts) {
      this.finish(delivery, 'failed', status, error);
    } else {
      const delay = Math.min(this.policy.baseDelayMs * 2 ** (delivery.attempts - 1), this.policy.maxDelayMs);
      delivery.nextAttemptAt = this.store.clock.now() + delay;
      this.store.persistSoon();
      this.schedule(delivery, delay);
    }
  }

  private finish(
    delivery: DeliveryRecord,
    status: 'delivered' | 'failed',
    lastStatus: number | null,
    error: string | null,
  ): void {
    delivery.status = status;
    delivery.lastStatus = lastStatus ?? delivery.lastStatus;
    delivery.lastError = error;
    delivery.nextAttemptAt = null;
    this.store.persistSoon();
  }

  /** Stops pending retries (used by reset: deliveries are cleared with the rest of the state). */
  cancelAll(): void {
    this.generation += 1;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelAll();
    this.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }
}

/** The `status` the app's JSON answer names (processed, duplicate, ignored, parked…), read from at most 4 KB. */
async function acknowledgment(response: Response): Promise<string | null> {
  if (!(response.headers.get('content-type') ?? '').includes('application/json')) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  try {
    const body = JSON.parse((await response.text()).slice(0, 4096)) as { status?: unknown; error?: unknown };
    const said = body.status ?? body.error;
    return typeof said === 'string' ? said.slice(0, 40) : null;
  } catch {
    return null;
  }
}

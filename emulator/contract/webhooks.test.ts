import { SignatureVerificationException } from '@workos-inc/node';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

const SECRET = 'whsec_contract_test';

interface Received {
  body: string;
  signature: string;
  contentType: string;
}

/** A tiny webhook endpoint: answers with the next scripted status and hands each request to waiters. */
class Receiver {
  server: Server;
  url = '';
  received: Received[] = [];
  script: number[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['workos-signature'] ?? ''),
          contentType: String(req.headers['content-type'] ?? ''),
        });
        res.writeHead(this.script.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length >= w.count) w.resolve();
          return this.received.length < w.count;
        });
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  /** Resolves once `count` requests in total have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  reset(): void {
    this.received = [];
    this.script = [];
  }
}

let h: Harness;
const receiver = new Receiver();

type Delivery = {
  event_id: string;
  event: string;
  attempts: number;
  status: string;
  last_status: number | null;
  log: { at: string }[];
};

beforeAll(async () => {
  await receiver.listen();
  h = await startHarness({
    webhookUrl: receiver.url,
    webhookSecret: SECRET,
    webhookRetry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 4, timeoutMs: 2000 },
  });
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => receiver.server.close(resolve));
});
beforeEach(() => {
  h.emulator.reset();
  receiver.reset();
});

async function deliveries(): Promise<Delivery[]> {
  return (await h.control<Delivery[]>('GET', '/_emulator/webhooks/deliveries')).body;
}

describe('webhooks', () => {
  it('signs deliveries exactly as WorkOS does (verified by the SDK)', async () => {
    await h.control('POST', '/_emulator/users', { email: 'hook@example.com', password: 'password-1' });
    await receiver.waitFor(1);
    const [request] = receiver.received;
    expect(request?.contentType).toContain('application/json');
    expect(request?.signature).toMatch(/^t=\d{13}, v1=[0-9a-f]{64}$/);
    const event = await h.workos.webhooks.constructEvent({
      payload: request!.body,
      sigHeader: request!.signature,
      secret: SECRET,
    });
    expect(event.event).toBe('user.created');
    expect(event.id).toMatch(/^event_/);
    expect((event.data as { email: string }).email).toBe('hook@example.com');
    expect(Object.keys(JSON.parse(request!.body) as object).sort()).toEqual(['created_at', 'data', 'event', 'id']);
    // The body the Events API returns carries the same id.
    const listed = await h.workos.events.listEvents({ events: ['user.created'] });
    expect(listed.data.map((e) => e.id)).toContain(event.id);
  });

  it("signs with real time while the emulator's clock is moved, as the receiver's clock sees it", async () => {
    h.clock.advance(15 * 60_000);
    await h.control('POST', '/_emulator/users', { email: 'later@example.com', password: 'password-1' });
    await receiver.waitFor(1);
    const [request] = receiver.received;
    const signedAt = Number(/^t=(\d+),/.exec(request!.signature)?.[1]);
    expect(Math.abs(signedAt - Date.now())).toBeLessThan(60_000);
    // The SDK's own check (3 minutes' tolerance against the receiver's clock) accepts it…
    const event = await h.workos.webhooks.constructEvent({ payload: request!.body, sigHeader: request!.signature, secret: SECRET });
    // …while the event itself carries the emulator's time, as WorkOS's events carry WorkOS's.
    expect(Date.parse(event.createdAt)).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('fails verification with the wrong secret or a tampered body', async () => {
    await h.control('POST', '/_emulator/users', { email: 'hook2@example.com', password: 'password-1' });
    await receiver.waitFor(1);
    const request = receiver.received[0]!;
    await expect(
      h.workos.webhooks.constructEvent({ payload: request.body, sigHeader: request.signature, secret: 'whsec_other' }),
    ).rejects.toBeInstanceOf(SignatureVerificationException);
    await expect(
      h.workos.webhooks.constructEvent({
        payload: request.body.replace('hook2', 'hook3'),
        sigHeader: request.signature,
        secret: SECRET,
      }),
    ).rejects.toBeInstanceOf(SignatureVerificationException);
  });

  it('retries with exponential backoff until acknowledged, and logs each attempt', async () => {
    receiver.script = [500, 503];
    const auth = await h.signIn('grace@example.com');
    await receiver.waitFor(3);
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as { id: string; event: string });
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies[0]?.event).toBe('session.created');
    await vi.waitFor(async () => expect((await deliveries())[0]?.status).toBe('delivered'));
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ event: 'session.created', attempts: 3, status: 'delivered', last_status: 200 });
    const times = delivery!.log.map((entry) => Date.parse(entry.at));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(15);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(35);
    // Each retry is signed afresh and still verifies.
    for (const request of receiver.received) {
      await expect(
        h.workos.webhooks.constructEvent({ payload: request.body, sigHeader: request.signature, secret: SECRET }),
      ).resolves.toBeTruthy();
    }
    expect(auth.user.email).toBe('grace@example.com');
  });

  it('marks a delivery failed after the last attempt', async () => {
    receiver.script = [500, 500, 500, 500];
    await h.control('POST', '/_emulator/users', { email: 'never@example.com', password: 'password-1' });
    await receiver.waitFor(4);
    await vi.waitFor(async () => expect((await deliveries())[0]?.status).toBe('failed'));
    expect((await deliveries())[0]).toMatchObject({ attempts: 4, last_status: 500, status: 'failed' });
  });

  it('sends session.revoked with the final session status', async () => {
    const auth = await h.signIn('alan@example.com');
    await receiver.waitFor(1);
    await h.control('POST', `/_emulator/users/${auth.user.id}/revoke_sessions`);
    await receiver.waitFor(2);
    const event = await h.workos.webhooks.constructEvent({
      payload: receiver.received[1]!.body,
      sigHeader: receiver.received[1]!.signature,
      secret: SECRET,
    });
    expect(event.event).toBe('session.revoked');
    expect(event.data).toMatchObject({ object: 'session', status: 'revoked', userId: auth.user.id });
  });

  it('can be switched off and on through the config', async () => {
    expect((await h.control('POST', '/_emulator/config', { webhooks_enabled: false })).body).toMatchObject({
      webhooks_enabled: false,
    });
    await h.control('POST', '/_emulator/users', { email: 'quiet@example.com', password: 'password-1' });
    expect(await deliveries()).toEqual([]);
    await h.control('POST', '/_emulator/config', { webhooks_enabled: true });
    await h.control('POST', '/_emulator/users', { email: 'loud@example.com', password: 'password-1' });
    await receiver.waitFor(1);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.body).toContain('loud@example.com');
  });
});

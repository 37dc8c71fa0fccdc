import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { hashSessionId } from '@/lib/security/hash';
import { RECONNECT_FRAME } from '@/lib/session-status/protocol';
import {
  accessTokenExpiry,
  createSessionEventStream,
  SSE_MAX_STREAM_MS,
  SSE_MIN_STREAM_MS,
  streamLifetimeMs,
} from './event-stream';
import { createSessionHub, EXPIRY_TICK_MS, type SessionHubOptions } from './hub';
import { createRevocationRegistry, type RevocationRegistry } from '../registry';
import { createSqliteBackend } from '../store/sqlite';

const registries: RevocationRegistry[] = [];

async function setup(heartbeatMs?: number, receiptFor?: SessionHubOptions['receiptFor']) {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  const backend = createSqliteBackend({ db, retentionMs: 60_000, pollIntervalMs: 0 });
  const registry = createRevocationRegistry({ kind: 'sqlite', backend, retentionMs: 60_000, log: () => {} });
  registries.push(registry);
  await registry.ready();
  const hub = createSessionHub(registry, { heartbeatMs, receiptFor });
  /** The stream /api/session/events opens, for session_b of user_1 unless told otherwise. */
  const open = ({ sessionId = 'session_b', userId = 'user_1', signal = new AbortController().signal } = {}) =>
    createSessionEventStream({ registry, hub, sessionHash: hashSessionId(sessionId), userId, signal });
  return { registry, hub, open };
}

/** Reads the stream as text, chunk by chunk, until `until` matches or the stream ends. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp | null) {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { text, done: true };
    text += decoder.decode(value);
    if (until && until.test(text)) return { text, done: false };
  }
}

afterEach(async () => {
  for (const r of registries.splice(0)) await r.close();
});

describe('session event stream', () => {
  it('starts with retry, sends revoked with the reason and message when the session is revoked, then closes', async () => {
    const { registry, hub, open } = await setup();
    const reader = open().getReader();

    const opening = await readUntil(reader, /connected/);
    expect(opening.text).toMatch(/^retry: 3000\n/);
    expect(hub.size()).toBe(1);

    await registry.revoke({
      sessionId: 'session_b',
      userId: 'user_1',
      reason: 'signed_out_elsewhere',
      source: 'action',
      actor: { type: 'user', id: 'user_1' },
    });
    const rest = await readUntil(reader, null);
    expect(rest.done).toBe(true);
    expect(rest.text).toMatch(
      /^id: revoked-\d+\nevent: revoked\ndata: \{"reason":"signed_out_elsewhere","message":"You signed out this device from another device\."\}\n\n$/,
    );
    expect(hub.size()).toBe(0);
  });

  it("puts the revocation's receipt token in the revoked frame, pushed or found at connect", async () => {
    const { registry, open } = await setup(undefined, (record) => `receipt-of-${record.sessionHash}-${record.revokedAt}`);
    const reader = open().getReader();
    await readUntil(reader, /connected/);
    const record = await registry.revoke({
      sessionId: 'session_b',
      userId: 'user_1',
      reason: 'admin',
      source: 'admin',
      actor: { type: 'admin', id: 'user_admin' },
    });
    const receipt = `"receipt":"receipt-of-${hashSessionId('session_b')}-${record.revokedAt}"`;
    expect((await readUntil(reader, null)).text).toContain(receipt);
    expect((await readUntil(open().getReader(), null)).text).toContain(receipt);
  });

  it('sends revoked at once when the session (or its user) is already revoked at connect', async () => {
    const { registry, hub, open } = await setup();
    await registry.revokeUser('user_gone', 'user_deleted', 'webhook');
    const reader = open({ sessionId: 'session_x', userId: 'user_gone' }).getReader();
    const all = await readUntil(reader, null);
    expect(all.text).toContain('event: revoked\ndata: {"reason":"user_deleted"');
    expect(hub.size()).toBe(0);
  });

  it('sends heartbeats and releases everything when the client goes away', async () => {
    const { hub, open } = await setup(10);
    const controller = new AbortController();
    const reader = open({ signal: controller.signal }).getReader();
    expect((await readUntil(reader, /: ping\n\n/)).text).toContain(': ping');
    controller.abort();
    expect((await readUntil(reader, null)).done).toBe(true);
    expect(hub.size()).toBe(0);
  });

  it('a cancelled stream leaves the hub', async () => {
    const { hub, open } = await setup();
    const stream = open();
    expect(hub.size()).toBe(1);
    await stream.cancel();
    expect(hub.size()).toBe(0);
  });
});

describe('session event stream lifetime', () => {
  const t0 = 1_700_000_000_000;
  afterEach(() => {
    vi.useRealTimers();
  });

  // The hub's expiry timer and Date.now() on a clock the test drives; the streams' promises still run for real.
  async function openWith(expiresAt: number | null) {
    vi.useFakeTimers({ now: t0, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { registry, hub } = await setup();
    const otherTimers = vi.getTimerCount(); // the registry's and the store's
    const stream = createSessionEventStream({
      registry,
      hub,
      sessionHash: hashSessionId('session_b'),
      userId: 'user_1',
      signal: new AbortController().signal,
      expiresAt,
    });
    return { hub, reader: stream.getReader(), hubTimers: () => vi.getTimerCount() - otherTimers };
  }

  it('closes with event: reconnect when the access token expires, within a tick after', async () => {
    const { hub, reader } = await openWith(t0 + 5 * 60_000);
    await readUntil(reader, /connected/);
    vi.advanceTimersByTime(5 * 60_000 - 1);
    expect(hub.size()).toBe(1);
    vi.advanceTimersByTime(EXPIRY_TICK_MS);
    const rest = await readUntil(reader, null);
    expect(rest.done).toBe(true);
    expect(rest.text).toBe(RECONNECT_FRAME);
    expect(rest.text).toMatch(/^event: reconnect\n/);
    expect(hub.size()).toBe(0);
  });

  it('closes after an hour at most, and not in a tight loop for a token that already expired', async () => {
    expect(streamLifetimeMs(t0 + 24 * 3_600_000, t0)).toBe(SSE_MAX_STREAM_MS);
    expect(streamLifetimeMs(null, t0)).toBe(SSE_MAX_STREAM_MS);
    expect(streamLifetimeMs(t0 - 1_000, t0)).toBe(SSE_MIN_STREAM_MS);

    const { hub, reader } = await openWith(null);
    await readUntil(reader, /connected/);
    vi.advanceTimersByTime(SSE_MAX_STREAM_MS - 1);
    expect(hub.size()).toBe(1);
    vi.advanceTimersByTime(EXPIRY_TICK_MS);
    expect((await readUntil(reader, null)).text).toContain('event: reconnect');
    expect(hub.size()).toBe(0);
  });

  it('leaves no timer running once the last stream has ended otherwise', async () => {
    const { hub, reader, hubTimers } = await openWith(null);
    await readUntil(reader, /connected/);
    expect(hubTimers()).toBe(1);
    await reader.cancel();
    expect(hub.size()).toBe(0);
    expect(hubTimers()).toBe(0);
  });

  it("reads the access token's exp claim", () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64({ alg: 'RS256' })}.${b64({ sub: 'user_1', exp: 1_700_000_300 })}.sig`;
    expect(accessTokenExpiry(token)).toBe(1_700_000_300_000);
    expect(accessTokenExpiry('not a jwt')).toBeNull();
  });
});

import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { hashSessionId } from '@/lib/security/hash';
import { createSessionEventStream } from './event-stream';
import { createSessionHub } from './hub';
import { createRevocationRegistry, type RevocationRegistry } from './registry';
import { createSqliteBackend } from './sqlite-backend';

const registries: RevocationRegistry[] = [];

async function setup(heartbeatMs?: number) {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  const backend = createSqliteBackend({ db, retentionMs: 60_000, pollIntervalMs: 0 });
  const registry = createRevocationRegistry({ kind: 'sqlite', backend, retentionMs: 60_000, log: () => {} });
  registries.push(registry);
  await registry.ready();
  const hub = createSessionHub(registry, { heartbeatMs });
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

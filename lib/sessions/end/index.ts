import 'server-only';
import { sealData, unsealData } from 'iron-session';
import { markWorkosConfirmed, recordAudit } from '@/lib/audit';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { isRevocationReason } from '@/lib/session-status/reasons';
import { revokeWorkosSession } from '@/lib/workos/client';
import { createOutboxConfirmer, type OutboxConfirmer } from './confirmer';
import { createSessionEnder } from './end-sessions';
import { createSqliteOutbox, layeredOutbox, type WorkosOutbox } from './outbox';
import type { EndOutcome, EndRequest, EndUserRequest } from './types';

export type { EndActor, EndOutcome, EndRequest, EndTarget, EndUserRequest } from './types';
export { actorOfSession } from './types';

/** One WorkOS call: a hung call must not hang an action (the outbox retries what did not get an answer). */
export const REVOKE_TIMEOUT_MS = 8_000;

interface Runtime {
  ender: ReturnType<typeof createSessionEnder>;
  /** What the ender writes to; with Redis, layered over this instance's own (outbox.ts layeredOutbox). */
  outbox: WorkosOutbox;
  /** Every outbox the confirmer drains. */
  drained: WorkosOutbox[];
  confirmer: OutboxConfirmer;
}

const key = Symbol.for('soe.sessions.end');
type Holder = { [key]?: Promise<Runtime> };

async function createRuntime(): Promise<Runtime> {
  const env = getEnv();
  const password = env.WORKOS_COOKIE_PASSWORD;
  const log = (message: string) => console.warn(`[workos-outbox] ${message}`);
  const local = createSqliteOutbox(getDb());
  let outbox: WorkosOutbox = local;
  const drained: WorkosOutbox[] = [local];
  if (env.REDIS_URL) {
    // Imported only when REDIS_URL is set: ioredis stays out of processes that do not use Redis.
    const { createRedisOutbox } = await import('./redis-outbox');
    const shared = createRedisOutbox({
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    });
    const layered = layeredOutbox(shared, local, log);
    outbox = layered.outbox;
    drained.splice(0, drained.length, ...layered.drained);
  }
  const registry = getRevocationRegistry();
  // A browser drops the session cookie after this; WorkOS's own maximum session length is shorter still.
  const holdWithoutExpiryMs = env.WORKOS_COOKIE_MAX_AGE * 1000;
  const confirmer = createOutboxConfirmer({
    outboxes: drained,
    revokeAtWorkos: (sessionId) => revokeWorkosSession(sessionId, { timeoutMs: REVOKE_TIMEOUT_MS }),
    unsealSessionId: async (sealed) => (await unsealData<{ sid: string }>(sealed, { password })).sid,
    onConfirmed: async (entry, at) => markWorkosConfirmed(entry.sessionHash, at),
    lockOut: async (sessionId, entry) => {
      await registry.ready();
      if (registry.check(sessionId, entry.userId)) return;
      await registry.revoke({
        sessionId,
        userId: entry.userId,
        reason: isRevocationReason(entry.reason) ? entry.reason : 'signed_out_elsewhere',
        source: 'action',
        actor: { type: 'system' },
        holdUntil: Date.now() + holdWithoutExpiryMs,
      });
    },
  });
  const ender = createSessionEnder({
    registry,
    revokeAtWorkos: (sessionId) => revokeWorkosSession(sessionId, { timeoutMs: REVOKE_TIMEOUT_MS }),
    outbox,
    sealSessionId: (sessionId) => sealData({ sid: sessionId }, { password, ttl: 0 }),
    audit: (entry) => recordAudit(entry),
    markConfirmed: async (sessionHash) => markWorkosConfirmed(sessionHash, Date.now()),
    kickOutbox: () => confirmer.kick(),
    holdWithoutExpiryMs,
  });
  return { ender, outbox, drained, confirmer };
}

function runtime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  holder[key] ??= createRuntime();
  return holder[key];
}

/** Ends sessions: WorkOS first, then the registry and the activity; see end-sessions.ts. Never throws. */
export async function endSessions(request: EndRequest): Promise<EndOutcome[]> {
  return (await runtime()).ender.endSessions(request);
}

/** Locks out every session of a user (a deleted account); see end-sessions.ts `endUser`. Throws on failure. */
export async function endUser(request: EndUserRequest): Promise<void> {
  return (await runtime()).ender.endUser(request);
}

/** Starts this process's outbox worker (instrumentation.ts); idempotent. */
export async function startOutboxConfirmer(): Promise<OutboxConfirmer> {
  const { confirmer } = await runtime();
  confirmer.start();
  return confirmer;
}

/** For operators: each outbox the worker drains, and what it holds. */
export async function outboxStats() {
  return Promise.all((await runtime()).drained.map(async (o) => ({ kind: o.kind, ...(await o.stats().catch(() => ({ pending: -1, oldestEnqueuedAt: null, mostAttempts: 0 }))) })));
}

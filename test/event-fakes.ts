import { DatabaseSync } from 'node:sqlite';
import { migrate } from '@/lib/db/schema';
import type { RevocationInput, RevocationReason, RevocationRecord, RevocationSource } from '@/lib/revocation/types';
import { secretBox } from '@/lib/security/aead';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError, type AppSession, type WorkosEvent } from '@/lib/workos/types';
import type { SignInInput } from '@/lib/audit';
import type { AuditInput } from '@/lib/audit/types';
import { createSessionEnder } from '@/lib/sessions/end/end-sessions';
import { createSqliteOutbox } from '@/lib/sessions/end/outbox';
import type { ProcessDeps } from '@/lib/events/process-event';

/** Test doubles for lib/events (imported by *.test.ts only). */

/** The ledger's box in tests: real sealing, a test-only secret. */
export const TEST_BOX = secretBox('a-test-cookie-password-of-32-characters!', 'event-ledger/v1');

export function memoryDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  return db;
}

export function session(overrides: Partial<AppSession> & { id: string; userId: string }): AppSession {
  const created = overrides.createdAt ?? new Date('2026-01-01T10:00:00Z');
  return {
    organizationId: 'org_demo',
    status: 'active',
    authMethod: 'password',
    ipAddress: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0',
    impersonator: null,
    expiresAt: new Date(created.getTime() + 30 * 86_400_000),
    endedAt: null,
    updatedAt: created,
    ...overrides,
    createdAt: created,
  };
}

let counter = 0;
export function event(type: string, fields: Partial<WorkosEvent> = {}): WorkosEvent {
  counter++;
  return {
    id: fields.id ?? `event_${String(counter).padStart(6, '0')}`,
    event: type,
    createdAt: fields.createdAt ?? new Date('2026-01-02T10:00:00Z'),
    data: fields.data ?? {},
    session: fields.session ?? null,
    user: fields.user ?? null,
    userId: fields.userId ?? fields.session?.userId ?? fields.user?.id ?? null,
  };
}

/** Registry with the real one's semantics that matter here: additive, idempotent, user-wide lockout. */
export class FakeRegistry {
  readonly records = new Map<string, RevocationRecord>();
  readonly users = new Map<string, { reason: RevocationReason; source: RevocationSource }>();
  readonly revokeCalls: RevocationInput[] = [];
  failNext = 0;

  async ready(): Promise<void> {}

  async revoke(input: RevocationInput): Promise<RevocationRecord> {
    this.revokeCalls.push(input);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('registry unavailable');
    }
    const existing = this.records.get(input.sessionId);
    if (existing) return existing;
    const record: RevocationRecord = {
      sessionHash: hashSessionId(input.sessionId),
      userId: input.userId,
      revokedAt: Date.now(),
      expiresAt: Date.now() + 86_400_000,
      reason: input.reason,
      source: input.source,
      actor: { type: input.actor.type, id: input.actor.id ?? null, sessionHash: null },
      note: input.note ?? null,
    };
    this.records.set(input.sessionId, record);
    return record;
  }

  async revokeUser(userId: string, reason: RevocationReason, source: RevocationSource): Promise<void> {
    this.users.set(userId, { reason, source });
  }

  check(sessionId: string, userId?: string): RevocationRecord | null {
    const record = this.records.get(sessionId);
    if (record) return record;
    const user = userId ? this.users.get(userId) : undefined;
    if (user && userId) {
      return {
        sessionHash: hashSessionId(sessionId),
        userId,
        revokedAt: 0,
        expiresAt: Number.MAX_SAFE_INTEGER,
        reason: user.reason,
        source: user.source,
        actor: { type: 'workos', id: null, sessionHash: null },
        note: null,
      };
    }
    return null;
  }
}

export class FakeWorkos {
  readonly sessions = new Map<string, AppSession>();
  readonly revoked: string[] = [];
  /** Session ids whose revocation fails (WorkOS unavailable) until removed. */
  readonly failing = new Set<string>();
  listCalls = 0;

  constructor(sessions: AppSession[] = []) {
    for (const s of sessions) this.sessions.set(s.id, s);
  }

  async listActiveSessions(userId: string): Promise<AppSession[]> {
    this.listCalls++;
    return [...this.sessions.values()].filter((s) => s.userId === userId && s.status === 'active');
  }

  async revokeWorkosSession(sessionId: string): Promise<void> {
    if (this.failing.has(sessionId)) throw new WorkosError('unavailable', 'WorkOS is unavailable');
    const s = this.sessions.get(sessionId);
    if (!s || s.status !== 'active') throw new WorkosError('not_found', 'no such session');
    this.sessions.set(sessionId, { ...s, status: 'revoked' });
    this.revoked.push(sessionId);
  }
}

export class FakeAudit {
  readonly entries: AuditInput[] = [];
  readonly signIns: SignInInput[] = [];
  record(entry: AuditInput): { id: number } {
    this.entries.push(entry);
    return { id: this.entries.length };
  }
  recordSignIn(entry: SignInInput): void {
    this.signIns.push(entry);
  }
}

/**
 * Real processing over fakes: the real session ender (lib/sessions/end) and outbox on a throwaway database, with a
 * registry and WorkOS that behave as the real ones do where it matters here.
 */
export function fakeDeps(overrides: Partial<ProcessDeps> & { workos?: FakeWorkos } = {}) {
  const db = overrides.db ?? memoryDb();
  const registry = new FakeRegistry();
  const workos = overrides.workos ?? new FakeWorkos();
  const audit = new FakeAudit();
  const outbox = createSqliteOutbox(db);
  const ender = createSessionEnder({
    registry,
    revokeAtWorkos: (id) => workos.revokeWorkosSession(id),
    outbox,
    sealSessionId: async (id) => `sealed:${id}`,
    audit: async (entry) => audit.record(entry),
    holdWithoutExpiryMs: 86_400_000,
    log: () => {},
  });
  const deps: ProcessDeps = {
    db,
    sessions: { end: ender.endSessions, endUser: ender.endUser },
    workos,
    audit,
    describeDevice: (ua) => (ua?.includes('Firefox') ? 'Firefox on Windows' : 'Unknown device'),
    revokeSessionsOnPasswordChange: true,
    box: TEST_BOX,
    ...overrides,
  };
  return { deps, db, registry, workos, audit, outbox };
}

import { randomToken } from '../ids.ts';
import type { Store } from '../store.ts';

/** How long a code, a pending organization choice and an impersonation waiting for its browser last. */
export const CODE_TTL_MS = 10 * 60 * 1000;

export interface CodeRecord {
  code: string;
  userId: string;
  /** Set for impersonation: the code hands over an existing session. */
  sessionId: string | null;
  clientId: string;
  redirectUri: string | null;
  codeChallenge: string | null;
  organizationId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  authTime: number;
  authMethod: string;
  expiresAt: number;
}

/** A sign-in waiting for the user to choose one of their organizations on the hosted page (in memory only). */
export interface PendingAuthentication {
  token: string;
  userId: string;
  authMethod: string;
  authTime: number;
  expiresAt: number;
}

/** Authorization codes (kept in the state file) and pending organization choices (in memory). */
export class Codes {
  private readonly store: Store;
  private readonly pending = new Map<string, PendingAuthentication>();

  constructor(store: Store) {
    this.store = store;
  }

  create(input: Omit<CodeRecord, 'code' | 'expiresAt'>): string {
    const { state } = this.store;
    const now = this.store.now();
    state.codes = state.codes.filter((c) => c.expiresAt > now);
    const code = randomToken(24);
    state.codes.push({ ...input, code, expiresAt: now + CODE_TTL_MS });
    this.store.persistSoon();
    return code;
  }

  /** Removes the code and returns it, expired or not (any attempt consumes a code); undefined when unknown. */
  take(code: string): CodeRecord | undefined {
    const { codes } = this.store.state;
    const index = codes.findIndex((c) => c.code === code);
    if (index < 0) return undefined;
    const [record] = codes.splice(index, 1);
    this.store.persistSoon();
    return record;
  }

  forgetSession(sessionId: string): void {
    const { state } = this.store;
    state.codes = state.codes.filter((c) => c.sessionId !== sessionId);
  }

  forgetUser(userId: string): void {
    const { state } = this.store;
    state.codes = state.codes.filter((c) => c.userId !== userId);
  }

  /** Credentials checked, organization not chosen yet: a single-use token for the hosted page's next step. */
  createPending(input: Pick<PendingAuthentication, 'userId' | 'authMethod' | 'authTime'>): string {
    const now = this.store.now();
    for (const [token, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(token);
    const token = randomToken(24);
    this.pending.set(token, { ...input, token, expiresAt: now + CODE_TTL_MS });
    return token;
  }

  /** Consumes a pending authentication (any attempt does); undefined when unknown or expired. */
  takePending(token: string): PendingAuthentication | undefined {
    const entry = this.pending.get(token);
    this.pending.delete(token);
    return entry && entry.expiresAt > this.store.now() ? entry : undefined;
  }

  clearPending(): void {
    this.pending.clear();
  }
}

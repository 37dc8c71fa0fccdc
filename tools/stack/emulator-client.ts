/**
 * Client for the emulator's control API (/_emulator, Bearer API key): the browser specs get one as the `emulator`
 * fixture (e2e/fixtures.ts); the multi-instance tests and the benchmarks make their own for their emulator.
 * Erasable TypeScript with `.ts` imports and no Playwright: Node 24 runs it directly (bench/*.mjs).
 */

/** The seeded demo users' password (and the default of users created through the control API). */
export const DEMO_PASSWORD = 'demo-password';

/** An organization membership in WorkOS's shape. */
export interface EmulatorMembership {
  id: string;
  user_id: string;
  organization_id: string;
  role: { slug: string };
  status: 'active' | 'inactive' | 'pending';
}

export interface EmulatorUser {
  id: string;
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  /** Of the first membership. */
  role?: string;
  organization_id?: string | null;
  memberships?: EmulatorMembership[];
  [key: string]: unknown;
}

export interface EmulatorSession {
  id: string;
  user_id: string;
  status: 'active' | 'expired' | 'revoked';
  auth_method: string;
  ip_address: string | null;
  user_agent: string | null;
  impersonator?: { email: string; reason: string | null } | null;
  created_at: string;
  ended_at: string | null;
  [key: string]: unknown;
}

export interface EmulatorConfig {
  access_token_ttl_seconds: number;
  session_max_age_seconds: number;
  webhook_url: string | null;
  webhooks_enabled: boolean;
  /** Whether access tokens carry `auth_time` (off by default, like WorkOS's documented token). */
  auth_time_claim?: boolean;
}

export interface EmulatorFault {
  method?: string;
  path: string;
  status?: number;
  body?: unknown;
  delay_ms?: number;
  count: number;
}

/** One refresh-token grant as the emulator answered it. */
export interface RefreshGrant {
  session_id: string | null;
  at: string;
  outcome: 'ok' | 'invalid_grant' | 'rejected';
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  event: string;
  url: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  last_status: number | null;
  last_error: string | null;
  /** The app's own word on it: processed, duplicate, ignored, parked… */
  acknowledged_as: string | null;
  next_attempt_at: string | null;
}

/** Accepts `[...]`, `{ data: [...] }` or `{ <key>: [...] }` so specs don't depend on the envelope. */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (Array.isArray(record.data)) return record.data as T[];
    if (Array.isArray(record[key])) return record[key] as T[];
  }
  throw new Error(`Unexpected emulator response: ${JSON.stringify(body).slice(0, 300)}`);
}

function objectOf<T>(body: unknown, key: string): T {
  if (body && typeof body === 'object' && key in body) return (body as Record<string, T>)[key]!;
  return body as T;
}

export class EmulatorClient {
  readonly baseURL: string;
  private readonly apiKey: string;

  constructor(baseURL: string, apiKey: string) {
    this.baseURL = baseURL;
    this.apiKey = apiKey;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseURL}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Back to the seeded state: demo users, no sessions/events/deliveries/faults, default config. */
  async reset(): Promise<void> {
    await this.request('POST', '/_emulator/reset');
  }

  async users(): Promise<EmulatorUser[]> {
    return listOf<EmulatorUser>(await this.request('GET', '/_emulator/users'), 'users');
  }

  async userByEmail(email: string): Promise<EmulatorUser> {
    const user = (await this.users()).find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (!user) throw new Error(`emulator has no user ${email}`);
    return user;
  }

  async createUser(input: {
    email: string;
    password?: string;
    first_name?: string;
    last_name?: string;
    role?: string;
    /** Default org_demo. */
    organization_id?: string;
    /** Several memberships instead of the one above. */
    memberships?: { organization_id: string; role?: string; membership_status?: string }[];
  }): Promise<EmulatorUser> {
    const body = await this.request('POST', '/_emulator/users', { password: DEMO_PASSWORD, ...input });
    return objectOf<EmulatorUser>(body, 'user');
  }

  /** As an administrator in the WorkOS dashboard: every session of the user ends (`session.revoked` each). */
  async revokeUserSessions(userIdOrEmail: string): Promise<EmulatorSession[]> {
    const id = await this.resolveUserId(userIdOrEmail);
    const body = await this.request('POST', `/_emulator/users/${encodeURIComponent(id)}/revoke_sessions`);
    return listOf<EmulatorSession>(body, 'sessions');
  }

  /** Ends one session at "WorkOS" (as the dashboard or API would; `session.revoked` follows). */
  async revokeSession(sessionId: string): Promise<EmulatorSession> {
    const body = await this.request('POST', `/_emulator/sessions/${encodeURIComponent(sessionId)}/revoke`);
    return objectOf<EmulatorSession>(body, 'session');
  }

  async deleteUser(userIdOrEmail: string): Promise<void> {
    const id = await this.resolveUserId(userIdOrEmail);
    await this.request('DELETE', `/_emulator/users/${encodeURIComponent(id)}`);
  }

  async resetPassword(userIdOrEmail: string, password: string): Promise<void> {
    const id = await this.resolveUserId(userIdOrEmail);
    await this.request('POST', `/_emulator/users/${encodeURIComponent(id)}/reset_password`, { password });
  }

  async impersonate(
    userIdOrEmail: string,
    impersonator: { email: string; reason?: string | null },
  ): Promise<EmulatorSession> {
    const id = await this.resolveUserId(userIdOrEmail);
    const body = await this.request('POST', `/_emulator/users/${encodeURIComponent(id)}/impersonate`, {
      impersonator_email: impersonator.email,
      reason: impersonator.reason ?? null,
    });
    return objectOf<EmulatorSession>(body, 'session');
  }

  /** Every session, including ended ones; of one user when given (id or email). */
  async sessions(userIdOrEmail?: string): Promise<EmulatorSession[]> {
    const query = userIdOrEmail ? `?user_id=${encodeURIComponent(await this.resolveUserId(userIdOrEmail))}` : '';
    return listOf<EmulatorSession>(await this.request('GET', `/_emulator/sessions${query}`), 'sessions');
  }

  async activeSessions(userIdOrEmail: string): Promise<EmulatorSession[]> {
    return (await this.sessions(userIdOrEmail)).filter((s) => s.status === 'active');
  }

  async config(): Promise<EmulatorConfig> {
    return objectOf<EmulatorConfig>(await this.request('GET', '/_emulator/config'), 'config');
  }

  async setConfig(patch: Partial<EmulatorConfig>): Promise<EmulatorConfig> {
    return objectOf<EmulatorConfig>(await this.request('POST', '/_emulator/config', patch), 'config');
  }

  async addFault(fault: EmulatorFault): Promise<void> {
    await this.request('POST', '/_emulator/faults', fault);
  }

  async faults(): Promise<Array<EmulatorFault & { id: string }>> {
    return listOf<EmulatorFault & { id: string }>(await this.request('GET', '/_emulator/faults'), 'faults');
  }

  async clearFaults(): Promise<void> {
    await this.request('DELETE', '/_emulator/faults');
  }

  async deliveries(): Promise<WebhookDelivery[]> {
    return listOf<WebhookDelivery>(await this.request('GET', '/_emulator/webhooks/deliveries'), 'deliveries');
  }

  /** Sends an event exactly as given (Events API and webhooks), e.g. one WorkOS could send malformed. */
  async injectEvent(event: string, data: Record<string, unknown>): Promise<{ id: string }> {
    return this.request('POST', '/_emulator/events', { event, data });
  }

  /** As WorkOS does when a membership is deleted: `organization_membership.deleted` (webhooks and Events API). */
  async endMembership(userIdOrEmail: string, organizationId = 'org_demo'): Promise<{ id: string }> {
    const userId = await this.resolveUserId(userIdOrEmail);
    const now = new Date().toISOString();
    return this.injectEvent('organization_membership.deleted', {
      object: 'organization_membership',
      id: `om_${userId}_${organizationId}`,
      user_id: userId,
      organization_id: organizationId,
      status: 'inactive',
      role: { slug: 'member' },
      created_at: now,
      updated_at: now,
    });
  }

  /** The user's memberships of every status, through WorkOS's own API. */
  async memberships(userIdOrEmail: string): Promise<EmulatorMembership[]> {
    const userId = await this.resolveUserId(userIdOrEmail);
    const query = `user_id=${encodeURIComponent(userId)}&statuses=active,inactive,pending&limit=100`;
    return listOf<EmulatorMembership>(
      await this.request('GET', `/user_management/organization_memberships?${query}`),
      'data',
    );
  }

  /** As an administrator in the WorkOS dashboard: a new role (`organization_membership.updated`). */
  async setMembershipRole(userIdOrEmail: string, organizationId: string, role: string): Promise<EmulatorMembership> {
    const membership = (await this.memberships(userIdOrEmail)).find((m) => m.organization_id === organizationId);
    if (!membership) throw new Error(`${userIdOrEmail} has no membership of ${organizationId}`);
    return this.request('PUT', `/user_management/organization_memberships/${encodeURIComponent(membership.id)}`, {
      role_slug: role,
    });
  }

  /** Every refresh grant the emulator answered since the last reset; of one session when given. */
  async grants(sessionId?: string): Promise<RefreshGrant[]> {
    const query = sessionId ? `?session_id=${encodeURIComponent(sessionId)}` : '';
    return listOf<RefreshGrant>(await this.request('GET', `/_emulator/grants${query}`), 'grants');
  }

  /**
   * How many calls WorkOS-facing routes received since the last reset; only those matching `path` (`*` wildcards,
   * e.g. `/user_management/users/*\/sessions`) and `method` when given.
   */
  async callCount(path?: string, method?: string): Promise<number> {
    const query = new URLSearchParams({ ...(path ? { path } : {}), ...(method ? { method } : {}) });
    return (await this.request<{ total: number }>('GET', `/_emulator/calls?${query}`)).total;
  }

  /** Moves the emulator's clock forward (token and session expiry). */
  async advanceClock(seconds: number): Promise<void> {
    await this.request('POST', '/_emulator/clock', { advance_seconds: seconds });
  }

  private async resolveUserId(userIdOrEmail: string): Promise<string> {
    return userIdOrEmail.includes('@') ? (await this.userByEmail(userIdOrEmail)).id : userIdOrEmail;
  }
}

import { GenericServerException, NotFoundException, OauthException } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { API_KEY, CLIENT_ID, claimsOf, rejection, REDIRECT_URI, harnessForFile, startHarness } from './harness.ts';

const h = harnessForFile();

type ControlUser = { id: string; email: string; role: string; first_name: string | null };
type ControlSession = {
  id: string;
  status: string;
  user_id: string;
  auth_method: string;
  impersonator?: { email: string; reason: string | null };
};

async function eventNames(): Promise<string[]> {
  const response = await fetch(`${h.emulator.url}/events?limit=100`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return ((await response.json()) as { data: { event: string }[] }).data.map((e) => e.event);
}

describe('control API', () => {
  it('answers only with the API key', async () => {
    const none = await fetch(`${h.emulator.url}/_emulator/users`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${h.emulator.url}/_emulator/reset`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_nope' },
    });
    expect(wrong.status).toBe(401);
    expect((await h.control('GET', '/_emulator/users')).status).toBe(200);
  });

  it('counts the calls each WorkOS route received since the last reset, filtered by path pattern and method', async () => {
    await h.control('POST', '/_emulator/reset');
    const get = (path: string) => fetch(`${h.emulator.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    await get('/user_management/users/user_nobody/sessions');
    await get('/user_management/users/user_nobody/sessions');
    await get('/user_management/users/user_other/sessions');
    await get('/events?limit=1');
    const all = await h.control<{ data: { method: string; path: string; count: number }[]; total: number }>('GET', '/_emulator/calls');
    expect(all.body.total).toBe(4);
    const sessions = await h.control<{ data: unknown[]; total: number }>(
      'GET',
      `/_emulator/calls?path=${encodeURIComponent('/user_management/users/*/sessions')}&method=get`,
    );
    expect(sessions.body).toEqual({
      data: [
        { method: 'GET', path: '/user_management/users/user_nobody/sessions', count: 2 },
        { method: 'GET', path: '/user_management/users/user_other/sessions', count: 1 },
      ],
      total: 3,
    });
    await h.control('POST', '/_emulator/reset');
    expect((await h.control<{ total: number }>('GET', '/_emulator/calls')).body.total).toBe(0);
  });

  it('lists the seeded demo users', async () => {
    const { body } = await h.control<ControlUser[]>('GET', '/_emulator/users');
    expect(body.map((u) => [u.email, u.role])).toEqual([
      ['ada@example.com', 'admin'],
      ['grace@example.com', 'member'],
      ['alan@example.com', 'member'],
      ['linus@example.com', 'member'],
      ['barbara@example.com', 'member'],
    ]);
  });

  it('creates users (user.created), rejects duplicates (409) and bad input (422)', async () => {
    const created = await h.control<ControlUser>('POST', '/_emulator/users', {
      email: 'mary@example.com',
      password: 'password-1',
      first_name: 'Mary',
      role: 'admin',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'mary@example.com', first_name: 'Mary', role: 'admin' });
    expect(claimsOf((await h.signIn('mary@example.com', { password: 'password-1' })).accessToken).role).toBe('admin');
    expect(
      (await h.control('POST', '/_emulator/users', { email: 'mary@example.com', password: 'password-1' })).status,
    ).toBe(409);
    expect((await h.control('POST', '/_emulator/users', { email: 'not-an-email', password: 'x' })).status).toBe(422);
    expect(
      (await h.control('POST', '/_emulator/users', { email: 'x@example.com', password: 'password-1', role: 'owner' }))
        .status,
    ).toBe(422);
    expect(await eventNames()).toContain('user.created');
  });

  it('resets to the seeded state', async () => {
    await h.control('POST', '/_emulator/users', { email: 'temp@example.com', password: 'password-1' });
    await h.signIn('ada@example.com');
    await h.control('POST', '/_emulator/faults', { path: '/events', status: 500, count: 5 });
    await h.control('POST', '/_emulator/config', { access_token_ttl_seconds: 30 });
    expect((await h.control('POST', '/_emulator/reset')).status).toBe(200);
    expect((await h.control<ControlUser[]>('GET', '/_emulator/users')).body).toHaveLength(5);
    expect((await h.control<unknown[]>('GET', '/_emulator/sessions')).body).toEqual([]);
    expect((await h.control<unknown[]>('GET', '/_emulator/faults')).body).toEqual([]);
    expect(
      (await h.control<{ access_token_ttl_seconds: number }>('GET', '/_emulator/config')).body.access_token_ttl_seconds,
    ).toBe(300);
    expect(await eventNames()).toEqual([]);
  });

  it('deletes a user: session.revoked for each session, then user.deleted; the user is gone', async () => {
    const first = await h.signIn('grace@example.com');
    await h.signIn('grace@example.com');
    const response = await h.control<{ revoked_sessions: ControlSession[] }>(
      'DELETE',
      `/_emulator/users/${first.user.id}`,
    );
    expect(response.status).toBe(200);
    expect(response.body.revoked_sessions).toHaveLength(2);
    expect((await eventNames()).slice(-3)).toEqual(['session.revoked', 'session.revoked', 'user.deleted']);
    await expect(h.workos.userManagement.getUser(first.user.id)).rejects.toBeInstanceOf(NotFoundException);
    const refresh = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: first.refreshToken }),
    );
    expect(refresh).toBeInstanceOf(OauthException);
    expect(refresh.error).toBe('invalid_grant');
    expect((await h.control('DELETE', `/_emulator/users/${first.user.id}`)).status).toBe(404);
  });

  it("revokes all of a user's sessions as an administrator; ended sessions stay visible to the control API", async () => {
    const a = await h.signIn('alan@example.com');
    const b = await h.signIn('alan@example.com');
    const other = await h.signIn('ada@example.com');
    const { body } = await h.control<{ sessions: ControlSession[] }>(
      'POST',
      `/_emulator/users/${a.user.id}/revoke_sessions`,
    );
    expect(body.sessions.map((s) => s.status)).toEqual(['revoked', 'revoked']);
    expect((await h.workos.userManagement.listSessions(a.user.id)).data).toEqual([]);
    expect((await h.workos.userManagement.listSessions(other.user.id)).data).toHaveLength(1);
    const all = (await h.control<ControlSession[]>('GET', `/_emulator/sessions?user_id=${a.user.id}`)).body;
    expect(all.map((s) => s.id).sort()).toEqual([claimsOf(a.accessToken).sid, claimsOf(b.accessToken).sid].sort());
    expect(all.every((s) => s.status === 'revoked')).toBe(true);
    expect((await h.control<ControlSession[]>('GET', '/_emulator/sessions')).body).toHaveLength(3);
  });

  it('resets a password: password_reset.succeeded + user.updated, old password stops working', async () => {
    const id = await h.userId('grace@example.com');
    const response = await h.control('POST', `/_emulator/users/${id}/reset_password`, { password: 'brand-new-pass' });
    expect(response.status).toBe(200);
    expect((await eventNames()).slice(-2)).toEqual(['password_reset.succeeded', 'user.updated']);
    await expect(h.signIn('grace@example.com')).rejects.toThrow(/401/);
    await expect(h.signIn('grace@example.com', { password: 'brand-new-pass' })).resolves.toBeTruthy();
    expect((await h.control('POST', `/_emulator/users/${id}/reset_password`, { password: 'short' })).status).toBe(422);
  });

  it('starts an impersonation session that the hosted page hands to the app', async () => {
    const id = await h.userId('grace@example.com');
    const response = await h.control<{ session: ControlSession }>('POST', `/_emulator/users/${id}/impersonate`, {
      impersonator_email: 'support@example.com',
      reason: 'Ticket 42',
    });
    expect(response.status).toBe(201);
    const session = response.body.session;
    expect(session).toMatchObject({
      status: 'active',
      auth_method: 'impersonation',
      impersonator: { email: 'support@example.com', reason: 'Ticket 42' },
    });

    const { codeVerifier, codeChallenge } = await h.workos.pkce.generate();
    const page = await fetch(
      h.workos.userManagement.getAuthorizationUrl({
        provider: 'authkit',
        clientId: CLIENT_ID,
        redirectUri: REDIRECT_URI,
        state: 's',
        codeChallenge,
        codeChallengeMethod: 'S256',
      }),
    );
    expect(await page.text()).toContain('Impersonate Grace Hopper');
    const pick = await fetch(`${h.emulator.url}/user_management/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        state: 's',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        intent: 'impersonation',
        session_id: session.id,
      }),
      redirect: 'manual',
    });
    expect(pick.status).toBe(302);
    const code = new URL(pick.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const auth = await h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
    expect(auth.authenticationMethod).toBe('Impersonation');
    expect(auth.impersonator).toEqual({ email: 'support@example.com', reason: 'Ticket 42' });
    const claims = claimsOf(auth.accessToken);
    expect(claims.sid).toBe(session.id);
    expect(claims.act).toEqual({ sub: 'support@example.com' });
    const listed = await h.workos.userManagement.listSessions(id);
    expect(listed.data[0]).toMatchObject({
      id: session.id,
      authMethod: 'impersonation',
      impersonator: { email: 'support@example.com' },
    });
    expect(await eventNames()).toContain('session.created');
  });

  it('reads and updates the config, validating it', async () => {
    const initial = await h.control<Record<string, unknown>>('GET', '/_emulator/config');
    expect(initial.body).toMatchObject({ access_token_ttl_seconds: 300, webhook_url: null, webhooks_enabled: false });
    const updated = await h.control<Record<string, unknown>>('POST', '/_emulator/config', {
      access_token_ttl_seconds: 5,
      session_max_age_seconds: 120,
    });
    expect(updated.body).toMatchObject({ access_token_ttl_seconds: 5, session_max_age_seconds: 120 });
    const auth = await h.signIn('ada@example.com');
    const session = (await h.workos.userManagement.listSessions(auth.user.id)).data[0]!;
    expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(120_000);
    expect((await h.control('POST', '/_emulator/config', { access_token_ttl_seconds: 0 })).status).toBe(422);
    expect((await h.control('POST', '/_emulator/config', { webhooks_enabled: true })).status).toBe(422);
    expect((await h.control('POST', '/_emulator/config', { webhook_url: 'ftp://x' })).status).toBe(422);
  });
});

describe('clock', () => {
  it('moves forward through the control API (sessions expire) and returns to real time on reset', async () => {
    const auth = await h.signIn('ada@example.com');
    const moved = await h.control<{ now: string }>('POST', '/_emulator/clock', { advance_seconds: 31 * 86_400 });
    expect(Date.parse(moved.body.now) - Date.now()).toBeGreaterThan(30 * 86_400_000);
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data).toEqual([]);
    expect(
      (await h.control<ControlSession[]>('GET', `/_emulator/sessions?user_id=${auth.user.id}`)).body[0]?.status,
    ).toBe('expired');
    expect((await h.control('POST', '/_emulator/clock', { advance_seconds: 'soon' })).status).toBe(422);
    expect((await h.control('POST', '/_emulator/clock', { advance_seconds: 11 * 365 * 86_400 })).status).toBe(422);

    await h.control('POST', '/_emulator/reset');
    const iat = claimsOf((await h.signIn('ada@example.com')).accessToken).iat as number;
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(5);
  });

  it('moves back, so that a sign-in made then carries an old auth_time and an old session created_at', async () => {
    await h.control('POST', '/_emulator/config', { auth_time_claim: true });
    await h.control('POST', '/_emulator/clock', { advance_seconds: -900 });
    const auth = await h.signIn('ada@example.com');
    const claims = claimsOf(auth.accessToken);
    expect(Date.now() / 1000 - (claims.auth_time as number)).toBeGreaterThan(890);
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    await h.control('POST', '/_emulator/clock', { advance_seconds: 900 });
    const session = (await h.workos.userManagement.listSessions(auth.user.id)).data[0]!;
    expect(Date.now() - Date.parse(session.createdAt)).toBeGreaterThan(890_000);
  });
});

describe('fault injection', () => {
  it('answers the next N calls of a route with the given status and body', async () => {
    const id = await h.userId('ada@example.com');
    const fault = await h.control('POST', '/_emulator/faults', {
      method: 'GET',
      path: `/user_management/users/${id}`,
      status: 404,
      body: { message: 'Injected', code: 'entity_not_found' },
      count: 2,
    });
    expect(fault.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const error = await rejection(h.workos.userManagement.getUser(id));
      expect(error).toBeInstanceOf(NotFoundException);
      expect(error.message).toBe('Injected');
    }
    await expect(h.workos.userManagement.getUser(id)).resolves.toMatchObject({ id });
  });

  it('supports wildcards and method filters, and the SDK retries an injected 503', async () => {
    await h.control('POST', '/_emulator/faults', {
      method: 'POST',
      path: '/user_management/users/*',
      status: 500,
      count: 1,
    });
    const id = await h.userId('ada@example.com');
    await expect(h.workos.userManagement.getUser(id)).resolves.toMatchObject({ id }); // GET is not affected

    await h.control('DELETE', '/_emulator/faults');
    await h.control('POST', '/_emulator/faults', { path: '/user_management/users/*/sessions', status: 503, count: 1 });
    const sessions = await h.workos.userManagement.listSessions(id); // first try 503, SDK retry succeeds
    expect(sessions.data).toEqual([]);
    expect((await h.control<unknown[]>('GET', '/_emulator/faults')).body).toEqual([]);

    await h.control('POST', '/_emulator/faults', {
      path: '/user_management/sessions/revoke',
      status: 400,
      body: { message: 'nope', code: 'x' },
      count: 1,
    });
    const error = await rejection(h.workos.userManagement.revokeSession({ sessionId: 'session_any' }));
    expect(error).toBeInstanceOf(GenericServerException);
    expect(error.status).toBe(400);
  });

  it('delays a route for the next call', async () => {
    await h.control('POST', '/_emulator/faults', { path: '/events', delay_ms: 300, count: 1 });
    const started = Date.now();
    await h.workos.events.listEvents({ events: ['user.created'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // count: 1 — the fault is used up (a wall-clock upper bound would flake on a loaded machine).
    expect((await h.control<unknown[]>('GET', '/_emulator/faults')).body).toEqual([]);
  });

  it('clears faults and refuses to target the control API', async () => {
    await h.control('POST', '/_emulator/faults', { path: '/events', status: 500, count: 3 });
    expect((await h.control('DELETE', '/_emulator/faults')).status).toBe(200);
    await expect(h.workos.events.listEvents({ events: ['user.created'] })).resolves.toBeTruthy();
    expect((await h.control('POST', '/_emulator/faults', { path: '/_emulator/reset', status: 500 })).status).toBe(422);
    expect((await h.control('POST', '/_emulator/faults', { path: '/events' })).status).toBe(422);
  });
});

describe('dashboard', () => {
  it('asks for the API key once, keeps it in an HttpOnly cookie, and drives actions', async () => {
    const base = `${h.emulator.url}/_emulator/dashboard`;
    const locked = await fetch(base);
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain('API key');

    const bad = await fetch(`${base}/login`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: 'nope' }),
      redirect: 'manual',
    });
    expect(bad.status).toBe(401);
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: API_KEY }),
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).not.toContain(API_KEY);
    const cookie = setCookie.split(';')[0] ?? '';

    const auth = await h.signIn('grace@example.com', { userAgent: 'Mozilla/5.0 QA Browser' });
    const page = await fetch(base, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const text of [
      'Grace Hopper',
      'Mozilla/5.0 QA Browser',
      'session.created',
      'Revoke all sessions of Grace Hopper',
      'Delete Grace Hopper',
      'Reset password of Grace Hopper',
    ]) {
      expect(html).toContain(text);
    }

    const revoke = await fetch(`${base}/action`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ action: 'revoke_sessions', user_id: auth.user.id }),
      redirect: 'manual',
    });
    expect(revoke.status).toBe(302);
    expect(decodeURIComponent(revoke.headers.get('location') ?? '')).toContain('Revoked 1 session(s) of Grace Hopper');
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data).toEqual([]);
    expect(await (await fetch(base, { headers: { cookie } })).text()).toContain('badge revoked');

    const forged = await fetch(`${base}/action`, {
      method: 'POST',
      body: new URLSearchParams({ action: 'reset' }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(401);
  });
});

describe('dashboard memberships', () => {
  it('changes a role, deactivates, reactivates and removes a membership, with the events and refreshes of the API', async () => {
    const base = `${h.emulator.url}/_emulator/dashboard`;
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: API_KEY }),
      redirect: 'manual',
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const act = async (fields: Record<string, string>) => {
      const response = await fetch(`${base}/action`, {
        method: 'POST',
        headers: { cookie },
        body: new URLSearchParams(fields),
        redirect: 'manual',
      });
      return decodeURIComponent(response.headers.get('location') ?? '');
    };
    const auth = await h.signIn('grace@example.com');
    const [membership] = (await h.workos.userManagement.listOrganizationMemberships({ userId: auth.user.id })).data;
    const id = membership!.id;
    const html = await (await fetch(base, { headers: { cookie } })).text();
    for (const label of ['Make Grace Hopper in Demo Org admin', 'Deactivate Grace Hopper in Demo Org', 'Remove Grace Hopper in Demo Org']) {
      expect(html).toContain(label);
    }

    expect(await act({ action: 'membership_role', membership_id: id, role_slug: 'admin' })).toContain('is now admin');
    const refreshed = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(claimsOf(refreshed.accessToken).role).toBe('admin');
    expect(await act({ action: 'membership_deactivate', membership_id: id })).toContain('is inactive');
    expect(await act({ action: 'membership_reactivate', membership_id: id })).toContain('is active');
    expect(await act({ action: 'membership_role', membership_id: id, role_slug: 'owner' })).toContain('error=');
    expect(await act({ action: 'membership_delete', membership_id: id })).toContain('removed');
    const events = await h.workos.events.listEvents({
      events: ['organization_membership.updated', 'organization_membership.deleted'],
      limit: 100,
    });
    expect(events.data.map((e) => [e.event, (e.data as { status: string }).status])).toEqual([
      ['organization_membership.updated', 'active'],
      ['organization_membership.updated', 'inactive'],
      ['organization_membership.updated', 'active'],
      ['organization_membership.deleted', 'active'],
    ]);
    const refused = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: refreshed.refreshToken }),
    );
    expect(refused).toMatchObject({ status: 400, error: 'organization_membership_not_found' });
  });
});

describe('auth_time claim switch', () => {
  it('is off by default, as in WorkOS’s documented session token', async () => {
    expect((await h.control<Record<string, unknown>>('GET', '/_emulator/config')).body.auth_time_claim).toBe(false);
    const auth = await h.signIn('ada@example.com');
    const claims = claimsOf(auth.accessToken);
    expect(claims).not.toHaveProperty('auth_time');
    expect(claims.sid).toMatch(/^session_/);
    // Refreshed tokens do not gain it either.
    const refreshed = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(claimsOf(refreshed.accessToken)).not.toHaveProperty('auth_time');
  });

  it('is turned on and off through the control API; reset restores the default', async () => {
    const on = await h.control<Record<string, unknown>>('POST', '/_emulator/config', { auth_time_claim: true });
    expect(on.body.auth_time_claim).toBe(true);
    const before = Math.floor(Date.now() / 1000);
    expect(claimsOf((await h.signIn('ada@example.com')).accessToken).auth_time).toBeGreaterThanOrEqual(before);

    const off = await h.control<Record<string, unknown>>('POST', '/_emulator/config', { auth_time_claim: 'false' });
    expect(off.body.auth_time_claim).toBe(false);
    expect(claimsOf((await h.signIn('ada@example.com')).accessToken)).not.toHaveProperty('auth_time');

    expect((await h.control('POST', '/_emulator/config', { auth_time_claim: 'maybe' })).status).toBe(422);
    await h.control('POST', '/_emulator/config', { auth_time_claim: true });
    await h.control('POST', '/_emulator/reset');
    expect((await h.control<Record<string, unknown>>('GET', '/_emulator/config')).body.auth_time_claim).toBe(false);
  });

  it('starts on when configured so (EMULATOR_AUTH_TIME_CLAIM=true)', async () => {
    const own = await startHarness({ authTimeClaim: true });
    try {
      expect((await own.control<Record<string, unknown>>('GET', '/_emulator/config')).body.auth_time_claim).toBe(true);
      expect(typeof claimsOf((await own.signIn('ada@example.com')).accessToken).auth_time).toBe('number');
    } finally {
      await own.close();
    }
  });
});

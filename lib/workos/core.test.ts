import { describe, expect, it, vi } from 'vitest';
import { FakeHttpError, fakeSdk, sdkMembership, sdkSession } from '@/test/workos-sdk';
import { createWorkosClient, type SdkSession } from './core';

describe('listActiveSessions', () => {
  it('follows every page with limit 100 and the after cursor', async () => {
    const pages: Record<string, { data: SdkSession[]; listMetadata: { after: string | null } }> = {
      first: { data: [sdkSession('s1'), sdkSession('s2')], listMetadata: { after: 's2' } },
      s2: { data: [sdkSession('s3')], listMetadata: { after: 's3' } },
      s3: { data: [sdkSession('s4')], listMetadata: { after: null } },
    };
    const listSessions = vi.fn(
      async (_userId: string, options?: { after?: string | null }) => pages[options?.after ?? 'first']!,
    );
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listSessions } }));

    const sessions = await client.listActiveSessions('user_1');

    expect(sessions.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
    expect(listSessions).toHaveBeenCalledTimes(3);
    expect(listSessions.mock.calls.map((c) => c[1])).toEqual([
      { limit: 100 },
      { limit: 100, after: 's2' },
      { limit: 100, after: 's3' },
    ]);
  });

  it('drops sessions that are not active, expired, or of another user', async () => {
    const listSessions = vi.fn(async () => ({
      data: [
        sdkSession('live'),
        sdkSession('revoked', { status: 'revoked' }),
        sdkSession('stale', { expiresAt: '2020-01-01T00:00:00.000Z' }),
        sdkSession('other', { userId: 'user_2' }),
      ],
      listMetadata: { after: null },
    }));
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listSessions } }));
    expect((await client.listActiveSessions('user_1')).map((s) => s.id)).toEqual(['live']);
  });

  it('stops on a cursor that repeats and at maxPages', async () => {
    const listSessions = vi.fn(async () => ({ data: [sdkSession('same')], listMetadata: { after: 'loop' } }));
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listSessions } }), { maxPages: 5 });
    expect(await client.listActiveSessions('user_1')).toHaveLength(1);
    expect(listSessions).toHaveBeenCalledTimes(2);
  });

  it('times out as a WorkosError of kind timeout', async () => {
    const listSessions = vi.fn(() => new Promise<never>(() => {}));
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listSessions } }), { timeoutMs: 20 });
    await expect(client.listActiveSessions('user_1')).rejects.toMatchObject({ name: 'WorkosError', kind: 'timeout' });
  });
});

describe('revokeWorkosSession', () => {
  it('revokes by session id', async () => {
    const sdk = fakeSdk();
    await createWorkosClient(() => sdk).revokeWorkosSession('session_9');
    expect(sdk.userManagement.revokeSession).toHaveBeenCalledWith({ sessionId: 'session_9' });
  });

  it('honours a per-call timeout', async () => {
    const revokeSession = vi.fn(() => new Promise<never>(() => {}));
    const client = createWorkosClient(() => fakeSdk({ userManagement: { revokeSession } }), { timeoutMs: 60_000 });
    await expect(client.revokeWorkosSession('s', { timeoutMs: 10 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it.each([
    [401, 'unauthorized'],
    [404, 'not_found'],
    [408, 'timeout'],
    [422, 'invalid'],
    [400, 'invalid'],
    [429, 'unavailable'],
    [500, 'unavailable'],
    [503, 'unavailable'],
  ] as const)('maps HTTP %i to kind %s', async (status, kind) => {
    const revokeSession = vi.fn(async () => {
      throw new FakeHttpError(status);
    });
    const client = createWorkosClient(() => fakeSdk({ userManagement: { revokeSession } }));
    await expect(client.revokeWorkosSession('s')).rejects.toMatchObject({ kind, status });
  });

  it('maps a network failure to unavailable', async () => {
    const revokeSession = vi.fn(async () => {
      throw new Error('Unexpected error: TypeError: fetch failed');
    });
    const client = createWorkosClient(() => fakeSdk({ userManagement: { revokeSession } }));
    await expect(client.revokeWorkosSession('s')).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('getUser and findUserByEmail', () => {
  it('maps the user with a display name', async () => {
    const client = createWorkosClient(() => fakeSdk());
    expect(await client.getUser('user_1')).toEqual({
      id: 'user_1',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: 'Ada Lovelace',
    });
  });

  it('returns null for an unknown user', async () => {
    const getUser = vi.fn(async () => {
      throw new FakeHttpError(404);
    });
    expect(await createWorkosClient(() => fakeSdk({ userManagement: { getUser } })).getUser('nope')).toBeNull();
  });

  it('falls back to the email when the user has no name', async () => {
    const listUsers = vi.fn(async () => ({
      data: [{ id: 'user_2', email: 'Grace@Example.com', firstName: null, lastName: ' ' }],
      listMetadata: {},
    }));
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listUsers } }));
    const user = await client.findUserByEmail(' grace@example.com ');
    expect(listUsers).toHaveBeenCalledWith({ email: 'grace@example.com', limit: 10 });
    expect(user).toMatchObject({ id: 'user_2', name: 'Grace@Example.com', lastName: ' ' });
  });

  it('returns null when no user has that email', async () => {
    expect(await createWorkosClient(() => fakeSdk()).findUserByEmail('x@example.com')).toBeNull();
  });
});

describe('listEvents', () => {
  it('passes the filters through and maps session, user and password-reset events', async () => {
    const listEvents = vi.fn(async () => ({
      data: [
        {
          id: 'event_1',
          event: 'session.revoked',
          createdAt: '2026-11-24T10:00:00.000Z',
          data: sdkSession('s1', { status: 'revoked' }),
        },
        {
          id: 'event_2',
          event: 'user.deleted',
          createdAt: '2026-11-24T10:01:00.000Z',
          data: { id: 'user_1', email: 'ada@example.com', firstName: 'Ada', lastName: null },
        },
        {
          id: 'event_3',
          event: 'password_reset.succeeded',
          createdAt: '2026-11-24T10:02:00.000Z',
          data: { object: 'password_reset', id: 'password_reset_1', userId: 'user_1', email: 'ada@example.com' },
        },
      ],
      listMetadata: { after: 'event_3' },
    }));
    const client = createWorkosClient(() => fakeSdk({ events: { listEvents } }));

    const result = await client.listEvents({
      events: ['session.revoked', 'user.deleted'],
      after: 'event_0',
      limit: 50,
    });

    expect(listEvents).toHaveBeenCalledWith({
      events: ['session.revoked', 'user.deleted'],
      after: 'event_0',
      limit: 50,
    });
    expect(result.after).toBe('event_3');
    const [revoked, deleted, reset] = result.data.map((listed) => (listed.ok ? listed.event : null));
    expect(revoked).toMatchObject({ id: 'event_1', userId: 'user_1', session: { id: 's1', status: 'revoked' } });
    expect(revoked?.createdAt).toEqual(new Date('2026-11-24T10:00:00.000Z'));
    expect(deleted).toMatchObject({ userId: 'user_1', user: { name: 'Ada' }, session: null });
    expect(reset).toMatchObject({ userId: 'user_1', session: null, user: null });
  });

  it('maps each event on its own: one that cannot be read is reported with why, the rest of the page is kept', async () => {
    const listEvents = vi.fn(async () => ({
      data: [
        { id: 'event_bad', event: 'session.revoked', createdAt: 'yesterday', data: {} },
        { id: 'event_ok', event: 'user.deleted', createdAt: '2026-11-24T10:00:00.000Z', data: { id: 'user_1', email: 'a@b.c' } },
      ],
      listMetadata: { after: 'event_ok' },
    }));
    const result = await createWorkosClient(() => fakeSdk({ events: { listEvents } })).listEvents({ events: ['session.revoked'] });
    expect(result.data[0]).toEqual({
      ok: false,
      id: 'event_bad',
      type: 'session.revoked',
      reason: expect.stringMatching(/^WorkOS sent an invalid timestamp/),
      payload: JSON.stringify({ id: 'event_bad', event: 'session.revoked', createdAt: 'yesterday', data: {} }),
    });
    expect(result.data[1]).toMatchObject({ ok: true, event: { id: 'event_ok', userId: 'user_1' } });
  });

  it('reports a null cursor at the end', async () => {
    expect((await createWorkosClient(() => fakeSdk()).listEvents({ events: ['session.revoked'] })).after).toBeNull();
  });
});

describe('listOrganizationMemberships', () => {
  it('passes the filters through, follows every page, and keeps only what was asked for', async () => {
    const list = vi.fn(async (options: { after?: string }) =>
      options.after === 'om_2'
        ? {
            data: [
              sdkMembership('om_3'),
              // A filter the API did not apply must not leak through.
              sdkMembership('om_4', { organizationId: 'org_2' }),
              sdkMembership('om_5', { status: 'inactive' }),
            ],
            listMetadata: { after: null },
          }
        : { data: [sdkMembership('om_1'), sdkMembership('om_2')], listMetadata: { after: 'om_2' } },
    );
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listOrganizationMemberships: list } }));

    const result = await client.listOrganizationMemberships({
      userId: 'user_1',
      organizationId: 'org_1',
      statuses: ['active'],
    });

    expect(result.map((m) => m.id)).toEqual(['om_1', 'om_2', 'om_3']);
    expect(list).toHaveBeenNthCalledWith(1, {
      userId: 'user_1',
      organizationId: 'org_1',
      statuses: ['active'],
      limit: 100,
    });
    expect(list).toHaveBeenNthCalledWith(2, {
      userId: 'user_1',
      organizationId: 'org_1',
      statuses: ['active'],
      limit: 100,
      after: 'om_2',
    });
  });

  it('needs a user or an organization, and maps errors', async () => {
    const list = vi.fn(async () => {
      throw new FakeHttpError(503);
    });
    const client = createWorkosClient(() => fakeSdk({ userManagement: { listOrganizationMemberships: list } }));

    await expect(client.listOrganizationMemberships({})).rejects.toMatchObject({ kind: 'invalid' });
    expect(list).not.toHaveBeenCalled();
    await expect(client.listOrganizationMemberships({ organizationId: 'org_1' })).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});

describe('refreshSession', () => {
  it('passes the refresh token and organization, and keeps exactly what authkit seals', async () => {
    const sdk = fakeSdk();
    const client = createWorkosClient(() => sdk);
    const tokens = await client.refreshSession({ clientId: 'client_1', refreshToken: 'rt_1', organizationId: 'org_1' });
    expect(sdk.userManagement.authenticateWithRefreshToken).toHaveBeenCalledWith({
      clientId: 'client_1',
      refreshToken: 'rt_1',
      organizationId: 'org_1',
    });
    expect(tokens).toEqual({
      accessToken: 'at_2',
      refreshToken: 'rt_2',
      user: { id: 'user_1', email: 'ada@example.com' },
      impersonator: undefined,
      authenticationMethod: 'Password',
    });
    await client.refreshSession({ clientId: 'client_1', refreshToken: 'rt_1', organizationId: null });
    expect(sdk.userManagement.authenticateWithRefreshToken).toHaveBeenLastCalledWith({ clientId: 'client_1', refreshToken: 'rt_1' });
  });

  it('tells a spent or revoked refresh token (invalid_grant) from every other failure', async () => {
    const fail = (error: unknown) =>
      createWorkosClient(() =>
        fakeSdk({ userManagement: { authenticateWithRefreshToken: vi.fn(async () => Promise.reject(error)) } }),
      ).refreshSession({ clientId: 'c', refreshToken: 'r', organizationId: null });
    const oauth = (status: number, code: string) => Object.assign(new Error(`Error: ${code}`), { status, error: code });
    await expect(fail(oauth(400, 'invalid_grant'))).rejects.toMatchObject({ kind: 'invalid_grant', status: 400 });
    await expect(fail(oauth(400, 'invalid_request'))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(fail(new FakeHttpError(503))).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(fail(new FakeHttpError(401))).rejects.toMatchObject({ kind: 'unauthorized' });
    // WorkOS answers a wrong client_secret (the API key) with an OAuth 400 invalid_client: our configuration, not
    // the user's session, like a 401.
    await expect(fail(oauth(400, 'invalid_client'))).rejects.toMatchObject({ kind: 'unauthorized', status: 400 });
    // An organization the user is no longer a member of: WorkOS refuses this session's grant.
    await expect(fail(oauth(400, 'organization_membership_not_found'))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(fail(new TypeError('fetch failed'))).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

import {
  GenericServerException,
  NotFoundException,
  OauthException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import {
  API_KEY,
  CLIENT_ID,
  REDIRECT_URI,
  claimsOf,
  harnessForFile,
  organizationChoice,
  rejection,
  sdkFor,
} from './harness.ts';

const h = harnessForFile();

async function raw(query: string, apiKey: string | null = API_KEY) {
  const response = await fetch(`${h.emulator.url}/user_management/organization_memberships?${query}`, {
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      object: string;
      data: Record<string, unknown>[];
      list_metadata: { before: string | null; after: string | null };
      code?: string;
    },
  };
}

describe('organization memberships', () => {
  it('lists a user’s membership in the WorkOS shape through the SDK', async () => {
    const ada = await h.userId('ada@example.com');
    const page = await h.workos.userManagement.listOrganizationMemberships({ userId: ada });
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      object: 'organization_membership',
      id: expect.stringMatching(/^om_/),
      userId: ada,
      organizationId: 'org_demo',
      organizationName: 'Demo Org',
      role: { slug: 'admin' },
      status: 'active',
      directoryManaged: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(page.listMetadata).toEqual({ before: null, after: null });

    const { body } = await raw(`user_id=${ada}`);
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({
      object: 'organization_membership',
      user_id: ada,
      organization_id: 'org_demo',
      organization_name: 'Demo Org',
      role: { slug: 'admin' },
      status: 'active',
      directory_managed: false,
      custom_attributes: {},
      // The spec's UserlandUserOrganizationMembership carries the user.
      user: { object: 'user', id: ada, email: 'ada@example.com' },
    });
  });

  it('sends the spec’s event data: the membership without organization_name or user', async () => {
    const grace = await h.userId('grace@example.com');
    const created = await h.workos.userManagement.createOrganizationMembership({
      userId: grace,
      organizationId: 'org_other',
    });
    // Raw, as sent: the SDK's deserializer would rename and add keys.
    const response = await fetch(`${h.emulator.url}/events?events=organization_membership.created&limit=100`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const events = (await response.json()) as { data: { data: Record<string, unknown> }[] };
    const data = events.data.find((e) => e.data.id === created.id)?.data ?? {};
    expect(Object.keys(data).sort()).toEqual(
      [
        'created_at',
        'custom_attributes',
        'directory_managed',
        'id',
        'object',
        'organization_id',
        'role',
        'roles',
        'status',
        'updated_at',
        'user_id',
      ].sort(),
    );
  });

  it('filters by user and organization together: a user of another organization is not listed', async () => {
    const linus = await h.userId('linus@example.com');
    const inDemo = await h.workos.userManagement.listOrganizationMemberships({
      userId: linus,
      organizationId: 'org_demo',
      statuses: ['active'],
    });
    expect(inDemo.data).toEqual([]);
    const inOther = await h.workos.userManagement.listOrganizationMemberships({
      userId: linus,
      organizationId: 'org_other',
      statuses: ['active'],
    });
    expect(inOther.data.map((m) => [m.userId, m.organizationId, m.organizationName])).toEqual([
      [linus, 'org_other', 'Other Org'],
    ]);
  });

  it('lists an organization’s members and paginates like the other lists', async () => {
    const all = await h.workos.userManagement.listOrganizationMemberships({ organizationId: 'org_demo', order: 'asc' });
    const ids = await Promise.all(['ada', 'grace', 'alan', 'barbara'].map((n) => h.userId(`${n}@example.com`)));
    expect(all.data.map((m) => m.userId)).toEqual(ids);

    const first = await h.workos.userManagement.listOrganizationMemberships({
      organizationId: 'org_demo',
      limit: 2,
      order: 'asc',
    });
    expect(first.data.map((m) => m.userId)).toEqual(ids.slice(0, 2));
    expect(first.listMetadata.after).toBe(first.data[1]?.id);
    const second = await h.workos.userManagement.listOrganizationMemberships({
      organizationId: 'org_demo',
      limit: 2,
      order: 'asc',
      after: first.listMetadata.after ?? undefined,
    });
    expect(second.data.map((m) => m.userId)).toEqual(ids.slice(2));
    expect(second.listMetadata.after).toBeNull();

    const desc = await h.workos.userManagement.listOrganizationMemberships({ organizationId: 'org_demo' });
    expect(desc.data.map((m) => m.userId)).toEqual([...ids].reverse());
  });

  it('returns active memberships by default; statuses selects others (comma-joined or repeated)', async () => {
    const created = await h.control<{ id: string; organization_id: string; membership_status: string }>(
      'POST',
      '/_emulator/users',
      { email: 'ken@example.com', password: 'password-1', organization_id: 'org_other', membership_status: 'inactive' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organization_id: 'org_other', membership_status: 'inactive' });
    const ken = created.body.id;

    expect((await h.workos.userManagement.listOrganizationMemberships({ userId: ken })).data).toEqual([]);
    expect(
      (await h.workos.userManagement.listOrganizationMemberships({ userId: ken, statuses: ['active'] })).data,
    ).toEqual([]);
    const inactive = await h.workos.userManagement.listOrganizationMemberships({
      userId: ken,
      statuses: ['active', 'inactive'],
    });
    expect(inactive.data.map((m) => m.status)).toEqual(['inactive']);

    // org_other: Linus and Barbara (active), Ken (inactive).
    expect((await raw(`organization_id=org_other&statuses=active&statuses=inactive`)).body.data).toHaveLength(3);
    expect((await raw(`organization_id=org_other&statuses[]=inactive`)).body.data).toHaveLength(1);
    expect((await raw(`organization_id=org_other&statuses=active,pending`)).body.data).toHaveLength(2);
    expect((await raw(`organization_id=org_other&statuses=deleted`)).status).toBe(422);
  });

  it('needs a user_id or an organization_id (400 missing_user_id_or_organization_id, as the spec) and the API key (401)', async () => {
    const missing = await raw('limit=5');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('missing_user_id_or_organization_id');
    // The SDK's types require one of them; a call without them still reaches the API. A 400 with a code and no
    // `errors` is the SDK's GenericServerException.
    const error = await rejection(h.workos.userManagement.listOrganizationMemberships({} as { userId: string }));
    expect(error).toBeInstanceOf(GenericServerException);
    expect(error).toMatchObject({ status: 400, code: 'missing_user_id_or_organization_id' });

    expect((await raw('organization_id=org_demo', null)).status).toBe(401);
    const wrongKey = await rejection(
      sdkFor(h.emulator, 'sk_test_wrong').userManagement.listOrganizationMemberships({ organizationId: 'org_demo' }),
    );
    expect(wrongKey).toBeInstanceOf(UnauthorizedException);
  });

  it('gets an organization by id; 404 for an unknown one', async () => {
    expect(await h.workos.organizations.getOrganization('org_other')).toMatchObject({
      object: 'organization',
      id: 'org_other',
      name: 'Other Org',
    });
    expect(await rejection(h.workos.organizations.getOrganization('org_nope'))).toBeInstanceOf(NotFoundException);
  });

  it('creates users in another organization through the control API; their sessions carry that organization', async () => {
    const created = await h.control<{ id: string; organization_id: string }>('POST', '/_emulator/users', {
      email: 'margaret@example.com',
      password: 'password-1',
      organization_id: 'org_other',
    });
    expect(created.body.organization_id).toBe('org_other');
    expect(
      (
        await h.control('POST', '/_emulator/users', {
          email: 'x@example.com',
          password: 'password-1',
          organization_id: 'org_nope',
        })
      ).status,
    ).toBe(422);

    const auth = await h.signIn('linus@example.com');
    expect(auth.organizationId).toBe('org_other');
    expect(claimsOf(auth.accessToken)).toMatchObject({ org_id: 'org_other', role: 'member' });
    const sessions = await h.workos.userManagement.listSessions(auth.user.id);
    expect(sessions.data.map((s) => s.organizationId)).toEqual(['org_other']);
  });
});

describe('a user with several memberships', () => {
  const BARBARA = 'barbara@example.com';

  async function authorizePage(email: string, organizationId?: string) {
    const { codeChallenge } = await h.workos.pkce.generate();
    const url = h.workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      state: 's',
      codeChallenge,
      codeChallengeMethod: 'S256',
      ...(organizationId ? { organizationId } : {}),
    });
    const query = new URL(url).searchParams;
    const oauth = Object.fromEntries(query);
    const post = (fields: Record<string, string>) =>
      fetch(`${h.emulator.url}/user_management/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...oauth, ...fields }),
        redirect: 'manual',
      });
    const response = await post({ intent: 'password', email, password: 'demo-password' });
    return { response, post };
  }

  it('is listed with one membership per organization, each with its organization name and role', async () => {
    const barbara = await h.userId(BARBARA);
    const page = await h.workos.userManagement.listOrganizationMemberships({ userId: barbara, order: 'asc' });
    expect(page.data.map((m) => [m.organizationId, m.organizationName, m.role.slug, m.status])).toEqual([
      ['org_demo', 'Demo Org', 'member', 'active'],
      ['org_other', 'Other Org', 'member', 'active'],
    ]);
    expect(new Set(page.data.map((m) => m.id)).size).toBe(2);
    const control = await h.control<{ email: string; memberships: { organization_id: string }[] }[]>(
      'GET',
      '/_emulator/users',
    );
    const row = control.body.find((u) => u.email === BARBARA);
    expect(row?.memberships.map((m) => m.organization_id)).toEqual(['org_demo', 'org_other']);
  });

  it('chooses the organization on the hosted page; the session, the response and the token carry the one chosen', async () => {
    const { response } = await authorizePage(BARBARA);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Choose an organization');
    expect(organizationChoice(html)?.organizations).toEqual(['org_demo', 'org_other']);

    const inOther = await h.signIn(BARBARA, { chooseOrganization: 'org_other', forwardedFor: '198.51.100.20' });
    const inDemo = await h.signIn(BARBARA, { chooseOrganization: 'org_demo', forwardedFor: '203.0.113.20' });
    expect(inOther.organizationId).toBe('org_other');
    expect(claimsOf(inOther.accessToken)).toMatchObject({ org_id: 'org_other', role: 'member' });
    expect(inDemo.organizationId).toBe('org_demo');
    expect(claimsOf(inDemo.accessToken)).toMatchObject({ org_id: 'org_demo', role: 'member' });

    const sessions = await h.workos.userManagement.listSessions(inDemo.user.id);
    expect(sessions.data.map((s) => [s.organizationId, s.ipAddress])).toEqual([
      ['org_demo', '203.0.113.20'],
      ['org_other', '198.51.100.20'],
    ]);
  });

  it('skips the choice when the sign-in names an organization, and refuses one the user is not an active member of', async () => {
    const named = await h.signIn(BARBARA, { organizationId: 'org_other' });
    expect(named.organizationId).toBe('org_other');

    const grace = await authorizePage('grace@example.com', 'org_other');
    expect(grace.response.status).toBe(403);
    expect(await grace.response.text()).toContain('not a member of that organization');
    // One active membership: chosen for the user, no page.
    expect((await h.signIn('grace@example.com')).organizationId).toBe('org_demo');
  });

  it('takes a choice only once, and only of an organization the user belongs to', async () => {
    const { response, post } = await authorizePage(BARBARA);
    const choice = organizationChoice(await response.text());
    const choose = (organizationId: string) =>
      post({
        intent: 'organization',
        pending_authentication_token: choice?.token ?? '',
        selected_organization_id: organizationId,
      });

    const forged = await choose('org_nope');
    expect(forged.status).toBe(403);
    // The attempt spent the token, as a code is spent by any attempt.
    const replay = await choose('org_demo');
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('That sign-in has expired');
    expect(await h.workos.userManagement.listSessions(await h.userId(BARBARA))).toMatchObject({ data: [] });
  });

  it('switches the session’s organization on a refresh with organization_id, only to one the user belongs to', async () => {
    const auth = await h.signIn(BARBARA, { chooseOrganization: 'org_demo' });
    const switched = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
      organizationId: 'org_other',
    });
    expect(switched.organizationId).toBe('org_other');
    expect(claimsOf(switched.accessToken)).toMatchObject({ org_id: 'org_other', sid: claimsOf(auth.accessToken).sid });
    // Without organization_id the session keeps the organization it was switched to.
    const kept = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: switched.refreshToken,
    });
    expect(claimsOf(kept.accessToken).org_id).toBe('org_other');
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data[0]?.organizationId).toBe('org_other');

    const grace = await h.signIn('grace@example.com');
    const refused = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({
        clientId: CLIENT_ID,
        refreshToken: grace.refreshToken,
        organizationId: 'org_other',
      }),
    );
    // The spec's OAuth-shaped 400: the SDK's OauthException, as with WorkOS.
    expect(refused).toBeInstanceOf(OauthException);
    expect(refused).toMatchObject({ status: 400, error: 'organization_membership_not_found' });
    const unknown = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({
        clientId: CLIENT_ID,
        refreshToken: grace.refreshToken,
        organizationId: 'org_nope',
      }),
    );
    expect(unknown).toBeInstanceOf(OauthException);
    expect(unknown).toMatchObject({ status: 400, error: 'organization_not_found' });
    // Neither refusal spent the refresh token.
    await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: grace.refreshToken,
    });
  });
});

describe('memberships that change (the WorkOS API, through the SDK)', () => {
  async function membershipOf(email: string, organizationId = 'org_demo') {
    const userId = await h.userId(email);
    const page = await h.workos.userManagement.listOrganizationMemberships({
      userId,
      organizationId,
      statuses: ['active', 'inactive', 'pending'],
    });
    const membership = page.data[0];
    if (!membership) throw new Error(`no membership of ${email} in ${organizationId}`);
    return membership;
  }

  async function membershipEvents() {
    const page = await h.workos.events.listEvents({
      events: ['organization_membership.created', 'organization_membership.updated', 'organization_membership.deleted'],
      limit: 100,
    });
    return page.data.map((e) => ({
      event: e.event,
      data: e.data as { id: string; role: { slug: string }; status: string },
    }));
  }

  it('changes a role: organization_membership.updated, and the next refresh carries the new role', async () => {
    const auth = await h.signIn('ada@example.com');
    expect(claimsOf(auth.accessToken)).toMatchObject({
      role: 'admin',
      permissions: ['sessions:manage', 'users:manage'],
    });
    const membership = await membershipOf('ada@example.com');

    const updated = await h.workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'member' });
    expect(updated).toMatchObject({ id: membership.id, role: { slug: 'member' }, status: 'active' });
    expect((await h.workos.userManagement.getOrganizationMembership(membership.id)).role.slug).toBe('member');
    expect(await membershipEvents()).toEqual([
      {
        event: 'organization_membership.updated',
        data: expect.objectContaining({ id: membership.id, role: { slug: 'member' }, status: 'active' }),
      },
    ]);

    // The token already issued says admin until it expires; the next one does not.
    const refreshed = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(claimsOf(refreshed.accessToken)).toMatchObject({ org_id: 'org_demo', role: 'member', permissions: [] });

    // The same role again changes nothing and announces nothing; an unknown role is refused.
    await h.workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'member' });
    expect(await membershipEvents()).toHaveLength(1);
    const unknownRole = await rejection(
      h.workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'owner' }),
    );
    expect(unknownRole).toBeInstanceOf(UnprocessableEntityException);
    // The spec's code for it.
    expect(unknownRole).toMatchObject({ status: 422, code: 'invalid_role' });
  });

  it('deactivates and reactivates: one event each, no-ops announce nothing, a deactivated member cannot refresh into it', async () => {
    const auth = await h.signIn('grace@example.com');
    const { id } = await membershipOf('grace@example.com');

    expect((await h.workos.userManagement.deactivateOrganizationMembership(id)).status).toBe('inactive');
    await h.workos.userManagement.deactivateOrganizationMembership(id);
    expect((await h.workos.userManagement.listOrganizationMemberships({ userId: auth.user.id })).data).toEqual([]);
    const refused = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: auth.refreshToken }),
    );
    expect(refused).toBeInstanceOf(OauthException);
    expect(refused).toMatchObject({ status: 400, error: 'organization_membership_not_found' });

    expect((await h.workos.userManagement.reactivateOrganizationMembership(id)).status).toBe('active');
    await h.workos.userManagement.reactivateOrganizationMembership(id);
    expect((await membershipEvents()).map((e) => [e.event, e.data.status])).toEqual([
      ['organization_membership.updated', 'inactive'],
      ['organization_membership.updated', 'active'],
    ]);
    // The refused refresh did not spend the token.
    const back = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(claimsOf(back.accessToken)).toMatchObject({ org_id: 'org_demo', role: 'member' });
  });

  it('deletes: organization_membership.deleted, then 404; creates: organization_membership.created, once per organization', async () => {
    const { id } = await membershipOf('alan@example.com');
    // The spec's answer: 200 with no body.
    const deleted = await fetch(`${h.emulator.url}/user_management/organization_memberships/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(deleted.status).toBe(200);
    expect(await deleted.text()).toBe('');
    expect(await rejection(h.workos.userManagement.getOrganizationMembership(id))).toBeInstanceOf(NotFoundException);
    expect(await rejection(h.workos.userManagement.deleteOrganizationMembership(id))).toBeInstanceOf(NotFoundException);

    const grace = await h.userId('grace@example.com');
    const created = await h.workos.userManagement.createOrganizationMembership({
      userId: grace,
      organizationId: 'org_other',
      roleSlug: 'admin',
    });
    expect(created).toMatchObject({
      userId: grace,
      organizationId: 'org_other',
      organizationName: 'Other Org',
      role: { slug: 'admin' },
      status: 'active',
    });
    expect(
      await rejection(
        h.workos.userManagement.createOrganizationMembership({ userId: grace, organizationId: 'org_other' }),
      ),
    ).toBeInstanceOf(UnprocessableEntityException);
    expect((await membershipEvents()).map((e) => [e.event, e.data.id])).toEqual([
      ['organization_membership.deleted', id],
      ['organization_membership.created', created.id],
    ]);
    // Grace now belongs to two organizations: the hosted page asks her which one.
    const auth = await h.signIn('grace@example.com', { chooseOrganization: 'org_other' });
    expect(claimsOf(auth.accessToken)).toMatchObject({ org_id: 'org_other', role: 'admin' });
  });

  it('creating a membership where an inactive one exists activates it with the role given', async () => {
    const { id } = await membershipOf('grace@example.com');
    await h.workos.userManagement.deactivateOrganizationMembership(id);
    const again = await h.workos.userManagement.createOrganizationMembership({
      userId: await h.userId('grace@example.com'),
      organizationId: 'org_demo',
      roleSlug: 'admin',
    });
    expect(again).toMatchObject({ id, status: 'active', role: { slug: 'admin' } });
  });

  it('a pending membership can be neither deactivated nor reactivated', async () => {
    const created = await h.control<{ memberships: { id: string }[] }>('POST', '/_emulator/users', {
      email: 'invited@example.com',
      password: 'password-1',
      membership_status: 'pending',
    });
    const id = created.body.memberships[0]?.id ?? '';
    // The spec's codes for each.
    expect(await rejection(h.workos.userManagement.deactivateOrganizationMembership(id))).toMatchObject({
      status: 400,
      code: 'cannot_deactivate_pending_organization_membership',
    });
    expect(await rejection(h.workos.userManagement.reactivateOrganizationMembership(id))).toMatchObject({
      status: 400,
      code: 'cannot_reactivate_pending_organization_membership',
    });
    expect(await membershipEvents()).toEqual([]);
  });
});

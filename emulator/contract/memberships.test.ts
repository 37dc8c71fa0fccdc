import { NotFoundException, UnauthorizedException, UnprocessableEntityException } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { API_KEY, claimsOf, harnessForFile, rejection, sdkFor } from './harness.ts';

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
    });
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
    const ids = await Promise.all(['ada', 'grace', 'alan'].map((n) => h.userId(`${n}@example.com`)));
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

    expect((await raw(`organization_id=org_other&statuses=active&statuses=inactive`)).body.data).toHaveLength(2);
    expect((await raw(`organization_id=org_other&statuses[]=inactive`)).body.data).toHaveLength(1);
    expect((await raw(`organization_id=org_other&statuses=active,pending`)).body.data).toHaveLength(1);
    expect((await raw(`organization_id=org_other&statuses=deleted`)).status).toBe(422);
  });

  it('needs a user_id or an organization_id (422) and the API key (401)', async () => {
    const missing = await raw('limit=5');
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('invalid_request_parameters');
    // The SDK's types require one of them; a call without them still reaches the API.
    const error = await rejection(h.workos.userManagement.listOrganizationMemberships({} as { userId: string }));
    expect(error).toBeInstanceOf(UnprocessableEntityException);

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

import { describe, expect, it } from 'vitest';
import { API_KEY, CLIENT_ID, claimsOf, harnessForFile, rejection } from './harness.ts';

const h = harnessForFile();

/** The SDK's own POST with an `Idempotency-Key`, as its retries send one (`withIdempotencyKey`). */
async function refreshWithKey(refreshToken: string, idempotencyKey: string, organizationId?: string) {
  const response = await h.workos.post<{ access_token: string; refresh_token: string }>(
    '/user_management/authenticate',
    {
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: API_KEY,
      refresh_token: refreshToken,
      ...(organizationId ? { organization_id: organizationId } : {}),
    },
    { idempotencyKey },
  );
  return response.data;
}

async function membershipEvents() {
  const events = await h.workos.events.listEvents({ events: ['organization_membership.created'], limit: 100 });
  return events.data;
}

describe('Idempotency-Key on POST', () => {
  it('answers a refresh retried with the same key as the first time, without spending a second grant', async () => {
    const auth = await h.signIn('ada@example.com');
    const first = await refreshWithKey(auth.refreshToken, 'retry-key-1');
    const again = await refreshWithKey(auth.refreshToken, 'retry-key-1');
    expect(again).toEqual(first);
    const sessionId = String(claimsOf(first.access_token).sid);
    const grants = await h.control<{ data: { outcome: string }[] }>('GET', `/_emulator/grants?session_id=${sessionId}`);
    expect(grants.body.data.map((g) => g.outcome)).toEqual(['ok']);
    // The tokens given out still work: the retry did not rotate them again.
    await refreshWithKey(first.refresh_token, 'retry-key-2');
    // A new key is a new request: the spent token is refused.
    const spent = await rejection(refreshWithKey(auth.refreshToken, 'retry-key-3'));
    expect(spent).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('replays an error answer too: the key, not the body, names the request (WorkOS: "matching this unique string")', async () => {
    const auth = await h.signIn('grace@example.com');
    const refused = await rejection(refreshWithKey(auth.refreshToken, 'org-switch', 'org_other'));
    expect(refused).toMatchObject({ status: 400, error: 'organization_membership_not_found' });
    // The same key again, even without the organization: the first answer.
    expect(await rejection(refreshWithKey(auth.refreshToken, 'org-switch'))).toMatchObject({
      error: 'organization_membership_not_found',
    });
    // A new key is a new request; the refused one did not spend the token.
    expect((await refreshWithKey(auth.refreshToken, 'plain')).access_token).toBeTruthy();
  });

  it('applies a create once: the same key gives the same membership and one organization_membership.created', async () => {
    const userId = await h.userId('alan@example.com');
    const create = (idempotencyKey: string) =>
      h.workos.post<{ id: string }>(
        '/user_management/organization_memberships',
        { user_id: userId, organization_id: 'org_other', role_slug: 'member' },
        { idempotencyKey },
      );
    const first = await create('create-1');
    const second = await create('create-1');
    expect(second.data).toEqual(first.data);
    expect((await membershipEvents()).map((e) => (e.data as { id: string }).id)).toEqual([first.data.id]);
    // Another key is another request: the membership exists now.
    expect(await rejection(create('create-2'))).toMatchObject({ status: 422 });
  });

  it('keeps an answer 24 hours (the emulator clock), and forgets every key on reset', async () => {
    const auth = await h.signIn('alan@example.com');
    const first = await refreshWithKey(auth.refreshToken, 'day');
    h.clock.advance(24 * 60 * 60 * 1000 - 60_000);
    expect(await refreshWithKey(auth.refreshToken, 'day')).toEqual(first);
    h.clock.advance(120_000);
    // Expired: applied afresh, and the token was spent by the first request.
    expect(await rejection(refreshWithKey(auth.refreshToken, 'day'))).toMatchObject({ error: 'invalid_grant' });

    await h.control('POST', '/_emulator/reset');
    const other = await h.signIn('ada@example.com');
    const kept = await refreshWithKey(other.refreshToken, 'after-reset');
    await h.control('POST', '/_emulator/reset');
    const fresh = await h.signIn('ada@example.com');
    expect(await refreshWithKey(fresh.refreshToken, 'after-reset')).not.toEqual(kept);
  });

  it('does not keep an injected fault as the answer: the SDK’s retry with its key reaches the route', async () => {
    const auth = await h.signIn('grace@example.com');
    await h.control('POST', '/_emulator/faults', { path: '/user_management/authenticate', status: 503, count: 1 });
    const refreshed = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(refreshed.accessToken).toBeTruthy();
  });
});

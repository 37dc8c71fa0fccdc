import { NotFoundException, UnauthorizedException, UnprocessableEntityException } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, claimsOf, rejection, REDIRECT_URI, sdkFor, startHarness, type Harness } from './harness.ts';

let h: Harness;
let adaId: string;
/** Session ids of ada, oldest first (created in beforeAll). */
const adaSessions: string[] = [];
const TOTAL = 105;

beforeAll(async () => {
  h = await startHarness();
  adaId = await h.userId('ada@example.com');
  for (let i = 0; i < TOTAL; i++) {
    const auth = await h.signIn('ada@example.com', { userAgent: `Device ${i}` });
    adaSessions.push(String(claimsOf(auth.accessToken).sid));
  }
});
afterAll(() => h.close());

type RawList = {
  object: string;
  data: { id: string }[];
  list_metadata: { before: string | null; after: string | null };
};

async function rawSessions(query: string): Promise<{ status: number; body: RawList }> {
  const response = await fetch(`${h.emulator.url}/user_management/users/${adaId}/sessions?${query}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return { status: response.status, body: (await response.json()) as RawList };
}

describe('list sessions', () => {
  it('answers the WorkOS list shape, newest first by default', async () => {
    const page = await h.workos.userManagement.listSessions(adaId, { limit: 3 });
    expect(page.object).toBe('list');
    expect(page.data.map((s) => s.id)).toEqual(adaSessions.slice(-3).reverse());
    const session = page.data[0]!;
    expect(session).toMatchObject({
      object: 'session',
      userId: adaId,
      organizationId: 'org_demo',
      status: 'active',
      authMethod: 'password',
      ipAddress: '127.0.0.1',
      userAgent: `Device ${TOTAL - 1}`,
      endedAt: null,
    });
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.parse(session.createdAt));
    expect(page.listMetadata).toEqual({ before: null, after: adaSessions[TOTAL - 3] });
  });

  it('follows after and before cursors in both orders', async () => {
    const first = await rawSessions('limit=10&order=asc');
    expect(first.body.data.map((s) => s.id)).toEqual(adaSessions.slice(0, 10));
    expect(first.body.list_metadata).toEqual({ before: null, after: adaSessions[9] });

    const second = await rawSessions(`limit=10&order=asc&after=${first.body.list_metadata.after}`);
    expect(second.body.data.map((s) => s.id)).toEqual(adaSessions.slice(10, 20));
    expect(second.body.list_metadata).toEqual({ before: adaSessions[10], after: adaSessions[19] });

    const back = await rawSessions(`limit=10&order=asc&before=${second.body.list_metadata.before}`);
    expect(back.body.data.map((s) => s.id)).toEqual(adaSessions.slice(0, 10));
    expect(back.body.list_metadata.before).toBeNull();

    const descending = await rawSessions(`limit=5&order=desc&after=${adaSessions[50]}`);
    expect(descending.body.data.map((s) => s.id)).toEqual(adaSessions.slice(45, 50).reverse());

    const last = await rawSessions(`limit=10&order=asc&after=${adaSessions[TOTAL - 4]}`);
    expect(last.body.data).toHaveLength(3);
    expect(last.body.list_metadata.after).toBeNull();
  });

  it('order=normal: newest first, with before fetching older and after fetching newer (the spec)', async () => {
    const first = await rawSessions('limit=5&order=normal');
    expect(first.status).toBe(200);
    expect(first.body.data.map((s) => s.id)).toEqual(adaSessions.slice(-5).reverse());
    // The cursor towards older sessions is `before`; there is nothing newer.
    expect(first.body.list_metadata).toEqual({ before: adaSessions[TOTAL - 5], after: null });
    const older = await rawSessions(`limit=5&order=normal&before=${first.body.list_metadata.before}`);
    expect(older.body.data.map((s) => s.id)).toEqual(adaSessions.slice(TOTAL - 10, TOTAL - 5).reverse());
    expect(older.body.list_metadata).toEqual({ before: adaSessions[TOTAL - 10], after: adaSessions[TOTAL - 6] });
    const newer = await rawSessions(`limit=5&order=normal&after=${older.body.list_metadata.after}`);
    expect(newer.body.data.map((s) => s.id)).toEqual(first.body.data.map((s) => s.id));
  });

  it('auto-paginates past 100 sessions with the SDK', async () => {
    const all = await (await h.workos.userManagement.listSessions(adaId)).autoPagination();
    expect(all).toHaveLength(TOTAL);
    expect(new Set(all.map((s) => s.id)).size).toBe(TOTAL);
    expect(all[0]?.id).toBe(adaSessions[TOTAL - 1]);
  });

  it('validates limit and order (422 → UnprocessableEntityException)', async () => {
    for (const limit of [0, 101]) {
      await expect(h.workos.userManagement.listSessions(adaId, { limit })).rejects.toBeInstanceOf(
        UnprocessableEntityException,
      );
    }
    expect((await rawSessions('limit=abc')).status).toBe(422);
    expect((await rawSessions('order=sideways')).status).toBe(422);
  });

  it('404s for an unknown user and 401s without the API key', async () => {
    const error = await rejection(h.workos.userManagement.listSessions('user_missing'));
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.code).toBe('entity_not_found');
    await expect(sdkFor(h.emulator, 'sk_wrong').userManagement.listSessions(adaId)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    const anonymous = await fetch(`${h.emulator.url}/user_management/users/${adaId}/sessions`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: 'Unauthorized' });
  });
});

describe('revoke and logout', () => {
  it('revokes a session: it leaves the list and session.revoked carries the final status', async () => {
    const auth = await h.signIn('grace@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data.map((s) => s.id)).toContain(sessionId);

    const response = await fetch(`${h.emulator.url}/user_management/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: sessionId }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');

    expect((await h.workos.userManagement.listSessions(auth.user.id)).data.map((s) => s.id)).not.toContain(sessionId);
    const events = await h.workos.events.listEvents({ events: ['session.revoked'], limit: 100 });
    const event = events.data.find((e) => (e.data as { id: string }).id === sessionId);
    expect(event?.data).toMatchObject({ id: sessionId, status: 'revoked', userId: auth.user.id });
    expect((event?.data as { endedAt: string | null }).endedAt).not.toBeNull();

    // Revoking again is idempotent and emits nothing new.
    await h.workos.userManagement.revokeSession({ sessionId });
    const after = await h.workos.events.listEvents({ events: ['session.revoked'], limit: 100 });
    expect(after.data.filter((e) => (e.data as { id: string }).id === sessionId)).toHaveLength(1);
  });

  it('404s when revoking an unknown session, 200s an already-ended one (nothing new), 400s without session_id', async () => {
    const error = await rejection(h.workos.userManagement.revokeSession({ sessionId: 'session_missing' }));
    expect(error).toBeInstanceOf(NotFoundException);

    const auth = await h.signIn('grace@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    await h.workos.userManagement.revokeSession({ sessionId });
    await h.workos.userManagement.revokeSession({ sessionId });
    const events = await h.workos.events.listEvents({ events: ['session.revoked'], limit: 100 });
    expect(events.data.filter((e) => (e.data as { id: string }).id === sessionId)).toHaveLength(1);

    // The spec lists only 400 for this route.
    const response = await fetch(`${h.emulator.url}/user_management/sessions/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/session_id/);
  });

  it('logout ends the session and redirects to return_to', async () => {
    const auth = await h.signIn('alan@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    const returnTo = new URL('/signed-out', REDIRECT_URI).toString();
    const logoutUrl = h.workos.userManagement.getLogoutUrl({ sessionId, returnTo });
    const response = await fetch(logoutUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(returnTo);
    const sessions = (
      await h.control<{ id: string; status: string }[]>('GET', `/_emulator/sessions?user_id=${auth.user.id}`)
    ).body;
    expect(sessions.find((s) => s.id === sessionId)?.status).toBe('revoked');
  });

  it('logout of an already-revoked session still redirects to return_to and emits nothing new', async () => {
    const auth = await h.signIn('alan@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    await h.workos.userManagement.revokeSession({ sessionId });
    const returnTo = new URL('/signed-out?reason=signed_out', REDIRECT_URI).toString();
    const response = await fetch(h.workos.userManagement.getLogoutUrl({ sessionId, returnTo }), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(returnTo);
    const events = await h.workos.events.listEvents({ events: ['session.revoked'], limit: 100 });
    expect(events.data.filter((e) => (e.data as { id: string }).id === sessionId)).toHaveLength(1);
  });

  it('logout with a return_to that is not allowed still ends the session and goes to the default logout redirect', async () => {
    const auth = await h.signIn('alan@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    const response = await fetch(
      h.workos.userManagement.getLogoutUrl({ sessionId, returnTo: 'https://evil.example/' }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${new URL(REDIRECT_URI).origin}/`);
    const sessions = (
      await h.control<{ id: string; status: string }[]>('GET', `/_emulator/sessions?user_id=${auth.user.id}`)
    ).body;
    expect(sessions.find((s) => s.id === sessionId)?.status).toBe('revoked');
  });

  it('logout without session_id is the spec’s 422 with a message', async () => {
    const response = await fetch(
      `${h.emulator.url}/user_management/sessions/logout?return_to=${encodeURIComponent(REDIRECT_URI)}`,
      {
        redirect: 'manual',
      },
    );
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toMatch(/session_id/);
  });
});

import { NotFoundException, UnauthorizedException, UnprocessableEntityException } from '@workos-inc/node';
import { describe, expect, it } from 'vitest';
import { API_KEY, rejection, sdkFor, harnessForFile } from './harness.ts';

const h = harnessForFile();

async function rawEvents(query: string) {
  const response = await fetch(`${h.emulator.url}/events?${query}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      object: string;
      data: { id: string; event: string; object: string; created_at: string }[];
      list_metadata: { after: string | null };
    },
  };
}

describe('users', () => {
  it('gets a user by id in the WorkOS shape', async () => {
    const id = await h.userId('ada@example.com');
    const user = await h.workos.userManagement.getUser(id);
    expect(user).toMatchObject({
      object: 'user',
      id,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      emailVerified: true,
    });
  });

  it('404s an unknown user with code entity_not_found', async () => {
    const error = await rejection(h.workos.userManagement.getUser('user_01NOPE'));
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error.code).toBe('entity_not_found');
  });

  it('lists users filtered by email (case-insensitive) and paginates', async () => {
    const byEmail = await h.workos.userManagement.listUsers({ email: 'GRACE@example.com' });
    expect(byEmail.data.map((u) => u.email)).toEqual(['grace@example.com']);
    expect((await h.workos.userManagement.listUsers({ email: 'nobody@example.com' })).data).toEqual([]);
    const page = await h.workos.userManagement.listUsers({ limit: 2, order: 'asc' });
    expect(page.data.map((u) => u.email)).toEqual(['ada@example.com', 'grace@example.com']);
    const next = await h.workos.userManagement.listUsers({
      limit: 2,
      order: 'asc',
      after: page.listMetadata.after ?? undefined,
    });
    expect(next.data.map((u) => u.email)).toEqual(['alan@example.com', 'linus@example.com']);
    const last = await h.workos.userManagement.listUsers({
      limit: 2,
      order: 'asc',
      after: next.listMetadata.after ?? undefined,
    });
    expect(last.data.map((u) => u.email)).toEqual(['barbara@example.com']);
    expect(last.listMetadata.after).toBeNull();
  });

  it('deletes a user through the SDK (sessions revoked first, then user.deleted)', async () => {
    const auth = await h.signIn('alan@example.com');
    await h.workos.userManagement.deleteUser(auth.user.id);
    await expect(h.workos.userManagement.getUser(auth.user.id)).rejects.toBeInstanceOf(NotFoundException);
    const events = await rawEvents('events=session.revoked,user.deleted');
    expect(events.body.data.map((e) => e.event)).toEqual(['session.revoked', 'user.deleted']);
    await expect(h.workos.userManagement.deleteUser(auth.user.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('answers DELETE /user_management/users/{id} with 200 and no body, as the spec', async () => {
    const auth = await h.signIn('grace@example.com');
    const response = await fetch(`${h.emulator.url}/user_management/users/${auth.user.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('requires the API key on every SDK-facing endpoint', async () => {
    const wrong = sdkFor(h.emulator, 'sk_test_wrong');
    const id = await h.userId('ada@example.com');
    await expect(wrong.userManagement.getUser(id)).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(wrong.userManagement.listUsers()).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(wrong.userManagement.revokeSession({ sessionId: 'session_x' })).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    await expect(wrong.events.listEvents({ events: ['session.revoked'] })).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
  });
});

describe('events', () => {
  async function seedEvents() {
    const auth = await h.signIn('grace@example.com'); // session.created
    await h.control('POST', '/_emulator/users', { email: 'new@example.com', password: 'password-1' }); // user.created
    await h.control('POST', `/_emulator/users/${auth.user.id}/revoke_sessions`); // session.revoked
    return auth;
  }

  it('answers the WorkOS list shape, oldest first, with event_ ids and ISO created_at', async () => {
    await seedEvents();
    const { status, body } = await rawEvents('');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data.map((e) => e.event)).toEqual(['session.created', 'user.created', 'session.revoked']);
    for (const event of body.data) {
      expect(event.object).toBe('event');
      expect(event.id).toMatch(/^event_[0-9A-Z]{26}$/);
      expect(new Date(event.created_at).toISOString()).toBe(event.created_at);
    }
    expect([...body.data.map((e) => e.id)].sort()).toEqual(body.data.map((e) => e.id));
  });

  it('accepts all three filter forms', async () => {
    await seedEvents();
    const wanted: ('session.created' | 'session.revoked')[] = ['session.created', 'session.revoked'];
    const sdk = await h.workos.events.listEvents({ events: wanted }); // events=a,b
    const brackets = await rawEvents('events[]=session.created&events[]=session.revoked');
    const repeated = await rawEvents('events=session.created&events=session.revoked');
    for (const names of [
      sdk.data.map((e) => e.event),
      brackets.body.data.map((e) => e.event),
      repeated.body.data.map((e) => e.event),
    ]) {
      expect(names).toEqual(wanted);
    }
    expect((await rawEvents('events=user.created')).body.data.map((e) => e.event)).toEqual(['user.created']);
  });

  it('pages with limit and the after cursor (null at the end)', async () => {
    for (let i = 0; i < 5; i++)
      await h.control('POST', '/_emulator/users', { email: `u${i}@example.com`, password: 'password-1' });
    const first = await h.workos.events.listEvents({ events: ['user.created'], limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.listMetadata.after).toBe(first.data[1]?.id);
    const second = await h.workos.events.listEvents({
      events: ['user.created'],
      limit: 2,
      after: first.listMetadata.after ?? undefined,
    });
    expect(second.data.map((e) => e.id)).not.toContain(first.data[0]?.id);
    const third = await h.workos.events.listEvents({
      events: ['user.created'],
      limit: 2,
      after: second.listMetadata.after ?? undefined,
    });
    expect(third.data).toHaveLength(1);
    expect(third.listMetadata.after).toBeNull();
    // Default limit is 10.
    for (let i = 5; i < 12; i++)
      await h.control('POST', '/_emulator/users', { email: `u${i}@example.com`, password: 'password-1' });
    expect((await rawEvents('events=user.created')).body.data).toHaveLength(10);
  });

  it('ignores order, always oldest first, as the live API does (workos/workos-node#1610)', async () => {
    for (let i = 0; i < 3; i++)
      await h.control('POST', '/_emulator/users', { email: `o${i}@example.com`, password: 'password-1' });
    const oldestFirst = (await rawEvents('events=user.created&limit=100')).body.data.map((e) => e.id);
    expect(oldestFirst).toEqual([...oldestFirst].sort());
    for (const order of ['desc', 'asc', 'normal', 'sideways']) {
      const page = await rawEvents(`events=user.created&limit=100&order=${order}`);
      expect(page.status).toBe(200);
      expect(page.body.data.map((e) => e.id)).toEqual(oldestFirst);
    }
    const sdk = await h.workos.events.listEvents({ events: ['user.created'], limit: 1, order: 'desc' });
    expect(sdk.data[0]?.id).toBe(oldestFirst[0]);
  });

  it('filters by range_start and range_end', async () => {
    await h.control('POST', '/_emulator/users', { email: 'early@example.com', password: 'password-1' });
    h.clock.advance(60 * 60 * 1000);
    const middle = new Date(h.clock.now() - 30 * 60 * 1000).toISOString();
    await h.control('POST', '/_emulator/users', { email: 'late@example.com', password: 'password-1' });
    const late = await h.workos.events.listEvents({ events: ['user.created'], rangeStart: middle });
    expect(late.data.map((e) => (e.data as { email: string }).email)).toEqual(['late@example.com']);
    const early = await h.workos.events.listEvents({ events: ['user.created'], rangeEnd: middle });
    expect(early.data.map((e) => (e.data as { email: string }).email)).toEqual(['early@example.com']);
    expect((await rawEvents('range_start=yesterday')).status).toBe(422);
  });

  it('validates limit (1–100)', async () => {
    await expect(h.workos.events.listEvents({ events: ['user.created'], limit: 0 })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    await expect(h.workos.events.listEvents({ events: ['user.created'], limit: 101 })).rejects.toBeInstanceOf(
      UnprocessableEntityException,
    );
    expect((await rawEvents('limit=100')).status).toBe(200);
  });

  it('keeps events for 30 days', async () => {
    await h.control('POST', '/_emulator/users', { email: 'old@example.com', password: 'password-1' });
    h.clock.advance(29 * 86_400_000);
    expect((await rawEvents('events=user.created')).body.data).toHaveLength(1);
    h.clock.advance(2 * 86_400_000);
    expect((await rawEvents('events=user.created')).body.data).toHaveLength(0);
  });

  it('deserializes session and password-reset events with the SDK', async () => {
    const auth = await seedEvents();
    await h.control('POST', `/_emulator/users/${auth.user.id}/reset_password`, { password: 'new-password-1' });
    const events = await h.workos.events.listEvents({ events: ['session.created', 'password_reset.succeeded'] });
    const created = events.data.find((e) => e.event === 'session.created');
    expect(created?.data).toMatchObject({ object: 'session', userId: auth.user.id, status: 'active' });
    const reset = events.data.find((e) => e.event === 'password_reset.succeeded');
    expect(reset?.data).toMatchObject({ object: 'password_reset', userId: auth.user.id, email: 'grace@example.com' });
    expect((reset?.data as { id: string }).id).toMatch(/^password_reset_/);
  });
});

describe('injected events (POST /_emulator/events)', () => {
  it('go out through the Events API as given, so the app can be shown a malformed one next to good ones', async () => {
    const injected = await h.control<{ id: string }>('POST', '/_emulator/events', {
      event: 'session.revoked',
      data: { object: 'session', id: 'session_broken' },
    });
    expect(injected.status).toBe(201);
    const page = await h.workos.events.listEvents({ events: ['session.revoked'] });
    // The SDK hands the malformed event over as it came (no throw): mapping it is the app's job, one by one.
    const broken = page.data.find((e) => e.id === injected.body.id);
    expect(broken).toMatchObject({ event: 'session.revoked', data: { id: 'session_broken' } });
    expect((broken?.data as { createdAt?: unknown }).createdAt).toBeUndefined();
  });

  it('are refused with a reason when they are not events', async () => {
    for (const body of [
      { event: 'Not An Event', data: {} },
      { event: 'session.revoked', data: [] },
      { event: 'session.revoked' },
    ]) {
      const response = await h.control<{ code?: string }>('POST', '/_emulator/events', body);
      expect(response.status).toBe(422);
    }
  });
});

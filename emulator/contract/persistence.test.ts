import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../server.ts';
import { CLIENT_ID, claimsOf, startHarness } from './harness.ts';

const ALL_EVENTS: ('user.created' | 'session.created' | 'session.revoked')[] = [
  'user.created',
  'session.created',
  'session.revoked',
];
const dir = mkdtempSync(join(tmpdir(), 'emulator-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence (EMULATOR_STATE_FILE)', () => {
  it('keeps users, sessions, keys and events across a restart', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startHarness({ stateFile });
    await first.control('POST', '/_emulator/users', {
      email: 'kept@example.com',
      password: 'password-1',
      first_name: 'Kept',
    });
    const auth = await first.signIn('kept@example.com', { password: 'password-1' });
    const revoked = await first.signIn('ada@example.com');
    await first.workos.userManagement.revokeSession({ sessionId: String(claimsOf(revoked.accessToken).sid) });
    const jwksBefore = (await (await fetch(`${first.emulator.url}/sso/jwks/${CLIENT_ID}`)).json()) as {
      keys: { x5c?: string[] }[];
    };
    // The certificate is kept with the key: the JWKS after the restart is the same, x5c included.
    expect(jwksBefore.keys[0]?.x5c?.[0]).toBeTruthy();
    const eventsBefore = (await first.workos.events.listEvents({ events: ALL_EVENTS, limit: 100 })).data.map(
      (e) => e.id,
    );
    await first.close();
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1 });

    const second = await startHarness({ stateFile });
    try {
      expect(await (await fetch(`${second.emulator.url}/sso/jwks/${CLIENT_ID}`)).json()).toEqual(jwksBefore);
      // A token issued before the restart still verifies against the JWKS served after it.
      const jwks = createRemoteJWKSet(new URL(second.workos.userManagement.getJwksUrl(CLIENT_ID)));
      await expect(jwtVerify(auth.accessToken, jwks)).resolves.toBeTruthy();

      expect((await second.workos.userManagement.getUser(auth.user.id)).firstName).toBe('Kept');
      const sessions = await second.workos.userManagement.listSessions(auth.user.id);
      expect(sessions.data.map((s) => s.id)).toEqual([claimsOf(auth.accessToken).sid]);
      const adaSessions = await second.control<{ status: string }[]>(
        'GET',
        `/_emulator/sessions?user_id=${revoked.user.id}`,
      );
      expect(adaSessions.body.map((s) => s.status)).toEqual(['revoked']);
      expect((await second.workos.events.listEvents({ events: ALL_EVENTS, limit: 100 })).data.map((e) => e.id)).toEqual(
        eventsBefore,
      );

      // The refresh token survives too, and new ids still sort after the old ones.
      const refreshed = await second.workos.userManagement.authenticateWithRefreshToken({
        clientId: CLIENT_ID,
        refreshToken: auth.refreshToken,
      });
      expect(claimsOf(refreshed.accessToken).sid).toBe(claimsOf(auth.accessToken).sid);
      await second.signIn('kept@example.com', { password: 'password-1' });
      const events = (await second.workos.events.listEvents({ events: ALL_EVENTS, limit: 100 })).data.map((e) => e.id);
      expect(events.at(-1)! > eventsBefore.at(-1)!).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('reads a state file from when each user had one membership on the user record', async () => {
    const stateFile = join(dir, 'legacy.json');
    const first = await startHarness({ stateFile });
    await first.close();
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      users: { id: string; email: string; [key: string]: unknown }[];
      memberships?: unknown;
      signingKey: { certificate?: string };
    };
    delete state.memberships;
    // From before the key had a certificate.
    delete state.signingKey.certificate;
    for (const user of state.users) {
      Object.assign(user, { role: user.email === 'ada@example.com' ? 'admin' : 'member', organizationId: 'org_demo' });
    }
    const grace = state.users.find((u) => u.email === 'grace@example.com');
    Object.assign(grace ?? {}, { membershipStatus: 'inactive' });
    writeFileSync(stateFile, JSON.stringify(state));

    const second = await startHarness({ stateFile });
    try {
      const ada = await second.userId('ada@example.com');
      const memberships = await second.workos.userManagement.listOrganizationMemberships({
        organizationId: 'org_demo',
        statuses: ['active', 'inactive'],
        order: 'asc',
      });
      expect(memberships.data.map((m) => [m.userId === ada, m.role.slug, m.status]).slice(0, 2)).toEqual([
        [true, 'admin', 'active'],
        [false, 'member', 'inactive'],
      ]);
      // The ids it had then.
      expect(memberships.data[0]?.id).toBe(`om_${ada.replace(/^user_/, '')}`);
      expect(claimsOf((await second.signIn('ada@example.com')).accessToken)).toMatchObject({
        org_id: 'org_demo',
        role: 'admin',
      });
      // The key gets its certificate, and keeps it from then on.
      const jwks = (await (await fetch(`${second.emulator.url}/sso/jwks/${CLIENT_ID}`)).json()) as {
        keys: { x5c: string[] }[];
      };
      expect(jwks.keys[0]?.x5c[0]).toBeTruthy();
      await second.close();
      expect(
        (JSON.parse(readFileSync(stateFile, 'utf8')) as { signingKey: { certificate?: string } }).signingKey
          .certificate,
      ).toBe(jwks.keys[0]?.x5c[0]);
    } finally {
      await second.close();
    }
  });

  it('refuses a state file that is not one of its own, naming it', async () => {
    const stateFile = join(dir, 'garbage.json');
    writeFileSync(stateFile, JSON.stringify({ hello: 'world' }));
    await expect(startEmulator({ port: 0, stateFile, log: () => undefined })).rejects.toThrow(/EMULATOR_STATE_FILE/);
  });
});

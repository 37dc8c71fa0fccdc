import { OauthException } from '@workos-inc/node';
import { createHash, X509Certificate } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, importJWK, importX509, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { API_KEY, CLIENT_ID, claimsOf, rejection, sdkFor, harnessForFile } from './harness.ts';

const h = harnessForFile();

async function rawAuthenticate(body: Record<string, string>) {
  const response = await fetch(`${h.emulator.url}/user_management/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ client_id: CLIENT_ID, client_secret: API_KEY, ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('authorization_code grant', () => {
  it('answers exactly the fields WorkOS sends (no cookie bloat)', async () => {
    const { code, codeVerifier } = await h.authorize('ada@example.com');
    const { status, body } = await rawAuthenticate({
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
    });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'authentication_method',
      'organization_id',
      'refresh_token',
      'user',
    ]);
    expect(body.authentication_method).toBe('Password');
    expect(body.organization_id).toBe('org_demo');
    expect(Object.keys(body.user as object).sort()).toEqual(
      [
        'created_at',
        'email',
        'email_verified',
        'external_id',
        'first_name',
        'id',
        'last_name',
        'last_sign_in_at',
        'metadata',
        'object',
        'profile_picture_url',
        'updated_at',
      ].sort(),
    );
    expect(JSON.stringify(body).length).toBeLessThan(2500);
  });

  it('issues an RS256 access token verifiable with the JWKS, with the documented claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    await h.control('POST', '/_emulator/config', { auth_time_claim: true });
    const auth = await h.signIn('ada@example.com');
    const jwks = createRemoteJWKSet(new URL(h.workos.userManagement.getJwksUrl(CLIENT_ID)));
    const { payload, protectedHeader } = await jwtVerify(auth.accessToken, jwks);
    expect(protectedHeader.alg).toBe('RS256');
    expect(typeof protectedHeader.kid).toBe('string');
    expect(payload).toMatchObject({
      iss: `${h.emulator.url}/user_management/${CLIENT_ID}`,
      sub: auth.user.id,
      org_id: 'org_demo',
      role: 'admin',
    });
    expect(payload.sid).toMatch(/^session_[0-9A-Z]{26}$/);
    expect(typeof payload.jti).toBe('string');
    expect(Array.isArray(payload.permissions)).toBe(true);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.auth_time).toBeGreaterThanOrEqual(before);
    expect(payload.act).toBeUndefined();
    // A member gets the member role.
    expect(claimsOf((await h.signIn('grace@example.com')).accessToken).role).toBe('member');
  });

  it('publishes a 2048-bit RSA key whose kid matches the tokens', async () => {
    const response = await fetch(`${h.emulator.url}/sso/jwks/${CLIENT_ID}`);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Buffer.from(key.n!, 'base64url').length * 8).toBe(2048);
    await importJWK(key, 'RS256');
    const auth = await h.signIn('grace@example.com');
    expect(decodeProtectedHeader(auth.accessToken).kid).toBe(key.kid);
    expect((await fetch(`${h.emulator.url}/sso/jwks/client_unknown`)).status).toBe(404);
  });

  it('publishes every field the spec requires of a key, x5c a self-signed certificate of it and x5t#S256 its thumbprint', async () => {
    const response = await fetch(h.workos.userManagement.getJwksUrl(CLIENT_ID));
    const key = ((await response.json()) as { keys: Record<string, unknown>[] }).keys[0]!;
    // spec JwksResponse: alg, kty, use, x5c, n, e, kid, x5t#S256 are all required.
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t#S256']);
    const x5c = key.x5c as string[];
    expect(x5c).toHaveLength(1);
    const der = Buffer.from(x5c[0]!, 'base64');
    expect(der.toString('base64')).toBe(x5c[0]); // standard base64 (RFC 7517 §4.7), not base64url
    const certificate = new X509Certificate(der);
    expect(certificate.verify(certificate.publicKey)).toBe(true); // self-signed
    expect(certificate.publicKey.export({ format: 'jwk' })).toMatchObject({ n: key.n, e: key.e });
    expect(Date.parse(certificate.validTo)).toBeGreaterThan(Date.now() + 365 * 86_400_000);
    expect(key['x5t#S256']).toBe(createHash('sha256').update(der).digest('base64url'));

    // Tokens verify with the JWKS (as the SDK does) and with the certificate's key alike.
    const auth = await h.signIn('ada@example.com');
    await expect(
      jwtVerify(auth.accessToken, createRemoteJWKSet(new URL(h.workos.userManagement.getJwksUrl(CLIENT_ID)))),
    ).resolves.toBeTruthy();
    const pem = `-----BEGIN CERTIFICATE-----\n${x5c[0]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
    await expect(jwtVerify(auth.accessToken, await importX509(pem, 'RS256'))).resolves.toBeTruthy();
  });

  it('rejects a PKCE mismatch with 400 invalid_grant', async () => {
    const { code } = await h.authorize('ada@example.com');
    const error = await rejection(
      h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier: 'x'.repeat(43) }),
    );
    expect(error).toBeInstanceOf(OauthException);
    expect(error.status).toBe(400);
    expect(error.error).toBe('invalid_grant');
  });

  it('makes codes single-use', async () => {
    const { code, codeVerifier } = await h.authorize('ada@example.com');
    await h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
    const error = await rejection(
      h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier }),
    );
    expect(error).toBeInstanceOf(OauthException);
    expect(error.error).toBe('invalid_grant');
  });

  it('expires codes after 10 minutes (injected clock)', async () => {
    const fresh = await h.authorize('ada@example.com');
    const stale = await h.authorize('ada@example.com');
    h.clock.advance(9 * 60 * 1000);
    await expect(h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, ...fresh })).resolves.toBeTruthy();
    h.clock.advance(61 * 1000);
    const error = await rejection(h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, ...stale }));
    expect(error).toBeInstanceOf(OauthException);
    expect(error.error).toBe('invalid_grant');
  });

  it('rejects a wrong API key (client_secret) with the spec’s 400 invalid_client (OauthException)', async () => {
    const { code, codeVerifier } = await h.authorize('ada@example.com');
    const wrong = sdkFor(h.emulator, 'sk_test_wrong');
    const error = await rejection(wrong.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier }));
    expect(error).toBeInstanceOf(OauthException);
    expect(error).toMatchObject({ status: 400, error: 'invalid_client' });
  });

  it('rejects an unknown client_id and a missing grant_type as OAuth errors', async () => {
    const { code, codeVerifier } = await h.authorize('ada@example.com');
    const error = await rejection(
      h.workos.userManagement.authenticateWithCode({ clientId: 'client_nope', code, codeVerifier }),
    );
    expect(error).toBeInstanceOf(OauthException);
    expect(error.error).toBe('invalid_client');
    const raw = await rawAuthenticate({ code });
    expect(raw.status).toBe(400);
    expect(raw.body.error).toBe('unsupported_grant_type');
  });

  it('answers malformed JSON with a 400 JSON body', async () => {
    const response = await fetch(`${h.emulator.url}/user_management/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: '{"grant_type": ',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as { code: string }).code).toBe('invalid_json');
  });

  it('uses the configured access token lifetime', async () => {
    await h.control('POST', '/_emulator/config', { access_token_ttl_seconds: 60 });
    const claims = claimsOf((await h.signIn('alan@example.com')).accessToken);
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
  });
});

describe('refresh_token grant', () => {
  it('rotates the refresh token and keeps sid and auth_time', async () => {
    await h.control('POST', '/_emulator/config', { auth_time_claim: true });
    const first = await h.signIn('ada@example.com');
    h.clock.advance(120_000);
    const second = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: first.refreshToken,
    });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const a = claimsOf(first.accessToken);
    const b = claimsOf(second.accessToken);
    expect(b.sid).toBe(a.sid);
    expect(typeof a.auth_time).toBe('number');
    expect(b.auth_time).toBe(a.auth_time);
    expect((b.iat as number) - (a.iat as number)).toBeGreaterThanOrEqual(119);
    expect(second.user.id).toBe(first.user.id);
    expect(second.authenticationMethod).toBe('Password');
  });

  it('answers reuse of a refresh token with 400 invalid_grant', async () => {
    const first = await h.signIn('ada@example.com');
    await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: first.refreshToken,
    });
    const error = await rejection(
      h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: first.refreshToken }),
    );
    expect(error).toBeInstanceOf(OauthException);
    expect(error.status).toBe(400);
    expect(error.error).toBe('invalid_grant');
    expect(String(error.errorDescription)).toMatch(/already exchanged/);
  });

  it('logs every grant with its outcome, per session, for tests to count (GET /_emulator/grants)', async () => {
    const ada = await h.signIn('ada@example.com');
    const grace = await h.signIn('grace@example.com');
    const next = await h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: ada.refreshToken });
    await rejection(h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: ada.refreshToken }));
    await h.workos.userManagement.authenticateWithRefreshToken({ clientId: CLIENT_ID, refreshToken: grace.refreshToken });
    const adaSession = String(claimsOf(next.accessToken).sid);
    const { status, body } = await h.control<{ data: { session_id: string; outcome: string; at: string }[] }>(
      'GET',
      `/_emulator/grants?session_id=${adaSession}`,
    );
    expect(status).toBe(200);
    expect(body.data.map((g) => [g.session_id, g.outcome])).toEqual([
      [adaSession, 'ok'],
      [adaSession, 'invalid_grant'],
    ]);
    expect((await h.control<{ data: unknown[] }>('GET', '/_emulator/grants')).body.data).toHaveLength(3);
    await h.control('POST', '/_emulator/reset');
    expect((await h.control<{ data: unknown[] }>('GET', '/_emulator/grants')).body.data).toEqual([]);
  });

  it('answers a refresh for a revoked session with invalid_grant', async () => {
    const auth = await h.signIn('grace@example.com');
    await h.workos.userManagement.revokeSession({ sessionId: String(claimsOf(auth.accessToken).sid) });
    const { status, body } = await rawAuthenticate({ grant_type: 'refresh_token', refresh_token: auth.refreshToken });
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_grant', error_description: expect.stringMatching(/revoked/) });
  });

  it('answers a refresh after the maximum session length with invalid_grant', async () => {
    await h.control('POST', '/_emulator/config', { session_max_age_seconds: 3600 });
    const auth = await h.signIn('grace@example.com');
    h.clock.advance(3601 * 1000);
    const { status, body } = await rawAuthenticate({ grant_type: 'refresh_token', refresh_token: auth.refreshToken });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(/expired/);
    const sessions = (await h.control<{ status: string }[]>('GET', `/_emulator/sessions?user_id=${auth.user.id}`)).body;
    expect(sessions[0]?.status).toBe('expired');
  });

  it('has no inactivity timeout by default, as a new WorkOS environment', async () => {
    expect((await h.control<Record<string, unknown>>('GET', '/_emulator/config')).body).toMatchObject({
      session_inactivity_timeout_seconds: null,
    });
    const auth = await h.signIn('grace@example.com');
    h.clock.advance(7 * 86_400 * 1000); // a week idle, well inside the 30-day maximum
    const refreshed = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    expect(claimsOf(refreshed.accessToken).sid).toBe(claimsOf(auth.accessToken).sid);
  });

  it('ends a session idle past the configured inactivity timeout as the maximum length does; a refresh is activity', async () => {
    await h.control('POST', '/_emulator/config', { session_inactivity_timeout_seconds: 3600 });
    const auth = await h.signIn('grace@example.com');
    const sessionId = String(claimsOf(auth.accessToken).sid);
    h.clock.advance(3500 * 1000);
    const kept = await h.workos.userManagement.authenticateWithRefreshToken({
      clientId: CLIENT_ID,
      refreshToken: auth.refreshToken,
    });
    h.clock.advance(3500 * 1000); // 7000 s since sign-in, 3500 s since the refresh: still active
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data.map((s) => s.id)).toContain(sessionId);
    h.clock.advance(200 * 1000); // 3700 s idle
    const { status, body } = await rawAuthenticate({ grant_type: 'refresh_token', refresh_token: kept.refreshToken });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(/expired/);
    expect((await h.workos.userManagement.listSessions(auth.user.id)).data.map((s) => s.id)).not.toContain(sessionId);
    const sessions = (
      await h.control<{ id: string; status: string; ended_at: string }[]>('GET', `/_emulator/sessions?user_id=${auth.user.id}`)
    ).body;
    const ended = sessions.find((s) => s.id === sessionId);
    expect(ended?.status).toBe('expired');
    // Ended when the hour of inactivity ran out, not at the maximum length.
    const refreshedAt = Number(claimsOf(kept.accessToken).iat) * 1000;
    const endedAt = Date.parse(ended!.ended_at);
    expect(endedAt - (refreshedAt + 3600 * 1000)).toBeGreaterThanOrEqual(0);
    expect(endedAt - (refreshedAt + 3600 * 1000)).toBeLessThan(1000);

    // Configurable off again (null), and validated.
    expect((await h.control('POST', '/_emulator/config', { session_inactivity_timeout_seconds: 10 })).status).toBe(422);
    expect(
      (await h.control<Record<string, unknown>>('POST', '/_emulator/config', { session_inactivity_timeout_seconds: null }))
        .body,
    ).toMatchObject({ session_inactivity_timeout_seconds: null });
  });

  it('answers an unknown refresh token with invalid_grant', async () => {
    const { status, body } = await rawAuthenticate({ grant_type: 'refresh_token', refresh_token: 'not-a-token' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('works through the SDK sealed-session refresh used by authkit', async () => {
    const cookiePassword = 'a'.repeat(40);
    const first = await h.workos.userManagement.authenticateWithCode({
      clientId: CLIENT_ID,
      ...(await h.authorize('alan@example.com')),
      session: { sealSession: true, cookiePassword },
    });
    const session = h.workos.userManagement.loadSealedSession({
      sessionData: first.sealedSession ?? '',
      cookiePassword,
    });
    const auth = await session.authenticate();
    expect(auth.authenticated).toBe(true);
    const refreshed = await session.refresh();
    expect(refreshed.authenticated).toBe(true);
    // Refreshing the stale cookie again is reuse: authkit sees invalid_grant.
    const stale = h.workos.userManagement.loadSealedSession({ sessionData: first.sealedSession ?? '', cookiePassword });
    const again = await stale.refresh();
    expect(again).toMatchObject({ authenticated: false, reason: 'invalid_grant' });
  });
});

describe('entitlements and feature_flags claims', () => {
  it('are absent until configured, then in the next refresh, per organization for entitlements (read by the SDK)', async () => {
    const cookiePassword = 'b'.repeat(40);
    const signedIn = await h.workos.userManagement.authenticateWithCode({
      clientId: CLIENT_ID,
      ...(await h.authorize('ada@example.com')),
      session: { sealSession: true, cookiePassword },
    });
    const claims = claimsOf(signedIn.accessToken);
    expect(claims).not.toHaveProperty('entitlements');
    expect(claims).not.toHaveProperty('feature_flags');

    const config = await h.control<Record<string, unknown>>('POST', '/_emulator/config', {
      entitlements: { org_demo: ['audit-logs', 'sso'] },
      feature_flags: ['new-dashboard'],
    });
    expect(config.body).toMatchObject({ entitlements: { org_demo: ['audit-logs', 'sso'] }, feature_flags: ['new-dashboard'] });
    const session = h.workos.userManagement.loadSealedSession({ sessionData: signedIn.sealedSession ?? '', cookiePassword });
    const refreshed = await session.refresh();
    expect(refreshed).toMatchObject({
      authenticated: true,
      entitlements: ['audit-logs', 'sso'],
      featureFlags: ['new-dashboard'],
    });
    // A session in an organization with no entitlements configured carries none; the flags are everyone's.
    const linus = claimsOf((await h.signIn('linus@example.com')).accessToken);
    expect(linus.org_id).toBe('org_other');
    expect(linus).not.toHaveProperty('entitlements');
    expect(linus.feature_flags).toEqual(['new-dashboard']);

    expect((await h.control('POST', '/_emulator/config', { feature_flags: 'beta' })).status).toBe(422);
    expect((await h.control('POST', '/_emulator/config', { entitlements: ['x'] })).status).toBe(422);
    await h.control('POST', '/_emulator/config', { entitlements: null, feature_flags: null });
    const cleared = claimsOf((await h.signIn('ada@example.com')).accessToken);
    expect(cleared).not.toHaveProperty('entitlements');
    expect(cleared).not.toHaveProperty('feature_flags');
  });
});

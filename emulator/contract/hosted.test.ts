import { describe, expect, it } from 'vitest';
import { CLIENT_ID, REDIRECT_URI, harnessForFile } from './harness.ts';

const h = harnessForFile();

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL('/user_management/authorize', h.emulator.url);
  for (const [key, value] of Object.entries({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    provider: 'authkit',
    ...params,
  })) {
    url.searchParams.set(key, value);
  }
  return url.toString();
}

/** Hidden OAuth fields + the chosen intent, as the hosted forms post them. */
function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', ...fields });
}

async function post(body: URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.emulator.url}/user_management/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
    redirect: 'manual',
  });
}

describe('hosted sign-in page', () => {
  it('renders the accessible names the e2e tests rely on', async () => {
    const response = await fetch(authorizeUrl({ state: 's' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).toContain('<title>Sign in to Demo App</title>');
    for (const name of ['Ada Lovelace', 'Grace Hopper', 'Alan Turing']) {
      expect(html).toContain(`aria-label="Continue as ${name}"`);
    }
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<label for="password">Password<\/label>/);
    expect(html).toMatch(/<button class="primary" type="submit">Sign in<\/button>/);
  });

  it('shows the sign-up form for screen_hint=sign-up', async () => {
    const html = await (await fetch(authorizeUrl({ screen_hint: 'sign-up' }))).text();
    for (const label of ['First name', 'Last name', 'Email', 'Password']) expect(html).toContain(`>${label}</label>`);
    expect(html).toMatch(/<button class="primary" type="submit">Create account<\/button>/);
    expect(html).not.toContain('Continue as');
  });

  it('prefills login_hint', async () => {
    const html = await (await fetch(authorizeUrl({ login_hint: 'grace@example.com' }))).text();
    expect(html).toContain('value="grace@example.com"');
  });

  it('answers an unknown client_id with a 400 HTML page, never a redirect', async () => {
    const response = await fetch(authorizeUrl({ client_id: 'client_other' }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('Unknown client_id');
  });

  it('answers a redirect_uri outside the allow-list with a 400 HTML page, on GET and POST', async () => {
    const evil = 'https://evil.example/callback';
    const get = await fetch(authorizeUrl({ redirect_uri: evil }), { redirect: 'manual' });
    expect(get.status).toBe(400);
    expect(get.headers.get('location')).toBeNull();
    const users = (await h.control<{ id: string }[]>('GET', '/_emulator/users')).body;
    const postResponse = await post(form({ redirect_uri: evil, intent: 'demo', user_id: users[0]?.id ?? '' }));
    expect(postResponse.status).toBe(400);
    expect(postResponse.headers.get('location')).toBeNull();
  });

  it('redirects with error=invalid_request for a non-S256 code challenge', async () => {
    const response = await fetch(authorizeUrl({ code_challenge: 'abc', code_challenge_method: 'plain', state: 'st' }), {
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('st');
  });

  it('returns state unchanged and a code to the registered redirect URI', async () => {
    const state = 'Fe26.2**abc+/=?&weird state ✓';
    const { code, state: returned } = await h.authorize('ada@example.com', { state });
    expect(returned).toBe(state);
    expect(code.length).toBeGreaterThan(20);
  });

  it('signs in with a demo user button and records IP (X-Forwarded-For) and User-Agent', async () => {
    const users = (await h.control<{ id: string; email: string }[]>('GET', '/_emulator/users')).body;
    const grace = users.find((u) => u.email === 'grace@example.com');
    const { codeVerifier, codeChallenge } = await h.workos.pkce.generate();
    const response = await post(
      form({
        intent: 'demo',
        user_id: grace?.id ?? '',
        state: 'x',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      }),
      { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'user-agent': 'Mozilla/5.0 (iPhone) Safari' },
    );
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    const auth = await h.workos.userManagement.authenticateWithCode({
      clientId: CLIENT_ID,
      code: location.searchParams.get('code') ?? '',
      codeVerifier,
    });
    expect(auth.user.email).toBe('grace@example.com');
    const sessions = await h.workos.userManagement.listSessions(auth.user.id);
    expect(sessions.data[0]?.ipAddress).toBe('203.0.113.9');
    expect(sessions.data[0]?.userAgent).toBe('Mozilla/5.0 (iPhone) Safari');
    expect(sessions.data[0]?.authMethod).toBe('password');
  });

  it('falls back to the socket address without X-Forwarded-For', async () => {
    const auth = await h.signIn('alan@example.com');
    const sessions = await h.workos.userManagement.listSessions(auth.user.id);
    expect(sessions.data[0]?.ipAddress).toBe('127.0.0.1');
    expect(sessions.data[0]?.userAgent).toBe('ContractTest/1.0');
  });

  it('rejects a wrong password with an alert and no redirect', async () => {
    const response = await post(form({ intent: 'password', email: 'ada@example.com', password: 'nope' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('role="alert"');
  });

  it('signs up a new user (user.created) and signs them in', async () => {
    const { codeVerifier, codeChallenge } = await h.workos.pkce.generate();
    const response = await post(
      form({
        intent: 'sign-up',
        screen_hint: 'sign-up',
        first_name: 'Katherine',
        last_name: 'Johnson',
        email: 'Katherine@Example.com',
        password: 'orbit-1962',
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(response.status).toBe(302);
    const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const auth = await h.workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
    expect(auth.user).toMatchObject({ email: 'katherine@example.com', firstName: 'Katherine', lastName: 'Johnson' });
    const events = await h.workos.events.listEvents({ events: ['user.created'] });
    expect(events.data.map((e) => (e.data as { email: string }).email)).toContain('katherine@example.com');
    // The new password works on the password form; signing up twice does not.
    await expect(h.signIn('katherine@example.com', { password: 'orbit-1962' })).resolves.toBeTruthy();
    const again = await post(form({ intent: 'sign-up', email: 'katherine@example.com', password: 'another-pass' }));
    expect(again.status).toBe(409);
  });
});

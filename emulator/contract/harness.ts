import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createOffsetClock } from '../clock.ts';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../server.ts';

export const API_KEY = 'sk_test_contract';
export const CLIENT_ID = 'client_contract';
export const REDIRECT_URI = 'http://localhost:3999/callback';

export interface Harness {
  emulator: RunningEmulator;
  workos: WorkOS;
  clock: ReturnType<typeof createOffsetClock>;
  /** Calls the control API with the API key; returns the parsed JSON body and status. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A full hosted sign-in: authorize page → form POST → redirect with code → authenticateWithCode. */
  signIn(email: string, options?: SignInOptions): Promise<SignInResult>;
  /** The hosted part only: returns the code and state from the redirect. */
  authorize(
    email: string,
    options?: SignInOptions,
  ): Promise<{ code: string; state: string | null; codeVerifier: string }>;
  userId(email: string): Promise<string>;
  close(): Promise<void>;
}

export interface SignInOptions {
  password?: string;
  userAgent?: string;
  forwardedFor?: string;
  state?: string;
  /** Sent as `organization_id` of the authorization URL: sign in to that organization. */
  organizationId?: string;
  /** The organization to choose on the hosted page when it asks (a user with several memberships). */
  chooseOrganization?: string;
}

/** The hosted page's organization choice, when it asks for one instead of redirecting. */
export function organizationChoice(html: string): { token: string; organizations: string[] } | null {
  const token = /name="pending_authentication_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) return null;
  const organizations = [...html.matchAll(/name="selected_organization_id" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  return { token, organizations };
}

export type SignInResult = Awaited<ReturnType<WorkOS['userManagement']['authenticateWithCode']>> & {
  codeVerifier: string;
};

export function sdkFor(emulator: RunningEmulator, apiKey = API_KEY): WorkOS {
  return new WorkOS(apiKey, { apiHostname: '127.0.0.1', port: emulator.port, https: false, clientId: CLIENT_ID });
}

export async function startHarness(options: StartEmulatorOptions = {}): Promise<Harness> {
  const clock = createOffsetClock();
  const emulator = await startEmulator({
    port: 0,
    apiKey: API_KEY,
    clientId: CLIENT_ID,
    redirectUris: [REDIRECT_URI],
    clock,
    log: () => undefined,
    ...options,
  });
  const workos = sdkFor(emulator);

  const control: Harness['control'] = async (method, path, body) => {
    const response = await fetch(`${emulator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
  };

  const authorize: Harness['authorize'] = async (email, signInOptions = {}) => {
    const { codeVerifier, codeChallenge } = await workos.pkce.generate();
    const state = signInOptions.state ?? `state-${Math.random()}`;
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      state,
      codeChallenge,
      codeChallengeMethod: 'S256',
      ...(signInOptions.organizationId ? { organizationId: signInOptions.organizationId } : {}),
    });
    const headers: Record<string, string> = { 'user-agent': signInOptions.userAgent ?? 'ContractTest/1.0' };
    if (signInOptions.forwardedFor) headers['x-forwarded-for'] = signInOptions.forwardedFor;
    const page = await fetch(url, { headers });
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}`);
    const query = new URL(url).searchParams;
    const oauth = {
      client_id: query.get('client_id') ?? '',
      redirect_uri: query.get('redirect_uri') ?? '',
      response_type: 'code',
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      ...(signInOptions.organizationId ? { organization_id: signInOptions.organizationId } : {}),
    };
    const post = (fields: Record<string, string>) =>
      fetch(`${emulator.url}/user_management/authorize`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...oauth, ...fields }),
        redirect: 'manual',
      });
    let response = await post({ intent: 'password', email, password: signInOptions.password ?? 'demo-password' });
    if (response.status === 200 && signInOptions.chooseOrganization) {
      const choice = organizationChoice(await response.text());
      if (!choice) throw new Error('the hosted page asked for no organization');
      response = await post({
        intent: 'organization',
        pending_authentication_token: choice.token,
        selected_organization_id: signInOptions.chooseOrganization,
      });
    }
    if (response.status !== 302) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
    const location = new URL(response.headers.get('location') ?? '');
    const code = location.searchParams.get('code');
    if (!code) throw new Error(`no code in ${location}`);
    return { code, state: location.searchParams.get('state'), codeVerifier };
  };

  const signIn: Harness['signIn'] = async (email, signInOptions) => {
    const { code, codeVerifier } = await authorize(email, signInOptions);
    const result = await workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
    return { ...result, codeVerifier };
  };

  const userId = async (email: string) => {
    const users = await workos.userManagement.listUsers({ email });
    const user = users.data[0];
    if (!user) throw new Error(`no user ${email}`);
    return user.id;
  };

  return { emulator, workos, clock, control, signIn, authorize, userId, close: () => emulator.close() };
}

/**
 * One emulator for the calling test file: started before its first test and closed after its last, and back to
 * its seeded state with the clock at real time before every test. The harness is filled in by `beforeAll`.
 */
export function harnessForFile(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness());
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.emulator.reset();
    h.clock.set(0);
  });
  return h;
}

/** Decodes a JWT payload without verifying it (verification is tested separately with jose). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Resolves with the thrown error; fails the test if nothing was thrown. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

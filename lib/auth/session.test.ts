import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const mocks = vi.hoisted(() => ({
  withAuth: vi.fn(),
  check: vi.fn(),
  ready: vi.fn(async () => {}),
  headers: vi.fn(async () => new Headers()),
}));

vi.mock('@workos-inc/authkit-nextjs', () => ({ withAuth: mocks.withAuth }));
vi.mock('@/lib/revocation', () => ({ getRevocationRegistry: () => ({ check: mocks.check, ready: mocks.ready }) }));
vi.mock('next/headers', () => ({ headers: mocks.headers }));
vi.mock('next/navigation', () => ({
  redirect: (url: string) => {
    throw new Error(`REDIRECT ${url}`);
  },
}));

const { getOptionalSession, getRenderedSession, getSessionState, readAuthTime, requireSession } = await import('./session');
const { hashSessionId } = await import('@/lib/security/hash');

async function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('test-secret-test-secret'));
}

async function signedIn(overrides: Record<string, unknown> = {}) {
  return {
    user: { id: 'user_1', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' },
    sessionId: 'session_1',
    organizationId: 'org_demo',
    role: 'admin',
    permissions: ['widgets:read'],
    impersonator: undefined,
    accessToken: await token({ sub: 'user_1', sid: 'session_1', auth_time: 1_800_000_000 }),
    ...overrides,
  };
}

beforeEach(() => {
  vi.clearAllMocks();
  mocks.check.mockReturnValue(null);
  mocks.headers.mockResolvedValue(new Headers());
});

describe('readAuthTime', () => {
  it('reads auth_time in seconds', async () => {
    expect(readAuthTime(await token({ auth_time: 1234 }))).toBe(1234);
  });
  it('is null when absent or the token is not a JWT', async () => {
    expect(readAuthTime(await token({}))).toBeNull();
    expect(readAuthTime('not-a-jwt')).toBeNull();
  });
});

describe('getSessionState', () => {
  it('maps the authkit session', async () => {
    mocks.withAuth.mockResolvedValue(await signedIn());
    const state = await getSessionState();
    expect(state.status).toBe('active');
    if (state.status !== 'active') return;
    expect(state.session).toMatchObject({
      user: { id: 'user_1', email: 'ada@example.com', name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace' },
      sessionId: 'session_1',
      sessionHash: hashSessionId('session_1'),
      organizationId: 'org_demo',
      role: 'admin',
      permissions: ['widgets:read'],
      impersonator: null,
      authTime: 1_800_000_000,
    });
    expect(mocks.ready).toHaveBeenCalled();
    expect(mocks.check).toHaveBeenCalledWith('session_1', 'user_1');
  });

  it('is unauthenticated without a user', async () => {
    mocks.withAuth.mockResolvedValue({ user: null });
    expect(await getSessionState()).toEqual({ status: 'unauthenticated' });
    expect(await getOptionalSession()).toBeNull();
  });

  it('reports a session the registry has revoked', async () => {
    mocks.withAuth.mockResolvedValue(await signedIn());
    mocks.check.mockReturnValue({ reason: 'signed_out_elsewhere' });
    expect(await getSessionState()).toMatchObject({ status: 'revoked', reason: 'signed_out_elsewhere' });
    expect(await getOptionalSession()).toBeNull();
  });

  it('fails closed when the registry cannot start', async () => {
    mocks.withAuth.mockResolvedValue(await signedIn());
    mocks.ready.mockRejectedValueOnce(new Error('backend down'));
    await expect(getSessionState()).rejects.toThrow('backend down');
  });
});

describe('requireSession', () => {
  it('returns the live session', async () => {
    mocks.withAuth.mockResolvedValue(await signedIn());
    expect((await requireSession()).sessionId).toBe('session_1');
  });

  it('sends a revoked session to /signed-out with its reason', async () => {
    mocks.withAuth.mockResolvedValue(await signedIn());
    mocks.check.mockReturnValue({ reason: 'admin' });
    await expect(requireSession()).rejects.toThrow('REDIRECT /signed-out?reason=admin');
  });

  it('sends a signed-out request to sign in, returning to the requested page', async () => {
    mocks.withAuth.mockResolvedValue({ user: null });
    mocks.headers.mockResolvedValue(new Headers({ 'x-url': 'http://localhost:3000/account/security?tab=1' }));
    await expect(requireSession()).rejects.toThrow(
      `REDIRECT /sign-in?returnTo=${encodeURIComponent('/account/security?tab=1')}`,
    );
  });
});

describe('getRenderedSession (the root layout, also rendered where the proxy does not run)', () => {
  it('is null without asking authkit when the proxy did not handle the request (/favicon.ico, /robots.txt)', async () => {
    mocks.withAuth.mockRejectedValue(new Error("isn't covered by the AuthKit middleware"));
    await expect(getRenderedSession()).resolves.toBeNull();
    expect(mocks.withAuth).not.toHaveBeenCalled();
  });

  it('is the live session when the proxy handled the request', async () => {
    mocks.headers.mockResolvedValue(new Headers({ 'x-workos-middleware': 'true' }));
    mocks.withAuth.mockResolvedValue(await signedIn());
    await expect(getRenderedSession()).resolves.toMatchObject({ sessionId: 'session_1' });
  });
});

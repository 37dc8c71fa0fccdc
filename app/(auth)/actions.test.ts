import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import { currentSession } from '@/test/fixtures';

const m = vi.hoisted(() => ({
  state: { status: 'unauthenticated' } as { status: string; reason?: string; session?: unknown },
  signOut: vi.fn(),
  revokeWorkosSession: vi.fn(),
  registryRevoke: vi.fn(),
  revoked: new Set<string>(),
  setCookie: vi.fn(),
}));

vi.mock('@workos-inc/authkit-nextjs', () => ({ signOut: m.signOut }));
vi.mock('@/lib/auth/session', () => ({ getSessionState: async () => m.state }));
vi.mock('@/lib/env', () => ({
  getEnv: () => ({
    appOrigin: 'http://localhost:3000',
    WORKOS_COOKIE_PASSWORD: 'a-cookie-password-of-at-least-32-characters!',
    WORKOS_COOKIE_MAX_AGE: 34_560_000,
    WORKOS_COOKIE_NAME: 'wos-session',
    WORKOS_COOKIE_SAMESITE: 'lax',
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
  }),
}));
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' }),
  cookies: async () => ({ set: m.setCookie }),
}));
vi.mock('@/lib/workos/client', async () => {
  const types = await vi.importActual<typeof import('@/lib/workos/types')>('@/lib/workos/types');
  return { WorkosError: types.WorkosError, revokeWorkosSession: m.revokeWorkosSession };
});
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({
    ready: async () => {},
    check: (id: string) => (m.revoked.has(id) ? { reason: 'admin' } : null),
    revoke: m.registryRevoke,
  }),
}));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});

const { signOutAction } = await import('./actions');

const session = currentSession({ sessionHash: 'hash' });
const db = () => openDatabase(':memory:');
const audit = () => db().prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
const outbox = () => db().prepare('SELECT session_hash FROM workos_outbox').all() as { session_hash: string }[];

beforeEach(() => {
  vi.clearAllMocks();
  m.revoked.clear();
  m.signOut.mockResolvedValue(undefined);
  m.revokeWorkosSession.mockResolvedValue(undefined);
  m.registryRevoke.mockImplementation(async (input: { sessionId: string }) => {
    m.revoked.add(input.sessionId);
    return {};
  });
  db().exec('DELETE FROM audit_log; DELETE FROM workos_outbox;');
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

describe('signOutAction', () => {
  it('ends the session at WorkOS, then records it here, then lets authkit clear the cookie and redirect', async () => {
    m.state = { status: 'active', session };
    await signOutAction();
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', expect.objectContaining({ timeoutMs: expect.any(Number) }));
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out', actor: { type: 'user', id: 'user_ada', sessionId: 'session_current' } }),
    );
    expect(m.signOut).toHaveBeenCalledExactlyOnceWith({ returnTo: 'http://localhost:3000/signed-out?reason=signed_out' });
    const [revokeAt] = m.revokeWorkosSession.mock.invocationCallOrder;
    const [recordAt] = m.registryRevoke.mock.invocationCallOrder;
    const [signOutAt] = m.signOut.mock.invocationCallOrder;
    expect(revokeAt).toBeLessThan(recordAt!);
    expect(recordAt).toBeLessThan(signOutAt!);
    expect(audit()).toEqual([expect.objectContaining({ kind: 'session_revoked', reason: 'signed_out', target_label: 'Firefox on Linux', flagged: 0 })]);
    expect(outbox()).toEqual([]);
    // For a minute, this browser's other tabs that find the cookie gone say "You signed out." (app/api/session).
    expect(m.setCookie).toHaveBeenCalledExactlyOnceWith('soe-signed-out', 'signed_out', {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: false,
      maxAge: 60,
    });
  });

  it('treats "not found" at WorkOS as done', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('not_found', 'gone'));
    await signOutAction();
    expect(m.registryRevoke).toHaveBeenCalledOnce();
    expect(outbox()).toEqual([]);
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('when WorkOS fails: still signs this browser out, locks the session out here, flags it and owes it to WorkOS', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('timeout', 'slow'));
    await signOutAction();
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out', holdUntil: expect.any(Number) }),
    );
    expect(audit()).toEqual([expect.objectContaining({ kind: 'session_revoked', reason: 'signed_out', flagged: 1 })]);
    expect(JSON.parse(String(audit()[0]?.details))).toMatchObject({ workos: 'pending' });
    expect(outbox()).toEqual([{ session_hash: hashSessionId('session_current') }]);
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('signs out even when both WorkOS and the registry fail', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new Error('network'));
    m.registryRevoke.mockRejectedValue(new Error('registry'));
    await signOutAction();
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('an already-revoked session whose end WorkOS still owes: asks WorkOS again, records nothing new, keeps the reason', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValueOnce(new WorkosError('unavailable', 'down', { status: 503 }));
    await signOutAction();
    vi.clearAllMocks();
    m.state = { status: 'revoked', reason: 'admin', session };
    await signOutAction();
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(outbox()).toEqual([]);
    expect(audit()).toHaveLength(1);
    expect(m.signOut).toHaveBeenCalledExactlyOnceWith({ returnTo: 'http://localhost:3000/signed-out?reason=admin' });
  });

  it('an already-revoked session: WorkOS is asked again (harmless; its end may still be owed), nothing new is recorded here', async () => {
    m.revoked.add('session_current');
    m.state = { status: 'revoked', reason: 'admin', session };
    await signOutAction();
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('signed out already: only authkit', async () => {
    m.state = { status: 'unauthenticated' };
    await signOutAction();
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.signOut).toHaveBeenCalledOnce();
  });
});

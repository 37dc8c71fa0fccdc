import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkosError } from '@/lib/workos/types';
import { currentSession } from '@/test/fixtures';

const m = vi.hoisted(() => ({
  state: { status: 'unauthenticated' } as { status: string; reason?: string; session?: unknown },
  signOut: vi.fn(),
  revokeWorkosSession: vi.fn(),
  registryRevoke: vi.fn(),
  recordAudit: vi.fn(),
}));

vi.mock('@workos-inc/authkit-nextjs', () => ({ signOut: m.signOut }));
vi.mock('@/lib/auth/session', () => ({ getSessionState: async () => m.state }));
vi.mock('@/lib/env', () => ({ getEnv: () => ({ appOrigin: 'http://localhost:3000' }) }));
vi.mock('@/lib/workos/client', async () => {
  const types = await vi.importActual<typeof import('@/lib/workos/types')>('@/lib/workos/types');
  return { WorkosError: types.WorkosError, revokeWorkosSession: m.revokeWorkosSession };
});
vi.mock('@/lib/revocation', () => ({ getRevocationRegistry: () => ({ revoke: m.registryRevoke }) }));
vi.mock('@/lib/audit', () => ({ recordAudit: m.recordAudit }));

const { signOutAction } = await import('./actions');

const session = currentSession({ sessionHash: 'hash' });

beforeEach(() => {
  vi.clearAllMocks();
  m.signOut.mockResolvedValue(undefined);
  m.revokeWorkosSession.mockResolvedValue(undefined);
  m.registryRevoke.mockResolvedValue({});
  m.recordAudit.mockResolvedValue({});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

describe('signOutAction', () => {
  it('ends the session at WorkOS, then records it locally, then lets authkit clear the cookie and redirect', async () => {
    m.state = { status: 'active', session };
    await signOutAction();
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', expect.objectContaining({ timeoutMs: expect.any(Number) }));
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out' }));
    expect(m.signOut).toHaveBeenCalledExactlyOnceWith({ returnTo: 'http://localhost:3000/signed-out?reason=signed_out' });
    const [revokeAt] = m.revokeWorkosSession.mock.invocationCallOrder;
    const [recordAt] = m.registryRevoke.mock.invocationCallOrder;
    const [signOutAt] = m.signOut.mock.invocationCallOrder;
    expect(revokeAt).toBeLessThan(recordAt!);
    expect(recordAt).toBeLessThan(signOutAt!);
    expect(m.recordAudit).not.toHaveBeenCalled();
  });

  it('treats "not found" at WorkOS as done', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('not_found', 'gone'));
    await signOutAction();
    expect(m.registryRevoke).toHaveBeenCalledOnce();
    expect(m.recordAudit).not.toHaveBeenCalled();
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('when WorkOS fails: still signs this browser out, still locks the session out here, and audits it', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('timeout', 'slow'));
    await signOutAction();
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out' }));
    expect(m.recordAudit).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({
        kind: 'session_revoked',
        reason: 'signed_out',
        flagged: true,
        target: { sessionId: 'session_current' },
        details: expect.objectContaining({ workos: 'unconfirmed' }),
      }),
    );
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('signs out even when both WorkOS and the registry fail', async () => {
    m.state = { status: 'active', session };
    m.revokeWorkosSession.mockRejectedValue(new Error('network'));
    m.registryRevoke.mockRejectedValue(new Error('registry'));
    await signOutAction();
    expect(m.signOut).toHaveBeenCalledOnce();
  });

  it('an already-revoked session: asks WorkOS to end it, records nothing new, keeps the reason', async () => {
    m.state = { status: 'revoked', reason: 'admin', session };
    await signOutAction();
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(m.signOut).toHaveBeenCalledExactlyOnceWith({ returnTo: 'http://localhost:3000/signed-out?reason=admin' });
  });

  it('signed out already: only authkit', async () => {
    m.state = { status: 'unauthenticated' };
    await signOutAction();
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.signOut).toHaveBeenCalledOnce();
  });
});

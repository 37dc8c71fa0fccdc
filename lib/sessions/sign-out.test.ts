import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import { currentSession } from '@/test/fixtures';

const m = vi.hoisted(() => ({
  revokeWorkosSession: vi.fn(),
  registryRevoke: vi.fn(),
}));

vi.mock('@/lib/workos/client', async () => {
  const types = await vi.importActual<typeof import('@/lib/workos/types')>('@/lib/workos/types');
  return { WorkosError: types.WorkosError, revokeWorkosSession: m.revokeWorkosSession };
});
vi.mock('@/lib/revocation', () => ({ getRevocationRegistry: () => ({ revoke: m.registryRevoke }) }));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});

const { endSessionOnSignOut, endRevokedSessionOnSignOut, SIGN_OUT_REVOKE_TIMEOUT_MS } = await import('./sign-out');

const session = currentSession();
const rows = () =>
  openDatabase(':memory:').prepare('SELECT kind, reason, target_session_hash, flagged, details FROM audit_log ORDER BY id').all() as Record<
    string,
    unknown
  >[];

beforeEach(() => {
  vi.clearAllMocks();
  m.revokeWorkosSession.mockResolvedValue(undefined);
  m.registryRevoke.mockResolvedValue({});
  openDatabase(':memory:').exec('DELETE FROM audit_log;');
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

describe('endSessionOnSignOut', () => {
  it('ends the session at WorkOS first, then records signed_out in the registry; no audit entry', async () => {
    expect(await endSessionOnSignOut(session)).toBe('revoked');
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', { timeoutMs: SIGN_OUT_REVOKE_TIMEOUT_MS });
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith({
      sessionId: 'session_current',
      userId: 'user_ada',
      reason: 'signed_out',
      source: 'action',
      actor: { type: 'user', id: 'user_ada', sessionId: 'session_current' },
    });
    expect(m.revokeWorkosSession.mock.invocationCallOrder[0]).toBeLessThan(m.registryRevoke.mock.invocationCallOrder[0]!);
    expect(rows()).toEqual([]);
  });

  it('treats a session WorkOS no longer knows as ended', async () => {
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('not_found', 'gone', { status: 404 }));
    expect(await endSessionOnSignOut(session)).toBe('already_ended');
    expect(m.registryRevoke).toHaveBeenCalledOnce();
    expect(rows()).toEqual([]);
  });

  it.each([
    ['a refusal', new WorkosError('unavailable', 'down', { status: 503 })],
    ['a timeout', new WorkosError('timeout', 'slow')],
    ['a network error', new Error('ECONNREFUSED')],
  ])('after %s at WorkOS: still locks the session out here, and audits it (flagged) so it is not lost', async (_n, error) => {
    m.revokeWorkosSession.mockRejectedValue(error);
    expect(await endSessionOnSignOut(session)).toBe('failed');
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out' }));
    const audit = rows();
    expect(audit).toEqual([
      expect.objectContaining({ kind: 'session_revoked', reason: 'signed_out', target_session_hash: hashSessionId('session_current') }),
    ]);
    expect(audit[0]!.flagged).toBeTruthy();
    expect(JSON.parse(String(audit[0]!.details))).toMatchObject({ source: 'sign_out', workos: 'unconfirmed' });
    expect(String(audit[0]!.details)).not.toContain('session_current');
  });

  it('never throws, even when the registry cannot record it', async () => {
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('timeout', 'slow'));
    m.registryRevoke.mockRejectedValue(new Error('redis down'));
    await expect(endSessionOnSignOut(session)).resolves.toBe('failed');
    expect(rows()).toHaveLength(1);
  });
});

describe('endRevokedSessionOnSignOut', () => {
  it('asks WorkOS to end it, records nothing, and swallows failures', async () => {
    await endRevokedSessionOnSignOut(session);
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('timeout', 'slow'));
    await expect(endRevokedSessionOnSignOut(session)).resolves.toBeUndefined();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(rows()).toEqual([]);
  });
});

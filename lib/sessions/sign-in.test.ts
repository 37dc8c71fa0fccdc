import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import type { SignInEvent } from './sign-in';

const m = vi.hoisted(() => ({
  revokeWorkosSession: vi.fn(),
  listActiveSessions: vi.fn(),
  registryRevoke: vi.fn(),
  registryCheck: vi.fn(),
  withAuth: vi.fn(),
  headers: new Headers(),
}));
vi.mock('next/headers', () => ({ headers: async () => m.headers }));

vi.mock('@workos-inc/authkit-nextjs', () => ({ withAuth: m.withAuth }));
vi.mock('@/lib/workos/client', async () => {
  const types = await vi.importActual<typeof import('@/lib/workos/types')>('@/lib/workos/types');
  return { WorkosError: types.WorkosError, revokeWorkosSession: m.revokeWorkosSession, listActiveSessions: m.listActiveSessions };
});
vi.mock('@/lib/revocation', () => ({ getRevocationRegistry: () => ({ ready: async () => {}, revoke: m.registryRevoke, check: m.registryCheck }) }));
vi.mock('@/lib/env', () => ({
  getEnv: () => ({ WORKOS_COOKIE_PASSWORD: 'a-cookie-password-of-at-least-32-characters!', WORKOS_COOKIE_MAX_AGE: 34_560_000 }),
}));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});

const { handleSignIn } = await import('./sign-in');

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

const event: SignInEvent = {
  user: { id: 'user_ada', email: 'ada@example.com', firstName: 'Ada', lastName: null, name: 'Ada' },
  sessionId: 'session_new',
  organizationId: 'org_demo',
  authenticationMethod: 'Password',
  impersonator: null,
  ipAddress: '203.0.113.1',
  userAgent: CHROME_MAC,
  at: new Date('2026-03-10T12:00:00Z'),
};
const rows = () =>
  openDatabase(':memory:').prepare('SELECT kind, reason, target_session_hash, organization_id FROM audit_log ORDER BY id').all();
const addresses = () => openDatabase(':memory:').prepare('SELECT kind, ip_address FROM audit_log ORDER BY id').all();
const OLD = { sessionId: 'session_old', userId: 'user_ada', organizationId: 'org_demo' };
const outbox = () => openDatabase(':memory:').prepare('SELECT session_hash FROM workos_outbox').all();

beforeEach(() => {
  vi.clearAllMocks();
  m.revokeWorkosSession.mockResolvedValue(undefined);
  m.listActiveSessions.mockResolvedValue([]);
  m.registryRevoke.mockResolvedValue({});
  m.registryCheck.mockReturnValue(null);
  m.withAuth.mockResolvedValue({ user: null });
  m.headers = new Headers();
  openDatabase(':memory:').exec('DELETE FROM audit_log; DELETE FROM known_devices; DELETE FROM workos_outbox;');
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

describe('handleSignIn', () => {
  it("records the sign-in and ends the same user's previous session on this browser (reason 'reauthenticated')", async () => {
    // The old session was signed in to another organization: each line belongs to its own session's.
    await handleSignIn(event, { ...OLD, organizationId: 'org_other' });
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_old', expect.anything());
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith({
      sessionId: 'session_old',
      userId: 'user_ada',
      reason: 'reauthenticated',
      source: 'action',
      actor: { type: 'user', id: 'user_ada', sessionId: 'session_new' },
      note: null,
      holdUntil: null,
    });
    expect(rows()).toEqual([
      { kind: 'sign_in', reason: null, target_session_hash: hashSessionId('session_new'), organization_id: 'org_demo' },
      {
        kind: 'session_revoked',
        reason: 'reauthenticated',
        target_session_hash: hashSessionId('session_old'),
        organization_id: 'org_other',
      },
    ]);
  });

  it('finds the previous session from the request the proxy verified when none is passed', async () => {
    m.withAuth.mockResolvedValue({ user: { id: 'user_ada' }, sessionId: 'session_old', organizationId: 'org_other' });
    await handleSignIn(event);
    expect(m.revokeWorkosSession).toHaveBeenCalledWith('session_old', expect.anything());
    expect(rows()).toContainEqual(expect.objectContaining({ kind: 'session_revoked', organization_id: 'org_other' }));
  });

  it('finds the previous session the proxy read from a cookie whose token was due (so never verified by authkit)', async () => {
    m.headers = new Headers({ 'x-soe-previous-session': JSON.stringify({ ...OLD, organizationId: 'org_other' }) });
    await handleSignIn(event);
    expect(m.revokeWorkosSession).toHaveBeenCalledWith('session_old', expect.anything());
    expect(rows()).toContainEqual(expect.objectContaining({ kind: 'session_revoked', organization_id: 'org_other' }));
    vi.clearAllMocks();
    m.headers = new Headers({ 'x-soe-previous-session': '{"sessionId": 42}' });
    await handleSignIn({ ...event, sessionId: 'session_new3' });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it("leaves another user's session alone (switching accounts) and does nothing without a previous session", async () => {
    await handleSignIn(event, { sessionId: 'session_grace', userId: 'user_grace', organizationId: 'org_demo' });
    await handleSignIn({ ...event, sessionId: 'session_new2' }, null);
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
  });

  it('leaves a previous session that was already revoked (e.g. signed out elsewhere) as it is here (WorkOS is asked again)', async () => {
    m.registryCheck.mockImplementation((id: string) => (id === 'session_old' ? { reason: 'signed_out_elsewhere' } : null));
    await handleSignIn(event, OLD);
    expect(m.registryCheck).toHaveBeenCalledWith('session_old', 'user_ada');
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(rows()).toHaveLength(1);
  });

  it('when WorkOS refuses, still ends the old session here and owes it to WorkOS; never throws', async () => {
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('unavailable', 'down'));
    await expect(handleSignIn(event, OLD)).resolves.toBeUndefined();
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ sessionId: 'session_old', holdUntil: expect.any(Number) }));
    expect(outbox()).toEqual([{ session_hash: hashSessionId('session_old') }]);
    expect(rows()).toHaveLength(2);
  });

  it('records the address WorkOS saw for the session, not the one the callback request claims', async () => {
    m.listActiveSessions.mockResolvedValue([{ id: 'session_new', ipAddress: '198.51.100.9' }]);
    await handleSignIn({ ...event, ipAddress: '203.0.113.66' }, null);
    expect(m.listActiveSessions).toHaveBeenCalledWith('user_ada');
    expect(addresses()).toEqual([{ kind: 'sign_in', ip_address: '198.51.100.9' }]);
  });

  it("falls back to the request's address when WorkOS has none for the session or cannot be asked", async () => {
    m.listActiveSessions.mockResolvedValue([{ id: 'session_new', ipAddress: null }]);
    await handleSignIn({ ...event, ipAddress: '203.0.113.1' }, null);
    m.listActiveSessions.mockRejectedValue(new WorkosError('unavailable', 'down'));
    await handleSignIn({ ...event, sessionId: 'session_new2', ipAddress: '203.0.113.2' }, null);
    expect(addresses()).toEqual([
      { kind: 'sign_in', ip_address: '203.0.113.1' },
      { kind: 'sign_in', ip_address: '203.0.113.2' },
    ]);
  });

  it('never throws, whatever fails', async () => {
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('unavailable', 'down'));
    m.registryRevoke.mockRejectedValue(new Error('disk full'));
    await expect(handleSignIn(event, OLD)).resolves.toBeUndefined();
    expect(rows()).toHaveLength(1);
  });
});

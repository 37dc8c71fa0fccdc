import { unsealData } from 'iron-session';
import { decodeJwt } from 'jose';
import type { RevocationRegistry } from './registry';

export interface RefreshFailureDeps {
  registry: Pick<RevocationRegistry, 'ready' | 'check' | 'revoke'>;
  cookieName: string;
  cookiePassword: string;
  /**
   * Whether WorkOS still lists the session as active. A refresh token that was already exchanged by a
   * concurrent request (two tabs refreshing at once) also answers `invalid_grant`, and must not lock out the
   * session that the winning request just renewed.
   */
  isSessionActive(userId: string, sessionId: string): Promise<boolean>;
  audit(entry: { userId: string; sessionId: string; confirmed: boolean; ipAddress: string | null }): Promise<void>;
  log?: (message: string, error?: unknown) => void;
}

interface RefreshFailure {
  error?: unknown;
  isTransient: boolean;
}

export type RefreshFailureOutcome = 'ignored' | 'not_invalid_grant' | 'unreadable' | 'already_revoked' | 'still_active' | 'recorded';

function isInvalidGrant(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { error: code, message, cause } = error as { error?: unknown; message?: unknown; cause?: unknown };
  if (code === 'invalid_grant') return true;
  if (typeof message === 'string' && /\binvalid_grant\b/.test(message)) return true;
  return cause !== undefined && cause !== error && isInvalidGrant(cause);
}

/**
 * authkit's refresh failed. A terminal `invalid_grant` means WorkOS ended the session: read which one from the
 * sealed cookie (iron-session, sealed with WORKOS_COOKIE_PASSWORD) and its old access token (sid, sub), and
 * record it as revoked so that every other tab and device of that session is locked out and told too.
 */
export async function handleRefreshFailure(
  cookieValue: string | undefined,
  failure: RefreshFailure,
  deps: RefreshFailureDeps,
  ipAddress: string | null = null,
): Promise<RefreshFailureOutcome> {
  if (failure.isTransient) return 'ignored';
  if (!isInvalidGrant(failure.error)) return 'not_invalid_grant';
  if (!cookieValue) return 'unreadable';

  let sessionId: string;
  let userId: string;
  try {
    const sealed = await unsealData<{ accessToken?: unknown }>(cookieValue, { password: deps.cookiePassword });
    if (typeof sealed.accessToken !== 'string') return 'unreadable';
    const { sid, sub } = decodeJwt(sealed.accessToken);
    if (typeof sid !== 'string' || typeof sub !== 'string') return 'unreadable';
    sessionId = sid;
    userId = sub;
  } catch {
    return 'unreadable';
  }

  await deps.registry.ready();
  if (deps.registry.check(sessionId, userId)) return 'already_revoked';

  let confirmed = true;
  try {
    if (await deps.isSessionActive(userId, sessionId)) return 'still_active';
  } catch (error) {
    // WorkOS could not be asked: the refresh was refused for good, so fail closed.
    confirmed = false;
    deps.log?.('could not confirm a refused refresh with WorkOS; recording it as revoked', error);
  }

  await deps.registry.revoke({
    sessionId,
    userId,
    reason: 'refresh_failed',
    source: 'refresh',
    actor: { type: 'workos' },
    note: confirmed ? null : 'unconfirmed: WorkOS unreachable',
  });
  await deps.audit({ userId, sessionId, confirmed, ipAddress });
  return 'recorded';
}

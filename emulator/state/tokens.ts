import { newId, randomToken } from '../ids.ts';
import { pkceChallenge, signJwt } from '../keys.ts';
import type { Store } from '../store.ts';
import { ApiError, authenticationJson, invalidGrant, oauthError } from '../wire.ts';
import { getOrganization, PERMISSIONS } from './organizations.ts';
import type { SessionRecord } from './sessions.ts';
import type { UserRecord } from './users.ts';

export interface RefreshTokenRecord {
  token: string;
  sessionId: string;
  createdAt: number;
  usedAt: number | null;
}

/** One refresh-token grant as the emulator answered it (kept in memory, for tests and benchmarks). */
export interface GrantLogEntry {
  sessionId: string | null;
  at: number;
  outcome: 'ok' | 'invalid_grant' | 'rejected';
}

const GRANT_LOG_LIMIT = 50_000;

/** The two grants of `POST /user_management/authenticate`, and the access and refresh tokens they issue. */
export class Tokens {
  /** Every refresh grant, newest last: how many a session spent, and how many lost a race. */
  readonly grantLog: GrantLogEntry[] = [];
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** `grant_type=authorization_code`: codes are single-use (consumed by any attempt) and live 10 minutes. */
  exchangeCode(input: {
    code: string;
    clientId: string;
    codeVerifier: string | null;
    confidential: boolean;
    ipAddress: string | null;
    userAgent: string | null;
  }) {
    const { store } = this;
    const record = store.codes.take(input.code);
    if (!record || record.expiresAt <= store.now()) throw invalidGrant('The code has expired or is invalid.');
    if (record.clientId !== input.clientId) throw invalidGrant('The code was issued to a different client.');
    if (record.codeChallenge !== null) {
      if (!input.codeVerifier) throw invalidGrant('A code_verifier is required for this code.');
      if (pkceChallenge(input.codeVerifier) !== record.codeChallenge)
        throw invalidGrant('The code_verifier does not match the code_challenge.');
    } else if (!input.confidential) {
      throw oauthError('invalid_client', 'client_secret is required when the code has no code_challenge.');
    }
    const user = store.users.get(record.userId);
    if (!user) throw invalidGrant('The user no longer exists.');
    // A membership deactivated or deleted since the code was made does not get a session in that organization.
    if (record.organizationId !== null && !store.memberships.findActive(user.id, record.organizationId)) {
      throw invalidGrant('The user is no longer a member of the organization.');
    }

    let session: SessionRecord;
    if (record.sessionId !== null) {
      const existing = store.sessions.get(record.sessionId);
      if (!existing || store.sessions.status(existing) !== 'active')
        throw invalidGrant('The session is no longer active.');
      session = existing;
      session.tokensIssued = true;
      session.ipAddress = input.ipAddress ?? record.ipAddress;
      session.userAgent = input.userAgent ?? record.userAgent;
      session.updatedAt = store.now();
    } else {
      session = store.sessions.create({
        user,
        organizationId: record.organizationId,
        authMethod: record.authMethod,
        ipAddress: input.ipAddress ?? record.ipAddress,
        userAgent: input.userAgent ?? record.userAgent,
        impersonator: null,
        authTime: record.authTime,
        tokensIssued: true,
      });
    }
    user.lastSignInAt = store.now();
    return this.issue(user, session);
  }

  /** `grant_type=refresh_token`: refresh tokens rotate; a used, revoked or expired one is `invalid_grant`. */
  refresh(input: { refreshToken: string; organizationId: string | null }) {
    const sessionId = this.store.state.refreshTokens.find((t) => t.token === input.refreshToken)?.sessionId ?? null;
    try {
      const tokens = this.refreshGrant(input);
      this.logGrant(sessionId, 'ok');
      return tokens;
    } catch (error) {
      this.logGrant(
        sessionId,
        error instanceof ApiError && error.body.error === 'invalid_grant' ? 'invalid_grant' : 'rejected',
      );
      throw error;
    }
  }

  private logGrant(sessionId: string | null, outcome: GrantLogEntry['outcome']): void {
    this.grantLog.push({ sessionId, at: this.store.now(), outcome });
    if (this.grantLog.length > GRANT_LOG_LIMIT) this.grantLog.splice(0, this.grantLog.length - GRANT_LOG_LIMIT);
  }

  private refreshGrant(input: { refreshToken: string; organizationId: string | null }) {
    const { store } = this;
    const record = store.state.refreshTokens.find((t) => t.token === input.refreshToken);
    if (!record) throw invalidGrant('Refresh token is invalid.');
    if (record.usedAt !== null) throw invalidGrant('Refresh token already exchanged.');
    const session = store.sessions.get(record.sessionId);
    if (!session) throw invalidGrant('Session not found.');
    const status = store.sessions.status(session);
    if (status === 'revoked') throw invalidGrant('Session has been revoked.');
    if (status === 'expired') throw invalidGrant('Session has expired.');
    const user = store.users.get(session.userId);
    if (!user) throw invalidGrant('The user no longer exists.');
    // With organization_id the session switches to that organization; without, it keeps its most recent one. Either
    // way the user must still be an active member of it, and the token carries the membership's role as it is now.
    const organizationId = input.organizationId ?? session.organizationId;
    // The spec's OAuth-shaped 400s for the refresh grant (the SDK throws OauthException, as with WorkOS).
    if (organizationId !== null && !getOrganization(organizationId)) {
      throw oauthError('organization_not_found', 'The request failed due to: organization_not_found.');
    }
    if (organizationId !== null && !store.memberships.findActive(user.id, organizationId)) {
      throw oauthError(
        'organization_membership_not_found',
        'The request failed due to: organization_membership_not_found.',
      );
    }
    record.usedAt = store.now();
    session.organizationId = organizationId;
    session.updatedAt = store.now();
    session.lastActiveAt = store.now();
    return this.issue(user, session);
  }

  private issue(user: UserRecord, session: SessionRecord) {
    const { store } = this;
    const { config } = store;
    const now = store.now();
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = {
      iss: store.issuer(),
      sub: user.id,
      sid: session.id,
      jti: newId('jti', now).slice(4),
      iat,
      exp: iat + config.accessTokenTtlSeconds,
    };
    // Optional at WorkOS (its documented session token has none): only when configured.
    if (config.authTimeClaim) claims.auth_time = Math.floor(session.authTime / 1000);
    // Read at every issue: a change reaches the session at its next refresh, as at WorkOS.
    const entitlements = session.organizationId === null ? undefined : config.entitlements?.[session.organizationId];
    if (entitlements) claims.entitlements = [...entitlements];
    if (config.featureFlags) claims.feature_flags = [...config.featureFlags];
    const membership =
      session.organizationId === null ? undefined : store.memberships.findActive(user.id, session.organizationId);
    if (session.organizationId !== null) claims.org_id = session.organizationId;
    if (membership) {
      claims.role = membership.role;
      claims.roles = [membership.role];
      claims.permissions = PERMISSIONS[membership.role] ?? [];
    }
    if (session.impersonator) claims.act = { sub: session.impersonator.email };

    const refreshToken = randomToken(32);
    store.state.refreshTokens = store.state.refreshTokens.filter((t) => {
      const owner = store.sessions.get(t.sessionId);
      return owner !== undefined && store.sessions.status(owner) === 'active';
    });
    store.state.refreshTokens.push({ token: refreshToken, sessionId: session.id, createdAt: now, usedAt: null });
    store.persistSoon();
    return authenticationJson(user, session, { accessToken: signJwt(store.signingKey, claims), refreshToken });
  }
}

import type { CurrentSession } from '@/lib/auth/session';
import type { AppUser } from '@/lib/workos/types';
import { hashSessionId } from '@/lib/security/hash';

/** Ada, the demo administrator, as unit tests see her. */
export const ADA: AppUser = { id: 'user_ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', name: 'Ada Lovelace' };

/** The caller's session as `requireSession()` returns it: Ada on `session_current`, unless overridden. */
export function currentSession(overrides: Partial<CurrentSession> = {}): CurrentSession {
  const sessionId = overrides.sessionId ?? 'session_current';
  return {
    user: ADA,
    sessionId,
    sessionHash: hashSessionId(sessionId),
    organizationId: null,
    role: null,
    permissions: [],
    impersonator: null,
    authTime: null,
    accessToken: 'token',
    ...overrides,
  };
}

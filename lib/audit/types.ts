import type { ActorType } from '@/lib/revocation/types';

export type AuditKind =
  | 'sign_in'
  | 'session_revoked'
  | 'user_locked'
  | 'password_changed'
  | 'refresh_token_reused'
  /** The user's answer to "Was this you?" about a flagged sign-in (lib/sessions/was-this-you). */
  | 'sign_in_confirmed'
  | 'sign_in_disowned'
  | (string & {});

/**
 * What callers pass to recordAudit. Session ids may be given raw (`sessionId`, hashed before storage) or
 * already hashed (`sessionHash`); they are never stored raw.
 */
export interface AuditInput {
  /** Whose account the entry belongs to (shown on that user's security page). */
  userId: string;
  /**
   * IMPORTANT: the organization the entry belongs to — the session's (access-token `org_id`, WorkOS's session
   * `organization_id`), the administrator's, the event's — and the only entries an administrator of that
   * organization is shown. Required so every writer decides; null only for what belongs to the user alone (a
   * password, a deleted account), which no administrator sees.
   */
  organizationId: string | null;
  kind: AuditKind;
  actor: {
    type: ActorType;
    id?: string | null;
    sessionId?: string | null;
    sessionHash?: string | null;
    /** The actor's device ("Chrome on macOS") or, for administrators, who they are. */
    label?: string | null;
  };
  target?: { sessionId?: string | null; sessionHash?: string | null; label?: string | null } | null;
  /** A RevocationReason for revocations; free text otherwise. */
  reason?: string | null;
  ipAddress?: string | null;
  flagged?: boolean;
  details?: Record<string, unknown> | null;
  at?: Date | number;
}

export interface AuditEntry {
  id: number;
  at: Date;
  userId: string;
  organizationId: string | null;
  kind: AuditKind;
  actor: { type: ActorType; id: string | null; sessionHash: string | null; label: string | null };
  target: { sessionHash: string | null; label: string | null } | null;
  reason: string | null;
  ipAddress: string | null;
  flagged: boolean;
  details: Record<string, unknown> | null;
}

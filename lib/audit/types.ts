import type { ActorType } from '@/lib/revocation/types';

export type AuditKind =
  | 'sign_in'
  | 'session_revoked'
  | 'user_locked'
  | 'password_changed'
  | 'refresh_token_reused'
  | (string & {});

/**
 * What callers pass to recordAudit. Session ids may be given raw (`sessionId`, hashed before storage) or
 * already hashed (`sessionHash`); they are never stored raw.
 */
export interface AuditInput {
  /** Whose account the entry belongs to (shown on that user's security page). */
  userId: string;
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
  kind: AuditKind;
  actor: { type: ActorType; id: string | null; sessionHash: string | null; label: string | null };
  target: { sessionHash: string | null; label: string | null } | null;
  reason: string | null;
  ipAddress: string | null;
  flagged: boolean;
  details: Record<string, unknown> | null;
}

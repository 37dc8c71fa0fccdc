import type { Database } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import type { ActorType } from '@/lib/revocation/types';
import type { AuditEntry, AuditInput } from './types';

/** The audit_log table's rows, to and from AuditEntry. Session ids are hashed before they are stored. */

export interface AuditRow {
  id: number;
  at: number;
  user_id: string;
  organization_id: string | null;
  kind: string;
  actor_type: string;
  actor_id: string | null;
  actor_session_hash: string | null;
  actor_label: string | null;
  target_session_hash: string | null;
  target_label: string | null;
  reason: string | null;
  ip_address: string | null;
  flagged: number;
  details: string | null;
}

export function text(value: string | null | undefined, max = 200): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed ? trimmed.slice(0, max) : null;
}

function sessionHashOf(ref: { sessionId?: string | null; sessionHash?: string | null } | null | undefined): string | null {
  if (!ref) return null;
  if (ref.sessionId) return hashSessionId(ref.sessionId);
  return text(ref.sessionHash, 64);
}

export function parseDetails(raw: string | null): Record<string, unknown> | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: new Date(row.at),
    userId: row.user_id,
    organizationId: row.organization_id,
    kind: row.kind,
    actor: {
      type: row.actor_type as ActorType,
      id: row.actor_id,
      sessionHash: row.actor_session_hash,
      label: row.actor_label,
    },
    target:
      row.target_session_hash || row.target_label
        ? { sessionHash: row.target_session_hash, label: row.target_label }
        : null,
    reason: row.reason,
    ipAddress: row.ip_address,
    flagged: row.flagged === 1,
    details: parseDetails(row.details),
  };
}

export function insert(db: Database, entry: AuditInput): AuditEntry {
  const at = entry.at instanceof Date ? entry.at.getTime() : (entry.at ?? Date.now());
  const row = db
    .prepare(
      `INSERT INTO audit_log (at, user_id, organization_id, kind, actor_type, actor_id, actor_session_hash, actor_label,
         target_session_hash, target_label, reason, ip_address, flagged, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       RETURNING *`,
    )
    .get(
      at,
      entry.userId,
      text(entry.organizationId, 128),
      entry.kind,
      entry.actor.type,
      text(entry.actor.id),
      sessionHashOf(entry.actor),
      text(entry.actor.label),
      sessionHashOf(entry.target),
      text(entry.target?.label),
      text(entry.reason, 100),
      text(entry.ipAddress, 64),
      entry.flagged ? 1 : 0,
      entry.details ? JSON.stringify(entry.details) : null,
    ) as unknown as AuditRow;
  return toEntry(row);
}

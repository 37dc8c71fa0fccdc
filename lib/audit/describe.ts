import { describeNovelty, noveltyOf } from '@/lib/sessions/novelty';
import type { AuditEntry } from './types';

export interface AuditDescription {
  text: string;
  /** Why the entry may need a look, in words ("First sign-in from Lyon, France"). */
  badges: string[];
  /** When WorkOS confirmed a sign-out that was locked out here first; shown in the viewer's time zone. */
  workosConfirmedAt?: Date;
}

function targetName(entry: AuditEntry, viewerSessionHash: string | null): string {
  if (entry.target?.sessionHash && entry.target.sessionHash === viewerSessionHash) {
    return entry.target.label ? `this device (${entry.target.label})` : 'this device';
  }
  return entry.target?.label ?? 'a session';
}

function actorDevice(entry: AuditEntry, viewerSessionHash: string | null): string {
  if (entry.actor.sessionHash && entry.actor.sessionHash === viewerSessionHash) {
    return entry.actor.label ? `this device (${entry.actor.label})` : 'this device';
  }
  return entry.actor.label ?? 'another device';
}

function describeRevocation(entry: AuditEntry, viewer: string | null): string {
  const target = targetName(entry, viewer);
  const selfTarget = !!entry.target?.sessionHash && entry.target.sessionHash === entry.actor.sessionHash;
  switch (entry.actor.type) {
    case 'user': {
      if (entry.reason === 'reauthenticated') return `You signed in again on ${actorDevice(entry, viewer)}, ending its earlier session`;
      if (selfTarget && entry.reason === 'signed_out_everywhere') return `You signed out everywhere from ${actorDevice(entry, viewer)}`;
      if (selfTarget) return `You signed out of ${target}`;
      return `You signed out ${target} from ${actorDevice(entry, viewer)}`;
    }
    case 'admin': {
      const who = entry.actor.label ? `An administrator (${entry.actor.label})` : 'An administrator';
      const note = typeof entry.details?.note === 'string' && entry.details.note ? `: ${entry.details.note}` : '';
      return `${who} signed out ${target}${note}`;
    }
    case 'impersonator':
      return `Support (${entry.actor.label ?? 'an administrator'}) signed out ${target}`;
    case 'policy':
      if (entry.reason === 'password_changed') return `${capitalize(target)} was signed out because your password changed`;
      return `${capitalize(target)} was signed out: ${typeof entry.details?.note === 'string' ? entry.details.note : 'a policy of your organization'}`;
    case 'workos':
      if (entry.reason === 'password_changed') return `${capitalize(target)} was signed out because your password changed`;
      if (entry.reason === 'user_deleted') return `${capitalize(target)} was signed out because the account was deleted`;
      return `${capitalize(target)} was signed out at WorkOS`;
    case 'system':
    default:
      if (entry.reason === 'password_changed') return `${capitalize(target)} was signed out because your password changed`;
      if (entry.reason === 'refresh_failed') return `${capitalize(target)} was signed out: its session ended at WorkOS`;
      if (entry.reason === 'user_deleted') return `${capitalize(target)} was signed out because the account was deleted`;
      return `${capitalize(target)} was signed out`;
  }
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/**
 * One line of the security activity, in words, from the point of view of the person reading it on the session
 * `viewerSessionHash`: "You signed out Safari on iOS from Chrome on macOS", "New sign-in on Firefox on Windows".
 */
export function describeAuditEntry(
  entry: AuditEntry,
  viewerSessionHash: string | null,
  locate: (ip: string | null) => string | null = () => null,
): AuditDescription {
  const place = locate(entry.ipAddress);
  const from = entry.ipAddress ? ` from ${entry.ipAddress}${place ? ` (${place})` : ''}` : '';
  const badges: string[] = [];
  switch (entry.kind) {
    case 'sign_in': {
      badges.push(...describeNovelty(noveltyOf(entry.details), { place, device: entry.target?.label ?? 'a new device' }));
      const where = targetName(entry, viewerSessionHash);
      if (entry.actor.type === 'admin') {
        badges.push('Impersonation');
        const who = entry.actor.label ?? 'An administrator';
        return { text: `${who} signed in as you on ${where}${from}`, badges };
      }
      return { text: `New sign-in on ${where}${from}`, badges };
    }
    case 'session_revoked': {
      // Locked out here when WorkOS did not confirm; the outbox marks the line once WorkOS does.
      const confirmedAt = entry.details?.workosConfirmedAt;
      if (entry.details?.workos === 'pending') badges.push('WorkOS has not confirmed yet');
      const text = describeRevocation(entry, viewerSessionHash);
      return typeof confirmedAt === 'number' ? { text, badges, workosConfirmedAt: new Date(confirmedAt) } : { text, badges };
    }
    case 'password_changed': {
      const count = entry.details?.sessionsSignedOut;
      if (typeof count === 'number' && count > 0) {
        return { text: `Your password was changed — ${count} ${count === 1 ? 'session' : 'sessions'} signed out`, badges };
      }
      return { text: 'Your password was changed', badges };
    }
    case 'refresh_token_reused': {
      badges.push('Token reused');
      const by = entry.actor.label ? ` (${entry.actor.label})` : '';
      return { text: `A sign-in token of ${targetName(entry, viewerSessionHash)} was reused${from}${by}`, badges };
    }
    case 'sign_in_confirmed':
      return { text: `You confirmed that the sign-in on ${targetName(entry, viewerSessionHash)} was you`, badges };
    case 'sign_in_disowned':
      badges.push('Not you');
      return { text: `You said the sign-in on ${targetName(entry, viewerSessionHash)} was not you`, badges };
    case 'user_locked':
      return { text: 'Every session of your account was ended', badges };
    default:
      return { text: capitalize(entry.kind.replace(/_/g, ' ')), badges };
  }
}

/**
 * The session whose open page a revocation should have reached (and may have answered with a receipt), or null:
 * someone's act on another session — not a sign-out of the very device that asked, nor an ending found by that
 * device's own request (refresh failed, signed in again).
 */
export function receiptSubject(entry: AuditEntry): { sessionHash: string; device: string } | null {
  if (entry.kind !== 'session_revoked' || !entry.target?.sessionHash) return null;
  if (entry.actor.type === 'system' || entry.reason === 'reauthenticated') return null;
  if (entry.target.sessionHash === entry.actor.sessionHash) return null;
  return { sessionHash: entry.target.sessionHash, device: entry.target.label ?? 'The device' };
}

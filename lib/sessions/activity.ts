import 'server-only';
import type { NextRequest } from 'next/server';
import { clientIp } from '@/lib/security/client-ip';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { hashSessionId } from '@/lib/security/hash';

/** The part of authkit's UserInfo this needs (the proxy passes the whole thing). */
interface SignedInSession {
  sessionId: string;
  user: { id: string };
}

interface ThrottleState {
  /** session hash → ms of the last write this process made. */
  lastWrite: Map<string, number>;
}

const key = Symbol.for('soe.session-activity');
type Holder = { [key]?: ThrottleState };
const MAX_TRACKED = 10_000;

function state(): ThrottleState {
  const holder = globalThis as Holder;
  return (holder[key] ??= { lastWrite: new Map() });
}

function prune(map: Map<string, number>, olderThan: number): void {
  for (const [hash, at] of map) if (at < olderThan) map.delete(hash);
  // Still too many live sessions: forget the oldest half (a forgotten one just writes once more).
  if (map.size > MAX_TRACKED) {
    let drop = map.size - MAX_TRACKED / 2;
    for (const hash of map.keys()) {
      if (drop-- <= 0) break;
      map.delete(hash);
    }
  }
}

function writeSessionActivity(entry: {
  sessionHash: string;
  userId: string;
  at: number;
  ipAddress: string | null;
  userAgent: string | null;
}): void {
  getDb()
    .prepare(
      `INSERT INTO session_activity (session_hash, user_id, last_active_at, ip_address, user_agent)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (session_hash) DO UPDATE SET
         last_active_at = MAX(last_active_at, excluded.last_active_at),
         ip_address = excluded.ip_address,
         user_agent = excluded.user_agent`,
    )
    .run(entry.sessionHash, entry.userId, entry.at, entry.ipAddress, entry.userAgent);
}

/**
 * Called by proxy.ts on every signed-in request. Records the session's last request at most once per
 * LAST_ACTIVE_THROTTLE_MS per session and process.
 * IMPORTANT: this is the hot path of every request. It never throws and never waits: the throttle is an
 * in-memory map, and the write happens after the response has been handed back (setImmediate).
 */
export function recordSessionActivity(request: NextRequest, session: SignedInSession): void {
  try {
    if (!session.sessionId || !session.user?.id) return;
    const now = Date.now();
    const throttle = getEnv().LAST_ACTIVE_THROTTLE_MS;
    const { lastWrite } = state();
    const sessionHash = hashSessionId(session.sessionId);
    const previous = lastWrite.get(sessionHash);
    if (previous !== undefined && now - previous < throttle) return;
    lastWrite.set(sessionHash, now);
    if (lastWrite.size > MAX_TRACKED) prune(lastWrite, now - throttle);

    const entry = {
      sessionHash,
      userId: session.user.id,
      at: now,
      ipAddress: clientIp(request.headers),
      userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
    };
    setImmediate(() => {
      try {
        writeSessionActivity(entry);
      } catch (error) {
        // Let the next request try again rather than waiting a whole throttle period.
        if (lastWrite.get(sessionHash) === now) lastWrite.delete(sessionHash);
        console.error('[sessions] could not record session activity', error instanceof Error ? error.message : error);
      }
    });
  } catch (error) {
    console.error('[sessions] recordSessionActivity failed', error instanceof Error ? error.message : error);
  }
}

/** Last request this app saw, by raw session id (ids it has no record of are absent). */
export function getLastActive(sessionIds: string[]): Map<string, Date> {
  const result = new Map<string, Date>();
  if (sessionIds.length === 0) return result;
  const byHash = new Map(sessionIds.map((id) => [hashSessionId(id), id]));
  const db = getDb();
  const select = db.prepare('SELECT session_hash, last_active_at FROM session_activity WHERE session_hash = ?');
  for (const [hash, id] of byHash) {
    const row = select.get(hash) as { session_hash: string; last_active_at: number } | undefined;
    if (row) result.set(id, new Date(row.last_active_at));
  }
  return result;
}

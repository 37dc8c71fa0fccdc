import { encodeRevoked, PING_BYTES, RECONNECT_BYTES } from './frames';
import type { RevocationRegistry } from '../registry';
import type { RevocationRecord, UserRevocation } from '../types';

/** One open push stream (an SSE response) waiting to hear that its session was revoked. */
export interface SessionStream {
  readonly sessionHash: string;
  readonly userId: string;
  /** ms since the epoch: the hub ends the stream with `event: reconnect` within EXPIRY_TICK_MS after it. */
  readonly closeAt: number;
  /** Writes a frame; frames are shared between streams, so it must not modify them. */
  send(frame: Uint8Array): void;
  /** Writes a last frame and closes; the stream removes itself from the hub. */
  end(frame: Uint8Array): void;
}

export interface SessionHub {
  add(stream: SessionStream): void;
  /** Idempotent. */
  remove(stream: SessionStream): void;
  size(): number;
  /** Sessions with at least one open stream: as many as `size()` when every browser shares one stream among its tabs. */
  sessionCount(): number;
  /** Open streams of one session. */
  countFor(sessionHash: string): number;
  /** Open streams of every session of one user. */
  countForUser(userId: string): number;
  /** The `event: revoked` frame of a record, as every stream of its session is sent it. */
  revokedFrame(record: RevocationRecord): Uint8Array;
}

export interface SessionHubOptions {
  heartbeatMs?: number;
  /** The receipt token a `revoked` frame carries (lib/revocation/receipts); none without it. */
  receiptFor?: (record: RevocationRecord) => string;
}

/** How precisely streams are closed at their `closeAt`: one timer per process sweeps them at this period. */
export const EXPIRY_TICK_MS = 1_000;

export interface StreamCaps {
  perSession: number;
  perUser: number;
  perInstance: number;
}

/**
 * Which cap a new stream of this session would exceed, narrowest first, or null. A tab needs one stream; a
 * credential must not hold unbounded memory and sockets, nor one user (many sessions) the instance's. Streams are
 * this instance's resources, so they are counted per instance only.
 */
export function fullStreamScope(
  hub: SessionHub,
  caps: StreamCaps,
  stream: Pick<SessionStream, 'sessionHash' | 'userId'>,
): 'session' | 'user' | 'instance' | null {
  if (hub.countFor(stream.sessionHash) >= caps.perSession) return 'session';
  if (hub.countForUser(stream.userId) >= caps.perUser) return 'user';
  if (hub.size() >= caps.perInstance) return 'instance';
  return null;
}

/**
 * Routes registry revocations to the streams of the revoked session (or user): ONE registry subscription per
 * process, and a map lookup per revocation, however many streams are open. Everything timed is per process too:
 * one heartbeat timer and one expiry timer (streams grouped by the second they close in), running while streams are
 * open, so an idle stream costs its socket and one small object, not timers and closures of its own.
 */
export function createSessionHub(registry: RevocationRegistry, options: SessionHubOptions = {}): SessionHub {
  const bySession = new Map<string, Set<SessionStream>>();
  const byUser = new Map<string, Set<SessionStream>>();
  const byExpirySlot = new Map<number, Set<SessionStream>>();
  let count = 0;
  let timers: ReturnType<typeof setInterval>[] = [];

  // Never early: a stream closes at the first sweep at or after its closeAt.
  const expirySlot = (stream: SessionStream) => Math.ceil(stream.closeAt / EXPIRY_TICK_MS);

  const ping = () => {
    for (const streams of bySession.values()) {
      for (const stream of streams) stream.send(PING_BYTES);
    }
  };
  const expire = () => {
    const due = Math.floor(Date.now() / EXPIRY_TICK_MS);
    for (const [slot, streams] of byExpirySlot) {
      if (slot > due) continue;
      byExpirySlot.delete(slot);
      for (const stream of streams) stream.end(RECONNECT_BYTES);
    }
  };
  const every = (fn: () => void, ms: number) => {
    const timer = setInterval(fn, ms);
    timer.unref?.();
    return timer;
  };

  const deliver = (streams: Set<SessionStream> | undefined, recordFor: (s: SessionStream) => RevocationRecord) => {
    if (!streams) return;
    // Encoded once per session, however many of its streams are open (a user's revocation reaches several sessions).
    const frames = new Map<string, Uint8Array>();
    for (const stream of [...streams]) {
      try {
        let frame = frames.get(stream.sessionHash);
        if (!frame) frames.set(stream.sessionHash, (frame = encodeRevoked(recordFor(stream), options.receiptFor)));
        stream.end(frame);
      } catch (error) {
        console.error('[revocation] a session stream failed to take a revocation', error);
      }
    }
  };

  registry.subscribe((record) => deliver(bySession.get(record.sessionHash), () => record));
  registry.subscribeUsers((revocation: UserRevocation) =>
    deliver(byUser.get(revocation.userId), (stream) => registry.checkHash(stream.sessionHash, stream.userId)!),
  );

  const addTo = <K>(map: Map<K, Set<SessionStream>>, key: K, stream: SessionStream) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(stream);
  };
  const removeFrom = <K>(map: Map<K, Set<SessionStream>>, key: K, stream: SessionStream) => {
    const set = map.get(key);
    if (!set?.delete(stream)) return false;
    if (set.size === 0) map.delete(key);
    return true;
  };

  return {
    add(stream) {
      addTo(bySession, stream.sessionHash, stream);
      addTo(byUser, stream.userId, stream);
      addTo(byExpirySlot, expirySlot(stream), stream);
      count += 1;
      if (timers.length === 0) {
        timers = [every(expire, EXPIRY_TICK_MS), ...(options.heartbeatMs ? [every(ping, options.heartbeatMs)] : [])];
      }
    },
    remove(stream) {
      if (!removeFrom(bySession, stream.sessionHash, stream)) return;
      removeFrom(byUser, stream.userId, stream);
      removeFrom(byExpirySlot, expirySlot(stream), stream);
      count -= 1;
      if (count === 0) {
        for (const timer of timers) clearInterval(timer);
        timers = [];
      }
    },
    size: () => count,
    sessionCount: () => bySession.size,
    revokedFrame: (record) => encodeRevoked(record, options.receiptFor),
    countFor: (sessionHash) => bySession.get(sessionHash)?.size ?? 0,
    countForUser: (userId) => byUser.get(userId)?.size ?? 0,
  };
}

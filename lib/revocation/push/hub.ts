import type { RevocationRegistry } from '../registry';
import type { RevocationRecord, UserRevocation } from '../types';

/** One open push stream (an SSE response) waiting to hear that its session was revoked. */
export interface SessionStream {
  sessionHash: string;
  userId: string;
  notify(record: RevocationRecord): void;
  /** Called every heartbeat period while the stream is open. */
  ping?(): void;
}

export interface SessionHub {
  /** Registers the stream; returns its removal. */
  add(stream: SessionStream): () => void;
  size(): number;
  /** Sessions with at least one open stream: as many as `size()` when every browser shares one stream among its tabs. */
  sessionCount(): number;
  /** Open streams of one session. */
  countFor(sessionHash: string): number;
  /** Open streams of every session of one user. */
  countForUser(userId: string): number;
}

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
 * process, and a map lookup per revocation, however many streams are open.
 */
export function createSessionHub(registry: RevocationRegistry, options: { heartbeatMs?: number } = {}): SessionHub {
  const bySession = new Map<string, Set<SessionStream>>();
  const byUser = new Map<string, Set<SessionStream>>();
  let count = 0;
  // One timer for every stream's heartbeat, running only while streams are open.
  let ticker: ReturnType<typeof setInterval> | null = null;
  const tick = () => {
    for (const streams of bySession.values()) {
      for (const stream of streams) {
        try {
          stream.ping?.();
        } catch {
          // a stream that cannot be written to is removed by its own abort handling
        }
      }
    }
  };

  const deliver = (streams: Set<SessionStream> | undefined, record: (s: SessionStream) => RevocationRecord) => {
    if (!streams) return;
    for (const stream of [...streams]) {
      try {
        stream.notify(record(stream));
      } catch (error) {
        console.error('[revocation] a session stream failed to take a revocation', error);
      }
    }
  };

  registry.subscribe((record) => deliver(bySession.get(record.sessionHash), () => record));
  registry.subscribeUsers((revocation: UserRevocation) =>
    deliver(byUser.get(revocation.userId), (stream) => registry.checkHash(stream.sessionHash, stream.userId)!),
  );

  const addTo = (map: Map<string, Set<SessionStream>>, key: string, stream: SessionStream) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(stream);
  };
  const removeFrom = (map: Map<string, Set<SessionStream>>, key: string, stream: SessionStream) => {
    const set = map.get(key);
    if (set?.delete(stream) && set.size === 0) map.delete(key);
  };

  return {
    add(stream) {
      addTo(bySession, stream.sessionHash, stream);
      addTo(byUser, stream.userId, stream);
      count += 1;
      if (!ticker && options.heartbeatMs) {
        ticker = setInterval(tick, options.heartbeatMs);
        ticker.unref?.();
      }
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        removeFrom(bySession, stream.sessionHash, stream);
        removeFrom(byUser, stream.userId, stream);
        count -= 1;
        if (count === 0 && ticker) {
          clearInterval(ticker);
          ticker = null;
        }
      };
    },
    size: () => count,
    sessionCount: () => bySession.size,
    countFor: (sessionHash) => bySession.get(sessionHash)?.size ?? 0,
    countForUser: (userId) => byUser.get(userId)?.size ?? 0,
  };
}

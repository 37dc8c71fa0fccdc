import * as z from 'zod/mini';
import { openBroadcastChannel, type BroadcastChannelLike } from './broadcast';
import type { Dispose } from './probe';

/** The part of the Web Locks API (navigator.locks) the election uses. */
export type Locks = Pick<LockManager, 'request'>;

export interface LeaderOptions {
  /** navigator.locks; null where the Web Locks API is missing. */
  locks?: Locks | null;
  /** The fallback's channel where there are no Web Locks; null where BroadcastChannel is missing too. */
  createChannel?: (name: string) => BroadcastChannelLike | null;
  /** Where `pagehide` and `pageshow` fire: window. */
  target?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** The fallback's: this tab's name among its siblings, and the jitter of its claims. */
  id?: string;
  random?: () => number;
}

/** Runs the leader's work; returns how to stop it. */
type Lead = () => Dispose;
/** Stands for leadership: `lead` runs while this tab leads; the returned withdrawal stops it and steps down. */
type Candidacy = (lead: Lead) => Dispose;

/** The fallback leader says so this often… */
export const HEARTBEAT_MS = 250;
/** …and a leader not heard for this long (crashed, frozen) is replaced: a sibling claims within a second. */
export const LEASE_MS = 750;

const browserLocks = (): Locks | null => (typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null);

/**
 * Elects ONE tab of this browser (this origin) to run `lead` for `name`, and runs it while this tab leads:
 * with the Web Locks API, the tab holding the exclusive lock `name` (held until it withdraws, or the browser frees
 * it as the tab closes or crashes; the next waiting tab gets it at once); else by lease over a BroadcastChannel;
 * else (neither exists) every tab leads alone. A page leaving for the back-forward cache withdraws, so no frozen
 * page holds leadership it cannot use, and stands again when it is shown from the cache.
 */
export function electLeader(name: string, lead: Lead, options: LeaderOptions = {}): Dispose {
  const locks = options.locks === undefined ? browserLocks() : options.locks;
  const stand: Candidacy = locks
    ? byLock(locks, name)
    : (lead) => {
        const channel = (options.createChannel ?? openBroadcastChannel)(name);
        return channel ? byLease(channel, options.id ?? Math.random().toString(36).slice(2), options.random ?? Math.random, lead) : lead();
      };
  const target = options.target ?? window;
  let withdraw: Dispose | null = stand(lead);
  const onPageHide = () => {
    withdraw?.();
    withdraw = null;
  };
  const onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted && !withdraw) withdraw = stand(lead);
  };
  target.addEventListener('pagehide', onPageHide);
  target.addEventListener('pageshow', onPageShow);
  return () => {
    onPageHide();
    target.removeEventListener('pagehide', onPageHide);
    target.removeEventListener('pageshow', onPageShow);
  };
}

function byLock(locks: Locks, name: string): Candidacy {
  return (lead) => {
    const withdrawn = new AbortController();
    let stop: Dispose | null = null;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    locks
      .request(name, { mode: 'exclusive', signal: withdrawn.signal }, () => {
        if (withdrawn.signal.aborted) return;
        stop = lead();
        return held; // the lock is ours until this settles
      })
      .catch((error: unknown) => {
        // Withdrawn while still waiting in line: nothing was ever led.
        if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
      });
    return () => {
      withdrawn.abort();
      stop?.();
      stop = null;
      release();
    };
  };
}

const leaseMessage = z.object({ type: z.enum(['leading', 'resigned']), id: z.string() });

/**
 * The fallback where there are no Web Locks: the leader says `leading` every HEARTBEAT_MS and `resigned` as it
 * withdraws; a tab that has heard no leader for LEASE_MS (plus jitter, so siblings do not all claim in one instant)
 * claims. Two tabs claiming at once both hear the other, and the one with the greater id steps down.
 */
function byLease(channel: BroadcastChannelLike, id: string, random: () => number, lead: Lead): Dispose {
  let stop: Dispose | null = null;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let claim: ReturnType<typeof setTimeout> | undefined;
  const say = (type: 'leading' | 'resigned') => channel.postMessage({ type, id });
  const claimAfter = (ms: number) => {
    clearTimeout(claim);
    claim = setTimeout(() => {
      stop = lead();
      say('leading');
      heartbeat = setInterval(() => say('leading'), HEARTBEAT_MS);
    }, ms);
  };
  const stepDown = () => {
    clearInterval(heartbeat);
    stop?.();
    stop = null;
  };

  channel.onmessage = (event) => {
    const heard = leaseMessage.safeParse(event.data);
    if (!heard.success) return;
    if (heard.data.type === 'resigned') {
      if (!stop) claimAfter(random() * HEARTBEAT_MS);
    } else if (!stop) {
      claimAfter(LEASE_MS + random() * HEARTBEAT_MS);
    } else if (heard.data.id < id) {
      stepDown();
      claimAfter(LEASE_MS + random() * HEARTBEAT_MS);
    }
  };
  claimAfter(LEASE_MS + random() * HEARTBEAT_MS);
  return () => {
    clearTimeout(claim);
    if (stop) {
      stepDown();
      say('resigned');
    }
    channel.close();
  };
}

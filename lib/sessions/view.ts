import { hashSessionId } from '@/lib/security/hash';
import type { AppSession, Impersonator } from '@/lib/workos/types';
import { describeSignInMethod } from './auth-method';
import { describeDevice, describeVersions, deviceKey, type DeviceType } from './device';
import { describeNovelty, type Novelty, type NoveltyKind } from './novelty';
import { daysBetween, describeMoment, type Moment } from './time';

/** Why a session may need a look (OWASP: signals to review, never grounds for trust). */
export type SessionHint =
  /** What was new for this user when the session signed in (lib/sessions/novelty), in words. */
  | { kind: NoveltyKind; text: string }
  | { kind: 'inactive'; text: string; days: number }
  /** A spent refresh token of this session was presented again (lib/auth/refresh): a copied cookie, most likely. */
  | { kind: 'token_reused'; text: string }
  /** Someone (support) signed in as the user through WorkOS impersonation. */
  | { kind: 'impersonated'; text: string };

export type { Moment } from './time';

/**
 * One session as the security page shows it. Serializable; safe to send to the browser.
 * IMPORTANT: `key` is the hashed session id. Raw session ids stay on the server (a raw id is enough to end a
 * session through WorkOS's logout URL).
 */
export interface SessionView {
  key: string;
  /** Unique among the listed sessions ("Chrome on macOS (2)"): what QA and screen readers address it by. */
  label: string;
  /** Browser + OS + device type (lib/sessions/device deviceKey): sessions that share it are shown as one group. */
  deviceKey: string;
  /** The device's own label, shared by its sessions ("Chrome on macOS"). */
  deviceLabel: string;
  deviceType: DeviceType;
  versions: string;
  ipAddress: string | null;
  /** Where the IP address is ("Lyon, France", "Local network"); null when unknown. */
  location: string | null;
  signInMethod: string;
  isCurrent: boolean;
  impersonator: Impersonator | null;
  signedIn: Moment;
  lastActive: Moment;
  hints: SessionHint[];
  /** Locked out here, but WorkOS still lists it: WorkOS has not confirmed its end yet (the outbox retries). */
  signedOutHere: boolean;
}

export interface CurrentDevice {
  sessionId: string;
}

export interface BuildSessionViewsInput {
  sessions: AppSession[];
  current: CurrentDevice;
  /** Last request seen by this app, by raw session id (lib/sessions/activity getLastActive). */
  lastActive: Map<string, Date>;
  /** PascalCase authentication methods recorded at sign-in, by session hash ("GoogleOAuth"). */
  signInMethods?: Map<string, string>;
  /** What was new about each session's sign-in, by session hash (lib/audit getSignInNovelty). */
  signInNovelty?: Map<string, Novelty>;
  /** Reuse of a session's sign-in token, by session hash (lib/audit getTokenReuse). */
  tokenReuse?: Map<string, { at: Date; ipAddress: string | null }>;
  /** Listed sessions that the registry already refuses (raw ids). */
  signedOutHere?: Set<string>;
  now: Date;
  inactiveDays: number;
  /** Where an IP address is (lib/location); none by default. */
  locate?: (ip: string | null) => string | null;
}


/** What was new about the session's sign-in for this user, and how long it has been idle: never a comparison with the device looking. */
function computeHints(
  novelty: Novelty | undefined,
  context: { place: string | null; device: string },
  lastActiveAt: Date,
  now: Date,
  inactiveDays: number,
): SessionHint[] {
  const hints: SessionHint[] = [];
  if (novelty) {
    const texts = describeNovelty(novelty, context);
    novelty.kinds.forEach((kind, i) => hints.push({ kind, text: texts[i]! }));
  }
  const idle = daysBetween(lastActiveAt, now);
  if (idle >= inactiveDays) hints.push({ kind: 'inactive', days: idle, text: `Inactive for ${idle} days` });
  return hints;
}

/** Shown on every session it concerns, this device's included: its owner should know either way. */
function impersonationHint(impersonator: AppSession['impersonator']): SessionHint[] {
  return impersonator ? [{ kind: 'impersonated', text: `Impersonated by ${impersonator.email}` }] : [];
}

/** Shown on every session it concerns, this device's included: its owner should know either way. */
function reuseHint(reuse: { ipAddress: string | null } | undefined): SessionHint[] {
  if (!reuse) return [];
  return [{ kind: 'token_reused', text: `Sign-in token reused${reuse.ipAddress ? ` from ${reuse.ipAddress}` : ''}` }];
}

/**
 * Labels that tell sessions apart: this device (`preferredId`) and then the first sign-in with a given label keep
 * it, later ones get " (2)", " (3)"… Deterministic: ordered by sign-in time, then id.
 */
export function uniqueLabels(
  items: { id: string; label: string; createdAt: Date }[],
  preferredId?: string,
): Map<string, string> {
  const byLabel = new Map<string, typeof items>();
  for (const item of items) {
    const group = byLabel.get(item.label) ?? [];
    group.push(item);
    byLabel.set(item.label, group);
  }
  const taken = new Set(byLabel.keys());
  const result = new Map<string, string>();
  for (const [label, group] of byLabel) {
    group.sort(
      (a, b) =>
        Number(b.id === preferredId) - Number(a.id === preferredId) ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    let n = 1;
    for (const [index, item] of group.entries()) {
      if (index === 0) {
        result.set(item.id, label);
        continue;
      }
      let candidate: string;
      do candidate = `${label} (${++n})`;
      while (taken.has(candidate));
      taken.add(candidate);
      result.set(item.id, candidate);
    }
  }
  return result;
}

/** A session with its description. IMPORTANT: `session` holds the raw id: send only `view` to the browser. */
export interface SessionEntry {
  session: AppSession;
  view: SessionView;
}

/** The sessions in the order the page shows them: this device first, then by last activity. */
export function buildSessionViews(input: BuildSessionViewsInput): SessionEntry[] {
  const { sessions, current, now, inactiveDays } = input;
  const parsed = sessions.map((session) => {
    const device = describeDevice(session.userAgent);
    const isCurrent = session.id === current.sessionId;
    const recorded = input.lastActive.get(session.id);
    // The request being served is this session's latest activity; otherwise the later of ours and WorkOS's.
    const lastActiveAt = isCurrent ? now : recorded && recorded > session.updatedAt ? recorded : session.updatedAt;
    return { session, device, isCurrent, lastActiveAt };
  });
  const labels = uniqueLabels(
    parsed.map((p) => ({ id: p.session.id, label: p.device.label, createdAt: p.session.createdAt })),
    current.sessionId,
  );

  parsed.sort(
    (a, b) =>
      Number(b.isCurrent) - Number(a.isCurrent) ||
      b.lastActiveAt.getTime() - a.lastActiveAt.getTime() ||
      b.session.createdAt.getTime() - a.session.createdAt.getTime() ||
      (a.session.id < b.session.id ? -1 : 1),
  );

  return parsed.map(({ session, device, isCurrent, lastActiveAt }) => {
    const key = hashSessionId(session.id);
    const view: SessionView = {
      key,
      label: labels.get(session.id) ?? device.label,
      deviceKey: deviceKey(device),
      deviceLabel: device.label,
      deviceType: device.type,
      versions: describeVersions(device),
      ipAddress: session.ipAddress,
      location: input.locate?.(session.ipAddress) ?? null,
      signInMethod: describeSignInMethod(session.authMethod, input.signInMethods?.get(key)),
      isCurrent,
      impersonator: session.impersonator,
      signedIn: describeMoment(session.createdAt, now),
      lastActive: describeMoment(lastActiveAt, now),
      signedOutHere: input.signedOutHere?.has(session.id) ?? false,
      hints: [
        ...reuseHint(input.tokenReuse?.get(key)),
        // Not the person's own doing, whoever is looking: support's session counts as unusual (and is signed out
        // with the unusual ones) on the user's other devices; the impersonator sees it on their own as well.
        ...impersonationHint(session.impersonator),
        // The device looking is the one the person holds: what was new about it is theirs to know already.
        ...(isCurrent
          ? []
          : computeHints(input.signInNovelty?.get(key), { place: input.locate?.(session.ipAddress) ?? null, device: device.label }, lastActiveAt, now, inactiveDays)),
      ],
    };
    return { session, view };
  });
}

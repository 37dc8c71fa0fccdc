import type { Place } from '@/lib/location';
import { plural } from './wording';

/**
 * What is new about a sign-in FOR THIS USER, judged against their own earlier sign-ins — never against the device
 * that happens to be looking (a person's own phone and laptop are not unusual because they differ from each other).
 * Pure: lib/audit records the verdict with each sign-in; pages word it (describeNovelty).
 */

export type NoveltyKind = 'new_device' | 'new_country' | 'new_place' | 'impossible_travel';

export interface SignInFacts {
  at: Date;
  /** Browser + OS + device type (lib/sessions/device deviceKey); null when the user agent says nothing. */
  deviceKey: string | null;
  place: Place | null;
}

export interface Novelty {
  kinds: NoveltyKind[];
  /** For impossible travel: how far from the previous sign-in, and how long after it. */
  travel?: { km: number; minutes: number };
}

/** A place this far from every earlier one is new even within a known country (a metro area is ~50–100 km across). */
export const NEW_PLACE_KM = 300;
/** Faster than an airliner, over a distance that geolocation error alone cannot explain. */
export const IMPOSSIBLE_SPEED_KMH = 1_000;
export const IMPOSSIBLE_MIN_KM = 500;

type Mapped = Extract<Place, { kind: 'mapped' }>;
const isMapped = (place: Place | null): place is Mapped => place?.kind === 'mapped';
const hasCoordinates = (place: Mapped): place is Mapped & { latitude: number; longitude: number } =>
  place.latitude !== null && place.longitude !== null;

/** Great-circle distance, km. */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * `history`: the user's earlier sign-ins (any order). The very first sign-in is never flagged: there is nothing to
 * compare it with. An address the database cannot place, or the user's local network, says nothing about places.
 */
export function assessSignIn(candidate: SignInFacts, history: SignInFacts[]): Novelty {
  const earlier = history.filter((h) => h.at.getTime() <= candidate.at.getTime());
  const kinds: NoveltyKind[] = [];
  if (earlier.length === 0) return { kinds };

  if (candidate.deviceKey && earlier.some((h) => h.deviceKey) && !earlier.some((h) => h.deviceKey === candidate.deviceKey)) {
    kinds.push('new_device');
  }

  const place = candidate.place;
  let travel: Novelty['travel'];
  if (isMapped(place)) {
    const known = earlier.map((h) => h.place).filter(isMapped);
    if (known.length > 0 && !known.some((k) => k.countryCode === place.countryCode)) kinds.push('new_country');
    else if (hasCoordinates(place)) {
      const located = known.filter(hasCoordinates);
      if (located.length > 0 && located.every((k) => distanceKm(k, place) > NEW_PLACE_KM)) kinds.push('new_place');
    }
    const previous = earlier
      .filter((h): h is SignInFacts & { place: Mapped } => isMapped(h.place))
      .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    if (previous && hasCoordinates(place) && hasCoordinates(previous.place)) {
      const km = distanceKm(previous.place, place);
      const hours = Math.max((candidate.at.getTime() - previous.at.getTime()) / 3_600_000, 1 / 60);
      if (km >= IMPOSSIBLE_MIN_KM && km / hours > IMPOSSIBLE_SPEED_KMH) {
        kinds.push('impossible_travel');
        travel = { km: Math.round(km), minutes: Math.max(1, Math.round(hours * 60)) };
      }
    }
  }
  return travel ? { kinds, travel } : { kinds };
}

const NOVELTY_KINDS: readonly string[] = ['new_device', 'new_country', 'new_place', 'impossible_travel'] satisfies NoveltyKind[];

/** What was new about a sign-in, as recorded with it (recordSignIn); older lines knew only "new device". */
export function noveltyOf(details: Record<string, unknown> | null | undefined): Novelty {
  if (!details) return { kinds: [] };
  const recorded = Array.isArray(details.novelty) ? details.novelty.filter((k): k is NoveltyKind => NOVELTY_KINDS.includes(k)) : null;
  const kinds = recorded ?? (details.newDevice === true ? (['new_device'] as NoveltyKind[]) : []);
  const travel = details.travel as { km?: unknown; minutes?: unknown } | undefined;
  return typeof travel?.km === 'number' && typeof travel.minutes === 'number' ? { kinds, travel: { km: travel.km, minutes: travel.minutes } } : { kinds };
}

const NUMBER = new Intl.NumberFormat('en');

function describeDuration(minutes: number): string {
  if (minutes < 60) return plural(minutes, 'minute', 'minutes');
  return plural(Math.round(minutes / 60), 'hour', 'hours');
}

/** Each reason in words, for a session's badges and its sign-in line ("First sign-in from Lyon, France"). */
export function describeNovelty(novelty: Novelty, context: { place: string | null; device: string }): string[] {
  return novelty.kinds.map((kind) => {
    switch (kind) {
      case 'new_device':
        return `First sign-in from ${context.device}`;
      case 'new_country':
      case 'new_place':
        return context.place ? `First sign-in from ${context.place}` : 'First sign-in from this place';
      case 'impossible_travel':
        return novelty.travel
          ? `${NUMBER.format(novelty.travel.km)} km from the previous sign-in, ${describeDuration(novelty.travel.minutes)} later`
          : 'Too far from the previous sign-in to have travelled';
    }
  });
}

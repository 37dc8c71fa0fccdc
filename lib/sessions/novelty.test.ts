import { describe, expect, it } from 'vitest';
import type { Place } from '@/lib/location';
import { assessSignIn, describeNovelty, distanceKm, type SignInFacts } from './novelty';

const city = (label: string, countryCode: string, latitude: number, longitude: number): Place => ({ kind: 'mapped', label, countryCode, latitude, longitude });
const PARIS = city('Paris, France', 'FR', 48.857, 2.351);
const VERSAILLES = city('Versailles, France', 'FR', 48.805, 2.12);
const ROUEN = city('Rouen, France', 'FR', 49.443, 1.099);
const LYON = city('Lyon, France', 'FR', 45.764, 4.836);
const LONDON = city('London, United Kingdom', 'GB', 51.514, -0.091);
const SYDNEY = city('Sydney, Australia', 'AU', -33.869, 151.209);
const LOCAL: Place = { kind: 'local', label: 'Local network' };

const LAPTOP = 'desktop|Chrome|macOS';
const PHONE = 'mobile|Safari|iOS';
const T0 = Date.parse('2026-09-01T08:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const signIn = (hours: number, deviceKey: string | null, place: Place | null): SignInFacts => ({ at: at(hours), deviceKey, place });

describe('assessSignIn: what is new for this user', () => {
  it('never flags the first sign-in, nor a known phone and laptop in known places', () => {
    expect(assessSignIn(signIn(0, LAPTOP, PARIS), []).kinds).toEqual([]);
    const history = [signIn(0, LAPTOP, PARIS), signIn(1, PHONE, VERSAILLES)];
    expect(assessSignIn(signIn(30, PHONE, PARIS), history).kinds).toEqual([]);
    expect(assessSignIn(signIn(31, LAPTOP, VERSAILLES), history).kinds).toEqual([]);
  });

  it('flags a device (browser, OS, type) the user never signed in from', () => {
    const history = [signIn(0, LAPTOP, PARIS)];
    expect(assessSignIn(signIn(5, PHONE, PARIS), history).kinds).toEqual(['new_device']);
    expect(assessSignIn(signIn(5, 'desktop|Firefox|macOS', PARIS), history).kinds).toEqual(['new_device']);
    expect(assessSignIn(signIn(5, null, PARIS), history).kinds).toEqual([]);
  });

  it('flags a new country, or a place far from every earlier one, but not the next town', () => {
    const history = [signIn(0, LAPTOP, PARIS), signIn(24, LAPTOP, VERSAILLES)];
    expect(assessSignIn(signIn(100, LAPTOP, LONDON), history).kinds).toEqual(['new_country']);
    expect(assessSignIn(signIn(100, LAPTOP, LYON), history).kinds).toEqual(['new_place']);
    expect(assessSignIn(signIn(100, LAPTOP, ROUEN), history).kinds).toEqual([]); // ≈ 110 km from Paris
  });

  it('flags travel faster than an airliner between consecutive sign-ins, saying how far and how soon', () => {
    const history = [signIn(0, LAPTOP, LONDON)];
    expect(assessSignIn(signIn(2, LAPTOP, SYDNEY), history)).toEqual({
      kinds: ['new_country', 'impossible_travel'],
      travel: { km: Math.round(distanceKm(LONDON as never, SYDNEY as never)), minutes: 120 },
    });
    // Paris → London in 3 hours is a train ride, and 24 hours later Sydney is a flight.
    expect(assessSignIn(signIn(3, LAPTOP, PARIS), history).kinds).toEqual(['new_country']);
    expect(assessSignIn(signIn(26, LAPTOP, SYDNEY), history).kinds).toEqual(['new_country']);
  });

  it('learns nothing about places from the local network or an address it cannot place', () => {
    const history = [signIn(0, LAPTOP, LOCAL), signIn(1, LAPTOP, null)];
    expect(assessSignIn(signIn(2, LAPTOP, SYDNEY), history).kinds).toEqual([]);
    expect(assessSignIn(signIn(3, LAPTOP, LOCAL), [signIn(0, LAPTOP, PARIS)]).kinds).toEqual([]);
  });

  it('precision: ordinary lives raise no flag once each of their devices has been seen', () => {
    // 50 people, 90 days each: two or three devices, a home metro (addresses placed anywhere within it), a weekly
    // office 100–150 km away; sign-ins at random hours. Deterministic pseudo-random numbers.
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let flags = 0;
    let firstSightings = 0;
    for (let person = 0; person < 50; person++) {
      const devices = [LAPTOP, PHONE, 'desktop|Edge|Windows'].slice(0, 2 + Math.floor(random() * 2));
      const home = { latitude: 40 + random() * 15, longitude: -5 + random() * 20 };
      const nearHome = () =>
        city('Home', 'FR', home.latitude + (random() - 0.5) * 0.6, home.longitude + (random() - 0.5) * 0.8);
      const office = () => city('Office', 'FR', home.latitude + 1.1, home.longitude + 0.3);
      const history: SignInFacts[] = [];
      const seen = new Set<string>();
      let hours = 0;
      for (let day = 0; day < 90; day++) {
        hours = day * 24 + 7 + random() * 14;
        const device = devices[Math.floor(random() * devices.length)]!;
        const place = day % 7 === 2 ? office() : random() < 0.1 ? LOCAL : nearHome();
        const facts = signIn(hours, device, place);
        const verdict = assessSignIn(facts, history);
        if (!seen.has(device) && history.length > 0) firstSightings++;
        else flags += verdict.kinds.length;
        seen.add(device);
        history.push(facts);
      }
    }
    expect(firstSightings).toBeGreaterThan(50);
    expect(flags).toBe(0);
  });
});

describe('describeNovelty', () => {
  it('says why in words', () => {
    expect(describeNovelty({ kinds: ['new_device', 'new_place'] }, { place: 'Lyon, France', device: 'Safari on iOS' })).toEqual([
      'First sign-in from Safari on iOS',
      'First sign-in from Lyon, France',
    ]);
    expect(describeNovelty({ kinds: ['new_country'] }, { place: null, device: 'Chrome on macOS' })).toEqual(['First sign-in from this place']);
    expect(describeNovelty({ kinds: ['impossible_travel'], travel: { km: 16_994, minutes: 120 } }, { place: 'Sydney, Australia', device: 'x' })).toEqual([
      '16,994 km from the previous sign-in, 2 hours later',
    ]);
    expect(describeNovelty({ kinds: ['impossible_travel'], travel: { km: 900, minutes: 30 } }, { place: null, device: 'x' })).toEqual([
      '900 km from the previous sign-in, 30 minutes later',
    ]);
  });
});

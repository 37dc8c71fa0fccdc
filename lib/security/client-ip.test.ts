import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { TrustedProxies } from '@/lib/env';
import { CLIENT_IP_HEADER, clientIp, installClientIpHook } from './client-ip';

/**
 * A real Node HTTP server, as `next start` runs one: the hook sees the socket, the handler sees only headers (as the
 * proxy and route handlers do) and answers what clientIp() makes of them.
 */
let server: Server;
let port: number;
let uninstall: (() => void) | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    res.end(JSON.stringify({ ip: clientIp(headers) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  uninstall?.();
  uninstall = null;
});

function ipSeen(headers: IncomingHttpHeaders): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve((JSON.parse(body) as { ip: string | null }).ip));
    });
    req.on('error', reject);
    req.end();
  });
}

function trusting(trust: TrustedProxies) {
  uninstall = installClientIpHook(trust);
}

describe('the client address, trusting no proxy (the default)', () => {
  it('is the socket address, whatever X-Forwarded-For or X-Real-IP say', async () => {
    trusting({ hops: 0 });
    expect(await ipSeen({})).toBe('127.0.0.1');
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66' })).toBe('127.0.0.1');
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 10.0.0.1', 'x-real-ip': '203.0.113.67' })).toBe('127.0.0.1');
  });

  it('cannot be named by the client through the header the hook writes', async () => {
    trusting({ hops: 0 });
    expect(await ipSeen({ [CLIENT_IP_HEADER]: 'anything 203.0.113.66' })).toBe('127.0.0.1');
  });

  it('is unknown, never forged, when the hook did not see the request', async () => {
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66' })).toBeNull();
    expect(await ipSeen({ [CLIENT_IP_HEADER]: '203.0.113.66' })).toBeNull();
    expect(await ipSeen({ [CLIENT_IP_HEADER]: 'guessed-tag 203.0.113.66' })).toBeNull();
  });
});

describe('the client address behind trusted proxies', () => {
  it('with a hop count, is the entry that many proxies in from the socket', async () => {
    trusting({ hops: 1 });
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 198.51.100.7' })).toBe('198.51.100.7');
    expect(await ipSeen({})).toBe('127.0.0.1');
    uninstall?.();
    trusting({ hops: 2 });
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 198.51.100.7' })).toBe('203.0.113.66');
    // More hops trusted than entries: the leftmost (the only thing left to believe).
    expect(await ipSeen({ 'x-forwarded-for': '198.51.100.7' })).toBe('198.51.100.7');
  });

  it('with ranges, is the first address from the socket inwards that is not a trusted proxy', async () => {
    trusting({ ranges: ['loopback'] });
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 10.0.0.1' })).toBe('10.0.0.1');
    uninstall?.();
    trusting({ ranges: ['loopback', '10.0.0.0/8'] });
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 10.0.0.1' })).toBe('203.0.113.66');
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66, 10.0.0.1, 10.0.0.2' })).toBe('203.0.113.66');
    uninstall?.();
    // The socket is not a trusted proxy: its own address, whatever the header says.
    trusting({ ranges: ['192.168.1.2/32'] });
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66' })).toBe('127.0.0.1');
  });

  it('is unknown when the trusted entry is not an IP address, and IPv4-mapped IPv6 reads as IPv4', async () => {
    trusting({ hops: 1 });
    expect(await ipSeen({ 'x-forwarded-for': '<script>' })).toBeNull();
    expect(await ipSeen({ 'x-forwarded-for': '203.0.113.66:4431' })).toBeNull();
    expect(await ipSeen({ 'x-forwarded-for': '::ffff:198.51.100.7' })).toBe('198.51.100.7');
    expect(await ipSeen({ 'x-forwarded-for': '2001:db8::1' })).toBe('2001:db8::1');
  });
});

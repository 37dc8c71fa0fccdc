import { unstable_doesMiddlewareMatch, unstable_getResponseFromNextConfig } from 'next/experimental/testing/server';
import { describe, expect, it, vi } from 'vitest';
import nextConfig from '@/next.config';
import { config as proxyConfig } from '@/proxy';
import {
  assetHeaders,
  contentSecurityPolicy,
  createNonce,
  requestNonce,
  securityHeaders,
  withSecurityHeaders,
  type SecurityHeaderOptions,
} from './headers';

// Only proxy.ts's `config` is read here; authkit's Next entry point does not load outside Next.
vi.mock('@workos-inc/authkit-nextjs', () => ({}));

const local: SecurityHeaderOptions = {
  appOrigin: 'http://localhost:3000',
  workosOrigin: 'http://127.0.0.1:4100',
  dev: false,
};
const deployed: SecurityHeaderOptions = {
  appOrigin: 'https://app.example.com',
  workosOrigin: 'https://api.workos.com',
  dev: false,
};

/** directive name → its sources */
function parse(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split('; ')
      .map((d) => d.split(' '))
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('createNonce', () => {
  it('is 128 random bits in base64, new every time', () => {
    const nonces = new Set(Array.from({ length: 1000 }, createNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
  });
});

describe('contentSecurityPolicy', () => {
  it('runs only scripts carrying the nonce (and what they load), and no plugin, base or framing', () => {
    const policy = parse(contentSecurityPolicy('abc', deployed));
    expect(policy.get('script-src')).toEqual(["'self'", "'nonce-abc'", "'strict-dynamic'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'nonce-abc'"]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('lets forms go to the app and to WorkOS (the no-JavaScript Sign out is redirected to its logout URL), nowhere else', () => {
    expect(parse(contentSecurityPolicy('n', deployed)).get('form-action')).toEqual([
      "'self'",
      'https://api.workos.com',
    ]);
    expect(parse(contentSecurityPolicy('n', local)).get('form-action')).toEqual(["'self'", 'http://127.0.0.1:4100']);
  });

  it('upgrades insecure requests only when the app is served over https', () => {
    expect(parse(contentSecurityPolicy('n', deployed)).has('upgrade-insecure-requests')).toBe(true);
    expect(parse(contentSecurityPolicy('n', local)).has('upgrade-insecure-requests')).toBe(false);
  });

  it('allows eval and inline styles in next dev only (React dev tooling, injected dev CSS)', () => {
    for (const options of [local, deployed]) {
      const policy = contentSecurityPolicy('n', options);
      expect(policy).not.toContain('unsafe-eval');
      expect(policy).not.toContain('unsafe-inline');
    }
    const dev = parse(contentSecurityPolicy('n', { ...local, dev: true }));
    expect(dev.get('script-src')).toEqual(["'self'", "'nonce-n'", "'strict-dynamic'", "'unsafe-eval'"]);
    // A nonce would make browsers ignore 'unsafe-inline'.
    expect(dev.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
  });
});

describe('securityHeaders', () => {
  it('sends the framing, sniffing, referrer, permissions and opener headers with the policy', () => {
    const headers = securityHeaders('n', local);
    expect(headers['Content-Security-Policy']).toBe(contentSecurityPolicy('n', local));
    expect(headers).toMatchObject({
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    const denied = headers['Permissions-Policy']!.split(', ');
    for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'hid']) {
      expect(denied).toContain(`${feature}=()`);
    }
    expect(denied.every((d) => /^[a-z-]+=\(\)$/.test(d))).toBe(true);
  });

  it('asks for HSTS (a year or more, subdomains included) only over https', () => {
    expect(securityHeaders('n', local)).not.toHaveProperty('Strict-Transport-Security');
    const hsts = securityHeaders('n', deployed)['Strict-Transport-Security'];
    expect(hsts).toMatch(/^max-age=(\d+); includeSubDomains$/);
    expect(Number(/max-age=(\d+)/.exec(hsts!)![1])).toBeGreaterThanOrEqual(31_536_000);
  });
});

describe('assetHeaders', () => {
  it('carries the fixed headers and a policy under which no script runs', () => {
    const headers = assetHeaders();
    const fixed = Object.entries(securityHeaders('n', local)).filter(([name]) => name !== 'Content-Security-Policy');
    expect(Object.entries(headers)).toEqual(expect.arrayContaining(fixed));
    const policy = parse(headers['Content-Security-Policy']!);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.has('script-src')).toBe(false);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('withSecurityHeaders', () => {
  it('sets every header, replacing one already on the response', () => {
    const response = new Response('x', { headers: { 'X-Frame-Options': 'SAMEORIGIN', 'Cache-Control': 'no-store' } });
    withSecurityHeaders(response, securityHeaders('n', local));
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("'nonce-n'");
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('requestNonce', () => {
  it('reads the nonce the proxy put in the request, and nothing that is not base64', () => {
    const nonce = createNonce();
    expect(requestNonce(new Headers({ 'content-security-policy': contentSecurityPolicy(nonce, local) }))).toBe(nonce);
    expect(requestNonce(new Headers())).toBeUndefined();
    expect(requestNonce(new Headers({ 'content-security-policy': `script-src 'nonce-"><script>'` }))).toBeUndefined();
  });
});

describe('every path gets its headers from exactly one place', () => {
  const paths = [
    '/',
    '/home',
    '/account/security',
    '/api/session',
    '/api/session/events',
    '/api/health',
    '/sign-in',
    '/callback',
    '/no-such-page',
    '/_next/data/x.json',
    '/_next/static/chunks/app.js',
    '/_next/image?url=%2Fa.png&w=64&q=75',
    '/favicon.ico',
    '/icons/a.svg',
    '/robots.txt',
  ];
  it.each(paths)('%s: the proxy or next.config, never both, never neither', async (path) => {
    const url = `http://localhost:3000${path}`;
    const byProxy = unstable_doesMiddlewareMatch({ config: proxyConfig, url, nextConfig });
    const response = await unstable_getResponseFromNextConfig({ url, nextConfig });
    const byConfig = response.headers.get('content-security-policy') === assetHeaders()['Content-Security-Policy'];
    expect({ byProxy, byConfig }).toEqual(
      path.startsWith('/_next/static') ||
        path.startsWith('/_next/image') ||
        path.startsWith('/icons/') ||
        ['/favicon.ico', '/robots.txt'].includes(path)
        ? { byProxy: false, byConfig: true }
        : { byProxy: true, byConfig: false },
    );
  });
});

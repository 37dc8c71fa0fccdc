import { NextRequest, NextResponse, type NextFetchEvent } from 'next/server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '@/lib/env';
import { askToRetry } from '@/lib/revocation/gate/refusal';

/**
 * proxy.ts in-process, its gates stubbed: whatever the gate answers, the browser security headers go with it. The
 * kinds of answer the browser tests cannot reach on demand (the fail-closed 503 of an instance that has not loaded
 * the revocation set) are checked here; e2e/security/headers.spec.ts checks the others over HTTP.
 */
const m = vi.hoisted(() => ({
  env: {} as ReturnType<typeof parseEnv>,
  refuseWhileUnknown: vi.fn<(request: NextRequest) => Promise<Response | null>>(),
}));

vi.mock('@workos-inc/authkit-nextjs', () => ({}));
vi.mock('@/lib/env', async (importOriginal) => ({ ...(await importOriginal<object>()), getEnv: () => m.env }));
vi.mock('@/lib/revocation/gate/enforce', () => ({ refuseWhileUnknown: m.refuseWhileUnknown, enforceRevocation: vi.fn() }));
vi.mock('@/lib/auth/refresh', () => ({ forgetPreviousSession: vi.fn() }));
vi.mock('@/lib/sessions/activity', () => ({}));

const { default: proxy } = await import('./proxy');

const base = {
  WORKOS_API_KEY: 'sk_test_x',
  WORKOS_CLIENT_ID: 'client_x',
  WORKOS_COOKIE_PASSWORD: 'a'.repeat(32),
  WORKOS_WEBHOOK_SECRET: 'whsec',
  NODE_ENV: 'production',
};

function request(path: string, headers: Record<string, string>) {
  return new NextRequest(new URL(path, 'http://localhost:3000'), {
    headers: { cookie: 'wos-session=sealed', ...headers, 'content-security-policy': "script-src 'nonce-forged'" },
  });
}

const nonceOf = (response: Response) =>
  /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];

describe('proxy: the fail-closed 503 carries the security headers', () => {
  beforeEach(() => {
    m.env = parseEnv({ ...base, NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback' });
    m.refuseWhileUnknown.mockImplementation(async (req) =>
      askToRetry(req as NextRequest, 5, 'temporarily_unavailable'),
    );
  });

  it('on the wait page a document gets, whose one inline style carries this response’s nonce', async () => {
    const response = await proxy(
      request('/home', { accept: 'text/html', 'sec-fetch-dest': 'document' }),
      {} as NextFetchEvent,
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+; includeSubDomains$/);
    const nonce = nonceOf(response);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const html = await response.text();
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('on the JSON a fetch gets, with a nonce of its own (the one the client sent is replaced)', async () => {
    const first = await proxy(
      request('/api/session', { accept: 'application/json', 'sec-fetch-dest': 'empty' }),
      {} as NextFetchEvent,
    );
    const second = await proxy(
      request('/api/session', { accept: 'application/json', 'sec-fetch-dest': 'empty' }),
      {} as NextFetchEvent,
    );
    expect(first.status).toBe(503);
    expect(first.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(nonceOf(first)).not.toBe('forged');
    expect(nonceOf(first)).not.toBe(nonceOf(second));
  });

  it('hands Next the same policy on the request, for the page it renders', async () => {
    let forwarded: string | null = null;
    m.refuseWhileUnknown.mockImplementation(async (req) => {
      forwarded = req.headers.get('content-security-policy');
      return NextResponse.json({}, { status: 503 });
    });
    const response = await proxy(request('/home', { accept: 'text/html' }), {} as NextFetchEvent);
    expect(forwarded).toBe(response.headers.get('content-security-policy'));
  });
});

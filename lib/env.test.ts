import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

const valid = {
  WORKOS_API_KEY: 'sk_test_x',
  WORKOS_CLIENT_ID: 'client_x',
  WORKOS_COOKIE_PASSWORD: 'a'.repeat(32),
  NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
  WORKOS_WEBHOOK_SECRET: 'whsec',
};

/** What parseEnv says is wrong with `valid` changed by `source`; empty when nothing is. */
function problems(source: Record<string, string | undefined>): string {
  try {
    parseEnv({ ...valid, ...source });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('parseEnv', () => {
  it('applies defaults and derives the app origin', () => {
    const env = parseEnv(valid);
    expect(env.appOrigin).toBe('http://localhost:3000');
    expect(env.apiHttps).toBe(true);
    expect(env.REVOCATION_SIGNALS).toBe('webhooks');
    expect(env.RECENT_AUTH_MAX_AGE_SECONDS).toBe(600);
  });

  it('treats any WORKOS_API_HTTPS other than "true" as plain http, like authkit', () => {
    expect(parseEnv({ ...valid, WORKOS_API_HTTPS: 'false' }).apiHttps).toBe(false);
    expect(parseEnv({ ...valid, WORKOS_API_HTTPS: 'true' }).apiHttps).toBe(true);
  });

  it('derives the WorkOS origin the browser is sent to, as the SDK builds it', () => {
    expect(parseEnv(valid).workosOrigin).toBe('https://api.workos.com');
    expect(parseEnv({ ...valid, WORKOS_API_HOSTNAME: '127.0.0.1', WORKOS_API_PORT: '4100', WORKOS_API_HTTPS: 'false' }).workosOrigin).toBe(
      'http://127.0.0.1:4100',
    );
  });

  it('names every missing or malformed variable', () => {
    try {
      parseEnv({ ...valid, WORKOS_COOKIE_PASSWORD: 'short', WORKOS_API_KEY: undefined, EVENTS_POLL_INTERVAL_MS: 'abc' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const message = (error as Error).message;
      expect(message).toContain('WORKOS_COOKIE_PASSWORD must be at least 32 characters');
      expect(message).toContain('WORKOS_API_KEY');
      expect(message).toContain('EVENTS_POLL_INTERVAL_MS must be a whole number');
    }
  });

  it('requires a webhook secret unless only the Events API is used', () => {
    const noSecret = { ...valid, WORKOS_WEBHOOK_SECRET: undefined };
    expect(() => parseEnv(noSecret)).toThrow(/WORKOS_WEBHOOK_SECRET is required/);
    expect(parseEnv({ ...noSecret, REVOCATION_SIGNALS: 'events' }).WORKOS_WEBHOOK_SECRET).toBeUndefined();
  });
});

describe('PROXY_MODE=stock', () => {
  it('is refused on its own: it disables revocation enforcement', () => {
    expect(() => parseEnv({ ...valid, PROXY_MODE: 'stock' })).toThrow(EnvError);
    try {
      parseEnv({ ...valid, PROXY_MODE: 'stock' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PROXY_MODE .*disables revocation enforcement/);
      expect((error as Error).message).toContain('BENCH_ALLOW_STOCK_PROXY');
    }
    expect(() => parseEnv({ ...valid, PROXY_MODE: 'stock', BENCH_ALLOW_STOCK_PROXY: 'false' })).toThrow(/PROXY_MODE/);
  });

  it('is accepted only with BENCH_ALLOW_STOCK_PROXY=true (the benchmark)', () => {
    const env = parseEnv({ ...valid, PROXY_MODE: 'stock', BENCH_ALLOW_STOCK_PROXY: 'true' });
    expect(env.PROXY_MODE).toBe('stock');
  });

  it('defaults to the enforcing proxy, which needs no allowance', () => {
    expect(parseEnv(valid).PROXY_MODE).toBe('app');
    expect(parseEnv({ ...valid, PROXY_MODE: 'app' }).BENCH_ALLOW_STOCK_PROXY).toBe(false);
  });
});

describe('session cookie options', () => {
  it('reads WORKOS_COOKIE_DOMAIN and WORKOS_COOKIE_SAMESITE as authkit does', () => {
    const env = parseEnv({ ...valid, WORKOS_COOKIE_DOMAIN: '.example.com', WORKOS_COOKIE_SAMESITE: 'Strict' });
    expect(env.WORKOS_COOKIE_DOMAIN).toBe('.example.com');
    expect(env.WORKOS_COOKIE_SAMESITE).toBe('strict');
  });

  it('defaults to a host-only, SameSite=Lax cookie; an empty domain means none', () => {
    expect(parseEnv(valid).WORKOS_COOKIE_DOMAIN).toBeUndefined();
    expect(parseEnv(valid).WORKOS_COOKIE_SAMESITE).toBe('lax');
    expect(parseEnv({ ...valid, WORKOS_COOKIE_DOMAIN: '' }).WORKOS_COOKIE_DOMAIN).toBeUndefined();
  });

  it('refuses an unknown SameSite', () => {
    expect(() => parseEnv({ ...valid, WORKOS_COOKIE_SAMESITE: 'sometimes' })).toThrow(/WORKOS_COOKIE_SAMESITE/);
  });

  it('refuses unsafe configurations, naming the variable and the fix', () => {
    expect(problems({ NODE_ENV: 'production', NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://app.example.com/callback' })).toContain(
      'NEXT_PUBLIC_WORKOS_REDIRECT_URI must be https in production',
    );
    expect(problems({ NODE_ENV: 'production', NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback' })).toBe('');
    expect(problems({ NODE_ENV: 'production', NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback' })).toBe('');
    expect(problems({ WORKOS_API_HTTPS: 'yes' })).toContain('WORKOS_API_HTTPS must be "true" or "false"');
    expect(problems({ WORKOS_API_HTTPS: 'FALSE' })).toContain('WORKOS_API_HTTPS');
    expect(problems({ REVOCATION_RETENTION_SECONDS: '600', WORKOS_ACCESS_TOKEN_MAX_AGE_SECONDS: '3600' })).toContain(
      'REVOCATION_RETENTION_SECONDS must be at least the longest access-token life',
    );
    expect(problems({ WORKOS_COOKIE_MAX_AGE: '400d' })).toContain('WORKOS_COOKIE_MAX_AGE must be a whole number');
    expect(problems({ WORKOS_COOKIE_MAX_AGE: '-1' })).toContain('WORKOS_COOKIE_MAX_AGE must be at least 0');
  });
});

describe('TRUSTED_PROXIES', () => {
  it('trusts no proxy by default', () => {
    expect(parseEnv(valid).TRUSTED_PROXIES).toEqual({ hops: 0 });
    expect(parseEnv({ ...valid, TRUSTED_PROXIES: 'none' }).TRUSTED_PROXIES).toEqual({ hops: 0 });
  });

  it('takes a hop count or a list of addresses and ranges', () => {
    expect(parseEnv({ ...valid, TRUSTED_PROXIES: '1' }).TRUSTED_PROXIES).toEqual({ hops: 1 });
    expect(parseEnv({ ...valid, TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.2/32,loopback,2001:db8::/32' }).TRUSTED_PROXIES).toEqual({
      ranges: ['10.0.0.0/8', '192.168.1.2/32', 'loopback', '2001:db8::/32'],
    });
  });

  it.each(['true', '*', '10.0.0.0/33', '10.0.0.0/8,,', 'example.com', '-1', '100'])('refuses %j, naming the variable and the fix', (value) => {
    expect(() => parseEnv({ ...valid, TRUSTED_PROXIES: value })).toThrow(/TRUSTED_PROXIES must be the number of proxies in front of the app/);
  });
});

describe('retention of personal data', () => {
  it('keeps personal data 90 days and security activity a year by default', () => {
    const env = parseEnv(valid);
    expect(env.PERSONAL_DATA_RETENTION_DAYS).toBe(90);
    expect(env.AUDIT_RETENTION_DAYS).toBe(365);
  });

  it('refuses a retention the event ledger cannot live with, or audit lines kept shorter than their addresses', () => {
    expect(() => parseEnv({ ...valid, PERSONAL_DATA_RETENTION_DAYS: '7' })).toThrow(/PERSONAL_DATA_RETENTION_DAYS must be at least 31/);
    expect(() => parseEnv({ ...valid, PERSONAL_DATA_RETENTION_DAYS: '120', AUDIT_RETENTION_DAYS: '100' })).toThrow(
      /AUDIT_RETENTION_DAYS must be at least PERSONAL_DATA_RETENTION_DAYS \(120\)/,
    );
    expect(parseEnv({ ...valid, PERSONAL_DATA_RETENTION_DAYS: '31', AUDIT_RETENTION_DAYS: '31' }).AUDIT_RETENTION_DAYS).toBe(31);
  });
});

describe('rate limits and stream caps', () => {
  it("limits requests and streams by default, and keeps a user's budget above what one session can spend", () => {
    const env = parseEnv(valid);
    expect(env).toMatchObject({
      RATE_LIMIT_PAGES_PER_SESSION: 60,
      RATE_LIMIT_PAGES_PER_USER: 180,
      RATE_LIMIT_ACTIONS_PER_SESSION: 30,
      RATE_LIMIT_ACTIONS_PER_USER: 90,
      RATE_LIMIT_SIGN_IN_PER_IP: 120,
      RATE_LIMIT_CALLBACK_PER_IP: 120,
      RATE_LIMIT_WEBHOOKS_PER_IP: 1_200,
      RATE_LIMIT_RECEIPTS_PER_IP: 600,
      SESSION_LIST_CACHE_SECONDS: 5,
      SSE_MAX_STREAMS_PER_USER: 64,
      SSE_MAX_STREAMS_PER_INSTANCE: 5_000,
    });
    // Off is not a setting: a limit is at least 1.
    expect(problems({ RATE_LIMIT_SIGN_IN_PER_IP: '0' })).toContain('RATE_LIMIT_SIGN_IN_PER_IP must be at least 1');
    expect(problems({ RATE_LIMIT_ACTIONS_PER_SESSION: '50' })).toContain(
      'RATE_LIMIT_ACTIONS_PER_USER must be at least twice RATE_LIMIT_ACTIONS_PER_SESSION (= 50)',
    );
    expect(problems({ RATE_LIMIT_PAGES_PER_USER: '100' })).toContain('RATE_LIMIT_PAGES_PER_USER must be at least twice');
    expect(problems({ RATE_LIMIT_ACTIONS_PER_SESSION: '50', RATE_LIMIT_ACTIONS_PER_USER: '100' })).toBe('');
    expect(problems({ SSE_MAX_STREAMS_PER_SESSION: '100' })).toContain('SSE_MAX_STREAMS_PER_USER must be at least SSE_MAX_STREAMS_PER_SESSION');
  });
});

import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

const valid = {
  WORKOS_API_KEY: 'sk_test_x',
  WORKOS_CLIENT_ID: 'client_x',
  WORKOS_COOKIE_PASSWORD: 'a'.repeat(32),
  NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
  WORKOS_WEBHOOK_SECRET: 'whsec',
};

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

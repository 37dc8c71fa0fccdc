/**
 * Emulator configuration, read from the environment. This is the only emulator module that reads
 * `process.env`; everything else receives an `EmulatorConfig`.
 */

export interface EmulatorConfig {
  host: string;
  port: number;
  apiKey: string;
  clientId: string;
  /** Allow-list for `redirect_uri` at the hosted sign-in page. */
  redirectUris: string[];
  webhookUrl: string | null;
  webhookSecret: string | null;
  accessTokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  /**
   * Inactivity timeout: a session with no activity (sign-in or refresh) for this long ends, as with the maximum
   * length. null (the default) is off, as in a new WorkOS environment.
   */
  sessionInactivityTimeoutSeconds: number | null;
  /** JSON file that keeps state across restarts; null keeps everything in memory. */
  stateFile: string | null;
  /**
   * Whether access tokens carry an `auth_time` claim. Off by default: WorkOS's documented session token has none
   * (the claim is optional), so the app must cope without it.
   */
  authTimeClaim: boolean;
}

export const DEFAULT_API_KEY = 'sk_test_emulator';
export const DEFAULT_CLIENT_ID = 'client_emulator';
export const DEFAULT_REDIRECT_URI = 'http://localhost:3000/callback';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid emulator configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** Parses the environment; throws a ConfigError that names every bad variable. */
export function loadConfig(env: Env = process.env): EmulatorConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name} must be a whole number (got "${raw}")`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      problems.push(`${name} must be between ${min} and ${max} (got ${value})`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, raw: string): string | null => {
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be an absolute http(s) URL (got "${raw}")`);
      return null;
    }
  };

  const host = text('EMULATOR_HOST') ?? '127.0.0.1';
  const port = int('EMULATOR_PORT', 4100, 0, 65535);
  const apiKey = text('WORKOS_API_KEY') ?? DEFAULT_API_KEY;
  const clientId = text('WORKOS_CLIENT_ID') ?? DEFAULT_CLIENT_ID;

  const redirectUris: string[] = [];
  for (const entry of (text('EMULATOR_REDIRECT_URIS') ?? DEFAULT_REDIRECT_URI).split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const parsed = url('EMULATOR_REDIRECT_URIS', trimmed);
    if (parsed) redirectUris.push(trimmed);
  }
  if (redirectUris.length === 0 && !problems.some((p) => p.startsWith('EMULATOR_REDIRECT_URIS'))) {
    problems.push('EMULATOR_REDIRECT_URIS must list at least one redirect URI');
  }

  const rawWebhookUrl = text('EMULATOR_WEBHOOK_URL');
  const webhookUrl = rawWebhookUrl === undefined ? null : url('EMULATOR_WEBHOOK_URL', rawWebhookUrl);
  const webhookSecret = text('WORKOS_WEBHOOK_SECRET') ?? null;
  if (rawWebhookUrl !== undefined && webhookSecret === null) {
    problems.push('WORKOS_WEBHOOK_SECRET is required when EMULATOR_WEBHOOK_URL is set (webhooks are signed with it)');
  }

  const accessTokenTtlSeconds = int('EMULATOR_ACCESS_TOKEN_TTL_SECONDS', DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 1, 86_400);
  const sessionMaxAgeSeconds = int('EMULATOR_SESSION_MAX_AGE_SECONDS', DEFAULT_SESSION_MAX_AGE_SECONDS, 60, 31_536_000);
  const sessionInactivityTimeoutSeconds =
    text('EMULATOR_SESSION_INACTIVITY_TIMEOUT_SECONDS') === undefined
      ? null
      : int('EMULATOR_SESSION_INACTIVITY_TIMEOUT_SECONDS', 0, 60, 31_536_000);
  const stateFile = text('EMULATOR_STATE_FILE') ?? null;
  const rawAuthTimeClaim = text('EMULATOR_AUTH_TIME_CLAIM');
  let authTimeClaim = false;
  if (rawAuthTimeClaim === 'true' || rawAuthTimeClaim === '1') authTimeClaim = true;
  else if (rawAuthTimeClaim !== undefined && rawAuthTimeClaim !== 'false' && rawAuthTimeClaim !== '0') {
    problems.push(`EMULATOR_AUTH_TIME_CLAIM must be "true" or "false" (got "${rawAuthTimeClaim}")`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    apiKey,
    clientId,
    redirectUris,
    webhookUrl,
    webhookSecret,
    accessTokenTtlSeconds,
    sessionMaxAgeSeconds,
    sessionInactivityTimeoutSeconds,
    stateFile,
    authTimeClaim,
  };
}

/**
 * The environment of the app and of the WorkOS emulator in a local stack: the ONE place their variables are
 * assembled (npm run dev, the e2e, WebKit and multi-instance suites, the benchmarks, the screenshot).
 */

export interface Credentials {
  apiKey: string;
  clientId: string;
  cookiePassword: string;
  webhookSecret: string;
}

/** Local-only credentials, one set per kind of stack: the emulator accepts whatever it is started with. */
export function localCredentials(stack: string): Credentials {
  return {
    apiKey: `sk_test_${stack}_local_emulator_only`,
    clientId: `client_${stack}_local_emulator`,
    cookiePassword: `${stack}-cookie-password-local-only-0123456789abcdef`,
    webhookSecret: `whsec_${stack}_local_emulator_only`,
  };
}

export interface AppEnvironmentOptions {
  credentials: Credentials;
  /** Where browsers reach the app: WorkOS returns them to its /callback. */
  appOrigin: string;
  emulatorPort: number;
  /** NEXT_DIST_DIR: each kind of stack keeps its own build. */
  distDir?: string;
  databasePath?: string;
  redisUrl?: string;
  /** Bearer token of /api/health/detail. */
  opsToken?: string;
}

export function appEnvironment(options: AppEnvironmentOptions): Record<string, string> {
  const { credentials, distDir, databasePath, redisUrl, opsToken } = options;
  return {
    WORKOS_API_KEY: credentials.apiKey,
    WORKOS_CLIENT_ID: credentials.clientId,
    WORKOS_COOKIE_PASSWORD: credentials.cookiePassword,
    WORKOS_WEBHOOK_SECRET: credentials.webhookSecret,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${options.appOrigin}/callback`,
    WORKOS_API_HOSTNAME: '127.0.0.1',
    WORKOS_API_PORT: String(options.emulatorPort),
    WORKOS_API_HTTPS: 'false',
    NEXT_TELEMETRY_DISABLED: '1',
    ...(distDir ? { NEXT_DIST_DIR: distDir } : {}),
    ...(databasePath ? { DATABASE_PATH: databasePath } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...(opsToken ? { OPS_TOKEN: opsToken } : {}),
  };
}

export interface EmulatorEnvironmentOptions {
  credentials: Credentials;
  port: number;
  /** The app as browsers reach it (its /callback is the one redirect URI allowed). */
  appOrigin: string;
  /** The app as the emulator reaches it with webhooks; default appOrigin. */
  webhookOrigin?: string;
  /** Default: WorkOS's (300 s). */
  accessTokenTtlSeconds?: number;
  /** Keeps users and sessions across restarts (npm run dev). */
  stateFile?: string;
}

export function emulatorEnvironment(options: EmulatorEnvironmentOptions): Record<string, string> {
  const { credentials, accessTokenTtlSeconds, stateFile } = options;
  return {
    EMULATOR_HOST: '127.0.0.1',
    EMULATOR_PORT: String(options.port),
    WORKOS_API_KEY: credentials.apiKey,
    WORKOS_CLIENT_ID: credentials.clientId,
    WORKOS_WEBHOOK_SECRET: credentials.webhookSecret,
    EMULATOR_REDIRECT_URIS: `${options.appOrigin}/callback`,
    EMULATOR_WEBHOOK_URL: `${options.webhookOrigin ?? options.appOrigin}/api/webhooks/workos`,
    ...(accessTokenTtlSeconds ? { EMULATOR_ACCESS_TOKEN_TTL_SECONDS: String(accessTokenTtlSeconds) } : {}),
    ...(stateFile ? { EMULATOR_STATE_FILE: stateFile } : {}),
  };
}

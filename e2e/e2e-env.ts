/**
 * Ports, paths and local-only credentials for the browser tests, shared by playwright.config.ts and the fixtures.
 * Both read process.env (allowed for test plumbing); every value can be overridden so parallel runs don't collide.
 */
import { DEMO_PASSWORD } from '../tools/stack/emulator-client.ts';
import { localCredentials } from '../tools/stack/environment.ts';

const env = process.env;

const appPort = Number(env.E2E_APP_PORT ?? 3100);
const emulatorPort = Number(env.E2E_EMULATOR_PORT ?? 4110);
const credentials = localCredentials('e2e');

export const e2eEnv = {
  appPort,
  emulatorPort,
  appURL: `http://localhost:${appPort}`,
  emulatorURL: `http://127.0.0.1:${emulatorPort}`,
  distDir: env.NEXT_DIST_DIR ?? '.next-e2e',
  databasePath: env.E2E_DATABASE_PATH ?? '.data/e2e/app.sqlite',
  apiKey: env.E2E_WORKOS_API_KEY ?? credentials.apiKey,
  clientId: env.E2E_WORKOS_CLIENT_ID ?? credentials.clientId,
  cookiePassword: env.E2E_COOKIE_PASSWORD ?? credentials.cookiePassword,
  webhookSecret: env.E2E_WEBHOOK_SECRET ?? credentials.webhookSecret,
  /** Bearer token of the app's operator detail (/api/health/detail). */
  opsToken: env.E2E_OPS_TOKEN ?? 'e2e-ops-token-local-only-0123456789abcdef',
  // WorkOS's default access-token lifetime; scenarios that need another set it themselves and say why.
  accessTokenTtlSeconds: Number(env.E2E_ACCESS_TOKEN_TTL_SECONDS ?? 300),
  demoPassword: DEMO_PASSWORD,
} as const;

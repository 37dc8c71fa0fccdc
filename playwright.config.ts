import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Project } from '@playwright/test';
import { e2eEnv } from './e2e/e2e-env';
import { engines } from './tools/stack/browsers.ts';

/**
 * Browser tests run against the real app (`next build` + `next start`) and the local WorkOS emulator.
 * One worker: every spec shares one emulator and resets it itself.
 */

// Node 24 (the `node` devDependency) runs the emulator's TypeScript; PATH may hold an older node.
const localNode = resolve('node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const nextBin = resolve('node_modules/next/dist/bin/next');

// `npm run test:security` (E2E_SUITE=security): the adversarial suite in e2e/security, on the same app and emulator.
const securitySuite = process.env.E2E_SUITE === 'security';

/**
 * One project per engine found on this machine (tools/stack/browsers.ts: Playwright's own browsers, else Debian's chromium
 * and firefox-esr), each running every spec. A spec that drives several engines itself (mixed-engines.spec.ts)
 * runs once, in the chromium project. The security suite runs in chromium only: it attacks the server (forged
 * requests, rate limits, webhooks, headers, tenant checks), which answers the same whatever engine sent them.
 */
const MULTI_ENGINE_SPECS = ['**/mixed-engines.spec.ts'];
const projects: Project[] = Object.values(engines)
  .filter((engine) => !securitySuite || engine.name === 'chromium')
  .map((engine) => ({
    name: engine.name,
    use: {
      browserName: engine.name,
      ...(engine.channel ? { channel: engine.channel } : {}),
      launchOptions: engine.launchOptions,
      // Over WebDriver BiDi, recording a trace doubles a test's time: CI retries a failure once, with a trace
      // (locally: --trace retain-on-failure).
      ...(engine.channel === 'moz-firefox' ? { trace: 'on-first-retry' as const } : {}),
    },
    // A project's testIgnore replaces the config's, so each lists everything it skips.
    testIgnore: securitySuite ? [] : ['security/**', ...(engine.name === 'chromium' ? [] : MULTI_ENGINE_SPECS)],
  }));

const appEnv: Record<string, string> = {
  WORKOS_API_KEY: e2eEnv.apiKey,
  WORKOS_CLIENT_ID: e2eEnv.clientId,
  WORKOS_COOKIE_PASSWORD: e2eEnv.cookiePassword,
  WORKOS_WEBHOOK_SECRET: e2eEnv.webhookSecret,
  OPS_TOKEN: e2eEnv.opsToken,
  NEXT_PUBLIC_WORKOS_REDIRECT_URI: `${e2eEnv.appURL}/callback`,
  WORKOS_API_HOSTNAME: '127.0.0.1',
  WORKOS_API_PORT: String(e2eEnv.emulatorPort),
  WORKOS_API_HTTPS: 'false',
  NEXT_DIST_DIR: e2eEnv.distDir,
  DATABASE_PATH: e2eEnv.databasePath,
  NEXT_TELEMETRY_DISABLED: '1',
  // Lifecycle specs need both WorkOS signals: webhooks, and the Events API polled about every second.
  REVOCATION_SIGNALS: process.env.REVOCATION_SIGNALS ?? 'both',
  EVENTS_POLL_INTERVAL_MS: process.env.EVENTS_POLL_INTERVAL_MS ?? '1000',
  // Types are checked by `npm run typecheck` (first step of `npm test`); the build needn't repeat it.
  NEXT_SKIP_TYPECHECK: process.env.E2E_TYPECHECK === '1' ? '0' : '1',
};

const build = process.env.E2E_SKIP_BUILD === '1' ? '' : `"${node}" "${nextBin}" build && `;

export default defineConfig({
  testDir: securitySuite ? './e2e/security' : './e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: e2eEnv.appURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
  projects,
  webServer: [
    {
      name: 'emulator',
      command: `"${node}" emulator/main.ts`,
      url: `${e2eEnv.emulatorURL}/health`,
      env: {
        EMULATOR_HOST: '127.0.0.1',
        EMULATOR_PORT: String(e2eEnv.emulatorPort),
        WORKOS_API_KEY: e2eEnv.apiKey,
        WORKOS_CLIENT_ID: e2eEnv.clientId,
        WORKOS_WEBHOOK_SECRET: e2eEnv.webhookSecret,
        EMULATOR_REDIRECT_URIS: `${e2eEnv.appURL}/callback`,
        EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${e2eEnv.appPort}/api/webhooks/workos`,
        EMULATOR_ACCESS_TOKEN_TTL_SECONDS: String(e2eEnv.accessTokenTtlSeconds),
      },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      name: 'app',
      command: `${build}"${node}" "${nextBin}" start -p ${e2eEnv.appPort}`,
      url: `${e2eEnv.appURL}/api/health`,
      env: appEnv,
      reuseExistingServer: false,
      timeout: 600_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});

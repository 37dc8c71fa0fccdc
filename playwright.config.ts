import { defineConfig, type Project } from '@playwright/test';
import { e2eEnv } from './e2e/e2e-env';
import { engines } from './tools/stack/browsers.ts';
import { appEnvironment, emulatorEnvironment } from './tools/stack/environment.ts';
import { NEXT_BIN, NODE } from './tools/stack/processes.ts';

/**
 * Browser tests run against the real app (`next build` + `next start`) and the local WorkOS emulator.
 * One worker: every spec shares one emulator and resets it itself.
 */

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
    // Debian's firefox-esr (153) crashes its content process while axe analyses /admin: that one scan is Chromium's.
    ...(engine.channel === 'moz-firefox' ? { grepInvert: /@not-on-firefox-esr/ } : {}),
  }));

const appEnv: Record<string, string> = {
  ...appEnvironment({
    credentials: e2eEnv,
    appOrigin: e2eEnv.appURL,
    emulatorPort: e2eEnv.emulatorPort,
    distDir: e2eEnv.distDir,
    databasePath: e2eEnv.databasePath,
    opsToken: e2eEnv.opsToken,
  }),
  // Lifecycle specs need both WorkOS signals: webhooks, and the Events API polled about every second.
  REVOCATION_SIGNALS: process.env.REVOCATION_SIGNALS ?? 'both',
  EVENTS_POLL_INTERVAL_MS: process.env.EVENTS_POLL_INTERVAL_MS ?? '1000',
  // Types are checked by `npm run typecheck` (first step of `npm test`); the build needn't repeat it.
  NEXT_SKIP_TYPECHECK: process.env.E2E_TYPECHECK === '1' ? '0' : '1',
};

const build = process.env.E2E_SKIP_BUILD === '1' ? '' : `"${NODE}" "${NEXT_BIN}" build && `;

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
      command: `"${NODE}" emulator/main.ts`,
      url: `${e2eEnv.emulatorURL}/health`,
      env: emulatorEnvironment({
        credentials: e2eEnv,
        port: e2eEnv.emulatorPort,
        appOrigin: e2eEnv.appURL,
        webhookOrigin: `http://127.0.0.1:${e2eEnv.appPort}`,
        accessTokenTtlSeconds: e2eEnv.accessTokenTtlSeconds,
      }),
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      name: 'app',
      command: `${build}"${NODE}" "${NEXT_BIN}" start -p ${e2eEnv.appPort}`,
      url: `${e2eEnv.appURL}/api/health`,
      env: appEnv,
      reuseExistingServer: false,
      timeout: 600_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});

import { defineConfig } from '@playwright/test';
import { engines } from '../../tools/stack/browsers.ts';

/**
 * Multi-instance tests (issue 6): `npm run test:multi`. Separate from the single-instance e2e run because they
 * need their own topology — redis-server, two `next start` instances on one shared build, the emulator with
 * webhooks pointed at instance A — which the spec starts, stops and restarts itself (global setup only builds).
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../test-results/multi-instance',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    browserName: 'chromium',
    launchOptions: engines.chromium.launchOptions,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
});

import { resolve } from 'node:path';
import { defineConfig, type Project } from '@playwright/test';
import e2e from '../../playwright.config';

/**
 * WebKit through W3C WebDriver (issue 12): `npm run test:webkit`. The app and the emulator are started exactly as
 * for the e2e run (the same webServer entries, from the repository root); E2E_SKIP_BUILD=1 reuses the e2e build.
 * Each spec drives Debian's WPE WebKit (cog) through WPEWebDriver with selenium-webdriver, and Playwright's
 * Chromium (the `chromium` project's options) as the other device.
 */
const root = resolve(import.meta.dirname, '../..');
const chromium = (e2e.projects ?? []).find((project) => project.name === 'chromium') as Project;
const webServers = Array.isArray(e2e.webServer) ? e2e.webServer : e2e.webServer ? [e2e.webServer] : [];

export default defineConfig({
  ...e2e,
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  testIgnore: [],
  outputDir: '../../test-results/webkit',
  reporter: process.env.CI ? [['list'], ['html', { open: 'never', outputFolder: '../../playwright-report/webkit' }]] : 'list',
  projects: [{ ...chromium, name: 'wpe-webkit+chromium' }],
  webServer: webServers.map((server) => ({ ...server, cwd: root })),
});

import { existsSync } from 'node:fs';
import { chromium, firefox, webkit, type BrowserType, type LaunchOptions } from '@playwright/test';

/**
 * The browser engines on this machine, and how each is launched. Shared by playwright.config.ts (one project per
 * engine), specs that launch a second engine themselves (e2e/mixed-engines.spec.ts), the multi-instance and WebKit
 * suites, the benchmarks and the screenshot script, so all launch a browser the same way.
 *
 *   chromium: Playwright's own Chromium when installed (`npx playwright install chromium`), else Debian's
 *             /usr/bin/chromium (CDP).
 *   firefox:  Playwright's own Firefox when installed, else Debian's /usr/bin/firefox-esr through Playwright's
 *             WebDriver BiDi channel `moz-firefox` (needs patches/playwright-core+1.65.1.patch, see patches/README.md).
 *   webkit:   Playwright's own WebKit only.
 * Firefox or WebKit with neither is absent: no project, and specs that need it are skipped with the reason.
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface Engine {
  name: EngineName;
  browserType: BrowserType;
  /** Playwright's browser channel, e.g. 'moz-firefox' for a system Firefox over WebDriver BiDi. */
  channel?: string;
  launchOptions: LaunchOptions;
  /** Where the browser comes from, for the run's header and skip reasons. */
  source: string;
}

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const SYSTEM_FIREFOX = '/usr/bin/firefox-esr';

const CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
  '--no-sandbox',
  '--disable-sync',
];

/** Is Playwright's own build of this browser downloaded (`npx playwright install …`)? */
function ownBuild(browser: BrowserType): boolean {
  try {
    return existsSync(browser.executablePath());
  } catch {
    return false;
  }
}

/** Chromium is always there (Playwright's error says how to install it); the others only when found. */
type Engines = { chromium: Engine } & Partial<Record<Exclude<EngineName, 'chromium'>, Engine>>;

function detect(): Engines {
  const ownChromium = ownBuild(chromium);
  const found: Engines = {
    chromium: {
      name: 'chromium',
      browserType: chromium,
      launchOptions: {
        args: CHROMIUM_ARGS,
        // Without either, Playwright's error says how to install its Chromium; `npm test` installs Debian's first.
        ...(!ownChromium && existsSync(SYSTEM_CHROMIUM) ? { executablePath: SYSTEM_CHROMIUM } : {}),
      },
      source: ownChromium ? "Playwright's Chromium" : SYSTEM_CHROMIUM,
    },
  };

  if (ownBuild(firefox)) {
    found.firefox = { name: 'firefox', browserType: firefox, launchOptions: {}, source: "Playwright's Firefox" };
  } else if (existsSync(SYSTEM_FIREFOX)) {
    found.firefox = {
      name: 'firefox',
      browserType: firefox,
      channel: 'moz-firefox',
      launchOptions: { executablePath: SYSTEM_FIREFOX },
      source: `${SYSTEM_FIREFOX} (WebDriver BiDi)`,
    };
  }

  if (ownBuild(webkit)) {
    found.webkit = { name: 'webkit', browserType: webkit, launchOptions: {}, source: "Playwright's WebKit" };
  }
  return found;
}

export const engines = detect();

/** Launches `name` exactly as its Playwright project does. */
export function launchEngine(name: EngineName, options: LaunchOptions = {}) {
  const engine = engines[name];
  if (!engine) throw new Error(`No ${name} on this machine (see tools/stack/browsers.ts)`);
  return engine.browserType.launch({
    ...engine.launchOptions,
    ...(engine.channel ? { channel: engine.channel } : {}),
    ...options,
  });
}

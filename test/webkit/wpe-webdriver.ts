import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { freePort } from '../../tools/stack/ports.ts';

/**
 * Debian's WPE WebKit (packages `cog` and `wpewebkit-driver`: WPE WebKit 2.38, a Safari 16 engine) under its W3C
 * WebDriver, driven with selenium-webdriver. Playwright cannot drive it (it needs its own patched WebKit).
 */

export const WPE_WEBDRIVER = process.env.WPE_WEBDRIVER ?? '/usr/bin/WPEWebDriver';
export const COG = process.env.WPE_BROWSER ?? '/usr/bin/cog';

export function wpeInstalled(): boolean {
  return existsSync(WPE_WEBDRIVER) && existsSync(COG);
}

/** WPE_WEBDRIVER_PORT, or the first free port of 4380–4399 (beside the e2e app and emulator ports). */
async function choosePort(): Promise<number> {
  if (process.env.WPE_WEBDRIVER_PORT) return Number(process.env.WPE_WEBDRIVER_PORT);
  return freePort(4380, 4400);
}

export interface WpeDriverServer {
  url: string;
  /** A new WebKit browser (its own cog process, cookie jar and storage). */
  newBrowser(): Promise<WebDriver>;
  stop(): Promise<void>;
}

/** Starts WPEWebDriver and resolves once its /status says it is ready. */
export async function startWpeDriver(): Promise<WpeDriverServer> {
  const port = await choosePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(WPE_WEBDRIVER, [`--port=${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`WPEWebDriver exited (${code}): ${stderr}`))),
  );
  exited.catch(() => {});

  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/status`);
      if (response.ok && ((await response.json()) as { value?: { ready?: boolean } }).value?.ready) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) await exited;
    if (Date.now() > deadline) throw new Error(`WPEWebDriver did not answer on ${url}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    async newBrowser() {
      // `--automation` lets WebDriver control cog; `--platform=headless` needs no display.
      return new Builder()
        .usingServer(url)
        .withCapabilities({
          // WPEWebDriver names the browser after its binary's name ("cog"); it refuses any other name.
          browserName: 'cog',
          'wpe:browserOptions': { binary: COG, args: ['--automation', '--platform=headless'] },
          pageLoadStrategy: 'normal',
        })
        .build();
    },
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

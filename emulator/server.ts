import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiRoutes } from './api/routes.ts';
import { createOffsetClock, type Clock } from './clock.ts';
import { loadConfig, type EmulatorConfig } from './config.ts';
import { CallLog, FaultRegistry } from './control/faults.ts';
import { handleControl } from './control/routes.ts';
import { handleDashboard } from './dashboard/routes.ts';
import { hostedRoutes } from './hosted/routes.ts';
import { dispatch, redirect, sendJson, type RequestContext } from './http.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { Store } from './store.ts';
import { DEFAULT_RETRY_POLICY, WebhookDispatcher, type WebhookRetryPolicy } from './webhooks.ts';
import { ApiError } from './wire.ts';

/** What WorkOS answers, besides the control API and the dashboard under /_emulator. */
const workosRoutes = [...hostedRoutes, ...apiRoutes];

export interface StartEmulatorOptions extends Partial<EmulatorConfig> {
  /** Time source for expiry (codes, tokens, sessions, events); defaults to real time plus an adjustable offset. */
  clock?: Clock & { advance?: (ms: number) => void; set?: (offsetMs: number) => void };
  webhookRetry?: Partial<WebhookRetryPolicy>;
  /** Receives one line per request and per webhook attempt; defaults to console.log. */
  log?: (line: string) => void;
}

export interface RunningEmulator {
  url: string;
  port: number;
  config: EmulatorConfig;
  store: Store;
  clock: Clock;
  /** Back to the seeded state and real time (same as POST /_emulator/reset). */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the emulator; config defaults are the documented ones (the environment is NOT read here). */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { clock: injectedClock, webhookRetry, log: logOption, ...overrides } = options;
  const config: EmulatorConfig = { ...loadConfig({}), ...overrides };
  const clock = injectedClock ?? createOffsetClock();
  const log = logOption ?? ((line: string) => console.log(line));
  let baseUrl = '';
  const store = new Store({ config, clock, issuer: () => `${baseUrl}/user_management/${config.clientId}` });
  const faults = new FaultRegistry();
  const calls = new CallLog();
  const idempotency = new IdempotencyKeys(clock);
  const webhooks = new WebhookDispatcher(store, { ...DEFAULT_RETRY_POLICY, ...webhookRetry }, log);
  const advance = clock.advance;
  const reset = () => {
    webhooks.cancelAll();
    faults.clear();
    calls.clear();
    idempotency.clear();
    // A moved clock would leave the app's real-time token checks out of step with the next test.
    clock.set?.(0);
    store.reset();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = req.method ?? 'GET';
    const path = url.pathname;

    if (path === '/health' && method === 'GET') {
      return sendJson(res, 200, { status: 'ok', service: 'workos-emulator', client_id: config.clientId });
    }
    if (path === '/' && method === 'GET') return redirect(res, '/_emulator/dashboard');

    if (!path.startsWith('/_emulator')) {
      calls.record(method, path);
      const fault = faults.take(method, path);
      if (fault) {
        if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.status !== null) {
          return sendJson(
            res,
            fault.status,
            fault.body ?? { message: `Injected fault (${fault.status}).`, code: 'emulator_fault' },
          );
        }
      }
    }

    // WorkOS API POSTs (not the hosted sign-in form, not the control API) honour Idempotency-Key.
    const idempotencyKey = req.headers['idempotency-key'];
    if (
      method === 'POST' &&
      typeof idempotencyKey === 'string' &&
      idempotencyKey.trim() !== '' &&
      !path.startsWith('/_emulator') &&
      path !== '/user_management/authorize' &&
      (await idempotency.replayOrRecord(idempotencyKey.trim(), res))
    ) {
      return;
    }

    const ctx: RequestContext = {
      req,
      res,
      url,
      store,
      config,
      faults,
      calls,
      advanceClock: advance ? (ms) => advance(ms) : null,
      reset,
    };
    if (await dispatch(workosRoutes, ctx)) return;
    if (await handleDashboard(ctx)) return;
    if (await handleControl(ctx)) return;
    sendJson(res, 404, { message: `Not Found: ${method} ${path}`, code: 'entity_not_found' });
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/health') log(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`);
    });
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ApiError) {
        sendJson(res, error.status, error.body);
        return;
      }
      log(`emulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendJson(res, 500, { message: 'Internal emulator error.', code: 'server_error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const publicHost =
    config.host === '0.0.0.0' || config.host === '::'
      ? '127.0.0.1'
      : config.host.includes(':')
        ? `[${config.host}]`
        : config.host;
  baseUrl = `http://${publicHost}:${port}`;

  return {
    url: baseUrl,
    port,
    config: { ...config, port },
    store,
    clock,
    reset,
    async close() {
      await webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.flush();
    },
  };
}

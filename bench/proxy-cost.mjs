/**
 * Proxy cost: requests/s and latency of an authenticated page and an API route through this app's proxy
 * (authkit + revocation gate + activity) versus authkit's stock `authkitProxy()` on the same build
 * (PROXY_MODE=stock with BENCH_ALLOW_STOCK_PROXY=true: bench/lib.mjs STOCK_PROXY_ENV; lib/env.ts refuses stock
 * without it, since it disables revocation enforcement). Both serve the same session cookie.
 */
import autocannon from 'autocannon';
import { APP, STOCK_PROXY_ENV, startApp } from './lib.mjs';

const TARGETS = [
  { name: 'page /home', path: '/home', headers: { accept: 'text/html', 'sec-fetch-dest': 'document' } },
  { name: 'API /api/session', path: '/api/session', headers: { accept: 'application/json' } },
];

function run(target, cookie, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${APP}${target.path}`, headers: { ...target.headers, cookie }, duration: seconds, connections },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** Warm up, then measure each target. */
export async function measureProxy(cookie, { seconds, connections, warmupSeconds }) {
  const out = {};
  for (const target of TARGETS) {
    await run(target, cookie, warmupSeconds, connections);
    const result = await run(target, cookie, seconds, connections);
    const ok = result['2xx'];
    if (ok === 0 || result.non2xx > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx of ${result.requests.total}`);
    out[target.name] = {
      requestsPerSecond: Math.round(result.requests.average),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors,
    };
  }
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return Math.round(((sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2) * 10) / 10;
}

/** Per target, the median of each figure over the runs of one mode. */
function medianRuns(runs) {
  const out = {};
  for (const name of Object.keys(runs[0])) {
    out[name] = {
      requestsPerSecond: median(runs.map((r) => r[name].requestsPerSecond)),
      p50Ms: median(runs.map((r) => r[name].p50Ms)),
      p99Ms: median(runs.map((r) => r[name].p99Ms)),
    };
  }
  return out;
}

const ratio = (a, b) => Math.round((a / b) * 1000) / 1000;

/**
 * Each of `modes` (name → the app's extra environment, over `baseEnv`) against authkit's stock proxy, each on a fresh `next start`
 * of the same build: in `rounds` of A B … stock stock … B A order, so drift in the machine's load hits every mode
 * alike; the median per mode and its ratio to stock per target.
 */
export async function compareWithStock({ cookie, modes, baseEnv = {}, options, rounds, log }) {
  const order = [...Object.keys(modes), 'stock'];
  const sequence = Array.from({ length: rounds }, () => [...order, ...[...order].reverse()]).flat();
  const runs = Object.fromEntries(order.map((mode) => [mode, []]));
  let app = null;
  let current = null;
  try {
    for (const [i, mode] of sequence.entries()) {
      if (mode !== current) {
        await app?.stop();
        app = await startApp({ ...baseEnv, ...(mode === 'stock' ? STOCK_PROXY_ENV : modes[mode]) });
        current = mode;
      }
      log(`proxy cost: ${mode} (run ${i + 1}/${sequence.length})`);
      runs[mode].push(await measureProxy(cookie, options));
    }
  } finally {
    await app?.stop();
  }
  const medians = Object.fromEntries(order.map((mode) => [mode, medianRuns(runs[mode])]));
  const ratios = {};
  for (const mode of Object.keys(modes)) {
    ratios[mode] = {};
    for (const [name, ours] of Object.entries(medians[mode])) {
      const stock = medians.stock[name];
      ratios[mode][name] = {
        throughput: ratio(ours.requestsPerSecond, stock.requestsPerSecond),
        p50: ratio(ours.p50Ms, stock.p50Ms),
        p99: ratio(ours.p99Ms, stock.p99Ms),
      };
    }
  }
  return { options: { ...options, rounds }, medians, ratio: ratios, runs };
}

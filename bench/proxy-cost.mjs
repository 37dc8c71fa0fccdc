/**
 * Proxy cost: requests/s, latency and CPU per request of an authenticated page and an API route through this app's
 * proxy (authkit + revocation gate + activity) versus authkit's stock `authkitProxy()` on the same build
 * (PROXY_MODE=stock with BENCH_ALLOW_STOCK_PROXY=true: bench/lib.mjs STOCK_PROXY_ENV; lib/env.ts refuses stock
 * without it, since it disables revocation enforcement). Every mode serves the same session cookie.
 *
 * Side by side: each round starts one instance per mode at once and loads them all at the same time, so whatever
 * else the shared machine does hits every mode alike. Measured one after another, the same build's throughput swung
 * 1.7× between runs on this machine, more than any difference between the proxies.
 */
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT } from '../tools/stack/processes.ts';
import { connectInspector, inspectorEnv, topSelfTime } from './inspector.mjs';
import { CONFIG, STOCK_PROXY_ENV, seedRevocations, startApp, treeCpuMs } from './lib.mjs';

const env = process.env;

const TARGETS = [
  { name: 'page /home', path: '/home', headers: { accept: 'text/html', 'sec-fetch-dest': 'document' } },
  { name: 'API /api/session', path: '/api/session', headers: { accept: 'application/json' } },
];

function load(port, target, cookie, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://localhost:${port}${target.path}`,
        headers: { ...target.headers, cookie },
        duration: seconds,
        connections,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/**
 * One target on every instance at once, after a warm-up: throughput and latency, and each instance's CPU time per
 * request — what its work costs, whereas its throughput also depends on its share of the two cores.
 */
async function measureSideBySide(instances, target, cookie, { seconds, connections, warmupSeconds }) {
  await Promise.all(instances.map(({ port }) => load(port, target, cookie, warmupSeconds, connections)));
  const cpuBefore = instances.map(({ app }) => treeCpuMs(app.child.pid));
  const results = await Promise.all(instances.map(({ port }) => load(port, target, cookie, seconds, connections)));
  return Object.fromEntries(
    instances.map(({ mode, app }, i) => {
      const result = results[i];
      if (result['2xx'] === 0 || result.non2xx > 0) {
        throw new Error(`${mode}, ${target.name}: ${result.non2xx} non-2xx of ${result.requests.total}`);
      }
      const cpuMs = treeCpuMs(app.child.pid) - cpuBefore[i];
      return [
        mode,
        {
          requestsPerSecond: Math.round(result.requests.average),
          cpuMsPerRequest: Math.round((cpuMs / result.requests.total) * 1000) / 1000,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          errors: result.errors,
        },
      ];
    }),
  );
}

/** The `q` quantile of `values` (linear between the nearest two), rounded to 1/`scale`. */
function quantile(values, q, scale) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = sorted[Math.floor(at)];
  const value = low + (sorted[Math.ceil(at)] - low) * (at - Math.floor(at));
  return Math.round(value * scale) / scale;
}

const median = (values, scale = 10) => quantile(values, 0.5, scale);

const ratio = (a, b) => Math.round((a / b) * 1000) / 1000;

/** Of one mode against stock in one round: like throughput, 1 is stock and below 1 is slower or costlier. */
const ratios = (ours, stock) => ({
  throughput: ratio(ours.requestsPerSecond, stock.requestsPerSecond),
  cpu: ratio(stock.cpuMsPerRequest, ours.cpuMsPerRequest),
  p50: ratio(ours.p50Ms, stock.p50Ms),
  p99: ratio(ours.p99Ms, stock.p99Ms),
});

const envOf = (modes, mode) => (mode === 'stock' ? STOCK_PROXY_ENV : modes[mode]);

/**
 * Each of `modes` (name → the app's extra environment, over `baseEnv`) against authkit's stock proxy, all on fresh
 * `next start`s of the same build, side by side, for `rounds` rounds: per mode and target the median of each figure,
 * and the median over rounds of each round's ratio to stock.
 */
export async function compareWithStock({ cookie, modes, baseEnv = {}, options, rounds, log }) {
  const order = ['stock', ...Object.keys(modes)];
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    log(`proxy cost: round ${round}/${rounds} side by side`);
    const instances = [];
    // Each round rotates which mode starts first, takes the first port and is loaded first.
    const rotated = order.map((_, i) => order[(i + round) % order.length]);
    try {
      for (const [i, mode] of rotated.entries()) {
        const port = CONFIG.appPort + i;
        const app = await startApp({ ...baseEnv, ...envOf(modes, mode) }, { port });
        instances.push({ mode, port, app });
      }
      const byTarget = {};
      for (const target of TARGETS) byTarget[target.name] = await measureSideBySide(instances, target, cookie, options);
      runs.push(byTarget);
    } finally {
      await Promise.all(instances.map(({ app }) => app.stop()));
    }
  }

  const medians = {};
  for (const mode of order) {
    medians[mode] = {};
    for (const target of TARGETS) {
      const figures = runs.map((run) => run[target.name][mode]);
      medians[mode][target.name] = {
        requestsPerSecond: median(figures.map((f) => f.requestsPerSecond)),
        cpuMsPerRequest: median(
          figures.map((f) => f.cpuMsPerRequest),
          1000,
        ),
        p50Ms: median(figures.map((f) => f.p50Ms)),
        p99Ms: median(figures.map((f) => f.p99Ms)),
      };
    }
  }
  const vsStock = {};
  for (const mode of Object.keys(modes)) {
    vsStock[mode] = {};
    for (const target of TARGETS) {
      const each = runs.map((run) => ratios(run[target.name][mode], run[target.name].stock));
      const throughputs = each.map((r) => r.throughput);
      vsStock[mode][target.name] = {
        ...Object.fromEntries(
          Object.keys(each[0]).map((figure) => [
            figure,
            median(
              each.map((r) => r[figure]),
              1000,
            ),
          ]),
        ),
        // How much one round's ratio varies: the resolution of the median on this machine.
        throughputQuartiles: [quantile(throughputs, 0.25, 1000), quantile(throughputs, 0.75, 1000)],
      };
    }
  }
  return { options: { ...options, rounds, sideBySide: order }, medians, ratio: vsStock, runs };
}

/**
 * Each mode alone, its API target under a CPU profile for `seconds`: the share of its busy time spent collecting
 * garbage, its heap after a collection, and its top self time — what a difference between the modes would show in.
 */
async function profileEachAlone({ cookie, modes, baseEnv, seconds, connections }) {
  const [, api] = TARGETS;
  const inspectorPort = CONFIG.appPort + 10;
  const out = {};
  for (const mode of ['stock', ...Object.keys(modes)]) {
    const app = await startApp({ ...baseEnv, ...envOf(modes, mode), ...inspectorEnv(inspectorPort) });
    const inspector = await connectInspector(inspectorPort);
    try {
      await load(CONFIG.appPort, api, cookie, 2, connections);
      const { value, profile } = await inspector.profile(() => load(CONFIG.appPort, api, cookie, seconds, connections));
      const all = topSelfTime(profile, { top: Infinity });
      out[mode] = {
        target: api.name,
        requestsPerSecond: Math.round(value.requests.average),
        gcPercent: all.find((f) => f.function === '(garbage collector)')?.percent ?? 0,
        heapUsedMb: Math.round((await inspector.memory()).heapUsed / 2 ** 20),
        top: all.slice(0, 5),
      };
    } finally {
      inspector.close();
      await app.stop();
    }
  }
  return out;
}

/**
 * This proxy, and this proxy with BENCH_PROXY_REVOKED (100,000) revocations in its set, against stock, side by side:
 * BENCH_PROXY_ROUNDS (11) rounds of BENCH_SECONDS (10) per target at BENCH_CONNECTIONS (10) per instance, serving
 * `cookie` (a session nothing revokes). Each instance has its own database.
 */
export async function proxyAgainstStock({ cookie, baseEnv = {}, log }) {
  const revoked = Number(env.BENCH_PROXY_REVOKED ?? 100_000);
  const data = join(ROOT, dirname(CONFIG.databasePath));
  const full = join(data, 'proxy-revoked.sqlite');
  seedRevocations(full, revoked);
  const modes = {
    ours: { DATABASE_PATH: join(data, 'proxy-ours.sqlite') },
    [`ours, ${revoked} revoked`]: { DATABASE_PATH: full },
  };
  const seconds = Number(env.BENCH_SECONDS ?? 10);
  const connections = Number(env.BENCH_CONNECTIONS ?? 10);
  const result = await compareWithStock({
    cookie,
    baseEnv,
    modes,
    options: { seconds, connections, warmupSeconds: 2 },
    rounds: Number(env.BENCH_PROXY_ROUNDS ?? 11),
    log,
  });
  log('proxy cost: each mode alone under a CPU profile');
  const profiles = await profileEachAlone({ cookie, modes, baseEnv, seconds, connections });
  return { revokedInSet: revoked, ...result, profiles, target: { ratio: 0.95 } };
}

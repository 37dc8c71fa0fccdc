/**
 * Proxy cost: requests/s and latency of an authenticated page and an API route through this app's proxy
 * (authkit + revocation gate + activity) versus authkit's stock `authkitProxy()` on the same build
 * (PROXY_MODE=stock with BENCH_ALLOW_STOCK_PROXY=true: bench/lib.mjs STOCK_PROXY_ENV; lib/env.ts refuses stock
 * without it, since it disables revocation enforcement). Both serve the same session cookie.
 */
import autocannon from 'autocannon';
import { APP } from './lib.mjs';

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

#!/usr/bin/env node
/**
 * Issue-4 benchmarks: `npm run bench` (Node 24). Builds once (BENCH_DIST_DIR, default .next-bench; BENCH_BUILD=1
 * rebuilds), starts the emulator and `next start` on loopback itself, and stops them at the end.
 *   0. the gate's in-memory check without HTTP (bench/registry.bench.ts, vitest bench), 100,000 revoked sessions;
 *   1. propagation to BENCH_CONTEXTS (10) browser contexts (Playwright + Chromium): revoke's return → prompt;
 *   2. propagation to BENCH_SSE_CLIENTS (1000) SSE clients of one session, BENCH_SSE_ROUNDS (3) rounds, and the
 *      server's memory per open stream;
 *   3. proxy cost: this proxy vs authkit's stock authkitProxy (PROXY_MODE=stock) on the same build, side by side
 *      (bench/proxy-cost.mjs), BENCH_PROXY_ROUNDS (3) rounds of BENCH_SECONDS (10) s per target at BENCH_CONNECTIONS
 *      (10) connections per instance after a 2 s warm-up.
 * Bounded by BENCH_MAX_SECONDS (900). Results: bench/results/revocation.json; a markdown table on stdout.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { browserPropagation, ssePropagation } from './propagation.mjs';
import { ROOT } from '../tools/stack/processes.ts';
import { compareWithStock } from './proxy-cost.mjs';
import {
  CONFIG,
  buildIfNeeded,
  gateBench,
  launchBrowser,
  machine,
  runBench,
  signedInDevice,
  startApp,
  startEmulator,
  writeResults,
} from './lib.mjs';

const env = process.env;
const CONTEXTS = Number(env.BENCH_CONTEXTS ?? 10);
const SSE_CLIENTS = Number(env.BENCH_SSE_CLIENTS ?? 1000);
const SSE_ROUNDS = Number(env.BENCH_SSE_ROUNDS ?? 3);
const SECONDS = Number(env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
const PROXY_ROUNDS = Number(env.BENCH_PROXY_ROUNDS ?? 3);
const MAX_SECONDS = Number(env.BENCH_MAX_SECONDS ?? 900);

const log = (message) => console.error(`[bench] ${message}`);

async function main() {
  const atStart = machine();
  log('registry.check micro-benchmark (vitest bench)');
  const gate = gateBench(100_000);
  await buildIfNeeded();
  rmSync(resolve(ROOT, CONFIG.databasePath, '..'), { recursive: true, force: true });

  const emulator = await startEmulator();
  let app = await startApp();
  const browser = await launchBrowser();
  const results = { machine: atStart, startedAt: new Date().toISOString(), gate };
  try {
    log(`propagation to ${CONTEXTS} browser contexts`);
    results.browsers = await browserPropagation(browser, CONTEXTS);
    log(`propagation to ${SSE_CLIENTS} SSE clients × ${SSE_ROUNDS} rounds`);
    results.sse = await ssePropagation(browser, app.child.pid, SSE_CLIENTS, SSE_ROUNDS);

    const device = await signedInDevice(browser, 'alan@example.com', '192.0.2.200');
    // A fresh server for every run: nothing left over from the streams above.
    await app.stop();
    app = null;
    const proxy = await compareWithStock({
      cookie: device.cookie,
      modes: { ours: { DATABASE_PATH: resolve(ROOT, CONFIG.databasePath, '../proxy-ours.sqlite') } },
      options: { seconds: SECONDS, connections: CONNECTIONS, warmupSeconds: 2 },
      rounds: PROXY_ROUNDS,
      log,
    });
    results.proxy = { options: proxy.options, ours: proxy.medians.ours, stock: proxy.medians.stock, ratio: proxy.ratio.ours, runs: proxy.runs };
  } finally {
    await browser.close().catch(() => {});
    await app?.stop();
    await emulator.stop();
  }

  writeResults('revocation.json', results);
  console.log(markdown(results));
}

function markdown(r) {
  const b = r.browsers;
  const s = r.sse;
  const row = (label, x) =>
    `| ${label} | ${x.fromReturn.n} | ${x.fromReturn.p50} / ${x.fromReturn.p95} / ${x.fromReturn.max} ms | ${x.fromRequest.p50} / ${x.fromRequest.p95} / ${x.fromRequest.max} ms |`;
  const lines = [
    `Machine: ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node} (load ${r.machine.loadavg.join(' / ')} at start); one \`next start\` instance, SQLite registry, loopback.`,
    '',
    `| ${r.gate.group} | mean | ops/s |`,
    '|---|---|---|',
    ...r.gate.cases.map((c) => `| ${c.name} | ${c.meanNs} ns | ${c.opsPerSecond.toLocaleString('en')} |`),
    '',
    '| propagation | n | from the revoke\'s return: p50 / p95 / max | from the revoke\'s request: p50 / p95 / max |',
    '|---|---|---|---|',
    row(`${b.contexts} browser contexts (dialog shown)`, b),
    row(`${s.clients} SSE clients of one session × ${s.rounds} rounds (\`event: revoked\` received)`, s),
    '',
    'A negative time from the return means the prompt came before the revoking page got its answer: the registry pushes at commit, while the server action still re-renders the security page.',
    '',
    `Fan-out: first to last of ${s.clients} streams told within ${s.spreadMs.join(' / ')} ms (per round).`,
    '',
    `Memory: ≈ ${r.sse.kbPerStreamMedian} KB of server RSS growth per open stream (median of ${r.sse.rounds} rounds of ${r.sse.clients}; an upper bound: it includes socket buffers and garbage not yet collected).`,
    '',
    `| proxy cost (${r.proxy.options.connections} connections, ${r.proxy.options.seconds} s, side by side, median of ${r.proxy.options.rounds} rounds) | this proxy req/s | stock req/s | ratio | CPU ms per request this / stock | p50 this / stock | p99 this / stock |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const name of Object.keys(r.proxy.ours)) {
    const o = r.proxy.ours[name];
    const k = r.proxy.stock[name];
    lines.push(
      `| ${name} | ${o.requestsPerSecond} | ${k.requestsPerSecond} | ${r.proxy.ratio[name].throughput} | ${o.cpuMsPerRequest} / ${k.cpuMsPerRequest} (${r.proxy.ratio[name].cpu}×) | ${o.p50Ms} / ${k.p50Ms} ms | ${o.p99Ms} / ${k.p99Ms} ms |`,
    );
  }
  return lines.join('\n');
}

runBench('bench', main, { maxSeconds: MAX_SECONDS });

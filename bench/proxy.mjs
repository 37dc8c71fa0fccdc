#!/usr/bin/env node
/**
 * The proxy against authkit's stock proxy alone (the last part of bench:scale, in minutes rather than half an hour):
 * `npm run bench:proxy` (Node 24; loopback only; bounded by BENCH_MAX_SECONDS, 900). One production build
 * (bench/lib.mjs), the emulator, one session signed in through the app and the hosted page, then bench/proxy-cost.mjs's
 * proxyAgainstStock: this proxy, this proxy with BENCH_PROXY_REVOKED (100,000) revocations in its set, and stock,
 * side by side, in BENCH_PROXY_ROUNDS (11) rounds; then each alone under a CPU profile. Results: bench/results/proxy.json, a table on stdout.
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { signInOverHttp } from '../tools/stack/http-client.ts';
import { ROOT } from '../tools/stack/processes.ts';
import {
  APP,
  CONFIG,
  buildIfNeeded,
  describeMachine,
  machine,
  runBench,
  startApp,
  startEmulator,
  writeResults,
} from './lib.mjs';
import { proxyAgainstStock } from './proxy-cost.mjs';

const log = (message) => console.error(`[proxy] ${message}`);

async function main() {
  const started = Date.now();
  const results = { machine: machine(), startedAt: new Date().toISOString() };
  await buildIfNeeded();
  rmSync(join(ROOT, dirname(CONFIG.databasePath)), { recursive: true, force: true });
  const emulator = await startEmulator();
  try {
    let cookie;
    const app = await startApp();
    try {
      ({ cookie } = await signInOverHttp(APP, 'alan@example.com', { userAgent: 'bench-proxy/1', ip: '192.0.2.201' }));
    } finally {
      await app.stop();
    }
    results.proxy = await proxyAgainstStock({ cookie, log });
  } finally {
    await emulator.stop();
  }
  results.seconds = Math.round((Date.now() - started) / 1000);
  results.machine.loadavgAtEnd = machine().loadavg;
  writeResults('proxy.json', results);
  console.log(table(results));
}

function table(r) {
  const lines = [
    `${describeMachine(r.machine)}; ${r.seconds} s`,
    '',
    `| mode, target (side by side, median of ${r.proxy.options.rounds} rounds × ${r.proxy.options.seconds} s, ${r.proxy.options.connections} connections each) | req/s | CPU ms per request | p50 / p99 ms | vs stock: throughput, CPU |`,
    '|---|---|---|---|---|',
  ];
  for (const [mode, targets] of Object.entries(r.proxy.medians)) {
    for (const [name, m] of Object.entries(targets)) {
      const x = r.proxy.ratio[mode]?.[name];
      lines.push(
        `| ${mode}, ${name} | ${m.requestsPerSecond} | ${m.cpuMsPerRequest} | ${m.p50Ms} / ${m.p99Ms} | ${x ? `${x.throughput}× (rounds' quartiles ${x.throughputQuartiles.join('–')}), ${x.cpu}×` : '—'} |`,
      );
    }
  }
  lines.push(
    '',
    '| alone, under a CPU profile | req/s | garbage collection | heap after GC | top self time |',
    '|---|---|---|---|---|',
  );
  for (const [mode, p] of Object.entries(r.proxy.profiles)) {
    const top = p.top.map((f) => `${f.function.replace(/ \S+:\d+$/, '')} ${f.percent}%`).join(', ');
    lines.push(`| ${mode}, ${p.target} | ${p.requestsPerSecond} | ${p.gcPercent}% | ${p.heapUsedMb} MB | ${top} |`);
  }
  return lines.join('\n');
}

runBench('bench:proxy', main, { maxSeconds: Number(process.env.BENCH_MAX_SECONDS ?? 900) });

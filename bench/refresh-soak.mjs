#!/usr/bin/env node
/**
 * Refresh soak (issue 9): `npm run bench:refresh` (Node 24; loopback only; bounded in time).
 *
 * BENCH_REFRESH_CLIENTS (200) simulated browsers, each its own user and cookie jar, run for BENCH_REFRESH_MINUTES
 * (2) per topology with BENCH_REFRESH_TOKEN_SECONDS (10 s) access tokens, against
 *   1. one instance (SQLite, no Redis: in-process single-flight), then
 *   2. two instances behind no sticky load balancer (Redis: a lock per session, the newest cookie shared), every
 *      request of a client going to A or B at random.
 * Each client does what the session guard and a person do, all on one cookie jar, concurrently:
 *   - an event stream (/api/session/events), reopened when the server closes it at token expiry (after a probe);
 *   - a status poll (/api/session) every 30 s, as in production;
 *   - a page every 2–5 s: a document load of /home or an RSC fetch of /account/security;
 *   - now and then it sleeps past its token's expiry (stream dropped, nothing sent), then wakes with its stream,
 *     a poll and a page all at the same instant — the moment a refresh race happens.
 * Nobody revokes anything, so every 401, `revoked` event or redirect to sign in is a spurious sign-out.
 * Reported per topology: spurious sign-outs (must be 0), refresh grants per session per token lifetime and spent
 * tokens presented (emulator log), the time requests waited on another's refresh (server counters, p50/p99), the
 * page latency of requests that carried a refresh vs those that did not, and "retry" answers.
 * Results: bench/results/refresh-soak.json; a markdown table on stdout.
 */
import { ensureBuild, PUBLIC_ORIGIN, startCluster } from '../tools/stack/cluster.ts';
import { EmulatorClient } from '../tools/stack/emulator-client.ts';
import { signInOverHttp } from '../tools/stack/http-client.ts';
import { jitter, SimulatedBrowser } from './simulated-browser.mjs';
import {
  APP,
  BENCH_APP_ENV,
  CONFIG,
  EMULATOR,
  buildIfNeeded,
  describeMachine,
  healthDetail,
  machine,
  runBench,
  sleep,
  startApp,
  startEmulator,
  summarize,
  writeResults,
} from './lib.mjs';

const env = process.env;
const CLIENTS = Number(env.BENCH_REFRESH_CLIENTS ?? 200);
const MINUTES = Number(env.BENCH_REFRESH_MINUTES ?? 2);
const TOKEN_SECONDS = Number(env.BENCH_REFRESH_TOKEN_SECONDS ?? 10);
const TOPOLOGIES = (env.BENCH_REFRESH_TOPOLOGIES ?? 'one,two').split(',');

const log = (message) => console.error(`[bench:refresh] ${message}`);

async function soak(name, origins, emulator, signInOrigin) {
  await emulator.reset();
  await emulator.setConfig({ access_token_ttl_seconds: TOKEN_SECONDS });
  log(`${name}: signing in ${CLIENTS} clients (one user each)`);
  const jars = [];
  for (let i = 0; i < CLIENTS; i += 10) {
    const batch = [];
    for (let j = i; j < Math.min(CLIENTS, i + 10); j++) {
      batch.push(
        (async () => {
          const email = `soak-${j}@example.com`;
          await emulator.createUser({ email, first_name: 'Soak', last_name: String(j) });
          const { jar } = await signInOverHttp(signInOrigin, email, { userAgent: `soak/${j}`, ip: `10.9.${j >> 8}.${j & 255}` });
          jars[j] = jar;
        })(),
      );
    }
    await Promise.all(batch);
  }
  const stats = { spurious: [], errors: [], retries: 0, wakeUps: 0, renewedMs: [], plainMs: [] };
  const clients = jars.map((jar, i) => new SimulatedBrowser(i, origins, jar, stats, TOKEN_SECONDS));
  const started = Date.now();
  const until = started + MINUTES * 60_000;
  log(`${name}: running ${MINUTES} min with ${TOKEN_SECONDS} s tokens`);
  await Promise.all(clients.map((c) => sleep(jitter(0, 3_000)).then(() => c.run(until))));
  const seconds = (Date.now() - started) / 1000;

  const grants = await emulator.grants();
  const bySession = new Map();
  for (const g of grants) {
    const entry = bySession.get(g.session_id) ?? { ok: 0, invalid: 0 };
    if (g.outcome === 'ok') entry.ok += 1;
    else if (g.outcome === 'invalid_grant') entry.invalid += 1;
    bySession.set(g.session_id, entry);
  }
  const perLifetime = [...bySession.values()].map((e) => e.ok / (seconds / TOKEN_SECONDS));
  const servers = await Promise.all(origins.map(healthDetail));
  const counters = {};
  for (const server of servers) {
    for (const [key, value] of Object.entries(server.refresh.counters)) counters[key] = (counters[key] ?? 0) + value;
  }
  return {
    name,
    clients: CLIENTS,
    seconds: Math.round(seconds),
    tokenSeconds: TOKEN_SECONDS,
    spuriousSignOuts: stats.spurious.length,
    spuriousDetail: stats.spurious.slice(0, 10),
    errors: stats.errors.length,
    errorDetail: stats.errors.slice(0, 10),
    wakeUps: stats.wakeUps,
    retryAnswers: stats.retries,
    grantsPerSessionPerLifetime: summarize(perLifetime),
    spentTokensPresented: [...bySession.values()].reduce((n, e) => n + e.invalid, 0),
    serverCounters: counters,
    waitedOnAnotherRefreshMs: servers.map((s) => s.refresh.waitMs),
    pageMs: { withRefresh: summarize(stats.renewedMs), without: summarize(stats.plainMs) },
  };
}

function table(results) {
  const rows = [
    '| topology | clients × minutes | spurious sign-outs | spent tokens presented | grants / session / token life (p50, max) | waited on another refresh: n, p50 / p99 | page p50 / p95 with a refresh vs without | retry answers | wake-ups |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const waits = r.waitedOnAnotherRefreshMs.map((w) => `${w.n}: ${w.p50 ?? '–'} / ${w.p99 ?? '–'} ms`).join('; ');
    rows.push(
      `| ${r.name} | ${r.clients} × ${Math.round(r.seconds / 60)} | **${r.spuriousSignOuts}** | ${r.spentTokensPresented} | ${r.grantsPerSessionPerLifetime.p50} (max ${r.grantsPerSessionPerLifetime.max}) | ${waits} | ${r.pageMs.withRefresh.p50} / ${r.pageMs.withRefresh.p95} vs ${r.pageMs.without.p50} / ${r.pageMs.without.p95} ms | ${r.retryAnswers} | ${r.wakeUps} |`,
    );
  }
  return rows.join('\n');
}

async function main() {
  const results = [];
  if (TOPOLOGIES.includes('one')) {
    await buildIfNeeded();
    const emulatorProc = await startEmulator();
    const app = await startApp({ SSE_MAX_STREAMS_PER_SESSION: '32' });
    try {
      results.push(await soak('one instance (SQLite)', [APP], new EmulatorClient(EMULATOR, CONFIG.apiKey), APP));
    } finally {
      await app.stop();
      await emulatorProc.stop();
    }
  }
  if (TOPOLOGIES.includes('two')) {
    await ensureBuild({ log });
    const cluster = await startCluster({ appEnv: BENCH_APP_ENV });
    try {
      results.push(await soak('two instances (Redis)', [cluster.a.origin, cluster.b.origin], cluster.emulator, PUBLIC_ORIGIN));
    } finally {
      await cluster.stop();
    }
  }
  const ranOn = machine();
  writeResults('refresh-soak.json', { machine: ranOn, results });
  console.log(table(results));
  console.log(`\nmachine: ${describeMachine(ranOn)}`);
  if (results.some((r) => r.spuriousSignOuts > 0)) process.exitCode = 1;
}

runBench('bench:refresh', main);

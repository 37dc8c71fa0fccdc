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
import { request as httpRequest } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../tools/stack/emulator-client.ts';
import { ensureBuild, MULTI, PUBLIC_ORIGIN, ROOT, startCluster } from '../tools/stack/cluster.ts';
import { CookieJar, signInOverHttp } from '../tools/stack/http-client.ts';
import { APP, BENCH_RATE_LIMITS, CONFIG, EMULATOR, buildIfNeeded, startApp, startEmulator, summarize } from './lib.mjs';

const env = process.env;
const CLIENTS = Number(env.BENCH_REFRESH_CLIENTS ?? 200);
const MINUTES = Number(env.BENCH_REFRESH_MINUTES ?? 2);
const TOKEN_SECONDS = Number(env.BENCH_REFRESH_TOKEN_SECONDS ?? 10);
const POLL_MS = 30_000;
const OPS_TOKEN = 'bench-ops-token-local-only-0123456789abcdef';
const TOPOLOGIES = (env.BENCH_REFRESH_TOPOLOGIES ?? 'one,two').split(',');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const jitter = (lo, hi) => lo + Math.random() * (hi - lo);
const log = (message) => console.error(`[bench:refresh] ${message}`);

class SimulatedBrowser {
  constructor(index, origins, jar, stats) {
    this.index = index;
    this.origins = origins;
    this.jar = jar;
    this.stats = stats;
    this.stopped = false;
    this.asleep = false;
    this.stream = null;
    this.signedOut = null;
  }

  origin() {
    return this.origins[Math.floor(Math.random() * this.origins.length)];
  }

  signOut(why) {
    if (this.signedOut) return;
    this.signedOut = why;
    this.stats.spurious.push({ client: this.index, why });
  }

  /** One request as the browser makes it; answers the proxy's "retry" as the session guard does. */
  async send(kind, path) {
    const headers = {
      document: { accept: 'text/html', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
      rsc: { accept: 'text/x-component', rsc: '1', 'sec-fetch-dest': 'empty' },
      poll: { accept: 'application/json', 'sec-fetch-dest': 'empty' },
    }[kind];
    for (let attempt = 0; attempt < 5; attempt++) {
      const started = performance.now();
      const response = await fetch(`${this.origin()}${path}`, {
        headers: { ...headers, cookie: this.jar.header(), 'user-agent': `soak/${this.index}` },
        redirect: 'manual',
      });
      await response.arrayBuffer();
      const ms = performance.now() - started;
      const renewed = response.headers.getSetCookie().some((c) => c.startsWith('wos-session=') && !/Max-Age=0/i.test(c));
      this.jar.store(response);
      if (response.status === 503 && response.headers.get('x-session-status') === 'retry') {
        this.stats.retries += 1;
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000 * jitter(0.75, 1.25));
        continue;
      }
      const location = response.headers.get('location') ?? '';
      if (response.status === 401 || /signed-out|authorize|sign-in/.test(location)) {
        this.signOut(`${kind} ${path} → ${response.status} ${location}`);
        return;
      }
      if (response.status >= 400) {
        this.stats.errors.push(`${kind} ${path} → ${response.status}`);
        return;
      }
      (renewed ? this.stats.renewedMs : this.stats.plainMs).push(ms);
      return;
    }
    this.stats.errors.push(`${kind} ${path}: still "retry" after 5 attempts`);
  }

  /** The guard's EventSource: reopened (after a probe) when the server ends it at token expiry. */
  openStream() {
    if (this.stopped || this.asleep || this.signedOut || this.stream) return;
    const url = new URL('/api/session/events', this.origin());
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, agent: false, headers: { cookie: this.jar.header(), accept: 'text/event-stream' } },
      (res) => {
        this.jar.store({ headers: { getSetCookie: () => [res.headers['set-cookie'] ?? []].flat() } });
        if (res.statusCode === 503 && res.headers['x-session-status'] === 'retry') {
          this.stats.retries += 1;
          res.resume();
          this.stream = null;
          setTimeout(() => this.openStream(), jitter(750, 1250));
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          this.stream = null;
          if (res.statusCode === 401) this.signOut(`stream → 401`);
          else this.stats.errors.push(`stream → ${res.statusCode}`);
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: revoked$/m.test(block)) this.signOut(`stream event: ${block.replace(/\n/g, ' ')}`);
          }
        });
        res.on('end', () => {
          if (this.stream !== req) return;
          this.stream = null;
          // As the guard: probe first (through the proxy, which refreshes), then reopen with jitter.
          void this.send('poll', '/api/session').then(() => setTimeout(() => this.openStream(), jitter(250, 1000)));
        });
        res.on('error', () => {});
      },
    );
    req.on('error', () => {
      if (this.stream === req) this.stream = null;
    });
    req.end();
    this.stream = req;
  }

  closeStream() {
    const stream = this.stream;
    this.stream = null;
    stream?.destroy();
  }

  async run(until) {
    this.openStream();
    let nextPoll = Date.now() + jitter(0, POLL_MS);
    let nextSleep = Date.now() + jitter(10_000, 60_000);
    while (Date.now() < until && !this.signedOut) {
      if (Date.now() >= nextSleep) {
        // Asleep past the token's expiry, then everything at once.
        this.asleep = true;
        this.closeStream();
        await sleep((TOKEN_SECONDS + jitter(1, 3)) * 1000);
        this.asleep = false;
        this.stats.wakeUps += 1;
        this.openStream();
        await Promise.all([this.send('poll', '/api/session'), this.send('document', '/home')]);
        nextSleep = Date.now() + jitter(20_000, 60_000);
        continue;
      }
      if (Date.now() >= nextPoll) {
        await this.send('poll', '/api/session');
        nextPoll = Date.now() + POLL_MS;
      }
      await (Math.random() < 0.5 ? this.send('document', '/home') : this.send('rsc', '/account/security'));
      await sleep(jitter(2_000, 5_000));
    }
    this.stopped = true;
    this.closeStream();
  }
}

async function detail(origin) {
  const response = await fetch(`${origin}/api/health/detail`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  if (!response.ok) throw new Error(`${origin}/api/health/detail → ${response.status}`);
  return response.json();
}

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
          const { cookie } = await signInOverHttp(signInOrigin, email, { userAgent: `soak/${j}`, ip: `10.9.${j >> 8}.${j & 255}` });
          const jar = new CookieJar();
          jar.store({ headers: { getSetCookie: () => cookie.split('; ').map((pair) => `${pair}; Path=/`) } });
          jars[j] = jar;
        })(),
      );
    }
    await Promise.all(batch);
  }
  const stats = { spurious: [], errors: [], retries: 0, wakeUps: 0, renewedMs: [], plainMs: [] };
  const clients = jars.map((jar, i) => new SimulatedBrowser(i, origins, jar, stats));
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
  const servers = await Promise.all(origins.map(detail));
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
    const app = await startApp({ OPS_TOKEN, SSE_MAX_STREAMS_PER_SESSION: '32' });
    try {
      results.push(await soak('one instance (SQLite)', [APP], new EmulatorClient(EMULATOR, CONFIG.apiKey), APP));
    } finally {
      await app.stop();
      await emulatorProc.stop();
    }
  }
  if (TOPOLOGIES.includes('two')) {
    ensureBuild({ log });
    const cluster = await startCluster({ appEnv: { OPS_TOKEN, ...BENCH_RATE_LIMITS } });
    try {
      const emulator = new EmulatorClient(cluster.emulatorURL, MULTI.apiKey);
      results.push(await soak('two instances (Redis)', [cluster.a.origin, cluster.b.origin], emulator, PUBLIC_ORIGIN));
    } finally {
      await cluster.stop();
    }
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg: loadavg().map((n) => Math.round(n * 10) / 10) };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/refresh-soak.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
  console.log(table(results));
  console.log(`\nmachine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}, load ${machine.loadavg.join(' ')}`);
  if (results.some((r) => r.spuriousSignOuts > 0)) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

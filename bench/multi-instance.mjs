#!/usr/bin/env node
/**
 * Multi-instance benchmark (issue 6): `npm run bench:multi` (Node 24; loopback only; bounded in count and time).
 *
 * Topology (tools/stack/cluster.ts): redis-server + two `next start` instances A/B (one production build,
 * separate SQLite) + the WorkOS emulator with webhooks pointed at A. Revocations start at "WorkOS"
 * (emulator → signed webhook → A), so every figure below includes nothing the app could short-cut.
 *
 * 1. Propagation, BENCH_REVOCATIONS (200) sessions, one at a time. For each: an event stream open on A and on B, and
 *    a client hammering B's /api/session with the session cookie (sequential requests). Reported, relative to the
 *    moment A's stream received `revoked` (A has committed the revocation):
 *      - B pushed:   B's stream received `revoked`
 *      - B refused:  the first 401 session_revoked from B arrived (includes that request's own round trip)
 *    and, for context, webhook → A (emulator call until A's stream got it).
 * 2. Fan-out, BENCH_ROUNDS (5) rounds: one session with BENCH_STREAMS (1000) streams on EACH instance (2,000 total,
 *    one socket each, as browser tabs); time from the revoke call until all 2,000 streams got `revoked`.
 *    Memory: RSS of each instance idle and with the streams open.
 *
 * Targets: B refuses within 50 ms p95; all 2,000 streams prompted within 1 s p95.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ensureBuild, MULTI, PUBLIC_ORIGIN, ROOT, startCluster } from '../tools/stack/cluster.ts';
import { EmulatorClient } from '../tools/stack/emulator-client.ts';
import { openEventStream, signInOverHttp } from '../tools/stack/http-client.ts';
import { BENCH_RATE_LIMITS } from './lib.mjs';

const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 600);
const deadline = Date.now() + MAX_SECONDS * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round1 = (n) => Math.round(n * 10) / 10;

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values) {
  return {
    n: values.length,
    p50: round1(percentile(values, 50)),
    p95: round1(percentile(values, 95)),
    max: round1(Math.max(...values)),
  };
}

function rssMb(pid) {
  if (!pid) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** `next start` runs the server in a child of the pid we spawned; count the whole process tree. */
function treeRssMb(pid) {
  if (!pid) return NaN;
  let total = rssMb(pid);
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) total += treeRssMb(Number(child));
  } catch {
    // process gone
  }
  return total;
}

/** CPU time (user + system, ms) of a process tree: what the fan-out costs, independent of CPU contention. */
function treeCpuMs(pid) {
  if (!pid) return NaN;
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) total += treeCpuMs(Number(child));
  } catch {
    // process gone
  }
  return total;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]);
}

async function pool(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

async function signInMany(emulator, userId, email, prefix, count) {
  const agents = Array.from({ length: count }, (_, i) => `bench/${prefix}/${i}`);
  const cookies = await pool(agents, 6, (userAgent) =>
    signInOverHttp(PUBLIC_ORIGIN, email, { userAgent, ip: '192.0.2.50' }).then((s) => s.cookie),
  );
  const sessions = await emulator.sessions(userId);
  const byAgent = new Map(sessions.filter((s) => s.status === 'active').map((s) => [s.user_agent, s.id]));
  return agents.map((ua, i) => {
    const id = byAgent.get(ua);
    if (!id) throw new Error(`no active session for ${ua}`);
    return { id, cookie: cookies[i] };
  });
}

async function propagation(cluster, emulator, userId, email) {
  const sessions = await signInMany(emulator, userId, email, 'prop', REVOCATIONS);
  const loadAtStart = round1(loadavg()[0]);
  const webhookToA = [];
  const pushedB = [];
  const refusedB = [];
  let failures = 0;
  for (const [i, session] of sessions.entries()) {
    if (Date.now() > deadline) break;
    const onA = openEventStream(cluster.a.origin, session.cookie);
    const onB = openEventStream(cluster.b.origin, session.cookie);
    try {
      await withTimeout(Promise.all([onA.connected, onB.connected]), 10_000, 'streams to connect');
      let stop = false;
      // Sequential requests to B with the session cookie until one is refused.
      const refused = (async () => {
        for (;;) {
          if (stop) return NaN;
          const response = await fetch(`${cluster.b.origin}/api/session`, { headers: { cookie: session.cookie } });
          await response.arrayBuffer();
          if (response.status === 401) return performance.now();
          if (response.status !== 200) throw new Error(`B answered ${response.status}`);
        }
      })();
      const t0 = performance.now();
      await emulator.revokeSession(session.id);
      const [a, b, r] = await withTimeout(
        Promise.all([onA.revoked, onB.revoked, refused]),
        10_000,
        'revocation to arrive',
      );
      webhookToA.push(a.at - t0);
      pushedB.push(b.at - a.at);
      refusedB.push(Math.max(0, r - a.at));
      stop = true;
    } catch (error) {
      failures++;
      console.error(`  revocation ${i}: ${error.message}`);
    } finally {
      onA.close();
      onB.close();
    }
    if ((i + 1) % 50 === 0) console.log(`  ${i + 1}/${sessions.length}`);
  }
  return {
    webhookToA: summary(webhookToA),
    pushedB: summary(pushedB),
    refusedB: summary(refusedB),
    failures,
    load1: { atStart: loadAtStart, atEnd: round1(loadavg()[0]) },
  };
}

async function fanOut(cluster, emulator, userId, email) {
  const rounds = [];
  const memory = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (Date.now() > deadline) break;
    const [session] = await signInMany(emulator, userId, email, `fan${round}`, 1);
    const idle = { a: treeRssMb(cluster.a.pid()), b: treeRssMb(cluster.b.pid()) };
    const targets = [
      ...Array.from({ length: STREAMS }, () => cluster.a.origin),
      ...Array.from({ length: STREAMS }, () => cluster.b.origin),
    ];
    const t0open = performance.now();
    const streams = await pool(targets, 100, async (origin) => {
      const s = openEventStream(origin, session.cookie);
      await withTimeout(s.connected, 30_000, 'a stream to connect');
      return s;
    });
    const openMs = performance.now() - t0open;
    const loaded = {
      a: treeRssMb(cluster.a.pid()),
      b: treeRssMb(cluster.b.pid()),
      bench: Math.round(process.memoryUsage().rss / 1048576),
    };
    const load = loadavg()[0];
    const cpu0 = { a: treeCpuMs(cluster.a.pid()), b: treeCpuMs(cluster.b.pid()) };
    const t0 = performance.now();
    await emulator.revokeSession(session.id);
    const arrivals = await withTimeout(
      Promise.all(streams.map((s) => s.revoked.then((e) => e.at))),
      20_000,
      'every stream to receive revoked',
    ).catch((error) => {
      console.error(`  round ${round}: ${error.message}`);
      return null;
    });
    const cpu = { a: treeCpuMs(cluster.a.pid()) - cpu0.a, b: treeCpuMs(cluster.b.pid()) - cpu0.b };
    for (const s of streams) s.close();
    if (arrivals) {
      const aArrivals = arrivals.slice(0, STREAMS);
      const bArrivals = arrivals.slice(STREAMS);
      rounds.push({
        allMs: Math.max(...arrivals) - t0,
        firstMs: Math.min(...arrivals) - t0,
        lastOnA: Math.max(...aArrivals) - t0,
        lastOnB: Math.max(...bArrivals) - t0,
        openMs,
        cpu,
        load,
      });
    }
    memory.push({ idle, loaded });
    console.log(
      `  round ${round + 1}/${ROUNDS}: ${arrivals ? `all ${2 * STREAMS} in ${round1(Math.max(...arrivals) - t0)} ms` : 'FAILED'}` +
        ` (CPU A ${cpu.a} ms, B ${cpu.b} ms; load ${round1(load)})` +
        ` (opening took ${Math.round(openMs)} ms; RSS A ${idle.a}→${loaded.a} MB, B ${idle.b}→${loaded.b} MB)`,
    );
    // Let the servers close the finished streams before the next round.
    await sleep(500);
  }
  return {
    streamsPerInstance: STREAMS,
    rounds: rounds.length,
    all: summary(rounds.map((r) => r.allMs)),
    first: summary(rounds.map((r) => r.firstMs)),
    lastOnA: summary(rounds.map((r) => r.lastOnA)),
    lastOnB: summary(rounds.map((r) => r.lastOnB)),
    openAll: summary(rounds.map((r) => r.openMs)),
    cpuMsA: summary(rounds.map((r) => r.cpu.a)),
    cpuMsB: summary(rounds.map((r) => r.cpu.b)),
    perRound: rounds.map((r) => ({ allMs: round1(r.allMs), cpuA: r.cpu.a, cpuB: r.cpu.b, load1: round1(r.load) })),
    memory,
    failures: ROUNDS - rounds.length,
  };
}

async function main() {
  console.log(
    `multi-instance bench: ${REVOCATIONS} revocations, ${ROUNDS} rounds × 2 × ${STREAMS} streams, ≤ ${MAX_SECONDS} s`,
  );
  ensureBuild();
  // One session opens STREAMS streams on each instance: above the per-session cap a deployment would use.
  const cluster = await startCluster({
    appEnv: { SSE_MAX_STREAMS_PER_SESSION: String(STREAMS + 16), SSE_MAX_STREAMS_PER_USER: String(STREAMS + 16), ...BENCH_RATE_LIMITS },
  });
  const started = Date.now();
  try {
    const emulator = new EmulatorClient(cluster.emulatorURL, MULTI.apiKey);
    await emulator.reset();
    const email = `bench-${Date.now()}@example.com`;
    const { id: userId } = await emulator.createUser({ email, first_name: 'Bench', last_name: 'User' });

    console.log('propagation A → B …');
    const prop = await propagation(cluster, emulator, userId, email);
    console.log('fan-out to 2 × streams …');
    const fan = await fanOut(cluster, emulator, userId, email);

    const result = {
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        loadavgAtEnd: loadavg().map(round1),
      },
      seconds: Math.round((Date.now() - started) / 1000),
      propagation: prop,
      fanOut: fan,
      targets: { refusedB_p95_ms: 50, fanOut_all_p95_ms: 1000 },
      pass: prop.refusedB.p95 <= 50 && fan.all.p95 <= 1000 && prop.failures === 0 && fan.failures === 0,
    };
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `multi-instance-${result.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));

    console.log('\nresults (ms)            n     p50     p95     max');
    const row = (label, s) =>
      console.log(
        `${label.padEnd(22)}${String(s.n).padStart(4)}${String(s.p50).padStart(8)}${String(s.p95).padStart(8)}${String(s.max).padStart(8)}`,
      );
    row('webhook → A', prop.webhookToA);
    row('A → B pushed', prop.pushedB);
    row('A → B refused', prop.refusedB);
    row(`revoke → all ${2 * STREAMS}`, fan.all);
    row('revoke → first stream', fan.first);
    row(`open ${2 * STREAMS} streams`, fan.openAll);
    row('fan-out CPU on A', fan.cpuMsA);
    row('fan-out CPU on B', fan.cpuMsB);
    console.log(
      `load average (1 min): propagation ${prop.load1.atStart}→${prop.load1.atEnd}; fan-out rounds ${fan.perRound.map((r) => r.load1).join(' ')}`,
    );
    const last = fan.memory.at(-1);
    if (last)
      console.log(
        `RSS MB: A ${last.idle.a} idle / ${last.loaded.a} with ${STREAMS} streams; B ${last.idle.b} / ${last.loaded.b}; bench ${last.loaded.bench}`,
      );
    console.log(
      `${result.pass ? 'PASS' : 'FAIL'} (targets: refused on B ≤ 50 ms p95, all streams ≤ 1000 ms p95) → ${file}`,
    );
    process.exitCode = result.pass ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

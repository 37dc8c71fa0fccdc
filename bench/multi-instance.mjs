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
import { loadavg } from 'node:os';
import { ensureBuild, PUBLIC_ORIGIN, startCluster } from '../tools/stack/cluster.ts';
import { openEventStream } from '../tools/stack/http-client.ts';
import { BENCH_APP_ENV, machine, pool, runBench, signInSessions, sleep, summarize, treeCpuMs, treeRss, writeResults } from './lib.mjs';

const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 600);
const deadline = Date.now() + MAX_SECONDS * 1000;

const round1 = (n) => Math.round(n * 10) / 10;
const treeRssMb = (pid) => Math.round(treeRss(pid) / 2 ** 20);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]);
}

function signInMany(emulator, user, tag, count) {
  return signInSessions(emulator, PUBLIC_ORIGIN, { ...user, tag: `bench/${tag}`, count, ip: () => '192.0.2.50' });
}

async function propagation(cluster, emulator, user) {
  const sessions = await signInMany(emulator, user, 'prop', REVOCATIONS);
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
    webhookToA: summarize(webhookToA),
    pushedB: summarize(pushedB),
    refusedB: summarize(refusedB),
    failures,
    load1: { atStart: loadAtStart, atEnd: round1(loadavg()[0]) },
  };
}

async function fanOut(cluster, emulator, user) {
  const rounds = [];
  const memory = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (Date.now() > deadline) break;
    const [session] = await signInMany(emulator, user, `fan${round}`, 1);
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
    all: summarize(rounds.map((r) => r.allMs)),
    first: summarize(rounds.map((r) => r.firstMs)),
    lastOnA: summarize(rounds.map((r) => r.lastOnA)),
    lastOnB: summarize(rounds.map((r) => r.lastOnB)),
    openAll: summarize(rounds.map((r) => r.openMs)),
    cpuMsA: summarize(rounds.map((r) => r.cpu.a)),
    cpuMsB: summarize(rounds.map((r) => r.cpu.b)),
    perRound: rounds.map((r) => ({ allMs: round1(r.allMs), cpuA: r.cpu.a, cpuB: r.cpu.b, load1: round1(r.load) })),
    memory,
    failures: ROUNDS - rounds.length,
  };
}

async function main() {
  console.log(
    `multi-instance bench: ${REVOCATIONS} revocations, ${ROUNDS} rounds × 2 × ${STREAMS} streams, ≤ ${MAX_SECONDS} s`,
  );
  await ensureBuild();
  // One session opens STREAMS streams on each instance: above the per-session cap a deployment would use.
  const cluster = await startCluster({
    appEnv: { ...BENCH_APP_ENV, SSE_MAX_STREAMS_PER_SESSION: String(STREAMS + 16), SSE_MAX_STREAMS_PER_USER: String(STREAMS + 16) },
  });
  const started = Date.now();
  try {
    const { emulator } = cluster;
    await emulator.reset();
    const email = `bench-${Date.now()}@example.com`;
    const user = { email, userId: (await emulator.createUser({ email, first_name: 'Bench', last_name: 'User' })).id };

    console.log('propagation A → B …');
    const prop = await propagation(cluster, emulator, user);
    console.log('fan-out to 2 × streams …');
    const fan = await fanOut(cluster, emulator, user);

    const result = {
      at: new Date().toISOString(),
      machine: machine(),
      seconds: Math.round((Date.now() - started) / 1000),
      propagation: prop,
      fanOut: fan,
      targets: { refusedB_p95_ms: 50, fanOut_all_p95_ms: 1000 },
      pass: prop.refusedB.p95 <= 50 && fan.all.p95 <= 1000 && prop.failures === 0 && fan.failures === 0,
    };
    const file = writeResults(`multi-instance-${result.at.replace(/[:.]/g, '-')}.json`, result);

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

runBench('bench:multi', main);

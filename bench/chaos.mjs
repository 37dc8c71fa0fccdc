#!/usr/bin/env node
/**
 * Chaos benchmark (issue 10): `npm run bench:chaos` (Node 24; loopback only; bounded by BENCH_MAX_SECONDS, 900).
 *
 * Two `next start` instances + redis-server + the emulator (tools/stack/cluster.ts), webhooks AND the Events
 * API on. BENCH_CHAOS_REVOCATIONS (200) sessions are ended from every initiator, a few at a time, while faults are
 * injected at random (bench/chaos-faults.mjs: WorkOS refusing or slow, Redis restarted empty, instance B restarted).
 * Initiators: the security page (the user, in a browser), the admin page (Ada, in a browser), the header's Sign out
 * (in a browser), WorkOS itself (dashboard revoke → webhook / Events API), the password-reset policy, and an
 * organization membership that ends. BENCH_CHAOS_CONTROLS (60) other sessions are never revoked.
 *
 * Reported: revocations lost (a revoked session still served by an instance, or still active at WorkOS after the
 * faults stop and the outbox drains) — must be 0; sessions wrongly signed out (controls refused) — must be 0; and
 * from each revocation's start: until both instances refuse it, and until WorkOS confirms it (p50 / p95 / max).
 * Results: bench/results/chaos.json; a markdown table on stdout.
 */
import { ensureBuild, PUBLIC_ORIGIN, startCluster } from '../tools/stack/cluster.ts';
import { sessionStatus } from '../tools/stack/http-client.ts';
import { injectFaults } from './chaos-faults.mjs';
import {
  BENCH_APP_ENV,
  describeMachine,
  healthDetail,
  launchBrowser,
  machine,
  runBench,
  signedInDevice,
  signInSessions,
  sleep,
  summarize,
  writeResults,
} from './lib.mjs';

const env = process.env;
const REVOCATIONS = Number(env.BENCH_CHAOS_REVOCATIONS ?? 200);
const CONTROLS = Number(env.BENCH_CHAOS_CONTROLS ?? 60);
const MAX_SECONDS = Number(env.BENCH_MAX_SECONDS ?? 900);

const log = (message) => console.error(`[bench:chaos] ${new Date().toISOString().slice(11, 19)} ${message}`);

// How the revocations are shared between initiators (whole sessions; policies end all of one user's at once).
const SHARE = { user: 0.2, admin: 0.15, signOut: 0.1, workos: 0.25, password: 0.15, membership: 0.15 };

let cluster;
let emulator;

async function withRetries(what, fn, tries = 6) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= tries) throw new Error(`${what}: ${error instanceof Error ? error.message : error}`);
      await sleep(500 * i);
    }
  }
}

/** A user of org_demo (so Ada can administer them) with `count` sessions signed in over HTTP, one IP each. */
async function userWithSessions(tag, count) {
  const email = `chaos-${tag}@example.com`;
  const user = await emulator.createUser({ email, first_name: 'Chaos', last_name: tag });
  const ip = (i) => `10.${i + 1}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const sessions = await signInSessions(emulator, PUBLIC_ORIGIN, { email, userId: user.id, tag: `chaos/${tag}`, count, ip });
  return { email, user, sessions };
}

/** Polls both instances until the cookie is refused on each; resolves with the time (ms) it took from `start`. */
async function refusedEverywhere(cookie, start, deadlineMs = 60_000) {
  const pending = new Set([cluster.a.origin, cluster.b.origin]);
  while (pending.size > 0) {
    for (const origin of [...pending]) {
      try {
        const { status } = await sessionStatus(origin, cookie);
        if (status === 401) pending.delete(origin);
      } catch {
        // that instance is restarting: ask again
      }
    }
    if (pending.size === 0) break;
    if (performance.now() - start > deadlineMs) return null;
    await sleep(50);
  }
  return performance.now() - start;
}

async function outboxPending(instance) {
  try {
    const body = await healthDetail(instance.origin);
    return body.workosOutbox.reduce((n, o) => n + Math.max(0, o.pending), 0);
  } catch {
    return -1;
  }
}

async function main() {
  await ensureBuild({ log });
  cluster = await startCluster({ appEnv: { ...BENCH_APP_ENV, REVOCATION_SIGNALS: 'both', EVENTS_POLL_INTERVAL_MS: '1000' } });
  emulator = cluster.emulator;
  await emulator.reset();
  const browser = await launchBrowser();
  const results = [];
  let faults;
  try {
    const counts = Object.fromEntries(Object.entries(SHARE).map(([k, v]) => [k, Math.max(2, Math.round(REVOCATIONS * v))]));
    log(`signing in ${Object.values(counts).reduce((a, b) => a + b, 0)} sessions to revoke and ${CONTROLS} controls`);
    const controls = (await userWithSessions('controls', CONTROLS)).sessions;
    const byUser = await userWithSessions('user', counts.user);
    const byAdmin = await userWithSessions('admin', counts.admin);
    const workos = await userWithSessions('workos', counts.workos);
    const passwordUsers = [];
    for (let i = 0; i < Math.ceil(counts.password / 6); i++) passwordUsers.push(await userWithSessions(`password${i}`, 6));
    const memberUsers = [];
    for (let i = 0; i < Math.ceil(counts.membership / 6); i++) memberUsers.push(await userWithSessions(`member${i}`, 6));

    // Browsers on A: the user's own device, Ada on the admin page, and devices that sign themselves out.
    const ownerDevice = await signedInDevice(browser, byUser.email, null, PUBLIC_ORIGIN);
    const adaDevice = await signedInDevice(browser, 'ada@example.com', null, PUBLIC_ORIGIN);
    const [owner, ada] = [ownerDevice.page, adaDevice.page];
    const signOutDevices = [];
    for (let i = 0; i < counts.signOut; i++) {
      signOutDevices.push(await signedInDevice(browser, 'alan@example.com', `10.99.0.${i + 1}`, PUBLIC_ORIGIN));
    }

    log('faults on; revoking');
    faults = injectFaults(cluster, log);
    const started = Date.now();
    const jobs = [];
    const record = (initiator, session, t0) => {
      const entry = { initiator, session, t0, refusedMs: null, confirmedMs: null };
      results.push(entry);
      jobs.push(refusedEverywhere(session.cookie, t0).then((ms) => (entry.refusedMs = ms)));
      return entry;
    };

    // The user, from the security page (one session at a time, by its row's IP).
    for (const s of byUser.sessions) {
      const t0 = performance.now();
      await withRetries('security page', async () => {
        await owner.goto('/account/security');
        await owner.getByRole('listitem').filter({ hasText: s.ip }).getByRole('button', { name: /^Sign out/ }).click();
        await owner.getByRole('status').filter({ hasText: /Signed out/ }).waitFor({ timeout: 15_000 });
      });
      record('user', s, t0);
    }
    // An administrator, from the admin page.
    for (const s of byAdmin.sessions) {
      const t0 = performance.now();
      await withRetries('admin page', async () => {
        await ada.goto(`/admin?email=${encodeURIComponent(byAdmin.email)}`);
        await ada.getByLabel('Reason').selectOption({ label: 'Offboarding' });
        await ada.getByRole('listitem').filter({ hasText: s.ip }).getByRole('button', { name: /^Sign out/ }).click();
        await ada.locator('#admin-result').filter({ hasText: /Signed out/ }).waitFor({ timeout: 20_000 });
      });
      record('admin', s, t0);
    }
    // Devices signing themselves out from the header.
    for (const d of signOutDevices) {
      const t0 = performance.now();
      await withRetries('header sign-out', async () => {
        if (!/signed-out/.test(d.page.url())) {
          await d.page.goto('/home');
          await d.page.getByRole('banner').getByRole('button', { name: 'Sign out', exact: true }).click();
        }
        await d.page.waitForURL(/signed-out/, { timeout: 20_000 });
      });
      record('sign_out', { cookie: d.cookie, id: null, email: 'alan@example.com' }, t0);
    }
    // WorkOS itself (dashboard revoke): the app hears it through the webhook or the Events API.
    for (const s of workos.sessions) {
      const t0 = performance.now();
      await withRetries('WorkOS revoke', () => emulator.revokeSession(s.id));
      record('workos', s, t0);
    }
    // The password-reset policy: every session of the user at once.
    for (const u of passwordUsers) {
      const t0 = performance.now();
      await withRetries('password reset', () => emulator.resetPassword(u.user.id, `a-new-password-${Math.random()}`));
      for (const s of u.sessions) record('password', s, t0);
    }
    // A membership that ends: every session of the user in that organization.
    for (const u of memberUsers) {
      const t0 = performance.now();
      await withRetries('membership ended', () => emulator.endMembership(u.user.id, 'org_demo'));
      for (const s of u.sessions) record('membership', s, t0);
    }

    await Promise.all(jobs);
    await faults.stop();
    const revokedFor = (Date.now() - started) / 1000;
    log(`revocations issued in ${Math.round(revokedFor)} s; faults off; waiting for WorkOS to confirm everything`);

    // WorkOS confirmation: the first time WorkOS lists each revoked session as ended.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const all = await emulator.sessions().catch(() => []);
      const status = new Map(all.map((s) => [s.id, s.status]));
      for (const r of results) {
        if (r.confirmedMs === null && r.session.id && status.get(r.session.id) !== 'active') r.confirmedMs = performance.now() - r.t0;
      }
      const open = results.filter((r) => r.session.id && r.confirmedMs === null).length;
      if (open === 0 && (await outboxPending(cluster.a)) === 0 && (await outboxPending(cluster.b)) === 0) break;
      await sleep(250);
    }
    // Header sign-outs: confirmed once Alan's signed-out sessions are all gone at WorkOS.
    const alanActive = (await emulator.activeSessions('alan@example.com')).length;

    // The final check: every revoked session refused on every instance and not active at WorkOS; controls untouched.
    const lost = [];
    for (const r of results) {
      for (const instance of [cluster.a, cluster.b]) {
        const { status } = await sessionStatus(instance.origin, r.session.cookie);
        if (status !== 401) lost.push({ initiator: r.initiator, instance: instance.name, status });
      }
      if (r.session.id && r.confirmedMs === null) lost.push({ initiator: r.initiator, workos: 'still active' });
    }
    if (alanActive > 0) lost.push({ initiator: 'sign_out', workos: `${alanActive} still active` });
    const wrong = [];
    for (const c of controls) {
      for (const instance of [cluster.a, cluster.b]) {
        const { status } = await sessionStatus(instance.origin, c.cookie);
        if (status !== 200) wrong.push({ instance: instance.name, status });
      }
    }
    for (const device of [ownerDevice, adaDevice, ...signOutDevices]) await device.context.close();

    const byInitiator = {};
    for (const r of results) byInitiator[r.initiator] = (byInitiator[r.initiator] ?? 0) + 1;
    const summary = {
      revocations: results.length,
      byInitiator,
      controls: controls.length,
      faults: faults.injected.reduce((acc, f) => ({ ...acc, [f.kind]: (acc[f.kind] ?? 0) + 1 }), {}),
      lost: lost.length,
      lostDetail: lost.slice(0, 20),
      wronglySignedOut: wrong.length,
      wrongDetail: wrong.slice(0, 20),
      refusedEverywhereMs: summarize(results.map((r) => r.refusedMs).filter((v) => v !== null)),
      workosConfirmedMs: summarize(results.map((r) => r.confirmedMs).filter((v) => v !== null)),
      seconds: Math.round(revokedFor),
    };
    const ranOn = machine();
    writeResults('chaos.json', { machine: ranOn, summary, faults: faults.injected });
    console.log('| revocations (by initiator) | faults injected | lost | wrongly signed out | until both instances refuse: p50 / p95 / max | until WorkOS confirms: p50 / p95 / max |');
    console.log('|---|---|---|---|---|---|');
    const fmt = (s) => `${s.p50} / ${s.p95} / ${s.max} ms`;
    console.log(
      `| ${summary.revocations} (${Object.entries(byInitiator).map(([k, v]) => `${k} ${v}`).join(', ')}) | ${Object.entries(summary.faults).map(([k, v]) => `${k} ${v}`).join(', ')} | **${summary.lost}** | **${summary.wronglySignedOut}** | ${fmt(summary.refusedEverywhereMs)} | ${fmt(summary.workosConfirmedMs)} |`,
    );
    console.log(`\nmachine: ${describeMachine(ranOn)}`);
    if (summary.lost > 0 || summary.wronglySignedOut > 0) {
      console.error(JSON.stringify({ lost: summary.lostDetail, wrong: summary.wrongDetail }, null, 2));
      process.exitCode = 1;
    }
  } finally {
    await faults?.stop();
    await browser.close().catch(() => {});
    await cluster.stop();
  }
}

runBench('bench:chaos', main, { maxSeconds: MAX_SECONDS });

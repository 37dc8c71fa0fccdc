/**
 * Propagation: time from the revoke's return (the security page's server action answering the browser that
 * asked for it) to the revoked session's prompt, (1) in real browser contexts (the blocking dialog appearing) and
 * (2) in lightweight SSE clients (node http streams with the session cookie) all on one instance; plus the
 * server's memory per open stream.
 */
import http from 'node:http';
import { APP, revokeFromSecurityPage, signedInDevice, summarize, treeRss } from './lib.mjs';

const EMAIL = 'grace@example.com';

/** Each of `count` devices idles on /home; an admin device signs them out one at a time. */
export async function browserPropagation(browser, count) {
  const admin = await signedInDevice(browser, EMAIL, '198.51.100.1');
  const devices = [];
  for (let i = 0; i < count; i++) {
    const device = await signedInDevice(browser, EMAIL, `203.0.113.${100 + i}`);
    const connected = device.page.waitForResponse((r) => r.url().endsWith('/api/session/events') && r.status() === 200);
    await device.page.goto('/home');
    await connected;
    // Bench instrumentation (not app code): note when the prompt appears.
    await device.page.evaluate(() => {
      const w = window;
      new MutationObserver((_, observer) => {
        if (document.querySelector('[role="alertdialog"]')) {
          w.promptAt = Date.now();
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    devices.push(device);
  }
  const fromReturn = [];
  const fromRequest = [];
  for (const device of devices) {
    const { requestedAt, returnedAt } = await revokeFromSecurityPage(admin, device.ip);
    const promptAt = await (await device.page.waitForFunction(() => window.promptAt, undefined, { timeout: 30_000 })).jsonValue();
    fromReturn.push(promptAt - returnedAt);
    fromRequest.push(promptAt - requestedAt);
  }
  await Promise.all([admin, ...devices].map((d) => d.context.close()));
  return {
    contexts: count,
    fromReturn: summarize(fromReturn),
    fromRequest: summarize(fromRequest),
    samples: { fromReturn, fromRequest },
  };
}

function openStream(cookie, agent) {
  return new Promise((resolve, reject) => {
    const stream = { revokedAt: null, closed: false };
    let seen = '';
    const request = http.get(`${APP}/api/session/events`, { agent, headers: { cookie, accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reject(new Error(`events answered ${response.statusCode}`));
      }
      response.setEncoding('utf8');
      let opened = false;
      stream.revoked = new Promise((resolveRevoked) => {
        response.on('data', (chunk) => {
          seen = (seen + chunk).slice(-512);
          if (!opened && seen.includes('retry:')) {
            opened = true;
            resolve(stream);
          }
          if (stream.revokedAt === null && seen.includes('event: revoked')) {
            stream.revokedAt = Date.now();
            resolveRevoked(stream.revokedAt);
          }
        });
      });
      response.on('close', () => {
        stream.closed = true;
      });
    });
    request.on('error', reject);
    stream.abort = () => request.destroy();
  });
}

async function openMany(cookie, count, agent, batch = 50) {
  const streams = [];
  for (let i = 0; i < count; i += batch) {
    streams.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openStream(cookie, agent)))));
  }
  return streams;
}

/** `clients` streams of one session on one instance; the session is revoked; every stream must hear it. */
export async function ssePropagation(browser, appPid, clients, rounds) {
  const admin = await signedInDevice(browser, EMAIL, '198.51.100.2');
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const all = [];
  const allFromRequest = [];
  const perRound = [];
  const memory = [];
  for (let round = 0; round < rounds; round++) {
    const ip = `192.0.2.${50 + round}`;
    const device = await signedInDevice(browser, EMAIL, ip);
    // Warm the route before measuring memory.
    for (const s of await openMany(device.cookie, 5, agent)) s.abort();
    await new Promise((r) => setTimeout(r, 500));
    const before = treeRss(appPid);
    const streams = await openMany(device.cookie, clients, agent);
    await new Promise((r) => setTimeout(r, 500));
    const after = treeRss(appPid);
    memory.push({ streams: clients, rssBeforeMb: before / 2 ** 20, rssAfterMb: after / 2 ** 20, bytesPerStream: (after - before) / clients });

    const { requestedAt, returnedAt } = await revokeFromSecurityPage(admin, ip);
    const times = await Promise.all(streams.map((s) => s.revoked));
    const deltas = times.map((t) => t - returnedAt);
    perRound.push({
      round,
      spreadMs: Math.max(...times) - Math.min(...times),
      fromReturn: summarize(deltas),
      fromRequest: summarize(times.map((t) => t - requestedAt)),
    });
    all.push(...deltas);
    allFromRequest.push(...times.map((t) => t - requestedAt));
    for (const s of streams) s.abort();
    await device.context.close();
  }
  await admin.context.close();
  agent.destroy();
  const bytes = memory.map((m) => m.bytesPerStream).sort((a, b) => a - b);
  return {
    clients,
    rounds,
    fromReturn: summarize(all),
    fromRequest: summarize(allFromRequest),
    perRound,
    spreadMs: perRound.map((r) => r.spreadMs),
    memory,
    kbPerStreamMedian: Math.round(bytes[Math.floor(bytes.length / 2)] / 102.4) / 10,
  };
}

/**
 * One simulated browser of the refresh soak (bench/refresh-soak.mjs): what the session guard and a person do, all
 * on one cookie jar, concurrently — an event stream reopened (after a probe) when the server ends it at token
 * expiry, a status poll every 30 s, a page every 2–5 s, and now and then a sleep past the token's expiry, then
 * everything at once. Every 401, `revoked` event or redirect to sign in is a spurious sign-out, recorded in `stats`.
 */
import { request as httpRequest } from 'node:http';
import { sleep } from './lib.mjs';

const POLL_MS = 30_000;

export const jitter = (lo, hi) => lo + Math.random() * (hi - lo);

export class SimulatedBrowser {
  constructor(index, origins, jar, stats, tokenSeconds) {
    this.index = index;
    this.tokenSeconds = tokenSeconds;
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
        await sleep((this.tokenSeconds + jitter(1, 3)) * 1000);
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

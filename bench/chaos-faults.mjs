/**
 * The faults bench/chaos.mjs injects at random, every 3–6 s, while sessions are being revoked:
 *   - WorkOS refuses revocations (503) for a few seconds, or answers them too late (9 s, past the app's 8 s);
 *   - Redis is stopped and restarted empty;
 *   - instance B is restarted once (its process killed and started again on its own database).
 */
import { sleep } from './lib.mjs';

/** Starts injecting faults into `cluster`; `stop()` ends it (and clears the emulator's faults). */
export function injectFaults(cluster, log) {
  const injected = [];
  let stopping = false;
  const running = run(cluster, log, injected, () => stopping);
  return {
    injected,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

async function run(cluster, log, injected, stopped) {
  const { emulator } = cluster;
  let bRestarted = false;
  while (!stopped()) {
    await sleep(3_000 + Math.random() * 3_000);
    if (stopped()) break;
    const roll = Math.random();
    try {
      if (roll < 0.35) {
        const ms = 2_000 + Math.random() * 3_000;
        injected.push({ at: Date.now(), kind: 'workos_503', ms: Math.round(ms) });
        await emulator.addFault({ method: 'POST', path: '/user_management/sessions/revoke', status: 503, count: 10_000 });
        await sleep(ms);
        await emulator.clearFaults();
      } else if (roll < 0.55) {
        injected.push({ at: Date.now(), kind: 'workos_slow' });
        await emulator.addFault({ method: 'POST', path: '/user_management/sessions/revoke', delay_ms: 9_000, count: 2 });
      } else if (roll < 0.85 || bRestarted) {
        injected.push({ at: Date.now(), kind: 'redis_restart' });
        await cluster.redis.stop();
        await sleep(1_500 + Math.random() * 2_000);
        await cluster.redis.restart();
      } else {
        bRestarted = true;
        injected.push({ at: Date.now(), kind: 'instance_b_restart' });
        await cluster.b.restart();
      }
    } catch (error) {
      log(`fault injection failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  await emulator.clearFaults().catch(() => {});
}

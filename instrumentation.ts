/**
 * Runs once per server process. Settles each request's client address where the socket is (lib/security/client-ip.ts),
 * starts the WorkOS outbox worker (lib/sessions/end: sessions locked out here whose end WorkOS has not confirmed are
 * asked again until it does), the Events API poller (lib/events) when REVOCATION_SIGNALS is `events` or `both`, the
 * event ledger's retrier (failed events get their next try from the ledger, whichever channel brought them), and the
 * hourly purge of personal data past its retention (lib/privacy).
 * Only in the Node.js runtime (both use node:sqlite), never during `next build`, and at most once per process (Next
 * may evaluate this file more than once).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const flag = Symbol.for('soe.instrumentation.registered');
  const holder = globalThis as { [flag]?: boolean };
  if (holder[flag]) return;
  holder[flag] = true;

  const [{ installClientIpHook }, { getEnv }] = await Promise.all([import('./lib/security/client-ip'), import('./lib/env')]);
  installClientIpHook(getEnv().TRUSTED_PROXIES);

  // The poller's timers are unref'd: it never keeps the process alive, and no signal handler is needed (adding
  // one would replace Node's default exit on SIGTERM). An event cut off mid-way is retried: see lib/events.
  const { startOutboxConfirmer } = await import('./lib/sessions/end');
  await startOutboxConfirmer();
  const { startEventsPoller, startLedgerRetrier } = await import('./lib/events/runtime');
  startEventsPoller();
  startLedgerRetrier();
  const { startPersonalDataPurge } = await import('./lib/privacy/runtime');
  startPersonalDataPurge();
}

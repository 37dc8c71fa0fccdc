import 'server-only';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';
import type { TrustedProxies } from '@/lib/env';

/**
 * The browser's address, as far as this deployment can vouch for it.
 *
 * `next start` passes a client's own X-Forwarded-For through untouched (it fills the header from the socket only
 * when it is absent), and neither the proxy nor a route handler ever sees the socket. So the address is settled
 * where the socket is: a subscriber to Node's `http.server.request.start` channel (installed by instrumentation.ts)
 * walks X-Forwarded-For inwards from the socket through TRUSTED_PROXIES only (proxy-addr), and writes the result
 * in CLIENT_IP_HEADER, tagged with a secret of this process. Whatever a client sent under that name is
 * overwritten, and readers accept only a tagged value: a request that reached Node before the hook was installed
 * (the server listens before instrumentation runs) has no known address, never a forged one.
 */
export const CLIENT_IP_HEADER = 'x-soe-client-ip';

const CHANNEL = 'http.server.request.start';

const key = Symbol.for('soe.client-ip');
type Holder = { [key]?: { tag: Buffer; uninstall: (() => void) | null } };

function state() {
  const holder = globalThis as Holder;
  // One tag per process: the hook and every reader (the proxy's and the routes' bundles) share globalThis.
  return (holder[key] ??= { tag: Buffer.from(randomBytes(24).toString('base64url')), uninstall: null });
}

function trustOf(trust: TrustedProxies): (address: string, hop: number) => boolean {
  if ('ranges' in trust) return proxyaddr.compile(trust.ranges);
  return (_address, hop) => hop < trust.hops;
}

/** The first untrusted address, normalised (IPv4-mapped IPv6 as IPv4); null when it is not an IP address. */
function addressOf(request: IncomingMessage, trusted: (address: string, hop: number) => boolean): string | null {
  const address = proxyaddr(request, trusted);
  return address && ipaddr.isValid(address) ? ipaddr.process(address).toString() : null;
}

/**
 * Settles the client address of every request this process serves (see CLIENT_IP_HEADER). Idempotent; returns the
 * uninstall function.
 */
export function installClientIpHook(trust: TrustedProxies): () => void {
  const s = state();
  if (s.uninstall) return s.uninstall;
  const trusted = trustOf(trust);
  const tag = s.tag.toString();
  const onRequest = (message: unknown) => {
    const request = (message as { request: IncomingMessage }).request;
    let address: string | null = null;
    try {
      address = addressOf(request, trusted);
    } catch {
      // IMPORTANT: a subscriber that throws takes the whole process down; an unknown address is the worst case.
    }
    request.headers[CLIENT_IP_HEADER] = `${tag} ${address ?? ''}`;
  };
  subscribe(CHANNEL, onRequest);
  s.uninstall = () => {
    unsubscribe(CHANNEL, onRequest);
    s.uninstall = null;
  };
  return s.uninstall;
}

/** The request's client address as the hook settled it; null when unknown (no hook, or a value it did not write). */
export function clientIp(headers: Headers): string | null {
  const value = headers.get(CLIENT_IP_HEADER);
  if (!value) return null;
  const space = value.indexOf(' ');
  if (space < 0) return null;
  const { tag } = state();
  const given = Buffer.from(value.slice(0, space));
  if (given.length !== tag.length || !timingSafeEqual(given, tag)) return null;
  return value.slice(space + 1) || null;
}

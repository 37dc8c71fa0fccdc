import { newId } from '../ids.ts';
import { optionalString, readInteger, requiredString } from '../params.ts';
import { unprocessable } from '../wire.ts';

export interface Fault {
  id: string;
  method: string | null;
  path: string;
  status: number | null;
  body: unknown;
  delayMs: number;
  remaining: number;
}

/** Injected failures for the WorkOS-facing routes: a status and/or a delay for the next N calls. */
export class FaultRegistry {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults;
  }

  /** Finds the first fault for this call and counts it down. */
  take(method: string, path: string): Fault | null {
    const fault = this.faults.find((f) => (f.method === null || f.method === method) && pathMatches(f.path, path));
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }
}

/** How many calls each WorkOS-facing route received since the last reset (what a rate limit must bound). */
export class CallLog {
  private counts = new Map<string, { method: string; path: string; count: number }>();

  record(method: string, path: string): void {
    const key = `${method} ${path}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { method, path, count: 1 });
  }

  clear(): void {
    this.counts.clear();
  }

  /** Every route called, or those matching `pattern` (exact, or `*` wildcards as for faults) and `method`. */
  list(pattern: string | null, method: string | null): { method: string; path: string; count: number }[] {
    return [...this.counts.values()].filter(
      (c) => (!pattern || pathMatches(pattern, c.path)) && (!method || c.method === method.toUpperCase()),
    );
  }
}

/** Exact path, or `*` as a wildcard (e.g. `/user_management/users/*\/sessions`). */
function pathMatches(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return pattern === path;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^?]*');
  return new RegExp(`^${source}$`).test(path);
}

export function faultJson(fault: Fault) {
  return {
    id: fault.id,
    method: fault.method,
    path: fault.path,
    status: fault.status,
    body: fault.body,
    delay_ms: fault.delayMs,
    count: fault.remaining,
  };
}

/** A fault from the control API's or the dashboard's fields. */
export function parseFault(params: Record<string, unknown>, now: number): Fault {
  const path = requiredString(params, 'path');
  if (!path.startsWith('/')) throw unprocessable('path', 'path must start with /');
  if (path.startsWith('/_emulator') || path === '/health')
    throw unprocessable('path', 'faults cannot target the control API');
  const method = optionalString(params, 'method')?.toUpperCase() ?? null;
  const status = params.status === undefined || params.status === null ? null : readInteger(params, 'status', 100, 599);
  const delayMs =
    params.delay_ms === undefined || params.delay_ms === null ? 0 : readInteger(params, 'delay_ms', 0, 120_000);
  const count = params.count === undefined ? 1 : readInteger(params, 'count', 1, 10_000);
  if (status === null && delayMs === 0) throw unprocessable('status', 'a fault needs a status or a delay_ms');
  return { id: newId('fault', now), method, path, status, body: params.body ?? null, delayMs, remaining: count };
}

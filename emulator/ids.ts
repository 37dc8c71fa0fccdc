import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(time: number): string {
  let out = '';
  let rest = time;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function freshRandom(): number[] {
  return Array.from(randomBytes(16), (b) => b % 32);
}

/** Increments a base-32 digit array in place; returns false on overflow. */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = digits[i] ?? 0;
    if (digit < 31) {
      digits[i] = digit + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

/**
 * A monotonic ULID (26 Crockford base-32 characters): ids made later always sort after ids made
 * earlier, even within one millisecond or when an injected clock stands still. Cursor pagination
 * relies on this ordering.
 */
function ulid(now: number): string {
  let time = Math.max(Math.floor(now), lastTime);
  if (time === lastTime) {
    if (!increment(lastRandom)) {
      time += 1;
      lastRandom = freshRandom();
    }
  } else {
    lastRandom = freshRandom();
  }
  lastTime = time;
  return encodeTime(time) + lastRandom.map((d) => CROCKFORD[d]).join('');
}

/** Makes sure ids created from now on sort after `id` (used after loading persisted state). */
export function observeId(id: string): void {
  const body = id.slice(id.lastIndexOf('_') + 1);
  if (body.length !== 26) return;
  let time = 0;
  for (const char of body.slice(0, 10)) {
    const value = CROCKFORD.indexOf(char);
    if (value < 0) return;
    time = time * 32 + value;
  }
  if (time > lastTime) {
    lastTime = time;
    lastRandom = Array.from(body.slice(10), (c) => Math.max(0, CROCKFORD.indexOf(c)));
  }
}

export function newId(prefix: string, now: number): string {
  return `${prefix}_${ulid(now)}`;
}

/** An opaque random secret (authorization codes, refresh tokens). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

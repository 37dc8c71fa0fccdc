import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether `authorization` is `Bearer <expected>`, compared in constant time (hashes of equal length). */
export function isBearer(authorization: string | null, expected: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(expected));
}

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashSessionId } from './hash';

const direct = (id: string) => createHash('sha256').update(`workos-session:${id}`).digest('hex').slice(0, 32);

describe('hashSessionId', () => {
  it('is 128 bits of SHA-256, the same on every call (remembered or not)', () => {
    for (let i = 0; i < 3; i++) expect(hashSessionId('session_01ABC')).toBe(direct('session_01ABC'));
    expect(hashSessionId('session_01ABC')).toMatch(/^[0-9a-f]{32}$/);
    expect(hashSessionId('session_01ABD')).not.toBe(hashSessionId('session_01ABC'));
  });

  it('stays correct past its cache limit', () => {
    const ids = Array.from({ length: 10_050 }, (_, i) => `session_${i}`);
    for (const id of ids) hashSessionId(id);
    for (const id of [ids[0]!, ids[5_000]!, ids.at(-1)!]) expect(hashSessionId(id)).toBe(direct(id));
  });
});

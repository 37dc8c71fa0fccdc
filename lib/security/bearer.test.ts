import { describe, expect, it } from 'vitest';
import { isBearer } from './bearer';

describe('isBearer', () => {
  const token = 'x'.repeat(40);
  it('accepts exactly "Bearer <token>"', () => {
    expect(isBearer(`Bearer ${token}`, token)).toBe(true);
    expect(isBearer(`bearer ${token}`, token)).toBe(true);
  });
  it('refuses anything else, including prefixes and extensions of the token', () => {
    for (const header of [null, '', token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, `Bearer ${token} x`]) {
      expect(isBearer(header, token)).toBe(false);
    }
  });
});

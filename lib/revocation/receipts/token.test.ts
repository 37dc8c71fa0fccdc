import { describe, expect, it } from 'vitest';
import { secretBox } from '@/lib/security/aead';
import { MAX_RECEIPT_TOKEN_LENGTH, openReceipt, sealReceipt } from './token';

const box = secretBox('a-cookie-password-of-at-least-32-chars!', 'revocation-receipt/v1');
const claim = { sessionHash: 'a'.repeat(32), userId: 'user_ada', revokedAt: 1_764_000_000_000 };

describe('receipt tokens', () => {
  it('open to the claim they were sealed with', () => {
    expect(openReceipt(box, sealReceipt(box, claim))).toEqual(claim);
  });

  it('refuse a token altered by one character, sealed for another purpose or key, or not sealed at all', () => {
    const token = sealReceipt(box, claim);
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    expect(openReceipt(box, flipped)).toBeNull();
    expect(openReceipt(box, sealReceipt(secretBox('a-cookie-password-of-at-least-32-chars!', 'event-ledger/v1'), claim))).toBeNull();
    expect(openReceipt(box, sealReceipt(secretBox('another-password-of-at-least-32-chars!!', 'revocation-receipt/v1'), claim))).toBeNull();
    expect(openReceipt(box, 'not-a-token')).toBeNull();
    expect(openReceipt(box, '')).toBeNull();
  });

  it('refuse what this app sealed in another shape, and anything too long to be a receipt', () => {
    expect(openReceipt(box, box.seal(JSON.stringify({ h: 'not-a-hash', u: 'user_ada', t: 1 })))).toBeNull();
    expect(openReceipt(box, box.seal('not json'))).toBeNull();
    expect(sealReceipt(box, claim).length).toBeLessThan(MAX_RECEIPT_TOKEN_LENGTH);
    expect(openReceipt(box, 'A'.repeat(MAX_RECEIPT_TOKEN_LENGTH + 1))).toBeNull();
  });
});

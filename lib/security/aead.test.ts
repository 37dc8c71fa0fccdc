import { describe, expect, it } from 'vitest';
import { secretBox } from './aead';

describe('secretBox', () => {
  const box = secretBox('a-cookie-password-of-at-least-32-characters!', 'event-ledger/v1');

  it('seals text so that it is not readable, and opens it again', () => {
    const sealed = box.seal('{"id":"session_01ABC"}');
    expect(sealed).not.toContain('session_01ABC');
    expect(box.seal('same')).not.toBe(box.seal('same'));
    expect(box.open(sealed)).toBe('{"id":"session_01ABC"}');
  });

  it('opens nothing altered, truncated, sealed for another purpose or under another secret', () => {
    const sealed = box.seal('text');
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    expect(box.open(flipped.toString('base64url'))).toBeNull();
    expect(box.open(sealed.slice(0, 20))).toBeNull();
    expect(box.open('{"not":"sealed"}')).toBeNull();
    expect(secretBox('a-cookie-password-of-at-least-32-characters!', 'other/v1').open(sealed)).toBeNull();
    expect(secretBox('another-cookie-password-of-32-characters!!', 'event-ledger/v1').open(sealed)).toBeNull();
  });
});

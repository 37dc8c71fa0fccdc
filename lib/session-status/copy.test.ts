import { describe, expect, it } from 'vitest';
import { promptFor, REASON_COPY } from './copy';
import { ENDED_REASONS, isRevocationReason, parseEndedReason, parseSignedOutReason, SIGNED_OUT_REASONS } from './reasons';

/** What /signed-out shows for `?reason=` as the browser sends it. */
function signedOutPage(reason: unknown) {
  const parsed = parseSignedOutReason(reason);
  return { reason: parsed, ...REASON_COPY[parsed] };
}

describe('/signed-out copy', () => {
  it.each(SIGNED_OUT_REASONS)('explains %s', (reason) => {
    const message = signedOutPage(reason);
    expect(message.reason).toBe(reason);
    expect(message.title.length).toBeGreaterThan(5);
    expect(message.body.length).toBeGreaterThan(10);
  });

  it('says “another device” for signed_out_elsewhere', () => {
    expect(signedOutPage('signed_out_elsewhere').body).toMatch(/another device/);
  });

  it.each([undefined, '', 'toString', '__proto__', ['admin']])('falls back for %j', (reason) => {
    expect(signedOutPage(reason).reason).toBe('session_revoked');
  });
});

describe('the sign-in prompt’s sentence', () => {
  it('has human text for every reason and a generic one for anything else', () => {
    expect(promptFor('signed_out_elsewhere')).toBe('You signed out this device from another device.');
    expect(promptFor('user_deleted')).toBe('Your account no longer exists.');
    expect(promptFor(parseEndedReason('constructor'))).toBe('Your session has ended.');
    expect(promptFor(parseEndedReason(null))).toBe('Your session has ended.');
    expect(isRevocationReason('toString')).toBe(false);
    for (const reason of ENDED_REASONS) expect(promptFor(reason)).toMatch(/\.$/);
  });
});

import { describe, expect, it } from 'vitest';
import { signedOutMessage } from './messages';

describe('signedOutMessage', () => {
  it.each([
    'signed_out',
    'signed_out_elsewhere',
    'signed_out_everywhere',
    'admin',
    'password_changed',
    'revoked_at_workos',
    'user_deleted',
    'refresh_failed',
    'session_revoked',
  ])('explains %s', (reason) => {
    const message = signedOutMessage(reason);
    expect(message.reason).toBe(reason);
    expect(message.body.length).toBeGreaterThan(10);
  });

  it('says “another device” for signed_out_elsewhere', () => {
    expect(signedOutMessage('signed_out_elsewhere').body).toMatch(/another device/);
  });

  it.each([undefined, '', 'toString', '__proto__', ['admin']])('falls back for %j', (reason) => {
    expect(signedOutMessage(reason).reason).toBe('session_revoked');
  });
});

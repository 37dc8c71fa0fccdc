import { describe, expect, it } from 'vitest';
import { describeSignInMethod } from './auth-method';

describe('describeSignInMethod (the one wording of sign-in methods on every page)', () => {
  it("words the session's auth_method", () => {
    expect(describeSignInMethod('password')).toBe('Password');
    expect(describeSignInMethod('sso')).toBe('Single sign-on');
    expect(describeSignInMethod('magic_code')).toBe('Email code');
    expect(describeSignInMethod('oauth')).toBe('Social sign-in');
  });

  it('prefers the precise method recorded at sign-in, naming the provider', () => {
    expect(describeSignInMethod('oauth', 'GoogleOAuth')).toBe('Google');
    expect(describeSignInMethod('oauth', 'SomeNewOAuth')).toBe('SomeNew');
    expect(describeSignInMethod('magic_code', 'MagicAuth')).toBe('Email code');
    expect(describeSignInMethod('sso', 'SSO')).toBe('Single sign-on');
  });

  it('says so when nothing is known, rather than guessing', () => {
    expect(describeSignInMethod(null)).toBe('Unknown method');
    expect(describeSignInMethod('something_new')).toBe('Unknown method');
  });
});

import { describe, expect, it } from 'vitest';
import { parseMaxAge, sanitizeReturnTo } from './return-to';

describe('sanitizeReturnTo', () => {
  it.each([
    ['/home', '/home'],
    ['/account/security?tab=sessions#list', '/account/security?tab=sessions#list'],
    ['/admin', '/admin'],
    ['/a/../account/security', '/account/security'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ])('keeps the same-origin path %s', (input, expected) => {
    expect(sanitizeReturnTo(input)).toBe(expected);
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'home',
    'https://evil.example/home',
    '//evil.example/home',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    '/sign-in',
    '/sign-in?returnTo=/home',
    '/callback?code=x',
    '/signed-out?reason=signed_out',
    `/${'a'.repeat(3000)}`,
  ])('falls back for %j', (input) => {
    expect(sanitizeReturnTo(input)).toBe('/home');
  });

  // Values that are only off-site AFTER normalisation (dot segments, encodings), and their relatives.
  it.each([
    '/.//evil.example',
    '/./\\/evil.example',
    '/x/..//evil.example',
    '/x/../..//evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/%2e%2e//evil.example',
    '/x/%2e%2e//evil.example',
    '/.%2f/evil.example',
    '/..//evil.example',
    '/.///evil.example/home',
    '/\t//evil.example',
    '/\r\n//evil.example',
    '/%09//evil.example',
    'HTTPS://evil.example',
    'JaVaScRiPt:alert(1)',
    '/\\/evil.example',
    '/%5C/evil.example',
  ])('never returns an off-site destination for %j', (input) => {
    const result = sanitizeReturnTo(input);
    expect(result.startsWith('/') && !result.startsWith('//') && !result.startsWith('/\\')).toBe(true);
    expect(new URL(result, 'https://app.example').origin).toBe('https://app.example');
  });

  it('uses the given fallback', () => {
    expect(sanitizeReturnTo('//x', '/')).toBe('/');
  });
});

describe('parseMaxAge', () => {
  it('accepts whole seconds, including 0 (always re-authenticate)', () => {
    expect(parseMaxAge('0')).toBe(0);
    expect(parseMaxAge('300')).toBe(300);
  });
  it.each([undefined, '', '-1', '1.5', 'abc', '1e3', '999999999', ' 30'])('rejects %j', (input) => {
    expect(parseMaxAge(input)).toBeUndefined();
  });
});

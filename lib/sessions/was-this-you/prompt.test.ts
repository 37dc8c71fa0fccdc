import { describe, expect, it } from 'vitest';
import type { SessionView } from '../view';
import { choosePrompt, parseDismissed, withDismissed } from './prompt';

const moment = (iso: string) => ({ iso, relative: 'just now', exact: iso });

function view(key: string, overrides: Partial<SessionView> = {}): SessionView {
  return {
    key,
    label: 'Safari on iOS',
    deviceKey: 'mobile|Mobile Safari|iOS',
    deviceLabel: 'Safari on iOS',
    deviceType: 'mobile',
    versions: '',
    ipAddress: '81.2.69.142',
    location: 'London, United Kingdom',
    signInMethod: 'Password',
    isCurrent: false,
    impersonator: null,
    signedIn: moment('2026-06-01T10:00:00.000Z'),
    lastActive: moment('2026-06-01T10:00:00.000Z'),
    hints: [{ kind: 'new_device', text: 'First sign-in from Safari on iOS' }],
    signedOutHere: false,
    ...overrides,
  };
}

const none = new Set<string>();
const laptop = view('k_laptop', { isCurrent: true, label: 'Chrome on macOS', hints: [] });

describe('choosePrompt', () => {
  it('asks about a flagged sign-in on another device, with where and why', () => {
    expect(choosePrompt([laptop, view('k_phone')], none, none)).toEqual({
      key: 'k_phone',
      label: 'Safari on iOS',
      location: 'London, United Kingdom',
      signedIn: moment('2026-06-01T10:00:00.000Z'),
      reasons: ['First sign-in from Safari on iOS'],
    });
  });

  it("never asks about this device's own sign-in, however new it was", () => {
    expect(
      choosePrompt(
        [{ ...laptop, hints: [{ kind: 'new_device', text: 'First sign-in from Chrome on macOS' }] }],
        none,
        none,
      ),
    ).toBeNull();
  });

  it('does not ask again once answered, nor after Dismiss in this browser session', () => {
    expect(choosePrompt([laptop, view('k_phone')], new Set(['k_phone']), none)).toBeNull();
    expect(choosePrompt([laptop, view('k_phone')], none, new Set(['k_phone']))).toBeNull();
  });

  it('does not ask about a session that ended: signed out here, or no longer listed by WorkOS', () => {
    expect(choosePrompt([laptop, view('k_phone', { signedOutHere: true })], none, none)).toBeNull();
    expect(choosePrompt([laptop], none, none)).toBeNull();
  });

  it("asks only about what was new at sign-in, never about support's session or one merely idle or reused", () => {
    expect(
      choosePrompt(
        [laptop, view('k_support', { impersonator: { email: 'support@example.com', reason: null } })],
        none,
        none,
      ),
    ).toBeNull();
    expect(
      choosePrompt(
        [laptop, view('k_idle', { hints: [{ kind: 'inactive', days: 40, text: 'Inactive for 40 days' }] })],
        none,
        none,
      ),
    ).toBeNull();
    expect(
      choosePrompt(
        [laptop, view('k_copied', { hints: [{ kind: 'token_reused', text: 'Sign-in token reused' }] })],
        none,
        none,
      ),
    ).toBeNull();
    expect(choosePrompt([laptop, view('k_plain', { hints: [] })], none, none)).toBeNull();
  });

  it('asks about the latest flagged sign-in first, then the next one', () => {
    const older = view('k_old', { label: 'Chrome on Android', signedIn: moment('2026-05-30T09:00:00.000Z') });
    const newer = view('k_new', {
      signedIn: moment('2026-06-01T09:00:00.000Z'),
      hints: [{ kind: 'new_country', text: 'First sign-in from London, United Kingdom' }],
    });
    expect(choosePrompt([laptop, older, newer], none, none)?.key).toBe('k_new');
    expect(choosePrompt([laptop, older, newer], new Set(['k_new']), none)?.key).toBe('k_old');
  });
});

describe('the dismissed cookie', () => {
  it('adds a key once, keeps the latest few and ignores anything that is not a session key', () => {
    expect(withDismissed(undefined, 'a1')).toBe('a1');
    expect(withDismissed('a1.b2', 'a1')).toBe('b2.a1');
    expect([...parseDismissed('a1.<script>.b2')]).toEqual(['a1', 'b2']);
    const many = Array.from({ length: 25 }, (_, i) => `k${i}`).join('.');
    expect(withDismissed(many, 'last').split('.')).toHaveLength(20);
    expect(withDismissed(many, 'last').endsWith('.last')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { AppSession } from '@/lib/workos/types';
import { groupSessions } from './groups';
import { buildSessionViews, type SessionHint } from './view';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const CHROME_MAC_OLDER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15';
const CHROME_ANDROID_PHONE =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36';
const CHROME_ANDROID_TABLET =
  'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';

const HINT: SessionHint = { kind: 'new_device', text: 'First sign-in from Chrome on macOS' };

function item(name: string, deviceKey: string, { isCurrent = false, hints = [] as SessionHint[] } = {}) {
  return { name, deviceKey, deviceLabel: `label of ${deviceKey}`, isCurrent, hints };
}

const shape = (groups: ReturnType<typeof groupSessions<ReturnType<typeof item>>>) =>
  groups.map((g) => ({ key: g.key, sessions: g.sessions.map((s) => s.name), unusual: g.unusual }));

describe('groupSessions', () => {
  it('keeps the order it is given, each group placed by its first session', () => {
    const groups = groupSessions([item('a1', 'A'), item('b1', 'B'), item('a2', 'A'), item('c1', 'C'), item('b2', 'B')]);
    expect(shape(groups)).toEqual([
      { key: 'A', sessions: ['a1', 'a2'], unusual: 0 },
      { key: 'B', sessions: ['b1', 'b2'], unusual: 0 },
      { key: 'C', sessions: ['c1'], unusual: 0 },
    ]);
    expect(groups[0]?.label).toBe('label of A');
  });

  it("puts this device's group first, and this device first in it, wherever it was", () => {
    const groups = groupSessions([
      item('a1', 'A'),
      item('b1', 'B'),
      item('b2', 'B'),
      item('b3', 'B', { isCurrent: true }),
    ]);
    expect(shape(groups).map((g) => [g.key, g.sessions])).toEqual([
      ['B', ['b3', 'b1', 'b2']],
      ['A', ['a1']],
    ]);
  });

  it('leaves a session alone on its device as a group of one', () => {
    const groups = groupSessions([item('me', 'A', { isCurrent: true }), item('phone', 'P')]);
    expect(groups.map((g) => g.sessions.length)).toEqual([1, 1]);
  });

  it('counts the sessions with a hint in each group, this device included', () => {
    const groups = groupSessions([
      item('me', 'A', { isCurrent: true, hints: [{ kind: 'token_reused', text: 'Sign-in token reused' }] }),
      item('a2', 'A', { hints: [HINT, { kind: 'inactive', text: 'Inactive for 40 days', days: 40 }] }),
      item('a3', 'A'),
      item('b1', 'B'),
      item('b2', 'B', { hints: [HINT] }),
    ]);
    expect(shape(groups).map((g) => g.unusual)).toEqual([2, 1]);
  });

  it('returns no groups for no sessions', () => {
    expect(groupSessions([])).toEqual([]);
  });
});

describe('groupSessions on the security page’s sessions', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  function session(id: string, userAgent: string | null, minutesIdle: number): AppSession {
    const at = new Date(now.getTime() - minutesIdle * 60_000);
    return {
      id,
      userId: 'user_1',
      organizationId: null,
      status: 'active',
      authMethod: 'password',
      ipAddress: '203.0.113.10',
      userAgent,
      impersonator: null,
      expiresAt: new Date(now.getTime() + 86_400_000),
      endedAt: null,
      createdAt: at,
      updatedAt: at,
    };
  }

  it('groups by browser, OS and device type, never by version; rows keep their own labels', () => {
    const views = buildSessionViews({
      sessions: [
        session('mac_old', CHROME_MAC_OLDER, 30),
        session('windows', CHROME_WINDOWS, 1),
        session('safari', SAFARI_MAC, 2),
        session('phone', CHROME_ANDROID_PHONE, 3),
        session('tablet', CHROME_ANDROID_TABLET, 4),
        session('current', CHROME_MAC, 60),
        session('nothing_said', null, 5),
      ],
      current: { sessionId: 'current' },
      lastActive: new Map(),
      now,
      inactiveDays: 30,
    }).map((e) => e.view);
    const groups = groupSessions(views);
    expect(groups.map((g) => [g.label, g.sessions.map((s) => s.label)])).toEqual([
      ['Chrome on macOS', ['Chrome on macOS', 'Chrome on macOS (2)']],
      ['Chrome on Windows', ['Chrome on Windows']],
      ['Safari on macOS', ['Safari on macOS']],
      ['Chrome on Android', ['Chrome on Android (2)']],
      ['Chrome on Android', ['Chrome on Android']],
      ['Unknown device', ['Unknown device']],
    ]);
    expect(groups.map((g) => g.key)).toEqual([
      'desktop|macOS|Chrome',
      'desktop|Windows|Chrome',
      'desktop|macOS|Safari',
      'mobile|Android|Chrome',
      'tablet|Android|Chrome',
      'unknown|?|?',
    ]);
    expect(groups[0]?.sessions[0]?.isCurrent).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { hashSessionId } from '@/lib/security/hash';
import type { AppSession } from '@/lib/workos/types';
import { isRecentAuth, sessionAuthTime } from './recent-auth';
import { buildSessionViews, uniqueLabels } from './view';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const CHROME_MAC_OLDER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36';
const CHROME_ANDROID_PHONE =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36';
const CHROME_ANDROID_TABLET =
  'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1';

const now = new Date('2026-03-10T12:00:00Z');
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

function session(id: string, overrides: Partial<AppSession> = {}): AppSession {
  return {
    id,
    userId: 'user_1',
    organizationId: null,
    status: 'active',
    authMethod: 'password',
    ipAddress: '203.0.113.10',
    userAgent: CHROME_MAC,
    impersonator: null,
    expiresAt: new Date(now.getTime() + 86_400_000),
    endedAt: null,
    createdAt: daysAgo(3),
    updatedAt: minutesAgo(10),
    ...overrides,
  };
}

function build(sessions: AppSession[], lastActive = new Map<string, Date>(), current = 'session_current') {
  return buildSessionViews({
    sessions,
    current: { sessionId: current },
    lastActive,
    now,
    inactiveDays: 30,
  }).map((e) => e.view);
}

describe('buildSessionViews', () => {
  it('describes a session for people: device label, versions, method, relative times, hashed key', () => {
    const [view] = build([session('session_current', { createdAt: daysAgo(3) })]);
    expect(view).toMatchObject({
      key: hashSessionId('session_current'),
      label: 'Chrome on macOS',
      deviceKey: 'desktop|macOS|Chrome',
      deviceLabel: 'Chrome on macOS',
      deviceType: 'desktop',
      versions: 'Chrome 142 · macOS 10.15.7',
      ipAddress: '203.0.113.10',
      signInMethod: 'Password',
      isCurrent: true,
      hints: [],
      signedIn: { relative: '3 days ago', iso: daysAgo(3).toISOString() },
      lastActive: { relative: 'just now' },
    });
    expect(JSON.stringify(view)).not.toContain('session_current');
  });

  it('puts this device first, then the most recently active', () => {
    const views = build(
      [
        session('session_old', { updatedAt: daysAgo(2) }),
        session('session_recent', { updatedAt: minutesAgo(5) }),
        session('session_current', { updatedAt: daysAgo(9) }),
        session('session_middle', { updatedAt: minutesAgo(50) }),
      ],
      new Map([['session_old', minutesAgo(1)]]), // the app saw session_old a minute ago: later than WorkOS's updated_at
    );
    expect(views.map((v) => v.key)).toEqual(
      ['session_current', 'session_old', 'session_recent', 'session_middle'].map(hashSessionId),
    );
    expect(views[1]?.lastActive.relative).toBe('1 minute ago');
  });

  it('falls back to WorkOS updated_at when the app has no record, and keeps the later of the two', () => {
    const views = build(
      [session('session_current'), session('a', { updatedAt: minutesAgo(7) }), session('b', { updatedAt: minutesAgo(3) })],
      new Map([['b', minutesAgo(30)]]),
    );
    expect(views.find((v) => v.key === hashSessionId('a'))?.lastActive.relative).toBe('7 minutes ago');
    expect(views.find((v) => v.key === hashSessionId('b'))?.lastActive.relative).toBe('3 minutes ago');
  });

  it("flags what was new for this user at each session's sign-in, in words, and long inactivity — never this device", () => {
    const views = buildSessionViews({
      sessions: [
        session('session_current'),
        session('known'),
        session('phone', { userAgent: SAFARI_IPHONE, ipAddress: '198.51.100.7' }),
        session('abroad', { ipAddress: '90.84.0.1' }),
        session('stale', { updatedAt: daysAgo(31) }),
      ],
      current: { sessionId: 'session_current' },
      lastActive: new Map(),
      signInNovelty: new Map([
        [hashSessionId('session_current'), { kinds: ['new_country'] }],
        [hashSessionId('phone'), { kinds: ['new_device'] }],
        [hashSessionId('abroad'), { kinds: ['new_country', 'impossible_travel'], travel: { km: 16_994, minutes: 120 } }],
      ]),
      locate: (ip) => (ip === '90.84.0.1' ? 'Paris, France' : null),
      now,
      inactiveDays: 30,
    }).map((e) => e.view);
    const of = (id: string) => views.find((v) => v.key === hashSessionId(id))!;
    const hints = Object.fromEntries(['session_current', 'known', 'phone', 'abroad', 'stale'].map((id) => [id, of(id).hints.map((h) => `${h.kind}: ${h.text}`)]));
    expect(hints).toEqual({
      session_current: [],
      known: [],
      phone: ['new_device: First sign-in from Safari on iOS'],
      abroad: ['new_country: First sign-in from Paris, France', 'impossible_travel: 16,994 km from the previous sign-in, 2 hours later'],
      stale: ['inactive: Inactive for 31 days'],
    });
    // A phone or another IP address is not unusual in itself: only history says so.
    expect(of('phone').location).toBeNull();
    expect(of('abroad').location).toBe('Paris, France');
  });

  it('does not flag a session inactive for just under the limit', () => {
    const views = build([session('session_current'), session('x', { updatedAt: new Date(daysAgo(30).getTime() + 60_000) })]);
    expect(views[1]?.hints).toEqual([]);
  });

  it('shows impersonation and the precise sign-in method recorded at sign-in', () => {
    const views = buildSessionViews({
      sessions: [
        session('session_current', { authMethod: 'oauth' }),
        session('imp', { authMethod: 'impersonation', impersonator: { email: 'support@example.com', reason: 'Ticket 42' } }),
      ],
      current: { sessionId: 'session_current' },
      lastActive: new Map(),
      signInMethods: new Map([[hashSessionId('session_current'), 'GoogleOAuth']]),
      now,
      inactiveDays: 30,
    }).map((e) => e.view);
    expect(views[0]?.signInMethod).toBe('Google');
    expect(views[1]).toMatchObject({ signInMethod: 'Impersonation', impersonator: { email: 'support@example.com' } });
    // Unusual for the user: named as a reason, and so signed out with "Sign out unusual sessions".
    expect(views[1]?.hints).toEqual([{ kind: 'impersonated', text: 'Impersonated by support@example.com' }]);
    expect(views[0]?.hints).toEqual([]);
  });

  it('numbers sessions that share a label, this device first, then oldest sign-in, whatever order WorkOS sent', () => {
    const sessions = [
      session('c', { createdAt: daysAgo(1) }),
      session('session_current', { createdAt: daysAgo(2) }),
      session('b', { createdAt: daysAgo(3) }),
      session('phone', { userAgent: SAFARI_IPHONE }),
    ];
    const labels = (list: AppSession[]) =>
      Object.fromEntries(build(list).map((v) => [v.key, v.label]));
    const expected = {
      [hashSessionId('session_current')]: 'Chrome on macOS',
      [hashSessionId('b')]: 'Chrome on macOS (2)',
      [hashSessionId('c')]: 'Chrome on macOS (3)',
      [hashSessionId('phone')]: 'Safari on iOS',
    };
    expect(labels(sessions)).toEqual(expected);
    expect(labels([...sessions].reverse())).toEqual(expected);
  });
});

describe('the device sessions are grouped by', () => {
  it('is browser, OS and device type, never versions; each session keeps its own label', () => {
    const views = build([
      session('session_current', { createdAt: daysAgo(2) }),
      session('older_chrome', { userAgent: CHROME_MAC_OLDER, createdAt: daysAgo(1) }),
      session('phone', { userAgent: CHROME_ANDROID_PHONE }),
      session('tablet', { userAgent: CHROME_ANDROID_TABLET }),
      session('nothing_said', { userAgent: null }),
    ]);
    const of = (id: string) => views.find((v) => v.key === hashSessionId(id))!;
    expect(['session_current', 'older_chrome', 'phone', 'tablet', 'nothing_said'].map((id) => [of(id).deviceKey, of(id).deviceLabel])).toEqual([
      ['desktop|macOS|Chrome', 'Chrome on macOS'],
      ['desktop|macOS|Chrome', 'Chrome on macOS'],
      ['mobile|Android|Chrome', 'Chrome on Android'],
      ['tablet|Android|Chrome', 'Chrome on Android'],
      ['unknown|?|?', 'Unknown device'],
    ]);
    expect(of('older_chrome').label).toBe('Chrome on macOS (2)');
  });
});

describe('token reuse', () => {
  it('flags the session whose sign-in token was reused, this device included, with where it came from', () => {
    const views = buildSessionViews({
      sessions: [session('session_current'), session('session_other', { userAgent: SAFARI_IPHONE })],
      current: { sessionId: 'session_current' },
      lastActive: new Map(),
      tokenReuse: new Map([[hashSessionId('session_current'), { at: minutesAgo(2), ipAddress: '198.51.100.66' }]]),
      now,
      inactiveDays: 30,
    }).map((e) => e.view);
    expect(views[0]?.hints).toEqual([{ kind: 'token_reused', text: 'Sign-in token reused from 198.51.100.66' }]);
    expect(views[1]?.hints.map((h) => h.kind)).not.toContain('token_reused');
  });
});

describe('uniqueLabels', () => {
  it('never produces a label another session already has', () => {
    const t = new Date(0);
    const result = uniqueLabels([
      { id: '1', label: 'Chrome on macOS', createdAt: t },
      { id: '2', label: 'Chrome on macOS', createdAt: new Date(1) },
      { id: '3', label: 'Chrome on macOS (2)', createdAt: t },
    ]);
    expect(new Set(result.values()).size).toBe(3);
    expect(result.get('3')).toBe('Chrome on macOS (2)');
    expect(result.get('2')).toBe('Chrome on macOS (3)');
  });
});

describe('isRecentAuth', () => {
  const nowMs = Date.parse('2026-03-10T12:00:00Z');
  const nowS = nowMs / 1000;
  it('accepts a sign-in within the window and refuses an older one', () => {
    expect(isRecentAuth(nowS - 600, 600, nowMs)).toBe(true);
    expect(isRecentAuth(nowS - 601, 600, nowMs)).toBe(false);
  });
  it('fails closed without an auth_time claim', () => {
    expect(isRecentAuth(null, 600, nowMs)).toBe(false);
    expect(isRecentAuth(Number.NaN, 600, nowMs)).toBe(false);
  });
  it('treats a slightly future auth_time (clock skew) as recent', () => {
    expect(isRecentAuth(nowS + 5, 600, nowMs)).toBe(true);
  });
});

describe('sessionAuthTime', () => {
  it('prefers the auth_time claim', () => {
    expect(sessionAuthTime(1_000, new Date(5_000_000))).toBe(1_000);
  });
  it("falls back to the WorkOS session's createdAt, in whole seconds", () => {
    expect(sessionAuthTime(null, new Date(1_700_000_000_999))).toBe(1_700_000_000);
    expect(sessionAuthTime(undefined, new Date(1_700_000_000_000))).toBe(1_700_000_000);
  });
  it('is null (fails closed) with neither', () => {
    expect(sessionAuthTime(null, null)).toBeNull();
    expect(sessionAuthTime(null, new Date(Number.NaN))).toBeNull();
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import {
  describeAuditEntry,
  getSessionLabel,
  getSignInMethods,
  getSignInNovelty,
  getTokenReuse,
  listAudit,
  listOrganizationAudit,
  markWorkosConfirmed,
  receiptSubject,
  recordAudit,
  recordSignIn,
} from './index';
import type { AuditEntry } from './types';

vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0';

const db = () => openDatabase(':memory:');

beforeEach(() => {
  db().exec('DELETE FROM audit_log; DELETE FROM known_devices;');
});

describe('recordAudit / listAudit', () => {
  it('stores who, from which session, target, reason and time — with session ids hashed, never raw', async () => {
    await recordAudit({
      userId: 'user_1', organizationId: 'org_demo',
      kind: 'session_revoked',
      at: new Date('2026-03-10T12:00:00Z'),
      actor: { type: 'user', id: 'user_1', sessionId: 'session_actor', label: 'Chrome on macOS' },
      target: { sessionId: 'session_target', label: 'Safari on iOS' },
      reason: 'signed_out_elsewhere',
    });
    const raw = JSON.stringify(db().prepare('SELECT * FROM audit_log').all());
    expect(raw).not.toContain('session_actor');
    expect(raw).not.toContain('session_target');

    const [entry] = await listAudit('user_1', 10);
    expect(entry).toMatchObject({
      kind: 'session_revoked',
      at: new Date('2026-03-10T12:00:00Z'),
      actor: { type: 'user', id: 'user_1', sessionHash: hashSessionId('session_actor'), label: 'Chrome on macOS' },
      target: { sessionHash: hashSessionId('session_target'), label: 'Safari on iOS' },
      reason: 'signed_out_elsewhere',
      flagged: false,
    });
  });

  it('accepts already-hashed session ids as they are', async () => {
    await recordAudit({ userId: 'u', organizationId: 'org_demo', kind: 'session_revoked', actor: { type: 'workos' }, target: { sessionHash: 'abc123' } });
    expect((await listAudit('u'))[0]?.target?.sessionHash).toBe('abc123');
  });

  it("lists one user's entries only, newest first, up to the limit", async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit({ userId: 'user_1', organizationId: 'org_demo', kind: 'sign_in', actor: { type: 'user' }, at: 1_000 + i, details: { i } });
    }
    await recordAudit({ userId: 'user_2', organizationId: 'org_demo', kind: 'sign_in', actor: { type: 'user' }, at: 9_999 });
    const entries = await listAudit('user_1', 3);
    expect(entries.map((e) => e.details?.i)).toEqual([4, 3, 2]);
    expect(entries.every((e) => e.userId === 'user_1')).toBe(true);
  });
});

describe('recordSignIn', () => {
  const base = { userId: 'user_1', organizationId: 'org_demo', source: 'callback' as const };

  it("does not flag the first sign-in ever, then flags what is new for this user: a device, a country, impossible travel", async () => {
    const t0 = Date.parse('2026-09-01T08:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const LONDON = '81.2.69.142';
    const first = await recordSignIn({ ...base, sessionId: 's1', userAgent: CHROME_MAC, ipAddress: LONDON, at: at(0) });
    expect(first).toMatchObject({ kind: 'sign_in', flagged: false, target: { label: 'Chrome on macOS' }, ipAddress: LONDON });

    // Another address in the same city, and an address nobody can place: nothing new.
    expect((await recordSignIn({ ...base, sessionId: 's2', userAgent: CHROME_MAC, ipAddress: '81.2.69.160', at: at(60) })).flagged).toBe(false);
    expect((await recordSignIn({ ...base, sessionId: 's3', userAgent: CHROME_MAC, ipAddress: '198.51.100.5', at: at(120) })).flagged).toBe(false);

    const phone = await recordSignIn({ ...base, sessionId: 's4', userAgent: SAFARI_IPHONE, ipAddress: LONDON, at: at(180) });
    expect(phone).toMatchObject({ flagged: true, details: { novelty: ['new_device'] } });

    // London → Paris in a day is a train ride; Paris → Sydney ten minutes later is not.
    const paris = await recordSignIn({ ...base, sessionId: 's5', userAgent: CHROME_MAC, ipAddress: '90.84.0.1', at: at(24 * 60) });
    expect(paris).toMatchObject({ flagged: true, details: { novelty: ['new_country'] } });
    const sydney = await recordSignIn({ ...base, sessionId: 's6', userAgent: CHROME_MAC, ipAddress: '1.1.1.1', at: at(24 * 60 + 10) });
    expect(sydney).toMatchObject({ flagged: true, details: { novelty: ['new_country', 'impossible_travel'], travel: { minutes: 10 } } });
    expect(describeAuditEntry(sydney, null).badges).toEqual(['First sign-in from this place', expect.stringMatching(/^1[67],\d{3} km from the previous sign-in, 10 minutes later$/)]);

    const novelty = getSignInNovelty('user_1');
    expect([...novelty.keys()].sort()).toEqual(['s4', 's5', 's6'].map(hashSessionId).sort());
    expect(novelty.get(hashSessionId('s4'))).toEqual({ kinds: ['new_device'] });
  });

  it('remembers when each device was last signed in from (the purge of personal data goes by it)', async () => {
    const at = (iso: string) => new Date(iso);
    await recordSignIn({ ...base, sessionId: 's1', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', at: at('2026-01-01T00:00:00Z') });
    await recordSignIn({ ...base, sessionId: 's2', userAgent: CHROME_MAC, ipAddress: '198.51.100.5', at: at('2026-03-01T00:00:00Z') });
    // A late report of an older sign-in never moves it back.
    await recordSignIn({ ...base, sessionId: 's3', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', at: at('2025-12-01T00:00:00Z') });
    // Devices only: places come from the sign-ins themselves (their addresses, purged with them).
    expect(db().prepare('SELECT kind, value, first_seen_at, last_seen_at FROM known_devices ORDER BY kind, value').all()).toEqual([
      { kind: 'device', value: expect.any(String), first_seen_at: Date.parse('2026-01-01T00:00:00Z'), last_seen_at: Date.parse('2026-03-01T00:00:00Z') },
    ]);
  });

  it('records each sign-in once even when the callback and the webhook both report it', async () => {
    await recordSignIn({ ...base, source: 'webhook', sessionId: 's1', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', authMethod: 'oauth' });
    await recordSignIn({ ...base, sessionId: 's1', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', authenticationMethod: 'GoogleOAuth' });
    const entries = await listAudit('user_1');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ authMethod: 'oauth', authenticationMethod: 'GoogleOAuth' });
    expect(getSignInMethods('user_1').get(hashSessionId('s1'))).toBe('GoogleOAuth');
  });

  it('records an impersonated sign-in as the administrator', async () => {
    const entry = await recordSignIn({
      ...base,
      sessionId: 's9',
      userAgent: FIREFOX_WINDOWS,
      ipAddress: null,
      impersonator: { email: 'support@example.com', reason: 'Ticket 42' },
    });
    expect(entry).toMatchObject({ actor: { type: 'admin', label: 'support@example.com' }, reason: 'Ticket 42' });
  });
});

function entry(overrides: Partial<AuditEntry>): AuditEntry {
  return {
    id: 1,
    at: new Date(),
    userId: 'user_1',
    organizationId: 'org_demo',
    kind: 'session_revoked',
    actor: { type: 'user', id: 'user_1', sessionHash: 'h_actor', label: 'Chrome on macOS' },
    target: { sessionHash: 'h_target', label: 'Safari on iOS' },
    reason: 'signed_out_elsewhere',
    ipAddress: null,
    flagged: false,
    details: null,
    ...overrides,
  };
}

describe('receiptSubject (whose open page a revocation should reach)', () => {
  it.each([
    ['a person signing out another device', entry({}), { sessionHash: 'h_target', device: 'Safari on iOS' }],
    ['an administrator', entry({ actor: { type: 'admin', id: 'user_admin', sessionHash: null, label: null } }), { sessionHash: 'h_target', device: 'Safari on iOS' }],
    ['WorkOS (a password change)', entry({ actor: { type: 'workos', id: null, sessionHash: null, label: null } }), { sessionHash: 'h_target', device: 'Safari on iOS' }],
    ['the device signing itself out', entry({ target: { sessionHash: 'h_actor', label: 'Chrome on macOS' } }), null],
    ['signing in again on the same device', entry({ reason: 'reauthenticated', target: { sessionHash: 'h_old', label: null } }), null],
    ['an ending found by the device\'s own request', entry({ actor: { type: 'system', id: null, sessionHash: null, label: null } }), null],
    ['a line that is not a revocation', entry({ kind: 'sign_in' }), null],
  ])('%s', (_name, e, expected) => {
    expect(receiptSubject(e)).toEqual(expected);
  });
});

describe('describeAuditEntry', () => {
  it.each([
    ['a revocation from another device', entry({}), 'h_other', 'You signed out Safari on iOS from Chrome on macOS'],
    ['a revocation from this device', entry({}), 'h_actor', 'You signed out Safari on iOS from this device (Chrome on macOS)'],
    ['this device, signed out elsewhere', entry({}), 'h_target', 'You signed out this device (Safari on iOS) from Chrome on macOS'],
    [
      'sign out everywhere (own session)',
      entry({ reason: 'signed_out_everywhere', target: { sessionHash: 'h_actor', label: 'Chrome on macOS' } }),
      'h_x',
      'You signed out everywhere from Chrome on macOS',
    ],
    [
      'an administrator',
      entry({ actor: { type: 'admin', id: 'user_admin', sessionHash: null, label: null }, reason: 'admin' }),
      'h_x',
      'An administrator signed out Safari on iOS',
    ],
    [
      'an administrator, with the reason given',
      entry({
        actor: { type: 'admin', id: 'user_admin', sessionHash: null, label: 'Ada Lovelace' },
        reason: 'admin',
        details: { note: 'Offboarding' },
      }),
      'h_x',
      'An administrator (Ada Lovelace) signed out Safari on iOS: Offboarding',
    ],
    [
      'WorkOS after a password change',
      entry({ actor: { type: 'workos', id: null, sessionHash: null, label: null }, reason: 'password_changed' }),
      'h_x',
      'Safari on iOS was signed out because your password changed',
    ],
    [
      're-authentication',
      entry({ reason: 'reauthenticated', target: { sessionHash: 'h_old', label: 'Chrome on macOS' } }),
      'h_actor',
      'You signed in again on this device (Chrome on macOS), ending its earlier session',
    ],
  ])('%s', (_name, e, viewer, text) => {
    expect(describeAuditEntry(e, viewer).text).toBe(text);
  });

  it('describes a sign-in with where it came from and flags what is new', () => {
    const signIn = entry({
      kind: 'sign_in',
      target: { sessionHash: 'h_new', label: 'Firefox on Windows' },
      ipAddress: '198.51.100.5',
      details: { novelty: ['new_device'] },
      reason: null,
    });
    expect(describeAuditEntry(signIn, 'h_other')).toEqual({
      text: 'New sign-in on Firefox on Windows from 198.51.100.5',
      badges: ['First sign-in from Firefox on Windows'],
    });
    // Lines recorded before reasons were: "new device" still reads, a new address alone is no longer a reason.
    expect(describeAuditEntry({ ...signIn, details: { newDevice: true, newIp: true } }, 'h_other').badges).toEqual(['First sign-in from Firefox on Windows']);
    expect(describeAuditEntry({ ...signIn, details: { newDevice: false, newIp: true } }, 'h_other').badges).toEqual([]);
  });

  it('words the answer to "Was this you?" about a sign-in, and badges the one that was not', () => {
    const answer = (kind: string) => entry({ kind, reason: null });
    expect(describeAuditEntry(answer('sign_in_confirmed'), 'h_other')).toEqual({ text: 'You confirmed that the sign-in on Safari on iOS was you', badges: [] });
    expect(describeAuditEntry(answer('sign_in_disowned'), 'h_other')).toEqual({
      text: 'You said the sign-in on Safari on iOS was not you',
      badges: ['Not you'],
    });
  });

  it('says where the address is when it is known', () => {
    const signIn = entry({ kind: 'sign_in', target: { sessionHash: 'h_new', label: 'Safari on iOS' }, ipAddress: '81.2.69.142', reason: null });
    const locate = (ip: string | null) => (ip === '81.2.69.142' ? 'London, United Kingdom' : null);
    expect(describeAuditEntry(signIn, 'h_other', locate).text).toBe('New sign-in on Safari on iOS from 81.2.69.142 (London, United Kingdom)');
    expect(describeAuditEntry({ ...signIn, ipAddress: '198.51.100.5' }, 'h_other', locate).text).toBe('New sign-in on Safari on iOS from 198.51.100.5');
  });
});

describe('refresh-token reuse', () => {
  it('is kept per session (latest first), named in the activity, and the sign-in label of the session is found', async () => {
    await recordSignIn({ userId: 'user_1', organizationId: 'org_demo', sessionId: 's1', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', source: 'callback', at: new Date('2026-03-10T11:00:00Z') });
    for (const [ip, at] of [['198.51.100.1', '2026-03-10T11:30:00Z'], ['198.51.100.2', '2026-03-10T11:40:00Z']] as const) {
      await recordAudit({
        userId: 'user_1', organizationId: 'org_demo',
        kind: 'refresh_token_reused',
        actor: { type: 'system', label: 'Firefox on Windows' },
        target: { sessionId: 's1', label: getSessionLabel('user_1', hashSessionId('s1')) },
        ipAddress: ip,
        flagged: true,
        at: new Date(at),
      });
    }
    const reuse = getTokenReuse('user_1').get(hashSessionId('s1'));
    expect(reuse).toEqual({ at: new Date('2026-03-10T11:40:00Z'), ipAddress: '198.51.100.2' });
    expect(getTokenReuse('user_2').size).toBe(0);
    const [latest] = await listAudit('user_1', 1);
    expect(latest?.flagged).toBe(true);
    expect(describeAuditEntry(latest!, hashSessionId('s1'))).toEqual({
      text: 'A sign-in token of this device (Chrome on macOS) was reused from 198.51.100.2 (Firefox on Windows)',
      badges: ['Token reused'],
    });
    expect(describeAuditEntry(latest!, null).text).toMatch(/^A sign-in token of Chrome on macOS was reused/);
  });
});

describe('revocation lines say what WorkOS confirmed', () => {
  const base = {
    id: 1,
    at: new Date('2026-03-10T12:00:00Z'),
    userId: 'user_1',
    organizationId: 'org_demo',
    kind: 'session_revoked',
    target: { sessionHash: 'h', label: 'Safari on iOS' },
    reason: 'signed_out_elsewhere',
    ipAddress: null,
    flagged: false,
  } satisfies Partial<AuditEntry>;

  it('badges a sign-out WorkOS has not confirmed, and one it confirmed later with when', () => {
    const actor = { type: 'user' as const, id: 'user_1', sessionHash: 'me', label: 'Chrome on macOS' };
    expect(describeAuditEntry({ ...base, actor, details: { workos: 'pending' } }, null).badges).toEqual(['WorkOS has not confirmed yet']);
    const confirmed = describeAuditEntry({ ...base, actor, details: { workos: 'confirmed', workosConfirmedAt: Date.parse('2026-03-10T12:03:04Z') } }, null);
    expect(confirmed.badges).toEqual([]);
    expect(confirmed.workosConfirmedAt).toEqual(new Date('2026-03-10T12:03:04Z'));
    const unknownWhen = describeAuditEntry({ ...base, actor, details: { workos: 'confirmed' } }, null);
    expect(unknownWhen.badges).toEqual([]);
    expect(unknownWhen.workosConfirmedAt).toBeUndefined();
  });

  it('names an impersonator and a policy as such', () => {
    const support = describeAuditEntry({ ...base, actor: { type: 'impersonator', id: null, sessionHash: null, label: 'support@example.com' }, details: null }, null);
    expect(support.text).toBe('Support (support@example.com) signed out Safari on iOS');
    const policy = describeAuditEntry(
      { ...base, reason: 'revoked_at_workos', actor: { type: 'policy', id: null, sessionHash: null, label: null }, details: { note: 'Organization membership ended' } },
      null,
    );
    expect(policy.text).toBe('Safari on iOS was signed out: Organization membership ended');
  });
});

describe('markWorkosConfirmed', () => {
  it('marks the pending revocation line of that session, and only it, with when WorkOS confirmed', async () => {
    for (const id of ['s_pending', 's_other']) {
      await recordAudit({
        userId: 'user_1', organizationId: 'org_demo',
        kind: 'session_revoked',
        actor: { type: 'user', id: 'user_1' },
        target: { sessionId: id, label: 'Safari on iOS' },
        reason: 'signed_out_elsewhere',
        flagged: true,
        details: { workos: 'pending', source: 'action' },
      });
    }
    markWorkosConfirmed(hashSessionId('s_pending'), 1_800_000_000_000);
    const [other, pending] = await listAudit('user_1');
    expect(pending).toMatchObject({ flagged: false, details: { workos: 'confirmed', workosConfirmedAt: 1_800_000_000_000, source: 'action' } });
    expect(other).toMatchObject({ flagged: true, details: { workos: 'pending' } });
  });
});

describe('organizations', () => {
  it('records the organization of every entry; an administrator’s view holds only their organization’s', async () => {
    const entry = (organizationId: string | null, at: number, userId = 'user_1') =>
      recordAudit({ userId, organizationId, kind: 'session_revoked', actor: { type: 'admin', label: `admin of ${organizationId}` }, at });
    await entry('org_demo', 1);
    await entry('org_other', 2);
    await entry(null, 3);
    await entry('org_demo', 4, 'user_2');

    expect((await listAudit('user_1')).map((e) => e.organizationId)).toEqual([null, 'org_other', 'org_demo']);
    const demo = await listOrganizationAudit('user_1', 'org_demo');
    expect(demo.map((e) => [e.userId, e.organizationId, e.actor.label])).toEqual([['user_1', 'org_demo', 'admin of org_demo']]);
    expect(await listOrganizationAudit('user_1', 'org_nope')).toEqual([]);
  });

  it('keeps the organization signed in to with a sign-in; a second report fills in one the first did not know', async () => {
    const signIn = { userId: 'user_1', userAgent: CHROME_MAC, ipAddress: '203.0.113.1', source: 'callback' as const };
    expect(await recordSignIn({ ...signIn, sessionId: 's1', organizationId: 'org_other' })).toMatchObject({ organizationId: 'org_other' });
    await recordSignIn({ ...signIn, sessionId: 's2', organizationId: null, source: 'webhook' });
    await recordSignIn({ ...signIn, sessionId: 's2', organizationId: 'org_demo' });
    // A later report never moves a sign-in to another organization.
    await recordSignIn({ ...signIn, sessionId: 's1', organizationId: 'org_demo' });

    expect((await listOrganizationAudit('user_1', 'org_demo')).map((e) => e.target?.sessionHash)).toEqual([hashSessionId('s2')]);
    expect((await listOrganizationAudit('user_1', 'org_other')).map((e) => e.target?.sessionHash)).toEqual([hashSessionId('s1')]);
  });
});

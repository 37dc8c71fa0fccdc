import { describe, expect, it } from 'vitest';
import { future, passedThrough, sdkMembership, sdkSession } from '@/test/workos-sdk';
import { mapEvent, mapMembership, mapSession } from './mapping';
import { WorkosError } from './types';

describe('mapSession', () => {
  it('maps the wire session to the app type', () => {
    const mapped = mapSession(sdkSession('session_1', { impersonator: { email: 'admin@example.com', reason: null } }));
    expect(mapped).toEqual({
      id: 'session_1',
      ...passedThrough,
      impersonator: { email: 'admin@example.com', reason: null },
      expiresAt: new Date(future),
      endedAt: null,
      createdAt: new Date('2026-11-24T10:00:00.000Z'),
      updatedAt: new Date('2026-11-24T10:05:00.000Z'),
    });
  });

  it('fills absent optional fields with null', () => {
    const mapped = mapSession(sdkSession('s', { organizationId: undefined, impersonator: undefined, endedAt: null }));
    expect(mapped.organizationId).toBeNull();
    expect(mapped.impersonator).toBeNull();
  });

  it('rejects an unparseable timestamp', () => {
    expect(() => mapSession(sdkSession('s', { createdAt: 'yesterday' }))).toThrow(WorkosError);
  });
});

describe('mapMembership', () => {
  it('maps the membership to the app type', () => {
    expect(mapMembership(sdkMembership('om_1'))).toEqual({
      id: 'om_1',
      userId: 'user_1',
      organizationId: 'org_1',
      organizationName: 'Org One',
      role: 'member',
      roles: ['member'],
      status: 'active',
    });
    expect(mapMembership(sdkMembership('om_2', { organizationName: undefined, role: undefined }))).toMatchObject({
      organizationName: null,
      role: null,
      roles: [],
    });
    expect(
      mapMembership(sdkMembership('om_6', { role: { slug: 'member' }, roles: [{ slug: 'member' }, { slug: 'admin' }] })),
    ).toMatchObject({ role: 'member', roles: ['member', 'admin'] });
    expect(() => mapMembership(sdkMembership('om_3', { status: 'deleted' }))).toThrow(WorkosError);
  });
});

describe('mapEvent', () => {
  it('maps an event with no object data safely', () => {
    expect(mapEvent({ id: 'e', event: 'x.y', createdAt: '2026-01-01T00:00:00Z', data: null })).toMatchObject({
      data: {},
      userId: null,
    });
  });
});

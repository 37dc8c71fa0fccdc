import { describe, expect, it } from 'vitest';
import { groupSessions } from './groups';
import type { SessionHint } from './view';

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

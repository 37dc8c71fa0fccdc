import { describe, expect, it } from 'vitest';
import { describeMoment, formatDelay, formatExact, formatRelative, formatTimeOfDay } from './time';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('formatRelative', () => {
  it.each([
    [0, 'just now'],
    [59_000, 'just now'],
    [-30_000, 'just now'], // clock skew: slightly in the future
    [MIN, '1 minute ago'],
    [2 * MIN + 30_000, '2 minutes ago'],
    [59 * MIN, '59 minutes ago'],
    [HOUR, '1 hour ago'],
    [23 * HOUR, '23 hours ago'],
    [DAY, 'yesterday'],
    [3 * DAY + 5 * HOUR, '3 days ago'],
    [29 * DAY, '29 days ago'],
    [45 * DAY, '1 month ago'],
    [200 * DAY, '6 months ago'],
    [400 * DAY, '1 year ago'],
    [3 * 365 * DAY, '3 years ago'],
  ])('%i ms ago → %s', (elapsed, expected) => {
    expect(formatRelative(ago(elapsed), now)).toBe(expected);
  });
});

describe('formatExact', () => {
  it('gives the full date and time in UTC, saying so', () => {
    expect(formatExact(new Date('2026-03-07T09:05:03Z'))).toBe('Saturday, 7 March 2026 at 09:05:03 UTC');
  });

  it("gives it in the viewer's time zone, naming the zone, across a date line", () => {
    const date = new Date('2026-03-07T23:30:00Z');
    expect(formatExact(date, 'Europe/Paris')).toBe('Sunday, 8 March 2026 at 00:30:00 CET');
    expect(formatExact(date, 'America/Los_Angeles')).toBe('Saturday, 7 March 2026 at 15:30:00 GMT-8');
  });
});

describe('describeMoment', () => {
  it('is what the server renders: the ISO instant, relative to its clock, exact in UTC', () => {
    expect(describeMoment(new Date('2026-03-07T09:05:03Z'), new Date('2026-03-07T09:08:10Z'))).toEqual({
      iso: '2026-03-07T09:05:03.000Z',
      relative: '3 minutes ago',
      exact: 'Saturday, 7 March 2026 at 09:05:03 UTC',
    });
  });
});

describe('formatTimeOfDay', () => {
  it('names UTC when the server renders it, and gives the viewer their own clock', () => {
    const at = new Date('2026-03-10T12:03:04Z');
    expect(formatTimeOfDay(at)).toBe('12:03:04 UTC');
    expect(formatTimeOfDay(at, 'Europe/Paris')).toBe('13:03:04');
    expect(formatTimeOfDay(at, 'America/New_York')).toBe('08:03:04');
  });
});

describe('formatDelay', () => {
  it.each([
    [-5, '0.0 s'],
    [180, '0.2 s'],
    [9_940, '9.9 s'],
    [12_400, '12 s'],
    [4 * 60_000 + 20_000, '4 min'],
    [3 * 3600_000, '3 h'],
    [86_400_000, '1 day'],
    [3 * 86_400_000, '3 days'],
  ])('%i ms reads "%s"', (ms, expected) => {
    expect(formatDelay(ms)).toBe(expected);
  });
});

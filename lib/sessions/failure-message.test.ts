import { describe, expect, it } from 'vitest';
import { WorkosError } from '@/lib/workos/types';
import { failureMessage, list } from './failure-message';

describe('failureMessage', () => {
  it('says the session is still signed in only when WorkOS refused', () => {
    expect(failureMessage([new WorkosError('unavailable', 'down', { status: 503 })], ['Chrome on macOS'])).toBe(
      'Could not sign out Chrome on macOS: WorkOS did not confirm it. It is still signed in. Try again.',
    );
    expect(
      failureMessage(
        [new WorkosError('unauthorized', 'x'), new WorkosError('invalid', 'y')],
        ['Chrome on macOS', 'Safari on iOS'],
      ),
    ).toBe(
      'Could not sign out Chrome on macOS and Safari on iOS: WorkOS did not confirm it. They are still signed in. Try again.',
    );
  });

  it('does not claim "still signed in" when WorkOS did not answer in time', () => {
    expect(failureMessage([new WorkosError('timeout', 'slow')], ['Chrome on macOS'])).toBe(
      'Could not confirm that Chrome on macOS was signed out: WorkOS did not answer in time. Try again.',
    );
    expect(
      failureMessage([new WorkosError('unavailable', 'down'), new WorkosError('timeout', 'slow')], ['A', 'B']),
    ).toBe('Could not confirm that A and B were signed out: WorkOS did not answer in time. Try again.');
  });

  it('says only "could not" for any other failure (e.g. after WorkOS ended it)', () => {
    expect(failureMessage([new Error('SQLITE_BUSY')], ['Chrome on macOS'])).toBe(
      'Could not sign out Chrome on macOS. Try again.',
    );
    expect(failureMessage([new WorkosError('unavailable', 'down'), new Error('registry')], ['A', 'B', 'C'])).toBe(
      'Could not sign out A, B and C. Try again.',
    );
  });

  it('lists labels in prose', () => {
    expect(list([])).toBe('');
    expect(list(['A'])).toBe('A');
    expect(list(['A', 'B', 'C'])).toBe('A, B and C');
  });
});

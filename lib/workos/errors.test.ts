import { describe, expect, it } from 'vitest';
import { toWorkosError } from './errors';
import { WorkosError } from './types';

describe('toWorkosError', () => {
  it('keeps a WorkosError as it is', () => {
    const error = new WorkosError('not_found', 'gone', { status: 404 });
    expect(toWorkosError(error, 'x')).toBe(error);
  });
});

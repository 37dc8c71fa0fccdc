import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EndOutcome } from '../end/types';
import { actionError } from './result';
import type { Step } from './session-action';

const m = vi.hoisted(() => ({
  steps: [] as string[],
  limited: null as { message: string } | null,
  revalidatePath: vi.fn(),
}));

vi.mock('next/cache', () => ({ revalidatePath: m.revalidatePath }));
vi.mock('@/lib/auth/session', () => ({ requireSession: async () => ({ sessionId: 'session_me' }) }));
vi.mock('@/lib/rate-limit', () => ({
  limitCaller: async () => {
    m.steps.push('limit');
    return m.limited;
  },
}));

const { resultOfOutcomes, sessionAction } = await import('./session-action');

function traced(stopAt?: 'authorise' | 'parse' | 'load' | 'freshAuth', revalidate = false) {
  const step = <T>(name: string, value: T): Step<T> => {
    m.steps.push(name);
    return name === stopAt ? { stop: actionError('not_found', `stopped at ${name}`), revalidate } : { ok: value };
  };
  return sessionAction({
    page: '/page',
    unlimited: ([arg]: [string]) => arg === 'own',
    authorise: async () => step('authorise', 'actor'),
    parse: ([arg]) => step('parse', arg),
    load: async () => step('load', 'loaded'),
    freshAuth: () => {
      m.steps.push('freshAuth');
      return stopAt === 'freshAuth' ? actionError('reauth_failed', 'stopped at freshAuth') : null;
    },
    act: async (actor, input, loaded) => {
      m.steps.push(`act:${actor}:${input}:${loaded}`);
      return { status: 'success', message: 'done', signedOut: [], pending: [] };
    },
  });
}

beforeEach(() => {
  m.steps = [];
  m.limited = null;
  vi.clearAllMocks();
});

describe('sessionAction', () => {
  it('runs limit → authorise → parse → load → fresh-auth → act, then revalidates the page', async () => {
    expect(await traced()('x')).toMatchObject({ status: 'success' });
    expect(m.steps).toEqual(['limit', 'authorise', 'parse', 'load', 'freshAuth', 'act:actor:x:loaded']);
    expect(m.revalidatePath).toHaveBeenCalledExactlyOnceWith('/page');
  });

  it.each(['authorise', 'parse', 'load', 'freshAuth'] as const)('a stop at %s answers it, goes no further and changes nothing', async (stopAt) => {
    expect(await traced(stopAt)('x')).toMatchObject({ status: 'error', message: `stopped at ${stopAt}` });
    expect(m.steps.at(-1)).toBe(stopAt);
    expect(m.steps.some((s) => s.startsWith('act'))).toBe(false);
    expect(m.revalidatePath).not.toHaveBeenCalled();
  });

  it('revalidates on a stop that says the page was out of date', async () => {
    await traced('load', true)('x');
    expect(m.revalidatePath).toHaveBeenCalledExactlyOnceWith('/page');
  });

  it('refuses over the limit before anything else, and never counts an unlimited call', async () => {
    m.limited = { message: 'Too many requests — try again in 5 s.' };
    expect(await traced()('x')).toEqual({
      status: 'error',
      code: 'rate_limited',
      message: 'Too many requests — try again in 5 s. Nothing was signed out.',
      failed: [],
    });
    expect(m.steps).toEqual(['limit']);
    m.steps = [];
    expect(await traced()('own')).toMatchObject({ status: 'success' });
    expect(m.steps[0]).toBe('authorise');
  });
});

describe('resultOfOutcomes', () => {
  const target = (label: string) => ({ sessionId: label, userId: 'u', organizationId: null, label, ipAddress: null, expiresAt: null });
  const ended = (label: string): EndOutcome => ({ target: target(label), status: 'ended' });
  const pending = (label: string): EndOutcome => ({ target: target(label), status: 'pending_at_workos', problem: 'timeout' });
  const failed = (label: string): EndOutcome => ({ target: target(label), status: 'failed', why: 'not_recorded', reason: 'it could not be recorded here' });

  it('says `confirmed` only when WorkOS confirmed every session', () => {
    expect(resultOfOutcomes([ended('A')], { confirmed: 'All done.' })).toEqual({ status: 'success', message: 'All done.', signedOut: ['A'], pending: [] });
    expect(resultOfOutcomes([ended('A'), pending('B')], { confirmed: 'All done.' })).toMatchObject({
      status: 'success',
      message: expect.stringContaining('Signed out B here, but WorkOS has not confirmed it yet'),
      pending: ['B'],
    });
  });

  it('is partial when some ended and some failed, an error when none ended, and adds the note', () => {
    expect(resultOfOutcomes([ended('A'), failed('B')], { note: 'Still here.' })).toEqual({
      status: 'partial',
      message: 'Signed out A. Could not sign out B: it could not be recorded here. Try again. Still here.',
      signedOut: ['A'],
      pending: [],
      failed: ['B'],
    });
    expect(resultOfOutcomes([failed('B')])).toMatchObject({ status: 'error', code: 'revoke_failed', failed: ['B'] });
    expect(resultOfOutcomes([], { nothing: 'Nothing to do.' })).toMatchObject({ status: 'success', message: 'Nothing to do.' });
  });
});

import { WorkosError } from '@/lib/workos/types';

/**
 * What to tell someone when sessions could not be signed out. Shared by the security page's and the admin page's
 * actions (so no 'use server' here). Says only what is known:
 * - WorkOS answered and refused (a WorkosError other than a timeout): the session is still signed in.
 * - WorkOS did not answer in time: it may have ended the session after we stopped waiting (its webhook then locks
 *   it out here too), so "could not confirm", never "still signed in".
 * - Anything else (e.g. the registry failed after WorkOS ended it): just "could not".
 */
export function failureMessage(errors: unknown[], labels: string[]): string {
  if (errors.every((e) => e instanceof WorkosError && e.kind !== 'timeout')) {
    return `Could not sign out ${list(labels)}: WorkOS did not confirm it. ${labels.length === 1 ? 'It is' : 'They are'} still signed in. Try again.`;
  }
  if (errors.some((e) => e instanceof WorkosError && e.kind === 'timeout')) {
    return `Could not confirm that ${list(labels)} ${labels.length === 1 ? 'was' : 'were'} signed out: WorkOS did not answer in time. Try again.`;
  }
  return `Could not sign out ${list(labels)}. Try again.`;
}

/** "A", "A and B", "A, B and C". */
export function list(labels: string[]): string {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

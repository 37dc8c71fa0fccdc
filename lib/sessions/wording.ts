import type { SessionView } from './view';

/** The one wording of counts and lists of sessions, for every page and message. */

/** "1 session", "3 sessions". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "A", "A and B", "A, B and C". */
export function list(labels: string[]): string {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

/** "Safari on iOS (first sign-in from lyon, france)": a session named with why it may need a look. */
export function labelWithHints(session: Pick<SessionView, 'label' | 'hints'>): string {
  if (session.hints.length === 0) return session.label;
  return `${session.label} (${session.hints.map((h) => h.text.toLowerCase()).join(', ')})`;
}

import type { SessionView } from './view';

type Groupable = Pick<SessionView, 'deviceKey' | 'deviceLabel' | 'isCurrent' | 'hints'>;

/** The sessions of one browser on one kind of device: the pages show them as one entry. */
export interface SessionGroup<T extends Groupable = SessionView> {
  /** The sessions' deviceKey. */
  key: string;
  /** "Chrome on macOS". */
  label: string;
  sessions: T[];
  /** How many carry a hint: the group's summary says so, so that collapsing it hides nothing. */
  unusual: number;
}

/**
 * Groups sessions by device, keeping their order (the page's: most recently active first), except that this device
 * leads: its group comes first, with it first inside.
 */
export function groupSessions<T extends Groupable>(sessions: T[]): SessionGroup<T>[] {
  const ordered = [...sessions.filter((s) => s.isCurrent), ...sessions.filter((s) => !s.isCurrent)];
  const groups = new Map<string, SessionGroup<T>>();
  for (const session of ordered) {
    let group = groups.get(session.deviceKey);
    if (!group) {
      group = { key: session.deviceKey, label: session.deviceLabel, sessions: [], unusual: 0 };
      groups.set(session.deviceKey, group);
    }
    group.sessions.push(session);
    if (session.hints.length > 0) group.unusual += 1;
  }
  return [...groups.values()];
}

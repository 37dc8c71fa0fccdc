const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
// Only for days: "yesterday" reads better than "1 day ago" ("last month" after "Last active" does not).
const relativeDays = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "2 minutes ago", "3 hours ago", "yesterday", "3 days ago", "2 months ago", "1 year ago". */
export function formatRelative(date: Date, now: Date): string {
  const elapsed = now.getTime() - date.getTime();
  // Clock skew between WorkOS and us can put a timestamp slightly in the future.
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return relative.format(-Math.floor(elapsed / MINUTE), 'minute');
  if (elapsed < DAY) return relative.format(-Math.floor(elapsed / HOUR), 'hour');
  const days = Math.floor(elapsed / DAY);
  if (days < 30) return relativeDays.format(-days, 'day');
  if (days < 365) return relative.format(-Math.floor(days / 30), 'month');
  return relative.format(-Math.floor(days / 365), 'year');
}

/** How long after something another thing came: "0.2 s", "12 s", "4 min", "3 h", "2 days". */
export function formatDelay(ms: number): string {
  const elapsed = Math.max(0, ms);
  if (elapsed < 10 * SECOND) return `${(elapsed / SECOND).toFixed(1)} s`;
  if (elapsed < MINUTE) return `${Math.round(elapsed / SECOND)} s`;
  if (elapsed < HOUR) return `${Math.round(elapsed / MINUTE)} min`;
  if (elapsed < DAY) return `${Math.round(elapsed / HOUR)} h`;
  const days = Math.round(elapsed / DAY);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

const exactFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The exact time for a tooltip, e.g. "Tuesday, 24 November 2026 at 22:10:03 UTC". Servers render it in UTC; the
 * browser re-renders it in the viewer's own time zone (components/local-time.tsx).
 */
export function formatExact(date: Date, timeZone = 'UTC'): string {
  let format = exactFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone });
    exactFormats.set(timeZone, format);
  }
  return format.format(date);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** The time of day alone, e.g. "12:03:04"; the server's rendering names its zone ("12:03:04 UTC"). */
export function formatTimeOfDay(date: Date, timeZone = 'UTC'): string {
  let format = timeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium', timeZone });
    timeFormats.set(timeZone, format);
  }
  return timeZone === 'UTC' ? `${format.format(date)} UTC` : format.format(date);
}

/** A moment as the server renders it (UTC, relative to the server's clock); the browser re-renders it (LocalTime). */
export interface Moment {
  iso: string;
  relative: string;
  exact: string;
}

export function describeMoment(date: Date, now: Date): Moment {
  return { iso: date.toISOString(), relative: formatRelative(date, now), exact: formatExact(date) };
}

export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / DAY);
}

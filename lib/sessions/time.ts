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

const exact = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'full',
  timeStyle: 'long',
  timeZone: 'UTC',
});

/** The exact time for a tooltip, e.g. "Tuesday, 24 November 2026 at 22:10:03 UTC". */
export function formatExact(date: Date): string {
  return exact.format(date);
}

export function daysBetween(earlier: Date, later: Date): number {
  return Math.floor((later.getTime() - earlier.getTime()) / DAY);
}

'use client';

import { useNow } from '@/hooks/use-now';
import { formatExact, formatRelative, formatTimeOfDay, type Moment } from '@/lib/sessions/time';

function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * A moment shown in the viewer's time zone: relative ("3 minutes ago", moving on while the page is open) with the
 * exact time as its tooltip, or the exact time itself. The server's UTC text until the browser takes over.
 */
export function LocalTime({ moment, show = 'relative', className }: { moment: Moment; show?: 'relative' | 'exact' | 'time'; className?: string }) {
  const now = useNow();
  const date = new Date(moment.iso);
  if (show === 'time') {
    // Derived from the ISO instant alone, so the server's text and the first client render agree.
    return (
      <time dateTime={moment.iso} title={now === null ? moment.exact : formatExact(date, viewerTimeZone())} className={className}>
        {now === null ? formatTimeOfDay(date) : formatTimeOfDay(date, viewerTimeZone())}
      </time>
    );
  }
  const exact = now === null ? moment.exact : formatExact(date, viewerTimeZone());
  const relative = now === null ? moment.relative : formatRelative(date, new Date(now));
  return (
    <time dateTime={moment.iso} title={show === 'relative' ? exact : undefined} className={className}>
      {show === 'relative' ? relative : exact}
    </time>
  );
}

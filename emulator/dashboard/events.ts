import { html, type SafeHtml } from '../html.ts';
import type { EventRecord } from '../state/events.ts';
import type { Store } from '../store.ts';
import { table, time } from './elements.ts';

/** Who an event is about, readable: the user's email, plus the session id for session events. */
function eventSubject(store: Store, event: EventRecord): SafeHtml {
  const { data } = event;
  const userId = typeof data.user_id === 'string' ? data.user_id : typeof data.id === 'string' ? data.id : '';
  const email = typeof data.email === 'string' ? data.email : (store.users.get(userId)?.email ?? userId);
  return html`${email}${data.object === 'session' ? html`<br /><span class="mono muted">${String(data.id)}</span>` : null}`;
}

export function eventsSection(store: Store, events: EventRecord[]): SafeHtml {
  return html`<section class="panel" id="events" aria-labelledby="events-h">
    <h2 id="events-h">Events (newest first, kept 30 days)</h2>
    ${table(
      ['Time', 'Event', 'Id', 'Subject'],
      events.map(
        (event) =>
          html`<tr>
            <td>${time(event.createdAt)}</td>
            <td><code>${event.event}</code></td>
            <td class="mono muted">${event.id}</td>
            <td>${eventSubject(store, event)}</td>
          </tr>`,
      ),
      'No events yet.',
    )}
  </section>`;
}

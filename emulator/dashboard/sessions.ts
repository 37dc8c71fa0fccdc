import { html, type SafeHtml } from '../html.ts';
import type { SessionRecord } from '../state/sessions.ts';
import { displayName } from '../state/users.ts';
import type { Store } from '../store.ts';
import { actionButton, table, time } from './elements.ts';

function sessionRow(store: Store, session: SessionRecord): SafeHtml {
  const status = store.sessions.status(session);
  const user = store.users.get(session.userId);
  const json = store.sessions.json(session);
  return html`<tr>
    <td>
      ${user ? displayName(user) : html`<span class="muted">deleted user</span>`}<br /><span class="mono muted"
        >${session.id}</span
      >
    </td>
    <td>
      <span class="badge ${status}">${status}</span>
      ${session.impersonator ? html`<br /><span class="badge imp" title="${session.impersonator.reason ?? ''}">impersonated by ${session.impersonator.email}</span>` : null}
    </td>
    <td>${session.authMethod}</td>
    <td class="mono">${session.ipAddress ?? '—'}</td>
    <td class="ua">${session.userAgent ?? '—'}</td>
    <td>${time(session.createdAt)}</td>
    <td>${time(session.expiresAt)}</td>
    <td>${json.ended_at ? time(Date.parse(json.ended_at)) : '—'}</td>
    <td class="actions">
      ${status === 'active' ? actionButton('revoke_session', { session_id: session.id }, 'Revoke', { danger: true, ariaLabel: `Revoke session ${session.id}` }) : null}
    </td>
  </tr>`;
}

export function sessionsSection(store: Store, sessions: SessionRecord[]): SafeHtml {
  const columns = ['User / session', 'Status', 'Method', 'IP', 'User agent', 'Created', 'Expires', 'Ended', ''];
  return html`<section class="panel" id="sessions" aria-labelledby="sessions-h">
    <h2 id="sessions-h">Sessions (active and ended)</h2>
    ${table(
      columns,
      sessions.map((session) => sessionRow(store, session)),
      'No sessions yet.',
    )}
  </section>`;
}

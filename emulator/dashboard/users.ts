import { html, type SafeHtml } from '../html.ts';
import type { MembershipRecord } from '../state/memberships.ts';
import { organizationName } from '../state/organizations.ts';
import { displayName, type UserRecord } from '../state/users.ts';
import type { Store } from '../store.ts';
import { actionButton, actionForm, table, time } from './elements.ts';

/** One membership with its actions, as the WorkOS dashboard offers them (a pending one cannot be (de)activated). */
function membershipCell(name: string, m: MembershipRecord): SafeHtml {
  const organization = organizationName(m.organizationId);
  const of = `${name} in ${organization}`;
  const otherRole = m.role === 'admin' ? 'member' : 'admin';
  return html`<div>
    ${organization}: ${m.role}${m.status === 'active' ? '' : ` (${m.status})`}
    <div class="action-row">
      ${actionButton('membership_role', { membership_id: m.id, role_slug: otherRole }, `Make ${otherRole}`, {
        ariaLabel: `Make ${of} ${otherRole}`,
      })}
      ${
        m.status === 'pending'
          ? null
          : m.status === 'active'
            ? actionButton('membership_deactivate', { membership_id: m.id }, 'Deactivate', {
                danger: true,
                ariaLabel: `Deactivate ${of}`,
              })
            : actionButton('membership_reactivate', { membership_id: m.id }, 'Reactivate', {
                ariaLabel: `Reactivate ${of}`,
              })
      }
      ${actionButton('membership_delete', { membership_id: m.id }, 'Remove', { danger: true, ariaLabel: `Remove ${of}` })}
    </div>
  </div>`;
}

function userActions(user: UserRecord, name: string): SafeHtml {
  return html`<div class="action-row">
      ${actionButton('revoke_sessions', { user_id: user.id }, 'Revoke all sessions', { danger: true, ariaLabel: `Revoke all sessions of ${name}` })}
      ${actionButton('delete_user', { user_id: user.id }, 'Delete user', { danger: true, ariaLabel: `Delete ${name}` })}
    </div>
    <div class="action-row">
      ${actionForm(
        'reset_password',
        html`<input
            name="password"
            type="password"
            minlength="8"
            required
            placeholder="new password"
            aria-label="New password for ${name}"
          />
          <button type="submit" class="small" aria-label="Reset password of ${name}">Reset password</button>`,
        { fields: { user_id: user.id }, className: 'inline' },
      )}
    </div>
    <div class="action-row">
      ${actionForm(
        'impersonate',
        html`<input
            name="impersonator_email"
            type="email"
            required
            placeholder="support@example.com"
            aria-label="Impersonator email for ${name}"
          />
          <input name="reason" type="text" placeholder="reason" aria-label="Impersonation reason for ${name}" />
          <button type="submit" class="small" aria-label="Impersonate ${name}">Impersonate</button>`,
        { fields: { user_id: user.id }, className: 'inline' },
      )}
    </div>`;
}

function userRow(store: Store, user: UserRecord): SafeHtml {
  const name = displayName(user);
  const active = store.sessions.list(user.id).filter((s) => store.sessions.status(s) === 'active').length;
  return html`<tr>
    <td><strong>${name}</strong><br />${user.email}<br /><span class="mono muted">${user.id}</span></td>
    <td>${store.memberships.list(user.id).map((m) => membershipCell(name, m))}</td>
    <td>${active}</td>
    <td>${time(user.createdAt)}</td>
    <td class="actions">${userActions(user, name)}</td>
  </tr>`;
}

export function usersSection(store: Store, users: UserRecord[]): SafeHtml {
  return html`<section class="panel" id="users" aria-labelledby="users-h">
    <h2 id="users-h">Users</h2>
    ${table(
      ['User', 'Organizations', 'Active sessions', 'Created', 'Actions'],
      users.map((user) => userRow(store, user)),
      null,
    )}
    <h2 style="margin-top:1.25rem">Create user</h2>
    ${actionForm(
      'create_user',
      html`<div><label for="new_email">Email</label><input id="new_email" name="email" type="email" required /></div>
        <div>
          <label for="new_password">Password</label
          ><input id="new_password" name="password" type="password" minlength="8" required />
        </div>
        <div><label for="new_first">First name</label><input id="new_first" name="first_name" type="text" /></div>
        <div><label for="new_last">Last name</label><input id="new_last" name="last_name" type="text" /></div>
        <div>
          <label for="new_role">Role</label
          ><select id="new_role" name="role">
            <option>member</option>
            <option>admin</option>
          </select>
        </div>
        <div><button type="submit">Create user</button></div>`,
      { className: 'grid' },
    )}
  </section>`;
}

import { createHash } from 'node:crypto';
import { secretsEqual } from '../api/routes.ts';
import { applyConfig, faultJson, parseFault, type ControlContext } from '../control/routes.ts';
import { html, page, type SafeHtml } from '../html.ts';
import { parseCookies, readParams, redirect, sendHtml } from '../http.ts';
import {
  ApiError,
  displayName,
  getOrganization,
  iso,
  type EventRecord,
  type SessionRecord,
  type Store,
} from '../store.ts';

const COOKIE = 'emulator_dashboard';
const BASE = '/_emulator/dashboard';

const DASHBOARD_CSS = `
header.top { background: #1b1d22; color: #fff; padding: .8rem 1.5rem; display: flex; align-items: center; gap: 1rem; }
header.top h1 { font-size: 1.1rem; margin: 0; flex: 1; }
header.top form { margin: 0; }
header.top button { background: transparent; color: #fff; border-color: #4b5060; }
main.dash { max-width: 1480px; margin: 0 auto; padding: 1.25rem 1.5rem 4rem; }
nav.sections { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; font-size: .9rem; }
section.panel { background: #fff; border: 1px solid var(--line); border-radius: var(--radius); padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; }
table { width: 100%; border-collapse: collapse; font-size: .88rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; }
section.panel { overflow-x: auto; }
td.actions { min-width: 420px; }
.action-row { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; margin-bottom: .35rem; }
td.actions form, .inline { display: inline-flex; gap: .35rem; align-items: center; margin: 0; }
.inline input { width: 10rem; padding: .25rem .45rem; font-size: .85rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .78rem; font-weight: 600; border: 1px solid; }
.badge.active, .badge.delivered { color: var(--ok); border-color: #bfe5cc; background: #eefaf2; }
.badge.revoked, .badge.failed { color: var(--danger); border-color: #f0c4c1; background: #fdf0ef; }
.badge.expired, .badge.pending { color: var(--warn); border-color: #f1d9a6; background: #fff8e8; }
.badge.imp { color: #6b21a8; border-color: #e0c8f5; background: #f8f0ff; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: .25rem 1rem; align-items: end; }
.grid label { margin-top: .4rem; }
.grid button { margin-top: .6rem; }
.ua { min-width: 240px; max-width: 360px; overflow-wrap: anywhere; color: var(--muted); font-size: .8rem; }
td time { white-space: nowrap; }
main.login { max-width: 380px; margin: 10vh auto; background: #fff; border: 1px solid var(--line); border-radius: var(--radius); padding: 2rem; }
`;

export function dashboardToken(apiKey: string): string {
  return createHash('sha256').update(`emulator-dashboard:${apiKey}`).digest('hex');
}

function isSignedIn(ctx: ControlContext): boolean {
  const value = parseCookies(ctx.req)[COOKIE];
  return value !== undefined && secretsEqual(value, dashboardToken(ctx.config.apiKey));
}

const time = (ms: number | null) =>
  ms === null ? '—' : html`<time datetime="${iso(ms)}">${iso(ms).replace('T', ' ').slice(0, 19)}</time>`;

function loginPage(error: string | null): string {
  return page({
    title: 'WorkOS emulator dashboard',
    css: DASHBOARD_CSS,
    body: html`<main class="login">
      <h1>WorkOS emulator dashboard</h1>
      <p class="lead">
        Enter the emulator's API key (<code>WORKOS_API_KEY</code>) once; it is kept in an HttpOnly cookie.
      </p>
      ${error ? html`<p class="alert" role="alert">${error}</p>` : null}
      <form method="post" action="${BASE}/login">
        <label for="api_key">API key</label>
        <input id="api_key" name="api_key" type="password" autocomplete="off" required />
        <button class="primary" type="submit">Open dashboard</button>
      </form>
    </main>`,
  });
}

const action = (
  name: string,
  fields: Record<string, string>,
  label: string,
  options: { danger?: boolean; ariaLabel?: string } = {},
) =>
  html`<form method="post" action="${BASE}/action">
    <input type="hidden" name="action" value="${name}" />
    ${Object.entries(fields).map(([key, value]) => html`<input type="hidden" name="${key}" value="${value}" />`)}
    <button
      type="submit"
      class="small${options.danger ? ' danger' : ''}"
      ${options.ariaLabel ? html` aria-label="${options.ariaLabel}"` : null}
    >
      ${label}
    </button>
  </form>`;

/** Who an event is about, readable: the user's email, plus the session id for session events. */
function eventSubject(store: Store, event: EventRecord): SafeHtml {
  const { data } = event;
  const userId = typeof data.user_id === 'string' ? data.user_id : typeof data.id === 'string' ? data.id : '';
  const email = typeof data.email === 'string' ? data.email : (store.getUser(userId)?.email ?? userId);
  return html`${email}${data.object === 'session' ? html`<br /><span class="mono muted">${String(data.id)}</span>` : null}`;
}

function sessionRows(store: Store, sessions: SessionRecord[]): SafeHtml {
  if (sessions.length === 0)
    return html`<tr>
      <td colspan="9" class="muted">No sessions yet.</td>
    </tr>`;
  return html`${sessions.map((session) => {
    const status = store.sessionStatus(session);
    const user = store.getUser(session.userId);
    const json = store.sessionJson(session);
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
        ${status === 'active' ? action('revoke_session', { session_id: session.id }, 'Revoke', { danger: true, ariaLabel: `Revoke session ${session.id}` }) : null}
      </td>
    </tr>`;
  })}`;
}

function dashboardPage(ctx: ControlContext, notice: string | null, error: string | null): string {
  const { store } = ctx;
  const users = store.listUsers();
  const sessions = [...store.listSessions()].reverse().slice(0, 300);
  const events = [...store.listEvents()].reverse().slice(0, 100);
  const deliveries = [...store.listDeliveries()].reverse().slice(0, 100);
  const config = store.config;
  const faults = ctx.faults.list().map(faultJson);
  const body = html` <header class="top">
      <h1>WorkOS emulator · dashboard</h1>
      <span class="muted">client <code>${ctx.config.clientId}</code></span>
      <form method="post" action="${BASE}/action">
        <input type="hidden" name="action" value="reset" /><button type="submit" class="small">Reset emulator</button>
      </form>
      <form method="post" action="${BASE}/logout"><button type="submit" class="small">Lock dashboard</button></form>
    </header>
    <main class="dash">
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      ${error ? html`<p class="alert" role="alert">${error}</p>` : null}
      <nav class="sections" aria-label="Sections">
        <a href="#users">Users (${users.length})</a><a href="#sessions">Sessions (${sessions.length})</a>
        <a href="#events">Events</a><a href="#webhooks">Webhook deliveries</a><a href="#config">Configuration</a
        ><a href="#faults">Faults (${faults.length})</a>
      </nav>

      <section class="panel" id="users" aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        <table>
          <thead>
            <tr>
              <th>User</th>
              <th>Organizations</th>
              <th>Active sessions</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            ${users.map((user) => {
              const name = displayName(user);
              const active = store.listSessions(user.id).filter((s) => store.sessionStatus(s) === 'active').length;
              return html`<tr>
                <td><strong>${name}</strong><br />${user.email}<br /><span class="mono muted">${user.id}</span></td>
                <td>
                  ${store.listMemberships(user.id).map((m) => {
                    const organization = getOrganization(m.organizationId)?.name ?? m.organizationId;
                    const of = `${name} in ${organization}`;
                    const otherRole = m.role === 'admin' ? 'member' : 'admin';
                    return html`<div>
                      ${organization}: ${m.role}${m.status === 'active' ? '' : ` (${m.status})`}
                      <div class="action-row">
                        ${action(
                          'membership_role',
                          { membership_id: m.id, role_slug: otherRole },
                          `Make ${otherRole}`,
                          {
                            ariaLabel: `Make ${of} ${otherRole}`,
                          },
                        )}
                        ${
                          m.status === 'pending'
                            ? null
                            : m.status === 'active'
                              ? action('membership_deactivate', { membership_id: m.id }, 'Deactivate', {
                                  danger: true,
                                  ariaLabel: `Deactivate ${of}`,
                                })
                              : action('membership_reactivate', { membership_id: m.id }, 'Reactivate', {
                                  ariaLabel: `Reactivate ${of}`,
                                })
                        }
                        ${action('membership_delete', { membership_id: m.id }, 'Remove', {
                          danger: true,
                          ariaLabel: `Remove ${of}`,
                        })}
                      </div>
                    </div>`;
                  })}
                </td>
                <td>${active}</td>
                <td>${time(user.createdAt)}</td>
                <td class="actions">
                  <div class="action-row">
                    ${action('revoke_sessions', { user_id: user.id }, 'Revoke all sessions', { danger: true, ariaLabel: `Revoke all sessions of ${name}` })}
                    ${action('delete_user', { user_id: user.id }, 'Delete user', { danger: true, ariaLabel: `Delete ${name}` })}
                  </div>
                  <div class="action-row">
                    <form method="post" action="${BASE}/action" class="inline">
                      <input type="hidden" name="action" value="reset_password" /><input
                        type="hidden"
                        name="user_id"
                        value="${user.id}"
                      />
                      <input
                        name="password"
                        type="password"
                        minlength="8"
                        required
                        placeholder="new password"
                        aria-label="New password for ${name}"
                      />
                      <button type="submit" class="small" aria-label="Reset password of ${name}">Reset password</button>
                    </form>
                  </div>
                  <div class="action-row">
                    <form method="post" action="${BASE}/action" class="inline">
                      <input type="hidden" name="action" value="impersonate" /><input
                        type="hidden"
                        name="user_id"
                        value="${user.id}"
                      />
                      <input
                        name="impersonator_email"
                        type="email"
                        required
                        placeholder="support@example.com"
                        aria-label="Impersonator email for ${name}"
                      />
                      <input
                        name="reason"
                        type="text"
                        placeholder="reason"
                        aria-label="Impersonation reason for ${name}"
                      />
                      <button type="submit" class="small" aria-label="Impersonate ${name}">Impersonate</button>
                    </form>
                  </div>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
        <h2 style="margin-top:1.25rem">Create user</h2>
        <form method="post" action="${BASE}/action" class="grid">
          <input type="hidden" name="action" value="create_user" />
          <div><label for="new_email">Email</label><input id="new_email" name="email" type="email" required /></div>
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
          <div><button type="submit">Create user</button></div>
        </form>
      </section>

      <section class="panel" id="sessions" aria-labelledby="sessions-h">
        <h2 id="sessions-h">Sessions (active and ended)</h2>
        <table>
          <thead>
            <tr>
              <th>User / session</th>
              <th>Status</th>
              <th>Method</th>
              <th>IP</th>
              <th>User agent</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Ended</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${sessionRows(store, sessions)}
          </tbody>
        </table>
      </section>

      <section class="panel" id="events" aria-labelledby="events-h">
        <h2 id="events-h">Events (newest first, kept 30 days)</h2>
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Event</th>
              <th>Id</th>
              <th>Subject</th>
            </tr>
          </thead>
          <tbody>
            ${
              events.length === 0
                ? html`<tr>
                    <td colspan="4" class="muted">No events yet.</td>
                  </tr>`
                : events.map(
                    (event) =>
                      html`<tr>
                        <td>${time(event.createdAt)}</td>
                        <td><code>${event.event}</code></td>
                        <td class="mono muted">${event.id}</td>
                        <td>${eventSubject(store, event)}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </section>

      <section class="panel" id="webhooks" aria-labelledby="webhooks-h">
        <h2 id="webhooks-h">Webhook deliveries</h2>
        <p class="muted">
          Endpoint: ${config.webhookUrl ? html`<code>${config.webhookUrl}</code>` : 'none'} ·
          ${config.webhooksEnabled ? 'enabled' : 'disabled'}
        </p>
        <table>
          <thead>
            <tr>
              <th>Created</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last result</th>
              <th>Next attempt</th>
            </tr>
          </thead>
          <tbody>
            ${
              deliveries.length === 0
                ? html`<tr>
                    <td colspan="6" class="muted">No deliveries yet.</td>
                  </tr>`
                : deliveries.map(
                    (d) =>
                      html`<tr>
                        <td>${time(d.createdAt)}</td>
                        <td><code>${d.event}</code><br /><span class="mono muted">${d.eventId}</span></td>
                        <td><span class="badge ${d.status}">${d.status}</span></td>
                        <td>${d.attempts}</td>
                        <td>
                          ${d.lastError ?? (d.lastStatus === null ? '—' : `HTTP ${d.lastStatus}`)}${
                            d.acknowledgedAs
                              ? html` · <span class="badge ${d.acknowledgedAs}">${d.acknowledgedAs}</span>`
                              : null
                          }
                        </td>
                        <td>${time(d.nextAttemptAt)}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </section>

      <section class="panel" id="config" aria-labelledby="config-h">
        <h2 id="config-h">Configuration</h2>
        <form method="post" action="${BASE}/action" class="grid">
          <input type="hidden" name="action" value="config" />
          <div>
            <label for="ttl">Access token lifetime (seconds)</label
            ><input
              id="ttl"
              name="access_token_ttl_seconds"
              type="number"
              min="1"
              value="${config.accessTokenTtlSeconds}"
            />
          </div>
          <div>
            <label for="max_age">Maximum session length (seconds)</label
            ><input
              id="max_age"
              name="session_max_age_seconds"
              type="number"
              min="60"
              value="${config.sessionMaxAgeSeconds}"
            />
          </div>
          <div>
            <label for="hook_url">Webhook URL</label
            ><input id="hook_url" name="webhook_url" type="url" value="${config.webhookUrl ?? ''}" />
          </div>
          <div>
            <label for="hook_on">Webhooks</label
            ><select id="hook_on" name="webhooks_enabled">
              <option value="true" ${config.webhooksEnabled ? html` selected` : null}>enabled</option>
              <option value="false" ${config.webhooksEnabled ? null : html` selected`}>disabled</option>
            </select>
          </div>
          <div><button type="submit">Save configuration</button></div>
        </form>
      </section>

      <section class="panel" id="faults" aria-labelledby="faults-h">
        <h2 id="faults-h">Fault injection</h2>
        <table>
          <thead>
            <tr>
              <th>Method</th>
              <th>Path</th>
              <th>Status</th>
              <th>Delay</th>
              <th>Remaining</th>
            </tr>
          </thead>
          <tbody>
            ${
              faults.length === 0
                ? html`<tr>
                    <td colspan="5" class="muted">No faults armed.</td>
                  </tr>`
                : faults.map(
                    (f) =>
                      html`<tr>
                        <td>${f.method ?? 'any'}</td>
                        <td><code>${f.path}</code></td>
                        <td>${f.status ?? '—'}</td>
                        <td>${f.delay_ms} ms</td>
                        <td>${f.count}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
        <form method="post" action="${BASE}/action" class="grid">
          <input type="hidden" name="action" value="add_fault" />
          <div>
            <label for="f_method">Method</label
            ><select id="f_method" name="method">
              <option value="">any</option>
              <option>GET</option>
              <option>POST</option>
            </select>
          </div>
          <div>
            <label for="f_path">Path</label
            ><input id="f_path" name="path" type="text" required placeholder="/user_management/sessions/revoke" />
          </div>
          <div>
            <label for="f_status">Status</label
            ><input id="f_status" name="status" type="number" min="100" max="599" placeholder="503" />
          </div>
          <div>
            <label for="f_delay">Delay (ms)</label
            ><input id="f_delay" name="delay_ms" type="number" min="0" value="0" />
          </div>
          <div>
            <label for="f_count">Next N calls</label><input id="f_count" name="count" type="number" min="1" value="1" />
          </div>
          <div><button type="submit">Add fault</button></div>
        </form>
        ${faults.length > 0 ? action('clear_faults', {}, 'Clear all faults', { danger: true }) : null}
      </section>
    </main>`;
  return page({ title: 'WorkOS emulator dashboard', css: DASHBOARD_CSS, body });
}

async function runAction(ctx: ControlContext, params: Record<string, unknown>): Promise<string> {
  const { store } = ctx;
  const str = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : '');
  const userName = () => displayName(store.requireUser(str('user_id')));
  switch (str('action')) {
    case 'reset':
      ctx.reset();
      return 'Emulator reset to its seeded state.';
    case 'revoke_session':
      store.revokeSession(str('session_id'));
      return `Session ${str('session_id')} revoked.`;
    case 'revoke_sessions': {
      const name = userName();
      const revoked = store.revokeUserSessions(str('user_id'));
      return `Revoked ${revoked.length} session(s) of ${name}.`;
    }
    case 'delete_user': {
      const name = userName();
      store.deleteUser(str('user_id'));
      return `Deleted ${name}.`;
    }
    // Memberships change as through the WorkOS API (the same events, the next refresh sees them).
    case 'membership_role': {
      const membership = store.updateMembershipRole(str('membership_id'), str('role_slug'));
      return `Role in ${getOrganization(membership.organizationId)?.name ?? membership.organizationId} is now ${membership.role}.`;
    }
    case 'membership_deactivate':
    case 'membership_reactivate': {
      const membership = store.setMembershipActive(str('membership_id'), str('action') === 'membership_reactivate');
      return `Membership ${membership.id} is ${membership.status}.`;
    }
    case 'membership_delete':
      store.deleteMembership(str('membership_id'));
      return `Membership ${str('membership_id')} removed.`;
    case 'reset_password': {
      if (str('password').length < 8) throw new ApiError(422, { message: 'Use a password of at least 8 characters.' });
      const user = store.resetPassword(str('user_id'), str('password'));
      return `Password of ${displayName(user)} reset.`;
    }
    case 'impersonate': {
      const name = userName();
      store.impersonate(str('user_id'), { email: str('impersonator_email'), reason: str('reason') || null });
      return `Impersonation of ${name} started: sign in to the app and pick "Impersonate ${name}".`;
    }
    case 'create_user': {
      const user = store.createUser({
        email: str('email'),
        password: str('password'),
        firstName: str('first_name') || null,
        lastName: str('last_name') || null,
        memberships: [{ organizationId: 'org_demo', role: str('role') === 'admin' ? 'admin' : 'member' }],
      });
      return `Created ${displayName(user)}.`;
    }
    case 'config': {
      const patch: Record<string, unknown> = { ...params };
      delete patch.action;
      if (patch.webhook_url === '') patch.webhook_url = null;
      applyConfig(store, patch);
      return 'Configuration saved.';
    }
    case 'add_fault': {
      const cleaned = Object.fromEntries(
        Object.entries(params).filter(([key, value]) => key !== 'action' && value !== ''),
      );
      ctx.faults.add(parseFault(cleaned, store.clock.now()));
      return 'Fault armed.';
    }
    case 'clear_faults':
      ctx.faults.clear();
      return 'Faults cleared.';
    default:
      throw new ApiError(400, { message: 'Unknown dashboard action.' });
  }
}

/** `/_emulator/dashboard*`: server-rendered HTML for QA, authenticated by an HttpOnly cookie. */
export async function handleDashboard(ctx: ControlContext): Promise<boolean> {
  const { req, res, url, config } = ctx;
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (path !== BASE && !path.startsWith(`${BASE}/`)) return false;
  const cookie = (value: string, maxAge: number) =>
    `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/_emulator; Max-Age=${maxAge}`;

  if (path === `${BASE}/login` && method === 'POST') {
    const params = await readParams(req);
    const key = typeof params.api_key === 'string' ? params.api_key : '';
    if (!secretsEqual(key, config.apiKey)) {
      sendHtml(res, 401, loginPage('That is not the emulator API key.'));
      return true;
    }
    redirect(res, BASE, { 'set-cookie': cookie(dashboardToken(config.apiKey), 7 * 86_400) });
    return true;
  }
  if (path === `${BASE}/logout` && method === 'POST') {
    redirect(res, BASE, { 'set-cookie': cookie('', 0) });
    return true;
  }
  if (!isSignedIn(ctx)) {
    sendHtml(res, 401, loginPage(null));
    return true;
  }
  if (path === BASE && method === 'GET') {
    sendHtml(res, 200, dashboardPage(ctx, url.searchParams.get('notice'), url.searchParams.get('error')));
    return true;
  }
  if (path === `${BASE}/action` && method === 'POST') {
    const params = await readParams(req);
    let query: string;
    try {
      query = `notice=${encodeURIComponent(await runAction(ctx, params))}`;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const detail = (error.body.errors as { code?: string }[] | undefined)?.[0]?.code;
      query = `error=${encodeURIComponent(detail ?? error.message)}`;
    }
    redirect(res, `${BASE}?${query}`);
    return true;
  }
  return false;
}

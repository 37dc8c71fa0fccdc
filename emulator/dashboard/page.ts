import { html, page } from '../html.ts';
import type { RequestContext } from '../http.ts';
import { configSection } from './config.ts';
import { actionForm, BASE } from './elements.ts';
import { eventsSection } from './events.ts';
import { faultsSection } from './faults.ts';
import { sessionsSection } from './sessions.ts';
import { usersSection } from './users.ts';
import { webhooksSection } from './webhooks.ts';

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

export function loginPage(error: string | null): string {
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

/** The whole dashboard: a header, the notice or error of the last action, and one section per resource. */
export function dashboardPage(ctx: RequestContext, notice: string | null, error: string | null): string {
  const { store } = ctx;
  const users = store.users.list();
  const sessions = [...store.sessions.list()].reverse().slice(0, 300);
  const events = [...store.events.list()].reverse().slice(0, 100);
  const deliveries = [...store.deliveries.list()].reverse().slice(0, 100);
  const faults = ctx.faults.list();
  const body = html` <header class="top">
      <h1>WorkOS emulator · dashboard</h1>
      <span class="muted">client <code>${ctx.config.clientId}</code></span>
      ${actionForm('reset', html`<button type="submit" class="small">Reset emulator</button>`)}
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

      ${usersSection(store, users)} ${sessionsSection(store, sessions)} ${eventsSection(store, events)}
      ${webhooksSection(store.config, deliveries)} ${configSection(store.config)} ${faultsSection(faults)}
    </main>`;
  return page({ title: 'WorkOS emulator dashboard', css: DASHBOARD_CSS, body });
}

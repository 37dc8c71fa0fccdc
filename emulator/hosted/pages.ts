import type { ServerResponse } from 'node:http';
import { html, page, type SafeHtml } from '../html.ts';
import { sendHtml } from '../http.ts';
import type { MembershipRecord } from '../state/memberships.ts';
import { organizationName } from '../state/organizations.ts';
import { displayName, type UserRecord } from '../state/users.ts';
import type { Store } from '../store.ts';
import { hiddenFields, switchUrl, type AuthorizeRequest } from './request.ts';

export function errorPage(res: ServerResponse, status: number, title: string, message: string): void {
  sendHtml(
    res,
    status,
    page({
      title,
      body: html`<main class="auth">
        <div class="card" role="alert">
          <div class="brand"><span class="dot" aria-hidden="true"></span> WorkOS emulator</div>
          <h1>${title}</h1>
          <p>${message}</p>
          <p class="muted">
            This page is shown instead of redirecting, so that an address that is not registered never receives a code.
          </p>
        </div>
      </main>`,
    }),
  );
}

export interface FormState {
  error?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** The labelled email field both forms share (prefilled from the last attempt or `login_hint`). */
function emailField(value: string): SafeHtml {
  return html`<label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="${value}" />`;
}

function signInPage(store: Store, request: AuthorizeRequest, form: FormState): string {
  const users = store.users.list();
  const impersonations = store.sessions.pendingImpersonations();
  const body = html`<main class="auth">
    <div class="card">
      <div class="brand"><span class="dot" aria-hidden="true"></span> Demo App</div>
      <h1>Sign in to Demo App</h1>
      <p class="lead">Hosted sign-in (WorkOS emulator). Pick a demo user or use an email and password.</p>
      ${form.error ? html`<p class="alert" role="alert">${form.error}</p>` : null}
      ${
        impersonations.length > 0
          ? html`<section class="impersonation" aria-label="Pending impersonation">
              ${impersonations.map((session) => {
                const user = store.users.get(session.userId);
                if (!user) return null;
                return html`<form method="post" action="/user_management/authorize">
                  ${hiddenFields(request)}<input type="hidden" name="intent" value="impersonation" />
                  <input type="hidden" name="session_id" value="${session.id}" />
                  <button type="submit">Impersonate ${displayName(user)}</button>
                  <p class="muted" style="margin:.4rem 0 0;font-size:.85rem">
                    Started by
                    ${session.impersonator?.email ?? ''}${session.impersonator?.reason ? ` — ${session.impersonator.reason}` : ''}
                  </p>
                </form>`;
              })}
            </section>`
          : null
      }
      <div class="demo-users" role="group" aria-label="Demo users">
        ${users.map(
          (user) =>
            html`<form method="post" action="/user_management/authorize">
              ${hiddenFields(request)}<input type="hidden" name="intent" value="demo" />
              <input type="hidden" name="user_id" value="${user.id}" />
              <button type="submit" aria-label="Continue as ${displayName(user)}">
                <span
                  >Continue as <strong>${displayName(user)}</strong><br /><span class="muted" style="font-size:.85rem"
                    >${user.email}</span
                  ></span
                >
                <span class="role">${membershipSummary(store.memberships.list(user.id))}</span>
              </button>
            </form>`,
        )}
      </div>
      <div class="divider">or use your email and password</div>
      <form method="post" action="/user_management/authorize">
        ${hiddenFields(request)}<input type="hidden" name="intent" value="password" />
        ${emailField(form.email ?? request.loginHint ?? '')}
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button class="primary" type="submit">Sign in</button>
      </form>
      <p class="switch">New here? <a href="${switchUrl(request, 'sign-up')}">Create an account instead</a></p>
      <p class="footnote">Every demo user's password is <code>demo-password</code>.</p>
    </div>
  </main>`;
  return page({ title: 'Sign in to Demo App', body });
}

function signUpPage(request: AuthorizeRequest, form: FormState): string {
  const body = html`<main class="auth">
    <div class="card">
      <div class="brand"><span class="dot" aria-hidden="true"></span> Demo App</div>
      <h1>Create your Demo App account</h1>
      <p class="lead">Hosted sign-up (WorkOS emulator).</p>
      ${form.error ? html`<p class="alert" role="alert">${form.error}</p>` : null}
      <form method="post" action="/user_management/authorize">
        ${hiddenFields(request)}<input type="hidden" name="intent" value="sign-up" />
        <label for="first_name">First name</label>
        <input
          id="first_name"
          name="first_name"
          type="text"
          autocomplete="given-name"
          value="${form.firstName ?? ''}"
        />
        <label for="last_name">Last name</label>
        <input id="last_name" name="last_name" type="text" autocomplete="family-name" value="${form.lastName ?? ''}" />
        ${emailField(form.email ?? request.loginHint ?? '')}
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" />
        <button class="primary" type="submit">Create account</button>
      </form>
      <p class="switch">Already have an account? <a href="${switchUrl(request, 'sign-in')}">Go to sign in</a></p>
    </div>
  </main>`;
  return page({ title: 'Create your Demo App account', body });
}

/** "admin" for one organization; "Demo Org · member, Other Org · admin" for several. */
function membershipSummary(memberships: MembershipRecord[]): string {
  const active = memberships.filter((m) => m.status === 'active');
  if (active.length === 0) return 'no organization';
  if (active.length === 1) return active[0]?.role ?? '';
  return active.map((m) => `${organizationName(m.organizationId)} · ${m.role}`).join(', ');
}

/** After the credentials, for a user with several active memberships and no `organization_id` asked for. */
export function organizationPage(
  request: AuthorizeRequest,
  user: UserRecord,
  memberships: MembershipRecord[],
  token: string,
): string {
  const body = html`<main class="auth">
    <div class="card">
      <div class="brand"><span class="dot" aria-hidden="true"></span> Demo App</div>
      <h1>Choose an organization</h1>
      <p class="lead">${user.email} is a member of several organizations. Which one do you want to sign in to?</p>
      <div class="demo-users" role="group" aria-label="Organizations">
        ${memberships.map((membership) => {
          const name = organizationName(membership.organizationId);
          return html`<form method="post" action="/user_management/authorize">
            ${hiddenFields(request)}<input type="hidden" name="intent" value="organization" />
            <input type="hidden" name="pending_authentication_token" value="${token}" />
            <input type="hidden" name="selected_organization_id" value="${membership.organizationId}" />
            <button type="submit" aria-label="Continue to ${name}">
              <span>Continue to <strong>${name}</strong></span>
              <span class="role">${membership.role}</span>
            </button>
          </form>`;
        })}
      </div>
    </div>
  </main>`;
  return page({ title: 'Choose an organization', body });
}

export function renderForm(
  res: ServerResponse,
  status: number,
  store: Store,
  request: AuthorizeRequest,
  form: FormState,
): void {
  sendHtml(
    res,
    status,
    request.screenHint === 'sign-up' ? signUpPage(request, form) : signInPage(store, request, form),
  );
}

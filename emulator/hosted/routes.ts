import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorConfig } from '../config.ts';
import { html, page, type SafeHtml } from '../html.ts';
import { clientIp, readParams, redirect, sendHtml, sendJson } from '../http.ts';
import {
  ApiError,
  displayName,
  getOrganization,
  type MembershipRecord,
  type Store,
  type UserRecord,
} from '../store.ts';

/** The OAuth parameters of one authorize request, carried through the hosted forms as hidden fields. */
interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string | null;
  screenHint: 'sign-in' | 'sign-up';
  loginHint: string | null;
  organizationId: string | null;
}

type Params = Record<string, unknown>;
const str = (params: Params, name: string): string | null => {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

class HostedError extends Error {}

function errorPage(res: ServerResponse, status: number, title: string, message: string): void {
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

/** Validates client and redirect URI (never redirecting on failure), then the remaining parameters. */
function parseAuthorize(
  config: EmulatorConfig,
  params: Params,
): { request: AuthorizeRequest; redirectError: string | null } {
  const clientId = str(params, 'client_id');
  if (!clientId) throw new HostedError('The request is missing client_id.');
  if (clientId !== config.clientId) throw new HostedError(`Unknown client_id "${clientId}".`);
  const redirectUri = str(params, 'redirect_uri');
  if (!redirectUri) throw new HostedError('The request is missing redirect_uri.');
  if (!config.redirectUris.includes(redirectUri)) {
    throw new HostedError(
      `The redirect_uri "${redirectUri}" is not on this environment's list of allowed redirect URIs.`,
    );
  }
  const request: AuthorizeRequest = {
    clientId,
    redirectUri,
    state: str(params, 'state'),
    codeChallenge: str(params, 'code_challenge'),
    screenHint: str(params, 'screen_hint') === 'sign-up' ? 'sign-up' : 'sign-in',
    loginHint: str(params, 'login_hint'),
    organizationId: str(params, 'organization_id'),
  };
  let redirectError: string | null = null;
  const responseType = str(params, 'response_type');
  if (responseType !== null && responseType !== 'code') redirectError = 'unsupported_response_type';
  else if (request.codeChallenge !== null && str(params, 'code_challenge_method') !== 'S256')
    redirectError = 'invalid_request';
  else if (request.organizationId !== null && !getOrganization(request.organizationId))
    redirectError = 'invalid_request';
  return { request, redirectError };
}

function callbackUrl(request: AuthorizeRequest, values: Record<string, string>): string {
  const url = new URL(request.redirectUri);
  for (const [key, value] of Object.entries(values)) url.searchParams.set(key, value);
  if (request.state !== null) url.searchParams.set('state', request.state);
  return url.toString();
}

function hiddenFields(request: AuthorizeRequest): SafeHtml {
  const fields: Record<string, string | null> = {
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    response_type: 'code',
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: request.codeChallenge ? 'S256' : null,
    organization_id: request.organizationId,
    screen_hint: request.screenHint,
  };
  return html`${Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}`;
}

function switchUrl(request: AuthorizeRequest, screenHint: 'sign-in' | 'sign-up'): string {
  const url = new URL('/user_management/authorize', 'http://emulator.invalid');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('response_type', 'code');
  if (request.state !== null) url.searchParams.set('state', request.state);
  if (request.codeChallenge !== null) {
    url.searchParams.set('code_challenge', request.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (request.organizationId !== null) url.searchParams.set('organization_id', request.organizationId);
  url.searchParams.set('screen_hint', screenHint);
  return `${url.pathname}${url.search}`;
}

interface FormState {
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
  const users = store.listUsers();
  const impersonations = store.pendingImpersonations();
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
                const user = store.getUser(session.userId);
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
                <span class="role">${membershipSummary(store.listMemberships(user.id))}</span>
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
  return active.map((m) => `${getOrganization(m.organizationId)?.name ?? m.organizationId} · ${m.role}`).join(', ');
}

/** After the credentials, for a user with several active memberships and no `organization_id` asked for. */
function organizationPage(
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
          const name = getOrganization(membership.organizationId)?.name ?? membership.organizationId;
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

function renderForm(
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

export function handleAuthorizeGet(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  store: Store,
  config: EmulatorConfig,
): void {
  let parsed: ReturnType<typeof parseAuthorize>;
  try {
    parsed = parseAuthorize(config, Object.fromEntries(url.searchParams));
  } catch (error) {
    if (error instanceof HostedError) return errorPage(res, 400, 'Invalid sign-in request', error.message);
    throw error;
  }
  if (parsed.redirectError) return redirect(res, callbackUrl(parsed.request, { error: parsed.redirectError }));
  renderForm(res, 200, store, parsed.request, {});
}

export async function handleAuthorizePost(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  config: EmulatorConfig,
): Promise<void> {
  const params = await readParams(req);
  let parsed: ReturnType<typeof parseAuthorize>;
  try {
    parsed = parseAuthorize(config, params);
  } catch (error) {
    if (error instanceof HostedError) return errorPage(res, 400, 'Invalid sign-in request', error.message);
    throw error;
  }
  const { request } = parsed;
  if (parsed.redirectError) return redirect(res, callbackUrl(request, { error: parsed.redirectError }));

  const ipAddress = clientIp(req);
  const userAgent = req.headers['user-agent'] ?? null;
  const issueCode = (
    user: UserRecord,
    organizationId: string | null,
    sessionId: string | null,
    authMethod: string,
    authTime: number,
  ) => {
    const code = store.createCode({
      userId: user.id,
      sessionId,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      organizationId,
      ipAddress,
      userAgent,
      authTime,
      authMethod,
    });
    redirect(res, callbackUrl(request, { code }));
  };
  const complete = (user: UserRecord, authMethod = 'password') => {
    const authTime = store.clock.now();
    // Signing in to a named organization needs an active membership there.
    if (request.organizationId !== null) {
      if (!store.activeMembership(user.id, request.organizationId)) {
        return renderForm(res, 403, store, request, {
          error: `${user.email} is not a member of that organization.`,
          email: user.email,
        });
      }
      return issueCode(user, request.organizationId, null, authMethod, authTime);
    }
    // As AuthKit: one active membership is chosen for the user, several are a choice on the next page, none is a
    // session of no organization.
    const memberships = store.activeMemberships(user.id);
    if (memberships.length > 1) {
      const token = store.createPendingAuthentication({ userId: user.id, authMethod, authTime });
      return sendHtml(res, 200, organizationPage(request, user, memberships, token));
    }
    return issueCode(user, memberships[0]?.organizationId ?? null, null, authMethod, authTime);
  };

  const intent = str(params, 'intent');
  const email = str(params, 'email')?.trim() ?? '';
  const password = str(params, 'password') ?? '';
  if (intent === 'demo') {
    const user = store.getUser(str(params, 'user_id') ?? '');
    if (!user) return renderForm(res, 404, store, request, { error: 'That user no longer exists.' });
    return complete(user);
  }
  if (intent === 'impersonation') {
    const session = store.pendingImpersonations().find((s) => s.id === str(params, 'session_id'));
    const user = session ? store.getUser(session.userId) : undefined;
    if (!session || !user)
      return renderForm(res, 404, store, request, { error: 'That impersonation has ended or expired.' });
    // The session exists already, in the organization it was started for.
    return issueCode(user, session.organizationId, session.id, 'impersonation', store.clock.now());
  }
  if (intent === 'organization') {
    const pending = store.takePendingAuthentication(str(params, 'pending_authentication_token') ?? '');
    const user = pending ? store.getUser(pending.userId) : undefined;
    if (!pending || !user) {
      return renderForm(res, 400, store, request, { error: 'That sign-in has expired. Sign in again.' });
    }
    const organizationId = str(params, 'selected_organization_id') ?? '';
    if (!store.activeMembership(user.id, organizationId)) {
      return renderForm(res, 403, store, request, {
        error: `${user.email} is not a member of that organization.`,
        email: user.email,
      });
    }
    return issueCode(user, organizationId, null, pending.authMethod, pending.authTime);
  }
  if (intent === 'password') {
    const user = email && password ? store.checkPassword(email, password) : null;
    if (!user) return renderForm(res, 401, store, request, { error: 'Incorrect email or password.', email });
    return complete(user);
  }
  if (intent === 'sign-up') {
    const firstName = str(params, 'first_name')?.trim() ?? '';
    const lastName = str(params, 'last_name')?.trim() ?? '';
    const form = { email, firstName, lastName };
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      return renderForm(res, 422, store, request, { ...form, error: 'Enter a valid email address.' });
    if (password.length < 8)
      return renderForm(res, 422, store, request, { ...form, error: 'Use a password of at least 8 characters.' });
    try {
      const user = store.createUser({ email, password, firstName, lastName });
      return complete(user);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        return renderForm(res, 409, store, request, {
          ...form,
          error: 'An account with this email already exists. Sign in instead.',
        });
      }
      throw error;
    }
  }
  renderForm(res, 400, store, request, { error: 'Choose a user or enter your email and password.' });
}

/** Ends the session (if still active) and redirects the browser to `return_to`. */
export function handleLogout(res: ServerResponse, url: URL, store: Store, config: EmulatorConfig): void {
  const sessionId = url.searchParams.get('session_id');
  // The spec's answer without session_id (GET /user_management/sessions/logout): 422 with a message.
  if (!sessionId) return sendJson(res, 422, { message: 'session_id is required.' });
  const allowedOrigins = new Set(config.redirectUris.map((uri) => new URL(uri).origin));
  // The configured logout redirect (the WorkOS dashboard's default): the first redirect URI's origin.
  let target = `${new URL(config.redirectUris[0] ?? 'http://localhost:3000/').origin}/`;
  const returnTo = url.searchParams.get('return_to');
  if (returnTo) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(returnTo);
    } catch {
      parsed = null;
    }
    // A return_to that is not allowed does not stop the sign-out: as WorkOS does (workos/authkit-remix#62), the
    // session ends and the browser goes to the configured logout redirect instead.
    if (parsed && allowedOrigins.has(parsed.origin)) target = parsed.toString();
  }
  const session = store.getSession(sessionId);
  // An unknown or already-ended session still signs the browser out: there is nothing left to end.
  if (session) store.revokeSession(session.id);
  redirect(res, target);
}

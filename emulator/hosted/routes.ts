import { clientIp, redirect, sendHtml, sendJson, type RequestContext, type Route } from '../http.ts';
import { readParams } from '../params.ts';
import type { UserRecord } from '../state/users.ts';
import { ApiError } from '../wire.ts';
import { errorPage, organizationPage, renderForm } from './pages.ts';
import { callbackUrl, HostedError, parseAuthorize, str, type Params } from './request.ts';

/** The request's OAuth parameters; null once an error page (bad client or redirect URI) or error redirect answered. */
function authorizeRequest({ res, config }: RequestContext, params: Params) {
  let parsed: ReturnType<typeof parseAuthorize>;
  try {
    parsed = parseAuthorize(config, params);
  } catch (error) {
    if (error instanceof HostedError) {
      errorPage(res, 400, 'Invalid sign-in request', error.message);
      return null;
    }
    throw error;
  }
  if (parsed.redirectError) {
    redirect(res, callbackUrl(parsed.request, { error: parsed.redirectError }));
    return null;
  }
  return parsed.request;
}

function showAuthorize(ctx: RequestContext): void {
  const request = authorizeRequest(ctx, Object.fromEntries(ctx.url.searchParams));
  if (request) renderForm(ctx.res, 200, ctx.store, request, {});
}

async function submitAuthorize(ctx: RequestContext): Promise<void> {
  const { req, res, store } = ctx;
  const params = await readParams(req);
  const request = authorizeRequest(ctx, params);
  if (!request) return;

  const ipAddress = clientIp(req);
  const userAgent = req.headers['user-agent'] ?? null;
  const issueCode = (
    user: UserRecord,
    organizationId: string | null,
    sessionId: string | null,
    authMethod: string,
    authTime: number,
  ) => {
    const code = store.codes.create({
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
  const notAMember = (user: UserRecord) =>
    renderForm(res, 403, store, request, {
      error: `${user.email} is not a member of that organization.`,
      email: user.email,
    });
  const complete = (user: UserRecord, authMethod = 'password') => {
    const authTime = store.now();
    // Signing in to a named organization needs an active membership there.
    if (request.organizationId !== null) {
      if (!store.memberships.findActive(user.id, request.organizationId)) return notAMember(user);
      return issueCode(user, request.organizationId, null, authMethod, authTime);
    }
    // As AuthKit: one active membership is chosen for the user, several are a choice on the next page, none is a
    // session of no organization.
    const memberships = store.memberships.listActive(user.id);
    if (memberships.length > 1) {
      const token = store.codes.createPending({ userId: user.id, authMethod, authTime });
      return sendHtml(res, 200, organizationPage(request, user, memberships, token));
    }
    return issueCode(user, memberships[0]?.organizationId ?? null, null, authMethod, authTime);
  };

  const intent = str(params, 'intent');
  const email = str(params, 'email')?.trim() ?? '';
  const password = str(params, 'password') ?? '';
  if (intent === 'demo') {
    const user = store.users.get(str(params, 'user_id') ?? '');
    if (!user) return renderForm(res, 404, store, request, { error: 'That user no longer exists.' });
    return complete(user);
  }
  if (intent === 'impersonation') {
    const session = store.sessions.pendingImpersonations().find((s) => s.id === str(params, 'session_id'));
    const user = session ? store.users.get(session.userId) : undefined;
    if (!session || !user)
      return renderForm(res, 404, store, request, { error: 'That impersonation has ended or expired.' });
    // The session exists already, in the organization it was started for.
    return issueCode(user, session.organizationId, session.id, 'impersonation', store.now());
  }
  if (intent === 'organization') {
    const pending = store.codes.takePending(str(params, 'pending_authentication_token') ?? '');
    const user = pending ? store.users.get(pending.userId) : undefined;
    if (!pending || !user) {
      return renderForm(res, 400, store, request, { error: 'That sign-in has expired. Sign in again.' });
    }
    const organizationId = str(params, 'selected_organization_id') ?? '';
    if (!store.memberships.findActive(user.id, organizationId)) return notAMember(user);
    return issueCode(user, organizationId, null, pending.authMethod, pending.authTime);
  }
  if (intent === 'password') {
    const user = email && password ? store.users.checkPassword(email, password) : null;
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
      const user = store.users.create({ email, password, firstName, lastName });
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
function logout({ res, url, store, config }: RequestContext): void {
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
  const session = store.sessions.get(sessionId);
  // An unknown or already-ended session still signs the browser out: there is nothing left to end.
  if (session) store.sessions.revoke(session.id);
  redirect(res, target);
}

/** The browser-facing pages of WorkOS: hosted sign-in (AuthKit) and logout. */
export const hostedRoutes: Route[] = [
  { method: 'GET', path: '/user_management/authorize', handler: showAuthorize },
  { method: 'POST', path: '/user_management/authorize', handler: submitAuthorize },
  { method: 'GET', path: '/user_management/sessions/logout', handler: logout },
];

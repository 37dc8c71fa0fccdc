import type { EmulatorConfig } from '../config.ts';
import { html, type SafeHtml } from '../html.ts';
import { getOrganization } from '../state/organizations.ts';

/** The OAuth parameters of one authorize request, carried through the hosted forms as hidden fields. */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string | null;
  screenHint: 'sign-in' | 'sign-up';
  loginHint: string | null;
  organizationId: string | null;
}

export type Params = Record<string, unknown>;

/** A non-empty string parameter, else null: the hosted forms answer with a page, never a 422. */
export const str = (params: Params, name: string): string | null => {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

/** A request that must not redirect: the client or redirect URI is wrong. */
export class HostedError extends Error {}

/** Validates client and redirect URI (never redirecting on failure), then the remaining parameters. */
export function parseAuthorize(
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

export function callbackUrl(request: AuthorizeRequest, values: Record<string, string>): string {
  const url = new URL(request.redirectUri);
  for (const [key, value] of Object.entries(values)) url.searchParams.set(key, value);
  if (request.state !== null) url.searchParams.set('state', request.state);
  return url.toString();
}

export function hiddenFields(request: AuthorizeRequest): SafeHtml {
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

/** The same request on the other screen (sign-in ↔ sign-up). */
export function switchUrl(request: AuthorizeRequest, screenHint: 'sign-in' | 'sign-up'): string {
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

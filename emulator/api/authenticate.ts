import { bearerToken, secretsEqual, sendJson, type RequestContext } from '../http.ts';
import { optionalString, readParams } from '../params.ts';
import { oauthError } from '../wire.ts';

/** `POST /user_management/authenticate`: the client is checked first; its errors are OAuth-shaped, as the spec's. */
export async function authenticate({ req, res, store, config }: RequestContext): Promise<void> {
  const params = await readParams(req);
  const grantType = optionalString(params, 'grant_type');
  const clientId = optionalString(params, 'client_id');
  const clientSecret = optionalString(params, 'client_secret');
  if (clientId === null || clientId !== config.clientId) {
    throw oauthError('invalid_client', `Invalid client ID${clientId ? ` '${clientId}'` : ''}.`);
  }
  const bearer = bearerToken(req);
  if (
    (clientSecret !== null && !secretsEqual(clientSecret, config.apiKey)) ||
    (bearer !== null && !secretsEqual(bearer, config.apiKey))
  ) {
    // The spec's 400 OAuth error (POST /user_management/authenticate): the SDK throws OauthException.
    throw oauthError('invalid_client', 'The request failed due to: invalid_client.');
  }
  const ipAddress = optionalString(params, 'ip_address');
  const userAgent = optionalString(params, 'user_agent');

  if (grantType === 'authorization_code') {
    const code = optionalString(params, 'code');
    if (code === null) throw oauthError('invalid_request', 'code is required.');
    const response = store.tokens.exchangeCode({
      code,
      clientId,
      codeVerifier: optionalString(params, 'code_verifier'),
      confidential: clientSecret !== null,
      ipAddress,
      userAgent,
    });
    sendJson(res, 200, response);
    return;
  }
  if (grantType === 'refresh_token') {
    const refreshToken = optionalString(params, 'refresh_token');
    if (refreshToken === null) throw oauthError('invalid_request', 'refresh_token is required.');
    sendJson(
      res,
      200,
      store.tokens.refresh({ refreshToken, organizationId: optionalString(params, 'organization_id') }),
    );
    return;
  }
  throw oauthError(
    'unsupported_grant_type',
    grantType ? `Unsupported grant_type '${grantType}'.` : 'grant_type is required.',
  );
}

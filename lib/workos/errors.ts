import { isObject } from './mapping';
import { WorkosError } from './types';

function statusOf(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const status = error.status;
  return typeof status === 'number' ? status : undefined;
}

/** One mapping from whatever the SDK throws to the app's error kinds. */
export function toWorkosError(error: unknown, action: string): WorkosError {
  if (error instanceof WorkosError) return error;
  const status = statusOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const options = { status, cause: error };
  // The SDK's OauthException carries the OAuth `error` code (RFC 6749 §5.2).
  if (status === 400 && isObject(error) && error.error === 'invalid_grant') {
    return new WorkosError('invalid_grant', `${action}: WorkOS refused the grant (invalid_grant)`, options);
  }
  // WorkOS answers a wrong client_secret (the API key) on /user_management/authenticate with an OAuth 400
  // `invalid_client` (its OpenAPI spec): our configuration, not the user's session, like a refused API key.
  const refusedKey = status === 400 && isObject(error) && error.error === 'invalid_client';
  if (status === 401 || status === 403 || refusedKey)
    return new WorkosError('unauthorized', `${action}: WorkOS refused the API key`, options);
  if (status === 404) return new WorkosError('not_found', `${action}: not found at WorkOS`, options);
  if (status === 408) return new WorkosError('timeout', `${action}: WorkOS timed out`, options);
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new WorkosError('invalid', `${action}: WorkOS rejected the request (${status}): ${detail}`, options);
  }
  return new WorkosError('unavailable', `${action}: WorkOS is unavailable: ${detail}`, options);
}

/** Runs one call against WorkOS within `timeoutMs`; whatever it throws comes out as a WorkosError. */
export async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number, action: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkosError('timeout', `${action}: no answer from WorkOS within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    throw toWorkosError(error, action);
  } finally {
    clearTimeout(timer);
  }
}

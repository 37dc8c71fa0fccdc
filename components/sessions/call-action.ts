import { actionError, type SessionActionResult } from '@/lib/sessions/actions/result';

function isNextNavigation(error: unknown): boolean {
  const digest = typeof error === 'object' && error !== null && 'digest' in error ? String(error.digest) : '';
  return digest.startsWith('NEXT_REDIRECT') || digest.startsWith('NEXT_HTTP_ERROR_FALLBACK');
}

/** A session action called from the browser: a lost connection is answered in words; Next's own navigations go on. */
export async function callSessionAction(call: () => Promise<SessionActionResult>): Promise<SessionActionResult> {
  try {
    return await call();
  } catch (error) {
    if (isNextNavigation(error)) throw error;
    return actionError('unavailable', 'We could not reach the server, so nothing was signed out. Check your connection and try again.');
  }
}

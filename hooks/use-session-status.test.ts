import { describe, expect, it } from 'vitest';
import { refusalOf } from './use-session-status';

function response(status: number, body: unknown, headers: Record<string, string> = {}, url = 'http://app.test/api/things') {
  const r = new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers },
  });
  Object.defineProperty(r, 'url', { value: url });
  return r;
}

describe('refusalOf (the session guard reading responses)', () => {
  it("reads the proxy's refusal and its reason, leaving the body readable for the caller", async () => {
    const refused = response(401, { error: 'session_revoked', reason: 'admin' }, { 'x-session-status': 'revoked' });
    expect(await refusalOf(refused)).toBe('admin');
    expect(await refused.json()).toEqual({ error: 'session_revoked', reason: 'admin' });
  });

  it('trusts the header alone when the body is not JSON', async () => {
    expect(await refusalOf(response(303, 'moved', { 'x-session-status': 'revoked' }))).toBe('session_revoked');
  });

  it("treats /api/session's unauthenticated as an ended session, but not any other 401", async () => {
    expect(await refusalOf(response(401, { error: 'unauthenticated' }, {}, 'http://app.test/api/session'))).toBe('session_ended');
    expect(await refusalOf(response(401, { error: 'unauthenticated' }))).toBeNull();
    expect(await refusalOf(response(401, { error: 'invalid_token' }))).toBeNull();
  });

  it('ignores successful and unrelated responses', async () => {
    expect(await refusalOf(response(200, { status: 'active' }))).toBeNull();
    expect(await refusalOf(response(500, { error: 'session_revoked' }))).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import {
  endingOf,
  readRevokedFrame,
  readTabMessage,
  RECONNECT_FRAME,
  refusalBody,
  revokedFrame,
  unauthenticatedBody,
  sessionStatusOf,
  setSessionStatus,
  signedOutPath,
  tabMessage,
} from './protocol';

function response(status: number, body: unknown, headers: Record<string, string> = {}, url = 'http://app.test/api/things') {
  const r = new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers },
  });
  Object.defineProperty(r, 'url', { value: url });
  return r;
}

describe('endingOf (the session guard reading responses)', () => {
  it("reads the proxy's refusal and its reason, leaving the body readable for the caller", async () => {
    const refused = response(401, { error: 'session_revoked', reason: 'admin' }, { 'x-session-status': 'revoked' });
    expect(await endingOf(refused)).toBe('admin');
    expect(await refused.json()).toEqual({ error: 'session_revoked', reason: 'admin' });
  });

  it('trusts the header alone when the body is not JSON', async () => {
    expect(await endingOf(response(303, 'moved', { 'x-session-status': 'revoked' }))).toBe('session_revoked');
  });

  it("treats /api/session's unauthenticated as an ended session, but not any other 401", async () => {
    expect(await endingOf(response(401, { error: 'unauthenticated' }, {}, 'http://app.test/api/session'))).toBe('session_ended');
    // This browser signed itself out a moment ago (the marker cookie): the tab says so.
    expect(unauthenticatedBody('signed_out')).toEqual({ error: 'unauthenticated', reason: 'signed_out' });
    expect(unauthenticatedBody('<script>')).toEqual({ error: 'unauthenticated' });
    expect(unauthenticatedBody(undefined)).toEqual({ error: 'unauthenticated' });
    expect(await endingOf(response(401, { error: 'unauthenticated', reason: 'signed_out' }, {}, 'http://app.test/api/session'))).toBe('signed_out');
    expect(await endingOf(response(401, { error: 'unauthenticated' }))).toBeNull();
    expect(await endingOf(response(401, { error: 'invalid_token' }))).toBeNull();
  });

  it('ignores successful and unrelated responses', async () => {
    expect(await endingOf(response(200, { status: 'active' }))).toBeNull();
    expect(await endingOf(response(500, { error: 'session_revoked' }))).toBeNull();
  });

  it('reads a refusal whose reason it does not know as the generic one', async () => {
    expect(await endingOf(response(401, { error: 'session_revoked', reason: 'from_the_future' }))).toBe('session_revoked');
    expect(await endingOf(response(401, { error: 'session_revoked' }))).toBe('session_revoked');
  });
});

describe('what the server encodes, the browser reads', () => {
  it('the refusal: body and header', async () => {
    const headers = new Headers();
    setSessionStatus(headers, 'revoked');
    const refused = response(401, refusalBody('password_changed'), Object.fromEntries(headers));
    expect(sessionStatusOf(refused)).toBe('revoked');
    expect(await endingOf(refused)).toBe('password_changed');
  });

  it('the revoked frame, with the wording of its reason', () => {
    const frame = revokedFrame({ reason: 'signed_out_elsewhere', revokedAt: 1_700_000_000_000 });
    expect(frame).toMatch(/^id: revoked-1700000000000\nevent: revoked\ndata: .*\n\n$/);
    expect(readRevokedFrame(/^data: (.*)$/m.exec(frame)![1]!)).toEqual({
      reason: 'signed_out_elsewhere',
      message: 'You signed out this device from another device.',
    });
  });

  it('the revoked frame carries the receipt token the page posts back', () => {
    const frame = revokedFrame({ reason: 'admin', revokedAt: 1_700_000_000_000 }, 'sealed-token');
    expect(readRevokedFrame(/^data: (.*)$/m.exec(frame)![1]!)).toEqual({
      reason: 'admin',
      message: 'An administrator ended your session.',
      receipt: 'sealed-token',
    });
    expect(readRevokedFrame('{"reason":"admin","receipt":7}')).toEqual({ reason: 'admin' });
  });

  it('a revoked frame it cannot read still ends the session', () => {
    expect(readRevokedFrame('not json')).toEqual({ reason: 'session_revoked' });
    expect(readRevokedFrame('{"reason":"from_the_future"}')).toEqual({ reason: 'session_revoked' });
    expect(readRevokedFrame('{"reason":"admin","message":42}')).toEqual({ reason: 'admin' });
  });

  it('the reconnect frame is another event', () => {
    expect(RECONNECT_FRAME).toMatch(/^event: reconnect\ndata: \{"reason":"access_token_expired"\}\n\n$/);
  });

  it('the tab message; anything else on the channel is not one', () => {
    expect(readTabMessage(structuredClone(tabMessage('admin')))).toBe('admin');
    expect(readTabMessage({ type: 'revoked', reason: 'from_the_future' })).toBe('session_revoked');
    expect(readTabMessage({ type: 'hello' })).toBeNull();
    expect(readTabMessage('revoked')).toBeNull();
  });

  it('the /signed-out address', () => {
    expect(signedOutPath('sign_in_failed')).toBe('/signed-out?reason=sign_in_failed');
  });
});

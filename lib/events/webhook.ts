import { createHash } from 'node:crypto';
import { z } from 'zod';
import { mapEvent } from '@/lib/workos/core';
import type { WorkosEvent } from '@/lib/workos/types';
import type { ProcessOutcome } from './process-event';

/**
 * POST /api/webhooks/workos, independent of where its dependencies come from (route.ts passes the real ones,
 * tests pass a real SDK verifier with fakes behind it).
 *
 * Answers, in order: 404 when webhooks are switched off (REVOCATION_SIGNALS=events), 413 for a body over 1 MiB,
 * 401 when the WorkOS-Signature header is missing, forged, or dated outside the tolerance (older, or in the future:
 * the SDK only checks the past), 400 when the body is not
 * UTF-8. Then the event ledger decides, and 200 means only "settled": processed, a duplicate, a type not handled,
 * or parked (a correctly signed body that is not a usable event, or one that failed too often: kept with its
 * reason for operators, never retried by WorkOS forever). 503 while it is in progress elsewhere and 500 when
 * acting failed: WorkOS re-delivers it later.
 */

/** The SDK's `webhooks` surface this handler uses (the real one: `workos.webhooks`). */
export interface WebhookVerifier {
  constructEvent(options: { payload: unknown; sigHeader: string; secret: string; tolerance?: number }): Promise<unknown>;
}

export interface WebhookDeps {
  enabled: boolean;
  secret: string | null;
  verifier: WebhookVerifier;
  process(event: WorkosEvent): Promise<ProcessOutcome>;
  /** Sets aside a correctly signed event that cannot be used, with its reason and raw body. */
  park(event: { id: string; type: string; payload: string }, reason: string): void;
  /** ms; the SDK's default (3 minutes) when unset. */
  toleranceMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** The SDK's default window for a signature's timestamp. */
export const DEFAULT_TOLERANCE_MS = 180_000;
export const SIGNATURE_HEADER = 'workos-signature';

const verifiedEvent = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  createdAt: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

function json(status: number, body: Record<string, unknown>, retryAfter?: string): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store', ...(retryAfter ? { 'Retry-After': retryAfter } : {}) } });
}

/** The `t=` of a WorkOS-Signature header (ms), when it has a well-formed one. */
function signedAt(sigHeader: string): number | null {
  const match = /(?:^|,)\s*t=(\d{1,16})\s*(?:,|$)/.exec(sigHeader);
  return match ? Number(match[1]) : null;
}

function isSignatureError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SignatureVerificationException';
}

function field(rawBody: string, name: 'event' | 'id'): string | null {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' && value ? value.slice(0, 200) : null;
  } catch {
    return null;
  }
}

/** The event type of a body whose signature has been verified but which the SDK could not deserialize. */
const typeOf = (rawBody: string) => field(rawBody, 'event');
const idOf = (rawBody: string) => field(rawBody, 'id');

/**
 * The body as UTF-8 text, read a chunk at a time and abandoned as soon as it passes `limit` BYTES — a chunked
 * request declares no content-length, so the header check alone does not bound what would be buffered.
 */
async function readBody(request: Request, limit: number): Promise<{ text: string } | 'too_large' | 'invalid_utf8'> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return 'too_large';
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return 'invalid_utf8';
  }
}

export async function handleWorkosWebhook(
  request: Request,
  deps: WebhookDeps,
  isHandledType: (type: string) => boolean,
): Promise<Response> {
  if (!deps.enabled || !deps.secret) {
    return json(404, { error: 'webhooks_disabled', message: 'This app reads WorkOS events through the Events API.' });
  }

  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_WEBHOOK_BYTES) return json(413, { error: 'payload_too_large' });
  const sigHeader = request.headers.get(SIGNATURE_HEADER);
  if (!sigHeader) return json(401, { error: 'invalid_signature', message: 'Missing WorkOS-Signature header.' });

  const at = signedAt(sigHeader);
  if (at !== null && at > Date.now() + (deps.toleranceMs ?? DEFAULT_TOLERANCE_MS)) {
    deps.log?.('warn', 'webhook refused: signed in the future', { skewMs: at - Date.now() });
    return json(401, { error: 'invalid_signature', message: 'The signature is dated in the future.' });
  }

  // IMPORTANT: the signature covers the exact bytes WorkOS sent; verify the raw text, never a re-serialised object.
  const body = await readBody(request, MAX_WEBHOOK_BYTES);
  if (body === 'too_large') return json(413, { error: 'payload_too_large' });
  if (body === 'invalid_utf8') return json(400, { error: 'malformed_event' });
  const rawBody = body.text;

  let constructed: unknown;
  try {
    constructed = await deps.verifier.constructEvent({
      payload: rawBody,
      sigHeader,
      secret: deps.secret,
      ...(deps.toleranceMs ? { tolerance: deps.toleranceMs } : {}),
    });
  } catch (error) {
    if (isSignatureError(error)) {
      deps.log?.('warn', 'webhook refused: bad signature', { reason: (error as Error).message });
      return json(401, { error: 'invalid_signature' });
    }
    // Verified, but the SDK could not parse or deserialize it.
    return parkUnusable(rawBody, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }

  const parsed = verifiedEvent.safeParse(constructed);
  if (!parsed.success) return parkUnusable(rawBody, `is not a WorkOS event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  if (!isHandledType(parsed.data.event)) return json(200, { received: true, status: 'ignored' });

  let event: WorkosEvent;
  try {
    event = mapEvent(parsed.data);
  } catch (error) {
    return parkUnusable(rawBody, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }

  const outcome = await deps.process(event);
  if (outcome.status === 'pending') {
    const retryAfter = String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
    if (outcome.reason === 'in_progress') {
      return json(503, { error: 'in_progress', message: 'This event is being processed; deliver it again later.' }, retryAfter);
    }
    deps.log?.('error', 'webhook event failed; WorkOS will deliver it again', { eventId: event.id, type: event.event });
    return json(500, { error: 'processing_failed' }, retryAfter);
  }
  return json(200, { received: true, status: outcome.status });

  /** A correctly signed body that is no usable event: parked with its reason, acknowledged (never retried forever). */
  function parkUnusable(raw: string, reason: string): Response {
    const type = typeOf(raw);
    if (type && !isHandledType(type)) return json(200, { received: true, status: 'ignored' });
    const id = idOf(raw) ?? `unreadable:${createHash('sha256').update(raw).digest('hex').slice(0, 24)}`;
    deps.park({ id, type: type ?? 'unknown', payload: raw }, reason);
    deps.log?.('error', 'parked a webhook event that could not be used', { eventId: id, type, reason });
    return json(200, { received: true, status: 'parked' });
  }
}

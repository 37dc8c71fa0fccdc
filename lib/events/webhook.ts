import { z } from 'zod';
import { mapEvent } from '@/lib/workos/core';
import type { WorkosEvent } from '@/lib/workos/types';
import { MalformedEventError, type ProcessOutcome } from './process-event';

/**
 * POST /api/webhooks/workos, independent of where its dependencies come from (route.ts passes the real ones,
 * tests pass a real SDK verifier with fakes behind it).
 *
 * Answers, in order: 404 when webhooks are switched off (REVOCATION_SIGNALS=events), 413 for a body over 1 MiB,
 * 401 when the WorkOS-Signature header is missing, forged or older than the tolerance, 400 when a correctly signed
 * body is not a WorkOS event, 200 once the event is handled (or ignored, or a duplicate), 500 when acting on it
 * failed — WorkOS then re-delivers it, and since the once-only claim was released the retry acts on it.
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
  /** ms; the SDK's default (3 minutes) when unset. */
  toleranceMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
export const SIGNATURE_HEADER = 'workos-signature';

const verifiedEvent = z.object({
  id: z.string().min(1),
  event: z.string().min(1),
  createdAt: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});

function json(status: number, body: Record<string, unknown>): Response {
  return Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
}

function isSignatureError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SignatureVerificationException';
}

/** The event type of a body whose signature has been verified but which the SDK could not deserialize. */
function typeOf(rawBody: string): string | null {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    const type = typeof parsed === 'object' && parsed !== null ? (parsed as { event?: unknown }).event : undefined;
    return typeof type === 'string' ? type : null;
  } catch {
    return null;
  }
}

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
    const type = typeOf(rawBody);
    if (type && !isHandledType(type)) return json(200, { received: true, status: 'ignored' });
    return json(400, { error: 'malformed_event' });
  }

  const parsed = verifiedEvent.safeParse(constructed);
  if (!parsed.success) return json(400, { error: 'malformed_event' });
  if (!isHandledType(parsed.data.event)) return json(200, { received: true, status: 'ignored' });

  let event: WorkosEvent;
  try {
    event = mapEvent(parsed.data);
  } catch {
    return json(400, { error: 'malformed_event' });
  }

  try {
    const outcome = await deps.process(event);
    return json(200, { received: true, status: outcome.status });
  } catch (error) {
    if (error instanceof MalformedEventError) return json(400, { error: 'malformed_event' });
    deps.log?.('error', 'webhook event failed; WorkOS will retry it', {
      eventId: event.id,
      type: event.event,
      error: error instanceof Error ? error.message : String(error),
    });
    return json(500, { error: 'processing_failed' });
  }
}

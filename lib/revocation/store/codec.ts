import { z } from 'zod';
import type { RevocationReason, RevocationRecord, RevocationSource, UserRevocation } from '../types';
import type { Retention } from './retention';

/**
 * The stored and published form of revocations. Records come from stores other deployments (or versions) can write
 * to — Redis keys and messages, the local outbox — so only exactly this shape is trusted.
 */

export const SESSION_HASH = /^[0-9a-f]{32}$/;
export const userIdSchema = z.string().min(1).max(200);
const textSchema = z.string().min(1).max(100);
// Any reason and source a newer version may add: shown as a generic "your session has ended".
const reasonSchema = textSchema.transform((v) => v as RevocationReason);
const sourceSchema = textSchema.transform((v) => v as RevocationSource);

const recordSchema = z.object({
  sessionHash: z.string().regex(SESSION_HASH),
  userId: userIdSchema,
  revokedAt: z.number().finite(),
  expiresAt: z.number().finite(),
  reason: reasonSchema,
  source: sourceSchema,
  actor: z.object({
    type: z.enum(['user', 'admin', 'impersonator', 'workos', 'policy', 'system']),
    id: z.string().max(200).nullish().transform((v) => v ?? null),
    sessionHash: z.string().regex(SESSION_HASH).nullish().transform((v) => v ?? null),
  }),
  note: z.string().max(1_000).nullish().transform((v) => v ?? null),
});

// `expiresAt` is absent from user revocations written before they carried one: the retention gives it.
const userRevocationSchema = z.object({
  userId: userIdSchema,
  revokedAt: z.number().finite(),
  expiresAt: z.number().finite().optional(),
  reason: reasonSchema,
  source: sourceSchema,
});

/** What travels through Redis and waits in the outbox: one session or one user revocation. */
export type Payload = { kind: 's'; record: RevocationRecord } | { kind: 'u'; revocation: UserRevocation };
/** A payload as published on the channel, marked with the instance that wrote it. */
export type Message = Payload & { v: 1; from: string };

const envelopeSchema = z.object({ v: z.literal(1), from: z.string() });

export function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function parseRecord(value: unknown): RevocationRecord | null {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function parseUserRevocation(value: unknown, retention: Retention): UserRevocation | null {
  const parsed = userRevocationSchema.safeParse(value);
  if (!parsed.success) return null;
  const { expiresAt, ...revocation } = parsed.data;
  return { ...revocation, expiresAt: expiresAt ?? retention.userExpiry(revocation.revokedAt) };
}

export function parsePayload(value: unknown, retention: Retention): Payload | null {
  const payload = value as Partial<Payload> | null;
  if (payload?.kind === 's') {
    const record = parseRecord(payload.record);
    return record && { kind: 's', record };
  }
  if (payload?.kind === 'u') {
    const revocation = parseUserRevocation(payload.revocation, retention);
    return revocation && { kind: 'u', revocation };
  }
  return null;
}

export function parseMessage(text: string, retention: Retention): Message | null {
  const value = parseJson(text);
  const envelope = envelopeSchema.safeParse(value);
  const payload = envelope.success ? parsePayload(value, retention) : null;
  return payload && envelope.data ? { ...payload, ...envelope.data } : null;
}

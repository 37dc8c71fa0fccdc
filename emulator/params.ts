import type { IncomingMessage } from 'node:http';
import { ApiError, unprocessable } from './wire.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, { message: 'Request body too large.', code: 'payload_too_large' });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON or form-urlencoded body into a flat record; malformed JSON is a 400. */
export async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(400, { message: 'The request body is not valid JSON.', code: 'invalid_json' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError(400, { message: 'The request body must be a JSON object.', code: 'invalid_json' });
  }
  return parsed as Record<string, unknown>;
}

// Readers of one parameter: a value that does not fit is the 422 naming `field` (the parameter's own name unless
// it sits inside another, e.g. `memberships[0].role`).

export function optionalString(params: Record<string, unknown>, name: string, field = name): string | null {
  const value = params[name];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw unprocessable(field, `${field} must be a string`);
  return value;
}

export function requiredString(params: Record<string, unknown>, name: string, field = name): string {
  const value = optionalString(params, name, field);
  if (value === null) throw unprocessable(field, `${field} is required`);
  return value;
}

/** A number, or a string of digits (form fields). */
export function readInteger(params: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = params[name];
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw unprocessable(name, `${name} must be an integer between ${min} and ${max}`);
  }
  return number;
}

/** true/false, or their form spellings (on/off, 1/0). */
export function readBoolean(params: Record<string, unknown>, name: string): boolean {
  const value = params[name];
  if (value === true || value === 'true' || value === 'on' || value === '1') return true;
  if (value === false || value === 'false' || value === 'off' || value === '0') return false;
  throw unprocessable(name, `${name} must be true or false`);
}

/** A list-valued query parameter in any of its forms: `a,b` (the Node SDK), `name=a&name=b`, `name[]=a`. */
export function listParam(query: URLSearchParams, name: string): string[] {
  return [...query.getAll(name), ...query.getAll(`${name}[]`)]
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

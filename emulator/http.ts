import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, unprocessable } from './store.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

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

export function optionalString(params: Record<string, unknown>, field: string): string | null {
  const value = params[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw unprocessable(field, `${field} must be a string`);
  return value;
}

export function requiredString(params: Record<string, unknown>, field: string): string {
  const value = optionalString(params, field);
  if (value === null) throw unprocessable(field, `${field} is required`);
  return value;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    ...headers,
  });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', ...headers });
  res.end();
}

/** The browser's address: the first `X-Forwarded-For` entry if present, else the socket address. */
export function clientIp(req: IncomingMessage): string | null {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  if (first) return first;
  const address = req.socket.remoteAddress ?? null;
  return address?.startsWith('::ffff:') ? address.slice(7) : address;
}

export function parseCookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    try {
      out[name] = decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      // ignore malformed cookies
    }
  }
  return out;
}

// -- cursor pagination (WorkOS style: cursors are object ids) ----------------------------------

export interface PageQuery {
  limit: number;
  before: string | null;
  after: string | null;
  order: 'asc' | 'desc';
  /**
   * `order=normal` (spec: "descending with reversed cursor semantics where `before` fetches older records and
   * `after` fetches newer records"): a descending list whose cursors, given and answered, swap roles.
   */
  reversedCursors?: boolean;
}

export function parsePageQuery(query: URLSearchParams, defaults: { limit: number; order: 'asc' | 'desc' }): PageQuery {
  const rawLimit = query.get('limit');
  let limit = defaults.limit;
  if (rawLimit !== null && rawLimit !== '') {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 100) {
      throw unprocessable('limit', 'limit must be an integer between 1 and 100');
    }
    limit = Number(rawLimit);
  }
  const rawOrder = query.get('order');
  let order = defaults.order;
  if (rawOrder !== null && rawOrder !== '') {
    if (rawOrder === 'asc' || rawOrder === 'desc') order = rawOrder;
    else if (rawOrder === 'normal') order = 'desc';
    else throw unprocessable('order', 'order must be one of normal, desc, asc');
  }
  const before = query.get('before') || null;
  const after = query.get('after') || null;
  if (before && after) throw unprocessable('before', 'before and after cannot be combined');
  if (rawOrder === 'normal') return { limit, before: after, after: before, order, reversedCursors: true };
  return { limit, before, after, order };
}

/**
 * Pages items whose ids sort by creation time (monotonic ULIDs). `after`/`before` are ids and are
 * compared by value, so a cursor keeps working when its own item has since gone away.
 */
export function paginate<T extends { id: string }>(
  items: T[],
  page: PageQuery,
): { data: T[]; before: string | null; after: string | null } {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (page.order === 'desc') sorted.reverse();
  const comesAfter = (id: string, cursor: string) => (page.order === 'asc' ? id > cursor : id < cursor);
  let data: T[];
  let hasBefore: boolean;
  let hasAfter: boolean;
  if (page.before !== null) {
    const cursor = page.before;
    const preceding = sorted.filter((item) => comesAfter(cursor, item.id));
    data = preceding.slice(Math.max(0, preceding.length - page.limit));
    hasBefore = preceding.length > data.length;
    hasAfter = sorted.length > preceding.length;
  } else {
    const cursor = page.after;
    const following = cursor === null ? sorted : sorted.filter((item) => comesAfter(item.id, cursor));
    data = following.slice(0, page.limit);
    hasBefore = following.length < sorted.length;
    hasAfter = following.length > data.length;
  }
  const first = data[0];
  const last = data[data.length - 1];
  const towardsStart = hasBefore && first ? first.id : null;
  const towardsEnd = hasAfter && last ? last.id : null;
  if (page.reversedCursors) return { data, before: towardsEnd, after: towardsStart };
  return { data, before: towardsStart, after: towardsEnd };
}

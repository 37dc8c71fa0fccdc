import { unprocessable } from './wire.ts';

/** Cursor pagination as WorkOS does it: cursors are object ids. */
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

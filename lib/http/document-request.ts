import type { NextRequest } from 'next/server';

/** A top-level navigation that expects HTML, as opposed to fetch, RSC, prefetch or a server action. */
export function isDocumentRequest(request: Pick<NextRequest, 'method' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (request.headers.get('rsc') || request.headers.get('next-router-prefetch') || request.headers.get('next-action')) {
    return false;
  }
  const dest = request.headers.get('sec-fetch-dest');
  if (dest) return dest === 'document';
  return (request.headers.get('accept') ?? '').includes('text/html');
}

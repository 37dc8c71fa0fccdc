import { RECEIPTS_URL } from '@/lib/session-status/protocol';

/**
 * Tells the server that this page heard its session was revoked, so the person who revoked it sees when. Best
 * effort: the page signs out either way. Without cookies: the sealed receipt is the only credential it needs.
 */
export function acknowledgeRevocation(receipt: string, send: typeof fetch = (...args) => fetch(...args)): void {
  void send(RECEIPTS_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ receipt }),
    credentials: 'omit',
    // Sent even if the page is closed or navigates away right after.
    keepalive: true,
  }).catch(() => {});
}

/**
 * The floor under the scale bench's per-stream figures: the same SSE streams (retry and opening frame, one shared
 * heartbeat timer for all, nothing per stream but the response) served by bare node:http, with no framework and no
 * session check. `node bench/sse-floor-host.mjs <port>`; SSE_HEARTBEAT_MS as the app's.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const heartbeatMs = Number(process.env.SSE_HEARTBEAT_MS ?? 15_000);
const OPENING = Buffer.from('retry: 3000\n: connected\n\n');
const PING = Buffer.from(': ping\n\n');
const open = new Set();

setInterval(() => {
  for (const res of open) res.write(PING);
}, heartbeatMs).unref();

createServer((req, res) => {
  if (req.method !== 'GET' || !req.url?.startsWith('/api/session/events')) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store, no-transform' });
  res.write(OPENING);
  open.add(res);
  res.on('close', () => open.delete(res));
}).listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));

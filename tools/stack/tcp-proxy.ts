/**
 * A loopback TCP proxy for failure tests: `cut()` is a network partition (connections dropped, new ones refused),
 * `stall()` is a server that stops answering (requests are held back, nothing is closed).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './ports.ts';

export interface TcpProxy {
  port: number;
  cut(): void;
  restore(): void;
  stall(): void;
  unstall(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, portFrom = 6420): Promise<TcpProxy> {
  const port = await freePort(portFrom);
  const sockets = new Set<Socket>();
  const held = new Map<Socket, { upstream: Socket; chunks: Buffer[] }>();
  let open = true;
  let stalled = false;

  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const entry = { upstream, chunks: [] as Buffer[] };
    held.set(client, entry);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      held.delete(client);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (stalled) entry.chunks.push(chunk);
      else upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
      held.clear();
    },
    restore() {
      open = true;
    },
    stall() {
      stalled = true;
    },
    unstall() {
      stalled = false;
      for (const { upstream, chunks } of held.values()) {
        for (const chunk of chunks.splice(0)) upstream.write(chunk);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

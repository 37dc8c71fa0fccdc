import { request as httpRequest } from 'node:http';
import { e2eEnv } from '../e2e-env';

/**
 * Requests to the app from a chosen loopback address (127.0.0.0/8 all reaches this machine): the app trusts no proxy,
 * so its client address is the socket's, and a header cannot fake one. Each probe that spends a per-IP budget uses
 * an address of its own, so no other spec (all on 127.0.0.1) is refused for it.
 */
export interface PlainResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function fromAddress(localAddress: string, origin: string = e2eEnv.appURL) {
  const { port } = new URL(origin);
  return (path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<PlainResponse>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
}

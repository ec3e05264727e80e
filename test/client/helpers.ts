/**
 * For the SDK tests: a real Berth listening on a free port (in-process, real clock, real
 * simulator, in-memory database), and a small node:http proxy in front of it that can answer
 * instead of the server (a 503 once, a 404 for the event routes…) or cut connections.
 */
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request as httpRequest,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, expect } from 'vitest';
import { BerthClient, type BerthClientOptions } from '../../src/client/index.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

export { ADMIN_KEY };

/** The Bell circuit of the brief, as OpenQASM 3. */
export const BELL3 =
  'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;';

export const bellParams = (shots = 100) => ({ pubs: [[BELL3, null, shots]] });

/** A listening Berth (stopped after the test) and a client for it. */
export async function berth(options: { file?: unknown } = {}) {
  const t = await testRuntime({
    executor: 'simulator',
    realTime: true,
    env: { BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_SSE_HEARTBEAT_MS: '1000' },
    ...(options.file !== undefined ? { file: options.file } : {}),
  });
  const url = await t.rt.listen();
  const client = (extra: Partial<BerthClientOptions> = {}) =>
    new BerthClient({ url, token: ADMIN_KEY, ...extra });
  return { ...t, url, client };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

/** What the proxy does with a request. */
export type Intercept =
  | 'forward'
  /** Close the connection without answering. */
  | 'destroy'
  | { status: number; body?: unknown; headers?: Record<string, string> };

export interface Proxy {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  /** Cut every response that is still streaming (event streams). */
  cutStreams(): void;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A proxy to `target`; `intercept` decides per request (default: forward everything). */
export async function startProxy(
  target: string,
  intercept: (req: SeenRequest, index: number) => Intercept = () => 'forward',
  port = 0,
): Promise<Proxy> {
  const seen: SeenRequest[] = [];
  const streaming = new Set<ServerResponse>();
  const t = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const r: SeenRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
    };
    const index = seen.length;
    seen.push(r);
    const what = intercept(r, index);
    if (what === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (what !== 'forward') {
      req.resume();
      const body = what.body === undefined ? '' : JSON.stringify(what.body);
      res.writeHead(what.status, {
        ...(body ? { 'content-type': 'application/json' } : {}),
        'x-request-id': `proxy-${index}`,
        ...what.headers,
      });
      res.end(body);
      return;
    }
    const upstream = httpRequest(
      {
        host: t.hostname,
        port: t.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: t.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (String(up.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          streaming.add(res);
          res.on('close', () => streaming.delete(res));
          up.on('data', (d: Buffer) => res.write(d));
          up.on('end', () => res.end());
          // The server died mid-stream: so does the client's connection, as without a proxy.
          up.on('close', () => {
            if (!res.writableEnded) (res.socket as Socket | null)?.destroy();
          });
        } else {
          up.pipe(res);
        }
        res.on('close', () => up.destroy());
      },
    );
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}`,
    port: p,
    seen,
    cutStreams() {
      for (const res of streaming) (res.socket as Socket | null)?.destroy();
      streaming.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (for a moment). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Poll `check` until it returns a value (not undefined), or fail after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) expect.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The path part of a request URL. */
export const pathOf = (r: SeenRequest): string => r.url.split('?')[0] ?? '';

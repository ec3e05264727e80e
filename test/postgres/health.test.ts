/**
 * A node whose scheduler passes fail on every try (here: its database role may no longer read
 * the jobs table; in the field: a query its PostgreSQL refuses) while its heartbeat still works.
 * It says so on /ready (503 with the error), gives its backends to a node that can schedule
 * them, and, once the error is gone, becomes ready again by itself and takes its share back.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../src/storage/postgres/sql.js';
import { postgresUrl } from '../helpers/postgres.js';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';
import { until } from '../helpers/until.js';

const FILE = {
  backends: [
    { name: 'sim_a', lanes: 2, qubits: 4 },
    { name: 'sim_b', lanes: 2, qubits: 4 },
  ],
};
const job = (backend: string) => ({
  backend,
  program_id: 'sampler',
  params: { pubs: [['OPENQASM 3.0; qubit q; bit c; h q; c = measure q;', null, 16]] },
});

it('makes a node whose scheduler keeps failing not ready, and hands its backends over', async () => {
  const db = await testDatabase();
  const schema = /search_path=(\S+)/.exec(new URL(db).searchParams.get('options') ?? '')?.[1];
  if (!schema) throw new Error('testDatabase() gave no schema');
  const role = `limited_${schema}`;
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  const s = quoteIdent(schema);
  const r = quoteIdent(role);
  try {
    // The healthy node first: it creates the tables, as their owner.
    const healthy = await testRuntime({
      file: FILE,
      env: { BERTH_DB: db, BERTH_NODE_ID: 'healthy' },
      realTime: true,
      executor: 'auto',
    });
    await admin.query(`CREATE ROLE ${r} LOGIN PASSWORD 'limited-pw'`);
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA ${s} TO ${r}`);
    await admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
    await admin.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    const url = new URL(db);
    url.username = role;
    url.password = 'limited-pw';
    const failing = await testRuntime({
      file: FILE,
      env: { BERTH_DB: url.toString(), BERTH_NODE_ID: 'failing' },
      realTime: true,
      executor: 'auto',
    });
    await until(
      'each node to schedule one backend',
      async () =>
        failing.rt.scheduler.ownedBackends.length === 1 &&
        healthy.rt.scheduler.ownedBackends.length === 1,
    );
    expect((await failing.api('GET', '/ready')).status).toBe(200);

    // Every pass now fails at the due-deadlines query; the heartbeat still works.
    await admin.query(`REVOKE SELECT ON ${s}.jobs FROM ${r}`);
    const notReady = await until('the failing node to say it is not ready', async () => {
      const res = await failing.api('GET', '/ready');
      return res.status === 503 ? res.body : null;
    });
    expect(notReady.errors[0].code).toBe('not_ready');
    expect(notReady.errors[0].message).toMatch(
      /the scheduler's passes keep failing: permission denied for table jobs/,
    );
    await until(
      'the healthy node to schedule both backends',
      async () => healthy.rt.scheduler.ownedBackends.length === 2,
      8000,
    );
    // Still alive (it heartbeats), but it schedules nothing: no job waits on it.
    expect(failing.rt.scheduler.ownedBackends).toEqual([]);
    const nodes = (await healthy.api('GET', '/api/v1/nodes')).body.nodes as {
      id: string;
      alive: boolean;
      backends: string[];
    }[];
    expect(nodes.find((n) => n.id === 'failing')).toMatchObject({
      alive: true,
      backends: [],
      problem: expect.stringMatching(/permission denied for table jobs/),
    });
    for (const backend of ['sim_a', 'sim_b']) {
      const id = (await healthy.api('POST', '/api/v1/jobs', job(backend))).body.id as string;
      await until(
        `a job on ${backend} to complete`,
        async () => (await healthy.api('GET', `/api/v1/jobs/${id}`)).body.status === 'Completed',
        5000,
      );
    }

    // Fixed: ready again by itself (nothing nudges it), and it takes its share back.
    await admin.query(`GRANT SELECT ON ${s}.jobs TO ${r}`);
    await until(
      'the node to be ready again',
      async () => (await failing.api('GET', '/ready')).status === 200,
      10_000,
    );
    await until(
      'the node to schedule a backend again',
      async () => failing.rt.scheduler.ownedBackends.length === 1,
      8000,
    );
    await failing.rt.stop();
    await healthy.rt.stop();
  } finally {
    await admin.query(`DROP OWNED BY ${r}`).catch(() => {});
    await admin.query(`DROP ROLE IF EXISTS ${r}`).catch(() => {});
    await admin.end();
  }
}, 60_000);

/**
 * Several Berth nodes on one PostgreSQL: every node answers the whole API; each backend is
 * scheduled by one node; a job submitted on one node starts on the node that schedules its
 * backend (woken by NOTIFY, no polling); a node that stops hands its backends over.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';
import { until } from '../helpers/until.js';

const JOB = {
  backend: 'berth_sim',
  program_id: 'sampler',
  params: { pubs: [['OPENQASM 3.0; qubit q; bit c; c = measure q;', null, 8]] },
};

describe('many nodes on one PostgreSQL', () => {
  it('schedules each backend on one node, starts remote submissions at once, and hands over on stop', async () => {
    const db = await testDatabase();
    const a = await testRuntime({
      env: { BERTH_DB: db, BERTH_NODE_ID: 'node-a' },
      realTime: true,
      executor: 'auto',
    });
    const b = await testRuntime({
      env: { BERTH_DB: db, BERTH_NODE_ID: 'node-b' },
      realTime: true,
      executor: 'auto',
    });
    const names = a.rt.catalog
      .all()
      .map((e) => e.backend.name)
      .sort();
    expect(a.rt.scheduler.ownedBackends).toEqual(names);
    expect(b.rt.scheduler.ownedBackends).toEqual([]);

    const nodes = (await b.api('GET', '/api/v1/nodes')).body.nodes as {
      id: string;
      alive: boolean;
      backends: string[];
    }[];
    expect(nodes.map((n) => [n.id, n.alive, n.backends])).toEqual([
      ['node-a', true, names],
      ['node-b', true, []],
    ]);
    expect((await b.api('GET', '/ready')).status).toBe(200);

    // Submitted on B, scheduled by A: it starts and completes, seen the same from both nodes.
    const id = (await b.api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until(
      'the job to complete',
      async () => (await b.api('GET', `/api/v1/jobs/${id}`)).body.status === 'Completed',
    );
    expect((await a.api('GET', `/api/v1/jobs/${id}`)).body.status).toBe('Completed');
    const started = await a.rt.store.getJob(id);
    expect(started?.workerId).toBe('node-a');

    // A stops cleanly: B takes every backend at its next heartbeat.
    await a.rt.stop();
    await until(
      'node-b to own the backends',
      async () => b.rt.scheduler.ownedBackends.length === names.length,
    );
    const id2 = (await b.api('POST', '/api/v1/jobs', JOB)).body.id as string;
    await until(
      'the second job to complete',
      async () => (await b.api('GET', `/api/v1/jobs/${id2}`)).body.status === 'Completed',
    );
    expect((await b.rt.store.getJob(id2))?.workerId).toBe('node-b');
  });
});

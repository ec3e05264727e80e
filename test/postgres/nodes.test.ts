/**
 * Several Berth nodes on one PostgreSQL: every node answers the whole API; the backends are
 * spread over the nodes, each scheduled by one; a job submitted on one node starts on the node
 * that schedules its backend (woken by NOTIFY, no polling); a node that stops hands its backends
 * over.
 */
import { describe, expect, it } from 'vitest';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';
import { until } from '../helpers/until.js';

const FILE = {
  backends: [
    { name: 'x', lanes: 2, qubits: 2 },
    { name: 'y', lanes: 2, qubits: 2 },
  ],
};
const job = (backend: string) => ({
  backend,
  program_id: 'sampler',
  params: { pubs: [['OPENQASM 3.0; qubit q; bit c; c = measure q;', null, 8]] },
});

describe('many nodes on one PostgreSQL', () => {
  it('spreads the backends over the nodes, starts remote submissions at once, and hands over on stop', async () => {
    const db = await testDatabase();
    const node = (id: string) =>
      testRuntime({
        file: FILE,
        env: { BERTH_DB: db, BERTH_NODE_ID: id },
        realTime: true,
        executor: 'auto',
      });
    const a = await node('node-a');
    expect(a.rt.scheduler.ownedBackends).toEqual(['x', 'y']); // alone, it takes both
    const b = await node('node-b');
    // Within a heartbeat or two, each holds one.
    await until(
      'the backends to spread',
      async () =>
        a.rt.scheduler.ownedBackends.join() === 'x' && b.rt.scheduler.ownedBackends.join() === 'y',
    );
    const nodes = (await b.api('GET', '/api/v1/nodes')).body.nodes as {
      id: string;
      alive: boolean;
      backends: string[];
    }[];
    expect(nodes.map((n) => [n.id, n.alive, n.backends])).toEqual([
      ['node-a', true, ['x']],
      ['node-b', true, ['y']],
    ]);
    expect((await b.api('GET', '/ready')).status).toBe(200);

    // Submitted on one node, scheduled by the other: each starts and completes, seen the same
    // from both nodes.
    const onX = (await b.api('POST', '/api/v1/jobs', job('x'))).body.id as string;
    const onY = (await a.api('POST', '/api/v1/jobs', job('y'))).body.id as string;
    for (const id of [onX, onY])
      await until(
        'the job to complete',
        async () => (await b.api('GET', `/api/v1/jobs/${id}`)).body.status === 'Completed',
      );
    expect((await a.api('GET', `/api/v1/jobs/${onY}`)).body.status).toBe('Completed');
    expect((await a.rt.store.getJob(onX))?.workerId).toBe('node-a');
    expect((await a.rt.store.getJob(onY))?.workerId).toBe('node-b');

    // A stops cleanly: B takes every backend at its next heartbeat.
    await a.rt.stop();
    await until(
      'node-b to own both backends',
      async () => b.rt.scheduler.ownedBackends.join() === 'x,y',
    );
    const again = (await b.api('POST', '/api/v1/jobs', job('x'))).body.id as string;
    await until(
      'the job on x to complete',
      async () => (await b.api('GET', `/api/v1/jobs/${again}`)).body.status === 'Completed',
    );
    expect((await b.rt.store.getJob(again))?.workerId).toBe('node-b');
  });
});

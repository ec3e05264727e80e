/**
 * Leases: a job runs under its executor's lease; the node renews it while the job runs here; a
 * lease that runs out means the executor is lost (re-run once, then Failed); a restarted node
 * takes back its own jobs at once and leaves other executors' jobs to their lease.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/domain/job/job.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { T0 } from '../helpers/builders.js';
import { testDatabase, testRuntime } from '../helpers/test-runtime.js';

const SIM = {
  backend: 'berth_sim',
  program_id: 'sampler',
  params: { pubs: [['OPENQASM 3.0; qubit q; bit c; c = measure q;', null, 8]] },
};

/** A database that outlives one runtime: a SQLite file, or a PostgreSQL schema. */
async function durableDb(): Promise<string> {
  const db = await testDatabase();
  return db === ':memory:' ? join(mkdtempSync(join(tmpdir(), 'berth-lease-')), 'b.db') : db;
}

describe('job leases', () => {
  it('renews the lease of a job that runs here, however long it runs', async () => {
    const { rt, api, advance, finish } = await testRuntime();
    const id = (await api('POST', '/api/v1/jobs', SIM)).body.id as string;
    await rt.scheduler.tick();
    const started = (await rt.store.getJob(id)) as Job;
    expect(started).toMatchObject({ status: 'Running', workerId: rt.config.nodeId });
    expect(started.leaseUntil).toEqual(new Date(T0.getTime() + rt.config.leaseMs));
    for (let i = 0; i < 12; i++) await advance(15); // three minutes, in steps inside the lease
    const later = (await rt.store.getJob(id)) as Job;
    expect(later.status).toBe('Running');
    expect(later.attempts).toBe(1);
    expect(later.leaseUntil?.getTime()).toBeGreaterThan(T0.getTime() + 180_000);
    await finish(id);
    expect((await rt.store.getJob(id))?.status).toBe('Completed');
  });

  it('re-runs a job whose executor stopped renewing its lease, once; then fails it', async () => {
    const { rt, api, advance, executor: controlled } = await testRuntime();
    const id = (await api('POST', '/api/v1/jobs', SIM)).body.id as string;
    await rt.scheduler.tick();
    // Another executor holds it and then goes silent.
    const takeAway = async (): Promise<void> => {
      const j = (await rt.store.getJob(id)) as Job;
      expect(
        await rt.store.commit({
          job: { next: { ...j, workerId: 'gone', version: j.version + 1 } },
        }),
      ).toBe(true);
    };
    await takeAway();
    await advance(20); // the renewal finds the lease lost and stops the local run
    expect(controlled.waiting).not.toContain(id);
    await advance(11); // past the 30 s lease: the executor counts as lost
    const retried = (await rt.store.getJob(id)) as Job;
    expect(retried).toMatchObject({ status: 'Running', attempts: 2, workerId: rt.config.nodeId });
    expect(controlled.waiting).toContain(id);
    const logs = (await api('GET', `/api/v1/jobs/${id}/logs`)).text;
    expect(logs).toMatch(
      /Running the job again \(execution 2 of 2\): its executor stopped renewing its lease/,
    );
    await takeAway();
    await advance(20);
    await advance(11);
    expect(await rt.store.getJob(id)).toMatchObject({
      status: 'Failed',
      reason: 'The executor was lost twice while running the job',
    });
    // The log says what really happened the second time: no "again" for a job that failed.
    const final = (await api('GET', `/api/v1/jobs/${id}/logs`)).text;
    expect(final.match(/Running the job again/g)).toHaveLength(1);
    expect(final).toMatch(
      /Failed: The executor was lost twice while running the job \(its executor stopped renewing its lease\)/,
    );
  });

  it('takes back its own running jobs at once after a restart, and no other executor’s', async () => {
    const db = await durableDb();
    const clock = new ManualClock(T0);
    const env = { BERTH_DB: db, BERTH_NODE_ID: 'node-a' };
    const first = await testRuntime({ env, clock });
    const mine = (await first.api('POST', '/api/v1/jobs', SIM)).body.id as string;
    const theirs = (await first.api('POST', '/api/v1/jobs', SIM)).body.id as string;
    await first.rt.scheduler.tick();
    const j = (await first.rt.store.getJob(theirs)) as Job;
    await first.rt.store.commit({
      job: { next: { ...j, workerId: 'node-b', version: j.version + 1 } },
    });
    await first.rt.stop(); // the executions are cut short: both jobs stay Running
    clock.advanceSeconds(5);
    const second = await testRuntime({ env, clock });
    expect(await second.rt.store.getJob(mine)).toMatchObject({
      status: 'Running',
      attempts: 2,
      workerId: 'node-a',
    });
    expect(await second.rt.store.getJob(theirs)).toMatchObject({
      status: 'Running',
      attempts: 1,
      workerId: 'node-b',
    });
    await second.advance(26); // node-b's lease (30 s from the start) has run out
    expect(await second.rt.store.getJob(theirs)).toMatchObject({
      status: 'Running',
      attempts: 2,
      workerId: 'node-a',
    });
  });
});

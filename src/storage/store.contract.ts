/**
 * The conformance suite every Store adapter passes (Hono's runTest idea): the SQLite test runs
 * it against ':memory:', and a PostgreSQL adapter will run the same suite.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../app/ports.js';
import type { Job } from '../domain/job/job.js';
import type { Session } from '../domain/session/session.js';
import { aJob, aSession, at } from '../../test/helpers/builders.js';

export interface ContractOptions {
  readonly name: string;
  readonly makeStore: () => Promise<Store> | Store;
}

const INSTANCE = 'crn:v1:test:a';

export function runStoreContract({ name, makeStore }: ContractOptions): void {
  describe(`Store contract: ${name}`, () => {
    const withStore = (fn: (s: Store) => Promise<void>) => async () => {
      const store = await makeStore();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it(
      'round-trips a session and a job with every field',
      withStore(async (store) => {
        const s = aSession('active', {
          id: 'sess-rt',
          maxDeadline: at(999),
          timestamps: [{ status: 'open', at: at(0) }],
        });
        const j = aJob({
          id: 'job-rt',
          sessionId: 'sess-rt',
          params: { pubs: [['x', null, 5]] },
          tags: ['a', 'b'],
          startedAt: at(3),
          status: 'Running',
          settleAt: at(9),
          costDeadline: at(100),
        });
        expect(
          await store.commit({
            session: { next: s, insert: true },
            job: { next: j, insert: true },
          }),
        ).toBe(true);
        expect(await store.getSession('sess-rt')).toEqual(s);
        expect(await store.getJob('job-rt')).toEqual(j);
        expect(await store.getSession('nope')).toBeNull();
      }),
    );

    it(
      'applies a change only on the version it was decided on',
      withStore(async (store) => {
        const s = aSession('open', { id: 'sess-v' });
        await store.commit({ session: { next: s, insert: true } });
        const a = { ...s, queued: 1, version: 2 };
        const b = { ...s, acceptingJobs: false, version: 2 };
        expect(await store.commit({ session: { next: a } })).toBe(true);
        expect(await store.commit({ session: { next: b } })).toBe(false);
        expect((await store.getSession('sess-v'))?.queued).toBe(1);
        expect((await store.getSession('sess-v'))?.acceptingJobs).toBe(true);
      }),
    );

    it(
      'writes nothing of a change when one of its checks fails',
      withStore(async (store) => {
        const s = aSession('open', { id: 'sess-atomic' });
        await store.commit({ session: { next: s, insert: true } });
        const stale = { ...s, version: 5 };
        const ok = await store.commit({
          session: { next: stale },
          job: { next: aJob({ id: 'job-atomic' }), insert: true },
          charge: { instanceId: INSTANCE, ms: 1000, at: at(0) },
        });
        expect(ok).toBe(false);
        expect(await store.getJob('job-atomic')).toBeNull();
        expect((await store.instanceUsage(INSTANCE, at(0))).settledMs).toBe(0);
      }),
    );

    it(
      'cancels every queued job of a session in the same change',
      withStore(async (store) => {
        const s = aSession('active', { id: 'sess-c', queued: 2 });
        await store.commit({ session: { next: s, insert: true } });
        for (const id of ['q1', 'q2'])
          await store.commit({ job: { next: aJob({ id, sessionId: 'sess-c' }), insert: true } });
        await store.commit({
          job: {
            next: aJob({ id: 'r1', sessionId: 'sess-c', status: 'Running', startedAt: at(1) }),
            insert: true,
          },
        });
        const closed: Session = { ...s, state: 'closed', queued: 0, version: 2 };
        await store.commit({
          session: { next: closed },
          cancelQueued: { sessionId: 'sess-c', reason: 'closed', at: at(7) },
        });
        for (const id of ['q1', 'q2'])
          expect(await store.getJob(id)).toMatchObject({
            status: 'Cancelled',
            reason: 'closed',
            endedAt: at(7),
            version: 2,
          });
        expect((await store.getJob('r1'))?.status).toBe('Running');
      }),
    );

    it(
      'lists with exact counts, filters and pages, newest first by default',
      withStore(async (store) => {
        for (let i = 0; i < 5; i++) {
          await store.commit({
            job: {
              next: aJob({
                id: `j${i}`,
                createdAt: at(i),
                tags: i % 2 ? ['odd', 'x'] : ['even'],
                status: i < 2 ? 'Completed' : 'Queued',
              }),
              insert: true,
            },
          });
        }
        await store.commit({
          job: { next: aJob({ id: 'other', instanceId: 'crn:v1:test:b' }), insert: true },
        });
        const all = await store.listJobs({ instanceIds: [INSTANCE] }, { limit: 2, offset: 0 });
        expect(all.count).toBe(5);
        expect(all.items.map((j) => j.id)).toEqual(['j4', 'j3']);
        const asc = await store.listJobs(
          { instanceIds: [INSTANCE], ascending: true },
          { limit: 10, offset: 3 },
        );
        expect(asc.items.map((j) => j.id)).toEqual(['j3', 'j4']);
        expect(
          (
            await store.listJobs(
              { instanceIds: [INSTANCE], pending: true },
              { limit: 10, offset: 0 },
            )
          ).count,
        ).toBe(3);
        expect(
          (
            await store.listJobs(
              { instanceIds: [INSTANCE], tags: ['odd', 'x'] },
              { limit: 10, offset: 0 },
            )
          ).count,
        ).toBe(2);
        expect(
          (
            await store.listJobs(
              { instanceIds: [INSTANCE], createdAfter: at(2) },
              { limit: 10, offset: 0 },
            )
          ).count,
        ).toBe(3);
        expect(
          (
            await store.listJobs(
              { instanceIds: [INSTANCE], createdBefore: at(1) },
              { limit: 10, offset: 0 },
            )
          ).count,
        ).toBe(2);
      }),
    );

    it(
      'finds due deadlines in time order, across sessions and jobs',
      withStore(async (store) => {
        await store.commit({
          session: { next: aSession('open', { id: 's-open', openDeadline: at(30) }), insert: true },
        });
        await store.commit({
          session: {
            next: aSession('active', { id: 's-act', idleDeadline: at(10), maxDeadline: at(50) }),
            insert: true,
          },
        });
        await store.commit({
          job: {
            next: aJob({
              id: 'j-settle',
              status: 'Running',
              settleAt: at(20),
              costDeadline: at(40),
            }),
            insert: true,
          },
        });
        expect(await store.nextDeadline()).toEqual(at(10));
        const due = await store.dueItems(at(45), 10);
        expect(due.map((d) => [d.kind, d.id, d.at.getTime()])).toEqual([
          ['session', 's-act', at(10).getTime()],
          ['job_settle', 'j-settle', at(20).getTime()],
          ['session', 's-open', at(30).getTime()],
          ['job_cost', 'j-settle', at(40).getTime()],
        ]);
      }),
    );

    it(
      'snapshots a backend queue by the session priority rules',
      withStore(async (store) => {
        const b = { name: 'b1', lanes: 2, online: true };
        const add = (j: Partial<Job>) => store.commit({ job: { next: aJob(j), insert: true } });
        await add({ id: 'plain', createdAt: at(1) });
        await store.commit({
          session: {
            next: aSession('active', { id: 'batch', mode: 'batch', queued: 1, running: 0 }),
            insert: true,
          },
        });
        await add({ id: 'batch-job', sessionId: 'batch', createdAt: at(2) });
        let snap = await store.loadDispatchSnapshot(b, at(5));
        expect(snap.batchNext?.jobId).toBe('batch-job');
        await store.commit({
          session: { next: aSession('active', { id: 'ded', queued: 1, running: 0 }), insert: true },
        });
        await add({ id: 'ded-job', sessionId: 'ded', createdAt: at(3) });
        snap = await store.loadDispatchSnapshot(b, at(5));
        expect(snap.owner).toEqual({
          sessionId: 'ded',
          next: expect.objectContaining({ jobId: 'ded-job' }),
        });
        await add({ id: 'running', status: 'Running', startedAt: at(4) });
        await add({ id: 'running2', status: 'Running', startedAt: at(4) });
        snap = await store.loadDispatchSnapshot(b, at(5));
        expect(snap.running).toBe(2);
      }),
    );

    it(
      'puts open and inactive sessions’ jobs in the normal queue with their instance usage',
      withStore(async (store) => {
        await store.commit({
          session: { next: aSession('inactive', { id: 'in', queued: 1 }), insert: true },
        });
        await store.commit({
          job: { next: aJob({ id: 'in-job', sessionId: 'in' }), insert: true },
        });
        await store.commit({
          job: { next: aJob({ id: 'b-job', instanceId: 'crn:v1:test:b' }), insert: true },
        });
        await store.commit({ charge: { instanceId: 'crn:v1:test:b', ms: 5000, at: at(1) } });
        const snap = await store.loadDispatchSnapshot(
          { name: 'b1', lanes: 1, online: true },
          at(2),
        );
        const heads = Object.fromEntries(
          snap.normalHeads.map((h) => [h.candidate.jobId, h.usageMs]),
        );
        expect(heads).toEqual({ 'in-job': 0, 'b-job': 5000 });
      }),
    );

    it(
      'accounts instance usage per period, settled and live',
      withStore(async (store) => {
        await store.commit({ charge: { instanceId: INSTANCE, ms: 1500, at: at(0) } });
        await store.commit({ charge: { instanceId: INSTANCE, ms: 500, at: at(1) } });
        await store.commit({
          session: { next: aSession('active', { id: 'live', activatedAt: at(10) }), insert: true },
        });
        await store.commit({
          job: {
            next: aJob({ id: 'sessionless', status: 'Running', startedAt: at(15) }),
            insert: true,
          },
        });
        expect(await store.instanceUsage(INSTANCE, at(20))).toEqual({
          settledMs: 2000,
          liveMs: 10_000 + 5000,
        });
        const nextMonth = new Date(Date.UTC(2026, 1, 2));
        expect((await store.instanceUsage(INSTANCE, nextMonth)).settledMs).toBe(0);
      }),
    );

    it(
      'stores results and logs, and deletes them with a final job',
      withStore(async (store) => {
        const j = aJob({ id: 'done', status: 'Completed' });
        await store.commit({
          job: { next: j, insert: true },
          result: { jobId: 'done', body: '{"x":1}' },
          logs: [{ jobId: 'done', at: at(1), line: 'hello' }],
        });
        expect(await store.getResult('done')).toBe('{"x":1}');
        expect(await store.getLogs('done')).toEqual([{ at: at(1), line: 'hello' }]);
        expect(await store.deleteJob('done', 99)).toBe(false);
        expect(await store.deleteJob('done', 1)).toBe(true);
        expect(await store.getJob('done')).toBeNull();
        expect(await store.getResult('done')).toBeNull();
      }),
    );

    it(
      'keeps API keys by hash and revokes them',
      withStore(async (store) => {
        const key = {
          id: 'k1',
          name: 'n',
          userId: 'u',
          hash: 'ab'.repeat(32),
          admin: false,
          instances: [INSTANCE],
          defaultInstance: INSTANCE,
          createdAt: at(0),
          expiresAt: null,
          revokedAt: null,
        };
        await store.createKey(key);
        expect(await store.findKeyByHash(key.hash)).toEqual(key);
        expect(await store.revokeKey('k1', at(5))).toBe(true);
        expect(await store.revokeKey('k1', at(6))).toBe(false);
        expect((await store.getKey('k1'))?.revokedAt).toEqual(at(5));
        expect(await store.ensureSecret('s', () => 'first')).toBe('first');
        expect(await store.ensureSecret('s', () => 'second')).toBe('first');
      }),
    );

    it(
      'appends events with their change, reads them back by filter, and only on success',
      withStore(async (store) => {
        let wakeups = 0;
        store.onEventsAppended(() => wakeups++);
        const s = aSession('open', { id: 'sess-ev' });
        const j = aJob({ id: 'job-ev', sessionId: 'sess-ev', params: { big: 'x'.repeat(100) } });
        expect(await store.lastEventSeq()).toBe(0);
        await store.commit({
          session: { next: s, insert: true },
          job: { next: j, insert: true },
          events: [
            {
              type: 'job.log',
              at: at(1),
              jobId: j.id,
              instanceId: j.instanceId,
              sessionId: j.sessionId,
              line: 'hello',
            },
            { type: 'job.state_changed', at: at(1), job: j },
            { type: 'session.state_changed', at: at(1), session: s },
          ],
        });
        expect(wakeups).toBe(1);
        const all = await store.readEvents({ after: 0 }, 10);
        expect(all.map((e) => e.type)).toEqual([
          'job.log',
          'job.state_changed',
          'session.state_changed',
        ]);
        expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
        const jobEvent = all[1];
        expect(jobEvent?.type === 'job.state_changed' && jobEvent.job).toEqual({
          ...j,
          params: null,
        });
        const sessionEvent = all[2];
        expect(sessionEvent?.type === 'session.state_changed' && sessionEvent.session).toEqual(s);
        expect(all[0]).toMatchObject({ line: 'hello', jobId: 'job-ev', sessionId: 'sess-ev' });
        expect(await store.readEvents({ after: 1, jobId: 'job-ev' }, 10)).toHaveLength(1);
        expect(await store.readEvents({ after: 0, sessionId: 'sess-ev' }, 2)).toHaveLength(2);
        expect(await store.readEvents({ after: 0, instanceId: 'crn:other' }, 10)).toEqual([]);

        // A failed compare-and-set writes no event and wakes nobody.
        const stale = { ...s, state: 'closed' as const, version: 9 };
        expect(
          await store.commit({
            session: { next: stale },
            events: [{ type: 'session.state_changed', at: at(2), session: stale }],
          }),
        ).toBe(false);
        expect(await store.lastEventSeq()).toBe(3);
        expect(wakeups).toBe(1);
        expect(await store.pruneEvents(at(1))).toBe(0);
        expect(await store.pruneEvents(at(2))).toBe(3);
        expect(await store.readEvents({ after: 0 }, 10)).toEqual([]);
      }),
    );

    it(
      'records a job.state_changed event for every queued job a session cancel cancels',
      withStore(async (store) => {
        const s = aSession('active', { id: 'sess-c' });
        await store.commit({ session: { next: s, insert: true } });
        for (const id of ['q1', 'q2'])
          await store.commit({ job: { next: aJob({ id, sessionId: 'sess-c' }), insert: true } });
        await store.commit({
          job: { next: aJob({ id: 'r1', sessionId: 'sess-c', status: 'Running' }), insert: true },
        });
        await store.commit({
          session: { next: { ...s, version: s.version + 1 } },
          cancelQueued: { sessionId: 'sess-c', reason: 'Session closed', at: at(7) },
        });
        const events = await store.readEvents({ after: 0, sessionId: 'sess-c' }, 10);
        expect(events.map((e) => e.jobId)).toEqual(['q1', 'q2']);
        for (const e of events) {
          expect(e.type === 'job.state_changed' && e.job).toMatchObject({
            status: 'Cancelled',
            reason: 'Session closed',
            endedAt: at(7),
            version: 2,
          });
          expect(e.at).toEqual(at(7));
        }
        // The events say what the jobs now are.
        const q1 = await store.getJob('q1');
        expect(events[0]?.type === 'job.state_changed' && events[0].job).toEqual({
          ...q1,
          params: null,
        });
      }),
    );
  });
}

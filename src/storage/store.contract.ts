/**
 * The conformance suite every Store adapter passes (Hono's runTest idea): SQLite on ':memory:'
 * and PostgreSQL on a fresh schema run the same tests, the Store's and the WebhookStore's. The
 * two-handle tests (a second node on the same database) race real connections; an adapter that
 * cannot open a second handle says why in `pair.none` and proves it (`pair.proof` fails if a
 * second handle could open): nothing is skipped.
 */
import { describe, expect, it } from 'vitest';
import type { Commit, Store, WebhookStore } from '../app/ports.js';
import type { Job } from '../domain/job/job.js';
import type { InstanceHead } from '../domain/scheduling/dispatch.js';
import type { Session } from '../domain/session/session.js';
import { liveUsageMs } from '../domain/usage.js';
import { aJob, aSession, at } from '../../test/helpers/builders.js';

/** A store with its webhook tables. */
export type ContractStore = Store & { webhooks(): WebhookStore };

export interface ContractOptions {
  readonly name: string;
  /** A store on an empty database; `release` runs after it is closed. */
  readonly makeStore: () => Promise<{ store: ContractStore; release?: () => Promise<void> }>;
  /** Two handles on one empty database (two nodes), or why the adapter cannot have two. */
  readonly pair:
    | {
        readonly make: () => Promise<{
          a: ContractStore;
          b: ContractStore;
          release?: () => Promise<void>;
        }>;
      }
    | { readonly none: string; readonly proof: () => Promise<void> };
}

const INSTANCE = 'crn:v1:test:a';

/** An instance of `id` with share 1 (the configured ones are written at start). */
const anInstance = (id: string) => ({
  id,
  name: id,
  planId: 'p',
  planName: 'P',
  pricingType: 'free' as const,
  tags: [],
  share: 1,
  usageLimitSeconds: null,
  maxTtlSeconds: 3600,
});

/** Resolves at the listener's next call (or rejects after `ms`). */
function nextCall(subscribe: (fn: () => void) => () => void, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no notification within ${ms} ms`));
    }, ms);
    const off = subscribe(() => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

export function runStoreContract({ name, makeStore, pair }: ContractOptions): void {
  describe(`Store contract: ${name}`, () => {
    const withStore = (fn: (s: ContractStore) => Promise<void>) => async () => {
      const { store, release } = await makeStore();
      try {
        await fn(store);
      } finally {
        await store.close();
        await release?.();
      }
    };

    const startCommit = (job: Job, lanes: number, at0: Date): Commit => ({
      job: {
        next: {
          ...job,
          status: 'Running',
          startedAt: at0,
          workerId: 'node-a',
          leaseUntil: new Date(at0.getTime() + 30_000),
          attempts: job.attempts + 1,
          version: job.version + 1,
        },
      },
      start: { backend: job.backend, lanes },
    });

    it(
      'starts a job only while a lane is free on its backend',
      withStore(async (store) => {
        const queued = [aJob({ id: 'a' }), aJob({ id: 'b' }), aJob({ id: 'c', backend: 'b2' })];
        for (const j of queued) await store.commit({ job: { next: j, insert: true } });
        expect(await store.commit(startCommit(queued[0] as Job, 1, at(1)))).toBe(true);
        // The one lane of b1 is taken: refused, and nothing of the change is written.
        expect(
          await store.commit({
            ...startCommit(queued[1] as Job, 1, at(2)),
            logs: [{ jobId: 'b', at: at(2), line: 'started' }],
          }),
        ).toBe(false);
        expect((await store.getJob('b'))?.status).toBe('Queued');
        expect(await store.getLogs('b')).toEqual([]);
        expect(await store.commit(startCommit(queued[1] as Job, 2, at(2)))).toBe(true);
        expect(await store.commit(startCommit(queued[2] as Job, 1, at(2)))).toBe(true);
        expect(await store.backendLoad('b1')).toEqual({ queued: 0, running: 2 });
      }),
    );

    it(
      'starts no job past an active dedicated session but its own, and keeps one active per backend',
      withStore(async (store) => {
        const owner = aSession('active', { id: 'owner', queued: 1, running: 0 });
        await store.commit({ session: { next: owner, insert: true } });
        const mine = aJob({ id: 'mine', sessionId: 'owner' });
        const other = aJob({ id: 'other' });
        for (const j of [mine, other]) await store.commit({ job: { next: j, insert: true } });
        expect(await store.commit(startCommit(other, 4, at(1)))).toBe(false);
        expect(await store.commit(startCommit(mine, 4, at(1)))).toBe(true);
        // A second dedicated session cannot become active on the same backend.
        const rival = aSession('open', { id: 'rival' });
        await store.commit({ session: { next: rival, insert: true } });
        const activeRival = { ...aSession('active', { id: 'rival' }), version: 2 };
        expect(await store.commit({ session: { next: activeRival } })).toBe(false);
        expect((await store.getSession('rival'))?.state).toBe('open');
        // On another backend it can.
        expect(await store.commit({ session: { next: { ...activeRival, backend: 'b2' } } })).toBe(
          true,
        );
      }),
    );

    it(
      'writes a chained change after the first, in one transaction: all of it or none',
      withStore(async (store) => {
        const [a, b] = [aJob({ id: 'a' }), aJob({ id: 'b' })];
        for (const j of [a, b]) await store.commit({ job: { next: j, insert: true } });
        await store.commit(startCommit(a, 1, at(1)));
        const running = (await store.getJob('a')) as Job;
        const ended: Commit = {
          job: {
            next: { ...running, status: 'Completed', endedAt: at(2), version: running.version + 1 },
          },
          logs: [{ jobId: 'a', at: at(2), line: 'done' }],
        };
        // A chained part whose check fails (no lane at all): a's end is not written either.
        expect(await store.commit({ ...ended, then: startCommit(b, 0, at(2)) })).toBe(false);
        expect((await store.getJob('a'))?.status).toBe('Running');
        expect(await store.getLogs('a')).toEqual([]);
        // One lane, held by a: b's start passes its check only because a's end is written first.
        expect(await store.commit({ ...ended, then: startCommit(b, 1, at(2)) })).toBe(true);
        expect((await store.getJob('a'))?.status).toBe('Completed');
        expect((await store.getJob('b'))?.startedAt).toEqual(at(2));
        expect(await store.backendLoad('b1')).toEqual({ queued: 0, running: 1 });
      }),
    );

    it(
      'keeps leases: due at their end, listed by holder, ended by a result',
      withStore(async (store) => {
        const j = aJob({ id: 'leased' });
        await store.commit({ job: { next: j, insert: true } });
        await store.commit(startCommit(j, 1, at(0)));
        expect((await store.getJob('leased'))?.leaseUntil).toEqual(at(30));
        expect((await store.leasedJobs('node-a')).map((x) => x.id)).toEqual(['leased']);
        expect(await store.leasedJobs('node-b')).toEqual([]);
        expect(await store.dueItems(at(29), 10)).toEqual([]);
        const due = await store.dueItems(at(30), 10);
        expect(due).toContainEqual({ kind: 'job_lease', id: 'leased', at: at(30) });
        const running = (await store.getJob('leased')) as Job;
        await store.commit({
          job: {
            next: { ...running, leaseUntil: null, settleAt: at(40), version: running.version + 1 },
          },
        });
        expect(await store.leasedJobs('node-a')).toEqual([]);
        expect((await store.dueItems(at(35), 10)).map((d) => d.kind)).not.toContain('job_lease');
      }),
    );

    it(
      'tells its listeners the earliest deadline each commit wrote',
      withStore(async (store) => {
        const heard: number[] = [];
        const off = store.onDeadline((t) => heard.push(t));
        const s = aSession('open', { id: 'dl', openDeadline: at(30) });
        await store.commit({ session: { next: s, insert: true } });
        const j = aJob({
          id: 'dl-job',
          status: 'Running',
          leaseUntil: at(20),
          costDeadline: at(90),
        });
        await store.commit({ job: { next: j, insert: true } });
        await store.commit({ job: { next: aJob({ id: 'no-deadline' }), insert: true } });
        off();
        await store.commit({
          session: { next: { ...s, idleDeadline: at(5), version: s.version + 1 } },
        });
        expect(heard).toEqual([at(30).getTime(), at(20).getTime()]);
      }),
    );

    it(
      'leases each backend to one node, renews it for its holder, and passes it on when it ends',
      withStore(async (store) => {
        const node = (id: string, problem: string | null = null) => ({
          id,
          version: '1',
          startedAt: at(0),
          problem,
        });
        const all = ['b1', 'b2'];
        expect(await store.heartbeat(node('a'), all, at(0), at(3))).toEqual(all);
        expect(await store.heartbeat(node('b'), all, at(1), at(4))).toEqual([]);
        expect(await store.heartbeat(node('a'), all, at(2), at(5))).toEqual(all); // renewed
        expect(await store.heartbeat(node('b'), all, at(4), at(7))).toEqual([]);
        // a stops heartbeating: past its lease, b takes both.
        expect(await store.heartbeat(node('b'), all, at(6), at(9))).toEqual(all);
        const nodes = await store.listNodes(at(6));
        expect(nodes.map((n) => [n.id, n.heartbeatAt.getTime(), n.backends])).toEqual([
          ['a', at(2).getTime(), []],
          ['b', at(6).getTime(), all],
        ]);
        // Above its share, b gives one up; a clean stop gives up all, and the node leaves.
        await store.releaseBackends('b', ['b2']);
        expect(await store.heartbeat(node('a'), ['b2'], at(7), at(10))).toEqual(['b2']);
        await store.leave('b');
        expect(await store.heartbeat(node('a'), all, at(7), at(10))).toEqual(all);
        expect((await store.listNodes(at(7))).map((n) => n.id)).toEqual(['a']);
        // A node that cannot schedule says why in its heartbeat; the others see it.
        await store.heartbeat(node('c', 'passes keep failing'), [], at(8), at(11));
        expect((await store.listNodes(at(8))).map((n) => [n.id, n.problem])).toEqual([
          ['a', null],
          ['c', 'passes keep failing'],
        ]);
      }),
    );

    it(
      'claims due webhook deliveries for one dispatcher until the claim ends or the attempt is saved',
      withStore(async (store) => {
        const hooks = store.webhooks();
        await hooks.createWebhook({
          id: 'wh',
          instanceId: INSTANCE,
          url: 'https://example.com/hook',
          secret: 's',
          eventTypes: ['job.state_changed'],
          description: null,
          createdAt: at(0),
          afterSeq: 0,
        });
        await hooks.deliveryCursor();
        const d = (seq: number) => ({
          webhookId: 'wh',
          eventSeq: seq,
          eventType: 'job.state_changed',
          payload: `{"seq":${seq}}`,
          createdAt: at(seq),
        });
        await hooks.enqueueDeliveries([d(1), d(2), d(2)], 2);
        expect(await hooks.deliveryCursor()).toBe(2);
        await hooks.enqueueDeliveries([], 1); // the cursor only moves forward
        expect(await hooks.deliveryCursor()).toBe(2);
        const first = await hooks.claimDueDeliveries(at(5), 10, { owner: 'n1', until: at(20) });
        expect(first.map((x) => x.eventSeq)).toEqual([1, 2]);
        expect(await hooks.claimDueDeliveries(at(6), 10, { owner: 'n2', until: at(20) })).toEqual(
          [],
        );
        expect(await hooks.nextDeliveryAt()).toEqual(at(20));
        const done = first[0] as (typeof first)[number];
        await hooks.saveDelivery({
          ...done,
          status: 'delivered',
          attempts: 1,
          nextAttemptAt: null,
          lastAttemptAt: at(6),
          deliveredAt: at(6),
        });
        // The other claim ran out (its dispatcher died): another dispatcher takes it.
        const again = await hooks.claimDueDeliveries(at(21), 10, { owner: 'n2', until: at(40) });
        expect(again.map((x) => x.eventSeq)).toEqual([2]);
        expect(await hooks.deliveryCounts()).toEqual({ delivered: 1, pending: 1 });
      }),
    );

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
          charge: { instanceId: INSTANCE, userId: 'alice', ms: 1000, at: at(0) },
        });
        expect(ok).toBe(false);
        expect(await store.getJob('job-atomic')).toBeNull();
        expect((await store.usageInputs(INSTANCE, at(0))).settledMs).toBe(0);
      }),
    );

    it(
      "lists a session's queued jobs, and changes several jobs in one all-or-nothing commit",
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
        const queued = await store.queuedJobs('sess-c');
        expect(queued.map((j) => j.id)).toEqual(['q1', 'q2']);
        expect((await store.queuedJobs('sess-c', 1)).map((j) => j.id)).toEqual(['q1']);
        const cancelled = queued.map((j) => ({
          ...j,
          status: 'Cancelled' as const,
          reason: 'closed',
          endedAt: at(7),
          version: j.version + 1,
        }));
        const closed: Session = { ...s, state: 'closed', queued: 0, version: 2 };
        // One stale job version: nothing of the change is written.
        const stale = [cancelled[0] as Job, { ...(cancelled[1] as Job), version: 9 }];
        expect(await store.commit({ session: { next: closed }, otherJobs: stale })).toBe(false);
        expect((await store.getJob('q1'))?.status).toBe('Queued');
        expect((await store.getSession('sess-c'))?.state).toBe('active');
        expect(await store.commit({ session: { next: closed }, otherJobs: cancelled })).toBe(true);
        for (const id of ['q1', 'q2'])
          expect(await store.getJob(id)).toMatchObject({
            status: 'Cancelled',
            reason: 'closed',
            endedAt: at(7),
            version: 2,
          });
        expect((await store.getJob('r1'))?.status).toBe('Running');
        expect(await store.queuedJobs('sess-c')).toEqual([]);
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
        expect(snap.active).toEqual([
          {
            sessionId: 'batch',
            mode: 'batch',
            createdAt: expect.any(Date),
            next: expect.objectContaining({ jobId: 'batch-job', sessionId: 'batch' }),
          },
        ]);
        // A batch session with work: the normal queue cannot matter, so it is not read.
        expect(snap.normalHeads).toEqual([]);
        await store.commit({
          session: { next: aSession('active', { id: 'ded', queued: 1, running: 0 }), insert: true },
        });
        await add({ id: 'ded-job', sessionId: 'ded', createdAt: at(3) });
        snap = await store.loadDispatchSnapshot(b, at(5));
        const byId = Object.fromEntries(snap.active.map((a) => [a.sessionId, a]));
        expect(byId['ded']).toMatchObject({
          mode: 'dedicated',
          next: expect.objectContaining({ jobId: 'ded-job' }),
        });
        expect(byId['batch']?.next?.jobId).toBe('batch-job');
        await add({ id: 'running', status: 'Running', startedAt: at(4) });
        await add({ id: 'running2', status: 'Running', startedAt: at(4) });
        snap = await store.loadDispatchSnapshot(b, at(5));
        expect(snap.running).toBe(2);
      }),
    );

    it(
      'puts open and inactive sessions’ jobs in the normal queue with their instance usage',
      withStore(async (store) => {
        // Every instance is in the store (the configured ones are written at start).
        await store.syncInstances([anInstance(INSTANCE), anInstance('crn:v1:test:b')]);
        await store.commit({
          session: { next: aSession('inactive', { id: 'in', queued: 1 }), insert: true },
        });
        await store.commit({
          job: { next: aJob({ id: 'in-job', sessionId: 'in' }), insert: true },
        });
        await store.commit({
          job: { next: aJob({ id: 'b-job', instanceId: 'crn:v1:test:b' }), insert: true },
        });
        await store.commit({
          charge: { instanceId: 'crn:v1:test:b', userId: 'bob', ms: 5000, at: at(1) },
        });
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
      'lists each instance’s following normal-queue jobs in order when asked for depth',
      withStore(async (store) => {
        await store.syncInstances([anInstance(INSTANCE)]);
        const b = { name: 'b1', lanes: 8, online: true };
        const add = (id: string, o: Partial<Job> = {}) =>
          store.commit({ job: { next: aJob({ id, ...o }), insert: true } });
        for (const id of ['q1', 'q2', 'q3', 'q4']) await add(id);
        await add('elsewhere', { backend: 'b2' });
        await add('done', { status: 'Running', startedAt: at(4) });
        const ids = (h: InstanceHead | undefined) => [
          h?.candidate.jobId,
          ...(h?.following ?? []).map((c) => c.jobId),
        ];
        expect((await store.loadDispatchSnapshot(b, at(5))).normalHeads.map(ids)).toEqual([['q1']]);
        const snap = await store.loadDispatchSnapshot(b, at(5), 3);
        expect(snap.running).toBe(1);
        expect(snap.normalHeads.map(ids)).toEqual([['q1', 'q2', 'q3']]);
      }),
    );

    it(
      'accounts instance usage per period and per user, settled and live',
      withStore(async (store) => {
        await store.commit({
          charge: { instanceId: INSTANCE, userId: 'alice', ms: 1500, at: at(0) },
        });
        await store.commit({ charge: { instanceId: INSTANCE, userId: 'bob', ms: 500, at: at(1) } });
        await store.commit({
          charge: { instanceId: INSTANCE, userId: 'alice', ms: 250, at: at(2) },
        });
        await store.commit({
          session: { next: aSession('active', { id: 'live', activatedAt: at(10) }), insert: true },
        });
        for (const [id, userId, start] of [
          ['sessionless', 'alice', 15],
          ['bobs', 'bob', 17],
          ['bobs-2', 'bob', 18],
        ] as const)
          await store.commit({
            job: {
              next: aJob({ id, userId, status: 'Running', startedAt: at(start) }),
              insert: true,
            },
          });
        const u = await store.usageInputs(INSTANCE, at(20));
        expect(u.settledMs).toBe(2250);
        expect(u.liveSessions.map((x) => x.id)).toEqual(['live']);
        const starts = at(15).getTime() + at(17).getTime() + at(18).getTime();
        expect(u.sessionless).toEqual({ count: 3, startSumMs: starts });
        expect(liveUsageMs(u.liveSessions, u.sessionless, at(20))).toBe(10_000 + 5000 + 5000);
        // The same, by user: what each user's keys consumed.
        const byName = <T extends { userId: string }>(xs: readonly T[]) =>
          [...xs].sort((a, b) => a.userId.localeCompare(b.userId));
        expect(byName(u.settledByUser)).toEqual([
          { userId: 'alice', ms: 1750 },
          { userId: 'bob', ms: 500 },
        ]);
        expect(byName(u.sessionlessByUser)).toEqual([
          { userId: 'alice', count: 1, startSumMs: at(15).getTime() },
          { userId: 'bob', count: 2, startSumMs: at(17).getTime() + at(18).getTime() },
        ]);
        const nextMonth = new Date(Date.UTC(2026, 1, 2));
        const later = await store.usageInputs(INSTANCE, nextMonth);
        expect([later.settledMs, later.settledByUser]).toEqual([0, []]);
      }),
    );

    it(
      'adds up charges committed at once (each may land in its own shard)',
      withStore(async (store) => {
        await store.syncInstances([anInstance(INSTANCE)]);
        await Promise.all(
          Array.from({ length: 40 }, (_, k) =>
            store.commit({
              charge: { instanceId: INSTANCE, userId: k % 2 ? 'bob' : 'alice', ms: 100, at: at(1) },
            }),
          ),
        );
        const u = await store.usageInputs(INSTANCE, at(2));
        expect(u.settledMs).toBe(4000);
        expect([...u.settledByUser].sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
          { userId: 'alice', ms: 2000 },
          { userId: 'bob', ms: 2000 },
        ]);
        // The dispatch policy reads the same sum.
        await store.commit({ job: { next: aJob({ id: 'q' }), insert: true } });
        const snap = await store.loadDispatchSnapshot(
          { name: 'b1', lanes: 1, online: true },
          at(2),
        );
        expect(snap.normalHeads.map((h) => h.usageMs)).toEqual([4000]);
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
          workerBackends: ['lab'],
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
        const woken = nextCall((fn) => store.onEventsAppended(fn));
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
        await woken;
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
        await new Promise((r) => setTimeout(r, 20)); // a wake-up would have come by now
        expect(wakeups).toBe(1);
        expect(await store.pruneEvents(at(1))).toBe(0);
        expect(await store.pruneEvents(at(2))).toBe(3);
        expect(await store.readEvents({ after: 0 }, 10)).toEqual([]);
      }),
    );

    it(
      "keeps each backend's calibrations once, lists them newest first, and finds one by date",
      withStore(async (store) => {
        const cal = (id: string, day: number, recorded: number) => ({
          backend: 'b1',
          id,
          lastUpdate: at(day * 86_400),
          properties: JSON.stringify({ id }),
          configuration: day === 2 ? '{"n_qubits": 5}' : null,
          source: 'configuration' as const,
          createdAt: at(recorded),
        });
        await store.recordCalibration(cal('one', 1, 1));
        await store.recordCalibration(cal('two', 2, 2));
        // The same id again is the same calibration: the first record stays.
        await store.recordCalibration({ ...cal('one', 9, 9), properties: '{"changed": true}' });
        await store.recordCalibration({ ...cal('other', 5, 5), backend: 'b2' });
        expect((await store.listCalibrations('b1')).map((c) => [c.id, c.lastUpdate])).toEqual([
          ['two', at(2 * 86_400)],
          ['one', at(86_400)],
        ]);
        expect(await store.getCalibration('b1', 'one')).toEqual(cal('one', 1, 1));
        expect((await store.getCalibration('b1', 'two'))?.configuration).toBe('{"n_qubits": 5}');
        expect(await store.getCalibration('b2', 'one')).toBeNull();
        expect((await store.calibrationBefore('b1', at(86_400 + 1)))?.id).toBe('one');
        expect((await store.calibrationBefore('b1', at(3 * 86_400)))?.id).toBe('two');
        expect(await store.calibrationBefore('b1', at(10))).toBeNull();
      }),
    );

    describe('two handles on one database (two nodes)', () => {
      if ('none' in pair) {
        it(`cannot exist here: ${pair.none}`, pair.proof);
        return;
      }
      const withPair = (fn: (a: ContractStore, b: ContractStore) => Promise<void>) => async () => {
        const { a, b, release } = await pair.make();
        try {
          await fn(a, b);
        } finally {
          await a.close();
          await b.close();
          await release?.();
        }
      };

      it(
        'lets exactly one of two racing compare-and-sets win',
        withPair(async (a, b) => {
          const s = aSession('open', { id: 'race' });
          await a.commit({ session: { next: s, insert: true } });
          for (let round = 0; round < 20; round++) {
            const cur = (await a.getSession('race')) as Session;
            const results = await Promise.all([
              a.commit({
                session: { next: { ...cur, queued: cur.queued + 1, version: cur.version + 1 } },
              }),
              b.commit({
                session: {
                  next: { ...cur, acceptingJobs: !cur.acceptingJobs, version: cur.version + 1 },
                },
              }),
            ]);
            expect(results.filter(Boolean)).toHaveLength(1);
          }
          expect((await b.getSession('race'))?.version).toBe(21);
        }),
      );

      it(
        'gives the last lane to exactly one of two nodes starting jobs at once',
        withPair(async (a, b) => {
          for (let round = 0; round < 10; round++) {
            const backend = `lane-${round}`;
            const x = aJob({ id: `x${round}`, backend });
            const y = aJob({ id: `y${round}`, backend });
            await a.commit({ job: { next: x, insert: true } });
            await a.commit({ job: { next: y, insert: true } });
            const results = await Promise.all([
              a.commit(startCommit(x, 1, at(1))),
              b.commit(startCommit(y, 1, at(1))),
            ]);
            expect(results.filter(Boolean)).toHaveLength(1);
            expect((await b.backendLoad(backend)).running).toBe(1);
          }
        }),
      );

      it(
        'hands racing webhook claims disjoint deliveries',
        withPair(async (a, b) => {
          const hooks = [a.webhooks(), b.webhooks()] as const;
          await hooks[0].deliveryCursor();
          const many = Array.from({ length: 40 }, (_, i) => ({
            webhookId: 'wh',
            eventSeq: i + 1,
            eventType: 'job.state_changed',
            payload: '{}',
            createdAt: at(0),
          }));
          await hooks[0].enqueueDeliveries(many, 40);
          const claimed: number[] = [];
          await Promise.all(
            hooks.map(async (h, i) => {
              for (;;) {
                const got = await h.claimDueDeliveries(at(1), 3, { owner: `n${i}`, until: at(99) });
                if (got.length === 0) return;
                claimed.push(...got.map((d) => d.eventSeq));
              }
            }),
          );
          expect(claimed.sort((p, q) => p - q)).toEqual(many.map((d) => d.eventSeq));
        }),
      );

      it(
        "tells one node of the deadlines the other's commits wrote",
        withPair(async (a, b) => {
          const heard: number[] = [];
          const got = new Promise<void>((resolve) => {
            const off = b.onDeadline((t) => {
              heard.push(t);
              off();
              resolve();
            });
          });
          const s = aSession('open', { id: 'dl-remote', openDeadline: at(40) });
          await a.commit({
            session: { next: s, insert: true },
            events: [{ type: 'session.state_changed', at: at(0), session: s }],
          });
          await got;
          expect(heard).toEqual([at(40).getTime()]);
        }),
      );

      it(
        "tells one node of the other's events, and numbers events in commit order",
        withPair(async (a, b) => {
          const heard = nextCall((fn) => b.onEventsAppended(fn));
          const s = aSession('open', { id: 'ev' });
          await a.commit({
            session: { next: s, insert: true },
            events: [{ type: 'session.state_changed', at: at(0), session: s }],
          });
          await heard;
          expect((await b.readEvents({ after: 0 }, 10)).map((e) => e.sessionId)).toEqual(['ev']);
          // Many concurrent appending commits on both handles: a reader that follows the log
          // never finds an event numbered below one it has already seen.
          const seen: number[] = [];
          let last = await b.lastEventSeq();
          let done = false;
          const reader = (async () => {
            while (!done) {
              for (const e of await b.readEvents({ after: last }, 100)) {
                seen.push(e.seq);
                last = e.seq;
              }
            }
          })();
          await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              (i % 2 ? a : b).commit({
                job: { next: aJob({ id: `ev-${i}` }), insert: true },
                events: [{ type: 'job.state_changed', at: at(1), job: aJob({ id: `ev-${i}` }) }],
              }),
            ),
          );
          done = true;
          await reader;
          for (const e of await b.readEvents({ after: last }, 100)) seen.push(e.seq);
          const all = (await a.readEvents({ after: 0 }, 1000)).map((e) => e.seq);
          expect(seen).toEqual(all.slice(1));
        }),
      );
    });
  });
}

import { describe, expect, it } from 'vitest';
import {
  type ActiveSessionHead,
  type DispatchSnapshot,
  type InstanceHead,
  type QueueCandidate,
  pickJobs,
  pickNextJob,
} from './dispatch.js';

const job = (
  id: string,
  seq: number,
  instanceId = 'i1',
  sessionId: string | null = null,
): QueueCandidate => ({
  jobId: id,
  seq,
  instanceId,
  sessionId,
});
const snap = (o: Partial<DispatchSnapshot>): DispatchSnapshot => ({
  lanes: 1,
  running: 0,
  online: true,
  active: [],
  normalHeads: [],
  ...o,
});
const active = (
  sessionId: string,
  mode: 'dedicated' | 'batch',
  createdMs: number,
  next: QueueCandidate | null,
): ActiveSessionHead => ({ sessionId, mode, createdAt: new Date(createdMs), next });

describe('pickNextJob', () => {
  it('starts nothing on a paused backend or without a free lane', () => {
    const heads = [{ candidate: job('a', 1), usageMs: 0, share: 1 }];
    expect(pickNextJob(snap({ online: false, normalHeads: heads }))).toBeNull();
    expect(pickNextJob(snap({ running: 1, normalHeads: heads }))).toBeNull();
    expect(pickNextJob(snap({ lanes: 2, running: 1, normalHeads: heads }))?.jobId).toBe('a');
  });

  it('gives the backend to an active dedicated session, even idle', () => {
    const heads = [{ candidate: job('other', 1), usageMs: 0, share: 1 }];
    expect(
      pickNextJob(
        snap({
          active: [active('s', 'dedicated', 5, job('mine', 9, 'i1', 's'))],
          normalHeads: heads,
        }),
      )?.jobId,
    ).toBe('mine');
    expect(
      pickNextJob(snap({ active: [active('s', 'dedicated', 5, null)], normalHeads: heads })),
    ).toBeNull();
  });

  it('lets the oldest active dedicated session own the backend, ahead of batch sessions', () => {
    const snapshot = snap({
      active: [
        active('batch', 'batch', 1, job('b', 1, 'i1', 'batch')),
        active('young', 'dedicated', 9, job('y', 2, 'i1', 'young')),
        active('old', 'dedicated', 3, job('o', 3, 'i1', 'old')),
      ],
    });
    expect(pickNextJob(snapshot)?.jobId).toBe('o');
  });

  it('runs active batch jobs ahead of the normal queue', () => {
    const heads = [{ candidate: job('old', 1), usageMs: 0, share: 1 }];
    expect(
      pickNextJob(
        snap({
          active: [active('b', 'batch', 4, job('batch', 50, 'i1', 'b'))],
          normalHeads: heads,
        }),
      )?.jobId,
    ).toBe('batch');
  });

  it('takes batch sessions oldest first, passing over those with nothing queued', () => {
    const snapshot = snap({
      active: [
        active('idle', 'batch', 1, null),
        active('newer', 'batch', 8, job('n', 2, 'i1', 'newer')),
        active('older', 'batch', 4, job('o', 9, 'i1', 'older')),
      ],
      normalHeads: [{ candidate: job('normal', 1), usageMs: 0, share: 1 }],
    });
    expect(pickNextJob(snapshot)?.jobId).toBe('o');
  });

  it('orders the normal queue by usage relative to share, then age', () => {
    const heads = [
      { candidate: job('heavy', 1, 'i1'), usageMs: 10_000, share: 1 },
      { candidate: job('light', 5, 'i2'), usageMs: 1000, share: 1 },
    ];
    expect(pickNextJob(snap({ normalHeads: heads }))?.jobId).toBe('light');
    const weighted = [
      { candidate: job('heavy', 1, 'i1'), usageMs: 10_000, share: 20 },
      { candidate: job('light', 5, 'i2'), usageMs: 1000, share: 1 },
    ];
    expect(pickNextJob(snap({ normalHeads: weighted }))?.jobId).toBe('heavy');
    const tie = [
      { candidate: job('newer', 7, 'i1'), usageMs: 0, share: 1 },
      { candidate: job('older', 3, 'i2'), usageMs: 0, share: 1 },
    ];
    expect(pickNextJob(snap({ normalHeads: tie }))?.jobId).toBe('older');
  });
});

describe('pickJobs', () => {
  /** Instances' normal queues (sessionless jobs), as full lists, with usage and share. */
  interface Queue {
    readonly jobs: QueueCandidate[];
    readonly usageMs: number;
    readonly share: number;
  }
  const headsOf = (queues: readonly Queue[], depth: number): InstanceHead[] =>
    queues
      .filter((q) => q.jobs.length > 0)
      .map((q) => ({
        candidate: q.jobs[0] as QueueCandidate,
        usageMs: q.usageMs,
        share: q.share,
        following: q.jobs.slice(1, depth),
      }));

  it('picks what starting one job at a time and asking again would pick, on random queues', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      let seq = 0;
      const queues: Queue[] = Array.from({ length: 1 + rnd(4) }, (_, k) => ({
        jobs: Array.from({ length: rnd(6) }, () => job(`j${seq}`, seq++, `i${k}`)),
        usageMs: rnd(3) * 1000,
        share: 1 + rnd(3),
      }));
      // Interleave the instances' submissions: seq is queue order across the backend.
      const all = queues.flatMap((q) => q.jobs).sort(() => rnd(3) - 1);
      all.forEach((j, i) => Object.assign(j, { seq: i }));
      for (const q of queues) q.jobs.sort((a, b) => a.seq - b.seq);
      const lanes = 1 + rnd(8);
      const running = rnd(lanes);
      const max = 1 + rnd(10);
      const depth = 1 + rnd(6);
      const batch = pickJobs(snap({ lanes, running, normalHeads: headsOf(queues, depth) }), max);
      // One at a time, each start taking its job off its queue and a lane.
      const left = queues.map((q) => ({ ...q, jobs: [...q.jobs] }));
      const oneByOne: string[] = [];
      for (let r = running; oneByOne.length < batch.length; r++) {
        const pick = pickNextJob(snap({ lanes, running: r, normalHeads: headsOf(left, 1) }));
        if (!pick) break;
        oneByOne.push(pick.jobId);
        const q = left.find((x) => x.jobs[0] === pick) as Queue;
        q.jobs.shift();
      }
      expect(batch.map((j) => j.jobId)).toEqual(oneByOne);
      expect(batch.length).toBeLessThanOrEqual(Math.min(max, lanes - running));
      // It stops early only where its snapshot cannot tell: an instance's known jobs ran out.
      if (batch.length < Math.min(max, lanes - running) && batch.length > 0) {
        const last = batch[batch.length - 1] as QueueCandidate;
        const q = queues.find((x) => x.jobs.includes(last)) as Queue;
        const known = Math.min(depth, q.jobs.length);
        const exhausted = q.jobs.indexOf(last) === known - 1;
        expect(exhausted).toBe(true);
      }
    }
  });

  it('stops at a job of a session, and takes one job from an active session', () => {
    const heads: InstanceHead[] = [
      {
        candidate: job('a', 1),
        usageMs: 0,
        share: 1,
        following: [job('b', 2, 'i1', 'open-session'), job('c', 3)],
      },
    ];
    expect(pickJobs(snap({ lanes: 8, normalHeads: heads }), 8).map((j) => j.jobId)).toEqual(['a']);
    const batch = active('s', 'batch', 1, job('mine', 9, 'i1', 's'));
    expect(
      pickJobs(snap({ lanes: 8, active: [batch], normalHeads: heads }), 8).map((j) => j.jobId),
    ).toEqual(['mine']);
    expect(pickJobs(snap({ lanes: 8, online: false, normalHeads: heads }), 8)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  type ActiveSessionHead,
  type DispatchSnapshot,
  type QueueCandidate,
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

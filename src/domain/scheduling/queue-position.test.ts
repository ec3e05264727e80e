import { describe, expect, it } from 'vitest';
import { type ActiveSessionHead, pickNextJob } from './dispatch.js';
import { type QueueGroup, queuePosition } from './queue-position.js';

const group = (o: Partial<QueueGroup> & { queued: number; earlier: number }): QueueGroup => ({
  sessionId: null,
  session: null,
  instanceId: 'i1',
  usageMs: 0,
  share: 1,
  ...o,
});
const session = (mode: 'dedicated' | 'batch', state: 'open' | 'active', createdMs: number) => ({
  mode,
  state,
  createdAt: new Date(createdMs),
});

describe('queuePosition', () => {
  it('counts the jobs submitted earlier in a plain FIFO queue', () => {
    expect(
      queuePosition({ sessionId: null, instanceId: 'i1' }, [group({ queued: 5, earlier: 3 })]),
    ).toBe(3);
  });

  it('puts every job of the owning dedicated session first, even ones submitted later', () => {
    const groups = [
      group({ queued: 2, earlier: 0 }),
      group({ sessionId: 'd', session: session('dedicated', 'active', 9), queued: 4, earlier: 0 }),
    ];
    expect(queuePosition({ sessionId: null, instanceId: 'i1' }, groups)).toBe(4);
    expect(queuePosition({ sessionId: 'd', instanceId: 'i1' }, groups)).toBe(0);
  });

  it('orders active batch sessions oldest first, ahead of the normal queue', () => {
    const groups = [
      group({ sessionId: 'young', session: session('batch', 'active', 20), queued: 3, earlier: 1 }),
      group({ sessionId: 'old', session: session('batch', 'active', 10), queued: 2, earlier: 2 }),
      group({ queued: 7, earlier: 0 }),
    ];
    expect(queuePosition({ sessionId: 'young', instanceId: 'i1' }, groups)).toBe(2 + 1);
    expect(queuePosition({ sessionId: 'old', instanceId: 'i1' }, groups)).toBe(2);
    expect(queuePosition({ sessionId: null, instanceId: 'i1' }, groups)).toBe(5);
  });

  it('puts an open session with the normal queue, FIFO within its instance', () => {
    const groups = [
      group({ queued: 3, earlier: 2 }),
      group({ sessionId: 's', session: session('dedicated', 'open', 1), queued: 1, earlier: 0 }),
    ];
    expect(queuePosition({ sessionId: 's', instanceId: 'i1' }, groups)).toBe(2);
  });

  it('lets the instance with less usage per share go first in the normal queue', () => {
    const groups = [
      group({ instanceId: 'busy', usageMs: 9000, share: 1, queued: 4, earlier: 4 }),
      group({ instanceId: 'idle', usageMs: 1000, share: 1, queued: 6, earlier: 0 }),
      group({ instanceId: 'big', usageMs: 9000, share: 3, queued: 2, earlier: 1 }),
    ];
    // idle (1000/1) < big (3000/3 = 3000) < busy (9000/1)
    expect(queuePosition({ sessionId: null, instanceId: 'idle' }, groups)).toBe(0);
    expect(queuePosition({ sessionId: null, instanceId: 'big' }, groups)).toBe(6 + 1);
    expect(queuePosition({ sessionId: null, instanceId: 'busy' }, groups)).toBe(6 + 2 + 4);
  });

  it('interleaves instances of equal standing by submission', () => {
    const groups = [
      group({ instanceId: 'a', queued: 3, earlier: 1 }),
      group({ instanceId: 'b', queued: 3, earlier: 2 }),
    ];
    expect(queuePosition({ sessionId: null, instanceId: 'a' }, groups)).toBe(3);
  });

  it('answers 0 for a job no longer queued', () => {
    expect(
      queuePosition({ sessionId: 'gone', instanceId: 'i1' }, [group({ queued: 2, earlier: 0 })]),
    ).toBe(0);
  });
});

describe('queuePosition against pickNextJob', () => {
  // A seeded generator: the same queues every run.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };

  it('gives every job of random queues the place in which pickNextJob starts it', () => {
    for (let round = 0; round < 200; round++) {
      const instances = ['a', 'b', 'c'].map((id) => ({
        id,
        usageMs: [0, 1000, 2000][rand(3)] ?? 0,
        share: 1 + rand(2),
      }));
      const sessions = [0, 1, 2, 3].map((k) => ({
        id: `s${k}`,
        instanceId: instances[rand(3)]?.id ?? 'a',
        // At most one active dedicated session per backend (sessions.md §2).
        mode: k === 0 || rand(2) ? ('batch' as const) : ('dedicated' as const),
        state: (k === 0 && rand(2)) || rand(3) === 0 ? ('active' as const) : ('open' as const),
        createdAt: new Date(rand(5)),
      }));
      const owners = sessions.filter((s) => s.mode === 'dedicated' && s.state === 'active');
      for (const s of owners.slice(1)) (s as { state: string }).state = 'open';
      const jobs = Array.from({ length: 1 + rand(12) }, (_, seq) => {
        const s = rand(3) ? null : sessions[rand(4)];
        return {
          jobId: `j${seq}`,
          seq,
          sessionId: s?.id ?? null,
          instanceId: s?.instanceId ?? instances[rand(3)]?.id ?? 'a',
        };
      });
      const sessionOf = (id: string | null) => sessions.find((s) => s.id === id) ?? null;
      const instanceOf = (id: string) =>
        instances.find((i) => i.id === id) ?? { id, usageMs: 0, share: 1 };

      // The order in which dispatch starts them, usage as it stands.
      const order: string[] = [];
      const left = [...jobs];
      while (left.length) {
        const oldest = (pred: (j: (typeof jobs)[number]) => boolean) => left.find(pred) ?? null;
        const active: ActiveSessionHead[] = sessions
          .filter((s) => s.state === 'active' && left.some((j) => j.sessionId === s.id))
          .map((s) => ({
            sessionId: s.id,
            mode: s.mode,
            createdAt: s.createdAt,
            next: oldest((j) => j.sessionId === s.id),
          }));
        const normal = (j: (typeof jobs)[number]) => sessionOf(j.sessionId)?.state !== 'active';
        const normalHeads = instances.flatMap((i) => {
          const head = oldest((j) => j.instanceId === i.id && normal(j));
          return head ? [{ candidate: head, usageMs: i.usageMs, share: i.share }] : [];
        });
        const picked = pickNextJob({ lanes: 1, running: 0, online: true, active, normalHeads });
        if (!picked) throw new Error('nothing picked from a non-empty queue');
        order.push(picked.jobId);
        left.splice(
          left.findIndex((j) => j.jobId === picked.jobId),
          1,
        );
      }

      for (const target of jobs) {
        const groups = new Map<string, QueueGroup>();
        for (const j of jobs) {
          const key = `${j.sessionId}/${j.instanceId}`;
          const s = sessionOf(j.sessionId);
          const g = groups.get(key) ?? {
            sessionId: j.sessionId,
            session: s ? { mode: s.mode, state: s.state, createdAt: s.createdAt } : null,
            instanceId: j.instanceId,
            usageMs: instanceOf(j.instanceId).usageMs,
            share: instanceOf(j.instanceId).share,
            queued: 0,
            earlier: 0,
          };
          groups.set(key, {
            ...g,
            queued: g.queued + 1,
            earlier: g.earlier + (j.seq < target.seq ? 1 : 0),
          });
        }
        expect(queuePosition(target, [...groups.values()]), `round ${round} ${target.jobId}`).toBe(
          order.indexOf(target.jobId),
        );
      }
    }
  });
});

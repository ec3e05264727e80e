import { describe, expect, it } from 'vitest';
import { aSession, at, policy } from '../../../test/helpers/builders.js';
import { AppError } from '../errors.js';
import type { Session, SessionReason, SessionState } from './session.js';
import { elapsedMs, remainingActiveTtl } from './session.js';
import { ACCEPTS, type SessionInput, decideSession } from './session-machine.js';

type Expect =
  | { throws: string }
  | {
      state: SessionState;
      reason?: SessionReason;
      changed?: boolean;
      effects?: string[];
      check?: (next: Session) => void;
    };

interface Case {
  name: string;
  from: SessionState;
  given?: Partial<Session>;
  input: SessionInput;
  at?: number;
  expect: Expect;
}

const submitted: SessionInput = { kind: 'job_submitted' };
const started: SessionInput = { kind: 'job_started' };
const dequeued: SessionInput = { kind: 'job_dequeued' };
const settled = (startedAtS: number): SessionInput => ({
  kind: 'job_settled',
  startedAt: at(startedAtS),
});
const timer = (t: 'open' | 'idle' | 'max'): SessionInput => ({ kind: 'timer_fired', timer: t });

const CASES: Case[] = [
  // open
  {
    name: 'a submission disarms the open deadline',
    from: 'open',
    input: submitted,
    expect: {
      state: 'open',
      check: (s) => (expect(s.queued).toBe(1), expect(s.openDeadline).toBeNull()),
    },
  },
  {
    name: 'a submission to a session not accepting jobs is refused',
    from: 'open',
    given: { acceptingJobs: false, queued: 1, openDeadline: null },
    input: submitted,
    expect: { throws: 'session_not_accepting_jobs' },
  },
  {
    name: 'the first job start activates the session and starts the max-TTL clock',
    from: 'open',
    given: { queued: 1, openDeadline: null },
    input: started,
    at: 20,
    expect: {
      state: 'active',
      reason: 'job_started',
      effects: ['state_changed'],
      check: (s) => {
        expect(s.startedAt).toEqual(at(20));
        expect(s.activatedAt).toEqual(at(20));
        expect(s.maxDeadline).toEqual(at(20 + 28_800));
        expect(s.running).toBe(1);
        expect(s.queued).toBe(0);
      },
    },
  },
  {
    name: 'the max-TTL clock uses a smaller requested active_ttl',
    from: 'open',
    given: { queued: 1, openDeadline: null, activeTtl: 600 },
    input: started,
    at: 20,
    expect: { state: 'active', check: (s) => expect(s.maxDeadline).toEqual(at(620)) },
  },
  {
    name: 'cancelling its last queued job re-arms the open deadline',
    from: 'open',
    given: { queued: 1, openDeadline: null },
    input: dequeued,
    at: 30,
    expect: { state: 'open', check: (s) => expect(s.openDeadline).toEqual(at(30 + 1800)) },
  },
  {
    name: 'an open session has no running job to settle',
    from: 'open',
    input: settled(0),
    expect: { throws: 'invalid_transition' },
  },
  {
    name: 'PATCH false with nothing queued closes at once',
    from: 'open',
    input: { kind: 'stop_accepting' },
    expect: { state: 'closed', reason: 'closed_by_user', effects: ['state_changed'] },
  },
  {
    name: 'PATCH false with a queued job drains',
    from: 'open',
    given: { queued: 1, openDeadline: null },
    input: { kind: 'stop_accepting' },
    expect: { state: 'open', check: (s) => expect(s.acceptingJobs).toBe(false) },
  },
  {
    name: 'PATCH true accepts again',
    from: 'open',
    given: { acceptingJobs: false, queued: 1 },
    input: { kind: 'start_accepting' },
    expect: { state: 'open', check: (s) => expect(s.acceptingJobs).toBe(true) },
  },
  {
    name: 'DELETE close cancels queued jobs',
    from: 'open',
    given: { queued: 2, openDeadline: null },
    input: { kind: 'cancel' },
    expect: {
      state: 'closed',
      reason: 'cancelled_by_user',
      effects: ['cancel_queued_jobs', 'state_changed'],
    },
  },
  {
    name: 'the open deadline closes an unused session',
    from: 'open',
    input: timer('open'),
    at: 1800,
    expect: {
      state: 'closed',
      reason: 'open_ttl_expired',
      check: (s) => expect(s.closedAt).toEqual(at(1800)),
    },
  },
  {
    name: 'an open deadline fired early is stale',
    from: 'open',
    input: timer('open'),
    at: 1799,
    expect: { state: 'open', changed: false },
  },
  {
    name: 'an idle timer is not armed while open',
    from: 'open',
    input: timer('idle'),
    at: 5000,
    expect: { state: 'open', changed: false },
  },
  {
    name: 'a max timer is not armed while open',
    from: 'open',
    input: timer('max'),
    at: 5000,
    expect: { state: 'open', changed: false },
  },

  // active (one job running)
  {
    name: 'a submission to an active session disarms its idle deadline',
    from: 'active',
    given: { running: 0, runningStartSumMs: 0, idleDeadline: at(200) },
    input: submitted,
    expect: {
      state: 'active',
      check: (s) => (expect(s.idleDeadline).toBeNull(), expect(s.queued).toBe(1)),
    },
  },
  {
    name: 'another job start keeps it active',
    from: 'active',
    given: { queued: 1 },
    input: started,
    at: 30,
    expect: {
      state: 'active',
      effects: [],
      check: (s) => (expect(s.running).toBe(2), expect(s.lastJobStartedAt).toEqual(at(30))),
    },
  },
  {
    name: 'cancelling the last queued job of an idle active session arms its idle deadline',
    from: 'active',
    given: { queued: 1, running: 0, runningStartSumMs: 0 },
    input: dequeued,
    at: 40,
    expect: { state: 'active', check: (s) => expect(s.idleDeadline).toEqual(at(100)) },
  },
  {
    name: 'the last job ending arms the idle deadline',
    from: 'active',
    input: settled(10),
    at: 70,
    expect: {
      state: 'active',
      check: (s) => {
        expect(s.idleDeadline).toEqual(at(130));
        expect(s.running).toBe(0);
        expect(s.runningStartSumMs).toBe(0);
        expect(s.lastJobCompletedAt).toEqual(at(70));
      },
    },
  },
  {
    name: 'a batch session is charged its jobs’ running time',
    from: 'active',
    given: { mode: 'batch' },
    input: settled(10),
    at: 70,
    expect: {
      state: 'active',
      effects: ['charge_usage'],
      check: (s) => expect(s.usageMs).toBe(60_000),
    },
  },
  {
    name: 'a draining dedicated session closes when its last job ends',
    from: 'active',
    given: { acceptingJobs: false },
    input: settled(10),
    at: 70,
    expect: {
      state: 'closed',
      reason: 'closed_by_user',
      effects: ['state_changed', 'charge_usage'],
      check: (s) => expect(s.usageMs).toBe(60_000),
    },
  },
  {
    name: 'a draining batch session closes with no_more_jobs',
    from: 'active',
    given: { acceptingJobs: false, mode: 'batch' },
    input: settled(10),
    at: 70,
    expect: { state: 'closed', reason: 'no_more_jobs' },
  },
  {
    name: 'PATCH false while a job runs keeps it active and draining',
    from: 'active',
    input: { kind: 'stop_accepting' },
    expect: { state: 'active', check: (s) => expect(s.acceptingJobs).toBe(false) },
  },
  {
    name: 'PATCH true on an accepting session changes nothing',
    from: 'active',
    input: { kind: 'start_accepting' },
    expect: { state: 'active', changed: false },
  },
  {
    name: 'DELETE close of an active dedicated session charges its active time',
    from: 'active',
    given: { queued: 1 },
    input: { kind: 'cancel' },
    at: 40,
    expect: {
      state: 'closed',
      reason: 'cancelled_by_user',
      effects: ['cancel_queued_jobs', 'state_changed', 'charge_usage'],
      check: (s) => (
        expect(s.usageMs).toBe(30_000),
        expect(s.queued).toBe(0),
        expect(s.deactivatedAt).toEqual(at(40))
      ),
    },
  },
  {
    name: 'the idle deadline makes it inactive and charges the active period',
    from: 'active',
    given: { running: 0, runningStartSumMs: 0, idleDeadline: at(130) },
    input: timer('idle'),
    at: 130,
    expect: {
      state: 'inactive',
      reason: 'interactive_ttl_expired',
      effects: ['state_changed', 'charge_usage'],
      check: (s) => (expect(s.usageMs).toBe(120_000), expect(s.idleDeadline).toBeNull()),
    },
  },
  {
    name: 'the max deadline closes it and cancels its queued jobs',
    from: 'active',
    given: { queued: 3 },
    input: timer('max'),
    at: 10 + 28_800,
    expect: {
      state: 'closed',
      reason: 'max_ttl_expired',
      effects: ['cancel_queued_jobs', 'state_changed', 'charge_usage'],
    },
  },
  {
    name: 'an open timer is not armed while active',
    from: 'active',
    input: timer('open'),
    at: 5000,
    expect: { state: 'active', changed: false },
  },
  {
    name: 'a job cannot start once the max deadline has passed',
    from: 'active',
    given: { queued: 1 },
    input: started,
    at: 10 + 28_800,
    expect: { throws: 'invalid_transition' },
  },

  // inactive
  {
    name: 'a submission to an inactive session queues',
    from: 'inactive',
    input: submitted,
    expect: { state: 'inactive', check: (s) => expect(s.queued).toBe(1) },
  },
  {
    name: 'a job start reactivates an inactive session without restarting the max-TTL clock',
    from: 'inactive',
    given: { queued: 1 },
    input: started,
    at: 500,
    expect: {
      state: 'active',
      reason: 'job_started',
      check: (s) => (
        expect(s.activatedAt).toEqual(at(500)),
        expect(s.startedAt).toEqual(at(10)),
        expect(s.maxDeadline).toEqual(at(10 + 28_800))
      ),
    },
  },
  {
    name: 'cancelling a queued job of an inactive session arms nothing',
    from: 'inactive',
    given: { queued: 1 },
    input: dequeued,
    expect: {
      state: 'inactive',
      check: (s) => (expect(s.idleDeadline).toBeNull(), expect(s.openDeadline).toBeNull()),
    },
  },
  {
    name: 'an inactive session has no running job to settle',
    from: 'inactive',
    input: settled(0),
    expect: { throws: 'invalid_transition' },
  },
  {
    name: 'PATCH false closes an idle inactive session',
    from: 'inactive',
    input: { kind: 'stop_accepting' },
    expect: { state: 'closed', reason: 'closed_by_user' },
  },
  {
    name: 'PATCH true on an inactive accepting session changes nothing',
    from: 'inactive',
    input: { kind: 'start_accepting' },
    expect: { state: 'inactive', changed: false },
  },
  {
    name: 'DELETE close closes an inactive session',
    from: 'inactive',
    input: { kind: 'cancel' },
    expect: { state: 'closed', reason: 'cancelled_by_user', effects: ['state_changed'] },
  },
  {
    name: 'the max deadline closes an inactive session',
    from: 'inactive',
    input: timer('max'),
    at: 10 + 28_800,
    expect: { state: 'closed', reason: 'max_ttl_expired' },
  },
  {
    name: 'an idle timer is stale once inactive',
    from: 'inactive',
    input: timer('idle'),
    at: 5000,
    expect: { state: 'inactive', changed: false },
  },
  {
    name: 'a due deadline that no longer fits the state is cleared, not applied',
    from: 'inactive',
    given: { idleDeadline: at(120) },
    input: timer('idle'),
    at: 120,
    expect: { state: 'inactive', effects: [], check: (s) => expect(s.idleDeadline).toBeNull() },
  },
  {
    name: 'an open timer is stale once inactive',
    from: 'inactive',
    input: timer('open'),
    at: 5000,
    expect: { state: 'inactive', changed: false },
  },

  // closed
  {
    name: 'a closed session refuses jobs',
    from: 'closed',
    input: submitted,
    expect: { throws: 'session_closed' },
  },
  {
    name: 'no job starts in a closed session',
    from: 'closed',
    input: started,
    expect: { throws: 'invalid_transition' },
  },
  {
    name: 'a dequeue in a closed session only keeps counts',
    from: 'closed',
    given: { queued: 1 },
    input: dequeued,
    expect: { state: 'closed', check: (s) => expect(s.queued).toBe(0) },
  },
  {
    name: 'a job that runs past the close is charged to a dedicated session from the close',
    from: 'closed',
    given: { running: 1, runningStartSumMs: at(30).getTime() },
    input: settled(30),
    at: 80,
    expect: {
      state: 'closed',
      effects: ['charge_usage'],
      check: (s) => (expect(s.usageMs).toBe(40_000 + 30_000), expect(s.running).toBe(0)),
    },
  },
  {
    name: 'PATCH false on a closed session is idempotent',
    from: 'closed',
    input: { kind: 'stop_accepting' },
    expect: { state: 'closed', changed: false },
  },
  {
    name: 'PATCH true on a closed session is refused',
    from: 'closed',
    input: { kind: 'start_accepting' },
    expect: { throws: 'session_closed' },
  },
  {
    name: 'DELETE close on a closed session is idempotent',
    from: 'closed',
    input: { kind: 'cancel' },
    expect: { state: 'closed', changed: false },
  },
  {
    name: 'an open timer never fires on a closed session',
    from: 'closed',
    input: timer('open'),
    at: 99_999,
    expect: { state: 'closed', changed: false },
  },
  {
    name: 'an idle timer never fires on a closed session',
    from: 'closed',
    input: timer('idle'),
    at: 99_999,
    expect: { state: 'closed', changed: false },
  },
  {
    name: 'a max timer never fires on a closed session',
    from: 'closed',
    input: timer('max'),
    at: 99_999,
    expect: { state: 'closed', changed: false },
  },
];

describe('decideSession', () => {
  it.each(CASES)('$from: $name', (c) => {
    const s = aSession(c.from, c.given);
    const now = at(c.at ?? 60);
    if ('throws' in c.expect) {
      let caught: unknown;
      try {
        decideSession(s, c.input, now, policy);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe(c.expect.throws);
      return;
    }
    const d = decideSession(s, c.input, now, policy);
    if (c.expect.changed === false) {
      expect(d.next).toBeNull();
      return;
    }
    expect(d.next).not.toBeNull();
    const next = d.next as Session;
    expect(next.state).toBe(c.expect.state);
    expect(next.version).toBe(s.version + 1);
    if (c.expect.reason) expect(next.stateReason).toBe(c.expect.reason);
    if (c.expect.effects) expect(d.effects.map((e) => e.kind)).toEqual(c.expect.effects);
    if (next.state !== s.state) {
      expect(next.timestamps).toEqual([...s.timestamps, { status: next.state, at: now }]);
    } else {
      expect(next.timestamps).toEqual(s.timestamps);
    }
    c.expect.check?.(next);
  });

  it('covers every state × input pair in the table', () => {
    const kinds: SessionInput['kind'][] = [
      'job_submitted',
      'job_started',
      'job_dequeued',
      'job_settled',
      'stop_accepting',
      'start_accepting',
      'cancel',
      'timer_fired',
    ];
    for (const state of ['open', 'active', 'inactive', 'closed'] as const) {
      for (const kind of kinds) {
        expect(
          CASES.some((c) => c.from === state && c.input.kind === kind),
          `${state} × ${kind}`,
        ).toBe(true);
      }
      for (const t of ['open', 'idle', 'max'] as const) {
        const covered = CASES.some(
          (c) => c.from === state && c.input.kind === 'timer_fired' && c.input.timer === t,
        );
        expect(covered, `${state} × timer ${t}`).toBe(true);
      }
    }
  });

  it('rejects inputs outside the ACCEPTS table', () => {
    for (const [state, accepted] of Object.entries(ACCEPTS)) {
      if (!accepted.includes('job_settled')) {
        expect(() =>
          decideSession(aSession(state as SessionState), settled(0), at(60), policy),
        ).toThrow(AppError);
      }
    }
  });
});

describe('live session values', () => {
  it('reports the active TTL budget before start, then what remains, never below zero', () => {
    expect(remainingActiveTtl(aSession('open'), at(5000))).toBe(28_800);
    expect(remainingActiveTtl(aSession('active'), at(110))).toBe(28_700);
    expect(remainingActiveTtl(aSession('active'), at(99_999))).toBe(0);
  });

  it('counts a dedicated session’s current active period in its elapsed time', () => {
    expect(elapsedMs(aSession('active', { usageMs: 5000 }), at(70))).toBe(5000 + 60_000);
    expect(elapsedMs(aSession('inactive'), at(5000))).toBe(90_000);
  });

  it('counts a batch session’s running jobs in its elapsed time', () => {
    const s = aSession('active', { mode: 'batch', usageMs: 1000 });
    expect(elapsedMs(s, at(25))).toBe(1000 + 15_000);
  });
});

/**
 * Which queued job starts next on a backend: ../shared/spec/sessions.md §2, as a pure function
 * of a snapshot the store reads. The store only returns queue heads (each session's and each
 * instance's oldest queued job, which is FIFO order); every priority between them is decided
 * here, so that no storage dialect carries a copy of a rule. Rules, in order:
 * 1. an active dedicated session owns the backend: only its jobs start (oldest first), and
 *    with nothing queued the lanes stay idle until its idle deadline;
 * 2. active batch sessions' jobs go next, oldest session first;
 * 3. the normal queue (sessionless jobs, open and inactive sessions' jobs) in fair-share order:
 *    the instance with the least usage this period relative to its share, then oldest first.
 * The caller starts the picked job, then asks again: a started job can change the snapshot
 * (an open dedicated session becoming active takes the remaining lanes).
 */

import type { SessionMode, SessionState } from '../session/session.js';

/**
 * Dedicated vs batch, in one place: what a session's mode and state mean to scheduling. The
 * dispatch pick below, the hand-over of a dedicated session's next job (app/execution.ts) and
 * the store's statements (whose SQL is written from these) all ask here.
 */
export const MODES = {
  /** Rule 1: the session that owns its backend (at most one per backend). */
  owner: { mode: 'dedicated', state: 'active' },
  /** Rule 2: sessions whose jobs go ahead of the normal queue. */
  priority: { mode: 'batch', state: 'active' },
  /** Rule 3: the states whose sessions' jobs wait in the normal queue. */
  normalQueueStates: ['open', 'inactive'],
} as const satisfies {
  owner: { mode: SessionMode; state: SessionState };
  priority: { mode: SessionMode; state: SessionState };
  normalQueueStates: readonly SessionState[];
};

/** Rule 1: whether the session owns its backend (only its jobs start there). */
export function ownsBackend(s: {
  readonly mode: SessionMode;
  readonly state: SessionState;
}): boolean {
  return s.mode === MODES.owner.mode && s.state === MODES.owner.state;
}

/** A queued job the scheduler could start. */
export interface QueueCandidate {
  readonly jobId: string;
  readonly sessionId: string | null;
  readonly instanceId: string;
  /** Queue order (submission order) within the backend. */
  readonly seq: number;
}

/** The oldest normal-queue job of one instance, with that instance's standing. */
export interface InstanceHead {
  readonly candidate: QueueCandidate;
  /** Usage so far this period, in ms. */
  readonly usageMs: number;
  /** The instance's fair-share weight (> 0). */
  readonly share: number;
  /**
   * The instance's next normal-queue jobs after `candidate`, in queue order, when the store was
   * asked for more than the heads (pickJobs); possibly not all of them.
   */
  readonly following?: readonly QueueCandidate[];
}

/** An active session on the backend, with its oldest queued job. */
export interface ActiveSessionHead {
  readonly sessionId: string;
  readonly mode: 'dedicated' | 'batch';
  readonly createdAt: Date;
  readonly next: QueueCandidate | null;
}

/** What the store knows about one backend's queue at one moment. */
export interface DispatchSnapshot {
  readonly lanes: number;
  readonly running: number;
  readonly online: boolean;
  /** The backend's active sessions (empty when nothing may start anyway). */
  readonly active: readonly ActiveSessionHead[];
  /** The oldest normal-queue job of each instance. */
  readonly normalHeads: readonly InstanceHead[];
}

const older = (a: ActiveSessionHead, b: ActiveSessionHead): boolean =>
  a.createdAt.getTime() < b.createdAt.getTime() ||
  (a.createdAt.getTime() === b.createdAt.getTime() && a.sessionId < b.sessionId);

/** The job to start now, or null when nothing may start. */
export function pickNextJob(s: DispatchSnapshot): QueueCandidate | null {
  if (!s.online || s.running >= s.lanes) return null;
  let owner: ActiveSessionHead | null = null;
  let batch: ActiveSessionHead | null = null;
  for (const a of s.active) {
    // Heads are of active sessions: the mode alone says which rule each falls under.
    if (ownsBackend({ mode: a.mode, state: 'active' }) && (!owner || older(a, owner))) owner = a;
    if (a.mode === MODES.priority.mode && a.next && (!batch || older(a, batch))) batch = a;
  }
  if (owner) return owner.next;
  if (batch) return batch.next;
  return fairShareHead(s.normalHeads);
}

/**
 * Whether the normal queue can matter given the active sessions: not while a dedicated session
 * owns the backend or a batch session has work (the store may then skip reading it).
 */
export function normalQueueMatters(active: readonly ActiveSessionHead[]): boolean {
  return !active.some((a) => a.mode === MODES.owner.mode || a.next !== null);
}

/**
 * Up to `max` jobs to start now, in the order pickNextJob would pick them one by one (starting
 * each before asking again). After the first pick, the batch goes on only through the normal
 * queue's sessionless jobs: starting one changes nothing a later pick depends on (usage is
 * charged when a job ends, and no session changes state), so the same snapshot still decides.
 * It stops at a job of a session (starting it may activate the session, which changes rules 1
 * and 2), and where an instance's known jobs run out (the store may hold more of them).
 */
export function pickJobs(s: DispatchSnapshot, max: number): QueueCandidate[] {
  const first = pickNextJob(s);
  if (!first) return [];
  const picked = [first];
  const heads = s.normalHeads.map((h) => ({ ...h, rest: [...(h.following ?? [])] }));
  let last: QueueCandidate = first;
  while (picked.length < max && s.running + picked.length < s.lanes && last.sessionId === null) {
    const from = heads.find((h) => h.candidate === last);
    const next = from?.rest.shift();
    if (!from || !next) break;
    heads[heads.indexOf(from)] = { ...from, candidate: next };
    const pick = fairShareHead(heads);
    if (!pick || pick.sessionId !== null) break;
    picked.push(pick);
    last = pick;
  }
  return picked;
}

/** Least usage per unit of share first; ties go to the oldest job. */
export function fairShareHead(heads: readonly InstanceHead[]): QueueCandidate | null {
  let best: InstanceHead | null = null;
  for (const h of heads) {
    if (best === null) {
      best = h;
      continue;
    }
    const a = h.usageMs / h.share;
    const b = best.usageMs / best.share;
    if (a < b || (a === b && h.candidate.seq < best.candidate.seq)) best = h;
  }
  return best?.candidate ?? null;
}

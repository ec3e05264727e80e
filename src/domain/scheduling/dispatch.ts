/**
 * Which queued job starts next on a backend: ../shared/spec/sessions.md §2, as a pure function
 * of a snapshot the store reads. Rules, in order:
 * 1. an active dedicated session owns the backend: only its jobs start (oldest first), and
 *    with nothing queued the lanes stay idle until its idle deadline;
 * 2. active batch sessions' jobs go next, oldest session first;
 * 3. the normal queue (sessionless jobs, open and inactive sessions' jobs) in fair-share order:
 *    the instance with the least usage this period relative to its share, then oldest first.
 * The caller starts the picked job, then asks again: a started job can change the snapshot
 * (an open dedicated session becoming active takes the remaining lanes).
 */

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
}

/** What the store knows about one backend's queue at one moment. */
export interface DispatchSnapshot {
  readonly lanes: number;
  readonly running: number;
  readonly online: boolean;
  /** The active dedicated session on this backend and its oldest queued job, if any. */
  readonly owner: { readonly sessionId: string; readonly next: QueueCandidate | null } | null;
  /** The oldest job of the oldest active batch session that has queued jobs. */
  readonly batchNext: QueueCandidate | null;
  readonly normalHeads: readonly InstanceHead[];
}

/** The job to start now, or null when nothing may start. */
export function pickNextJob(s: DispatchSnapshot): QueueCandidate | null {
  if (!s.online || s.running >= s.lanes) return null;
  if (s.owner) return s.owner.next;
  if (s.batchNext) return s.batchNext;
  return fairShareHead(s.normalHeads);
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

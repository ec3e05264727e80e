/**
 * The session state machine: the single place where a session changes state.
 * Semantics: ../shared/spec/sessions.md §1 (states, TTLs) and §3 (usage).
 *
 * States
 * - open      Entered at creation (reason `created`). Armed: `open` deadline (created + openTtl)
 *             while it has no queued or running job; a submitted job disarms it, and it is
 *             re-armed (now + openTtl) if the session's last queued job is cancelled before
 *             running (Berth: an open session never waits forever on nothing).
 *             job_started → active. open deadline → closed (`open_ttl_expired`).
 * - active    Entered when a session job starts (reason `job_started`); the first time sets
 *             `startedAt` and arms `max` (startedAt + min(maxTtl, activeTtl)), which never pauses.
 *             Armed: `idle` (last job end + interactiveTtl) only while nothing is queued or
 *             running; a submission disarms it. idle deadline → inactive
 *             (`interactive_ttl_expired`). A dedicated session owns its backend here.
 * - inactive  Lost priority; its jobs go through the normal queue. job_started → active.
 * - closed    Final (`closed_at` set). Queued jobs were cancelled on entry when the close was
 *             a cancel or a max-TTL expiry; running jobs finish and are still accounted.
 *
 * Inputs in every non-closed state
 * - job_submitted    rejected with `session_not_accepting_jobs` when not accepting.
 * - job_dequeued     a queued job was cancelled before running.
 * - stop_accepting   PATCH accepting_jobs=false: closes once nothing is queued or running
 *                    (`closed_by_user`; a draining *active batch* session closes `no_more_jobs`).
 * - start_accepting  PATCH accepting_jobs=true.
 * - cancel           DELETE /close: closed at once (`cancelled_by_user`), queued jobs cancelled.
 * - timer_fired      `max` → closed (`max_ttl_expired`), queued jobs cancelled.
 * In `closed`: job_submitted and start_accepting are `session_closed` errors; stop_accepting and
 * cancel are idempotent no-ops; job_settled/job_dequeued only keep the counts and usage.
 *
 * A timer whose deadline is no longer armed, or is later than the firing time, is stale and
 * yields no change (never an error). An input a state does not accept (see ACCEPTS) throws
 * `invalid_transition`: it means a caller raced and must reload.
 *
 * `now` is the time the event happened: for a timer, its deadline, so that deadlines that passed
 * while the server was down are applied at the time they should have happened.
 */
import { AppError, assertNever } from '../errors.js';
import type { Session, SessionReason, SessionState, SessionTimer, TtlPolicy } from './session.js';
import { ttlBudgetSeconds } from './session.js';

/** Something that happened to a session. */
export type SessionInput =
  | { readonly kind: 'job_submitted' }
  | { readonly kind: 'job_started' }
  | { readonly kind: 'job_dequeued' }
  | { readonly kind: 'job_settled'; readonly startedAt: Date }
  | { readonly kind: 'stop_accepting' }
  | { readonly kind: 'start_accepting' }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'timer_fired'; readonly timer: SessionTimer };

/** Which inputs each state accepts; anything else is an invalid transition. */
export const ACCEPTS: Readonly<Record<SessionState, readonly SessionInput['kind'][]>> = {
  open: [
    'job_submitted',
    'job_started',
    'job_dequeued',
    'stop_accepting',
    'start_accepting',
    'cancel',
    'timer_fired',
  ],
  active: [
    'job_submitted',
    'job_started',
    'job_dequeued',
    'job_settled',
    'stop_accepting',
    'start_accepting',
    'cancel',
    'timer_fired',
  ],
  inactive: [
    'job_submitted',
    'job_started',
    'job_dequeued',
    'stop_accepting',
    'start_accepting',
    'cancel',
    'timer_fired',
  ],
  closed: [
    'job_submitted',
    'job_dequeued',
    'job_settled',
    'stop_accepting',
    'start_accepting',
    'cancel',
    'timer_fired',
  ],
};

/** Side effects the caller applies in the same store commit as `next`. */
export type SessionEffect =
  | { readonly kind: 'cancel_queued_jobs'; readonly reason: string }
  | { readonly kind: 'charge_usage'; readonly ms: number }
  | {
      readonly kind: 'state_changed';
      readonly from: SessionState;
      readonly to: SessionState;
      readonly reason: SessionReason;
    };

/** The outcome of one input: `next` is null when nothing changes. */
export interface SessionDecision {
  readonly next: Session | null;
  readonly effects: readonly SessionEffect[];
}

const NO_CHANGE: SessionDecision = { next: null, effects: [] };

/** Decide what `input` does to `s` at `now`. Pure: no I/O, no clock. */
export function decideSession(
  s: Session,
  input: SessionInput,
  now: Date,
  policy: TtlPolicy,
): SessionDecision {
  if (!ACCEPTS[s.state].includes(input.kind)) {
    throw new AppError(
      'invalid_transition',
      `Session ${s.id} in state ${s.state} cannot take ${input.kind}`,
    );
  }
  const d = new Draft(s, now);
  switch (input.kind) {
    case 'job_submitted':
      if (s.state === 'closed') throw new AppError('session_closed', `Session ${s.id} is closed`);
      if (!s.acceptingJobs) {
        throw new AppError('session_not_accepting_jobs', `Session ${s.id} is not accepting jobs`);
      }
      d.set({ queued: s.queued + 1, openDeadline: null, idleDeadline: null });
      break;
    case 'job_started':
      // Serial order by time: a start at or after the max deadline comes after the expiry.
      if (s.maxDeadline && s.maxDeadline.getTime() <= now.getTime()) {
        throw new AppError('invalid_transition', `Session ${s.id} reached its max_ttl`);
      }
      startJob(d, now);
      break;
    case 'job_dequeued':
      d.set({ queued: Math.max(0, s.queued - 1) });
      afterWorkLeft(d, policy);
      break;
    case 'job_settled':
      settleJob(d, input.startedAt);
      afterWorkLeft(d, policy);
      break;
    case 'stop_accepting':
      if (s.state === 'closed' || !s.acceptingJobs) return NO_CHANGE;
      d.set({ acceptingJobs: false });
      afterWorkLeft(d, policy);
      break;
    case 'start_accepting':
      if (s.state === 'closed') throw new AppError('session_closed', `Session ${s.id} is closed`);
      if (s.acceptingJobs) return NO_CHANGE;
      d.set({ acceptingJobs: true });
      break;
    case 'cancel':
      if (s.state === 'closed') return NO_CHANGE;
      d.close('cancelled_by_user', 'Cancelled: the session was closed by its owner');
      break;
    case 'timer_fired':
      return fireTimer(d, input.timer) ? d.decision() : NO_CHANGE;
    default:
      assertNever(input, 'session input');
  }
  return d.decision();
}

function startJob(d: Draft, now: Date): void {
  const s = d.cur;
  const t = now.getTime();
  d.set({
    queued: Math.max(0, s.queued - 1),
    running: s.running + 1,
    runningStartSumMs: s.runningStartSumMs + t,
    lastJobStartedAt: now,
    openDeadline: null,
    idleDeadline: null,
  });
  if (s.state === 'open') {
    d.set({ startedAt: now, maxDeadline: new Date(t + ttlBudgetSeconds(s) * 1000) });
  }
  if (s.state !== 'active') {
    d.set({ activatedAt: now });
    d.enter('active', 'job_started');
  }
}

function settleJob(d: Draft, startedAt: Date): void {
  const s = d.cur;
  const end = d.now.getTime();
  const start = startedAt.getTime();
  d.set({
    running: Math.max(0, s.running - 1),
    runningStartSumMs: s.runningStartSumMs - start,
    lastJobCompletedAt: d.now,
  });
  if (s.mode === 'batch') {
    d.charge(end - start);
  } else if (s.state !== 'active' && s.deactivatedAt) {
    // The job kept the backend after the session left `active`; that time is the session's too.
    d.charge(Math.max(0, end - Math.max(start, s.deactivatedAt.getTime())));
  }
}

/** After the session's queued+running count dropped: drain, or arm the open/idle deadline. */
function afterWorkLeft(d: Draft, policy: TtlPolicy): void {
  const s = d.cur;
  if (s.state === 'closed' || s.queued + s.running > 0) return;
  if (!s.acceptingJobs) {
    const batchDone = s.mode === 'batch' && s.state === 'active';
    d.close(batchDone ? 'no_more_jobs' : 'closed_by_user', null);
    return;
  }
  const t = d.now.getTime();
  if (s.state === 'open' && !s.openDeadline) {
    d.set({ openDeadline: new Date(t + policy.openTtlSeconds * 1000) });
  }
  if (s.state === 'active' && !s.idleDeadline) {
    d.set({ idleDeadline: new Date(t + s.interactiveTtl * 1000) });
  }
}

/**
 * Apply a fired deadline; false when it is stale (not armed, or not yet due). A due deadline
 * that no longer fits the state is cleared, so that every due deadline makes progress.
 */
function fireTimer(d: Draft, timer: SessionTimer): boolean {
  const s = d.cur;
  const field = ({ open: 'openDeadline', idle: 'idleDeadline', max: 'maxDeadline' } as const)[
    timer
  ];
  const due = s[field];
  if (!due || due.getTime() > d.now.getTime()) return false;
  const fits = { open: s.state === 'open', idle: s.state === 'active', max: s.state !== 'closed' };
  if (!fits[timer]) {
    d.set({ [field]: null });
    return true;
  }
  switch (timer) {
    case 'open':
      d.close('open_ttl_expired', 'Cancelled: the session expired before any job ran');
      return true;
    case 'idle':
      d.leaveActive();
      d.set({ idleDeadline: null });
      d.enter('inactive', 'interactive_ttl_expired');
      return true;
    case 'max':
      d.close('max_ttl_expired', 'Cancelled: session max_ttl reached');
      return true;
    default:
      return assertNever(timer, 'session timer');
  }
}

/** Accumulates the changes of one decision. */
class Draft {
  cur: Session;
  readonly effects: SessionEffect[] = [];
  private chargedMs = 0;
  constructor(
    private readonly orig: Session,
    readonly now: Date,
  ) {
    this.cur = orig;
  }

  set(patch: Partial<Session>): void {
    this.cur = { ...this.cur, ...patch };
  }

  charge(ms: number): void {
    if (ms <= 0) return;
    this.chargedMs += ms;
    this.set({ usageMs: this.cur.usageMs + ms });
  }

  enter(to: SessionState, reason: SessionReason): void {
    const from = this.cur.state;
    this.set({
      state: to,
      stateReason: reason,
      timestamps: [...this.cur.timestamps, { status: to, at: this.now }],
    });
    this.effects.push({ kind: 'state_changed', from, to, reason });
  }

  /** End an active period: a dedicated session is charged the wall-clock time it held the backend. */
  leaveActive(): void {
    if (this.cur.state !== 'active') return;
    if (this.cur.mode === 'dedicated' && this.cur.activatedAt) {
      this.charge(this.now.getTime() - this.cur.activatedAt.getTime());
    }
    this.set({ deactivatedAt: this.now });
  }

  /** Close now; `cancelReason` non-null cancels the queued jobs with that reason. */
  close(reason: SessionReason, cancelReason: string | null): void {
    this.leaveActive();
    if (cancelReason !== null && this.cur.queued > 0) {
      this.effects.push({ kind: 'cancel_queued_jobs', reason: cancelReason });
      this.set({ queued: 0 });
    }
    this.set({
      acceptingJobs: false,
      closedAt: this.now,
      openDeadline: null,
      idleDeadline: null,
      maxDeadline: null,
    });
    this.enter('closed', reason);
  }

  decision(): SessionDecision {
    if (this.cur === this.orig) return NO_CHANGE;
    const effects =
      this.chargedMs > 0
        ? [...this.effects, { kind: 'charge_usage' as const, ms: this.chargedMs }]
        : this.effects;
    return { next: { ...this.cur, version: this.orig.version + 1 }, effects };
  }
}

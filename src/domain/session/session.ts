/**
 * The session model. Semantics: ../shared/spec/sessions.md §1 and §3. Times are `Date`s; TTLs are
 * whole seconds as on the wire; usage is kept in milliseconds so that sums stay exact.
 */

/** `open`: created, nothing run yet. `active`: has priority on its backend. `inactive`: lost
 * priority after `interactiveTtl` without work. `closed`: final. */
export type SessionState = 'open' | 'active' | 'inactive' | 'closed';

/** `dedicated` reserves the backend while active; `batch` only runs ahead of the normal queue. */
export type SessionMode = 'dedicated' | 'batch';

/** Why the session is in its current state (runtime-api.md §3). */
export type SessionReason =
  | 'created'
  | 'job_started'
  | 'interactive_ttl_expired'
  | 'max_ttl_expired'
  | 'open_ttl_expired'
  | 'closed_by_user'
  | 'cancelled_by_user'
  | 'no_more_jobs';

/** One entry of `timestamps`: a state entered and when. */
export interface SessionTimestamp {
  readonly status: SessionState;
  readonly at: Date;
}

/** The deadlines a session can have armed; each is a column, never only an in-memory timer. */
export type SessionTimer = 'open' | 'idle' | 'max';

/** A session as the domain sees it. */
export interface Session {
  readonly id: string;
  readonly instanceId: string;
  readonly userId: string;
  /** Null until the first job binds it (a session created without a backend). */
  readonly backend: string | null;
  readonly mode: SessionMode;
  readonly state: SessionState;
  readonly stateReason: SessionReason;
  readonly acceptingJobs: boolean;
  /** Effective max TTL in seconds, after the instance ceiling. */
  readonly maxTtl: number;
  /** Seconds without queued or running jobs before an active session goes inactive. */
  readonly interactiveTtl: number;
  /** Requested active-time budget in seconds (≤ maxTtl); the max-TTL clock uses the smaller. */
  readonly activeTtl: number;
  readonly createdAt: Date;
  /** First activation: the max-TTL clock starts here and never pauses. */
  readonly startedAt: Date | null;
  /** Latest move to `active`. */
  readonly activatedAt: Date | null;
  /** Latest move out of `active` (to inactive or closed). */
  readonly deactivatedAt: Date | null;
  readonly closedAt: Date | null;
  readonly lastJobStartedAt: Date | null;
  readonly lastJobCompletedAt: Date | null;
  readonly timestamps: readonly SessionTimestamp[];
  /** Jobs of this session waiting in the queue. */
  readonly queued: number;
  /** Jobs of this session running now. */
  readonly running: number;
  /** Sum of the start times (epoch ms) of the running jobs: live batch usage is
   * `running × now − runningStartSumMs` without reading the jobs. */
  readonly runningStartSumMs: number;
  /** Usage settled so far, in ms (sessions.md §3); the live part is added by `elapsedMs`. */
  readonly usageMs: number;
  readonly openDeadline: Date | null;
  readonly idleDeadline: Date | null;
  readonly maxDeadline: Date | null;
  /** Optimistic-concurrency version: every committed change increments it. */
  readonly version: number;
}

/** Server-wide TTL policy (from configuration). */
export interface TtlPolicy {
  /** An open session with no job for this long closes (`open_ttl_expired`). */
  readonly openTtlSeconds: number;
  readonly defaultMaxTtlSeconds: number;
  readonly defaultInteractiveTtlDedicatedSeconds: number;
  readonly defaultInteractiveTtlBatchSeconds: number;
  /** Requested interactive TTLs above this are lowered to it. */
  readonly maxInteractiveTtlSeconds: number;
}

/** What a client asked for at creation (already type-checked by the HTTP layer). */
export interface SessionRequest {
  readonly mode: SessionMode;
  readonly backend: string | null;
  readonly maxTtl?: number | undefined;
  readonly interactiveTtl?: number | undefined;
  readonly activeTtl?: number | undefined;
}

/** The TTLs a new session gets: defaults filled in, ceilings applied (runtime-api.md §3). */
export function resolveTtls(
  req: SessionRequest,
  policy: TtlPolicy,
  instanceMaxTtlSeconds: number,
): { maxTtl: number; interactiveTtl: number; activeTtl: number } {
  const maxTtl = Math.min(req.maxTtl ?? policy.defaultMaxTtlSeconds, instanceMaxTtlSeconds);
  const defaultInteractive =
    req.mode === 'batch'
      ? policy.defaultInteractiveTtlBatchSeconds
      : policy.defaultInteractiveTtlDedicatedSeconds;
  const interactiveTtl = Math.min(
    req.interactiveTtl ?? defaultInteractive,
    policy.maxInteractiveTtlSeconds,
  );
  const activeTtl = Math.min(req.activeTtl ?? maxTtl, maxTtl);
  return { maxTtl, interactiveTtl, activeTtl };
}

/** A new session in state `open`. */
export function newSession(
  init: { id: string; instanceId: string; userId: string; request: SessionRequest },
  ttls: { maxTtl: number; interactiveTtl: number; activeTtl: number },
  policy: TtlPolicy,
  now: Date,
): Session {
  return {
    id: init.id,
    instanceId: init.instanceId,
    userId: init.userId,
    backend: init.request.backend,
    mode: init.request.mode,
    state: 'open',
    stateReason: 'created',
    acceptingJobs: true,
    ...ttls,
    createdAt: now,
    startedAt: null,
    activatedAt: null,
    deactivatedAt: null,
    closedAt: null,
    lastJobStartedAt: null,
    lastJobCompletedAt: null,
    timestamps: [{ status: 'open', at: now }],
    queued: 0,
    running: 0,
    runningStartSumMs: 0,
    usageMs: 0,
    openDeadline: new Date(now.getTime() + policy.openTtlSeconds * 1000),
    idleDeadline: null,
    maxDeadline: null,
    version: 1,
  };
}

/** The seconds the max-TTL clock allows in all. */
export function ttlBudgetSeconds(s: Session): number {
  return Math.min(s.maxTtl, s.activeTtl);
}

/** `active_ttl` as reported: the budget before start, then what remains of it (never negative). */
export function remainingActiveTtl(s: Session, now: Date): number {
  const budget = ttlBudgetSeconds(s);
  if (s.startedAt === null) return budget;
  const elapsed = (now.getTime() - s.startedAt.getTime()) / 1000;
  return Math.max(0, Math.floor(budget - elapsed));
}

/**
 * Usage in ms up to `now` (sessions.md §3). Dedicated: settled active periods, the running
 * active period, and the time jobs keep running after the session left `active` (they still
 * hold the backend). Batch: settled job usage plus the running jobs' time so far.
 */
export function elapsedMs(s: Session, now: Date): number {
  const t = now.getTime();
  if (s.mode === 'batch') return s.usageMs + s.running * t - s.runningStartSumMs;
  if (s.state === 'active' && s.activatedAt) return s.usageMs + (t - s.activatedAt.getTime());
  if (s.running > 0 && s.deactivatedAt)
    return s.usageMs + s.running * (t - s.deactivatedAt.getTime());
  return s.usageMs;
}

/** The earliest armed deadline of a session, with its kind. */
export function nextSessionDeadline(s: Session): { timer: SessionTimer; at: Date } | null {
  const armed: { timer: SessionTimer; at: Date }[] = [];
  if (s.openDeadline) armed.push({ timer: 'open', at: s.openDeadline });
  if (s.idleDeadline) armed.push({ timer: 'idle', at: s.idleDeadline });
  if (s.maxDeadline) armed.push({ timer: 'max', at: s.maxDeadline });
  armed.sort((a, b) => a.at.getTime() - b.at.getTime());
  return armed[0] ?? null;
}

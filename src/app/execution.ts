/**
 * Job lifecycle transitions that also move the job's session: start, result, settle, fail,
 * cancel, max execution time. Each is decided by the two pure machines and committed as one
 * atomic store change (job + session + usage + result), with a compare-and-set retry when a
 * concurrent change got there first.
 */
import type { Clock } from '../domain/clock.js';
import { AppError, assertNever } from '../domain/errors.js';
import type { Job } from '../domain/job/job.js';
import { type Holder, isFinal, isHeldBy, isSameExecution, jobUsageMs } from '../domain/job/job.js';
import { type JobInput, type Lease, decideJob } from '../domain/job/job-machine.js';
import type { Session, TtlPolicy } from '../domain/session/session.js';
import {
  type SessionEffect,
  type SessionInput,
  decideSession,
} from '../domain/session/session-machine.js';
import { ownsBackend, pickJobs, pickNextJob } from '../domain/scheduling/dispatch.js';
import { RETRY, withRetries } from './cas.js';
import { withEvents } from './event-log.js';
import type { Commit, ExecutionOutcome, Store } from './ports.js';

export interface ExecutionDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly policy: TtlPolicy;
  /** Called after every committed change on a backend (the scheduler re-dispatches it). */
  readonly onBackendChanged: (backend: string) => void;
  /** Starting a dedicated session's next job in the commit that ends its previous one. */
  readonly handoff?: Handoff;
}

/**
 * The node that schedules a backend, as the end of a job sees it. When a dedicated session's
 * job ends and the session has another queued, that job is the only one that may take the lane
 * (the session owns the backend: dispatch rule 1), so it starts in the same commit: no second
 * commit, no scheduler pass, no gap between one job's end and the next one's start.
 */
export interface Handoff {
  /** A lease for a job this node starts on `backend` now, with its lanes; null: not ours. */
  leaseFor(backend: string): { readonly lease: Lease; readonly lanes: number } | null;
  /** Run a job that a handoff started. */
  run(job: Job): void;
}

/** Extra data committed with a transition. */
export interface TransitionExtra {
  readonly result?: string;
  /** Log lines, or a function of the job before and after the change (lossLog). */
  readonly logs?: readonly string[] | ((before: Job, after: Job) => readonly string[]);
  /** The store's start check (a job taking a lane); a failed check is not retried. */
  readonly start?: Commit['start'];
  /**
   * Applies only while the job is still this execution's: leased to `workerId` in its
   * `attempt`-th run. Otherwise `lease_lost`, and nothing changes (a late report is refused).
   */
  readonly holder?: Holder;
  /** The job as the caller just read it: the first try decides on it instead of reading again. */
  readonly current?: Job;
}

export type { Holder } from '../domain/job/job.js';

/** The session input implied by a job's status change, if any. */
function sessionInputFor(prev: Job, next: Job): SessionInput | null {
  if (prev.status === next.status) return null;
  if (prev.status === 'Queued' && next.status === 'Running') return { kind: 'job_started' };
  if (prev.status === 'Queued') return { kind: 'job_dequeued' };
  if (prev.status === 'Running' && isFinal(next.status) && prev.startedAt) {
    return { kind: 'job_settled', startedAt: prev.startedAt };
  }
  return null;
}

/**
 * Session effects → the parts of a store commit. Cancelling the queued jobs is the job machine's
 * `cancel`, decided here for each job the store lists; the session's own compare-and-set in the
 * same commit guarantees that no job joined or left the queue since.
 */
export async function effectsToCommit(
  store: Pick<Store, 'queuedJobs'>,
  effects: readonly SessionEffect[],
  session: Session,
  at: Date,
  exceptJobId?: string,
): Promise<Pick<Commit, 'otherJobs' | 'charge'>> {
  let out: Pick<Commit, 'otherJobs' | 'charge'> = {};
  for (const e of effects) {
    if (e.kind === 'cancel_queued_jobs') {
      const queued = (await store.queuedJobs(session.id)).filter((j) => j.id !== exceptJobId);
      const otherJobs = queued.map(
        (j) => decideJob(j, { kind: 'cancel', reason: e.reason }, at) ?? j,
      );
      if (otherJobs.length) out = { ...out, otherJobs };
    }
    if (e.kind === 'charge_usage')
      out = {
        ...out,
        charge: { instanceId: session.instanceId, userId: session.userId, ms: e.ms, at },
      };
  }
  return out;
}

export type Execution = ReturnType<typeof createExecution>;

export function createExecution(deps: ExecutionDeps) {
  const { store, policy } = deps;

  /**
   * Apply `inputs` in order to a job (and the implied input to its session) at `at`, atomically.
   * Returns the job after the change (unchanged when no input applied), or null if it is gone.
   * Throws the machine's AppError when an input is not allowed.
   */
  async function transition(
    jobId: string,
    inputs: readonly JobInput[],
    at: Date,
    extra: TransitionExtra = {},
  ): Promise<Job | null> {
    let handOff = deps.handoff !== undefined;
    let known = extra.current;
    return withRetries(`Job ${jobId} kept changing concurrently`, async () => {
      // A retry reads again: the known version lost its compare-and-set.
      const job = known ?? (await store.getJob(jobId));
      known = undefined;
      if (!job) return null;
      const h = extra.holder;
      if (h && !isHeldBy(job, h))
        throw new AppError('lease_lost', `Job ${jobId} is no longer leased to ${h.workerId}`);
      let next: Job = job;
      for (const input of inputs) next = decideJob(next, input, at) ?? next;
      if (next === job) return job;
      // Several inputs make one change: one version step for the compare-and-set.
      next = { ...next, version: job.version + 1 };
      const commit = await buildCommit(job, next, at, extra);
      const chained = handOff ? await startNextInSession(job, next, commit) : null;
      if (!(await store.commit(chained ? { ...commit, then: chained.commit } : commit))) {
        // The next job could not start with it (it changed, or a lane was taken): end this one
        // alone, and leave the next one to the scheduler.
        if (chained) {
          handOff = false;
          return RETRY;
        }
        // A refused start is the scheduler's to re-decide (on a fresh snapshot), not ours.
        return extra.start ? null : RETRY;
      }
      deps.onBackendChanged(next.backend);
      if (chained) deps.handoff?.run(chained.job);
      return next;
    });
  }

  /**
   * When `job` ends and its session is an active dedicated one with another job queued: the
   * start of that job, as a change to chain to the end's commit (see Handoff). Null otherwise.
   */
  async function startNextInSession(
    job: Job,
    next: Job,
    ended: Commit,
  ): Promise<{ commit: Commit; job: Job } | null> {
    const session = ended.session?.next;
    if (job.status !== 'Running' || !isFinal(next.status) || !session) return null;
    // Rule 1 (domain/scheduling/dispatch.ts): only then is its next job the only candidate.
    if (!ownsBackend(session)) return null;
    const slot = deps.handoff?.leaseFor(job.backend);
    if (!slot) return null;
    const [queued] = await store.queuedJobs(session.id, 1);
    if (!queued || queued.backend !== job.backend) return null;
    // Started now, not at the end's time: a deadline applied late must not backdate a start.
    const now = deps.clock.now();
    const started = decideJob(queued, { kind: 'start', lease: slot.lease }, now);
    if (started?.status !== 'Running') return null;
    let d: ReturnType<typeof decideSession>;
    try {
      d = decideSession(session, { kind: 'job_started' }, now, policy);
    } catch (e) {
      if (e instanceof AppError) return null;
      throw e;
    }
    // A start that would also cancel or charge is not a plain hand-over: the scheduler does it.
    if (
      !d.next ||
      d.effects.some((e) => e.kind === 'cancel_queued_jobs' || e.kind === 'charge_usage')
    )
      return null;
    const commit: Commit = {
      job: { next: started },
      session: { next: d.next },
      start: { backend: job.backend, lanes: slot.lanes },
    };
    return { commit: withEvents(commit, { job: queued, session }, now), job: started };
  }

  async function buildCommit(
    job: Job,
    next: Job,
    at: Date,
    extra: TransitionExtra,
  ): Promise<Commit> {
    const lines = typeof extra.logs === 'function' ? extra.logs(job, next) : (extra.logs ?? []);
    const logs = lines.map((line) => ({ jobId: job.id, at, line }));
    let commit: Commit = { job: { next }, logs, ...(extra.start ? { start: extra.start } : {}) };
    if (extra.result !== undefined)
      commit = { ...commit, result: { jobId: job.id, body: extra.result } };
    const sInput = sessionInputFor(job, next);
    if (sInput && job.sessionId) {
      const session = await store.getSession(job.sessionId);
      if (session) {
        const d = decideSession(session, sInput, at, policy);
        if (d.next) {
          commit = {
            ...commit,
            session: { next: d.next },
            ...(await effectsToCommit(store, d.effects, session, at, job.id)),
          };
        }
        return withEvents(commit, { job, session }, at);
      }
    }
    if (!job.sessionId && isFinal(next.status) && job.status === 'Running') {
      commit = {
        ...commit,
        charge: {
          instanceId: job.instanceId,
          userId: job.userId,
          ms: jobUsageMs(next, at),
          at,
        },
      };
    }
    return withEvents(commit, { job }, at);
  }

  /**
   * Give a queued job a lane on `backend` (of `lanes`), leased to `lease.workerId`. Null when it
   * can no longer start: it changed meanwhile, or the store's check found the lanes taken.
   */
  async function start(
    jobId: string,
    now: Date,
    lease: Lease,
    backend: { readonly name: string; readonly lanes: number },
  ): Promise<Job | null> {
    try {
      const job = await transition(jobId, [{ kind: 'start', lease }], now, {
        start: { backend: backend.name, lanes: backend.lanes },
      });
      return job?.status === 'Running' ? job : null;
    } catch (e) {
      // The job or its session moved on (cancelled, closed, expired) between snapshot and commit.
      if (e instanceof AppError && e.code === 'invalid_transition') return null;
      throw e;
    }
  }

  /**
   * What an execution reported. A job that ended meanwhile (cancelled, ran too long) ignores it;
   * so does one whose lease `holder` lost (run again elsewhere): `lease_lost`, nothing changes.
   */
  async function recordOutcome(
    jobId: string,
    outcome: ExecutionOutcome,
    holder: Holder,
  ): Promise<Job | null> {
    const now = deps.clock.now();
    const job = await store.getJob(jobId);
    // Another run holds it now (even if it already ended): this report is refused.
    if (job && !isSameExecution(job, holder))
      throw new AppError('lease_lost', `Job ${jobId} is no longer leased to ${holder.workerId}`);
    if (!job || job.status !== 'Running') return job;
    switch (outcome.kind) {
      case 'completed':
        return transition(jobId, [{ kind: 'result_ready' }, { kind: 'settle' }], now, {
          result: outcome.resultJson,
          logs: outcome.logs,
          holder,
          current: job,
        });
      case 'failed':
        return transition(jobId, [{ kind: 'fail', reason: outcome.reason }], now, {
          logs: [...outcome.logs, `Failed: ${outcome.reason}`],
          holder,
          current: job,
        });
      case 'stopped':
        return transition(jobId, [{ kind: 'stopped' }], now, {
          logs: ['Stopped'],
          holder,
          current: job,
        });
      default:
        return assertNever(outcome, 'outcome');
    }
  }

  /**
   * The scheduler's step, for the node's own dispatch and for a worker's lease alike: what the
   * dispatch policy picks on `backend` now, started under `lease`. `picked: false` when nothing
   * may start; `job: null` when the pick could not start (it changed meanwhile): ask again.
   */
  async function startNext(
    backend: { readonly name: string; readonly lanes: number; readonly online: boolean },
    lease: () => Lease,
  ): Promise<{ picked: boolean; job: Job | null }> {
    const snap = await store.loadDispatchSnapshot(backend, deps.clock.now());
    const pick = pickNextJob(snap);
    if (!pick) return { picked: false, job: null };
    return { picked: true, job: await start(pick.jobId, deps.clock.now(), lease(), backend) };
  }

  /**
   * The node's own dispatch step: like startNext, but when the policy picks several sessionless
   * jobs in a row from the normal queue (pickJobs), they start in one commit, each under its own
   * lease. A batch the store refuses (a job changed, or lanes were taken) falls back to starting
   * its first job alone. Returns the jobs started; `picked: false` when nothing may start.
   */
  async function startBatch(
    backend: { readonly name: string; readonly lanes: number; readonly online: boolean },
    lease: () => Lease,
    max: number,
  ): Promise<{ picked: boolean; jobs: Job[] }> {
    const now = deps.clock.now();
    const snap = await store.loadDispatchSnapshot(backend, now, max);
    const picks = pickJobs(snap, max);
    const [first] = picks;
    if (!first) return { picked: false, jobs: [] };
    if (picks.length > 1) {
      const jobs = await startTogether(
        picks.map((p) => p.jobId),
        now,
        lease,
        backend,
      );
      if (jobs) return { picked: true, jobs };
    }
    const job = await start(first.jobId, deps.clock.now(), lease(), backend);
    return { picked: true, jobs: job ? [job] : [] };
  }

  /** Sessionless queued jobs started in one commit; null when any of them cannot start. */
  async function startTogether(
    ids: readonly string[],
    now: Date,
    lease: () => Lease,
    backend: { readonly name: string; readonly lanes: number },
  ): Promise<Job[] | null> {
    const jobs = await Promise.all(ids.map((id) => store.getJob(id)));
    const started: Job[] = [];
    const commits: Commit[] = [];
    for (const job of jobs) {
      if (!job || job.sessionId !== null || job.backend !== backend.name) return null;
      const next = decideJob(job, { kind: 'start', lease: lease() }, now);
      if (next?.status !== 'Running') return null;
      const running = { ...next, version: job.version + 1 };
      started.push(running);
      commits.push(
        withEvents(
          { job: { next: running }, start: { backend: backend.name, lanes: backend.lanes } },
          { job },
          now,
        ),
      );
    }
    const chain = commits.reduceRight<Commit | undefined>(
      (then, c) => (then ? { ...c, then } : c),
      undefined,
    );
    if (!chain || !(await store.commit(chain))) return null;
    deps.onBackendChanged(backend.name);
    return started;
  }

  return { transition, start, startNext, startBatch, recordOutcome };
}

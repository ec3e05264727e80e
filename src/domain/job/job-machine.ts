/**
 * The job state machine. Semantics: ../shared/spec/sessions.md §4.
 *
 * States
 * - Queued     Entered at submission. start → Running. cancel → Cancelled (leaves the queue).
 * - Running    Entered when the scheduler gives the job a lane, leased to one executor (its
 *              `workerId`, until `leaseUntil`; heartbeat renews it); `costDeadline` is armed.
 *              result_ready records when it will complete (`settleAt` = max(now, start+holdMs):
 *              the modeled execution time holds the lane). settle → Completed at `settleAt`.
 *              fail → Failed. cancel: if the executor is still working, only records the request
 *              (`cancelRequestedAt`); `stopped` then ends it Cancelled. ran_too_long → Cancelled
 *              with reason code 1305. retry (executor lost, first time) → Running again, leased
 *              anew. A result ends the lease: the job then only holds its lane.
 * - Completed, Failed, Cancelled  Final; every input but `cancel` is an invalid transition and
 *              cancel is `job_not_cancellable`.
 *
 * `now` is when the event happened (a deadline's own time when it fires late).
 */
import { AppError, assertNever } from '../errors.js';
import type { Job, JobStatus } from './job.js';
import { RAN_TOO_LONG_CODE, isFinal } from './job.js';

/** Something that happened to a job. */
/** Who executes a job, and until when it holds it. */
export interface Lease {
  readonly workerId: string;
  readonly until: Date;
}

export type JobInput =
  | { readonly kind: 'start'; readonly lease: Lease }
  | { readonly kind: 'heartbeat'; readonly lease: Lease; readonly workStarted?: boolean }
  | { readonly kind: 'result_ready' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'fail'; readonly reason: string }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'ran_too_long' }
  | { readonly kind: 'retry'; readonly lease: Lease }
  /** A worker takes a released job (its worker was lost); nothing if another took it first. */
  | { readonly kind: 'take_released'; readonly lease: Lease }
  /**
   * Its executor is gone: its lease expired (`onlyIfExpired`), or the node that held it has
   * restarted. The first loss re-runs the job under `lease` (null: released, for the next worker
   * that leases jobs of its backend); a second, or a loss after the executor began real work,
   * fails it; a cancel that was waiting for the executor ends it Cancelled.
   */
  | {
      readonly kind: 'executor_lost';
      readonly lease: Lease | null;
      readonly onlyIfExpired: boolean;
    };

/** Executions a job gets: a lost executor is retried once (sessions.md §5). */
export const MAX_EXECUTIONS = 2;

/**
 * The log line for a job whose executor was lost (`why`), from what the machine decided for it:
 * run again (here, or by the next worker that leases), failed, or cancelled. Empty when the
 * loss changed nothing (a result had ended the lease, or the lease had not run out).
 */
export function lossLog(before: Job, after: Job, why: string): string[] {
  if (after.version === before.version) return [];
  switch (after.status) {
    case 'Running':
      return after.workerId
        ? [`Running the job again (execution ${after.attempts} of ${MAX_EXECUTIONS}): ${why}`]
        : [`Waiting for a worker to run the job again: ${why}`];
    case 'Failed':
      return [`Failed: ${after.reason ?? 'the executor was lost'} (${why})`];
    case 'Cancelled':
      return [`Cancelled: the cancel waited for the lost executor (${why})`];
    default:
      return [];
  }
}

/** Which inputs each state accepts. */
export const JOB_ACCEPTS: Readonly<Record<JobStatus, readonly JobInput['kind'][]>> = {
  Queued: ['start', 'cancel'],
  Running: [
    'heartbeat',
    'result_ready',
    'settle',
    'fail',
    'cancel',
    'stopped',
    'ran_too_long',
    'retry',
    'take_released',
    'executor_lost',
  ],
  Completed: ['cancel'],
  Failed: ['cancel'],
  Cancelled: ['cancel'],
};

/** The next job, or null when nothing changes. */
export function decideJob(j: Job, input: JobInput, now: Date): Job | null {
  if (!JOB_ACCEPTS[j.status].includes(input.kind)) {
    throw new AppError('invalid_transition', `Job ${j.id} (${j.status}) cannot take ${input.kind}`);
  }
  const next = (patch: Partial<Job>): Job => ({ ...j, ...patch, version: j.version + 1 });
  const end = (status: JobStatus, reason: string | null, reasonCode: number | null = null): Job =>
    next({
      status,
      reason,
      reasonCode,
      endedAt: now,
      settleAt: null,
      costDeadline: null,
      leaseUntil: null,
    });
  switch (input.kind) {
    case 'start':
      return next({
        status: 'Running',
        startedAt: now,
        attempts: j.attempts + 1,
        costDeadline: new Date(now.getTime() + j.cost * 1000),
        workerId: input.lease.workerId,
        leaseUntil: input.lease.until,
      });
    case 'heartbeat':
      // Only the holder renews; a lease taken over (or ended by a result) stays as it is.
      if (j.workerId !== input.lease.workerId || !j.leaseUntil) {
        throw new AppError(
          'lease_lost',
          `Job ${j.id} is no longer leased to ${input.lease.workerId}`,
        );
      }
      if (input.workStarted && !j.workStartedAt)
        return next({ leaseUntil: input.lease.until, workStartedAt: now });
      if (input.lease.until.getTime() <= j.leaseUntil.getTime()) return null;
      return next({ leaseUntil: input.lease.until });
    case 'result_ready': {
      if (j.settleAt) return null;
      const hold = (j.startedAt?.getTime() ?? now.getTime()) + j.holdMs;
      return next({ settleAt: new Date(Math.max(now.getTime(), hold)), leaseUntil: null });
    }
    case 'settle':
      if (!j.settleAt || j.settleAt.getTime() > now.getTime()) return null;
      return end('Completed', null);
    case 'fail':
      return end('Failed', input.reason);
    case 'cancel':
      if (isFinal(j.status)) {
        throw new AppError(
          'job_not_cancellable',
          `Job ${j.id} is ${j.status} and cannot be cancelled`,
        );
      }
      // A running job whose executor is still working stops first; one that only holds its
      // lane for the modeled time (result ready) or is queued ends at once.
      if (j.status === 'Running' && !j.settleAt) {
        return j.cancelRequestedAt ? null : next({ cancelRequestedAt: now, reason: input.reason });
      }
      return end('Cancelled', input.reason);
    case 'stopped':
      return end('Cancelled', j.reason ?? 'Cancelled by user');
    case 'ran_too_long':
      if (!j.costDeadline || j.costDeadline.getTime() > now.getTime()) return null;
      return end('Cancelled', 'Job ran longer than its maximum execution time', RAN_TOO_LONG_CODE);
    case 'executor_lost':
      if (!j.leaseUntil) return null; // a result ended the lease: nothing is lost
      if (input.onlyIfExpired && j.leaseUntil.getTime() > now.getTime()) return null;
      if (j.cancelRequestedAt) return end('Cancelled', j.reason ?? 'Cancelled by user');
      if (j.workStartedAt)
        return end('Failed', 'The worker was lost after it had started work on the device');
      if (j.attempts >= MAX_EXECUTIONS)
        return end('Failed', 'The executor was lost twice while running the job');
      if (input.lease === null) return next({ workerId: null, leaseUntil: null });
      return decideJob(j, { kind: 'retry', lease: input.lease }, now);
    case 'take_released':
      if (j.workerId !== null || j.leaseUntil !== null || j.settleAt !== null) return null;
      return decideJob(j, { kind: 'retry', lease: input.lease }, now);
    case 'retry':
      return next({
        attempts: j.attempts + 1,
        workerId: input.lease.workerId,
        leaseUntil: input.lease.until,
        workStartedAt: null,
      });
    default:
      return assertNever(input, 'job input');
  }
}

/**
 * The job state machine. Semantics: ../shared/spec/sessions.md §4.
 *
 * States
 * - Queued     Entered at submission. start → Running. cancel → Cancelled (leaves the queue).
 * - Running    Entered when the scheduler gives the job a lane; `costDeadline` is armed.
 *              result_ready records when it will complete (`settleAt` = max(now, start+holdMs):
 *              the modeled execution time holds the lane). settle → Completed at `settleAt`.
 *              fail → Failed. cancel: if the executor is still working, only records the request
 *              (`cancelRequestedAt`); `stopped` then ends it Cancelled. ran_too_long → Cancelled
 *              with reason code 1305. retry (executor lost, first time) → Running again.
 * - Completed, Failed, Cancelled  Final; every input but `cancel` is an invalid transition and
 *              cancel is `job_not_cancellable`.
 *
 * `now` is when the event happened (a deadline's own time when it fires late).
 */
import { AppError, assertNever } from '../errors.js';
import type { Job, JobStatus } from './job.js';
import { RAN_TOO_LONG_CODE, isFinal } from './job.js';

/** Something that happened to a job. */
export type JobInput =
  | { readonly kind: 'start' }
  | { readonly kind: 'result_ready' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'fail'; readonly reason: string }
  | { readonly kind: 'cancel'; readonly reason: string }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'ran_too_long' }
  | { readonly kind: 'retry' };

/** Which inputs each state accepts. */
export const JOB_ACCEPTS: Readonly<Record<JobStatus, readonly JobInput['kind'][]>> = {
  Queued: ['start', 'cancel'],
  Running: ['result_ready', 'settle', 'fail', 'cancel', 'stopped', 'ran_too_long', 'retry'],
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
    next({ status, reason, reasonCode, endedAt: now, settleAt: null, costDeadline: null });
  switch (input.kind) {
    case 'start':
      return next({
        status: 'Running',
        startedAt: now,
        attempts: j.attempts + 1,
        costDeadline: new Date(now.getTime() + j.cost * 1000),
      });
    case 'result_ready': {
      if (j.settleAt) return null;
      const hold = (j.startedAt?.getTime() ?? now.getTime()) + j.holdMs;
      return next({ settleAt: new Date(Math.max(now.getTime(), hold)) });
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
    case 'retry':
      return next({ attempts: j.attempts + 1 });
    default:
      return assertNever(input, 'job input');
  }
}

/**
 * The job model. Semantics: ../shared/spec/sessions.md §4 and runtime-api.md §4.
 */

/** `state.status` on the wire. */
export type JobStatus = 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Cancelled';

/** IBM's reason code for a job stopped because it exceeded its `cost` (max execution time). */
export const RAN_TOO_LONG_CODE = 1305;

/** A job as the domain sees it. */
export interface Job {
  readonly id: string;
  readonly instanceId: string;
  readonly userId: string;
  readonly backend: string;
  readonly programId: string;
  readonly sessionId: string | null;
  readonly params: unknown;
  readonly tags: readonly string[];
  readonly logLevel: string | null;
  /** Max execution seconds; running longer ends the job `Cancelled` with code 1305. */
  readonly cost: number;
  readonly private: boolean;
  readonly runtime: string | null;
  /** `X-Qx-Client-Application` of the submitting request. */
  readonly caller: string | null;
  /** The calibration it runs with (null: the backend's newest when it runs). */
  readonly calibrationId: string | null;
  readonly status: JobStatus;
  readonly reason: string | null;
  readonly reasonCode: number | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  /** Modeled execution time in ms: the job holds its lane at least this long (backend model). */
  readonly holdMs: number;
  /** Set once the result exists: the job completes at this time (start + holdMs, or later). */
  readonly settleAt: Date | null;
  /** startedAt + cost: past it a running job is stopped. */
  readonly costDeadline: Date | null;
  /** A cancel was asked of a running job; it ends once the executor has stopped. */
  readonly cancelRequestedAt: Date | null;
  /** Executions begun (a lost executor is retried once, sessions.md §5). */
  readonly attempts: number;
  /** Who executes it (a node's or a remote worker's id); kept after the job ends. */
  readonly workerId: string | null;
  /**
   * While Running with no result yet: the executor holds the job until then, and renews it by
   * heartbeat. Past it the executor counts as lost (a deadline, like the others).
   */
  readonly leaseUntil: Date | null;
  /**
   * When its executor said it began real work (a device run): a job lost after that is not run
   * again but ends Failed, since the work may have had effects. Null for the built-in simulator.
   */
  readonly workStartedAt: Date | null;
  readonly version: number;
}

/** The final states. */
/** One execution of a job: who runs it (a node's or a worker's id), and which run it is. */
export interface Holder {
  readonly workerId: string;
  readonly attempt: number;
}

/** Whether the job is still in `holder`'s execution (it may have ended in it since). */
export function isSameExecution(job: Job, holder: Holder): boolean {
  return job.workerId === holder.workerId && job.attempts === holder.attempt;
}

/**
 * Whether `holder` still holds the job: its execution, still running. Anything else that
 * execution sends (a heartbeat, a log line, an outcome) is refused as `lease_lost`.
 */
export function isHeldBy(job: Job, holder: Holder): boolean {
  return isSameExecution(job, holder) && job.status === 'Running';
}

export function isFinal(status: JobStatus): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Cancelled';
}

/** A job's usage in ms: its running time (sessions.md §3), live while it runs. */
export function jobUsageMs(j: Job, now: Date): number {
  if (!j.startedAt) return 0;
  const end = j.endedAt ?? now;
  return Math.max(0, end.getTime() - j.startedAt.getTime());
}

/** The top-level `status` string, which spells out a job stopped for running too long. */
export function displayStatus(j: Job): string {
  return j.status === 'Cancelled' && j.reasonCode === RAN_TOO_LONG_CODE
    ? 'Cancelled - Ran too long'
    : j.status;
}

/** What `GET /jobs/{id}/results` answers for a final job: its result, or why it has none. */
export interface JobResultText {
  readonly status: JobStatus;
  readonly text: string;
}

/**
 * The text of a failed or cancelled job's "result": its reason, verbatim (a worker's words reach
 * the client unchanged), as IBM answers a failed job's results with its error message. The
 * Python client shows it in RuntimeJobFailureError / RuntimeJobMaxTimeoutError.
 */
export function failureText(j: Job): string {
  if (j.reason) return j.reason;
  return j.status === 'Failed' ? 'The job failed; the executor gave no reason' : 'Cancelled';
}

/**
 * Job use cases of the API: submit, read, list, cancel, delete, results, logs, metrics, tags.
 * Lifecycle transitions (start, settle, …) live in execution.ts and are shared with the scheduler.
 */
import type { Backend } from '../domain/backend/backend.js';
import { modeledHoldMs } from '../domain/backend/backend.js';
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type { Job, JobResultText } from '../domain/job/job.js';
import { failureText, isFinal, jobUsageMs } from '../domain/job/job.js';
import { queuePosition } from '../domain/scheduling/queue-position.js';
import type { Session, TtlPolicy } from '../domain/session/session.js';
import { decideSession } from '../domain/session/session-machine.js';
import type { Instance } from '../domain/tenancy.js';
import type { BackendCatalog } from './backends.js';
import { type CallContext, canSee } from './context.js';
import { liveUsageMs } from '../domain/usage.js';
import { RETRY, withRetries } from './cas.js';
import { withEvents } from './event-log.js';
import type { Execution } from './execution.js';
import type {
  CircuitDiagramEntry,
  JobFilter,
  Page,
  PageOf,
  ProgramRegistry,
  Store,
} from './ports.js';
/** How many recent jobs the queue-time estimate averages over. */
const ESTIMATE_WINDOW = 20;

/** A job submission, already type-checked by the HTTP layer. */
export interface JobRequest {
  readonly programId: string;
  readonly backend?: string | null | undefined;
  readonly sessionId?: string | null | undefined;
  readonly params: unknown;
  readonly tags?: readonly string[] | undefined;
  readonly logLevel?: string | null | undefined;
  readonly cost?: number | undefined;
  readonly private?: boolean | undefined;
  readonly runtime?: string | null | undefined;
  /** A calibration of the backend to run with (its noise); null: the newest. */
  readonly calibrationId?: string | null | undefined;
}

/** A job with its live values at one instant. */
export interface JobView {
  readonly job: Job;
  readonly usageSeconds: number;
}

/** GET /jobs/{id}/metrics, in domain terms. */
export interface JobMetrics {
  readonly job: Job;
  readonly usageSeconds: number;
  readonly positionInQueue: number | null;
  readonly estimatedStartTime: Date | null;
}

export interface JobServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly policy: TtlPolicy;
  readonly backends: BackendCatalog;
  readonly instances: ReadonlyMap<string, Instance>;
  readonly programs: ProgramRegistry;
  readonly execution: Execution;
  readonly newId: () => string;
  readonly defaultCostSeconds: number;
  readonly onBackendChanged: (backend: string) => void;
  readonly runner: { stop(jobId: string): void };
}

export type JobService = ReturnType<typeof createJobService>;

export function createJobService(deps: JobServiceDeps) {
  const { store, clock } = deps;
  const view = (job: Job, now: Date): JobView => ({
    job,
    usageSeconds: jobUsageMs(job, now) / 1000,
  });

  async function load(ctx: CallContext, id: string): Promise<Job> {
    const j = await store.getJob(id);
    if (!j || !canSee(ctx, j.instanceId))
      throw new AppError('job_not_found', `Job ${id} not found`);
    return j;
  }

  function resolveBackend(req: JobRequest, session: Session | null): Backend {
    const name = req.backend ?? session?.backend ?? null;
    if (name === null)
      throw new AppError(
        'backend_required',
        'A backend is required for a job outside a session with a backend',
      );
    if (session?.backend && req.backend && req.backend !== session.backend) {
      throw new AppError(
        'backend_mismatch',
        `The job's backend ${req.backend} differs from the session's backend ${session.backend}`,
      );
    }
    return deps.backends.require(name, 'invalid_backend').backend;
  }

  async function loadSession(
    ctx: CallContext,
    id: string | null | undefined,
  ): Promise<Session | null> {
    if (!id) return null;
    const s = await store.getSession(id);
    // Never 404 here: the Python client reports a 404 on POST /jobs as "program not found".
    if (!s || !canSee(ctx, s.instanceId))
      throw new AppError('invalid_session', `Session ${id} does not exist`);
    return s;
  }

  async function checkUsage(instanceId: string, now: Date): Promise<void> {
    const limit = deps.instances.get(instanceId)?.usageLimitSeconds ?? null;
    if (limit === null) return;
    const u = await store.usageInputs(instanceId, now);
    if (u.settledMs + liveUsageMs(u.liveSessions, u.sessionless, now) >= limit * 1000) {
      throw new AppError(
        'usage_limit_reached',
        `Instance ${instanceId} has used its ${limit} s for this period`,
      );
    }
  }

  return {
    view,

    async submit(ctx: CallContext, req: JobRequest): Promise<Job> {
      if (!deps.programs.has(req.programId)) {
        throw new AppError('program_not_found', `Program ${req.programId} not found`);
      }
      // The program check can take a thread round trip: done once, outside the retry loop, and
      // again only if a concurrent first job gave the session another backend meanwhile.
      let checked: { backend: string; totalShots: number } | null = null;
      return withRetries('The session kept changing concurrently; try again', async () => {
        const session = await loadSession(ctx, req.sessionId);
        const backend = resolveBackend(req, session);
        const now = clock.now();
        // Decided first so that a closed session is a 409 whatever the params are.
        let sessionNext = session
          ? decideSession(session, { kind: 'job_submitted' }, now, deps.policy).next
          : null;
        if (sessionNext && sessionNext.backend === null)
          sessionNext = { ...sessionNext, backend: backend.name };
        if (checked?.backend !== backend.name) {
          const { totalShots } = await deps.programs.check(req.programId, req.params, backend.name);
          if (req.calibrationId && !(await store.getCalibration(backend.name, req.calibrationId)))
            throw new AppError(
              'invalid_calibration',
              `${backend.name} has no calibration ${req.calibrationId}; GET /api/v1/backends/${backend.name}/calibrations lists them`,
            );
          checked = { backend: backend.name, totalShots };
        }
        const instanceId = session?.instanceId ?? ctx.instanceId;
        await checkUsage(instanceId, now);
        const job = newJob(deps, ctx, req, {
          instanceId,
          backend,
          sessionId: session?.id ?? null,
          totalShots: checked.totalShots,
          now,
        });
        const change = {
          job: { next: job, insert: true },
          ...(sessionNext ? { session: { next: sessionNext } } : {}),
          logs: [{ jobId: job.id, at: now, line: `Queued on ${backend.name}` }],
        };
        if (!(await store.commit(withEvents(change, { job: null, session }, now)))) return RETRY;
        deps.onBackendChanged(backend.name);
        return job;
      });
    },

    async get(ctx: CallContext, id: string): Promise<JobView> {
      return view(await load(ctx, id), clock.now());
    },

    async list(
      ctx: CallContext,
      filter: Omit<JobFilter, 'instanceIds'>,
      page: Page,
    ): Promise<PageOf<JobView>> {
      const res = await store.listJobs({ ...filter, instanceIds: [ctx.instanceId] }, page);
      const now = clock.now();
      return { count: res.count, items: res.items.map((j) => view(j, now)) };
    },

    async cancel(ctx: CallContext, id: string): Promise<void> {
      const job = await load(ctx, id);
      if (isFinal(job.status))
        throw new AppError(
          'job_not_cancellable',
          `Job ${id} is ${job.status} and cannot be cancelled`,
        );
      const next = await deps.execution.transition(
        id,
        [{ kind: 'cancel', reason: 'Cancelled by user' }],
        clock.now(),
        {
          logs: ['Cancel requested by user'],
        },
      );
      if (next?.status === 'Running') deps.runner.stop(id);
    },

    async remove(ctx: CallContext, id: string): Promise<void> {
      const job = await load(ctx, id);
      if (!isFinal(job.status))
        throw new AppError('job_not_final', `Job ${id} is ${job.status}; cancel it first`);
      if (!(await store.deleteJob(id, job.version)))
        throw new AppError('conflict', `Job ${id} changed; try again`);
    },

    /**
     * What `GET /jobs/{id}/results` answers: the result document of a completed job, the text of
     * why a failed or cancelled job has none (IBM's clients read a failed job's error from here,
     * runtime-api.md §4), or null while the job is not final.
     */
    async result(ctx: CallContext, id: string): Promise<JobResultText | null> {
      const job = await load(ctx, id);
      if (!isFinal(job.status)) return null;
      if (job.status !== 'Completed') return { status: job.status, text: failureText(job) };
      const text = await store.getResult(id);
      return text === null ? null : { status: job.status, text };
    },

    /** The job's circuits as diagrams (the job page's circuit view); none for a private job. */
    async diagrams(ctx: CallContext, id: string): Promise<CircuitDiagramEntry[]> {
      const job = await load(ctx, id);
      // A private job's params are never shown (GET /jobs/{id} leaves them out): nor its circuits.
      if (job.private) return [];
      return deps.programs.diagrams(job.programId, job.params);
    },

    async logs(ctx: CallContext, id: string): Promise<{ at: Date; line: string }[]> {
      await load(ctx, id);
      return store.getLogs(id);
    },

    async metrics(ctx: CallContext, id: string): Promise<JobMetrics> {
      const job = await load(ctx, id);
      const now = clock.now();
      let positionInQueue: number | null = null;
      let estimatedStartTime: Date | null = null;
      if (job.status === 'Queued') {
        positionInQueue = queuePosition(job, await store.queueGroups(job, now));
        estimatedStartTime = await estimateStart(job, positionInQueue, now);
      }
      return {
        job,
        usageSeconds: jobUsageMs(job, now) / 1000,
        positionInQueue,
        estimatedStartTime,
      };
    },

    async setTags(ctx: CallContext, id: string, tags: readonly string[]): Promise<void> {
      await withRetries(`Job ${id} kept changing concurrently`, async () => {
        const job = await load(ctx, id);
        const next = { ...job, tags: [...tags], version: job.version + 1 };
        return (await store.commit({ job: { next } })) ? undefined : RETRY;
      });
    },
  };

  /** Position × mean recent duration ÷ lanes, from now. */
  async function estimateStart(job: Job, position: number, now: Date): Promise<Date> {
    const lanes = deps.backends.get(job.backend)?.backend.lanes ?? 1;
    const recent = await store.recentDurations(job.backend, ESTIMATE_WINDOW);
    const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : job.holdMs;
    return new Date(now.getTime() + ((position + 1) * mean) / lanes);
  }
}

function newJob(
  deps: Pick<JobServiceDeps, 'newId' | 'defaultCostSeconds'>,
  ctx: CallContext,
  req: JobRequest,
  at: {
    instanceId: string;
    backend: Backend;
    sessionId: string | null;
    totalShots: number;
    now: Date;
  },
): Job {
  return {
    id: deps.newId(),
    instanceId: at.instanceId,
    userId: ctx.principal.userId,
    backend: at.backend.name,
    programId: req.programId,
    sessionId: at.sessionId,
    params: req.params,
    tags: [...(req.tags ?? [])],
    logLevel: req.logLevel ?? null,
    cost: req.cost && req.cost > 0 ? req.cost : deps.defaultCostSeconds,
    private: req.private ?? false,
    runtime: req.runtime ?? null,
    caller: ctx.caller ?? null,
    status: 'Queued',
    reason: null,
    reasonCode: null,
    createdAt: at.now,
    startedAt: null,
    endedAt: null,
    holdMs: modeledHoldMs(at.backend, at.totalShots),
    settleAt: null,
    costDeadline: null,
    cancelRequestedAt: null,
    attempts: 0,
    workerId: null,
    leaseUntil: null,
    workStartedAt: null,
    calibrationId: req.calibrationId ?? null,
    version: 1,
  };
}

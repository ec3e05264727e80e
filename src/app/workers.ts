/**
 * Remote workers (docs/workers.md): processes anywhere, in any language, that run the jobs of
 * `external` backends over HTTP with a worker key. A worker leases the next job of a backend
 * (waiting for one, woken by the commit that makes one startable), heartbeats, sends log lines
 * and settles it. Every step is checked against the lease: a worker that lost its lease (it
 * stopped heartbeating, and the job was given to another or ended) gets `lease_lost` and
 * changes nothing. Dispatch order, lanes and session rules are the scheduler's own: a lease is
 * `pickNextJob` and `execution.start`, asked for by the worker instead of by a timer.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import { type Job, isHeldBy } from '../domain/job/job.js';
import type { BackendCatalog, BackendService } from './backends.js';
import type { CallContext } from './context.js';
import { withEvents } from './event-log.js';
import type { Execution, Holder } from './execution.js';
import type { ProgramRegistry, Store } from './ports.js';

/** The longest a lease request may wait for a job. */
export const MAX_WAIT_MS = 60_000;

export interface WorkerServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly execution: Execution;
  readonly backends: BackendCatalog;
  readonly leaseMs: number;
  /** Checks a completed run's result against what its program's readers need. */
  readonly programs: Pick<ProgramRegistry, 'checkResult'>;
  /** Keeps the calibrations workers publish of their devices. */
  readonly calibrations: Pick<BackendService, 'publishCalibration'>;
  /** Subscribe to "something changed on a backend" (local commits and other nodes'). */
  readonly onChange: (listener: () => void) => () => void;
}

/** What a worker reports at the end of a run. */
export type WorkerOutcome =
  | { readonly kind: 'completed'; readonly resultJson: string; readonly logs: readonly string[] }
  | { readonly kind: 'failed'; readonly reason: string; readonly logs: readonly string[] }
  | { readonly kind: 'cancelled'; readonly logs: readonly string[] };

export type WorkerService = ReturnType<typeof createWorkerService>;

export function createWorkerService(deps: WorkerServiceDeps) {
  const { store, clock, execution } = deps;

  /**
   * A completed run whose result its program's readers can read, stored as checked (with
   * Berth's additions); otherwise a failed run that says why (never a completed job whose
   * result breaks the client).
   */
  function checked(
    job: Job,
    outcome: Extract<WorkerOutcome, { kind: 'completed' }>,
  ): Exclude<WorkerOutcome, { kind: 'cancelled' }> {
    try {
      const resultJson = deps.programs.checkResult(
        job.programId,
        job.params,
        JSON.parse(outcome.resultJson) as unknown,
      );
      return { ...outcome, resultJson };
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'invalid_result') throw e;
      return {
        kind: 'failed',
        reason: `The worker's result cannot be read as a ${job.programId} result: ${e.message} (docs/workers.md says what a result must hold)`,
        logs: [...outcome.logs, `result refused: ${e.message}`],
      };
    }
  }

  /** The worker id of a call: the key, and the worker process's own name. */
  function workerIdOf(ctx: CallContext, name: string): string {
    return `${ctx.principal.keyId}/${name}`;
  }

  function requireBackend(ctx: CallContext, backend: string) {
    const allowed = ctx.principal.workerBackends;
    if (!allowed)
      throw new AppError(
        'forbidden',
        'Only a worker key may use the worker routes (POST /admin/keys with worker_backends)',
      );
    const entry = deps.backends.get(backend);
    if (!entry || !allowed.includes(backend))
      throw new AppError(
        'forbidden',
        `This worker key serves ${allowed.join(', ')} only, not ${backend}`,
      );
    return entry.backend;
  }

  /** The job, if this worker's key may see it (its backend is one of the key's). */
  async function load(ctx: CallContext, jobId: string): Promise<Job> {
    const job = await store.getJob(jobId);
    if (!job || !ctx.principal.workerBackends?.includes(job.backend))
      throw new AppError('job_not_found', `Job ${jobId} not found`);
    return job;
  }

  /** One try: a released job (its worker was lost) first, then what dispatch picks. */
  async function tryLease(backendName: string, workerId: string): Promise<Job | null> {
    const entry = deps.backends.get(backendName);
    if (!entry || entry.backend.status !== 'online') return null;
    const b = entry.backend;
    const lease = () => ({ workerId, until: new Date(clock.now().getTime() + deps.leaseMs) });
    const released = await store.releasedJob(b.name);
    if (released) {
      const again = await execution
        .transition(released.id, [{ kind: 'take_released', lease: lease() }], clock.now(), {
          logs: [`Running the job again on worker ${workerId}`],
        })
        .catch(() => null);
      if (again?.workerId === workerId && again.status === 'Running') return again;
    }
    const backend = { name: b.name, lanes: b.lanes, online: true };
    for (let i = 0; i < b.lanes + 8; i++) {
      const { picked, job } = await execution.startNext(backend, lease);
      if (!picked) return null;
      if (job) return job;
    }
    return null;
  }

  /** Append log lines to the job (they become job.log events). */
  async function log(
    ctx: CallContext,
    jobId: string,
    name: string,
    attempt: number,
    lines: readonly string[],
  ): Promise<void> {
    const job = await load(ctx, jobId);
    const workerId = workerIdOf(ctx, name);
    if (!isHeldBy(job, { workerId, attempt }))
      throw new AppError('lease_lost', `Job ${jobId} is no longer leased to ${name}`);
    const at = clock.now();
    const change = { logs: lines.map((line) => ({ jobId, at, line })) };
    await store.commit(withEvents(change, { job }, at));
  }

  return {
    /** How often a worker should heartbeat: three times per lease. */
    heartbeatSeconds: deps.leaseMs / 3000,

    /**
     * Lease the next job of `backend` for the worker `name`, waiting up to `waitMs` for one.
     * The job is Running, leased to this worker until `leaseUntil`, in its `attempts`-th run
     * (sent back with every later call). Null: none became startable meanwhile (ask again).
     */
    async lease(
      ctx: CallContext,
      backend: string,
      name: string,
      waitMs: number,
      signal?: AbortSignal,
    ): Promise<Job | null> {
      requireBackend(ctx, backend);
      const workerId = workerIdOf(ctx, name);
      const deadline = performance.now() + Math.min(Math.max(waitMs, 0), MAX_WAIT_MS);
      for (;;) {
        // Subscribed before trying, so that a job made startable during the try is not missed.
        let wake: () => void = () => {};
        const changed = new Promise<void>((resolve) => (wake = resolve));
        const off = deps.onChange(() => wake());
        try {
          const job = await tryLease(backend, workerId);
          if (job?.leaseUntil) return job;
          const left = deadline - performance.now();
          if (left <= 0 || signal?.aborted) return null;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            changed,
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, left);
              signal?.addEventListener('abort', () => resolve(), { once: true });
            }),
          ]);
          clearTimeout(timer);
        } finally {
          off();
        }
      }
    },

    /**
     * Renew the lease; `workStarted` says the worker began real work (a loss after it fails the
     * job instead of running it again). Tells the worker whether a cancel was asked.
     */
    async heartbeat(
      ctx: CallContext,
      jobId: string,
      name: string,
      attempt: number,
      workStarted: boolean,
    ): Promise<{ leaseUntil: Date; cancelRequested: boolean }> {
      await load(ctx, jobId);
      const holder: Holder = { workerId: workerIdOf(ctx, name), attempt };
      const lease = {
        workerId: holder.workerId,
        until: new Date(clock.now().getTime() + deps.leaseMs),
      };
      const job = await execution.transition(
        jobId,
        [{ kind: 'heartbeat', lease, workStarted }],
        clock.now(),
        { holder },
      );
      if (!job?.leaseUntil)
        throw new AppError('lease_lost', `Job ${jobId} is no longer leased to ${name}`);
      return { leaseUntil: job.leaseUntil, cancelRequested: job.cancelRequestedAt !== null };
    },

    log,

    /**
     * A worker's calibration of its device (docs/workers.md): a worker key may publish the
     * documents of its own backends only.
     */
    async publishCalibration(
      ctx: CallContext,
      backend: string,
      documents: { properties: unknown; configuration: unknown },
    ) {
      requireBackend(ctx, backend);
      return deps.calibrations.publishCalibration(
        backend,
        documents.properties,
        documents.configuration,
      );
    },

    /** Settle the run: its result, its failure, or that it stopped on a cancel. */
    async settle(
      ctx: CallContext,
      jobId: string,
      name: string,
      attempt: number,
      outcome: WorkerOutcome,
    ): Promise<Job | null> {
      const job = await load(ctx, jobId);
      const holder: Holder = { workerId: workerIdOf(ctx, name), attempt };
      if (outcome.kind === 'cancelled' && outcome.logs.length)
        await log(ctx, jobId, name, attempt, outcome.logs);
      const report =
        outcome.kind === 'cancelled'
          ? { kind: 'stopped' as const }
          : outcome.kind === 'completed'
            ? checked(job, outcome)
            : outcome;
      return execution.recordOutcome(jobId, report, holder);
    },
  };
}

/**
 * The in-process worker: executes the jobs the scheduler starts, through an Executor, and reports
 * each outcome to the execution service.
 *
 * States: running → closing (close) → closed. While closing, nothing new starts; executions in
 * flight get `graceMs` to finish, then are aborted *without* recording an outcome: such a job
 * stays Running in the store and the next start re-runs it (sessions.md §5), instead of being
 * wrongly reported as cancelled.
 */
import type { Execution } from '../app/execution.js';
import type { ExecutionOutcome, Executor, JobRunner, Logger, RunnableJob } from '../app/ports.js';
import { isAppError } from '../domain/errors.js';

type State = 'running' | 'closing' | 'closed';

/** How long an outcome is retried while the database does not answer. */
const RECORD_FOR_MS = 5 * 60_000;

interface InFlight {
  readonly attempt: number;
  readonly controller: AbortController;
  done: Promise<void>;
  /** Aborted by close(): the outcome is not recorded. */
  shutdown: boolean;
}

export class Worker implements JobRunner {
  private state: State = 'running';
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly deps: {
      readonly executor: Executor;
      readonly execution: Pick<Execution, 'recordOutcome'>;
      readonly log: Logger;
    },
  ) {}

  /** Jobs executing now. */
  get busy(): number {
    return this.inFlight.size;
  }

  run(job: RunnableJob): void {
    if (this.state !== 'running') return;
    const previous = this.inFlight.get(job.id);
    if (previous && previous.attempt >= job.attempts) return;
    if (previous) {
      // An older run of it (its lease expired while it ran, and it was given a new one): that
      // run's outcome no longer counts, so it is cut short and this one starts.
      previous.shutdown = true;
      previous.controller.abort(new Error('superseded'));
    }
    const controller = new AbortController();
    const entry: InFlight = {
      attempt: job.attempts,
      controller,
      shutdown: false,
      done: Promise.resolve(),
    };
    this.inFlight.set(job.id, entry);
    entry.done = this.deps.executor
      .run(job, controller.signal)
      .then(async (outcome) => {
        if (entry.shutdown) return;
        await this.record(job, outcome, entry);
      })
      .catch((err: unknown) => {
        // The lease went elsewhere meanwhile: this run's outcome no longer counts.
        if (isAppError(err) && err.code === 'lease_lost') {
          this.deps.log.warn({ jobId: job.id }, 'outcome dropped: the lease was lost');
          return;
        }
        this.deps.log.error({ err, jobId: job.id }, 'job execution failed');
      })
      .finally(() => {
        if (this.inFlight.get(job.id) === entry) this.inFlight.delete(job.id);
      });
  }

  /**
   * Commit an outcome, retrying while the database is away (a restart, a cut connection): the
   * result is kept in memory meanwhile, and the job's lease stays renewed. After RECORD_FOR_MS
   * it gives up; the lease then runs out and the job runs again.
   */
  private async record(
    job: RunnableJob,
    outcome: ExecutionOutcome,
    entry: InFlight,
  ): Promise<void> {
    const holder = { workerId: job.workerId ?? '', attempt: job.attempts };
    const giveUp = performance.now() + RECORD_FOR_MS; // elapsed time, not a timestamp
    for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.deps.execution.recordOutcome(job.id, outcome, holder);
        return;
      } catch (e) {
        const retry = isAppError(e) && e.code === 'database_unavailable';
        if (!retry || entry.shutdown || this.state === 'closed' || performance.now() > giveUp)
          throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Whether a run of `jobId` is in progress here (executing, or committing its outcome). */
  has(jobId: string): boolean {
    return this.inFlight.has(jobId);
  }

  /** Resolves once the execution of `jobId` (if any) has ended and its outcome is committed. */
  async settled(jobId: string): Promise<void> {
    await this.inFlight.get(jobId)?.done;
  }

  stop(jobId: string): void {
    this.inFlight.get(jobId)?.controller.abort(new Error('cancelled'));
  }

  /** Let executions finish for up to `graceMs`, then abort the rest (they are re-run on restart). */
  async close(graceMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'closing';
    const all = (): Promise<unknown> =>
      Promise.allSettled([...this.inFlight.values()].map((f) => f.done));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), graceMs);
    });
    const outcome = await Promise.race([all().then(() => 'done' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') {
      for (const f of this.inFlight.values()) {
        f.shutdown = true;
        f.controller.abort(new Error('shutdown'));
      }
      await all();
    }
    await this.deps.executor.close();
    this.state = 'closed';
  }
}

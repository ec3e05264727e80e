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
import type { Executor, JobRunner, Logger } from '../app/ports.js';

type State = 'running' | 'closing' | 'closed';

interface InFlight {
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

  run(job: { id: string; programId: string; params: unknown; backend: string }): void {
    if (this.state !== 'running' || this.inFlight.has(job.id)) return;
    const controller = new AbortController();
    const entry: InFlight = { controller, shutdown: false, done: Promise.resolve() };
    this.inFlight.set(job.id, entry);
    entry.done = this.deps.executor
      .run(job, controller.signal)
      .then(async (outcome) => {
        if (entry.shutdown) return;
        await this.deps.execution.recordOutcome(job.id, outcome);
      })
      .catch((err: unknown) => this.deps.log.error({ err, jobId: job.id }, 'job execution failed'))
      .finally(() => this.inFlight.delete(job.id));
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

/**
 * An Executor the test drives: each run waits until the test completes, fails or the job is
 * aborted. With `autoComplete`, runs finish at once with a small result.
 */
import type { ExecutionOutcome, Executor } from '../../src/app/ports.js';

export const FAKE_RESULT =
  '{"__type__":"PrimitiveResult","__value__":{"pub_results":[],"metadata":{}}}';

export class ControlledExecutor implements Executor {
  readonly started: string[] = [];
  private readonly pending = new Map<string, (o: ExecutionOutcome) => void>();

  constructor(private readonly autoComplete = false) {}

  run(job: { id: string }, signal: AbortSignal): Promise<ExecutionOutcome> {
    this.started.push(job.id);
    if (this.autoComplete)
      return Promise.resolve({ kind: 'completed', resultJson: FAKE_RESULT, logs: ['ran'] });
    return new Promise((resolve) => {
      this.pending.set(job.id, resolve);
      signal.addEventListener('abort', () => this.resolve(job.id, { kind: 'stopped' }), {
        once: true,
      });
    });
  }

  /** Jobs waiting for the test. */
  get waiting(): string[] {
    return [...this.pending.keys()];
  }

  complete(jobId: string, resultJson = FAKE_RESULT): void {
    this.resolve(jobId, { kind: 'completed', resultJson, logs: ['ran'] });
  }

  fail(jobId: string, reason: string): void {
    this.resolve(jobId, { kind: 'failed', reason, logs: [] });
  }

  private resolve(jobId: string, o: ExecutionOutcome): void {
    const r = this.pending.get(jobId);
    if (!r) throw new Error(`job ${jobId} is not executing`);
    this.pending.delete(jobId);
    r(o);
  }

  async close(): Promise<void> {
    for (const id of this.waiting) this.resolve(id, { kind: 'stopped' });
  }
}

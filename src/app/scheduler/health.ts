/**
 * Whether this node's scheduler can do its work. A store error that repeats pass after pass (a
 * query the server refuses, a database that is gone) makes the node unhealthy: GET /ready
 * answers 503 with the error, and the node claims no backends, so no job waits on a node that
 * cannot schedule it. A few passes in a row that succeed make it healthy again (not one: a node
 * that fails only while it schedules must not flap). Pure: no I/O, no timers.
 */

/** Failed passes in a row that make a node unhealthy. */
export const FAILURES_TO_UNHEALTHY = 3;
/** Successful passes in a row that make it healthy again. */
export const SUCCESSES_TO_HEALTHY = 3;

export class SchedulerHealth {
  private failures = 0;
  private successes = 0;
  private healthy = true;
  private error: string | null = null;

  get ok(): boolean {
    return this.healthy;
  }

  /** The last pass's error while unhealthy (for /ready), else null. */
  get problem(): string | null {
    return this.healthy ? null : this.error;
  }

  passed(): void {
    this.failures = 0;
    if (!this.healthy && ++this.successes >= SUCCESSES_TO_HEALTHY) {
      this.healthy = true;
      this.error = null;
    }
  }

  failed(message: string): void {
    this.successes = 0;
    this.error = message;
    if (++this.failures >= FAILURES_TO_UNHEALTHY) this.healthy = false;
  }
}

/**
 * Due deadlines, applied at the time each was due: sessions' TTLs (open, idle, max), jobs'
 * settling (a modeled run's end), max execution time (`cost`) and job leases. Every deadline
 * lives in the store; whichever node sees one due first applies it, as a compare-and-set on a
 * row whose state says whether it still applies, so a dead node's deadlines need no hand-over.
 */
import type { Clock } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import { nextSessionDeadline } from '../../domain/session/session.js';
import type { Execution } from '../execution.js';
import type { DueItem, JobRunner, Logger, Store } from '../ports.js';
import type { SessionService } from '../sessions.js';
import type { LocalRuns } from './local-runs.js';

/** Deadlines applied per pass at most, so that one pass never starves the event loop. */
const MAX_DUE_PER_PASS = 1000;

export interface DeadlinesDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly execution: Execution;
  readonly sessions: Pick<SessionService, 'apply'>;
  readonly runner: JobRunner;
  readonly runs: LocalRuns;
  readonly log: Logger;
  /** Something changed on this backend: dispatch it. */
  readonly touched: (backend: string) => void;
}

export class Deadlines {
  constructor(private readonly deps: DeadlinesDeps) {}

  /** Apply what is due now; true when more may be due (the pass stopped at its limit). */
  async applyDue(): Promise<boolean> {
    const now = this.deps.clock.now();
    let last = '';
    for (let i = 0; i < MAX_DUE_PER_PASS; i++) {
      const [item] = await this.deps.store.dueItems(now, 1);
      if (!item) return false;
      const key = `${item.kind}:${item.id}:${item.at.getTime()}`;
      if (key === last) {
        this.deps.log.error({ item }, 'a due deadline made no progress; will retry next pass');
        return false;
      }
      last = key;
      await this.applyOne(item);
    }
    return true;
  }

  private async applyOne(item: DueItem): Promise<void> {
    const { execution, sessions, runner, store, touched } = this.deps;
    try {
      switch (item.kind) {
        case 'session': {
          const s = await store.getSession(item.id);
          const due = s && nextSessionDeadline(s);
          // Read afresh: another node may have applied this deadline and armed a later one.
          if (due && due.at.getTime() <= item.at.getTime())
            await sessions.apply(item.id, { kind: 'timer_fired', timer: due.timer }, due.at);
          if (s?.backend) touched(s.backend);
          return;
        }
        case 'job_settle': {
          const job = await execution.transition(item.id, [{ kind: 'settle' }], item.at);
          if (job) touched(job.backend);
          return;
        }
        case 'job_lease':
          return await this.deps.runs.leaseExpired(item.id, item.at);
        case 'job_cost': {
          const job = await execution.transition(item.id, [{ kind: 'ran_too_long' }], item.at, {
            logs: ['Stopped: the job exceeded its maximum execution time'],
          });
          if (job) touched(job.backend);
          runner.stop(item.id);
          return;
        }
      }
    } catch (e) {
      if (e instanceof AppError && (e.code === 'invalid_transition' || e.code === 'conflict'))
        return;
      throw e;
    }
  }
}

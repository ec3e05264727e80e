/**
 * Dispatch: start queued jobs on the backends this node schedules, by the dispatch policy
 * (domain/scheduling/dispatch.ts), while a lane is free. The jobs it starts run here (LocalRuns).
 * An external backend's jobs are started by its workers' lease requests (app/workers.ts), with
 * the same policy step (Execution.startNext).
 */
import type { Job } from '../../domain/job/job.js';
import type { Lease } from '../../domain/job/job-machine.js';
import type { BackendCatalog } from '../backends.js';
import type { Execution } from '../execution.js';
import type { LocalRuns } from './local-runs.js';

/**
 * At most this many jobs start in one commit: a backlog of sessionless jobs drains in batches
 * (a commit and a snapshot per batch instead of per job), while one commit stays short.
 */
const BATCH = 16;

export interface DispatchDeps {
  readonly execution: Execution;
  readonly backends: BackendCatalog;
  readonly runs: LocalRuns;
  /** Whether this node schedules the backend now (Membership). */
  readonly schedules: (backend: string) => boolean;
}

export class Dispatcher {
  constructor(private readonly deps: DispatchDeps) {}

  /** Start jobs on one backend while the policy picks one and a lane is free. */
  async dispatch(name: string): Promise<void> {
    const slot = this.slot(name, false);
    if (!slot) return;
    const { runs, execution } = this.deps;
    const backend = { name, lanes: slot.lanes, online: slot.online };
    for (let i = 0; i < slot.lanes + 8; i++) {
      const { picked, jobs } = await execution.startBatch(
        backend,
        () => runs.newLease(),
        Math.min(slot.lanes, BATCH),
      );
      if (!picked) return;
      for (const job of jobs) runs.run(job);
    }
  }

  /**
   * The Handoff of execution.ts: a lease when this node dispatches `backend`, runs its jobs
   * itself, and the backend is online (an external backend's workers lease jobs themselves).
   */
  handoffSlot(backend: string): { lease: Lease; lanes: number } | null {
    const slot = this.slot(backend, true);
    return slot ? { lease: this.deps.runs.newLease(), lanes: slot.lanes } : null;
  }

  /** Run a job that started in the commit that ended the previous one (execution.ts Handoff). */
  runHandedOff(job: Job): void {
    this.deps.runs.run(job);
  }

  /** What this node may start on `name`: null when another node or its workers start its jobs. */
  private slot(name: string, onlineOnly: boolean): { lanes: number; online: boolean } | null {
    const entry = this.deps.backends.get(name);
    if (!entry || !this.deps.schedules(name)) return null;
    const b = entry.backend;
    if (b.executor === 'external') return null;
    if (onlineOnly && b.status !== 'online') return null;
    return { lanes: b.lanes, online: b.status === 'online' };
  }
}

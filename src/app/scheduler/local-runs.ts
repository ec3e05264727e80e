/**
 * The jobs this node runs in-process. Each is leased in the store to this node's id (the job's
 * `workerId`) and the lease is renewed once a third of its term has passed. A job is `held`
 * from its start here until its run ends, or until another executor holds it (the run here is
 * then stopped): a lease is never renewed for a run that is gone.
 *
 * A run whose executor was lost is decided by the job machine (`executor_lost`): run again once,
 * failed, or cancelled (sessions.md §5, docs/workers.md), and its log says which (lossLog). Runs
 * are lost three ways:
 * - the lease ran out (a deadline: remote workers, and any run nobody renewed);
 * - this node restarted: the jobs leased to its own id are taken back at once (recoverOwn);
 * - another node died (Membership: no heartbeat for OWNERSHIP_MS): the jobs it ran in-process, on
 *   the backends this node now schedules, are taken over at once (takeOverFrom), not at the end
 *   of their lease. The job lease (30 s) is for remote workers, which heartbeat on their own.
 */
import type { Clock } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import type { Job } from '../../domain/job/job.js';
import { type Lease, lossLog } from '../../domain/job/job-machine.js';
import type { BackendCatalog } from '../backends.js';
import type { Execution, Holder } from '../execution.js';
import type { JobRunner, Logger, Store } from '../ports.js';

export interface LocalRunsDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly execution: Execution;
  readonly backends: BackendCatalog;
  readonly runner: JobRunner;
  readonly log: Logger;
  readonly nodeId: string;
  readonly leaseMs: number;
  /** A job changed on this backend (run again, ended): dispatch it. */
  readonly touched: (backend: string) => void;
}

export class LocalRuns {
  /** Jobs running here, with when their lease ends (ms since the epoch). */
  private readonly held = new Map<string, number>();

  constructor(private readonly deps: LocalRunsDeps) {}

  /** A lease for a job this node starts now. */
  newLease(): Lease {
    return {
      workerId: this.deps.nodeId,
      until: new Date(this.deps.clock.now().getTime() + this.deps.leaseMs),
    };
  }

  /** Run a job leased to this node, and keep its lease. */
  run(job: Job): void {
    if (job.workerId !== this.deps.nodeId || !job.leaseUntil)
      throw new Error(`job ${job.id} is not leased to this node`);
    this.held.set(job.id, job.leaseUntil.getTime());
    this.deps.runner.run(job);
  }

  /** When the next renewal is due (ms since the epoch; Infinity when nothing runs here). */
  get nextRenewalAt(): number {
    let at = Infinity;
    for (const until of this.held.values()) at = Math.min(at, until - (this.deps.leaseMs * 2) / 3);
    return at;
  }

  /** Renew the leases of the jobs running here once a third of their term has passed. */
  async renew(): Promise<void> {
    const { clock, leaseMs, execution, runner } = this.deps;
    for (const [id, until] of this.held) {
      if (!runner.has(id)) {
        this.held.delete(id); // its run ended (or gave up): nothing here to keep it for
        continue;
      }
      if (until - clock.now().getTime() > (leaseMs * 2) / 3) continue;
      try {
        const job = await execution.transition(
          id,
          [{ kind: 'heartbeat', lease: this.newLease() }],
          clock.now(),
        );
        if (job?.status === 'Running' && job.leaseUntil)
          this.held.set(id, job.leaseUntil.getTime());
        else this.held.delete(id);
      } catch (e) {
        this.held.delete(id);
        if (!(e instanceof AppError)) throw e;
        // Ended, or its result is in (no lease to renew), or taken over by another executor.
        const job = await this.deps.store.getJob(id);
        if (job?.status === 'Running' && job.workerId !== this.deps.nodeId) {
          this.deps.log.warn({ jobId: id, holder: job.workerId }, 'lease lost; stopping the run');
          runner.stop(id);
        }
      }
    }
  }

  /** A job whose lease ran out (a due deadline): the machine decides, if it still applies. */
  async leaseExpired(jobId: string, at: Date): Promise<void> {
    const before = await this.deps.store.getJob(jobId);
    if (!before) return;
    await this.lose(before, at, 'its executor stopped renewing its lease', null, true);
  }

  /**
   * Jobs leased to this node's id by a previous life of it: their executor is gone, so each is
   * decided at once rather than at its lease's end. Jobs leased to others wait for them.
   */
  async recoverOwn(): Promise<void> {
    const why = 'the node restarted while running it';
    // The start's first pass may already have started jobs in this life: those are not lost.
    await this.takeOver(this.deps.nodeId, why, (job) => !this.held.has(job.id));
  }

  /**
   * Jobs a dead node ran in-process, on the backends this node schedules (`owned`): decided
   * now. Returns whether any of its jobs are left (on backends another node schedules).
   */
  async takeOverFrom(deadNode: string, owned: ReadonlySet<string>): Promise<boolean> {
    const why = `node ${deadNode} stopped heartbeating while running it`;
    return this.takeOver(deadNode, why, (job) => owned.has(job.backend));
  }

  private async takeOver(
    holder: string,
    why: string,
    mine: (job: Job) => boolean,
  ): Promise<boolean> {
    let left = false;
    for (const job of await this.deps.store.leasedJobs(holder)) {
      if (!mine(job)) {
        left = true;
        continue;
      }
      try {
        await this.lose(job, this.deps.clock.now(), why, {
          workerId: holder,
          attempt: job.attempts,
        });
        this.deps.log.info({ jobId: job.id, from: holder }, 'took over a lost run');
      } catch (e) {
        if (e instanceof AppError && e.code === 'lease_lost') continue; // someone else did
        throw e;
      }
    }
    return left;
  }

  /**
   * The job machine's `executor_lost` for a job: run again (here; on an external backend, by
   * the next worker that leases), failed or cancelled; logged as it was decided. `holder`: only
   * while that execution still holds it. `onlyIfExpired`: only once its lease has run out.
   */
  private async lose(
    job: Job,
    at: Date,
    why: string,
    holder: Holder | null,
    onlyIfExpired = false,
  ): Promise<void> {
    const external = this.deps.backends.get(job.backend)?.backend.executor === 'external';
    let after: Job | null;
    try {
      after = await this.deps.execution.transition(
        job.id,
        [{ kind: 'executor_lost', lease: external ? null : this.newLease(), onlyIfExpired }],
        at,
        { logs: (b, a) => lossLog(b, a, why), ...(holder ? { holder } : {}) },
      );
    } catch (e) {
      // It ended or moved on meanwhile: nothing was lost.
      if (e instanceof AppError && (e.code === 'invalid_transition' || e.code === 'conflict'))
        return;
      throw e;
    }
    if (!after) return;
    this.deps.touched(after.backend);
    // Run again, here (a loss that changed nothing leaves the job as it was).
    const again = after.attempts > job.attempts && after.status === 'Running';
    // An older run of it still in flight here is superseded by this one (Worker.run).
    if (again && after.workerId === this.deps.nodeId && after.leaseUntil) this.run(after);
  }
}

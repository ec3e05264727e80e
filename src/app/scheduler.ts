/**
 * The scheduler: applies due deadlines (sessions' TTLs, jobs' completion and max execution time)
 * at the time each was due, then starts queued jobs on free lanes by the dispatch policy.
 *
 * States: created → running (start) → stopping (stop) → stopped. `tick()` is public so that
 * tests (with a ManualClock, `autoRun: false`) and tools drive it by hand. With `autoRun`, the
 * scheduler wakes itself at the next deadline (at most every `pollIntervalMs`) and on `nudge()`.
 * In-memory timers are only wake-ups: every deadline lives in the store, so a restart loses none.
 *
 * Every job it starts is leased to this node (`nodeId`) for `leaseMs` and renewed while it runs
 * here. A lease that runs out is a deadline like the others: whichever node applies it re-runs
 * the job once or fails it. At start, the node takes back at once the jobs leased to its own id
 * (a previous life of it that stopped), and no others: those belong to live executors.
 *
 * Several nodes can share one database. Each heartbeats every `HEARTBEAT_MS`, and dispatches only
 * the backends it holds the store's lease on (one node per backend; a lease not renewed for
 * `OWNERSHIP_MS` passes to another node at its next heartbeat). Another node's commit wakes it
 * (the store's onRemoteChange). Deadlines are applied by whichever node sees them due first:
 * each is a compare-and-set on a row whose state says whether it still applies.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import type { Job } from '../domain/job/job.js';
import type { Lease } from '../domain/job/job-machine.js';
import { planOwnership } from '../domain/scheduling/ownership.js';
import { MAX_EXECUTIONS } from '../domain/job/job-machine.js';
import { nextSessionDeadline } from '../domain/session/session.js';
import type { BackendCatalog } from './backends.js';
import type { Events } from './events.js';
import type { Execution } from './execution.js';
import type { DueItem, JobRunner, Logger, Store } from './ports.js';
import type { SessionService } from './sessions.js';

/** Deadlines applied per tick at most, so that one tick never starves the event loop. */
const MAX_DUE_PER_TICK = 1000;
/** How often a node says it is alive and renews its backends. */
export const HEARTBEAT_MS = 1000;
/** A backend whose node has not renewed it for this long goes to another node. */
export const OWNERSHIP_MS = 3000;

/** The log line of a job whose executor was lost, when it is run again. */
function lossLogs(job: Job | null, why: string): string[] {
  if (!job || job.cancelRequestedAt || job.attempts >= MAX_EXECUTIONS) return [];
  return [`Running the job again: ${why}`];
}

export type SchedulerState = 'created' | 'running' | 'stopping' | 'stopped';

export interface SchedulerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly execution: Execution;
  readonly sessions: Pick<SessionService, 'apply'>;
  readonly backends: BackendCatalog;
  readonly runner: JobRunner;
  readonly events: Events;
  readonly log: Logger;
  /** Wake by itself (server) or only when `tick()` is called (tests). */
  readonly autoRun: boolean;
  /** Longest sleep between ticks: a safety net, not the timer mechanism. */
  readonly pollIntervalMs: number;
  /** This node's id: the worker id of the jobs it runs. */
  readonly nodeId: string;
  /** How long a job's lease lasts; it is renewed after a third of it. */
  readonly leaseMs: number;
  /** This node's software version (GET /api/v1/nodes). */
  readonly version: string;
}

export class IllegalStateError extends Error {}

export class Scheduler {
  private state: SchedulerState = 'created';
  private readonly dirty = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private again = false;
  private wake: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  /** Jobs this node runs, with when their lease ends. */
  private readonly held = new Map<string, number>();
  /** The backends this node schedules (holds the store's lease on). */
  private owned = new Set<string>();
  private lastBeat = -Infinity;
  private startedAt: Date | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: SchedulerDeps) {}

  get currentState(): SchedulerState {
    return this.state;
  }

  private setState(next: SchedulerState): void {
    this.deps.log.info({ from: this.state, to: next }, 'scheduler state');
    this.state = next;
  }

  /** Apply what passed while the server was down, recover running jobs, and begin. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new IllegalStateError(`start() in state ${this.state}`);
    this.setState('running');
    this.startedAt = this.deps.clock.now();
    this.unsubscribe = this.deps.store.onRemoteChange((backends) => this.nudgeOwned(backends));
    await this.tick();
    await this.recover();
    this.nudgeOwned();
    await this.tick();
  }

  /** The backends this node schedules now. */
  get ownedBackends(): readonly string[] {
    return [...this.owned].sort();
  }

  /** Another node changed these backends (none named: any): dispatch those this node schedules. */
  private nudgeOwned(backends: readonly string[] = []): void {
    for (const b of backends.length ? backends : this.owned)
      if (this.owned.has(b)) this.dirty.add(b);
    this.tickSoon();
  }

  /**
   * Say this node is alive and renew or take its share of the backends (planOwnership: spread
   * evenly over the live nodes); newly taken ones are dispatched at once.
   */
  private async beat(): Promise<void> {
    const { store, nodeId } = this.deps;
    const now = this.deps.clock.now();
    if (now.getTime() - this.lastBeat < HEARTBEAT_MS) return;
    this.lastBeat = now.getTime();
    // Statuses an administrator set, perhaps on another node (a pause, a resume): a backend
    // whose status changed is dispatched now.
    const before = new Map(this.deps.backends.all().map((e) => [e.backend.name, e.backend.status]));
    this.deps.backends.applyStates(await store.backendStates());
    for (const e of this.deps.backends.all())
      if (before.get(e.backend.name) !== e.backend.status) this.dirty.add(e.backend.name);
    const names = this.deps.backends.all().map((e) => e.backend.name);
    const nodes = await store.listNodes(now);
    const live = new Set([nodeId]);
    for (const n of nodes)
      if (now.getTime() - n.heartbeatAt.getTime() <= OWNERSHIP_MS) live.add(n.id);
    const owners = new Map(nodes.flatMap((n) => n.backends.map((b) => [b, n.id] as const)));
    const plan = planOwnership(names, owners, nodeId, live.size);
    if (plan.release.length) await store.releaseBackends(nodeId, plan.release);
    const owned = await store.heartbeat(
      { id: nodeId, version: this.deps.version, startedAt: this.startedAt ?? now },
      plan.claim,
      now,
      new Date(now.getTime() + OWNERSHIP_MS),
    );
    for (const b of owned) if (!this.owned.has(b)) this.dirty.add(b);
    this.owned = new Set(owned);
  }

  /** Stop waking; waits for the tick in progress. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.inFlight ?? undefined;
    this.setState('stopping');
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    if (this.soon) clearImmediate(this.soon);
    this.soon = null;
    this.unsubscribe?.();
    await this.inFlight;
    this.setState('stopped');
    // A clean stop hands the backends over at once, not after OWNERSHIP_MS.
    await this.deps.store
      .leave(this.deps.nodeId)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'could not release backends'));
    this.owned.clear();
  }

  /** Something changed on a backend: dispatch it soon. */
  nudge(backend: string): void {
    this.dirty.add(backend);
    this.tickSoon();
  }

  /**
   * A pass right after this turn of the event loop: the answer to the request that caused the
   * nudge is written first (its server time does not include a dispatch), and the nudges of one
   * turn share one pass. A dedicated session's next job does not wait for it: it starts in the
   * commit that ends the one before (execution.ts Handoff). A pass in progress just runs again.
   */
  private tickSoon(): void {
    if (!this.deps.autoRun || this.state !== 'running' || this.soon) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      void this.tick();
    });
  }

  /** One pass: due deadlines, then dispatch. Concurrent calls share the pass in progress. */
  tick(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'created') return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.loop().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const t0 = performance.now();
      try {
        await this.beat();
        // Leases first: a long sleep (or a manual clock's jump) must not expire a job that runs.
        await this.renewLeases();
        await this.applyDue();
        await this.dispatchDirty();
        await this.armWake();
      } catch (e) {
        this.deps.log.error({ err: e }, 'scheduler tick failed');
      }
      this.deps.events.emit('scheduler.ticked', { ms: performance.now() - t0 });
      // A nudge that arrived during the pass (even while arming the wake-up) is served now.
    } while (this.again && this.state === 'running');
  }

  private async applyDue(): Promise<void> {
    const now = this.deps.clock.now();
    let last = '';
    for (let i = 0; i < MAX_DUE_PER_TICK; i++) {
      const [item] = await this.deps.store.dueItems(now, 1);
      if (!item) return;
      const key = `${item.kind}:${item.id}:${item.at.getTime()}`;
      if (key === last) {
        this.deps.log.error({ item }, 'a due deadline made no progress; will retry next tick');
        return;
      }
      last = key;
      await this.applyOne(item);
    }
    this.again = true;
  }

  private async applyOne(item: DueItem): Promise<void> {
    const { execution, sessions, runner } = this.deps;
    try {
      switch (item.kind) {
        case 'session': {
          const s = await this.deps.store.getSession(item.id);
          const due = s && nextSessionDeadline(s);
          // Read afresh: another node may have applied this deadline and armed a later one.
          if (due && due.at.getTime() <= item.at.getTime())
            await sessions.apply(item.id, { kind: 'timer_fired', timer: due.timer }, due.at);
          if (s?.backend) this.dirty.add(s.backend);
          return;
        }
        case 'job_settle': {
          const job = await execution.transition(item.id, [{ kind: 'settle' }], item.at);
          if (job) this.dirty.add(job.backend);
          return;
        }
        case 'job_lease': {
          const before = await this.deps.store.getJob(item.id);
          const job = await execution.transition(
            item.id,
            [{ kind: 'executor_lost', lease: this.leaseFor(before), onlyIfExpired: true }],
            item.at,
            { logs: lossLogs(before, 'its executor stopped renewing its lease') },
          );
          this.afterLoss(job);
          return;
        }
        case 'job_cost': {
          const job = await execution.transition(item.id, [{ kind: 'ran_too_long' }], item.at, {
            logs: ['Stopped: the job exceeded its maximum execution time'],
          });
          if (job) this.dirty.add(job.backend);
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

  private async dispatchDirty(): Promise<void> {
    const names = [...this.dirty];
    this.dirty.clear();
    for (const name of names) await this.dispatch(name);
  }

  /** Start jobs on one backend while the policy picks one and a lane is free. */
  private async dispatch(name: string): Promise<void> {
    const entry = this.deps.backends.get(name);
    if (!entry || !this.owned.has(name)) return; // another node schedules it
    if (entry.backend.executor === 'external') return; // its workers lease jobs themselves
    const b = entry.backend;
    const backend = { name, lanes: b.lanes, online: b.status === 'online' };
    for (let i = 0; i < b.lanes + 8; i++) {
      const { picked, job } = await this.deps.execution.startNext(backend, () => this.newLease());
      if (!picked) return;
      if (job) this.runHere(job);
    }
  }

  /**
   * The Handoff of execution.ts: a lease when this node dispatches `backend` and runs its jobs
   * itself (an external backend's workers lease their jobs themselves).
   */
  handoffSlot(backend: string): { lease: Lease; lanes: number } | null {
    const entry = this.deps.backends.get(backend);
    if (this.state !== 'running' || !entry || !this.owned.has(backend)) return null;
    const b = entry.backend;
    if (b.executor === 'external' || b.status !== 'online') return null;
    return { lease: this.newLease(), lanes: b.lanes };
  }

  /** Run a job that started in the commit that ended the previous one (execution.ts Handoff). */
  runHandedOff(job: Job): void {
    this.runHere(job);
  }

  /** Whom a lost job goes to: this node, or (external backend) the next worker that asks. */
  private leaseFor(job: Job | null): Lease | null {
    if (job && this.deps.backends.get(job.backend)?.backend.executor === 'external') return null;
    return this.newLease();
  }

  private newLease(): Lease {
    return {
      workerId: this.deps.nodeId,
      until: new Date(this.deps.clock.now().getTime() + this.deps.leaseMs),
    };
  }

  private runHere(job: Job): void {
    if (job.leaseUntil) this.held.set(job.id, job.leaseUntil.getTime());
    this.deps.runner.run(job);
  }

  /** A job whose executor was lost: run it here again if it was retried. */
  private afterLoss(job: Job | null): void {
    if (!job) return;
    this.dirty.add(job.backend);
    if (job.status === 'Running' && job.workerId === this.deps.nodeId && job.leaseUntil) {
      this.runHere(job);
    }
  }

  /** Renew the leases of the jobs running here once a third of their term has passed. */
  private async renewLeases(): Promise<void> {
    const { clock, leaseMs, execution, runner, log } = this.deps;
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
          log.warn({ jobId: id, holder: job.workerId }, 'lease lost; stopping the local run');
          runner.stop(id);
        }
      }
    }
  }

  /**
   * Jobs leased to this node's id by a previous run of it: their executor is gone, so each is
   * re-run once, failed, or (a cancel was waiting) cancelled, at once rather than at its lease's
   * end. Jobs leased to other executors wait for their lease.
   */
  private async recover(): Promise<void> {
    const { store, execution, log } = this.deps;
    for (const job of await store.leasedJobs(this.deps.nodeId)) {
      try {
        const next = await execution.transition(
          job.id,
          [{ kind: 'executor_lost', lease: this.newLease(), onlyIfExpired: false }],
          this.deps.clock.now(),
          { logs: lossLogs(job, 'the executor was lost (server restart)') },
        );
        this.afterLoss(next);
        log.info({ jobId: job.id }, 'recovered running job');
      } catch (e) {
        log.error({ err: e, jobId: job.id }, 'could not recover running job');
      }
    }
  }

  private async armWake(): Promise<void> {
    if (!this.deps.autoRun || this.state !== 'running') return;
    const next = await this.deps.store.nextDeadline();
    const now = this.deps.clock.now().getTime();
    let at = Math.min(next ? next.getTime() : Infinity, this.lastBeat + HEARTBEAT_MS);
    for (const until of this.held.values()) at = Math.min(at, until - (this.deps.leaseMs * 2) / 3);
    const delay = Math.max(0, Math.min(at - now, this.deps.pollIntervalMs));
    if (this.wake) clearTimeout(this.wake);
    if (this.state !== 'running') return;
    this.wake = setTimeout(() => {
      this.wake = null;
      for (const b of this.owned) this.dirty.add(b);
      void this.tick();
    }, delay);
  }
}

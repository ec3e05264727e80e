/**
 * The scheduler: applies due deadlines (sessions' TTLs, jobs' completion and max execution time)
 * at the time each was due, then starts queued jobs on free lanes by the dispatch policy.
 *
 * States: created → running (start) → stopping (stop) → stopped. `tick()` is public so that
 * tests (with a ManualClock, `autoRun: false`) and tools drive it by hand. With `autoRun`, the
 * scheduler wakes itself at the next deadline (at most every `pollIntervalMs`) and on `nudge()`.
 * In-memory timers are only wake-ups: every deadline lives in the store, so a restart loses none.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import { pickNextJob } from '../domain/scheduling/dispatch.js';
import { nextSessionDeadline } from '../domain/session/session.js';
import type { BackendCatalog } from './backends.js';
import type { Events } from './events.js';
import type { Execution } from './execution.js';
import type { DueItem, JobRunner, Logger, Store } from './ports.js';
import type { SessionService } from './sessions.js';

/** Deadlines applied per tick at most, so that one tick never starves the event loop. */
const MAX_DUE_PER_TICK = 1000;
/** A failed executor is retried once (sessions.md §5). */
const MAX_ATTEMPTS = 2;

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
}

export class IllegalStateError extends Error {}

export class Scheduler {
  private state: SchedulerState = 'created';
  private readonly dirty = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private again = false;
  private wake: NodeJS.Timeout | null = null;

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
    await this.tick();
    await this.recover();
    for (const e of this.deps.backends.all()) this.dirty.add(e.backend.name);
    await this.tick();
  }

  /** Stop waking; waits for the tick in progress. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.inFlight ?? undefined;
    this.setState('stopping');
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    await this.inFlight;
    this.setState('stopped');
  }

  /** Something changed on a backend: dispatch it soon. */
  nudge(backend: string): void {
    this.dirty.add(backend);
    // At once, not on a later turn of the event loop: the next job of a session should start
    // within the same turn as the one that freed its lane. A pass in progress just runs again.
    if (this.deps.autoRun && this.state === 'running') void this.tick();
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
          if (due) await sessions.apply(item.id, { kind: 'timer_fired', timer: due.timer }, due.at);
          if (s?.backend) this.dirty.add(s.backend);
          return;
        }
        case 'job_settle': {
          const job = await execution.transition(item.id, [{ kind: 'settle' }], item.at);
          if (job) this.dirty.add(job.backend);
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
    if (!entry) return;
    const b = entry.backend;
    for (let i = 0; i < b.lanes + 8; i++) {
      const now = this.deps.clock.now();
      const snap = await this.deps.store.loadDispatchSnapshot(
        { name, lanes: b.lanes, online: b.status === 'online' },
        now,
      );
      const pick = pickNextJob(snap);
      if (!pick) return;
      const job = await this.deps.execution.start(pick.jobId, this.deps.clock.now());
      if (job) this.deps.runner.run(job);
    }
  }

  /** Running jobs left by a previous process: finish cancels, re-run once, or fail. */
  private async recover(): Promise<void> {
    const { store, execution, runner, log } = this.deps;
    for (const job of await store.runningJobs()) {
      try {
        if (job.settleAt) continue; // result stored: it completes at its deadline
        if (job.cancelRequestedAt) {
          await execution.transition(job.id, [{ kind: 'stopped' }], job.cancelRequestedAt);
        } else if (job.attempts < MAX_ATTEMPTS) {
          const next = await execution.transition(
            job.id,
            [{ kind: 'retry' }],
            this.deps.clock.now(),
            {
              logs: ['The executor was lost (server restart); running the job again'],
            },
          );
          if (next?.status === 'Running') runner.run(next);
        } else {
          await execution.transition(
            job.id,
            [{ kind: 'fail', reason: 'The executor was lost twice while running the job' }],
            this.deps.clock.now(),
          );
        }
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
    const delay = next
      ? Math.max(0, Math.min(next.getTime() - now, this.deps.pollIntervalMs))
      : this.deps.pollIntervalMs;
    if (this.wake) clearTimeout(this.wake);
    if (this.state !== 'running') return;
    this.wake = setTimeout(() => {
      this.wake = null;
      for (const e of this.deps.backends.all()) this.dirty.add(e.backend.name);
      void this.tick();
    }, delay);
  }
}

/**
 * The scheduler: one pass at a time, each pass in this order:
 * 1. membership (heartbeat; take a dead node's backends and its in-process runs: LocalRuns);
 * 2. lease renewal of the runs here (first: a long sleep must not expire a run that goes on);
 * 3. due deadlines (Deadlines);
 * 4. dispatch of the backends that changed (Dispatcher).
 *
 * States: created → running (start) → stopping (stop) → stopped; each method asserts the states
 * it may be called in. `tick()` is public so that tests (with a ManualClock, `autoRun: false`)
 * and tools drive it by hand. With `autoRun`, a pass runs right after a nudge, and a wake-up
 * timer runs the next at the earliest of: the next deadline, the next heartbeat, the next lease
 * renewal, and `pollIntervalMs` (a failed pass too: it retries after `pollIntervalMs`).
 * In-memory timers are only wake-ups: every deadline lives in the store, so a restart loses none.
 */
import type { Clock } from '../../domain/clock.js';
import type { Job } from '../../domain/job/job.js';
import type { Lease } from '../../domain/job/job-machine.js';
import type { BackendCatalog } from '../backends.js';
import type { Events } from '../events.js';
import type { Execution } from '../execution.js';
import type { JobRunner, Logger, Store } from '../ports.js';
import type { SessionService } from '../sessions.js';
import { Deadlines } from './deadlines.js';
import { Dispatcher } from './dispatch.js';
import { SchedulerHealth } from './health.js';
import { LocalRuns } from './local-runs.js';
import { Membership } from './membership.js';

export { HEARTBEAT_MS, NodeIdInUseError, OWNERSHIP_MS } from './membership.js';

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
  /** Longest sleep between passes: a safety net, not the timer mechanism. */
  readonly pollIntervalMs: number;
  /** This node's id: the worker id of the jobs it runs. */
  readonly nodeId: string;
  /** How long a job's lease lasts; it is renewed after a third of it. */
  readonly leaseMs: number;
  /** This node's software version (GET /api/v1/nodes). */
  readonly version: string;
}

export class IllegalStateError extends Error {}

/**
 * The longest a node goes without looking for due deadlines, whatever it heard: a node that died
 * between a commit and telling the others of it (notifier.ts) leaves a deadline unheard.
 */
const MAX_LOOK_INTERVAL_MS = 5000;

export class Scheduler {
  private state: SchedulerState = 'created';
  private readonly dirty = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private again = false;
  private wake: NodeJS.Timeout | null = null;
  private soon: NodeJS.Immediate | null = null;
  private unsubscribe: (() => void) | null = null;
  /**
   * No deadline in the store falls due before this (ms since the epoch): the last look's
   * answer, lowered by every deadline a commit wrote since (Store.onDeadline). Until then a pass
   * skips the due-deadline queries. -Infinity: unknown, look.
   */
  private nextDue = -Infinity;
  /** The earliest deadline heard of while a look was in flight (its answer may predate it). */
  private heardDuringLook = Infinity;
  /** When the last look for due deadlines began (ms since the epoch). */
  private lastLook = -Infinity;
  /** When the wake-up timer fires (ms since the epoch), or Infinity when none is armed. */
  private wakeAt = Infinity;
  /** Dead nodes whose in-process runs were all taken over, by their last heartbeat. */
  private readonly sweptDead = new Map<string, number>();
  private readonly health = new SchedulerHealth();
  private readonly membership: Membership;
  private readonly runs: LocalRuns;
  private readonly deadlines: Deadlines;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly deps: SchedulerDeps) {
    const touched = (backend: string): void => void this.dirty.add(backend);
    this.membership = new Membership(deps);
    this.runs = new LocalRuns({ ...deps, touched });
    this.deadlines = new Deadlines({ ...deps, runs: this.runs, touched });
    this.dispatcher = new Dispatcher({
      ...deps,
      runs: this.runs,
      schedules: (b) => this.membership.ownedBackends.has(b),
    });
  }

  get currentState(): SchedulerState {
    return this.state;
  }

  /** Why this node cannot schedule now (GET /ready), or null. */
  get problem(): string | null {
    const clash = this.membership.identityClash;
    if (clash) return clash;
    const p = this.health.problem;
    return p ? `the scheduler's passes keep failing: ${p}` : null;
  }

  /** The backends this node schedules now. */
  get ownedBackends(): readonly string[] {
    return [...this.membership.ownedBackends].sort();
  }

  private setState(next: SchedulerState): void {
    this.deps.log.info({ from: this.state, to: next }, 'scheduler state');
    this.state = next;
  }

  /**
   * Claim this node's id (refused while a live node holds it), apply what passed while the
   * server was down, take back the runs of this node's previous life, and begin.
   */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new IllegalStateError(`start() in state ${this.state}`);
    await this.membership.claimIdentity(
      this.deps.store.shared,
      (ms) => new Promise((r) => setTimeout(r, ms)),
    );
    this.setState('running');
    const offRemote = this.deps.store.onRemoteChange((backends) => this.nudgeOwned(backends));
    const offDeadline = this.deps.store.onDeadline((at) => this.heard(at));
    this.unsubscribe = () => {
      offRemote();
      offDeadline();
    };
    await this.tick();
    await this.runs.recoverOwn();
    this.nudgeOwned();
    await this.tick();
  }

  /** Stop waking; waits for the pass in progress, then hands the backends over. */
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
    await this.membership
      .leave()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'could not release backends'));
  }

  /** A commit wrote a deadline at `at`: wake by then. */
  private heard(at: number): void {
    if (at < this.heardDuringLook) this.heardDuringLook = at;
    if (at >= this.nextDue) return;
    this.nextDue = at;
    if (at < this.wakeAt && this.state === 'running' && this.deps.autoRun && !this.inFlight)
      this.setWake(at);
  }

  /** Something changed on a backend: dispatch it soon. */
  nudge(backend: string): void {
    this.dirty.add(backend);
    this.tickSoon();
  }

  /** Another node changed these backends (none named: any): dispatch those this node schedules. */
  private nudgeOwned(backends: readonly string[] = []): void {
    const owned = this.membership.ownedBackends;
    let mine = false;
    for (const b of backends.length ? backends : owned)
      if (owned.has(b)) {
        this.dirty.add(b);
        mine = true;
      }
    // A change on backends another node schedules needs no pass here: its deadlines come with
    // it (onDeadline) and wake this node only when they fall due.
    if (mine) this.tickSoon();
  }

  /** The Handoff of execution.ts (see Dispatcher.handoffSlot); none unless running. */
  handoffSlot(backend: string): { lease: Lease; lanes: number } | null {
    return this.state === 'running' ? this.dispatcher.handoffSlot(backend) : null;
  }

  /** Run a job that started in the commit that ended the previous one (execution.ts Handoff). */
  runHandedOff(job: Job): void {
    this.dispatcher.runHandedOff(job);
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

  /** One pass (see the file's header). Concurrent calls share the pass in progress. */
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
        await this.pass();
        this.health.passed();
        await this.armWake(false);
      } catch (e) {
        this.health.failed(e instanceof Error ? e.message : String(e));
        this.deps.log.error({ err: e }, 'scheduler pass failed');
        // A failed pass still wakes again: nothing else may nudge this node.
        await this.armWake(true).catch(() => {});
      }
      this.deps.events.emit('scheduler.ticked', { ms: performance.now() - t0 });
      // A nudge that arrived during the pass (even while arming the wake-up) is served now.
    } while (this.again && this.state === 'running');
  }

  private async pass(): Promise<void> {
    const beat = await this.membership.beat(this.health.problem);
    if (beat) {
      for (const b of beat.changed) this.dirty.add(b);
      await this.takeOverDead(beat.dead);
    }
    await this.runs.renew();
    // The manual clock of tests jumps: without autoRun every pass looks.
    const now = this.deps.clock.now().getTime();
    if (!this.deps.autoRun || now >= this.nextDue || now - this.lastLook >= MAX_LOOK_INTERVAL_MS) {
      this.lastLook = now;
      this.heardDuringLook = Infinity;
      if (await this.deadlines.applyDue()) this.again = true;
      const next = await this.deps.store.nextDeadline();
      this.nextDue = Math.min(next ? next.getTime() : Infinity, this.heardDuringLook);
    }
    const names = [...this.dirty];
    this.dirty.clear();
    for (const name of names) await this.dispatcher.dispatch(name);
  }

  /**
   * The in-process runs of nodes that stopped heartbeating, on the backends this node now
   * schedules. A dead node is looked at again while some of its runs are on backends that
   * another node schedules (that node takes those) or until it heartbeats again.
   */
  private async takeOverDead(dead: readonly { id: string; heartbeatAt: Date }[]): Promise<void> {
    for (const n of dead) {
      const beatAt = n.heartbeatAt.getTime();
      if (this.sweptDead.get(n.id) === beatAt) continue;
      // It may have died between a commit and telling the others: look now.
      this.nextDue = -Infinity;
      const left = await this.runs.takeOverFrom(n.id, this.membership.ownedBackends);
      if (!left) this.sweptDead.set(n.id, beatAt);
    }
  }

  private async armWake(failed: boolean): Promise<void> {
    if (!this.deps.autoRun || this.state !== 'running') return;
    const now = this.deps.clock.now().getTime();
    let at = now + this.deps.pollIntervalMs;
    if (!failed)
      at = Math.min(
        at,
        this.nextDue,
        this.lastLook + MAX_LOOK_INTERVAL_MS,
        this.membership.nextBeatAt,
        this.runs.nextRenewalAt,
      );
    else this.nextDue = -Infinity; // look again next time
    this.setWake(at);
  }

  private setWake(at: number): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    this.wakeAt = Infinity;
    if (this.state !== 'running') return;
    this.wakeAt = at;
    this.wake = setTimeout(
      () => {
        this.wake = null;
        this.wakeAt = Infinity;
        for (const b of this.membership.ownedBackends) this.dirty.add(b);
        void this.tick();
      },
      Math.max(0, at - this.deps.clock.now().getTime()),
    );
  }
}

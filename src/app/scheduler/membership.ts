/**
 * Membership: this node among the nodes that share the database.
 *
 * Every HEARTBEAT_MS a node says it is alive and renews or takes its share of the backends
 * (planOwnership: one node per backend, spread evenly over the live nodes). A node not heard
 * from for OWNERSHIP_MS is dead: its backend leases have run out, so the live nodes take its
 * backends at their next heartbeat, and its in-process runs are taken over (LocalRuns).
 *
 * Modes, in order: `joining` (until the first heartbeat) → `member` → `left` (after leave()).
 * A node that may not schedule (its passes keep failing: SchedulerHealth) stays a member that
 * claims nothing and gives back what it held.
 *
 * Identity: two processes must never share a node id (each would take the other's running jobs
 * for its own). At start a node refuses an id a live node holds; a heartbeat that finds its row
 * written by another process since its own last one reports the clash (identityClash).
 */
import type { Clock } from '../../domain/clock.js';
import { planOwnership } from '../../domain/scheduling/ownership.js';
import type { BackendCatalog } from '../backends.js';
import type { NodeRecord, Store } from '../ports.js';

/** How often a node says it is alive and renews its backends. */
export const HEARTBEAT_MS = 1000;
/** A node not heard from for this long is dead: its backends go to the others. */
export const OWNERSHIP_MS = 3000;

export type MembershipMode = 'joining' | 'member' | 'left';

/** What a heartbeat found. */
export interface Beat {
  /** Backends this node schedules from now on that it did not before, or whose status changed. */
  readonly changed: readonly string[];
  /** Nodes that stopped heartbeating: their in-process runs are to be taken over. */
  readonly dead: readonly NodeRecord[];
}

export class NodeIdInUseError extends Error {}

export interface MembershipDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly backends: BackendCatalog;
  readonly nodeId: string;
  readonly version: string;
}

export class Membership {
  private mode: MembershipMode = 'joining';
  private owned = new Set<string>();
  private lastBeat = -Infinity;
  private startedAt: Date | null = null;
  /** Another process wrote this node's row: the message, until the clash is over. */
  private clash: string | null = null;

  constructor(private readonly deps: MembershipDeps) {}

  get currentMode(): MembershipMode {
    return this.mode;
  }

  /** The backends this node schedules now. */
  get ownedBackends(): ReadonlySet<string> {
    return this.owned;
  }

  /** When the next heartbeat is due (ms since the epoch). */
  get nextBeatAt(): number {
    return this.lastBeat + HEARTBEAT_MS;
  }

  /** Set when another live process uses this node's id; null otherwise. */
  get identityClash(): string | null {
    return this.clash;
  }

  /**
   * Before the first heartbeat: refuse an id that a live node holds. A fresh row may also be a
   * previous life of this node that died a moment ago, so a fresh row is watched until it goes
   * stale (dead: take its place) or beats again (alive: refuse). `shared` false (SQLite, whose
   * file one process opens at a time): no other process can hold the id, nothing to check.
   */
  async claimIdentity(shared: boolean, sleep: (ms: number) => Promise<void>): Promise<void> {
    if (this.mode !== 'joining') throw new Error(`claimIdentity() in mode ${this.mode}`);
    this.startedAt = this.deps.clock.now();
    if (!shared) return;
    const row = async (): Promise<NodeRecord | undefined> =>
      (await this.deps.store.listNodes(this.deps.clock.now())).find(
        (n) => n.id === this.deps.nodeId,
      );
    const first = await row();
    if (!first) return;
    // Counted in sleeps, not by the clock: the other process beats in real time.
    const step = HEARTBEAT_MS / 4;
    let seen = first;
    for (let slept = 0; slept <= OWNERSHIP_MS + HEARTBEAT_MS; slept += step) {
      if (this.deps.clock.now().getTime() - seen.heartbeatAt.getTime() > OWNERSHIP_MS) return;
      await sleep(step);
      const now = await row();
      if (!now) return; // it left
      if (now.heartbeatAt.getTime() > seen.heartbeatAt.getTime())
        throw new NodeIdInUseError(
          `Node id ${this.deps.nodeId} is in use by a live node (version ${now.version}, started ${now.startedAt.toISOString()}, last heartbeat ${now.heartbeatAt.toISOString()}). Give each node its own BERTH_NODE_ID (the default is the host name and port), or stop the other node first.`,
        );
      seen = now;
    }
  }

  /**
   * The heartbeat, once HEARTBEAT_MS has passed since the last (else null): say this node is
   * alive, and renew or take its share of the backends; or, with a `problem` (why it cannot
   * schedule), give them all up and say why (the others then share the backends without it).
   */
  async beat(problem: string | null): Promise<Beat | null> {
    if (this.mode === 'left') return null;
    const { store, nodeId, clock, backends } = this.deps;
    const now = clock.now();
    if (now.getTime() - this.lastBeat < HEARTBEAT_MS) return null;
    this.lastBeat = now.getTime();
    const startedAt = this.startedAt ?? now;
    this.startedAt = startedAt;
    const changed = new Set<string>();
    // Statuses an administrator set, perhaps on another node (a pause, a resume): a backend
    // whose status changed is dispatched now.
    const before = new Map(backends.all().map((e) => [e.backend.name, e.backend.status]));
    backends.applyStates(await store.backendStates());
    for (const e of backends.all())
      if (before.get(e.backend.name) !== e.backend.status) changed.add(e.backend.name);
    const nodes = await store.listNodes(now);
    const self = nodes.find((n) => n.id === nodeId);
    // Our row, written by a process that started at another time since our last heartbeat.
    this.clash =
      this.mode === 'member' && self && self.startedAt.getTime() !== startedAt.getTime()
        ? `another process (started ${self.startedAt.toISOString()}) uses this node's id ${nodeId}; give each node its own BERTH_NODE_ID`
        : null;
    const isLive = (n: NodeRecord): boolean =>
      now.getTime() - n.heartbeatAt.getTime() <= OWNERSHIP_MS;
    // The nodes the backends are shared among: alive, and able to schedule.
    const able = new Set([
      nodeId,
      ...nodes.filter((n) => isLive(n) && !n.problem).map((n) => n.id),
    ]);
    const owners = new Map(nodes.flatMap((n) => n.backends.map((b) => [b, n.id] as const)));
    const names = backends.all().map((e) => e.backend.name);
    const why = problem ?? this.clash;
    const plan = why
      ? { claim: [], release: names.filter((b) => owners.get(b) === nodeId) }
      : planOwnership(names, owners, nodeId, able.size);
    if (plan.release.length) await store.releaseBackends(nodeId, plan.release);
    const owned = await store.heartbeat(
      { id: nodeId, version: this.deps.version, startedAt, problem: why },
      plan.claim,
      now,
      new Date(now.getTime() + OWNERSHIP_MS),
    );
    for (const b of owned) if (!this.owned.has(b)) changed.add(b);
    this.owned = new Set(owned);
    this.mode = 'member';
    return { changed: [...changed], dead: nodes.filter((n) => n.id !== nodeId && !isLive(n)) };
  }

  /** A clean stop: the backends go to the other nodes at once, not after OWNERSHIP_MS. */
  async leave(): Promise<void> {
    if (this.mode === 'left') return;
    this.mode = 'left';
    this.owned = new Set();
    await this.deps.store.leave(this.deps.nodeId);
  }
}

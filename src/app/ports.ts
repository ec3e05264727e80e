/**
 * The contracts adapters implement. `Store` is a set of *operations*, each atomic: no
 * transaction handle ever crosses this boundary, so the SQLite adapter can run each method as one
 * synchronous transaction and a PostgreSQL adapter as one short BEGIN…COMMIT.
 */
import type { Calibration, CalibrationInfo } from '../domain/backend/calibration.js';
import type { Job } from '../domain/job/job.js';
import type { DispatchSnapshot } from '../domain/scheduling/dispatch.js';
import type { QueueGroup } from '../domain/scheduling/queue-position.js';
import type { Session, SessionMode, SessionState } from '../domain/session/session.js';
import type { ApiKeyRecord, Instance } from '../domain/tenancy.js';
import type { Delivery, Webhook } from '../domain/webhook/webhook.js';

/**
 * One atomic change. Versioned rows are compare-and-set: an update is applied only if the stored
 * version is `next.version - 1`; an insert needs the id to be new. When any check fails nothing
 * is written and `commit` resolves `false` (the caller reloads and decides again).
 */
export interface Commit {
  readonly session?: { readonly next: Session; readonly insert?: boolean };
  readonly job?: { readonly next: Job; readonly insert?: boolean };
  /** More jobs changed by the same decision (the queued jobs a session's cancel ends). */
  readonly otherJobs?: readonly Job[];
  /**
   * `job` moves Queued → Running on `backend`: the store also checks, under the backend's own
   * lock, that fewer than `lanes` jobs run there and that no other dedicated session is active
   * there. Two nodes starting jobs at once cannot break either rule; a failed check is `false`.
   */
  readonly start?: { readonly backend: string; readonly lanes: number };
  /** Add usage to an instance's period (the period containing `at`), and to its user's there. */
  readonly charge?: {
    readonly instanceId: string;
    readonly userId: string;
    readonly ms: number;
    readonly at: Date;
  };
  /** Store a job's result document (JSON text). */
  readonly result?: { readonly jobId: string; readonly body: string };
  /** Append lines to a job's log. */
  readonly logs?: readonly { readonly jobId: string; readonly at: Date; readonly line: string }[];
  /**
   * Events to append to the durable log, in order, after the change's own writes. Sequence
   * numbers follow commit order: a reader that has seen event n never later finds a new event
   * numbered below n.
   */
  readonly events?: readonly DomainEvent[];
  /**
   * A second change in the same transaction, written after this one's writes, so that it may
   * build on them (the session's next version, the lane this one freed: its `start` check sees
   * this one's job already ended). Its events follow this one's. If either part's check fails,
   * nothing is written and the commit is `false`.
   */
  readonly then?: Commit;
}

/** A backend's status as an administrator set it: it overrides the configuration's. */
export interface BackendState {
  readonly name: string;
  readonly status: 'online' | 'paused';
  readonly reason: string | null;
  readonly changedAt: Date;
  readonly changedBy: string;
}

/** A commit and the changes chained to it, in the order they are written. */
export function commitParts(c: Commit): Commit[] {
  const parts: Commit[] = [];
  for (let part: Commit | undefined = c; part; part = part.then) parts.push(part);
  return parts;
}

/**
 * The earliest deadline a commit writes (ms since the epoch), or null: sessions' open, idle and
 * max deadlines, jobs' settle time, max execution time and lease. What the scheduler needs to
 * know so that it can skip looking for due deadlines until then (Store.onDeadline).
 */
export function earliestDeadline(c: Commit): number | null {
  let at = Infinity;
  const add = (d: Date | null): void => {
    if (d && d.getTime() < at) at = d.getTime();
  };
  for (const p of commitParts(c)) {
    const s = p.session?.next;
    if (s) for (const d of [s.openDeadline, s.idleDeadline, s.maxDeadline]) add(d);
    for (const j of [...(p.job ? [p.job.next] : []), ...(p.otherJobs ?? [])])
      for (const d of [j.settleAt, j.costDeadline, j.leaseUntil]) add(d);
  }
  return at === Infinity ? null : at;
}

/** What the event log records: a subject as it was right after a change. */
export type DomainEvent =
  | { readonly type: 'session.state_changed'; readonly at: Date; readonly session: Session }
  | { readonly type: 'job.state_changed'; readonly at: Date; readonly job: Job }
  | {
      readonly type: 'job.log';
      readonly at: Date;
      readonly jobId: string;
      readonly instanceId: string;
      readonly sessionId: string | null;
      readonly line: string;
    };

export type EventType = DomainEvent['type'];

/** An event as read back from the log: its sequence number and who it concerns. */
export type StoredEvent = DomainEvent & {
  readonly seq: number;
  readonly instanceId: string;
  readonly sessionId: string | null;
  readonly jobId: string | null;
};

/** Which events to read: after `after` (a sequence number), optionally narrowed. */
export interface EventFilter {
  readonly after: number;
  readonly instanceId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly jobId?: string | undefined;
}

/** A page request. */
export interface Page {
  readonly limit: number;
  readonly offset: number;
}

/** A page of results with the exact total (the Python client pages on `count`). */
export interface PageOf<T> {
  readonly items: T[];
  readonly count: number;
}

/** Filters of GET /sessions. */
export interface SessionFilter {
  readonly instanceIds: readonly string[];
  readonly state?: SessionState | undefined;
  readonly backend?: string | undefined;
  readonly mode?: SessionMode | undefined;
}

/** Filters of GET /jobs. */
export interface JobFilter {
  readonly instanceIds: readonly string[];
  readonly pending?: boolean | undefined;
  readonly programId?: string | undefined;
  readonly backend?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly ascending?: boolean | undefined;
}

/** A deadline that has come due, with the time it was due. */
export type DueItem =
  | { readonly kind: 'session'; readonly id: string; readonly at: Date }
  | { readonly kind: 'job_settle'; readonly id: string; readonly at: Date }
  | { readonly kind: 'job_cost'; readonly id: string; readonly at: Date }
  | { readonly kind: 'job_lease'; readonly id: string; readonly at: Date };

/** What live usage is computed from (domain/usage.ts `liveUsageMs`). */
export interface UsageInputs {
  /** Usage settled in the period containing `now`. */
  readonly settledMs: number;
  /** The instance's sessions that accrue usage now (active, or with running jobs). */
  readonly liveSessions: readonly Session[];
  /** Running jobs outside sessions: how many, and the sum of their start times (epoch ms). */
  readonly sessionless: { readonly count: number; readonly startSumMs: number };
  /** `settledMs` by user (less in all when usage was settled before users were accounted). */
  readonly settledByUser: readonly { readonly userId: string; readonly ms: number }[];
  /** `sessionless` by user. */
  readonly sessionlessByUser: readonly {
    readonly userId: string;
    readonly count: number;
    readonly startSumMs: number;
  }[];
}

/** A Berth node as the store knows it (GET /api/v1/nodes). */
export interface NodeRecord {
  readonly id: string;
  readonly version: string;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  /** Why it cannot schedule now (it claims no backends), or null. */
  readonly problem: string | null;
  /** The backends it schedules (holds an unexpired lease on). */
  readonly backends: readonly string[];
}

/** Counts for metrics and the backends list. */
export interface StoreStats {
  readonly jobsByStatus: Record<string, number>;
  readonly sessionsByState: Record<string, number>;
  readonly queuedByBackend: Record<string, number>;
  readonly runningByBackend: Record<string, number>;
}

/** Persistence. Every method is atomic; none holds a transaction across an await. */
export interface Store {
  /**
   * Whether other processes may use this database at the same time (PostgreSQL). SQLite's file
   * is opened by one process at a time (adr/0005), so node ids cannot clash there.
   */
  readonly shared: boolean;
  /** Apply one atomic change; false when a version check failed. */
  commit(change: Commit): Promise<boolean>;

  getSession(id: string): Promise<Session | null>;
  listSessions(filter: SessionFilter, page: Page): Promise<PageOf<Session>>;
  getJob(id: string): Promise<Job | null>;
  listJobs(filter: JobFilter, page: Page): Promise<PageOf<Job>>;
  /** Delete a final job with its result and logs; false when it changed meanwhile. */
  deleteJob(id: string, version: number): Promise<boolean>;
  getResult(jobId: string): Promise<string | null>;
  getLogs(jobId: string): Promise<{ at: Date; line: string }[]>;

  /**
   * The queue heads the dispatch policy picks from on one backend (no ordering rule applied).
   * With `depth` > 1, each normal-queue head also lists up to `depth` − 1 of its instance's
   * following jobs (InstanceHead.following), for a batch of starts (pickJobs).
   */
  loadDispatchSnapshot(
    backend: { name: string; lanes: number; online: boolean },
    now: Date,
    depth?: number,
  ): Promise<DispatchSnapshot>;
  /** The backend's queued jobs by session and instance, counted against `job` (queue-position.ts). */
  queueGroups(job: Job, now: Date): Promise<QueueGroup[]>;
  /** Running times (ms) of the latest completed jobs on a backend, newest first. */
  recentDurations(backend: string, limit: number): Promise<number[]>;
  /** Earliest armed deadline, or null. */
  nextDeadline(): Promise<Date | null>;
  /** Deadlines due at or before `now`, earliest first. */
  dueItems(now: Date, limit: number): Promise<DueItem[]>;
  /** Running jobs leased to `workerId` (a restarted node takes its own back at once). */
  leasedJobs(workerId: string): Promise<Job[]>;
  /**
   * The oldest Running job of an external backend that no worker holds (its worker was lost
   * and it waits to run again), or null.
   */
  releasedJob(backend: string): Promise<Job | null>;
  /**
   * Queued jobs of a session, oldest first (a cancelling close ends them); at most `limit`
   * (a hand-over needs only the oldest).
   */
  queuedJobs(sessionId: string, limit?: number): Promise<Job[]>;
  /** What an instance's usage in the period containing `now` is computed from. */
  usageInputs(instanceId: string, now: Date): Promise<UsageInputs>;
  stats(): Promise<StoreStats>;
  /** Queued and running jobs of one backend. */
  backendLoad(backend: string): Promise<{ queued: number; running: number }>;

  /** Events after `filter.after` (ascending), at most `limit`. */
  readEvents(filter: EventFilter, limit: number): Promise<StoredEvent[]>;
  /** The newest event's sequence number (0 when the log is empty). */
  lastEventSeq(): Promise<number>;
  /** Delete events older than `before`; returns how many. */
  pruneEvents(before: Date): Promise<number>;
  /**
   * Call `listener` after every commit that appended events (in this process; a multi-process
   * adapter would relay its database's notifications). Returns the unsubscribe function.
   */
  onEventsAppended(listener: () => void): () => void;
  /**
   * Call `listener` with the earliest deadline (ms since the epoch) of each commit that wrote
   * one: this process's commits, and (PostgreSQL) other nodes' commits that appended events.
   * Deadlines are still only in the database; this tells a scheduler when to look again.
   */
  onDeadline(listener: (at: number) => void): () => void;

  /**
   * A node's heartbeat: record it alive at `now`, and hold the lease on each of `backends` that
   * it already holds or whose lease has run out, until `until`. Returns the backends it holds:
   * each backend is scheduled by one node at a time.
   */
  heartbeat(
    node: {
      readonly id: string;
      readonly version: string;
      readonly startedAt: Date;
      /** Why it cannot schedule now, or null. */
      readonly problem: string | null;
    },
    backends: readonly string[],
    now: Date,
    until: Date,
  ): Promise<string[]>;
  /** Give up some of a node's backend leases (above its share): others take them at once. */
  releaseBackends(nodeId: string, backends: readonly string[]): Promise<void>;
  /**
   * A clean stop: the node's backend leases and its row go, so the others take its backends at
   * their next heartbeat and no longer count it among the live nodes.
   */
  leave(nodeId: string): Promise<void>;
  /** The nodes, with the backends each schedules at `now`. */
  listNodes(now: Date): Promise<NodeRecord[]>;
  /**
   * Call `listener` after another node's commit appended events, with the backends it touched
   * (never for this process's own commits; the SQLite store, one process by design, never
   * calls it). An empty list: any backend may have changed (a lost notification connection).
   */
  onRemoteChange(listener: (backends: readonly string[]) => void): () => void;
  /** Whether the database answers now (GET /ready). */
  ping(): Promise<boolean>;
  /** The statuses administrators set on backends (over the configuration's), by name. */
  backendStates(): Promise<BackendState[]>;
  /** Record a status an administrator set on a backend (it replaces the previous one). */
  setBackendState(state: BackendState): Promise<void>;
  /** Record a calibration; one already recorded (same backend and id) stays as it is. */
  recordCalibration(calibration: Calibration): Promise<void>;
  /** A backend's calibrations, newest first, without their documents. */
  listCalibrations(backend: string): Promise<CalibrationInfo[]>;
  getCalibration(backend: string, id: string): Promise<Calibration | null>;
  /** The newest calibration of a backend updated at or before `at`. */
  calibrationBefore(backend: string, at: Date): Promise<Calibration | null>;

  /** Make the stored instances match configuration (insert or update; never delete). */
  syncInstances(instances: readonly Instance[]): Promise<void>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  getKey(id: string): Promise<ApiKeyRecord | null>;
  createKey(key: ApiKeyRecord): Promise<void>;
  listKeys(): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, at: Date): Promise<boolean>;
  /** The named secret, created from `make()` on first use. */
  ensureSecret(name: string, make: () => string): Promise<string>;

  close(): Promise<void>;
}

/** A delivery to create: one event for one webhook. */
export type NewDelivery = Pick<Delivery, 'webhookId' | 'eventSeq' | 'eventType' | 'payload'> & {
  readonly createdAt: Date;
};

/** Webhooks and their deliveries. Every method is atomic. */
export interface WebhookStore {
  createWebhook(w: Webhook): Promise<void>;
  getWebhook(id: string): Promise<Webhook | null>;
  listWebhooks(instanceId: string): Promise<Webhook[]>;
  /** Delete a webhook; its pending deliveries fail. False when there was none. */
  deleteWebhook(id: string, at: Date): Promise<boolean>;
  /** Every webhook not deleted (the fan-out's view). */
  activeWebhooks(): Promise<Webhook[]>;
  /** The last event already turned into deliveries (the log's end on first use). */
  deliveryCursor(): Promise<number>;
  /** Insert deliveries (a duplicate is ignored) and move the cursor to `cursor`, atomically. */
  enqueueDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<void>;
  /**
   * Claim pending deliveries due at `now`, earliest first, for `claim.owner` until
   * `claim.until`: no other dispatcher gets them until then (or until they are saved).
   */
  claimDueDeliveries(
    now: Date,
    limit: number,
    claim: { readonly owner: string; readonly until: Date },
  ): Promise<Delivery[]>;
  /** When the earliest pending delivery is due (or its claim ends), or null. */
  nextDeliveryAt(): Promise<Date | null>;
  /** Store a delivery after an attempt. */
  saveDelivery(d: Delivery): Promise<void>;
  /** Deliveries by status (metrics). */
  deliveryCounts(): Promise<Record<string, number>>;
  /** A webhook's deliveries, newest first. */
  listDeliveries(webhookId: string, page: Page): Promise<PageOf<Delivery>>;
}

/** What an executor reports for one run. */
export type ExecutionOutcome =
  | { readonly kind: 'completed'; readonly resultJson: string; readonly logs: readonly string[] }
  | { readonly kind: 'failed'; readonly reason: string; readonly logs: readonly string[] }
  | { readonly kind: 'stopped' };

/** Runs programs. Knows nothing of storage; cancellation through the signal. */
export interface Executor {
  run(
    job: {
      readonly id: string;
      readonly programId: string;
      readonly params: unknown;
      readonly backend: string;
      /** Run with this calibration's noise (null or absent: the backend's newest). */
      readonly calibrationId?: string | null;
    },
    signal: AbortSignal,
  ): Promise<ExecutionOutcome>;
  close(): Promise<void>;
}

/**
 * Checks a program's params at submission, so that invalid input is a 400 and never a job that
 * fails later for a reason known up front. Returns the total shots (for the execution model).
 */
export interface ProgramRegistry {
  has(programId: string): boolean;
  /** Rejects with AppError('invalid_params') and the reason. */
  check(programId: string, params: unknown, backend: string): Promise<{ totalShots: number }>;
  /**
   * A worker's result for a job of `programId` with `params`, as it is to be stored (JSON
   * text); rejects with AppError('invalid_result') naming what its readers could not read.
   */
  checkResult(programId: string, params: unknown, result: unknown): string;
  /** A job's circuits drawn for reading (the job page's circuit view). */
  diagrams(programId: string, params: unknown): CircuitDiagramEntry[];
  /** Stop any thread it uses. */
  close(): Promise<void>;
}

/**
 * One operation of a circuit diagram: a gate call as written, a measurement, a block… The
 * diagram types mirror quantum/frontend/diagram.ts's, which app/ may not import; the registry
 * (worker/programs.ts) hands one for the other, and the compiler checks they match.
 */
export interface DiagramOperation {
  readonly kind: 'gate' | 'measure' | 'reset' | 'delay' | 'if' | 'while';
  readonly name: string;
  readonly params: readonly string[];
  readonly qubits: readonly number[];
  readonly clbits: readonly number[];
}

/** A circuit as a diagram draws it: its active qubits as rows, its operations in order. */
export interface CircuitDiagram {
  readonly numQubits: number;
  readonly numClbits: number;
  readonly qubits: readonly { readonly index: number; readonly label: string }[];
  readonly clbits: readonly { readonly index: number; readonly label: string }[];
  readonly operations: readonly DiagramOperation[];
  readonly totalOperations: number;
  readonly truncated: boolean;
}

/** One circuit of a job, drawn, or why it is not. */
export type CircuitDiagramEntry =
  | { readonly index: number; readonly diagram: CircuitDiagram }
  | { readonly index: number; readonly error: string };

/** A started job as an executor sees it: what to run, and which lease and run it is. */
export interface RunnableJob {
  readonly id: string;
  readonly programId: string;
  readonly params: unknown;
  readonly backend: string;
  readonly workerId: string | null;
  readonly attempts: number;
}

/** Executes started jobs (the in-process worker); the scheduler hands it every job it starts. */
export interface JobRunner {
  /** Begin executing a job that is now Running (its outcome counts only under this lease). */
  run(job: RunnableJob): void;
  /** Ask a running execution to stop (cancel, or max execution time passed). */
  stop(jobId: string): void;
  /** Whether a run of the job is in progress here (its lease is renewed only while it is). */
  has(jobId: string): boolean;
}

/** Structured logging (pino's shape); never given secrets. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The embedded store: better-sqlite3 in WAL mode. Each method is one synchronous transaction,
 * so no transaction ever spans an `await` (WiseLibs/better-sqlite3#319).
 *
 * A file database is opened with `locking_mode = EXCLUSIVE`: SQLite mode is single-process by
 * design, and the OS lock (released even on SIGKILL) makes a second server on the same file fail
 * at start-up instead of corrupting the scheduling. It also lets WAL skip shared memory.
 */
import Database from 'better-sqlite3';
import { commitParts, earliestDeadline } from '../../app/ports.js';
import type {
  BackendState,
  Commit,
  DomainEvent,
  DueItem,
  EventFilter,
  JobFilter,
  NodeRecord,
  Page,
  PageOf,
  SessionFilter,
  Store,
  StoreStats,
  StoredEvent,
  UsageInputs,
} from '../../app/ports.js';
import { type Clock, systemClock } from '../../domain/clock.js';
import type { Calibration, CalibrationInfo } from '../../domain/backend/calibration.js';
import type { Job } from '../../domain/job/job.js';
import { type DispatchSnapshot, normalQueueMatters } from '../../domain/scheduling/dispatch.js';
import type { QueueGroup } from '../../domain/scheduling/queue-position.js';
import type { Session } from '../../domain/session/session.js';
import type { ApiKeyRecord, Instance } from '../../domain/tenancy.js';
import { usagePeriod } from '../../domain/usage.js';
import { sqliteMigrations } from '../generated/migrations.js';
import { type AppliedMigration, type Migration, planMigrations } from '../migrate.js';
import * as q from './queries.js';
import { RowCache } from './row-cache.js';
import { SqliteWebhookStore } from './webhook-store.js';
import {
  type BackendStateRow,
  backendStateFromRow,
  backendStateParams,
  type CalibrationRow,
  calibrationFromRow,
  calibrationInfoFromRow,
  calibrationParams,
  type EventRow,
  type JobRow,
  type ActiveRow,
  type QueueGroupRow,
  type KeyRow,
  type NodeRow,
  type SessionRow,
  activeHead,
  type CandidateRow,
  normalHeads,
  queueGroup,
  type SessionlessRow,
  chargeParams,
  usageInputsFrom,
  eventFromRow,
  eventParams,
  jobFromRow,
  jobParams,
  keyFromRow,
  instanceParams,
  keyParams,
  nodesFromRows,
  sessionFromRow,
  sessionParams,
} from '../rows.js';

/** Options of the embedded store. */
export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  readonly path: string;
  /** 'normal' survives any process crash; 'full' also survives power loss, at an fsync per commit. */
  readonly synchronous?: 'normal' | 'full';
  /** Embedded migrations (tests may pass their own). */
  readonly migrations?: readonly Migration[];
  /** Stamps the migration ledger. */
  readonly clock?: Clock;
  /** How long to wait for the database lock (a previous server still shutting down). */
  readonly lockTimeoutMs?: number;
}

const CONFLICT = Symbol('version conflict');
/** Sessions and jobs kept decoded: the hot reads (clients poll them) then skip SQLite. */
const CACHE_ROWS = 20_000;

/** A unique index refused the write: a duplicate id, or a second active dedicated session. */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The SQLite implementation of the Store port. */
export class SqliteStore implements Store {
  readonly shared = false;
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly applyCommit: (c: Commit) => void;
  private readonly sessions = new RowCache<Session>(CACHE_ROWS);
  private readonly jobs = new RowCache<Job>(CACHE_ROWS);
  private closed = false;
  /** Set by a commit that appended events; listeners run once it has committed. */
  private eventsPending = false;
  private notifying = false;
  private readonly eventListeners = new Set<() => void>();
  private readonly deadlineListeners = new Set<(at: number) => void>();
  private webhookStore: SqliteWebhookStore | null = null;

  constructor(options: SqliteStoreOptions) {
    this.db = openDatabase(options);
    migrate(this.db, options.migrations ?? sqliteMigrations, options.clock ?? systemClock);
    this.applyCommit = this.db.transaction((c: Commit) => this.writeCommit(c));
  }

  /** A prepared statement, prepared once. */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  async commit(c: Commit): Promise<boolean> {
    try {
      this.applyCommit(c);
    } catch (e) {
      this.eventsPending = false;
      if (e === CONFLICT || isUniqueViolation(e)) return false;
      throw e;
    }
    this.afterCommit(c);
    const due = earliestDeadline(c);
    if (due !== null) for (const fn of this.deadlineListeners) fn(due);
    if (this.eventsPending) {
      this.eventsPending = false;
      this.notifySoon();
    }
    return true;
  }

  /**
   * Listeners (event streams, webhook fan-out) hear of new events right after this turn of the
   * event loop, once for all of its commits: the answer to the request that committed them is
   * written first.
   */
  private notifySoon(): void {
    if (this.notifying) return;
    this.notifying = true;
    setImmediate(() => {
      this.notifying = false;
      if (this.closed) return;
      for (const fn of this.eventListeners) fn();
    });
  }

  /** Keep the row caches equal to what was just committed. */
  private afterCommit(commit: Commit): void {
    for (const c of commitParts(commit)) this.cacheCommitted(c);
  }

  private cacheCommitted(c: Commit): void {
    if (c.session)
      this.sessions.set(c.session.next.id, {
        ...c.session.next,
        usageMs: Math.round(c.session.next.usageMs),
      });
    if (c.job) {
      // A new job's params are cached only once read back, so that they are exactly the stored JSON.
      if (c.job.insert) this.jobs.delete(c.job.next.id);
      else this.jobs.set(c.job.next.id, c.job.next);
    }
    for (const j of c.otherJobs ?? []) this.jobs.set(j.id, j);
  }

  private writeCommit(commit: Commit): void {
    for (const c of commitParts(commit)) this.writePart(c);
  }

  private writePart(c: Commit): void {
    if (c.start && c.job) this.checkStart(c.start, c.job.next);
    if (c.session) {
      const params = sessionParams(c.session.next);
      const r = this.st(c.session.insert ? q.INSERT_SESSION : q.UPDATE_SESSION).run(params);
      if (r.changes !== 1) throw CONFLICT;
    }
    if (c.job) {
      const params = jobParams(c.job.next);
      const r = this.st(c.job.insert ? q.INSERT_JOB : q.UPDATE_JOB).run(params);
      if (r.changes !== 1) throw CONFLICT;
      if (c.job.insert)
        this.st(q.INSERT_PARAMS).run({
          job_id: c.job.next.id,
          body: JSON.stringify(c.job.next.params ?? null),
        });
    }
    for (const j of c.otherJobs ?? []) {
      if (this.st(q.UPDATE_JOB).run(jobParams(j)).changes !== 1) throw CONFLICT;
    }
    if (c.charge && c.charge.ms > 0) {
      const params = chargeParams(c.charge);
      this.st(q.CHARGE).run(params);
      this.st(q.CHARGE_USER).run(params);
    }
    if (c.result) this.st(q.INSERT_RESULT).run({ job_id: c.result.jobId, body: c.result.body });
    for (const l of c.logs ?? []) this.st(q.INSERT_LOG).run(l.jobId, l.at.getTime(), l.line);
    for (const e of c.events ?? []) this.appendEvent(e);
  }

  /** The start commit's rules (one writer: the exclusive lock already serialises them). */
  private checkStart(start: NonNullable<Commit['start']>, job: Job): void {
    const running = (this.st(q.RUNNING_ON_BACKEND).get({ backend: start.backend }) as { n: number })
      .n;
    if (running >= start.lanes) throw CONFLICT;
    if (this.st(q.OTHER_DEDICATED).get({ backend: start.backend, session_id: job.sessionId }))
      throw CONFLICT;
  }

  private appendEvent(e: DomainEvent): void {
    this.st(q.INSERT_EVENT).run(eventParams(e));
    this.eventsPending = true;
  }

  async readEvents(f: EventFilter, limit: number): Promise<StoredEvent[]> {
    const where = ['seq > ?'];
    const args: unknown[] = [f.after];
    const add = (sql: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    add('instance_id = ?', f.instanceId);
    add('session_id = ?', f.sessionId);
    add('job_id = ?', f.jobId);
    const rows = this.st(
      `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
    ).all(...args, limit) as EventRow[];
    return rows.map(eventFromRow);
  }

  async lastEventSeq(): Promise<number> {
    return (this.st(q.LAST_EVENT_SEQ).get() as { seq: number }).seq;
  }

  async pruneEvents(before: Date): Promise<number> {
    return this.st(q.PRUNE_EVENTS).run({ before: before.getTime() }).changes;
  }

  onDeadline(listener: (at: number) => void): () => void {
    this.deadlineListeners.add(listener);
    return () => this.deadlineListeners.delete(listener);
  }

  onEventsAppended(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async getSession(id: string): Promise<Session | null> {
    const hit = this.sessions.get(id);
    if (hit) return hit;
    const r = this.st(q.GET_SESSION).get({ id }) as SessionRow | undefined;
    if (!r) return null;
    const s = sessionFromRow(r);
    this.sessions.set(id, s);
    return s;
  }

  async listSessions(f: SessionFilter, page: Page): Promise<PageOf<Session>> {
    const { where, args, add } = conditions(f.instanceIds);
    add('state = ?', f.state);
    add('backend = ?', f.backend);
    add('mode = ?', f.mode);
    const w = where.join(' AND ');
    const count = (
      this.st(`SELECT COUNT(*) AS n FROM sessions WHERE ${w}`).get(...args) as { n: number }
    ).n;
    const rows = this.st(
      `SELECT * FROM sessions WHERE ${w} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
    ).all(...args, page.limit, page.offset) as SessionRow[];
    return { items: rows.map(sessionFromRow), count };
  }

  async getJob(id: string): Promise<Job | null> {
    const hit = this.jobs.get(id);
    if (hit) return hit;
    const r = this.st(q.GET_JOB).get({ id }) as JobRow | undefined;
    if (!r) return null;
    const j = jobFromRow(r);
    this.jobs.set(id, j);
    return j;
  }

  async listJobs(f: JobFilter, page: Page): Promise<PageOf<Job>> {
    const { where, args, add } = conditions(f.instanceIds);
    if (f.pending === true) where.push(`status IN ('Queued', 'Running')`);
    if (f.pending === false) where.push(`status IN ('Completed', 'Failed', 'Cancelled')`);
    add('program_id = ?', f.programId);
    add('backend = ?', f.backend);
    add('session_id = ?', f.sessionId);
    add('created_at >= ?', f.createdAfter?.getTime());
    add('created_at <= ?', f.createdBefore?.getTime());
    for (const tag of f.tags ?? []) {
      add('EXISTS (SELECT 1 FROM json_each(jobs.tags) WHERE json_each.value = ?)', tag);
    }
    const w = where.join(' AND ');
    const dir = f.ascending ? 'ASC' : 'DESC';
    const count = (
      this.st(`SELECT COUNT(*) AS n FROM jobs WHERE ${w}`).get(...args) as { n: number }
    ).n;
    const rows = this.st(
      `${q.JOB_SELECT} WHERE ${w} ORDER BY created_at ${dir}, seq ${dir} LIMIT ? OFFSET ?`,
    ).all(...args, page.limit, page.offset) as JobRow[];
    return { items: rows.map(jobFromRow), count };
  }

  async deleteJob(id: string, version: number): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.st(q.DELETE_JOB).run({ id, version });
      if (r.changes !== 1) return false;
      this.st(q.DELETE_RESULT).run(id);
      this.st(q.DELETE_LOGS).run(id);
      this.st(q.DELETE_PARAMS).run(id);
      this.jobs.delete(id);
      return true;
    })();
  }

  async getResult(jobId: string): Promise<string | null> {
    const r = this.st(q.GET_RESULT).get(jobId) as { body: string } | undefined;
    return r?.body ?? null;
  }

  async getLogs(jobId: string): Promise<{ at: Date; line: string }[]> {
    const rows = this.st(q.GET_LOGS).all(jobId) as { at: number; line: string }[];
    return rows.map((r) => ({ at: new Date(r.at), line: r.line }));
  }

  async loadDispatchSnapshot(
    backend: { name: string; lanes: number; online: boolean },
    now: Date,
    depth = 1,
  ): Promise<DispatchSnapshot> {
    return this.db.transaction((): DispatchSnapshot => {
      const base = {
        lanes: backend.lanes,
        online: backend.online,
        running: (this.st(q.RUNNING_ON_BACKEND).get({ backend: backend.name }) as { n: number }).n,
        active: [],
        normalHeads: [],
      };
      if (!backend.online || base.running >= backend.lanes) return base;
      const active = (this.st(q.ACTIVE_HEADS).all(backend.name) as ActiveRow[]).map(activeHead);
      if (!normalQueueMatters(active)) return { ...base, active };
      const rows = this.st(q.NORMAL_HEADS).all({
        backend: backend.name,
        period_start: usagePeriod(now).start.getTime(),
        depth: Math.max(1, depth),
      }) as (CandidateRow & { usage_ms: number; share: number })[];
      return { ...base, active, normalHeads: normalHeads(rows) };
    })();
  }

  async queueGroups(job: Job, now: Date): Promise<QueueGroup[]> {
    const rows = this.st(q.QUEUE_GROUPS).all({
      backend: job.backend,
      id: job.id,
      period_start: usagePeriod(now).start.getTime(),
    }) as QueueGroupRow[];
    return rows.map(queueGroup);
  }

  async recentDurations(backend: string, limit: number): Promise<number[]> {
    const rows = this.st(q.RECENT_DURATIONS).all({ backend, limit }) as { ms: number }[];
    return rows.map((r) => r.ms);
  }

  async nextDeadline(): Promise<Date | null> {
    const r = this.st(q.NEXT_DEADLINE).get() as { t: number | null };
    return r.t === null ? null : new Date(r.t);
  }

  async dueItems(now: Date, limit: number): Promise<DueItem[]> {
    const rows = this.st(q.DUE_ITEMS).all({ now: now.getTime(), limit }) as {
      kind: DueItem['kind'];
      id: string;
      at: number;
    }[];
    return rows.map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at) }));
  }

  async leasedJobs(workerId: string): Promise<Job[]> {
    return (this.st(q.LEASED_JOBS).all({ worker_id: workerId }) as JobRow[]).map(jobFromRow);
  }

  async releasedJob(backend: string): Promise<Job | null> {
    const r = this.st(q.RELEASED_JOB).get({ backend }) as JobRow | undefined;
    return r ? jobFromRow(r) : null;
  }

  async queuedJobs(sessionId: string, limit = -1): Promise<Job[]> {
    // LIMIT -1: no limit, in SQLite.
    return (this.st(q.QUEUED_OF_SESSION).all({ session_id: sessionId, limit }) as JobRow[]).map(
      jobFromRow,
    );
  }

  async usageInputs(instanceId: string, now: Date): Promise<UsageInputs> {
    return this.db.transaction((): UsageInputs => {
      const period = usagePeriod(now).start.getTime();
      const settled = this.st(q.SETTLED_USAGE).get({
        instance_id: instanceId,
        period_start: period,
      }) as { usage_ms: number } | undefined;
      const live = (this.st(q.LIVE_SESSIONS).all({ instance_id: instanceId }) as SessionRow[]).map(
        sessionFromRow,
      );
      const sessionless = this.st(q.SESSIONLESS_RUNNING).all(instanceId) as SessionlessRow[];
      const byUser = this.st(q.SETTLED_USAGE_BY_USER).all({
        instance_id: instanceId,
        period_start: period,
      }) as { user_id: string; usage_ms: number }[];
      return usageInputsFrom(settled?.usage_ms ?? 0, live, sessionless, byUser);
    })();
  }

  async stats(): Promise<StoreStats> {
    const tally = (rows: { k: string; n: number }[]): Record<string, number> =>
      Object.fromEntries(rows.map((r) => [r.k, r.n]));
    const load = this.st(q.BACKEND_LOAD).all() as { backend: string; status: string; n: number }[];
    const by = (status: string): Record<string, number> =>
      tally(load.filter((r) => r.status === status).map((r) => ({ k: r.backend, n: r.n })));
    return {
      jobsByStatus: tally(
        (this.st(q.JOBS_BY_STATUS).all() as { status: string; n: number }[]).map((r) => ({
          k: r.status,
          n: r.n,
        })),
      ),
      sessionsByState: tally(
        (this.st(q.SESSIONS_BY_STATE).all() as { state: string; n: number }[]).map((r) => ({
          k: r.state,
          n: r.n,
        })),
      ),
      queuedByBackend: by('Queued'),
      runningByBackend: by('Running'),
    };
  }

  async backendLoad(backend: string): Promise<{ queued: number; running: number }> {
    return this.st(q.ONE_BACKEND_LOAD).get({ backend }) as { queued: number; running: number };
  }

  async heartbeat(
    node: Parameters<Store['heartbeat']>[0],
    backends: readonly string[],
    now: Date,
    until: Date,
  ): Promise<string[]> {
    return this.db.transaction(() => {
      const t = now.getTime();
      this.st(q.UPSERT_NODE).run({
        id: node.id,
        version: node.version,
        started_at: node.startedAt.getTime(),
        now: t,
        problem: node.problem,
      });
      for (const backend of backends)
        this.st(q.CLAIM_BACKEND).run({ backend, node_id: node.id, until: until.getTime(), now: t });
      const owned = this.st(q.OWNED_BACKENDS).all({ node_id: node.id, now: t }) as {
        backend: string;
      }[];
      return owned.map((r) => r.backend);
    })();
  }

  async releaseBackends(nodeId: string, backends: readonly string[]): Promise<void> {
    for (const backend of backends) this.st(q.RELEASE_BACKEND).run({ node_id: nodeId, backend });
  }

  async leave(nodeId: string): Promise<void> {
    this.db.transaction(() => {
      this.st(q.RELEASE_BACKENDS).run({ node_id: nodeId });
      this.st(q.DELETE_NODE).run({ node_id: nodeId });
    })();
  }

  async listNodes(now: Date): Promise<NodeRecord[]> {
    const nodes = this.st(q.LIST_NODES).all() as NodeRow[];
    const owners = this.st(q.LIVE_OWNERS).all({ now: now.getTime() }) as {
      backend: string;
      node_id: string;
    }[];
    return nodesFromRows(nodes, owners);
  }

  async backendStates(): Promise<BackendState[]> {
    return (this.st(q.LIST_BACKEND_STATES).all() as BackendStateRow[]).map(backendStateFromRow);
  }

  async setBackendState(state: BackendState): Promise<void> {
    this.st(q.SET_BACKEND_STATE).run(backendStateParams(state));
  }

  async recordCalibration(c: Calibration): Promise<void> {
    this.st(q.INSERT_CALIBRATION).run(calibrationParams(c));
  }

  async listCalibrations(backend: string): Promise<CalibrationInfo[]> {
    return (this.st(q.LIST_CALIBRATIONS).all({ backend }) as CalibrationRow[]).map(
      calibrationInfoFromRow,
    );
  }

  async getCalibration(backend: string, id: string): Promise<Calibration | null> {
    const r = this.st(q.GET_CALIBRATION).get({ backend, id }) as CalibrationRow | undefined;
    return r ? calibrationFromRow(r) : null;
  }

  async calibrationBefore(backend: string, at: Date): Promise<Calibration | null> {
    const r = this.st(q.CALIBRATION_BEFORE).get({ backend, before: at.getTime() }) as
      CalibrationRow | undefined;
    return r ? calibrationFromRow(r) : null;
  }

  /** One process by design: no other node commits. */
  onRemoteChange(_listener: (backends: readonly string[]) => void): () => void {
    return () => {};
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async syncInstances(instances: readonly Instance[]): Promise<void> {
    this.db.transaction(() => {
      for (const i of instances) this.st(q.UPSERT_INSTANCE).run(instanceParams(i));
    })();
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const r = this.st(q.KEY_BY_HASH).get({ hash }) as KeyRow | undefined;
    return r ? keyFromRow(r) : null;
  }

  async getKey(id: string): Promise<ApiKeyRecord | null> {
    const r = this.st(q.KEY_BY_ID).get({ id }) as KeyRow | undefined;
    return r ? keyFromRow(r) : null;
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    this.st(q.INSERT_KEY).run(keyParams(key));
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return (this.st(q.LIST_KEYS).all() as KeyRow[]).map(keyFromRow);
  }

  async revokeKey(id: string, at: Date): Promise<boolean> {
    return this.st(q.REVOKE_KEY).run({ at: at.getTime(), id }).changes === 1;
  }

  async ensureSecret(name: string, make: () => string): Promise<string> {
    return this.db.transaction(() => {
      this.st(q.INSERT_SECRET).run({ name, value: make() });
      return (this.st(q.GET_SECRET).get({ name }) as { value: string }).value;
    })();
  }

  /** The webhook tables, on this connection (same transactions, same lock). */
  webhooks(): SqliteWebhookStore {
    return (this.webhookStore ??= new SqliteWebhookStore(this.db));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sessions.clear();
    this.jobs.clear();
    this.db.close();
  }
}

/** A WHERE clause builder: the caller's instances, then optional conditions. */
function conditions(instanceIds: readonly string[]) {
  const where = [`instance_id IN (${instanceIds.map(() => '?').join(', ')})`];
  const args: unknown[] = [...instanceIds];
  const add = (sql: string, value: unknown): void => {
    if (value === undefined) return;
    where.push(sql);
    args.push(value);
  };
  return { where, args, add };
}

function openDatabase(options: SqliteStoreOptions): Database.Database {
  const db = new Database(options.path, { timeout: options.lockTimeoutMs ?? 2000 });
  try {
    if (options.path !== ':memory:') {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
    }
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = OFF');
    // Take the exclusive lock now, so that a second server fails here with a clear message.
    db.exec('BEGIN IMMEDIATE; COMMIT;');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(
        `the database ${options.path} is in use by another Berth server (SQLite mode is single-process)`,
        { cause: e },
      );
    }
    throw e;
  }
  return db;
}

function migrate(db: Database.Database, embedded: readonly Migration[], clock: Clock): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db
    .prepare('SELECT version, checksum FROM schema_migrations')
    .all() as AppliedMigration[];
  for (const m of planMigrations(embedded, applied)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
      ).run(m.version, m.name, m.checksum, clock.now().getTime());
    })();
  }
}

/**
 * The PostgreSQL store (`BERTH_DB=postgres://…`): the same port as the SQLite store, for any
 * number of Berth nodes on one database. Each method is one short transaction on a pooled
 * connection; nothing is cached in the process, because other nodes write too.
 *
 * What several writers need, and where it is:
 * - compare-and-set on versions, as in SQLite (an UPDATE … WHERE version = n-1 that hits 0 rows);
 * - the start commit takes the backend's advisory lock before it counts lanes and looks for an
 *   active dedicated session, so two nodes cannot both take the last lane (plus a partial unique
 *   index on the dedicated session);
 * - event sequence numbers follow commit order: a commit that appends events takes one advisory
 *   lock first and holds it until it commits, so event n+1 can never become visible before n
 *   (an identity column alone can commit out of order);
 * - commits that appended events NOTIFY `berth_events`; every node LISTENs and wakes its streams,
 *   webhooks and scheduler (onEventsAppended).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { commitParts } from '../../app/ports.js';
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
import type { Session } from '../../domain/session/session.js';
import type { ApiKeyRecord, Instance } from '../../domain/tenancy.js';
import { usagePeriod } from '../../domain/usage.js';
import { postgresMigrations } from '../generated/migrations.js';
import { type AppliedMigration, type Migration, planMigrations } from '../migrate.js';
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
  type KeyRow,
  type NodeRow,
  type SessionRow,
  activeHead,
  chargeParams,
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
import { PostgresWebhookStore } from './webhook-store.js';
import * as q from './queries.js';
import { unsupportedServer } from './server-version.js';
import {
  LOCKS,
  type PoolOptions,
  type Queryable,
  connectionConfig,
  createPool,
  inTransaction,
  isUniqueViolation,
  named,
  query,
  quoteIdent,
} from './sql.js';

export interface PostgresStoreOptions extends PoolOptions {
  readonly migrations?: readonly Migration[];
  readonly clock?: Clock;
}

const CONFLICT = Symbol('version conflict');
const CHANNEL = 'berth_events';
/** How soon a lost LISTEN connection is opened again. */
const RELISTEN_MS = 500;

export class PostgresStore implements Store {
  readonly shared = true;
  private readonly eventListeners = new Set<() => void>();
  private readonly remoteListeners = new Set<(backends: readonly string[]) => void>();
  private listener: pg.Client | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private closed = false;
  private webhookStore: PostgresWebhookStore | null = null;
  /** Tags this process's notifications, so that it does not wake itself twice. */
  private readonly tag = randomUUID();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresStoreOptions,
  ) {
    // An idle pooled connection that the server drops must not crash the process.
    pool.on('error', () => {});
  }

  /** Connect, apply migrations (under an advisory lock), and start listening. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = createPool(options);
    const store = new PostgresStore(pool, options);
    try {
      await migrate(
        pool,
        options.migrations ?? postgresMigrations,
        options.clock ?? systemClock,
        options.schema,
      );
      await store.listen();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client(connectionConfig(this.options));
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => {});
      if (!this.closed) this.relisten = setTimeout(() => void this.reopenListener(), RELISTEN_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      // The payload: the committing process's tag, then the backends the commit touched.
      const [tag = '', backends = ''] = (n.payload ?? '').split(' ');
      if (tag === this.tag) return;
      this.wakeListeners();
      const touched = backends ? backends.split(',') : [];
      for (const fn of this.remoteListeners) fn(touched);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private async reopenListener(): Promise<void> {
    this.relisten = null;
    try {
      await this.listen();
      // Whatever was committed while nobody listened: readers catch up from their cursors.
      this.wakeListeners();
      for (const fn of this.remoteListeners) fn([]);
    } catch {
      if (!this.closed) this.relisten = setTimeout(() => void this.reopenListener(), RELISTEN_MS);
    }
  }

  private wakeListeners(): void {
    for (const fn of this.eventListeners) fn();
  }

  async commit(c: Commit): Promise<boolean> {
    let appended: boolean;
    try {
      appended = await inTransaction(this.pool, (db) => this.writeCommit(db, c));
    } catch (e) {
      if (e === CONFLICT || isUniqueViolation(e)) return false;
      throw e;
    }
    if (appended) this.wakeListeners();
    return true;
  }

  /** The change's writes, part after part, then their events; true when it appended any. */
  private async writeCommit(db: Queryable, commit: Commit): Promise<boolean> {
    const parts = commitParts(commit);
    for (const c of parts) await this.writePart(db, c);
    const events = parts.flatMap((c) => c.events ?? []);
    if (events.length === 0) return false;
    // Held until COMMIT: event-appending commits take turns from here, so sequence numbers are
    // handed out in commit order.
    await db.query(`SELECT pg_advisory_xact_lock(${LOCKS.events})`);
    for (const e of events) await this.appendEvent(db, e);
    const touched = new Set<string>();
    for (const c of parts)
      for (const b of [
        c.session?.next.backend,
        c.job?.next.backend,
        ...(c.otherJobs ?? []).map((j) => j.backend),
      ])
        if (b) touched.add(b);
    await db.query('SELECT pg_notify($1, $2)', [CHANNEL, `${this.tag} ${[...touched].join(',')}`]);
    return true;
  }

  private async writePart(db: Queryable, c: Commit): Promise<void> {
    const run = (sql: string, params: Record<string, unknown>) => db.query(named(sql, params));
    if (c.start && c.job) {
      const backend = c.start.backend;
      await run(q.LOCK_BACKEND, { backend });
      const running = (await run(q.RUNNING_ON_BACKEND, { backend })).rows[0] as { n: number };
      if (running.n >= c.start.lanes) throw CONFLICT;
      const other = await run(q.OTHER_DEDICATED, { backend, session_id: c.job.next.sessionId });
      if (other.rowCount) throw CONFLICT;
    }
    if (c.session) {
      const sql = c.session.insert ? q.INSERT_SESSION : q.UPDATE_SESSION;
      const r = await run(sql, { ...sessionParams(c.session.next) });
      if (r.rowCount !== 1) throw CONFLICT;
    }
    if (c.job) {
      const r = await run(c.job.insert ? q.INSERT_JOB : q.UPDATE_JOB, { ...jobParams(c.job.next) });
      if (r.rowCount !== 1) throw CONFLICT;
      if (c.job.insert)
        await run(q.INSERT_PARAMS, {
          job_id: c.job.next.id,
          body: JSON.stringify(c.job.next.params ?? null),
        });
    }
    for (const j of c.otherJobs ?? []) {
      if ((await run(q.UPDATE_JOB, { ...jobParams(j) })).rowCount !== 1) throw CONFLICT;
    }
    if (c.charge && c.charge.ms > 0) {
      await run(q.CHARGE, chargeParams(c.charge));
    }
    if (c.result) await run(q.INSERT_RESULT, { job_id: c.result.jobId, body: c.result.body });
    if (c.logs?.length) {
      await run(q.INSERT_LOGS, {
        job_ids: c.logs.map((l) => l.jobId),
        ats: c.logs.map((l) => l.at.getTime()),
        lines: c.logs.map((l) => l.line),
      });
    }
  }

  private async appendEvent(db: Queryable, e: DomainEvent): Promise<void> {
    await db.query(named(q.INSERT_EVENT, { ...eventParams(e) }));
  }

  private async all<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await query(this.pool, named(sql, params))).rows as T[];
  }

  private async one<T>(sql: string, params: Record<string, unknown> = {}): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async readEvents(f: EventFilter, limit: number): Promise<StoredEvent[]> {
    const where = ['seq > @after'];
    if (f.instanceId !== undefined) where.push('instance_id = @instance_id');
    if (f.sessionId !== undefined) where.push('session_id = @session_id');
    if (f.jobId !== undefined) where.push('job_id = @job_id');
    const rows = await this.all<EventRow>(
      `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT @limit`,
      {
        after: f.after,
        instance_id: f.instanceId,
        session_id: f.sessionId,
        job_id: f.jobId,
        limit,
      },
    );
    return rows.map(eventFromRow);
  }

  async lastEventSeq(): Promise<number> {
    return (await this.one<{ seq: number }>(q.LAST_EVENT_SEQ))?.seq ?? 0;
  }

  async pruneEvents(before: Date): Promise<number> {
    const r = await query(this.pool, named(q.PRUNE_EVENTS, { before: before.getTime() }));
    return r.rowCount ?? 0;
  }

  onEventsAppended(listener: () => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async getSession(id: string): Promise<Session | null> {
    const r = await this.one<SessionRow>(q.GET_SESSION, { id });
    return r ? sessionFromRow(r) : null;
  }

  async listSessions(f: SessionFilter, page: Page): Promise<PageOf<Session>> {
    const where = ['instance_id = ANY(@instance_ids)'];
    if (f.state !== undefined) where.push('state = @state');
    if (f.backend !== undefined) where.push('backend = @backend');
    if (f.mode !== undefined) where.push('mode = @mode');
    const params = {
      instance_ids: [...f.instanceIds],
      state: f.state,
      backend: f.backend,
      mode: f.mode,
      limit: page.limit,
      offset: page.offset,
    };
    const w = where.join(' AND ');
    const count = await this.one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM sessions WHERE ${w}`,
      params,
    );
    const rows = await this.all<SessionRow>(
      `SELECT * FROM sessions WHERE ${w} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
      params,
    );
    return { items: rows.map(sessionFromRow), count: count?.n ?? 0 };
  }

  async getJob(id: string): Promise<Job | null> {
    const r = await this.one<JobRow>(q.GET_JOB, { id });
    return r ? jobFromRow(r) : null;
  }

  async listJobs(f: JobFilter, page: Page): Promise<PageOf<Job>> {
    const where = ['instance_id = ANY(@instance_ids)'];
    if (f.pending === true) where.push(`status IN ('Queued', 'Running')`);
    if (f.pending === false) where.push(`status IN ('Completed', 'Failed', 'Cancelled')`);
    if (f.programId !== undefined) where.push('program_id = @program_id');
    if (f.backend !== undefined) where.push('backend = @backend');
    if (f.sessionId !== undefined) where.push('session_id = @session_id');
    if (f.createdAfter !== undefined) where.push('created_at >= @created_after');
    if (f.createdBefore !== undefined) where.push('created_at <= @created_before');
    if (f.tags?.length)
      where.push(
        `(SELECT COUNT(DISTINCT t) FROM json_array_elements_text(jobs.tags::json) t
          WHERE t = ANY(@tags)) = cardinality(@tags::text[])`,
      );
    const params = {
      instance_ids: [...f.instanceIds],
      program_id: f.programId,
      backend: f.backend,
      session_id: f.sessionId,
      created_after: f.createdAfter?.getTime(),
      created_before: f.createdBefore?.getTime(),
      tags: f.tags ? [...new Set(f.tags)] : undefined,
      limit: page.limit,
      offset: page.offset,
    };
    const w = where.join(' AND ');
    const dir = f.ascending ? 'ASC' : 'DESC';
    const count = await this.one<{ n: number }>(
      `SELECT COUNT(*) AS n FROM jobs WHERE ${w}`,
      params,
    );
    const rows = await this.all<JobRow>(
      `${q.JOB_SELECT} WHERE ${w} ORDER BY created_at ${dir}, seq ${dir} LIMIT @limit OFFSET @offset`,
      params,
    );
    return { items: rows.map(jobFromRow), count: count?.n ?? 0 };
  }

  async deleteJob(id: string, version: number): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const r = await db.query(named(q.DELETE_JOB, { id, version }));
      if (r.rowCount !== 1) return false;
      for (const table of ['job_results', 'job_logs', 'job_params'])
        await db.query(`DELETE FROM ${table} WHERE job_id = $1`, [id]);
      return true;
    });
  }

  async getResult(jobId: string): Promise<string | null> {
    const r = await this.one<{ body: string }>('SELECT body FROM job_results WHERE job_id = @id', {
      id: jobId,
    });
    return r?.body ?? null;
  }

  async getLogs(jobId: string): Promise<{ at: Date; line: string }[]> {
    const rows = await this.all<{ at: number; line: string }>(q.GET_LOGS, { job_id: jobId });
    return rows.map((r) => ({ at: new Date(r.at), line: r.line }));
  }

  async loadDispatchSnapshot(
    backend: { name: string; lanes: number; online: boolean },
    now: Date,
  ): Promise<DispatchSnapshot> {
    // One snapshot: REPEATABLE READ, so the counts and heads are of one moment.
    return inTransaction(this.pool, async (db) => {
      await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const run = async <T>(sql: string, params: Record<string, unknown>) =>
        (await db.query(named(sql, params))).rows as T[];
      const [running] = await run<{ n: number }>(q.RUNNING_ON_BACKEND, { backend: backend.name });
      const base = {
        lanes: backend.lanes,
        online: backend.online,
        running: running?.n ?? 0,
        active: [],
        normalHeads: [],
      };
      if (!backend.online || base.running >= backend.lanes) return base;
      const active = (await run<ActiveRow>(q.ACTIVE_HEADS, { backend: backend.name })).map(
        activeHead,
      );
      if (!normalQueueMatters(active)) return { ...base, active };
      const heads = await run<{
        seq: number;
        id: string;
        session_id: string | null;
        instance_id: string;
        usage_ms: number;
        share: number;
      }>(q.NORMAL_HEADS, {
        backend: backend.name,
        period_start: usagePeriod(now).start.getTime(),
      });
      return {
        ...base,
        active,
        normalHeads: heads.map((h) => ({
          candidate: {
            jobId: h.id,
            sessionId: h.session_id,
            instanceId: h.instance_id,
            seq: h.seq,
          },
          usageMs: h.usage_ms,
          share: h.share,
        })),
      };
    });
  }

  async queuePosition(job: Job): Promise<number> {
    return (
      (await this.one<{ n: number }>(q.QUEUE_POSITION, { backend: job.backend, id: job.id }))?.n ??
      0
    );
  }

  async recentDurations(backend: string, limit: number): Promise<number[]> {
    return (await this.all<{ ms: number }>(q.RECENT_DURATIONS, { backend, limit })).map(
      (r) => r.ms,
    );
  }

  async nextDeadline(): Promise<Date | null> {
    const r = await this.one<{ t: number | null }>(q.NEXT_DEADLINE);
    return r?.t == null ? null : new Date(r.t);
  }

  async dueItems(now: Date, limit: number): Promise<DueItem[]> {
    const rows = await this.all<{ kind: DueItem['kind']; id: string; at: number }>(q.DUE_ITEMS, {
      now: now.getTime(),
      limit,
    });
    return rows.map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at) }));
  }

  async leasedJobs(workerId: string): Promise<Job[]> {
    return (await this.all<JobRow>(q.LEASED_JOBS, { worker_id: workerId })).map(jobFromRow);
  }

  async releasedJob(backend: string): Promise<Job | null> {
    const r = await this.one<JobRow>(q.RELEASED_JOB, { backend });
    return r ? jobFromRow(r) : null;
  }

  async queuedJobs(sessionId: string, limit?: number): Promise<Job[]> {
    // LIMIT NULL: no limit.
    const params = { session_id: sessionId, limit: limit ?? null };
    return (await this.all<JobRow>(q.QUEUED_OF_SESSION, params)).map(jobFromRow);
  }

  async usageInputs(instanceId: string, now: Date): Promise<UsageInputs> {
    return inTransaction(this.pool, async (db) => {
      await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const params = { instance_id: instanceId, period_start: usagePeriod(now).start.getTime() };
      const settled = (await db.query(named(q.SETTLED_USAGE, params))).rows[0] as
        { usage_ms: number } | undefined;
      const live = (await db.query(named(q.LIVE_SESSIONS, params))).rows as SessionRow[];
      const sessionless = (await db.query(named(q.SESSIONLESS_RUNNING, params))).rows[0] as {
        n: number;
        start_sum: number;
      };
      return {
        settledMs: settled?.usage_ms ?? 0,
        liveSessions: live.map(sessionFromRow),
        sessionless: { count: sessionless.n, startSumMs: sessionless.start_sum },
      };
    });
  }

  async stats(): Promise<StoreStats> {
    const tally = (rows: { k: string; n: number }[]): Record<string, number> =>
      Object.fromEntries(rows.map((r) => [r.k, r.n]));
    const load = await this.all<{ backend: string; status: string; n: number }>(q.BACKEND_LOAD);
    const by = (status: string): Record<string, number> =>
      tally(load.filter((r) => r.status === status).map((r) => ({ k: r.backend, n: r.n })));
    const jobs = await this.all<{ status: string; n: number }>(q.JOBS_BY_STATUS);
    const sessions = await this.all<{ state: string; n: number }>(q.SESSIONS_BY_STATE);
    return {
      jobsByStatus: tally(jobs.map((r) => ({ k: r.status, n: r.n }))),
      sessionsByState: tally(sessions.map((r) => ({ k: r.state, n: r.n }))),
      queuedByBackend: by('Queued'),
      runningByBackend: by('Running'),
    };
  }

  async backendLoad(backend: string): Promise<{ queued: number; running: number }> {
    return (
      (await this.one<{ queued: number; running: number }>(q.ONE_BACKEND_LOAD, {
        backend,
      })) ?? { queued: 0, running: 0 }
    );
  }

  async heartbeat(
    node: Parameters<Store['heartbeat']>[0],
    backends: readonly string[],
    now: Date,
    until: Date,
  ): Promise<string[]> {
    return inTransaction(this.pool, async (db) => {
      const t = now.getTime();
      await db.query(
        named(q.UPSERT_NODE, {
          id: node.id,
          version: node.version,
          started_at: node.startedAt.getTime(),
          now: t,
          problem: node.problem,
        }),
      );
      for (const backend of backends)
        await db.query(
          named(q.CLAIM_BACKEND, { backend, node_id: node.id, until: until.getTime(), now: t }),
        );
      const owned = await db.query(named(q.OWNED_BACKENDS, { node_id: node.id, now: t }));
      return (owned.rows as { backend: string }[]).map((r) => r.backend);
    });
  }

  async releaseBackends(nodeId: string, backends: readonly string[]): Promise<void> {
    for (const backend of backends)
      await query(this.pool, named(q.RELEASE_BACKEND, { node_id: nodeId, backend }));
  }

  async leave(nodeId: string): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await db.query(named(q.RELEASE_BACKENDS, { node_id: nodeId }));
      await db.query(named(q.DELETE_NODE, { node_id: nodeId }));
    });
  }

  async listNodes(now: Date): Promise<NodeRecord[]> {
    const nodes = await this.all<NodeRow>(q.LIST_NODES);
    const owners = await this.all<{ backend: string; node_id: string }>(q.LIVE_OWNERS, {
      now: now.getTime(),
    });
    return nodesFromRows(nodes, owners);
  }

  async backendStates(): Promise<BackendState[]> {
    return (await this.all<BackendStateRow>(q.LIST_BACKEND_STATES)).map(backendStateFromRow);
  }

  async setBackendState(state: BackendState): Promise<void> {
    await query(this.pool, named(q.SET_BACKEND_STATE, backendStateParams(state)));
  }

  async recordCalibration(c: Calibration): Promise<void> {
    await query(this.pool, named(q.INSERT_CALIBRATION, calibrationParams(c)));
  }

  async listCalibrations(backend: string): Promise<CalibrationInfo[]> {
    return (await this.all<CalibrationRow>(q.LIST_CALIBRATIONS, { backend })).map(
      calibrationInfoFromRow,
    );
  }

  async getCalibration(backend: string, id: string): Promise<Calibration | null> {
    const r = await this.one<CalibrationRow>(q.GET_CALIBRATION, { backend, id });
    return r ? calibrationFromRow(r) : null;
  }

  async calibrationBefore(backend: string, at: Date): Promise<Calibration | null> {
    const r = await this.one<CalibrationRow>(q.CALIBRATION_BEFORE, {
      backend,
      before: at.getTime(),
    });
    return r ? calibrationFromRow(r) : null;
  }

  onRemoteChange(listener: (backends: readonly string[]) => void): () => void {
    this.remoteListeners.add(listener);
    return () => this.remoteListeners.delete(listener);
  }

  async syncInstances(instances: readonly Instance[]): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      for (const i of instances) await db.query(named(q.UPSERT_INSTANCE, instanceParams(i)));
    });
  }

  async findKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const r = await this.one<KeyRow>(q.KEY_BY_HASH, { hash });
    return r ? keyFromRow(r) : null;
  }

  async getKey(id: string): Promise<ApiKeyRecord | null> {
    const r = await this.one<KeyRow>(q.KEY_BY_ID, { id });
    return r ? keyFromRow(r) : null;
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    await query(this.pool, named(q.INSERT_KEY, { ...keyParams(key) }));
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return (await this.all<KeyRow>(q.LIST_KEYS)).map(keyFromRow);
  }

  async revokeKey(id: string, at: Date): Promise<boolean> {
    const r = await query(this.pool, named(q.REVOKE_KEY, { id, at: at.getTime() }));
    return r.rowCount === 1;
  }

  async ensureSecret(name: string, make: () => string): Promise<string> {
    await query(this.pool, named(q.INSERT_SECRET, { name, value: make() }));
    const r = await this.one<{ value: string }>(q.GET_SECRET, { name });
    if (!r) throw new Error(`secret ${name} vanished`);
    return r.value;
  }

  /** The webhook tables, on the same pool. */
  webhooks(): PostgresWebhookStore {
    return (this.webhookStore ??= new PostgresWebhookStore(this.pool));
  }

  /** Whether the store can reach its database now (GET /ready). */
  async ping(): Promise<boolean> {
    try {
      await query(this.pool, 'SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.relisten) clearTimeout(this.relisten);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => {});
    await this.pool.end();
  }
}

/** Refuse a server too old for Berth, then apply the embedded migrations, one node at a time (a session-level advisory lock). */
async function migrate(
  pool: pg.Pool,
  embedded: readonly Migration[],
  clock: Clock,
  schema: string | undefined,
): Promise<void> {
  const client = await pool.connect();
  const noCrash = (): void => {}; // the failing query rejects; this only prevents a crash
  client.on('error', noCrash);
  try {
    const version = await client.query<{ num: string; shown: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS shown",
    );
    const row = version.rows[0];
    const refused = unsupportedServer(Number(row?.num), row?.shown ?? '?');
    if (refused) throw new Error(refused);
    await client.query(`SELECT pg_advisory_lock(${LOCKS.migrations})`);
    try {
      // Under the lock: two nodes creating the same schema at once would collide otherwise.
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
        applied_at BIGINT NOT NULL)`);
      const applied = (await client.query('SELECT version, checksum FROM schema_migrations'))
        .rows as AppliedMigration[];
      for (const m of planMigrations(embedded, applied)) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
            [m.version, m.name, m.checksum, clock.now().getTime()],
          );
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCKS.migrations})`);
    }
  } finally {
    client.off('error', noCrash);
    client.release();
  }
}

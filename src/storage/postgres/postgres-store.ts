/**
 * The PostgreSQL store (`BERTH_DB=postgres://…`): the same port as the SQLite store, for any
 * number of Berth nodes on one database. Each method is one short transaction on a pooled
 * connection; nothing is cached in the process, because other nodes write too.
 *
 * What several writers need, and where it is (adr/0012):
 * - a commit is one call of a generated function (commit-function.ts): compare-and-set on
 *   versions, the start check under the backend's advisory lock (lanes, one active dedicated
 *   session; a partial unique index is the backstop), the writes and the events;
 * - event order without a global lock: events are numbered together with their transaction id,
 *   and readers read only below their snapshot's xmin (EVENTS_VISIBLE), so a reader never finds
 *   an event numbered below one it has read;
 * - after a commit, one NOTIFY per batch tells every node what changed (notifier.ts); every node
 *   LISTENs and wakes its streams, webhooks and scheduler (onEventsAppended, onRemoteChange,
 *   onDeadline).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { commitParts, earliestDeadline } from '../../app/ports.js';
import type {
  BackendState,
  Commit,
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
import type { ActiveSessionHead, DispatchSnapshot } from '../../domain/scheduling/dispatch.js';
import type { QueueGroup } from '../../domain/scheduling/queue-position.js';
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
import { Notifier } from './notifier.js';
import { PostgresWebhookStore } from './webhook-store.js';
import {
  CALL_COMMIT,
  CHANNEL,
  COMMIT_FUNCTION,
  COMMIT_FUNCTION_EXISTS,
  CONFLICT_SQLSTATE,
  CREATE_COMMIT_FUNCTION,
  EVENTS_VISIBLE,
} from './commit-function.js';
import * as q from './queries.js';
import { unsupportedServer } from './server-version.js';
import {
  LOCKS,
  type PoolOptions,
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

/** How soon a lost LISTEN connection is opened again. */
const RELISTEN_MS = 500;

export class PostgresStore implements Store {
  readonly shared = true;
  private readonly eventListeners = new Set<() => void>();
  private readonly deadlineListeners = new Set<(at: number) => void>();
  private readonly remoteListeners = new Set<(backends: readonly string[]) => void>();
  private listener: pg.Client | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private closed = false;
  private webhookStore: PostgresWebhookStore | null = null;
  /** Tags this process's notifications, so that it does not wake itself twice. */
  private readonly tag = randomUUID();
  private readonly notifier: Notifier;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresStoreOptions,
  ) {
    // An idle pooled connection that the server drops must not crash the process.
    pool.on('error', () => {});
    this.notifier = new Notifier(pool, CHANNEL, this.tag);
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
      // The payload: the committing process's tag, the backends the commit touched, and the
      // earliest deadline it wrote (or -).
      const [tag = '', backends = '', due = '-'] = (n.payload ?? '').split(' ');
      if (tag === this.tag) return;
      if (due !== '-') this.tellDeadline(Number(due));
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
      // Whatever was committed while nobody listened: readers catch up from their cursors, and
      // schedulers look for due deadlines at once (a deadline written meanwhile went unheard).
      this.tellDeadline(0);
      this.wakeListeners();
      for (const fn of this.remoteListeners) fn([]);
    } catch {
      if (!this.closed) this.relisten = setTimeout(() => void this.reopenListener(), RELISTEN_MS);
    }
  }

  private tellDeadline(at: number): void {
    for (const fn of this.deadlineListeners) fn(at);
  }

  onDeadline(listener: (at: number) => void): () => void {
    this.deadlineListeners.add(listener);
    return () => this.deadlineListeners.delete(listener);
  }

  private wakeListeners(): void {
    for (const fn of this.eventListeners) fn();
  }

  async commit(c: Commit): Promise<boolean> {
    const parts = commitParts(c);
    const events = parts.flatMap((p) => p.events ?? []);
    const touched = new Set<string>();
    for (const p of parts)
      for (const b of [
        p.session?.next.backend,
        p.job?.next.backend,
        ...(p.otherJobs ?? []).map((j) => j.backend),
      ])
        if (b) touched.add(b);
    const due = earliestDeadline(c);
    const doc = { parts: parts.map(partDocument), events: events.map(eventParams) };
    try {
      await query(this.pool, {
        name: COMMIT_FUNCTION,
        text: CALL_COMMIT,
        values: [JSON.stringify(doc)],
      });
    } catch (e) {
      if (isConflict(e) || isUniqueViolation(e)) return false;
      throw e;
    }
    // The other nodes hear of it after the commit, not inside it (notifier.ts).
    if (events.length || due !== null) this.notifier.add(touched, due);
    if (due !== null) this.tellDeadline(due);
    if (events.length) this.wakeListeners();
    return true;
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
      `SELECT * FROM events WHERE ${where.join(' AND ')} AND ${EVENTS_VISIBLE}
        ORDER BY seq LIMIT @limit`,
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
    depth = 1,
  ): Promise<DispatchSnapshot> {
    const base = { lanes: backend.lanes, online: backend.online, running: 0 };
    if (!backend.online) {
      const [r] = await this.all<{ n: number }>(q.RUNNING_ON_BACKEND, { backend: backend.name });
      return { ...base, running: r?.n ?? 0, active: [], normalHeads: [] };
    }
    // One statement: the counts and heads are of one moment, in one round trip.
    const rows = await this.all<SnapshotRow>(q.DISPATCH_SNAPSHOT, {
      backend: backend.name,
      lanes: backend.lanes,
      period_start: usagePeriod(now).start.getTime(),
      depth: Math.max(1, depth),
    });
    const active: ActiveSessionHead[] = [];
    const normal: (CandidateRow & { usage_ms: number; share: number })[] = [];
    let running = 0;
    for (const r of rows) {
      if (r.kind === 'running') running = r.seq ?? 0;
      else if (r.kind === 'active') active.push(activeHead(r as ActiveRow));
      else if (r.id !== null && r.seq !== null && r.instance_id !== null)
        normal.push({
          seq: r.seq,
          id: r.id,
          session_id: r.session_id,
          instance_id: r.instance_id,
          usage_ms: r.usage_ms ?? 0,
          share: r.share ?? 1,
        });
    }
    return { ...base, running, active, normalHeads: normalHeads(normal) };
  }

  async queueGroups(job: Job, now: Date): Promise<QueueGroup[]> {
    const rows = await this.all<QueueGroupRow>(q.QUEUE_GROUPS, {
      backend: job.backend,
      id: job.id,
      period_start: usagePeriod(now).start.getTime(),
    });
    return rows.map(queueGroup);
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
      const sessionless = (await db.query(named(q.SESSIONLESS_RUNNING, params)))
        .rows as SessionlessRow[];
      const byUser = (await db.query(named(q.SETTLED_USAGE_BY_USER, params))).rows as {
        user_id: string;
        usage_ms: number;
      }[];
      return usageInputsFrom(settled?.usage_ms ?? 0, live.map(sessionFromRow), sessionless, byUser);
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
    await this.notifier.flushed();
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
      // The commit function this version calls (commit-function.ts), if no node made it yet.
      if (!(await client.query(COMMIT_FUNCTION_EXISTS)).rowCount)
        await client.query(CREATE_COMMIT_FUNCTION);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCKS.migrations})`);
    }
  } finally {
    client.off('error', noCrash);
    client.release();
  }
}

/** A failed check in the commit function: the commit wrote nothing. */
const isConflict = (e: unknown): boolean => (e as { code?: unknown }).code === CONFLICT_SQLSTATE;

/** One part of a commit as the commit function reads it (commit-function.ts). */
function partDocument(c: Commit): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (c.start) doc.start = { backend: c.start.backend, lanes: c.start.lanes };
  if (c.session) {
    doc.session = sessionParams(c.session.next);
    doc.session_insert = c.session.insert === true;
  }
  if (c.job) {
    doc.job = jobParams(c.job.next);
    doc.job_insert = c.job.insert === true;
    if (c.job.insert) doc.params = JSON.stringify(c.job.next.params ?? null);
  }
  if (c.otherJobs?.length) doc.other_jobs = c.otherJobs.map(jobParams);
  if (c.charge && c.charge.ms > 0) doc.charge = chargeParams(c.charge);
  if (c.result) doc.result = { job_id: c.result.jobId, body: c.result.body };
  if (c.logs?.length)
    doc.logs = c.logs.map((l) => ({ job_id: l.jobId, at: l.at.getTime(), line: l.line }));
  return doc;
}

/** A row of DISPATCH_SNAPSHOT: the running count, an active session's head, or a normal head. */
interface SnapshotRow {
  kind: 'running' | 'active' | 'normal';
  session_id: string | null;
  mode: string | null;
  created_at: number | null;
  seq: number | null;
  id: string | null;
  instance_id: string | null;
  usage_ms: number | null;
  share: number | null;
}

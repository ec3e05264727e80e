/** SQL both dialects run as written: named parameters (@name), standard SQL only. */
import { MODES } from '../domain/scheduling/dispatch.js';

/**
 * The scheduling rules' states and modes as SQL (domain/scheduling/dispatch.ts, MODES): the
 * statements are written from the rules, not with copies of them.
 */
export const RULES_SQL = {
  /** `<alias>.state IN (…)` of the normal queue (rule 3). */
  normalQueue: (alias: string): string =>
    `${alias}.state IN (${MODES.normalQueueStates.map((x) => `'${x}'`).join(', ')})`,
  /** The owner of a backend (rule 1): an active dedicated session. */
  owner: (alias: string): string =>
    `${alias}.state = '${MODES.owner.state}' AND ${alias}.mode = '${MODES.owner.mode}'`,
  /** Active sessions, owners and priority ones alike. */
  active: (alias: string): string => `${alias}.state = '${MODES.owner.state}'`,
};

export const SESSION_COLUMNS = [
  'id',
  'instance_id',
  'user_id',
  'backend',
  'mode',
  'state',
  'state_reason',
  'accepting_jobs',
  'max_ttl',
  'interactive_ttl',
  'active_ttl',
  'created_at',
  'started_at',
  'activated_at',
  'deactivated_at',
  'closed_at',
  'last_job_started_at',
  'last_job_completed_at',
  'timestamps',
  'queued',
  'running',
  'running_start_sum_ms',
  'usage_ms',
  'open_deadline',
  'idle_deadline',
  'max_deadline',
  'version',
];
export const JOB_COLUMNS = [
  'id',
  'instance_id',
  'user_id',
  'backend',
  'program_id',
  'session_id',
  'tags',
  'log_level',
  'cost',
  'private',
  'runtime',
  'caller',
  'status',
  'reason',
  'reason_code',
  'created_at',
  'started_at',
  'ended_at',
  'hold_ms',
  'settle_at',
  'cost_deadline',
  'cancel_requested_at',
  'attempts',
  'worker_id',
  'lease_until',
  'work_started_at',
  'calibration_id',
  'version',
];
export const insertSql = (table: string, cols: string[]): string =>
  `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`;
// Compare-and-set: the row is written only if it still has the version the change was decided on.
const updateSql = (table: string, cols: string[]): string =>
  `UPDATE ${table} SET ${cols
    .filter((c) => c !== 'id')
    .map((c) => `${c} = @${c}`)
    .join(', ')} WHERE id = @id AND version = @version - 1`;
export const INSERT_SESSION = insertSql('sessions', SESSION_COLUMNS);
export const UPDATE_SESSION = updateSql('sessions', SESSION_COLUMNS);
export const INSERT_JOB = insertSql('jobs', JOB_COLUMNS);
export const UPDATE_JOB = updateSql('jobs', JOB_COLUMNS);
// Usage is kept in shards (migration 0014): a charge adds to one shard, readers sum them, so
// concurrent charges of one instance do not queue on one row.
export const CHARGE = `INSERT INTO instance_usage (instance_id, period_start, shard, usage_ms)
  VALUES (@instance_id, @period_start, @shard, @ms)
  ON CONFLICT (instance_id, period_start, shard)
  DO UPDATE SET usage_ms = instance_usage.usage_ms + excluded.usage_ms`;
export const CHARGE_USER = `INSERT INTO user_usage (instance_id, user_id, period_start, shard, usage_ms)
  VALUES (@instance_id, @user_id, @period_start, @shard, @ms)
  ON CONFLICT (instance_id, period_start, user_id, shard)
  DO UPDATE SET usage_ms = user_usage.usage_ms + excluded.usage_ms`;
/** Each instance's usage in one period, its shards summed. */
export const PERIOD_USAGE = `SELECT instance_id, SUM(usage_ms) AS usage_ms FROM instance_usage
  WHERE period_start = @period_start GROUP BY instance_id`;
// The normal queue: sessionless jobs and jobs of open or inactive sessions; the @depth oldest
// per instance (every instance is in the instances table: configured ones are written at start
// and none is ever removed). One walk of jobs_queued_instance per instance to its first such
// jobs: the cost does not grow with the queue (a GROUP BY over the queue made a backlog
// quadratic).
export const NORMAL_HEADS = `SELECT j.seq, j.id, j.session_id, j.instance_id,
    COALESCE(u.usage_ms, 0) AS usage_ms, i.share AS share
  FROM instances i
  JOIN jobs j ON j.seq IN (
    SELECT q.seq FROM jobs q LEFT JOIN sessions s ON s.id = q.session_id
    WHERE q.backend = @backend AND q.instance_id = i.id AND q.status = 'Queued'
      AND (q.session_id IS NULL OR ${RULES_SQL.normalQueue('s')})
    ORDER BY q.seq LIMIT @depth)
  LEFT JOIN (${PERIOD_USAGE}) u ON u.instance_id = i.id`;
export const NEXT_DEADLINE = `SELECT MIN(t) AS t FROM (
  SELECT MIN(open_deadline) AS t FROM sessions
  UNION ALL SELECT MIN(idle_deadline) FROM sessions
  UNION ALL SELECT MIN(max_deadline) FROM sessions
  UNION ALL SELECT MIN(settle_at) FROM jobs
  UNION ALL SELECT MIN(cost_deadline) FROM jobs
  UNION ALL SELECT MIN(lease_until) FROM jobs) AS deadlines`;
export const DUE_ITEMS = `SELECT kind, id, at FROM (
  SELECT 'session' AS kind, id, open_deadline AS at FROM sessions WHERE open_deadline <= @now
  UNION ALL SELECT 'session', id, idle_deadline FROM sessions WHERE idle_deadline <= @now
  UNION ALL SELECT 'session', id, max_deadline FROM sessions WHERE max_deadline <= @now
  UNION ALL SELECT 'job_settle', id, settle_at FROM jobs WHERE settle_at <= @now
  UNION ALL SELECT 'job_cost', id, cost_deadline FROM jobs WHERE cost_deadline <= @now
  UNION ALL SELECT 'job_lease', id, lease_until FROM jobs WHERE lease_until <= @now) AS due
  ORDER BY at LIMIT @limit`;
export const JOBS_BY_STATUS = 'SELECT status, COUNT(*) AS n FROM jobs GROUP BY status';
export const SESSIONS_BY_STATE = 'SELECT state, COUNT(*) AS n FROM sessions GROUP BY state';
// Counted through the partial indexes (a job is in at most one of them).
export const ONE_BACKEND_LOAD = `SELECT
  (SELECT COUNT(*) FROM jobs WHERE backend = @backend AND status = 'Queued') AS queued,
  (SELECT COUNT(*) FROM jobs WHERE backend = @backend AND status = 'Running') AS running`;
export const BACKEND_LOAD = `SELECT backend, 'Queued' AS status, COUNT(*) AS n FROM jobs
    WHERE status = 'Queued' GROUP BY backend
  UNION ALL SELECT backend, 'Running', COUNT(*) FROM jobs WHERE status = 'Running' GROUP BY backend`;
export const UPSERT_INSTANCE = `INSERT INTO instances
  (id, name, plan_id, share, usage_limit_seconds, max_ttl_seconds)
  VALUES (@id, @name, @plan_id, @share, @usage_limit_seconds, @max_ttl_seconds)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, plan_id = excluded.plan_id,
    share = excluded.share, usage_limit_seconds = excluded.usage_limit_seconds,
    max_ttl_seconds = excluded.max_ttl_seconds`;
export const INSERT_KEY = insertSql('api_keys', [
  'id',
  'name',
  'user_id',
  'hash',
  'admin',
  'instances',
  'default_instance',
  'worker_backends',
  'created_at',
  'expires_at',
  'revoked_at',
]);
export const INSERT_EVENT = `INSERT INTO events (type, instance_id, session_id, job_id, at, body)
  VALUES (@type, @instance_id, @session_id, @job_id, @at, @body)`;
// Sequence numbers follow time: delete up to the first event that is recent enough, walking the
// primary key from the oldest (only what goes is read).
export const PRUNE_EVENTS = `DELETE FROM events WHERE seq < COALESCE(
  (SELECT seq FROM events WHERE at >= @before ORDER BY seq LIMIT 1),
  (SELECT MAX(seq) + 1 FROM events))`;

export const UPSERT_NODE = `INSERT INTO nodes (id, version, started_at, heartbeat_at, problem)
  VALUES (@id, @version, @started_at, @now, @problem)
  ON CONFLICT (id) DO UPDATE SET version = excluded.version, started_at = excluded.started_at,
    heartbeat_at = excluded.heartbeat_at, problem = excluded.problem`;
// Take a backend that is free or whose lease ran out, or renew our own.
export const CLAIM_BACKEND = `INSERT INTO backend_owners (backend, node_id, lease_until)
  VALUES (@backend, @node_id, @until)
  ON CONFLICT (backend) DO UPDATE SET node_id = excluded.node_id, lease_until = excluded.lease_until
  WHERE backend_owners.node_id = excluded.node_id OR backend_owners.lease_until < @now`;
export const OWNED_BACKENDS = `SELECT backend FROM backend_owners
  WHERE node_id = @node_id AND lease_until >= @now ORDER BY backend`;
export const RELEASE_BACKENDS = 'DELETE FROM backend_owners WHERE node_id = @node_id';
export const DELETE_NODE = 'DELETE FROM nodes WHERE id = @node_id';
export const RELEASE_BACKEND = `DELETE FROM backend_owners WHERE node_id = @node_id
  AND backend = @backend`;
export const LIST_NODES = 'SELECT * FROM nodes ORDER BY id';
export const LIVE_OWNERS = `SELECT backend, node_id FROM backend_owners WHERE lease_until >= @now
  ORDER BY backend`;

export const LIST_BACKEND_STATES = 'SELECT * FROM backend_states ORDER BY name';
export const SET_BACKEND_STATE = `INSERT INTO backend_states (name, status, reason, changed_at, changed_by)
  VALUES (@name, @status, @reason, @changed_at, @changed_by)
  ON CONFLICT (name) DO UPDATE SET status = excluded.status, reason = excluded.reason,
    changed_at = excluded.changed_at, changed_by = excluded.changed_by`;

// Calibration history: recorded once (the same id from any node is the same calibration).
export const INSERT_CALIBRATION = `INSERT INTO calibrations
  (backend, id, last_update, properties, configuration, source, created_at)
  VALUES (@backend, @id, @last_update, @properties, @configuration, @source, @created_at)
  ON CONFLICT (backend, id) DO NOTHING`;
export const LIST_CALIBRATIONS = `SELECT backend, id, last_update, source, created_at
  FROM calibrations WHERE backend = @backend ORDER BY last_update DESC, created_at DESC`;
export const GET_CALIBRATION = 'SELECT * FROM calibrations WHERE backend = @backend AND id = @id';
export const CALIBRATION_BEFORE = `SELECT * FROM calibrations
  WHERE backend = @backend AND last_update <= @before
  ORDER BY last_update DESC, created_at DESC LIMIT 1`;

// Statements both dialects run as written.
/** Job columns with the params joined in. */
export const JOB_SELECT = `SELECT jobs.*, (SELECT body FROM job_params WHERE job_id = jobs.id) AS params FROM jobs`;
export const DELETE_JOB = `DELETE FROM jobs WHERE id = @id AND version = @version
  AND status IN ('Completed', 'Failed', 'Cancelled')`;
export const GET_JOB = `${JOB_SELECT} WHERE id = @id`;
export const GET_SECRET = 'SELECT value FROM secrets WHERE name = @name';
export const GET_SESSION = 'SELECT * FROM sessions WHERE id = @id';
export const INSERT_PARAMS = 'INSERT INTO job_params (job_id, body) VALUES (@job_id, @body)';
export const INSERT_RESULT = `INSERT INTO job_results (job_id, body) VALUES (@job_id, @body)
  ON CONFLICT (job_id) DO UPDATE SET body = excluded.body`;
export const INSERT_SECRET = `INSERT INTO secrets (name, value) VALUES (@name, @value)
  ON CONFLICT DO NOTHING`;
export const KEY_BY_HASH = 'SELECT * FROM api_keys WHERE hash = @hash';
export const KEY_BY_ID = 'SELECT * FROM api_keys WHERE id = @id';
export const LEASED_JOBS = `${JOB_SELECT} WHERE status = 'Running' AND worker_id = @worker_id
  AND lease_until IS NOT NULL ORDER BY seq`;
export const LIST_KEYS = 'SELECT * FROM api_keys ORDER BY created_at, id';
export const LIVE_SESSIONS = `SELECT * FROM sessions
  WHERE instance_id = @instance_id AND (${RULES_SQL.active('sessions')} OR running > 0)`;
export const OTHER_DEDICATED = `SELECT id FROM sessions
  WHERE ${RULES_SQL.owner('sessions')} AND backend = @backend
    AND id IS DISTINCT FROM @session_id LIMIT 1`;
export const QUEUED_OF_SESSION = `${JOB_SELECT} WHERE session_id = @session_id AND status = 'Queued'
  ORDER BY seq LIMIT @limit`;
/** A backend's queued jobs by session and instance, for domain/scheduling/queue-position.ts. */
export const QUEUE_GROUPS = `SELECT j.session_id, j.instance_id, s.mode, s.state, s.created_at,
    CAST(COUNT(*) AS INTEGER) AS queued,
    CAST(SUM(CASE WHEN j.seq < (SELECT seq FROM jobs WHERE id = @id) THEN 1 ELSE 0 END)
      AS INTEGER) AS earlier,
    COALESCE(MAX(u.usage_ms), 0) AS usage_ms, COALESCE(MAX(i.share), 1) AS share
  FROM jobs j
  LEFT JOIN sessions s ON s.id = j.session_id
  LEFT JOIN instances i ON i.id = j.instance_id
  LEFT JOIN (${PERIOD_USAGE}) u ON u.instance_id = j.instance_id
  WHERE j.backend = @backend AND j.status = 'Queued'
  GROUP BY j.session_id, j.instance_id, s.mode, s.state, s.created_at`;
export const RECENT_DURATIONS = `SELECT ended_at - started_at AS ms FROM jobs
  WHERE backend = @backend AND status = 'Completed' ORDER BY ended_at DESC LIMIT @limit`;
export const RELEASED_JOB = `${JOB_SELECT} WHERE backend = @backend AND status = 'Running'
  AND worker_id IS NULL AND settle_at IS NULL ORDER BY seq LIMIT 1`;
export const REVOKE_KEY = `UPDATE api_keys SET revoked_at = @at WHERE id = @id
  AND revoked_at IS NULL`;
export const RUNNING_ON_BACKEND = `SELECT COUNT(*) AS n FROM jobs
  WHERE backend = @backend AND status = 'Running'`;
export const SETTLED_USAGE = `SELECT COALESCE(SUM(usage_ms), 0) AS usage_ms FROM instance_usage
  WHERE instance_id = @instance_id AND period_start = @period_start`;
export const SETTLED_USAGE_BY_USER = `SELECT user_id, SUM(usage_ms) AS usage_ms FROM user_usage
  WHERE instance_id = @instance_id AND period_start = @period_start GROUP BY user_id`;

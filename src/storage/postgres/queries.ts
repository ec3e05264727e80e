/** SQL of the PostgreSQL adapter that differs from the shared statements (../queries.ts). */

export * from '../queries.js';
import { EVENTS_VISIBLE } from './commit-function.js';

/**
 * NORMAL_HEADS (../queries.ts) with LATERAL: PostgreSQL's planner would turn the shared
 * statement's `j.seq = (subquery)` into a hash join over every job; a lateral subquery keeps it
 * to one index walk per instance.
 */
export const NORMAL_HEADS = `SELECT j.seq, j.id, j.session_id, j.instance_id,
    COALESCE(u.usage_ms, 0) AS usage_ms, i.share AS share
  FROM instances i
  CROSS JOIN LATERAL (
    SELECT q.seq, q.id, q.session_id, q.instance_id FROM jobs q
    LEFT JOIN sessions s ON s.id = q.session_id
    WHERE q.backend = @backend AND q.instance_id = i.id AND q.status = 'Queued'
      AND (q.session_id IS NULL OR s.state IN ('open', 'inactive'))
    ORDER BY q.seq LIMIT 1) j
  LEFT JOIN instance_usage u ON u.instance_id = i.id AND u.period_start = @period_start`;

export const GET_SESSION = 'SELECT * FROM sessions WHERE id = @id';
export const INSERT_PARAMS = 'INSERT INTO job_params (job_id, body) VALUES (@job_id, @body)';
/** Job columns with the params joined in. */
export const JOB_SELECT = `SELECT jobs.*, (SELECT body FROM job_params WHERE job_id = jobs.id) AS params FROM jobs`;
export const GET_JOB = `${JOB_SELECT} WHERE id = @id`;
export const DELETE_JOB = `DELETE FROM jobs WHERE id = @id AND version = @version
  AND status IN ('Completed', 'Failed', 'Cancelled')`;
export const INSERT_RESULT = `INSERT INTO job_results (job_id, body) VALUES (@job_id, @body)
  ON CONFLICT (job_id) DO UPDATE SET body = excluded.body`;
export const INSERT_LOGS = `INSERT INTO job_logs (job_id, at, line)
  SELECT * FROM unnest(@job_ids::text[], @ats::bigint[], @lines::text[])`;
export const GET_LOGS = 'SELECT at, line FROM job_logs WHERE job_id = @job_id ORDER BY id';

/** The backend's own lock: start commits on one backend take turns (lanes, dedicated owner). */
export const LOCK_BACKEND = `SELECT pg_advisory_xact_lock(hashtext('berth.backend:' || @backend))`;
export const RUNNING_ON_BACKEND = `SELECT COUNT(*) AS n FROM jobs
  WHERE backend = @backend AND status = 'Running'`;
export const OTHER_DEDICATED = `SELECT id FROM sessions
  WHERE state = 'active' AND backend = @backend AND mode = 'dedicated'
    AND id IS DISTINCT FROM @session_id LIMIT 1`;
export const ACTIVE_HEADS = `SELECT s.id AS session_id, s.mode, s.created_at,
    j.seq, j.id, j.instance_id
  FROM sessions s LEFT JOIN LATERAL (
    SELECT q.seq, q.id, q.instance_id FROM jobs q
    WHERE q.session_id = s.id AND q.status = 'Queued' ORDER BY q.seq LIMIT 1) j ON true
  WHERE s.state = 'active' AND s.backend = @backend`;

/**
 * The dispatch snapshot in one statement (one snapshot of the database, one round trip): the
 * running count, then each active session with its oldest queued job, then (only when nothing
 * active decides the pick: no dedicated session, no batch session with work; normalQueueMatters)
 * the normal queue's head of each instance with its usage and share.
 */
export const DISPATCH_SNAPSHOT = `WITH running AS (
    SELECT COUNT(*) AS n FROM jobs WHERE backend = @backend AND status = 'Running'),
  active AS (${ACTIVE_HEADS})
  SELECT 'running' AS kind, NULL AS session_id, NULL AS mode, NULL::bigint AS created_at,
    n AS seq, NULL AS id, NULL AS instance_id, NULL::bigint AS usage_ms,
    NULL::double precision AS share
  FROM running
  UNION ALL SELECT 'active', session_id, mode, created_at, seq, id, instance_id, NULL, NULL
  FROM active WHERE (SELECT n FROM running) < @lanes
  UNION ALL SELECT 'normal', h.session_id, NULL, NULL, h.seq, h.id, h.instance_id, h.usage_ms,
    h.share
  FROM (${NORMAL_HEADS}) h
  WHERE (SELECT n FROM running) < @lanes
    AND NOT EXISTS (SELECT 1 FROM active WHERE mode = 'dedicated' OR id IS NOT NULL)`;

export const QUEUE_POSITION = `SELECT COUNT(*) AS n FROM jobs
  WHERE backend = @backend AND status = 'Queued'
    AND seq < (SELECT seq FROM jobs WHERE id = @id)`;
export const RECENT_DURATIONS = `SELECT ended_at - started_at AS ms FROM jobs
  WHERE backend = @backend AND status = 'Completed' ORDER BY ended_at DESC LIMIT @limit`;
export const LEASED_JOBS = `${JOB_SELECT} WHERE status = 'Running' AND worker_id = @worker_id
  AND lease_until IS NOT NULL ORDER BY seq`;
export const QUEUED_OF_SESSION = `${JOB_SELECT} WHERE session_id = @session_id AND status = 'Queued'
  ORDER BY seq LIMIT @limit`;

export const SETTLED_USAGE = `SELECT usage_ms FROM instance_usage
  WHERE instance_id = @instance_id AND period_start = @period_start`;
export const LIVE_SESSIONS = `SELECT * FROM sessions
  WHERE instance_id = @instance_id AND (state = 'active' OR running > 0)`;
export const SESSIONLESS_RUNNING = `SELECT COUNT(*) AS n, COALESCE(SUM(started_at), 0) AS start_sum
  FROM jobs WHERE instance_id = @instance_id AND status = 'Running' AND session_id IS NULL`;

export const KEY_BY_HASH = 'SELECT * FROM api_keys WHERE hash = @hash';
export const KEY_BY_ID = 'SELECT * FROM api_keys WHERE id = @id';
export const LIST_KEYS = 'SELECT * FROM api_keys ORDER BY created_at, id';
export const REVOKE_KEY = `UPDATE api_keys SET revoked_at = @at WHERE id = @id
  AND revoked_at IS NULL`;
export const INSERT_SECRET = `INSERT INTO secrets (name, value) VALUES (@name, @value)
  ON CONFLICT DO NOTHING`;
export const GET_SECRET = 'SELECT value FROM secrets WHERE name = @name';
export const RELEASED_JOB = `${JOB_SELECT} WHERE backend = @backend AND status = 'Running'
  AND worker_id IS NULL AND settle_at IS NULL ORDER BY seq LIMIT 1`;
/** The newest event every reader can see (commit-function.ts, EVENTS_VISIBLE). */
export const LAST_EVENT_SEQ = `SELECT COALESCE(MAX(seq), 0) AS seq FROM events
  WHERE ${EVENTS_VISIBLE}`;

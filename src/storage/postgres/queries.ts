/** SQL of the PostgreSQL adapter that differs from the shared statements (../queries.ts). */

export * from '../queries.js';
import { MODES } from '../../domain/scheduling/dispatch.js';
import { PERIOD_USAGE, RULES_SQL, RUNNING_ON_BACKEND } from '../queries.js';
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
      AND (q.session_id IS NULL OR ${RULES_SQL.normalQueue('s')})
    ORDER BY q.seq LIMIT @depth) j
  LEFT JOIN (${PERIOD_USAGE}) u ON u.instance_id = i.id`;

export const INSERT_LOGS = `INSERT INTO job_logs (job_id, at, line)
  SELECT * FROM unnest(@job_ids::text[], @ats::bigint[], @lines::text[])`;
export const GET_LOGS = 'SELECT at, line FROM job_logs WHERE job_id = @job_id ORDER BY id';

/** The backend's own lock: start commits on one backend take turns (lanes, dedicated owner). */
export const LOCK_BACKEND = `SELECT pg_advisory_xact_lock(hashtext('berth.backend:' || @backend))`;
export const ACTIVE_HEADS = `SELECT s.id AS session_id, s.mode, s.created_at,
    j.seq, j.id, j.instance_id
  FROM sessions s LEFT JOIN LATERAL (
    SELECT q.seq, q.id, q.instance_id FROM jobs q
    WHERE q.session_id = s.id AND q.status = 'Queued' ORDER BY q.seq LIMIT 1) j ON true
  WHERE ${RULES_SQL.active('s')} AND s.backend = @backend`;

/**
 * The dispatch snapshot in one statement (one snapshot of the database, one round trip): the
 * running count, then each active session with its oldest queued job, then (only when nothing
 * active decides the pick: no dedicated session, no batch session with work; normalQueueMatters)
 * the normal queue's head of each instance with its usage and share.
 */
export const DISPATCH_SNAPSHOT = `WITH running AS (${RUNNING_ON_BACKEND}),
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
    AND NOT EXISTS (SELECT 1 FROM active WHERE mode = '${MODES.owner.mode}' OR id IS NOT NULL)`;

export const SESSIONLESS_RUNNING = `SELECT user_id, COUNT(*) AS n, SUM(started_at) AS start_sum
  FROM jobs WHERE instance_id = @instance_id AND status = 'Running' AND session_id IS NULL
  GROUP BY user_id`;

/** The newest event every reader can see (commit-function.ts, EVENTS_VISIBLE). */
export const LAST_EVENT_SEQ = `SELECT COALESCE(MAX(seq), 0) AS seq FROM events
  WHERE ${EVENTS_VISIBLE}`;

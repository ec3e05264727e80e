/** SQL of the SQLite adapter, one constant per statement. Always parameterised. */

export * from '../queries.js';
export const GET_SESSION = 'SELECT * FROM sessions WHERE id = ?';
export const INSERT_PARAMS = 'INSERT INTO job_params (job_id, body) VALUES (?, ?)';
/** Job columns with the params joined in. */
export const JOB_SELECT = `SELECT jobs.*, (SELECT body FROM job_params WHERE job_id = jobs.id) AS params FROM jobs`;
export const GET_JOB = `${JOB_SELECT} WHERE id = ?`;
export const DELETE_PARAMS = 'DELETE FROM job_params WHERE job_id = ?';
export const DELETE_JOB = `DELETE FROM jobs WHERE id = ? AND version = ?
  AND status IN ('Completed', 'Failed', 'Cancelled')`;
export const DELETE_RESULT = 'DELETE FROM job_results WHERE job_id = ?';
export const DELETE_LOGS = 'DELETE FROM job_logs WHERE job_id = ?';
export const INSERT_RESULT = `INSERT INTO job_results (job_id, body) VALUES (?, ?)
  ON CONFLICT (job_id) DO UPDATE SET body = excluded.body`;
export const GET_RESULT = 'SELECT body FROM job_results WHERE job_id = ?';
export const INSERT_LOG = 'INSERT INTO job_logs (job_id, at, line) VALUES (?, ?, ?)';
export const GET_LOGS = 'SELECT at, line FROM job_logs WHERE job_id = ? ORDER BY rowid';
export const RUNNING_ON_BACKEND = `SELECT COUNT(*) AS n FROM jobs
  WHERE backend = ? AND status = 'Running'`;
// Another active dedicated session on the backend (the start commit's check).
export const OTHER_DEDICATED = `SELECT id FROM sessions
  WHERE state = 'active' AND backend = ? AND mode = 'dedicated' AND id IS NOT ? LIMIT 1`;
// Each active session on the backend with its oldest queued job (INDEXED BY: without statistics
// the planner would walk every job of the session).
export const ACTIVE_HEADS = `SELECT s.id AS session_id, s.mode, s.created_at,
    j.seq, j.id, j.instance_id
  FROM sessions s LEFT JOIN jobs j ON j.seq = (
    SELECT MIN(q.seq) FROM jobs q INDEXED BY jobs_session_queued
    WHERE q.session_id = s.id AND q.status = 'Queued')
  WHERE s.state = 'active' AND s.backend = ?`;
export const QUEUE_POSITION = `SELECT COUNT(*) AS n FROM jobs
  WHERE backend = ? AND status = 'Queued' AND seq < (SELECT seq FROM jobs WHERE id = ?)`;
export const RECENT_DURATIONS = `SELECT ended_at - started_at AS ms FROM jobs
  WHERE backend = ? AND status = 'Completed' ORDER BY ended_at DESC LIMIT ?`;
export const LEASED_JOBS = `${JOB_SELECT} WHERE status = 'Running' AND worker_id = ?
  AND lease_until IS NOT NULL ORDER BY seq`;
export const SETTLED_USAGE = `SELECT usage_ms FROM instance_usage
  WHERE instance_id = ? AND period_start = ?`;
export const LIVE_SESSIONS = `SELECT * FROM sessions
  WHERE instance_id = ? AND (state = 'active' OR running > 0)`;
export const SESSIONLESS_RUNNING = `SELECT COUNT(*) AS n, COALESCE(SUM(started_at), 0) AS start_sum
  FROM jobs INDEXED BY jobs_sessionless_running
  WHERE instance_id = ? AND status = 'Running' AND session_id IS NULL`;
export const KEY_BY_HASH = 'SELECT * FROM api_keys WHERE hash = ?';
export const KEY_BY_ID = 'SELECT * FROM api_keys WHERE id = ?';
export const LIST_KEYS = 'SELECT * FROM api_keys ORDER BY created_at, id';
export const REVOKE_KEY = 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL';
export const INSERT_SECRET =
  'INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING';
export const GET_SECRET = 'SELECT value FROM secrets WHERE name = ?';
export const QUEUED_OF_SESSION = `${JOB_SELECT} WHERE session_id = ? AND status = 'Queued'
  ORDER BY seq LIMIT ?`;
export const RELEASED_JOB = `${JOB_SELECT} WHERE backend = @backend AND status = 'Running'
  AND worker_id IS NULL AND settle_at IS NULL ORDER BY seq LIMIT 1`;
export const LAST_EVENT_SEQ = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM events';

/** SQL of the SQLite adapter, one constant per statement. Always parameterised. */

export * from '../queries.js';
import { RULES_SQL } from '../queries.js';
export const DELETE_PARAMS = 'DELETE FROM job_params WHERE job_id = ?';
export const DELETE_RESULT = 'DELETE FROM job_results WHERE job_id = ?';
export const DELETE_LOGS = 'DELETE FROM job_logs WHERE job_id = ?';
export const GET_RESULT = 'SELECT body FROM job_results WHERE job_id = ?';
export const INSERT_LOG = 'INSERT INTO job_logs (job_id, at, line) VALUES (?, ?, ?)';
export const GET_LOGS = 'SELECT at, line FROM job_logs WHERE job_id = ? ORDER BY rowid';
// Each active session on the backend with its oldest queued job (INDEXED BY: without statistics
// the planner would walk every job of the session).
export const ACTIVE_HEADS = `SELECT s.id AS session_id, s.mode, s.created_at,
    j.seq, j.id, j.instance_id
  FROM sessions s LEFT JOIN jobs j ON j.seq = (
    SELECT MIN(q.seq) FROM jobs q INDEXED BY jobs_session_queued
    WHERE q.session_id = s.id AND q.status = 'Queued')
  WHERE ${RULES_SQL.active('s')} AND s.backend = ?`;
export const SESSIONLESS_RUNNING = `SELECT user_id, COUNT(*) AS n, SUM(started_at) AS start_sum
  FROM jobs INDEXED BY jobs_sessionless_running
  WHERE instance_id = ? AND status = 'Running' AND session_id IS NULL
  GROUP BY user_id`;
export const LAST_EVENT_SEQ = 'SELECT COALESCE(MAX(seq), 0) AS seq FROM events';

/**
 * A whole commit in one round trip: a PL/pgSQL function that takes the commit as one JSON
 * document and writes it (the start check, the compare-and-sets, the inserts, the events and
 * the NOTIFY), called as one statement outside any explicit transaction, so the statement is
 * the transaction. A commit used to take 8 to 12 round trips (BEGIN, one per statement,
 * COMMIT), and the events lock was held across the client round trips between its statements;
 * now it is held only inside the server, from the events' insert to the commit. PL/pgSQL keeps
 * the plans of its statements per connection, so nothing is planned twice.
 *
 * The function is generated from the same column lists as the statements (queries.ts), and its
 * name carries a hash of its text: a node creates the version it needs if it is missing (under
 * the migrations lock), and nodes of two Berth versions during a rolling upgrade each call
 * their own.
 *
 * A failed check raises SQLSTATE BE409 (a compare-and-set that hit no row, a full backend, or
 * another active dedicated session): the statement, and so the whole commit, is rolled back.
 */
import { createHash } from 'node:crypto';
import { JOB_COLUMNS, SESSION_COLUMNS } from './queries.js';

/** The SQLSTATE of a failed check: the commit wrote nothing and is `false`. */
export const CONFLICT_SQLSTATE = 'BE409';

/** The channel every node LISTENs on. */
export const CHANNEL = 'berth_events';

const cols = (c: readonly string[]): string => c.join(', ');
const fromRecord = (c: readonly string[]): string => c.map((x) => `r.${x}`).join(', ');
const setFrom = (c: readonly string[]): string =>
  c
    .filter((x) => x !== 'id')
    .map((x) => `${x} = r.${x}`)
    .join(', ');

/** Write one row of `table` from `doc` (insert, or compare-and-set on its version). */
function upsertRow(table: string, columns: readonly string[], doc: string, insert: string): string {
  return `
    IF (${insert}) THEN
      INSERT INTO ${table} (${cols(columns)})
        SELECT ${fromRecord(columns)} FROM jsonb_populate_record(NULL::${table}, ${doc}) r;
    ELSE
      UPDATE ${table} t SET ${setFrom(columns)}
        FROM jsonb_populate_record(NULL::${table}, ${doc}) r
        WHERE t.id = r.id AND t.version = r.version - 1;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'berth: ${table} % changed meanwhile', ${doc}->>'id'
          USING ERRCODE = '${CONFLICT_SQLSTATE}';
      END IF;
    END IF;`;
}

function body(): string {
  return `
DECLARE
  p jsonb;
  b text;
  n bigint;
BEGIN
  FOR p IN SELECT value FROM jsonb_array_elements(c->'parts') LOOP
    IF p ? 'start' THEN
      -- The backend's own lock: start commits on one backend take turns.
      b := p->'start'->>'backend';
      PERFORM pg_advisory_xact_lock(hashtext('berth.backend:' || b));
      IF (SELECT COUNT(*) FROM jobs WHERE backend = b AND status = 'Running')
           >= (p->'start'->>'lanes')::int
         OR EXISTS (SELECT 1 FROM sessions WHERE state = 'active' AND backend = b
           AND mode = 'dedicated' AND id IS DISTINCT FROM (p->'job'->>'session_id')) THEN
        RAISE EXCEPTION 'berth: no lane on %', b USING ERRCODE = '${CONFLICT_SQLSTATE}';
      END IF;
    END IF;
    IF p ? 'session' THEN${upsertRow('sessions', SESSION_COLUMNS, "p->'session'", "(p->>'session_insert')::boolean")}
    END IF;
    IF p ? 'job' THEN${upsertRow('jobs', JOB_COLUMNS, "p->'job'", "(p->>'job_insert')::boolean")}
      IF (p->>'job_insert')::boolean THEN
        INSERT INTO job_params (job_id, body) VALUES (p->'job'->>'id', p->>'params');
      END IF;
    END IF;
    IF p ? 'other_jobs' THEN
      UPDATE jobs t SET ${setFrom(JOB_COLUMNS)}
        FROM jsonb_populate_recordset(NULL::jobs, p->'other_jobs') r
        WHERE t.id = r.id AND t.version = r.version - 1;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> jsonb_array_length(p->'other_jobs') THEN
        RAISE EXCEPTION 'berth: a job changed meanwhile' USING ERRCODE = '${CONFLICT_SQLSTATE}';
      END IF;
    END IF;
    IF p ? 'charge' THEN
      INSERT INTO instance_usage (instance_id, period_start, usage_ms)
        VALUES (p->'charge'->>'instance_id', (p->'charge'->>'period_start')::bigint,
          (p->'charge'->>'ms')::bigint)
        ON CONFLICT (instance_id, period_start)
        DO UPDATE SET usage_ms = instance_usage.usage_ms + excluded.usage_ms;
    END IF;
    IF p ? 'result' THEN
      INSERT INTO job_results (job_id, body) VALUES (p->'result'->>'job_id', p->'result'->>'body')
        ON CONFLICT (job_id) DO UPDATE SET body = excluded.body;
    END IF;
    IF p ? 'logs' THEN
      INSERT INTO job_logs (job_id, at, line)
        SELECT r.job_id, r.at, r.line
        FROM jsonb_array_elements(p->'logs') WITH ORDINALITY AS e(v, i),
          jsonb_populate_record(NULL::job_logs, e.v) r
        ORDER BY e.i;
    END IF;
  END LOOP;
  IF jsonb_array_length(c->'events') > 0 THEN
    -- Held until the commit: event-appending commits take turns from here, so sequence numbers
    -- are handed out in commit order (a reader that saw event n never later finds one below n).
    PERFORM pg_advisory_xact_lock(hashtext('berth.events'));
    INSERT INTO events (type, instance_id, session_id, job_id, at, body)
      SELECT r.type, r.instance_id, r.session_id, r.job_id, r.at, r.body
      FROM jsonb_array_elements(c->'events') WITH ORDINALITY AS e(v, i),
        jsonb_populate_record(NULL::events, e.v) r
      ORDER BY e.i;
    PERFORM pg_notify('${CHANNEL}', c->>'notify');
  END IF;
END`;
}

const BODY = body();

/** The function's name: its text's hash, so that a changed function is a new one. */
export const COMMIT_FUNCTION = `berth_commit_${createHash('sha1').update(BODY).digest('hex').slice(0, 12)}`;

/** CREATE OR REPLACE of the function, in the connection's current schema. */
export const CREATE_COMMIT_FUNCTION = `CREATE OR REPLACE FUNCTION ${COMMIT_FUNCTION}(c jsonb)
  RETURNS void LANGUAGE plpgsql AS $berth$${BODY}$berth$`;

/** Whether the function exists in the current schema. */
export const COMMIT_FUNCTION_EXISTS = `SELECT 1 FROM pg_proc
  WHERE proname = '${COMMIT_FUNCTION}' AND pronamespace = current_schema()::regnamespace`;

/** The one statement of a commit. */
export const CALL_COMMIT = `SELECT ${COMMIT_FUNCTION}($1::jsonb)`;

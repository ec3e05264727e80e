/**
 * A whole commit in one round trip: a PL/pgSQL function that takes the commit as one JSON
 * document and writes it (the start check, the compare-and-sets, the inserts and the events;
 * the other nodes hear of it afterwards, notifier.ts), called as one statement outside any explicit transaction, so the statement is
 * the transaction. A commit used to take 8 to 12 round trips (BEGIN, one per statement,
 * COMMIT), and the events lock was held across the client round trips between its statements;
 * PL/pgSQL keeps the plans of its statements per connection, so nothing is planned twice.
 *
 * Event order without a global lock. Readers must never find an event numbered below one they
 * already read (issue 10's guarantee), yet transactions commit in any order. So a commit that
 * appends events first takes its transaction id and its events' sequence numbers together,
 * under a lock held only for that (microseconds, released before any other write): across such
 * commits, transaction ids and sequence numbers grow together. A reader reads only events whose
 * transaction id is below its snapshot's xmin (every transaction below it has ended, so all of
 * their events are visible); an event that becomes visible later belongs to a transaction at or
 * above that xmin, and so has a higher number than everything read. The global lock this
 * replaces was held from the events' insert through the commit's WAL flush, and every
 * event-appending commit of every node queued on it.
 *
 * The function is generated from the same column lists and statements as SQLite's writePart
 * (queries.ts: the start check, the charges, params and results are the same text), and its
 * name carries a hash of its text: a node creates the version it needs if it is missing (under
 * the migrations lock), and nodes of two Berth versions during a rolling upgrade each call
 * their own.
 *
 * A failed check raises SQLSTATE BE409 (a compare-and-set that hit no row, a full backend, or
 * another active dedicated session): the statement, and so the whole commit, is rolled back.
 */
import { createHash } from 'node:crypto';
import {
  CHARGE,
  CHARGE_USER,
  INSERT_JOB,
  INSERT_PARAMS,
  INSERT_RESULT,
  INSERT_SESSION,
  JOB_COLUMNS,
  OTHER_DEDICATED,
  UPDATE_JOB,
  UPDATE_SESSION,
  RUNNING_ON_BACKEND,
  SESSION_COLUMNS,
} from '../queries.js';

/** The SQLSTATE of a failed check: the commit wrote nothing and is `false`. */
export const CONFLICT_SQLSTATE = 'BE409';

/**
 * Only events every transaction before which has ended: see the header. An event written
 * before migration 0012 has no transaction id, and its transaction is long over.
 */
export const EVENTS_VISIBLE = '(xid IS NULL OR xid < pg_snapshot_xmin(pg_current_snapshot()))';

/** The channel every node LISTENs on. */
export const CHANNEL = 'berth_events';

/**
 * A statement of ../queries.ts, the one SQLite's writePart runs, with its @parameters bound to
 * the function's values: the start check, the charges and the result are written once for both
 * stores.
 */
function bound(sql: string, values: Readonly<Record<string, string>>): string {
  return sql.replace(/@([a-z_]+)/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for @${name} in the commit function`);
    return v;
  });
}

/** Every column of a row as the record variable `v`'s field. */
const fieldsOf = (v: string, columns: readonly string[]): Record<string, string> =>
  Object.fromEntries(columns.map((c) => [c, `${v}.${c}`]));

/**
 * Write one row of `table` from `doc`, through record variable `v`: INSERT_* or UPDATE_* of
 * queries.ts (a compare-and-set on its version), the statements SQLite runs.
 */
function upsertRow(
  v: string,
  statements: { insert: string; update: string; columns: readonly string[]; table: string },
  doc: string,
  insert: string,
): string {
  const fields = fieldsOf(v, statements.columns);
  return `
      ${v} := jsonb_populate_record(NULL::${statements.table}, ${doc});
      IF (${insert}) THEN
        ${bound(statements.insert, fields)};
      ELSE
        ${bound(statements.update, fields)};
        IF NOT FOUND THEN
          RAISE EXCEPTION 'berth: ${statements.table} % changed meanwhile', ${v}.id
            USING ERRCODE = '${CONFLICT_SQLSTATE}';
        END IF;
      END IF;`;
}

const SESSIONS = {
  insert: INSERT_SESSION,
  update: UPDATE_SESSION,
  columns: SESSION_COLUMNS,
  table: 'sessions',
};
const JOBS = { insert: INSERT_JOB, update: UPDATE_JOB, columns: JOB_COLUMNS, table: 'jobs' };

/** Shards per usage counter: more than the connections that commit at once on two cores. */
const USAGE_SHARDS = 16;

const START = { backend: 'b', session_id: "(p->'job'->>'session_id')" };
const CHARGED = {
  instance_id: "(p->'charge'->>'instance_id')",
  user_id: "(p->'charge'->>'user_id')",
  period_start: "(p->'charge'->>'period_start')::bigint",
  ms: "(p->'charge'->>'ms')::bigint",
  // The connection's own shard (migration 0014): concurrent commits charge different rows.
  shard: `(pg_backend_pid() % ${USAGE_SHARDS})`,
};

function body(): string {
  return `
DECLARE
  p jsonb;
  o jsonb;
  sr sessions%ROWTYPE;
  jr jobs%ROWTYPE;
  b text;
  n bigint;
  events_n int := jsonb_array_length(c->'events');
  first_seq bigint;
BEGIN
  IF events_n > 0 THEN
    -- This transaction's id and its events' numbers, together (see the header), under a
    -- session lock: an error does not release one, so the handler does. (Berth never cancels a
    -- statement, which no handler catches; a terminated connection releases its locks.)
    PERFORM pg_advisory_lock(hashtext('berth.event_numbers'));
    BEGIN
      PERFORM pg_current_xact_id();
      first_seq := nextval(pg_get_serial_sequence('events', 'seq'));
      IF events_n > 1 THEN
        PERFORM setval(pg_get_serial_sequence('events', 'seq'), first_seq + events_n - 1);
      END IF;
    EXCEPTION WHEN OTHERS THEN
      PERFORM pg_advisory_unlock(hashtext('berth.event_numbers'));
      RAISE;
    END;
    PERFORM pg_advisory_unlock(hashtext('berth.event_numbers'));
  END IF;
  FOR p IN SELECT value FROM jsonb_array_elements(c->'parts') LOOP
    IF p ? 'start' THEN
      -- The backend's own lock: start commits on one backend take turns.
      b := p->'start'->>'backend';
      PERFORM pg_advisory_xact_lock(hashtext('berth.backend:' || b));
      IF (${bound(RUNNING_ON_BACKEND, START)}) >= (p->'start'->>'lanes')::int
         OR EXISTS (${bound(OTHER_DEDICATED, START)}) THEN
        RAISE EXCEPTION 'berth: no lane on %', b USING ERRCODE = '${CONFLICT_SQLSTATE}';
      END IF;
    END IF;
    IF p ? 'session' THEN${upsertRow('sr', SESSIONS, "p->'session'", "(p->>'session_insert')::boolean")}
    END IF;
    IF p ? 'job' THEN${upsertRow('jr', JOBS, "p->'job'", "(p->>'job_insert')::boolean")}
      IF (p->>'job_insert')::boolean THEN
        ${bound(INSERT_PARAMS, { job_id: "(p->'job'->>'id')", body: "(p->>'params')" })};
      END IF;
    END IF;
    IF p ? 'other_jobs' THEN
      FOR o IN SELECT value FROM jsonb_array_elements(p->'other_jobs') LOOP${upsertRow('jr', JOBS, 'o', 'false')}
      END LOOP;
    END IF;
    IF p ? 'charge' THEN
      ${bound(CHARGE, CHARGED)};
      ${bound(CHARGE_USER, CHARGED)};
    END IF;
    IF p ? 'result' THEN
      ${bound(INSERT_RESULT, { job_id: "(p->'result'->>'job_id')", body: "(p->'result'->>'body')" })};
    END IF;
    IF p ? 'logs' THEN
      INSERT INTO job_logs (job_id, at, line)
        SELECT r.job_id, r.at, r.line
        FROM jsonb_array_elements(p->'logs') WITH ORDINALITY AS e(v, i),
          jsonb_populate_record(NULL::job_logs, e.v) r
        ORDER BY e.i;
    END IF;
  END LOOP;
  IF events_n > 0 THEN
    INSERT INTO events (seq, type, instance_id, session_id, job_id, at, body, xid)
      OVERRIDING SYSTEM VALUE
      SELECT first_seq + e.i - 1, r.type, r.instance_id, r.session_id, r.job_id, r.at, r.body,
        pg_current_xact_id()
      FROM jsonb_array_elements(c->'events') WITH ORDINALITY AS e(v, i),
        jsonb_populate_record(NULL::events, e.v) r;
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

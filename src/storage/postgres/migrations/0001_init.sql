-- Berth schema, PostgreSQL dialect: the same columns as the SQLite one (ADR 0009). Times are
-- BIGINT epoch milliseconds (UTC); JSON is TEXT; booleans are 0/1 INTEGER, so one codec serves both.

CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  share DOUBLE PRECISION NOT NULL,
  usage_limit_seconds DOUBLE PRECISION,
  max_ttl_seconds INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  admin INTEGER NOT NULL,
  instances TEXT NOT NULL,
  default_instance TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT
);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  backend TEXT,
  mode TEXT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL,
  accepting_jobs INTEGER NOT NULL,
  max_ttl BIGINT NOT NULL,
  interactive_ttl BIGINT NOT NULL,
  active_ttl BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  activated_at BIGINT,
  deactivated_at BIGINT,
  closed_at BIGINT,
  last_job_started_at BIGINT,
  last_job_completed_at BIGINT,
  timestamps TEXT NOT NULL,
  queued INTEGER NOT NULL,
  running INTEGER NOT NULL,
  running_start_sum_ms BIGINT NOT NULL,
  usage_ms BIGINT NOT NULL,
  open_deadline BIGINT,
  idle_deadline BIGINT,
  max_deadline BIGINT,
  version INTEGER NOT NULL
);
CREATE INDEX sessions_instance_created ON sessions (instance_id, created_at);
CREATE INDEX sessions_open_deadline ON sessions (open_deadline) WHERE open_deadline IS NOT NULL;
CREATE INDEX sessions_idle_deadline ON sessions (idle_deadline) WHERE idle_deadline IS NOT NULL;
CREATE INDEX sessions_max_deadline ON sessions (max_deadline) WHERE max_deadline IS NOT NULL;
CREATE INDEX sessions_active ON sessions (backend, mode, created_at) WHERE state = 'active';
CREATE INDEX sessions_live ON sessions (instance_id) WHERE state = 'active' OR running > 0;

CREATE TABLE jobs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  instance_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  backend TEXT NOT NULL,
  program_id TEXT NOT NULL,
  session_id TEXT,
  tags TEXT NOT NULL,
  log_level TEXT,
  cost BIGINT NOT NULL,
  private INTEGER NOT NULL,
  runtime TEXT,
  caller TEXT,
  status TEXT NOT NULL,
  reason TEXT,
  reason_code INTEGER,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  hold_ms BIGINT NOT NULL,
  settle_at BIGINT,
  cost_deadline BIGINT,
  cancel_requested_at BIGINT,
  attempts INTEGER NOT NULL,
  version INTEGER NOT NULL
);
-- Indexes are chosen so that a job's state change touches few pages: immutable columns, or
-- partial indexes that a job enters and leaves once.
CREATE INDEX jobs_queued ON jobs (backend, seq) WHERE status = 'Queued';
CREATE INDEX jobs_session_queued ON jobs (session_id, seq) WHERE status = 'Queued';
CREATE INDEX jobs_running ON jobs (backend) WHERE status = 'Running';
CREATE INDEX jobs_sessionless_running ON jobs (instance_id) WHERE status = 'Running' AND session_id IS NULL;
CREATE INDEX jobs_session ON jobs (session_id);
CREATE INDEX jobs_instance_created ON jobs (instance_id, created_at);
CREATE INDEX jobs_settle_at ON jobs (settle_at) WHERE settle_at IS NOT NULL;
CREATE INDEX jobs_cost_deadline ON jobs (cost_deadline) WHERE cost_deadline IS NOT NULL;
CREATE INDEX jobs_completed ON jobs (backend, ended_at) WHERE status = 'Completed';

-- Params are written once and can be large (circuits): kept out of the row that changes.
CREATE TABLE job_params (
  job_id TEXT PRIMARY KEY,
  body TEXT NOT NULL
);

CREATE TABLE job_results (
  job_id TEXT PRIMARY KEY,
  body TEXT NOT NULL
);

CREATE TABLE job_logs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX job_logs_job ON job_logs (job_id);

CREATE TABLE instance_usage (
  instance_id TEXT NOT NULL,
  period_start BIGINT NOT NULL,
  usage_ms BIGINT NOT NULL,
  PRIMARY KEY (instance_id, period_start)
);

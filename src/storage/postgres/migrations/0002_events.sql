-- The durable event log (GET /events, webhooks). One row per state change or log line, written
-- in the same transaction as the change itself, so a committed change always has its event.
-- `body` is the subject's row as it was after the change (JSON), decoded with the row codecs.

CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  session_id TEXT,
  job_id TEXT,
  at BIGINT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX events_instance ON events (instance_id, seq);
CREATE INDEX events_session ON events (session_id, seq) WHERE session_id IS NOT NULL;
CREATE INDEX events_job ON events (job_id, seq) WHERE job_id IS NOT NULL;
CREATE INDEX events_at ON events (at);

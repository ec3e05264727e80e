-- Ownership for several executors and nodes: a running job is leased to one executor until
-- `lease_until` (renewed by heartbeat; a deadline like the others), and at most one dedicated
-- session is active per backend (the start commit checks it; this index is the backstop).
ALTER TABLE jobs ADD COLUMN worker_id TEXT;
ALTER TABLE jobs ADD COLUMN lease_until BIGINT;
CREATE INDEX jobs_lease_until ON jobs (lease_until) WHERE lease_until IS NOT NULL;
CREATE UNIQUE INDEX sessions_one_dedicated ON sessions (backend)
  WHERE state = 'active' AND mode = 'dedicated';
-- A delivery being attempted is claimed by one dispatcher until `claim_until`.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN claim_until BIGINT;
-- Jobs left running by an older Berth have no lease: their executor is gone, so the lease is due.
UPDATE jobs SET lease_until = 0 WHERE status = 'Running' AND settle_at IS NULL;

-- Events are numbered without a global lock (commit-function.ts): a commit takes its
-- transaction id and its sequence numbers together, under a lock held for microseconds, so that
-- both grow together; readers read only events whose transaction is older than every one still
-- running (pg_snapshot_xmin), so no event can appear later below one already read. NULL: an
-- event written before this migration (its transaction is long over).
ALTER TABLE events ADD COLUMN xid xid8;

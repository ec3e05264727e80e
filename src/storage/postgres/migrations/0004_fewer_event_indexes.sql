-- Every index on `events` is one more page written by every commit. The instance stream and
-- pruning walk the primary key instead (sequence numbers follow time), so their indexes go.
DROP INDEX events_instance;
DROP INDEX events_at;

-- Usage counters in shards, as in PostgreSQL (see its 0014): SQLite has one writer, so its
-- charges all go to shard 0, but the tables, keys and statements are the same in both stores.
CREATE TABLE instance_usage_sharded (
  instance_id TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  usage_ms INTEGER NOT NULL,
  PRIMARY KEY (instance_id, period_start, shard)
);
INSERT INTO instance_usage_sharded (instance_id, period_start, shard, usage_ms)
  SELECT instance_id, period_start, 0, usage_ms FROM instance_usage;
DROP TABLE instance_usage;
ALTER TABLE instance_usage_sharded RENAME TO instance_usage;
CREATE TABLE user_usage_sharded (
  instance_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  shard INTEGER NOT NULL DEFAULT 0,
  usage_ms INTEGER NOT NULL,
  PRIMARY KEY (instance_id, period_start, user_id, shard)
);
INSERT INTO user_usage_sharded (instance_id, user_id, period_start, shard, usage_ms)
  SELECT instance_id, user_id, period_start, 0, usage_ms FROM user_usage;
DROP TABLE user_usage;
ALTER TABLE user_usage_sharded RENAME TO user_usage;

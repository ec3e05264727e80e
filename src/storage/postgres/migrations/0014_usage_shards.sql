-- Usage counters in shards: every job that ends charges its instance and user, and with one row
-- per instance and period those charges queued on that row's lock through each commit's WAL
-- flush (measured: two of Berth's connections waiting on it on average under load). A charge
-- now adds to the shard of its connection (the commit function picks it); readers sum the
-- shards. Existing rows are shard 0.
ALTER TABLE instance_usage ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE instance_usage DROP CONSTRAINT instance_usage_pkey;
ALTER TABLE instance_usage ADD PRIMARY KEY (instance_id, period_start, shard);
ALTER TABLE user_usage ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE user_usage DROP CONSTRAINT user_usage_pkey;
ALTER TABLE user_usage ADD PRIMARY KEY (instance_id, period_start, user_id, shard);

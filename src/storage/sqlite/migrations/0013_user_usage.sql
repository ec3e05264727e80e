-- Usage per user (an API key's user_id) in each instance and period, beside the instance's own
-- total (instance_usage): charged in the same commit. Usage settled before this migration is in
-- the instance's total only.
CREATE TABLE user_usage (
  instance_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  usage_ms INTEGER NOT NULL,
  PRIMARY KEY (instance_id, period_start, user_id)
);

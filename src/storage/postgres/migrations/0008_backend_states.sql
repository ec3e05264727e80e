-- Backends paused or resumed by an administrator (POST /admin/backends/{name}/pause|resume):
-- this status overrides the configuration's until changed again, on every node.
CREATE TABLE backend_states (
  name TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  reason TEXT,
  changed_at BIGINT NOT NULL,
  changed_by TEXT NOT NULL
);

-- Berth nodes on one database: each heartbeats its row, and schedules the backends it holds a
-- lease on (one node per backend at a time; a lease not renewed passes to another node).
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

CREATE TABLE backend_owners (
  backend TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  lease_until INTEGER NOT NULL
);

-- Why a node cannot schedule now (its scheduler's passes keep failing, another process uses its
-- id), or NULL. Such a node still heartbeats, but claims no backends, and the others do not
-- count it when they share the backends out (GET /api/v1/nodes shows the reason).
ALTER TABLE nodes ADD COLUMN problem TEXT;

-- PostgreSQL numbers events without a global lock and records each event's transaction id
-- (postgres/migrations/0012). SQLite has one writer: events are numbered in commit order as they
-- are, and nothing changes here.
SELECT 1;

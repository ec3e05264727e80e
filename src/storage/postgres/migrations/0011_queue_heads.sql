-- The normal queue's head of each instance, found without reading the whole queue: per
-- instance, the backend's queued jobs in order (the dispatch snapshot walks it to the first job
-- of the normal queue).
CREATE INDEX jobs_queued_instance ON jobs (backend, instance_id, seq) WHERE status = 'Queued';

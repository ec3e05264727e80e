-- Remote workers: worker keys name the external backends they may lease jobs of, and a job
-- records when its worker began real work (a job lost after that is not run again).
ALTER TABLE api_keys ADD COLUMN worker_backends TEXT;
ALTER TABLE jobs ADD COLUMN work_started_at BIGINT;

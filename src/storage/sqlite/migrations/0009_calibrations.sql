-- Each backend's calibrations, kept as history: the properties (and configuration) documents a
-- backend had, under an id. GET /backends/{name}/properties serves the newest; calibration_id and
-- updated_before choose another; a job submitted with a calibration_id runs with its noise.
CREATE TABLE calibrations (
  backend TEXT NOT NULL,
  id TEXT NOT NULL,
  last_update INTEGER NOT NULL,
  properties TEXT NOT NULL,
  configuration TEXT,
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (backend, id)
);
CREATE INDEX calibrations_by_date ON calibrations (backend, last_update);
ALTER TABLE jobs ADD COLUMN calibration_id TEXT;

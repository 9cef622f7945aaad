-- dualmark registry schema, version 11: what re-running a version's
-- assessment after a re-match needs (issue 13: "Assessments of affected
-- products are re-run and their verdict changes recorded").
-- files_kept says the version's evidence files (and CBOM) were kept at upload
-- in the registry's file store (DATA/files, content-addressed): versions
-- uploaded before this migration lack them and are never re-assessed, since
-- an assessment without its evidence would report it missing.
ALTER TABLE versions ADD COLUMN files_kept INTEGER NOT NULL DEFAULT 0;
-- the files of a version: the dossier-relative path and the SHA-256 of the
-- bytes kept under DATA/files
CREATE TABLE version_files (
  version_id TEXT NOT NULL REFERENCES versions(id),
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  size BIGINT NOT NULL,
  PRIMARY KEY (version_id, name)
);
-- versions waiting for a re-assessment: written after a re-match changed
-- their findings, removed in the transaction that records the result
CREATE TABLE reassess_queue (
  version_id TEXT PRIMARY KEY REFERENCES versions(id),
  job_id TEXT NOT NULL,
  queued BIGINT NOT NULL
);
-- every re-assessment: the verdicts before (the upload's, or the previous
-- re-assessment's) and after, the requirements whose status changed (a JSON
-- array), and the digest of the new assessment JSON (stored in blobs)
CREATE TABLE reassessments (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES versions(id),
  job_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL,
  changes TEXT NOT NULL DEFAULT '[]',
  assessment TEXT NOT NULL,
  skipped TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reassessments_version ON reassessments(version_id, seq);

-- dualmark registry schema, version 2 (SQLite): the monitor of issue 13 —
-- the reverse index (component → product versions), findings with their
-- history, verdict changes and resumable re-match jobs. Times are Unix
-- microseconds.
-- Each distinct component (what matching reads of it: name, version, purl,
-- CPEs, type, source and download URL) is stored once.
CREATE TABLE components (
  id INTEGER PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  purl TEXT NOT NULL DEFAULT '',
  cpes TEXT NOT NULL DEFAULT '',
  type TEXT NOT NULL DEFAULT '',
  source_url TEXT NOT NULL DEFAULT '',
  download_url TEXT NOT NULL DEFAULT ''
);
-- the advisory index keys (package, CPE, repository) matching looked a
-- component up under: what an advisory record touches
CREATE TABLE component_keys (
  key TEXT NOT NULL,
  component_id BIGINT NOT NULL REFERENCES components(id),
  PRIMARY KEY (key, component_id)
) WITHOUT ROWID;
-- edges: a product version contains a component (ref and dependency path
-- inside its SBOM)
CREATE TABLE version_components (
  component_id BIGINT NOT NULL REFERENCES components(id),
  version_id TEXT NOT NULL REFERENCES versions(id),
  ref TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL DEFAULT '',
  -- digest of the pair's finding states as last committed ('' for none,
  -- '?' before the first commit):
  -- a re-match reads and writes the findings only of pairs whose digest changes
  state TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (component_id, version_id, ref)
) WITHOUT ROWID;
CREATE INDEX version_components_version ON version_components(version_id);
-- per indexed version: the platform matching uses and VEX statements
CREATE TABLE version_monitor (
  version_id TEXT PRIMARY KEY REFERENCES versions(id),
  platform TEXT NOT NULL DEFAULT '',
  vex TEXT NOT NULL DEFAULT '',
  indexed BIGINT NOT NULL
);
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES versions(id),
  component_id BIGINT NOT NULL REFERENCES components(id),
  vuln_id TEXT NOT NULL,
  aliases TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  kev INTEGER NOT NULL DEFAULT 0,
  epss REAL,
  fixed TEXT NOT NULL DEFAULT '',
  vex_status TEXT NOT NULL DEFAULT '',
  first_seen BIGINT NOT NULL,
  last_changed BIGINT NOT NULL,
  resolved BIGINT,
  reason TEXT NOT NULL DEFAULT '',
  UNIQUE (version_id, component_id, vuln_id)
);
CREATE INDEX findings_component ON findings(component_id, version_id);
-- every id a finding is known by (its record id and aliases, upper case)
CREATE TABLE finding_ids (
  vid TEXT NOT NULL,
  finding_id BIGINT NOT NULL REFERENCES findings(id),
  PRIMARY KEY (vid, finding_id)
) WITHOUT ROWID;
-- append-only history of findings: opened, changed, resolved, reopened
CREATE TABLE finding_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  finding_id BIGINT NOT NULL REFERENCES findings(id),
  job_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, seq);
-- how a version's scan-driven state changed in a re-match
CREATE TABLE verdict_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  version_id TEXT NOT NULL REFERENCES versions(id),
  job_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  before TEXT NOT NULL,
  after TEXT NOT NULL
);
CREATE INDEX verdict_changes_version ON verdict_changes(version_id, seq);
-- re-match jobs: a job that is still 'running' after a crash is resumed
CREATE TABLE monitor_jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  started BIGINT NOT NULL,
  finished BIGINT,
  plan TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
-- the advisory records the findings were last matched against: record id
-- and a checksum of its encoding (advisory.DB.RecordSums), updated in the
-- transaction that commits the findings, so the next delta starts from it
CREATE TABLE advisory_sums (
  vid TEXT PRIMARY KEY,
  sum BIGINT NOT NULL
);
-- the KEV and EPSS snapshot per vulnerability the findings carry, so a
-- delta compares it with the new database without scanning the findings
CREATE TABLE vuln_snapshots (
  vuln_id TEXT PRIMARY KEY,
  aliases TEXT NOT NULL DEFAULT '',
  kev SMALLINT NOT NULL DEFAULT 0,
  epss REAL
);

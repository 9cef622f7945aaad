-- dualmark registry schema, version 5: CRA Article 14 cases (issue 14).
-- A case's document is the internal/art14 case file as JSON (awareness,
-- drafts, submissions, audit trail); the columns are what lists and the
-- uniqueness of automatic cases need. Times are Unix microseconds.
CREATE TABLE art14_cases (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  product_id TEXT NOT NULL REFERENCES products(id),
  version_id TEXT NOT NULL,
  -- "vuln:<ID>" for a vulnerability case (one per product and
  -- vulnerability, so opening is idempotent), "manual:<case id>" else
  case_key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('vulnerability', 'incident')),
  vuln_id TEXT NOT NULL,
  source TEXT NOT NULL,
  doc TEXT NOT NULL,
  opened BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  UNIQUE (org_id, product_id, case_key)
);
CREATE INDEX art14_cases_org ON art14_cases(org_id, id);
-- every submitted stage, with its signed statement's log bundle
CREATE TABLE art14_stage_log (
  case_id TEXT NOT NULL REFERENCES art14_cases(id),
  stage TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  submitted BIGINT NOT NULL,
  log_index BIGINT NOT NULL,
  bundle BYTEA NOT NULL,
  PRIMARY KEY (case_id, stage, log_index)
);

-- dualmark registry schema, version 8: the CSAF documents the registry
-- publishes as each manufacturer's CSAF trusted provider (issue 14). One
-- row per organisation and tracking ID holds the current revision; source
-- says what it was made from (a version's VEX, a case's advisory), so a
-- re-publish or a re-match finds the document it revises. Times are Unix
-- microseconds.
CREATE TABLE csaf_documents (
  org_id TEXT NOT NULL REFERENCES orgs(id),
  tracking_id TEXT NOT NULL,
  tlp TEXT NOT NULL CHECK (tlp IN ('WHITE', 'GREEN', 'AMBER', 'RED')),
  source TEXT NOT NULL CHECK (source IN ('version', 'case')),
  source_id TEXT NOT NULL,
  title TEXT NOT NULL,
  initial_release BIGINT NOT NULL,
  current_release BIGINT NOT NULL,
  revision INTEGER NOT NULL,
  content BLOB NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (org_id, tracking_id),
  UNIQUE (org_id, source, source_id, tlp)
);

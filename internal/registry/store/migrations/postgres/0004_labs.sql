-- dualmark registry schema, version 4: products a manufacturer shares with
-- labs, and the test reports labs attach to versions (issue 12, lab flows).
-- Times are Unix microseconds.
CREATE TABLE product_shares (
  product_id TEXT NOT NULL REFERENCES products(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  created BIGINT NOT NULL,
  PRIMARY KEY (product_id, org_id)
);
CREATE INDEX product_shares_org ON product_shares(org_id, product_id);
CREATE TABLE test_reports (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES versions(id),
  product_id TEXT NOT NULL REFERENCES products(id),
  lab_org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  title TEXT NOT NULL,
  accreditation TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  content TEXT NOT NULL REFERENCES blobs(digest),
  attestation TEXT NOT NULL REFERENCES blobs(digest),
  created BIGINT NOT NULL
);
CREATE INDEX test_reports_version ON test_reports(version_id, id);

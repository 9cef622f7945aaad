-- dualmark registry schema, version 1 (PostgreSQL). Times are Unix microseconds.
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('manufacturer', 'lab', 'authority', 'operator')),
  contact TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created BIGINT NOT NULL,
  revoked BIGINT
);
CREATE TABLE products (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  brand TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  search TEXT NOT NULL,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL
);
CREATE INDEX products_org ON products(org_id, id);
-- content-addressed blobs: what many versions share (an SBOM, an
-- assessment) is stored once
CREATE TABLE blobs (
  digest TEXT PRIMARY KEY,
  data BYTEA NOT NULL
);
CREATE TABLE versions (
  id TEXT PRIMARY KEY,
  product_id TEXT NOT NULL REFERENCES products(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  version TEXT NOT NULL,
  sbom_digest TEXT NOT NULL,
  dossier TEXT NOT NULL REFERENCES blobs(digest),
  sbom TEXT NOT NULL REFERENCES blobs(digest),
  assessment TEXT NOT NULL REFERENCES blobs(digest),
  summary TEXT NOT NULL REFERENCES blobs(digest),
  public TEXT NOT NULL REFERENCES blobs(digest),
  verdicts TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE INDEX versions_product ON versions(product_id, id);
CREATE TABLE labels (
  id TEXT PRIMARY KEY,
  version_id TEXT NOT NULL REFERENCES versions(id),
  product_id TEXT NOT NULL REFERENCES products(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  product_digest TEXT NOT NULL,
  log_index BIGINT NOT NULL,
  bundle BYTEA NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('valid', 'superseded', 'revoked')),
  reason TEXT NOT NULL DEFAULT '',
  issued BIGINT NOT NULL,
  changed BIGINT
);
CREATE INDEX labels_version ON labels(version_id, issued);
CREATE INDEX labels_digest ON labels(org_id, product_digest, status);
CREATE TABLE idempotency (
  org_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE TABLE audit (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at BIGINT NOT NULL,
  org_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  remote TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_org ON audit(org_id, seq);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();

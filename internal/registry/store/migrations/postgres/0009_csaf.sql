-- dualmark registry schema, version 9: CSAF advisories as an advisory source
-- (issue 14 item 5) and the SSVC exploitation of findings (item 1).
--
-- A CSAF document imported: its identity, the SHA-256 of its bytes (a
-- re-import of the same bytes changes nothing) and its vulnerabilities (ids,
-- product status, CVSS scores and remediations by product ID, JSON).
CREATE TABLE csaf_imports (
  id TEXT PRIMARY KEY,
  tracking_id TEXT NOT NULL,
  publisher TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  released TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  imported BIGINT NOT NULL,
  vulns TEXT NOT NULL
);
CREATE INDEX csaf_imports_tracking ON csaf_imports(tracking_id);
-- its products (csaf.Product, JSON) under the device keys a registered
-- device is looked up under (vendor, CPE vendor:product, purl without
-- version); a relationship product under the keys of the products it joins
CREATE TABLE csaf_products (
  doc_id TEXT NOT NULL REFERENCES csaf_imports(id),
  product_id TEXT NOT NULL,
  key TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (doc_id, product_id, key)
);
CREATE INDEX csaf_products_key ON csaf_products(key);
-- the devices themselves are components of type 'device' (one per version)
CREATE INDEX components_device ON components(type) WHERE type = 'device';
-- the SSVC exploitation decision (none, poc, active) a finding was matched with
ALTER TABLE findings ADD COLUMN ssvc TEXT NOT NULL DEFAULT '';
-- every version is indexed again at the next start (Backfill indexes the
-- versions without a version_monitor row), so that versions registered
-- before this migration get their device component; their findings stay
DELETE FROM version_monitor;

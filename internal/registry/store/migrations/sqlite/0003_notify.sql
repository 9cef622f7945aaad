-- dualmark registry schema, version 3 (SQLite): notifications (issue 13).
-- The outbox: every event, written in the transaction of the change that
-- caused it. dedupe makes a scheduled event (support ending in 90 days for
-- one version) unique; NULL for events that happen once by nature.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  product_id TEXT NOT NULL DEFAULT '',
  version_id TEXT NOT NULL DEFAULT '',
  label_id TEXT NOT NULL DEFAULT '',
  vuln_id TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  kev SMALLINT NOT NULL DEFAULT 0,
  epss DOUBLE PRECISION NOT NULL DEFAULT 0,
  occurred BIGINT NOT NULL,
  payload TEXT NOT NULL DEFAULT '',
  dedupe TEXT UNIQUE
);
CREATE INDEX events_org ON events(org_id, id);
-- webhook subscriptions of an organisation; the secret signs deliveries and
-- is shown to the member once, at creation
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  product_id TEXT NOT NULL DEFAULT '',
  min_severity TEXT NOT NULL DEFAULT '',
  kev_only SMALLINT NOT NULL DEFAULT 0,
  min_epss DOUBLE PRECISION NOT NULL DEFAULT 0,
  kinds TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL
);
CREATE INDEX subscriptions_org ON subscriptions(org_id, id);
-- one row per event and matching subscription, created with the event;
-- lease_until/lease_owner let several dispatchers share the table
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events(id),
  subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
  org_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL,
  finished BIGINT
);
CREATE UNIQUE INDEX deliveries_once ON deliveries(event_id, subscription_id);
CREATE INDEX deliveries_due ON deliveries(status, next_at);
CREATE INDEX deliveries_subscription ON deliveries(subscription_id);
-- daily portfolio counts, append-only: one row per day, organisation ('' =
-- every organisation) and metric ("products", "labels.revoked", and later
-- "findings.open.critical", "findings.kev", …)
CREATE TABLE portfolio_counts (
  day TEXT NOT NULL,
  org_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  value BIGINT NOT NULL,
  computed BIGINT NOT NULL,
  PRIMARY KEY (day, org_id, metric)
);
CREATE TRIGGER portfolio_no_update BEFORE UPDATE ON portfolio_counts BEGIN SELECT RAISE(ABORT, 'portfolio counts are append-only'); END;
CREATE TRIGGER portfolio_no_delete BEFORE DELETE ON portfolio_counts BEGIN SELECT RAISE(ABORT, 'portfolio counts are append-only'); END;

-- dualmark registry schema, version 7: the crisis generation (issue 13). The
-- crisis query's answer depends on the findings and on the rows it joins
-- (organisations, products, versions, their stored dossier facts, labels);
-- crisis_generation.n changes whenever one of those tables is written, so a
-- server may keep an answer while n is unchanged (monitor.Monitor's crisis
-- cache). The joined tables bump it by trigger, in the writing transaction;
-- the findings are written only by the re-match commit, which bumps it once
-- after it commits (store.DB.CommitRematch, crisis_index.go) instead of a
-- trigger per finding row. Readers read n before the data: an answer is kept
-- under the n read before it, so it is never kept past a change. catalog
-- moves only with the joined tables (not with the findings): what the query
-- reads of versions, components and paths may be kept while it is unchanged.
CREATE TABLE crisis_generation (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL, catalog BIGINT NOT NULL);
INSERT INTO crisis_generation (id, n, catalog) VALUES (1, 0, 0);
CREATE TRIGGER crisis_gen_orgs_insert AFTER INSERT ON orgs BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_orgs_update AFTER UPDATE ON orgs BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_orgs_delete AFTER DELETE ON orgs BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_products_insert AFTER INSERT ON products BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_products_update AFTER UPDATE ON products BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_products_delete AFTER DELETE ON products BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_versions_insert AFTER INSERT ON versions BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_versions_update AFTER UPDATE ON versions BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_versions_delete AFTER DELETE ON versions BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_version_monitor_insert AFTER INSERT ON version_monitor BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_version_monitor_update AFTER UPDATE ON version_monitor BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_version_monitor_delete AFTER DELETE ON version_monitor BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_labels_insert AFTER INSERT ON labels BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_labels_update AFTER UPDATE ON labels BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
CREATE TRIGGER crisis_gen_labels_delete AFTER DELETE ON labels BEGIN UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1; END;
-- The situation report's query form (monitor.Monitor.Query) most often asks
-- for the open KEV-listed findings: a partial index holds just those (few of
-- all findings, so the re-match commit barely pays for it).
CREATE INDEX findings_open_kev ON findings(version_id) WHERE resolved IS NULL AND kev = 1;

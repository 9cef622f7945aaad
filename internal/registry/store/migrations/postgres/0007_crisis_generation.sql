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
CREATE FUNCTION crisis_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE crisis_generation SET n = n + 1, catalog = catalog + 1 WHERE id = 1;
  RETURN NULL;
END $$;
CREATE TRIGGER crisis_gen_orgs AFTER INSERT OR UPDATE OR DELETE ON orgs FOR EACH STATEMENT EXECUTE FUNCTION crisis_generation_bump();
CREATE TRIGGER crisis_gen_products AFTER INSERT OR UPDATE OR DELETE ON products FOR EACH STATEMENT EXECUTE FUNCTION crisis_generation_bump();
CREATE TRIGGER crisis_gen_versions AFTER INSERT OR UPDATE OR DELETE ON versions FOR EACH STATEMENT EXECUTE FUNCTION crisis_generation_bump();
CREATE TRIGGER crisis_gen_version_monitor AFTER INSERT OR UPDATE OR DELETE ON version_monitor FOR EACH STATEMENT EXECUTE FUNCTION crisis_generation_bump();
CREATE TRIGGER crisis_gen_labels AFTER INSERT OR UPDATE OR DELETE ON labels FOR EACH STATEMENT EXECUTE FUNCTION crisis_generation_bump();
-- The situation report's query form (monitor.Monitor.Query) most often asks
-- for the open KEV-listed findings: a partial index holds just those (few of
-- all findings, so the re-match commit barely pays for it).
CREATE INDEX findings_open_kev ON findings(version_id) WHERE resolved IS NULL AND kev = 1;

-- dualmark registry schema, version 6: what the crisis query reads of a
-- version's dossier (CRA class, markets, contact point), computed once when
-- the version is indexed instead of parsing the stored dossier per request.
-- '' means not computed (versions indexed before this migration): the crisis
-- query then reads the dossier.
ALTER TABLE version_monitor ADD COLUMN facts TEXT NOT NULL DEFAULT '';

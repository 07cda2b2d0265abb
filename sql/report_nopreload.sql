--
-- The catalog reports work without shared_preload_libraries.
--
-- Needs a server without idxadvisor in shared_preload_libraries; on one
-- with it (make installcheck) it only says so: expected/report_nopreload_1.out.
SELECT EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs a server without idxadvisor in shared_preload_libraries
\quit
\endif
SHOW shared_preload_libraries;
CREATE EXTENSION idxadvisor;
CREATE TABLE np_parent (id int PRIMARY KEY);
CREATE TABLE "np Child" ("Parent Id" int REFERENCES np_parent);
CREATE INDEX np_a ON "np Child" ("Parent Id") WHERE "Parent Id" > 0;
CREATE INDEX np_b ON "np Child" ("Parent Id") WHERE 0 < "Parent Id";
SELECT relid, foreign_key, columns, referenced, coverage, suggested_ddl
  FROM idxadvisor_unindexed_foreign_keys();
SELECT relid, index, kind, covered_by, drop_ddl
  FROM idxadvisor_duplicates();
-- the reports loaded the library without preloading it
SELECT count(*) > 0 AS loaded FROM pg_settings WHERE name = 'idxadvisor.enabled';
DROP TABLE "np Child", np_parent;
DROP EXTENSION idxadvisor;

--
-- suggest_outside's substring searches with pg_trgm installed (issue 11),
-- in a schema that is not on the search_path, on a table with an odd name:
-- the suggested GIN index names the operator class schema-qualified, runs
-- as printed through idxadvisor_create_concurrently(), and the plan uses
-- it.  idxadvisor_suggest_for() gives the same for a statement.
--
-- Needs idxadvisor in shared_preload_libraries and pg_trgm available; on a
-- server without either it only says so: expected/suggest_outside_trgm_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') OR
       NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions
                    WHERE name = 'pg_trgm') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries and pg_trgm
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest_outside_trgm;
RESET client_min_messages;
CREATE DATABASE regress_suggest_outside_trgm;
\c regress_suggest_outside_trgm
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;
SET max_parallel_workers_per_gather = 0;
CREATE SCHEMA "Trgm Ext";
CREATE EXTENSION pg_trgm SCHEMA "Trgm Ext";

CREATE TABLE "Parcel Notes" (id int PRIMARY KEY, "Title Text" text NOT NULL)
  WITH (autovacuum_enabled = off);
INSERT INTO "Parcel Notes"
SELECT g, 'parcel ' || g || ' from shop ' || g % 97 FROM generate_series(1, 30000) g;
ANALYZE "Parcel Notes";

\pset expanded on
SELECT idxadvisor_reset();
SELECT count(*) FROM "Parcel Notes" WHERE "Title Text" ILIKE '%SHOP 42%';
SELECT count(*) FROM "Parcel Notes" WHERE "Title Text" LIKE '%shop 43%';
SELECT relid, columns, kind, index_ddl,
       est_cost_after < est_cost_before AS cheaper
  FROM idxadvisor_suggest(verbose => true);
SELECT relid, columns, index_ddl,
       est_cost_after < est_cost_before AS cheaper
  FROM idxadvisor_suggest_for('SELECT id FROM "Parcel Notes" WHERE "Title Text" ILIKE $1');
SELECT idxadvisor_create_concurrently(index_ddl) > 0 AS queued
  FROM idxadvisor_suggest();
CALL idxadvisor_wait();
SELECT pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = '"Parcel Notes"'::regclass AND NOT indisprimary;
\pset expanded off
EXPLAIN (COSTS OFF)
SELECT count(*) FROM "Parcel Notes" WHERE "Title Text" ILIKE '%SHOP 42%';

\c :regress_db
DROP DATABASE regress_suggest_outside_trgm;

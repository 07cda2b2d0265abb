--
-- idxadvisor_suggest() for substring search (issue 11): LIKE '%...%' and
-- ILIKE need a trigram index.  Without pg_trgm the suggestion is rejected
-- with "install pg_trgm"; with it, a GIN index with gin_trgm_ops.
--
-- Needs idxadvisor in shared_preload_libraries and pg_trgm available; on a
-- server without either it only says so: expected/suggest_shapes_trgm_1.out.
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
DROP DATABASE IF EXISTS regress_suggest_trgm;
RESET client_min_messages;
CREATE DATABASE regress_suggest_trgm;
\c regress_suggest_trgm
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;

CREATE TABLE customers (id int PRIMARY KEY, name text, note text);
INSERT INTO customers
SELECT g, 'Customer ' || g || ' of region ' || g % 50, 'note ' || g
  FROM generate_series(1, 20000) g;
ANALYZE customers;

\pset expanded on
SELECT idxadvisor_reset();
SELECT count(*) FROM customers WHERE name ILIKE '%tomer 4242 %';
SELECT count(*) FROM customers WHERE note LIKE '%te 4243%';
-- without pg_trgm: rejected, saying what to install
SELECT count(*) FROM idxadvisor_suggest();
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(verbose => true)
 ORDER BY columns::text COLLATE "C";

-- with it (in a schema of its own, off the search_path): GIN gin_trgm_ops
CREATE SCHEMA trgm;
CREATE EXTENSION pg_trgm SCHEMA trgm;
SELECT relid, columns, kind, index_ddl, seq_scans,
       est_index_bytes > 0 AS sized,
       est_cost_after < est_cost_before AS cheaper, reason
  FROM idxadvisor_suggest()
 ORDER BY columns::text COLLATE "C";
SELECT index_ddl FROM idxadvisor_suggest() ORDER BY index_ddl COLLATE "C" \gexec
\pset expanded off
EXPLAIN (COSTS OFF) SELECT count(*) FROM customers WHERE name ILIKE '%tomer 4242 %';
EXPLAIN (COSTS OFF) SELECT count(*) FROM customers WHERE note LIKE '%te 4243%';
SELECT count(*) FROM customers WHERE name ILIKE '%tomer 4242 %';
\pset expanded on
-- served now
SELECT relid, columns, reason FROM idxadvisor_suggest(verbose => true)
 ORDER BY columns::text COLLATE "C";

\c :regress_db
DROP DATABASE regress_suggest_trgm;

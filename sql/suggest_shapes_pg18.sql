--
-- idxadvisor_suggest() and PostgreSQL 18's VIRTUAL generated columns
-- (issues 11 and 15): a filter on a virtual column reaches the executor as
-- the column's expression, so the suggestion is an index on that
-- expression, which the planner then uses for the filter on the column.
--
-- Needs PostgreSQL 18 or later and idxadvisor in shared_preload_libraries;
-- elsewhere it only says so: expected/suggest_shapes_pg18_1.out.
SELECT current_setting('server_version_num')::int < 180000 OR
       NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs PostgreSQL 18 or later and idxadvisor in shared_preload_libraries
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest_pg18;
RESET client_min_messages;
CREATE DATABASE regress_suggest_pg18;
\c regress_suggest_pg18
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;

CREATE TABLE accounts (id int PRIMARY KEY, email text,
                       email_key text GENERATED ALWAYS AS (lower(email)) VIRTUAL);
INSERT INTO accounts (id, email)
SELECT g, 'User' || g || '@Example.com' FROM generate_series(1, 20000) g;
ANALYZE accounts;

\pset expanded on
SELECT idxadvisor_reset();
SELECT count(*) FROM accounts WHERE email_key = 'user42@example.com';
SELECT relid, columns, kind, index_ddl, seq_scans,
       est_cost_after < est_cost_before AS cheaper, reason
  FROM idxadvisor_suggest();
SELECT index_ddl FROM idxadvisor_suggest() \gexec
\pset expanded off
EXPLAIN (COSTS OFF) SELECT count(*) FROM accounts WHERE email_key = 'user42@example.com';

\c :regress_db
DROP DATABASE regress_suggest_pg18;

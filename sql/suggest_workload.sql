--
-- idxadvisor_suggest()'s workload-level selection (idxadvisor_select.c): the
-- fewest indexes that serve the captured shapes of a table, weighed against
-- what they cost to keep up on every row write.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/suggest_workload_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a database of its own: the other suites leave tables and unindexed
-- foreign keys behind, which would show up here
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest_workload;
RESET client_min_messages;
CREATE DATABASE regress_suggest_workload;
\c regress_suggest_workload
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;

-- the bounds, and their defaults
SHOW idxadvisor.max_new_indexes_per_table;
SHOW idxadvisor.index_size_budget;
-- out of range: refused (the message shows the range differently by version)
\set VERBOSITY sqlstate
SET idxadvisor.max_new_indexes_per_table = 0;
SET idxadvisor.index_size_budget = -1;
\set VERBOSITY default

-- four columns of 60 values each in 4,000 rows: a pair of them finds about
-- one row, one of them about 67, out of 22 pages
CREATE FUNCTION make_pairs(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- autovacuum would analyze it at a time of its choosing: the write rate
  -- is measured since the last ANALYZE
  EXECUTE format('CREATE TABLE %I (a int, b int, c int, d int) WITH (autovacuum_enabled = off)', t);
  EXECUTE format('INSERT INTO %I SELECT g %% 60, (g / 60) %% 60, (g * 7) %% 61, (g * 13) %% 59
                    FROM generate_series(1, 4000) g', t);
  EXECUTE format('ANALYZE %I', t);
  -- the inserts reach pg_stat_user_tables by the next statement
  PERFORM pg_stat_force_next_flush();
END $$;
-- the six pairs, each scanned twice
CREATE FUNCTION run_pairs(t text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  x text; y text; n bigint;
BEGIN
  FOR x, y IN VALUES ('a','b'), ('a','c'), ('a','d'), ('b','c'), ('b','d'), ('c','d') LOOP
    FOR i IN 1..2 LOOP
      EXECUTE format('SELECT count(*) FROM %I WHERE %I = $1 AND %I = $2', t, x, y)
        INTO n USING i, i + 1;
    END LOOP;
  END LOOP;
END $$;
-- how many of the six pairs still read the whole table
CREATE FUNCTION seq_pairs(t text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  x text; y text; line text; n bigint := 0;
BEGIN
  FOR x, y IN VALUES ('a','b'), ('a','c'), ('a','d'), ('b','c'), ('b','d'), ('c','d') LOOP
    FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT * FROM %I WHERE %I = 1 AND %I = 2', t, x, y) LOOP
      IF line LIKE '%Seq Scan%' THEN n := n + 1; END IF;
    END LOOP;
  END LOOP;
  RETURN n;
END $$;
CREATE VIEW sug AS
SELECT relid, columns, index_ddl IS NOT NULL AS suggested, seq_scans,
       cardinality(queryids) AS queryids,
       round(est_rows_per_scan_after) AS rows_after,
       round(est_write_overhead::numeric, 2) AS write_overhead,
       regexp_replace(reason, '[0-9][0-9.e+-]*', 'N', 'g') AS reason
  FROM idxadvisor_suggest(verbose => true)
 WHERE reason NOT LIKE 'rejected: table has%';
-- query ids, for the evidence
SET compute_query_id = on;

--
-- 1. Four columns queried in six pairs (issue 12, mistake 3): not one
-- two-column index per pair, but the fewest that serve all six
--
SELECT make_pairs('pairs');
SELECT idxadvisor_reset();
SELECT run_pairs('pairs');
SELECT count(*) AS suggested FROM idxadvisor_suggest() WHERE relid = 'pairs'::regclass;
SELECT * FROM sug WHERE relid = 'pairs'::regclass ORDER BY suggested DESC, columns::text COLLATE "C";
-- built as printed, no pair reads the whole table any more
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'pairs'::regclass \gexec
SELECT seq_pairs('pairs') AS pairs_still_seq_scanned;

-- at most idxadvisor.max_new_indexes_per_table per table, the best first
DROP TABLE pairs;
SELECT make_pairs('pairs');
SELECT idxadvisor_reset();
SELECT run_pairs('pairs');
SET idxadvisor.max_new_indexes_per_table = 1;
SELECT columns, reason FROM sug WHERE relid = 'pairs'::regclass AND suggested;
SELECT count(*) AS not_selected FROM sug
 WHERE relid = 'pairs'::regclass AND reason LIKE 'rejected: not selected: the N indexes selected%';
RESET idxadvisor.max_new_indexes_per_table;

--
-- 2. The same shapes on a table written far more than it is read: every
-- row written would add an entry to each new index, which costs more than
-- the scans would save.  Fewer indexes, with the reason.
--
SELECT make_pairs('busy');
SELECT idxadvisor_reset();
SELECT run_pairs('busy');
-- a write rate is measured over at least 10 s since the last ANALYZE
SELECT pg_sleep(10.5);
INSERT INTO busy SELECT g % 60, g % 59, g % 61, g % 58 FROM generate_series(1, 100000) g;
SELECT pg_stat_force_next_flush();
SELECT count(*) AS suggested FROM idxadvisor_suggest() WHERE relid = 'busy'::regclass;
SELECT relid, columns, suggested, reason FROM sug
 WHERE relid = 'busy'::regclass AND reason LIKE '%upkeep%'
 ORDER BY columns::text COLLATE "C" LIMIT 1;

--
-- 3. The 1.0 definition of idxadvisor_suggest() (15 columns) is served by
-- the same C function
--
DROP TABLE busy;
DROP VIEW sug;
SET client_min_messages = warning;
DROP EXTENSION idxadvisor;
CREATE EXTENSION idxadvisor VERSION '1.0';
RESET client_min_messages;
SELECT run_pairs('pairs');
SELECT relid, columns, index_ddl IS NOT NULL AS suggested
  FROM idxadvisor_suggest() WHERE relid = 'pairs'::regclass
 ORDER BY columns::text COLLATE "C";
ALTER EXTENSION idxadvisor UPDATE;
SELECT relid, columns, cardinality(queryids) AS queryids, est_write_overhead > 0 AS write_overhead
  FROM idxadvisor_suggest() WHERE relid = 'pairs'::regclass
 ORDER BY columns::text COLLATE "C";

\c :regress_db
DROP DATABASE regress_suggest_workload;

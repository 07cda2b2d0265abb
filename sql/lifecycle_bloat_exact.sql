--
-- idxadvisor_index_bloat(exact => true) (issue 13, item 2): each btree
-- index measured by pgstattuple's pgstatindex(), called with the caller's
-- privileges.  (Without pgstattuple: lifecycle_bloat.)
--
-- Needs the pgstattuple extension available (contrib); on a server without
-- it it only says so: expected/lifecycle_bloat_exact_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions
                    WHERE name = 'pgstattuple') AS skip \gset
\if :skip
\echo skipped: needs the pgstattuple extension
\quit
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
DROP EXTENSION IF EXISTS pgstattuple;
CREATE SCHEMA "Exact ""LC""; ü";
SET search_path = "Exact ""LC""; ü", public;
-- in a schema whose name needs quoting
CREATE EXTENSION pgstattuple SCHEMA "Exact ""LC""; ü";
RESET client_min_messages;

CREATE TABLE t (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = off);
INSERT INTO t SELECT g, 'note ' || g FROM generate_series(1, 20000) g;
CREATE INDEX t_note ON t (note);
VACUUM ANALYZE t;

-- 1. delete 90% of the rows and vacuum: the measure finds sparse leaves,
-- and its fresh size is within 25% of what REINDEX then gives
DELETE FROM t WHERE id % 10 <> 0;
VACUUM t;
CREATE TEMP TABLE before AS
SELECT * FROM idxadvisor_index_bloat(exact => true) WHERE relid = 't'::regclass;
SELECT index, source, leaf_density < 30 AS sparse_leaves,
       bloat_percent > 60 AS bloated, reindex_ddl IS NOT NULL AS has_ddl
  FROM before ORDER BY index::text COLLATE "C";
REINDEX TABLE t;
SELECT b.index,
       b.fresh_bytes BETWEEN a.index_bytes * 0.75 AND a.index_bytes * 1.25
         AS measure_within_25_percent,
       a.leaf_density > 80 AS rebuilt_dense, a.bloat_percent < 10 AS rebuilt_not_bloated
  FROM before b JOIN idxadvisor_index_bloat(true) a USING (index)
 ORDER BY b.index::text COLLATE "C";

-- 2. with the caller's privileges: pgstattuple grants pgstatindex() to
-- pg_stat_scan_tables only
CREATE ROLE regress_exact_reader;
GRANT USAGE ON SCHEMA "Exact ""LC""; ü" TO regress_exact_reader;
SET ROLE regress_exact_reader;
\set VERBOSITY terse
SELECT count(*) FROM idxadvisor_index_bloat(exact => true);
\set VERBOSITY default
RESET ROLE;
GRANT pg_stat_scan_tables TO regress_exact_reader;
SET ROLE regress_exact_reader;
SELECT count(*) > 0 AS member_measures FROM idxadvisor_index_bloat(exact => true)
 WHERE relid = 't'::regclass;
RESET ROLE;
REVOKE USAGE ON SCHEMA "Exact ""LC""; ü" FROM regress_exact_reader;
DROP ROLE regress_exact_reader;

SET client_min_messages = warning;
DROP SCHEMA "Exact ""LC""; ü" CASCADE;
RESET client_min_messages;

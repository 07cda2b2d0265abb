--
-- idxadvisor_outcomes (issue 13, item 5): one row per finished create job,
-- with the captured sequential scans of the shapes the index serves before
-- and after the build, and a verdict.  The build worker stores the
-- "before" when the job is done; idxadvisor_index_served_scans() gives the
-- counts now.
--
-- Needs idxadvisor in shared_preload_libraries (builds and the capture); on
-- a server without it it only says so: expected/lifecycle_outcomes_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
CREATE SCHEMA "Outcomes ""LC""; ü";
SET search_path = "Outcomes ""LC""; ü", public;
RESET client_min_messages;
SELECT idxadvisor_reset();

-- orders: lookups by customer (a new index helps); flags: a filter that
-- keeps every row (the planner keeps its sequential scan); notes: a column
-- no query filters on
CREATE TABLE orders (id int, customer int, total int)
  WITH (autovacuum_enabled = off);
INSERT INTO orders SELECT g, g % 1000, g FROM generate_series(1, 20000) g;
CREATE TABLE flags (id int, level int) WITH (autovacuum_enabled = off);
INSERT INTO flags SELECT g, g % 3 FROM generate_series(1, 20000) g;
ANALYZE orders, flags;

-- before: captured sequential scans of both shapes
SELECT count(*) FROM orders WHERE customer = 5;
SELECT count(*) FROM orders WHERE customer = 6;
SELECT count(*) FROM flags WHERE level >= 0;
SELECT count(*) FROM flags WHERE level >= 0;
SELECT count(*) FROM flags WHERE level >= 0;

SELECT idxadvisor_create_concurrently('orders', ARRAY['customer']) AS orders_job \gset
SELECT idxadvisor_create_concurrently('flags', ARRAY['level']) AS flags_job \gset
SELECT idxadvisor_create_concurrently('orders', ARRAY['total']) AS total_job \gset
CALL idxadvisor_wait();

-- the baselines the worker stored: the shapes each index serves, and their
-- sequential scans and rows read until the build
SELECT b.job = :orders_job AS orders, b.indexrelid::regclass, b.shapes,
       b.seq_scans, b.rows_read, b.capture_since <= b.taken_at AS times_ok
  FROM idxadvisor_outcome_baselines b ORDER BY b.job;

-- after: the same queries
SELECT count(*) FROM orders WHERE customer = 7;
SELECT count(*) FROM flags WHERE level >= 0;
SELECT pg_stat_force_next_flush();

-- one row per finished create job, in job order
SELECT job = :orders_job AS orders_job, relid, index, index_name,
       built_at IS NOT NULL AS built, index_scans, shapes,
       seq_scans_per_hour_before > 0 AS scanned_before,
       seq_scans_per_hour_after > 0 AS scanned_after,
       rows_read_per_hour_before > 0 AS read_before,
       rows_read_per_hour_after > 0 AS read_after,
       verdict
  FROM idxadvisor_outcomes;

-- a dropped index says so
DROP INDEX orders_total_idx;
SELECT index_name, index, verdict FROM idxadvisor_outcomes
 WHERE job = :total_job;

-- idxadvisor_unused_indexes(): an index idxadvisor built has been watched
-- since its build only, whenever the statistics were reset
SELECT index, drop_ddl,
       regexp_replace(reason, 'job [0-9]+ at [^;]* ago\)', 'job N at ... (... ago)') AS reason
  FROM idxadvisor_unused_indexes('1 hour') WHERE index = 'flags_level_idx'::regclass;
SELECT index, drop_ddl IS NOT NULL AS can_drop,
       reason LIKE 'no scan since it was built by idxadvisor job % at %' AS since_build
  FROM idxadvisor_unused_indexes('0') WHERE index = 'flags_level_idx'::regclass;

-- idxadvisor_index_served_scans(): the counts now
SELECT index_scans > 0 AS scanned, shapes, seq_scans, rows_read,
       capture_since IS NOT NULL AS has_since
  FROM idxadvisor_index_served_scans('flags_level_idx');
-- bad input: NULL gives NULL; not an index; no such index; a system index
SELECT * FROM idxadvisor_index_served_scans(NULL);
SELECT * FROM idxadvisor_index_served_scans('orders');
SELECT * FROM idxadvisor_index_served_scans(12345);
SELECT * FROM idxadvisor_index_served_scans('pg_class_oid_index');
-- another role's table: refused, and that role sees no outcome of jobs it
-- did not request
CREATE ROLE regress_outcomes_other;
GRANT USAGE ON SCHEMA "Outcomes ""LC""; ü" TO regress_outcomes_other;
SET ROLE regress_outcomes_other;
SELECT * FROM idxadvisor_index_served_scans('orders_customer_idx');
SELECT count(*) AS others_outcomes FROM idxadvisor_outcomes;
SELECT count(*) FROM idxadvisor_outcome_baselines;
RESET ROLE;
REVOKE USAGE ON SCHEMA "Outcomes ""LC""; ü" FROM regress_outcomes_other;
DROP ROLE regress_outcomes_other;

SET client_min_messages = warning;
DROP SCHEMA "Outcomes ""LC""; ü" CASCADE;
DROP EXTENSION idxadvisor;
RESET client_min_messages;

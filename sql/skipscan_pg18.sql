--
-- Skip scan (PostgreSQL 18): a btree on (a, b) serves "b = $1" when the
-- planner can skip over the values of a, that is when the statistics know
-- that a has few distinct values (doc/design.md section 3, the one rule).
-- The foreign-key report and the drop guard follow it; so does suggest,
-- through the same function.
--
-- Needs PostgreSQL 18 or later; on an older server it only says so:
-- expected/skipscan_pg18_1.out.
SELECT current_setting('server_version_num')::int < 180000 AS skip \gset
\if :skip
\echo skipped: needs PostgreSQL 18 or later
\quit
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "Skip ""scan""; ü";
SET search_path = "Skip ""scan""; ü", public;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT g FROM generate_series(1, 1000) g;
-- "Region" has 3 values, serial 20000
CREATE TABLE child (serial int, "Region" int, pid int REFERENCES parent,
    flag bool);
INSERT INTO child SELECT g, g % 3, g % 1000 + 1, g % 2 = 0
  FROM generate_series(1, 20000) g;
CREATE INDEX child_region_pid ON child ("Region", pid);

-- 1. no statistics yet: the planner would not skip, so nothing serves the key
SELECT coverage, coverage_detail FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'child'::regclass;

-- 2. analyzed: "Region" has 3 values, 4 descents per lookup, served
ANALYZE child;
SELECT count(*) AS reported FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'child'::regclass;
-- as the planner sees it: the trigger's lookup uses the index
EXPLAIN (COSTS OFF) SELECT 1 FROM ONLY child x WHERE 5 = pid;
-- and it is the last index that serves the key
\set VERBOSITY terse
SELECT idxadvisor_drop('child_region_pid');
\set VERBOSITY default

-- 3. a boolean leading column needs no statistics: two values
CREATE INDEX child_flag_pid ON child (flag, pid);
SELECT idxadvisor_drop('child_region_pid');
SELECT count(*) AS reported FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'child'::regclass;
DROP INDEX child_flag_pid;

-- 4. a leading column with many values (serial: 20000) is no skip scan
CREATE INDEX child_serial_pid ON child (serial, pid);
ANALYZE child;
SELECT coverage, coverage_detail FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'child'::regclass;
-- nor are two leading columns whose values multiply past the limit
-- ("Region" 3, serial 20000: 4 x 20001 descents)
DROP INDEX child_serial_pid;
CREATE INDEX child_region_pid_serial ON child ("Region", serial, pid);
SELECT coverage FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'child'::regclass;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Skip ""scan""; ü" CASCADE;

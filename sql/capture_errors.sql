--
-- The capture's settings, privileges and bounds
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/capture_errors_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- GUC values out of range or of the wrong kind
SET idxadvisor.sample_rate = 2;
SET idxadvisor.sample_rate = -0.1;
SET idxadvisor.sample_rate = 'half';
SET idxadvisor.track = 'bogus';
SET idxadvisor.enabled = 'maybe';
SET idxadvisor.max = 1000;
SET idxadvisor.save = off;
-- the prefix is reserved: a typo is an error, not a silent placeholder
SET idxadvisor.enable = off;
SHOW idxadvisor.track;

-- an unprivileged role
CREATE ROLE idxadv_nobody;
GRANT USAGE ON SCHEMA public TO idxadv_nobody;
SELECT idxadvisor_reset();
SELECT count(*) FROM child WHERE parent_id = 2;
SET ROLE idxadv_nobody;
-- may not reset, nor switch recording off
SELECT idxadvisor_reset();
SET idxadvisor.enabled = off;
SET idxadvisor.sample_rate = 0;
-- sees no statistics of tables it has no privilege on
SELECT count(*) FROM idxadvisor_scans;
RESET ROLE;
GRANT SELECT ON child TO idxadv_nobody;
SET ROLE idxadv_nobody;
SELECT relid, columns, executions FROM idxadvisor_scans;
RESET ROLE;
-- pg_read_all_stats sees everything
REVOKE SELECT ON child FROM idxadv_nobody;
GRANT pg_read_all_stats TO idxadv_nobody;
SET ROLE idxadv_nobody;
SELECT relid, columns, executions FROM idxadvisor_scans;
RESET ROLE;
REVOKE pg_read_all_stats FROM idxadv_nobody;
-- the raw function takes no arguments (terse: 19 words the rest otherwise)
\set VERBOSITY terse
SELECT * FROM idxadvisor_scan_stats(NULL);
\set VERBOSITY default

-- Odd identifiers come out as they are (columns) or quoted (ORDER BY)
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Tab;le" ("Col ""q""" int, "ünï" text, "MiXed" int);
INSERT INTO "Odd Schema"."Tab;le" SELECT g, 'x' || g, g FROM generate_series(1, 300) g;
SELECT "MiXed" FROM "Odd Schema"."Tab;le" WHERE "Col ""q""" = 3 AND "ünï" = 'x3'
 ORDER BY "MiXed" DESC LIMIT 1;
SELECT relid, columns, comparisons, order_by FROM idxadvisor_scans
 WHERE relid = '"Odd Schema"."Tab;le"'::regclass;

-- Partitioned tables: each partition's scan is recorded on the partition
CREATE TABLE part (id int, k int) PARTITION BY RANGE (id);
CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (100);
CREATE TABLE part_2 PARTITION OF part FOR VALUES FROM (100) TO (200);
INSERT INTO part SELECT g, g % 10 FROM generate_series(0, 199) g;
SELECT idxadvisor_reset();
SELECT count(*) FROM part WHERE k = 3;
SELECT relid, columns, executions, rows_scanned, rows_matched
  FROM idxadvisor_scans ORDER BY relid::text COLLATE "C";

-- Views are expanded: the scan is on the table underneath
CREATE VIEW child_view AS SELECT * FROM child;
SELECT idxadvisor_reset();
SELECT count(*) FROM child_view WHERE parent_id = 4;
SELECT relid, columns, executions FROM idxadvisor_scans;

REVOKE USAGE ON SCHEMA public FROM idxadv_nobody;
DROP ROLE idxadv_nobody;

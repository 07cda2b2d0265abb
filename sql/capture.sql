--
-- Capture of filtered sequential scans
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/capture_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
CREATE EXTENSION idxadvisor;

-- a parent with unindexed and indexed foreign keys pointing at it
CREATE TABLE parent (id int PRIMARY KEY, name text);
CREATE TABLE child (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent ON DELETE NO ACTION,
    note text,
    flag boolean,
    created timestamptz);
CREATE TABLE indexed_child (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent ON DELETE CASCADE);
CREATE INDEX ON indexed_child (parent_id);
CREATE TABLE cascade_child (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent ON DELETE CASCADE);

INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 100) g;
INSERT INTO child SELECT g, g % 50 + 1, 'n' || (g % 7), g % 20 = 0,
    '2026-01-01'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 2000) g;
INSERT INTO indexed_child SELECT g, g % 50 + 1 FROM generate_series(1, 20000) g;
INSERT INTO cascade_child SELECT g, g % 50 + 1 FROM generate_series(1, 500) g;
ANALYZE parent, child, indexed_child, cascade_child;

-- the statistics are shown in a stable order
CREATE VIEW scans AS
SELECT relid, columns, comparisons, foreign_key, order_by, executions,
       fk_trigger_executions, rows_scanned, rows_matched,
       pages_scanned > 0 AS pages, last_seen IS NOT NULL AS seen
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          comparisons::text COLLATE "C", order_by::text COLLATE "C";

SELECT idxadvisor_reset();

-- an unindexed foreign key filter: exact counts
SELECT count(*) FROM child WHERE parent_id = 7;
SELECT count(*) FROM child WHERE parent_id = 8;
SELECT count(*) FROM child WHERE parent_id = 9;
SELECT * FROM scans;

-- an indexed foreign key is not recorded: the planner uses the index
SELECT idxadvisor_reset();
EXPLAIN (COSTS OFF) SELECT count(*) FROM indexed_child WHERE parent_id = 7;
SELECT count(*) FROM indexed_child WHERE parent_id = 7;
SELECT * FROM scans;

-- a filter that is not a foreign key: foreign_key is NULL
SELECT count(*) FROM child WHERE note = 'n3';
-- ranges, IS NULL, booleans, IN lists
SELECT count(*) FROM child WHERE created >= '2026-01-01 10:00' AND created < '2026-01-01 11:00';
SELECT count(*) FROM child WHERE note IS NULL;
SELECT count(*) FROM child WHERE flag;
SELECT count(*) FROM child WHERE NOT flag AND parent_id IN (1, 2, 3);
SELECT count(*) FROM child WHERE parent_id = ANY ('{4,5}'::int[]) AND note LIKE 'n%';
-- a column compared with another column of the same table is no filter on it
SELECT count(*) FROM child WHERE parent_id = id;
SELECT * FROM scans;

-- ORDER BY directly above the scan
SELECT idxadvisor_reset();
SELECT id FROM child WHERE parent_id = 3 ORDER BY created DESC LIMIT 3;
SELECT id FROM child WHERE parent_id = 3 ORDER BY note, created NULLS FIRST LIMIT 1;
SELECT * FROM scans;

-- foreign-key triggers: NO ACTION on child, CASCADE on cascade_child.
-- Deleting a parent that nobody references still runs both scans.
SELECT idxadvisor_reset();
DELETE FROM parent WHERE id = 100;
SELECT * FROM scans;
-- a key update runs the ON UPDATE NO ACTION checks of both children
SELECT idxadvisor_reset();
UPDATE parent SET id = 1000 WHERE id = 99;
SELECT * FROM scans;
-- a failing NO ACTION check: its scan ends before the error is raised
SELECT idxadvisor_reset();
DELETE FROM parent WHERE id = 1;
SELECT * FROM scans;
-- with idxadvisor.track = top the trigger scans are still recorded
SET idxadvisor.track = top;
BEGIN;
DELETE FROM cascade_child WHERE parent_id = 98;
DELETE FROM parent WHERE id = 98;
ROLLBACK;
RESET idxadvisor.track;
SELECT * FROM scans;

-- a deferred foreign key is checked at COMMIT, outside any statement
CREATE TABLE deferred_child (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
INSERT INTO deferred_child SELECT g, g % 50 + 1 FROM generate_series(1, 300) g;
SELECT idxadvisor_reset();
BEGIN;
DELETE FROM parent WHERE id = 96;
SELECT count(*) FROM scans WHERE relid = 'deferred_child'::regclass;
COMMIT;
SELECT * FROM scans WHERE relid = 'deferred_child'::regclass;
DROP TABLE deferred_child;

-- prepared statements: custom and generic plans count every execution
SELECT idxadvisor_reset();
PREPARE q(int) AS SELECT count(*) FROM child WHERE parent_id = $1;
SET plan_cache_mode = force_custom_plan;
EXECUTE q(1); EXECUTE q(2); EXECUTE q(3);
SET plan_cache_mode = force_generic_plan;
EXECUTE q(1); EXECUTE q(2); EXECUTE q(3);
RESET plan_cache_mode;
DEALLOCATE q;
SELECT * FROM scans;

-- nested statements: recorded with track = all (the default), not with top
SELECT idxadvisor_reset();
CREATE FUNCTION child_count(p int) RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT count(*) FROM child WHERE parent_id = p $$;
SELECT child_count(5) FROM parent WHERE id <= 2;
SET idxadvisor.track = top;
SELECT child_count(5) FROM parent WHERE id <= 2;
RESET idxadvisor.track;
SELECT * FROM scans;

-- a rescanned scan counts every scan; an outer reference is a constant to it
-- (the plan with 19's subplan names, "SubPlan expr_1", written as before)
CREATE FUNCTION plan_of(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        RETURN NEXT regexp_replace(line, 'SubPlan expr_(\d+)', 'SubPlan \1');
    END LOOP;
END $$;
SELECT idxadvisor_reset();
SELECT plan_of('SELECT p.id, (SELECT count(*) FROM child c WHERE c.parent_id = p.id) FROM parent p WHERE p.id <= 3') AS "QUERY PLAN";
SELECT p.id, (SELECT count(*) FROM child c WHERE c.parent_id = p.id) FROM parent p WHERE p.id <= 3;
SELECT relid, columns, comparisons, executions, rows_scanned, rows_matched FROM scans;

-- parallel sequential scan: one scan, all rows, however many workers
SELECT idxadvisor_reset();
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM child WHERE parent_id = 11;
SELECT count(*) FROM child WHERE parent_id = 11;
RESET parallel_leader_participation;
SELECT count(*) FROM child WHERE parent_id = 11;
RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
SELECT * FROM scans;

-- EXPLAIN without ANALYZE runs nothing and records nothing
SELECT idxadvisor_reset();
EXPLAIN (COSTS OFF) SELECT * FROM child WHERE parent_id = 1;
SELECT count(*) FROM scans;
-- EXPLAIN ANALYZE runs the scan: recorded (its output, which changes with
-- the version, is not the point)
\o /dev/null
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM child WHERE parent_id = 1;
\o
SELECT * FROM scans;

-- temporary tables and system catalogs are not recorded
SELECT idxadvisor_reset();
CREATE TEMP TABLE tmp AS SELECT g AS a FROM generate_series(1, 100) g;
SELECT count(*) FROM tmp WHERE a = 3;
SELECT count(*) > 0 FROM pg_class WHERE relname = 'child';
SELECT count(*) FROM scans;

-- nor are the extension's own queries on its tables: the SQL functions'
-- (through SPI), the build workers' and the launcher's on the job table,
-- and reads of the idxadvisor_builds view.  Only the last query here is
-- the application's.
SELECT idxadvisor_reset();
CREATE TABLE own (id int, v int, w int);
INSERT INTO own SELECT g, g % 10, g % 7 FROM generate_series(1, 1000) g;
SELECT idxadvisor_create_concurrently('own', '{v}') AS own_job \gset
SELECT idxadvisor_create_concurrently('CREATE INDEX own_w ON own (w)') > :own_job AS queued;
CALL idxadvisor_wait();
SELECT idxadvisor_create_concurrently('own', '{v}') = :own_job AS same_job;
SELECT index_name, state FROM idxadvisor_builds
 WHERE index_name LIKE 'own%' ORDER BY index_name COLLATE "C";
SELECT idxadvisor_drop_concurrently('own_w') > :own_job AS queued;
CALL idxadvisor_wait();
SELECT count(*) FROM own WHERE id = 3;
SELECT relid, columns, comparisons, executions FROM scans;
DROP TABLE own;

-- idxadvisor.enabled = off records nothing
SELECT idxadvisor_reset();
SET idxadvisor.enabled = off;
SELECT count(*) FROM child WHERE parent_id = 7;
DELETE FROM parent WHERE id = 97;
RESET idxadvisor.enabled;
SELECT count(*) FROM scans;

-- sample_rate = 0 records nothing, 1 records everything
SET idxadvisor.sample_rate = 0;
SELECT count(*) FROM child WHERE parent_id = 7;
SELECT count(*) FROM scans;
SET idxadvisor.sample_rate = 1;
SELECT count(*) FROM child WHERE parent_id = 7;
RESET idxadvisor.sample_rate;
SELECT count(*) FROM scans;

-- dropping a table makes its entries vanish from the view
SELECT idxadvisor_reset();
CREATE TABLE doomed AS SELECT g AS a FROM generate_series(1, 100) g;
SELECT count(*) FROM doomed WHERE a = 1;
SELECT count(*) FROM scans;
DROP TABLE doomed;
SELECT count(*) FROM scans;

-- an entry naming a dropped column vanishes from the view
CREATE TABLE shrinking AS SELECT g AS a, g AS b FROM generate_series(1, 100) g;
SELECT count(*) FROM shrinking WHERE a = 1;
SELECT count(*) FROM shrinking WHERE b = 1 ORDER BY 1;
SELECT count(*) FROM shrinking WHERE a = 1 ORDER BY 1;
SELECT a FROM shrinking WHERE a < 3 ORDER BY b;
SELECT relid, columns, order_by FROM scans WHERE relid = 'shrinking'::regclass;
ALTER TABLE shrinking DROP COLUMN b;
SELECT relid, columns, order_by FROM scans WHERE relid = 'shrinking'::regclass;
DROP TABLE shrinking;

-- reset
SELECT count(*) FROM child WHERE parent_id = 7;
SELECT count(*) > 0 AS recorded FROM scans;
SELECT idxadvisor_reset();
SELECT count(*) FROM scans;

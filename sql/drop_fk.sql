--
-- Safe drops (issue 13, item 3): idxadvisor_drop[_concurrently]() refuse to
-- drop the last valid index that serves a foreign key unless force => true,
-- and warn when the index has been scanned.
--
-- Needs idxadvisor in shared_preload_libraries (the concurrent drops queue
-- jobs); on a server without it it only says so: expected/drop_fk_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
CREATE SCHEMA "Drop ""FK""; ü";
SET search_path = "Drop ""FK""; ü", public;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT g FROM generate_series(1, 100) g;
CREATE TABLE "Child" (id int, pid int REFERENCES parent, x int);
INSERT INTO "Child" SELECT g, g % 100 + 1, g FROM generate_series(1, 1000) g;
CREATE INDEX "child pid" ON "Child" (pid);

-- 1. the last index serving the foreign key: refused, every form, 2BP01
SELECT idxadvisor_drop('"child pid"'::regclass);
SELECT idxadvisor_drop('"child pid"');
SELECT idxadvisor_drop_concurrently('"child pid"'::regclass);
SELECT idxadvisor_drop_concurrently('"Drop ""FK""; ü"."child pid"', if_exists => true);
DO $$
BEGIN
    PERFORM idxadvisor_drop('"child pid"'::regclass);
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE 'refused with SQLSTATE %', SQLSTATE;
END $$;
-- force must not be NULL
SELECT idxadvisor_drop('"child pid"'::regclass, force => NULL);
SELECT idxadvisor_drop('"child pid"', false, NULL);
SELECT count(*) AS still_there FROM pg_class WHERE relname = 'child pid';

-- 2. a second index that serves it lets the first one go
CREATE INDEX child_pid_x ON "Child" (pid, x);
SELECT idxadvisor_drop('"child pid"'::regclass);
-- and now that one is the last
SELECT idxadvisor_drop('child_pid_x');

-- 3. forced: a warning that says what it costs, and the drop
SELECT idxadvisor_drop('child_pid_x', force => true);
SELECT count(*) AS dropped FROM pg_class WHERE relname = 'child_pid_x';
CREATE INDEX child_pid2 ON "Child" (pid);
SELECT idxadvisor_drop_concurrently('child_pid2'::regclass, force => true) AS job \gset
CALL idxadvisor_wait(:job);
SELECT count(*) AS dropped FROM pg_class WHERE relname = 'child_pid2';

-- 4. an index that no foreign key needs, scanned: dropped, with a warning
CREATE INDEX child_x ON "Child" (x);
SET enable_seqscan = off;
SELECT count(*) FROM "Child" WHERE x = 5;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
-- terse: from PostgreSQL 16 the detail also says when (drop_pg16 tests it)
\set VERBOSITY terse
SELECT idxadvisor_drop('child_x');
\set VERBOSITY default
-- never scanned, not serving: no message
CREATE INDEX child_x2 ON "Child" (x);
SELECT idxadvisor_drop('child_x2');

-- 5. a partial index that does not serve the lookup is not protected; one
-- whose predicate the lookup implies is
CREATE INDEX child_pid_pos ON "Child" (pid) WHERE pid > 0;
SELECT idxadvisor_drop('child_pid_pos');
CREATE INDEX child_pid_nn ON "Child" (pid) WHERE pid IS NOT NULL;
SELECT idxadvisor_drop('child_pid_nn');
SELECT idxadvisor_drop('child_pid_nn', force => true);

-- 6. a partitioned child: the partitioned index, and a partition's own index
-- when no parent index serves the key
CREATE TABLE pc (pid int REFERENCES parent, k int) PARTITION BY RANGE (k);
CREATE TABLE pc1 PARTITION OF pc FOR VALUES FROM (0) TO (10);
CREATE TABLE pc2 PARTITION OF pc FOR VALUES FROM (10) TO (20);
CREATE INDEX pc_pid ON pc (pid);
SELECT idxadvisor_drop('pc_pid');
-- a second partitioned index serves it: the first may go
CREATE INDEX pc_pid_k ON pc (pid, k);
SELECT idxadvisor_drop('pc_pid');
SELECT idxadvisor_drop('pc_pid_k', force => true);
-- per-partition indexes: each partition's lookup needs its own
CREATE INDEX pc1_pid ON pc1 (pid);
CREATE INDEX pc2_pid ON pc2 (pid);
SELECT idxadvisor_drop('pc1_pid');
SELECT idxadvisor_drop_concurrently('pc2_pid');
CREATE INDEX pc1_pid_k ON pc1 (pid, k);
SELECT idxadvisor_drop('pc1_pid');

-- 7. the duplicates report never proposes the drop either: the redundant
-- index it reports is one whose cover serves the same foreign key
CREATE TABLE c3 (pid int REFERENCES parent, y int);
CREATE INDEX c3_pid ON c3 (pid);
CREATE INDEX c3_pid_y ON c3 (pid, y);
SELECT index, kind, covered_by FROM idxadvisor_duplicates()
 WHERE relid = 'c3'::regclass;
SELECT idxadvisor_drop('c3_pid');

-- 8. the 1.0 definitions (no force argument) are served by the same C code
SET client_min_messages = warning;
DROP EXTENSION idxadvisor;
CREATE EXTENSION idxadvisor VERSION '1.0' SCHEMA public;
RESET client_min_messages;
SELECT idxadvisor_drop('c3_pid_y'::regclass);
SELECT idxadvisor_drop_concurrently('c3_pid_y'::regclass);
ALTER EXTENSION idxadvisor UPDATE;
SELECT idxadvisor_drop('c3_pid_y'::regclass);

SET client_min_messages = warning;
DROP SCHEMA "Drop ""FK""; ü" CASCADE;
RESET client_min_messages;

--
-- What PostgreSQL 16 added to the statistics: when an index was last scanned
-- (pg_stat_all_indexes.last_idx_scan).  Dropping a scanned index warns how
-- long ago its last scan was.  Works without preloading.
--
-- Needs PostgreSQL 16 or later; on an older server it only says so:
-- expected/drop_pg16_1.out.
SELECT current_setting('server_version_num')::int < 160000 AS skip \gset
\if :skip
\echo skipped: needs PostgreSQL 16 or later
\quit
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "Last ""scan""; ü";
SET search_path = "Last ""scan""; ü", public;
RESET client_min_messages;

CREATE TABLE t (id int, x int);
INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
CREATE INDEX "t x" ON t (x);
CREATE INDEX t_never ON t (id);
SET enable_seqscan = off;
SELECT count(*) FROM t WHERE x = 5;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
-- scanned: the warning says how long ago its last scan was
SELECT last_idx_scan IS NOT NULL AS scanned FROM pg_stat_user_indexes
 WHERE indexrelid = '"t x"'::regclass;
SELECT idxadvisor_drop('"t x"');
-- never scanned: no warning
SELECT idxadvisor_drop('t_never');

-- a partitioned index: its partitions' latest scan
CREATE TABLE p (id int, x int) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (500);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (500) TO (1001);
INSERT INTO p SELECT g, g FROM generate_series(0, 1000) g;
CREATE INDEX p_x ON p (x);
SET enable_seqscan = off;
SELECT count(*) FROM p WHERE id >= 500 AND x = 700;
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT idxadvisor_drop('p_x');

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Last ""scan""; ü" CASCADE;

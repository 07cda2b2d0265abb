--
-- Report fixes found on real schemas (issue 13, item 6): a partial index is
-- never redundant to a wider full one; reasons name indexes schema-qualified
-- and say when the one to drop is partial; rows come out biggest win first;
-- a "partial" foreign-key coverage says which index holds the columns and
-- why it cannot serve the lookup.  Catalog reports: same output with and
-- without the library preloaded.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "LC ""Schema""; ü";
SET search_path = "LC ""Schema""; ü", public;
RESET client_min_messages;

-- 1. jobs (k) WHERE finished_at IS NULL beside jobs (k, created_at): the
-- partial one stays (it reads only the unfinished rows)
CREATE TABLE jobs (id int, k int, created_at timestamptz, finished_at timestamptz);
CREATE INDEX jobs_k_open ON jobs (k) WHERE finished_at IS NULL;
CREATE INDEX jobs_k_created ON jobs (k, created_at);
-- but two partial indexes with the same predicate: the shorter one goes,
-- and the reason says it is partial
CREATE INDEX jobs_k_open2 ON jobs (k, id) WHERE finished_at IS NULL;

-- 2. sizes: the biggest reclaimable index first
CREATE TABLE small (a int);
CREATE INDEX small_a1 ON small (a);
CREATE INDEX small_a2 ON small (a);
CREATE TABLE "Big" (a int);
INSERT INTO "Big" SELECT g FROM generate_series(1, 20000) g;
CREATE INDEX big_a1 ON "Big" (a);
CREATE INDEX big_a2 ON "Big" (a);
CREATE TABLE middle (a int, b int);
INSERT INTO middle SELECT g, g FROM generate_series(1, 3000) g;
CREATE INDEX middle_a ON middle (a);
CREATE INDEX middle_ab ON middle (a, b);

-- no ORDER BY: the function's own order is what is tested
SELECT relid, index, kind, covered_by, reason
  FROM idxadvisor_duplicates()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = relid)
       = '"LC ""Schema""; ü"'::regnamespace;

-- 3. foreign keys: the parent's deletes and key updates times the child's
-- size, biggest first; a child no parent write touched sorts by size
CREATE TABLE p_calm (id int PRIMARY KEY);
CREATE TABLE p_busy (id int PRIMARY KEY);
CREATE TABLE p_some (id int PRIMARY KEY);
INSERT INTO p_calm SELECT g FROM generate_series(1, 10) g;
INSERT INTO p_busy SELECT g FROM generate_series(1, 10) g;
INSERT INTO p_some SELECT g FROM generate_series(1, 10) g;
CREATE TABLE c_small_busy (pid int REFERENCES p_busy, pad text);
CREATE TABLE c_big_calm (pid int REFERENCES p_calm, pad text);
CREATE TABLE c_big_some (pid int REFERENCES p_some, pad text);
CREATE TABLE c_tiny_calm (pid int REFERENCES p_calm);
INSERT INTO c_small_busy SELECT 1, 'x' FROM generate_series(1, 10);
INSERT INTO c_big_calm SELECT 1, repeat('x', 100) FROM generate_series(1, 5000);
INSERT INTO c_big_some SELECT 1, repeat('x', 100) FROM generate_series(1, 5000);
DELETE FROM p_busy WHERE id IN (5, 6, 7);
DELETE FROM p_some WHERE id = 5;
SELECT pg_stat_force_next_flush();

-- 4. "partial" coverage, with the index that holds the columns and why
CREATE TABLE p2 (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE c_lacks (a int, b int, FOREIGN KEY (a, b) REFERENCES p2);
CREATE INDEX c_lacks_a ON c_lacks (a);
CREATE TABLE c_second (x int, pid int REFERENCES p_calm);
CREATE INDEX c_second_x_pid ON c_second (x, pid);
CREATE TABLE c_include (x int, pid int REFERENCES p_calm);
CREATE INDEX c_include_x ON c_include (x) INCLUDE (pid);
CREATE TABLE c_partial (pid int REFERENCES p_calm);
CREATE INDEX c_partial_pid ON c_partial (pid) WHERE pid > 0;
CREATE TABLE c_brin (pid int REFERENCES p_calm);
CREATE INDEX c_brin_pid ON c_brin USING brin (pid);
CREATE TABLE "C Part" (pid int REFERENCES p_calm) PARTITION BY RANGE (pid);
CREATE TABLE "C Part 1" PARTITION OF "C Part" FOR VALUES FROM (0) TO (10);
CREATE TABLE "C Part 2" PARTITION OF "C Part" FOR VALUES FROM (10) TO (20);
CREATE INDEX c_part_1_pid ON "C Part 1" (pid);

SELECT relid, foreign_key, coverage, coverage_detail
  FROM idxadvisor_unindexed_foreign_keys()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = relid)
       = '"LC ""Schema""; ü"'::regnamespace;

SET client_min_messages = warning;
DROP SCHEMA "LC ""Schema""; ü" CASCADE;
RESET client_min_messages;

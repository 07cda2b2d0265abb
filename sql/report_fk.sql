--
-- idxadvisor_unindexed_foreign_keys(): one child table per trap, each with
-- its verdict, proven against what the foreign-key trigger really does: one
-- DELETE on the parent makes every child's trigger look up the deleted key
-- (no child row references it, but it lies within the range of the keys
-- that are referenced), and the buffer statistics show how many blocks of
-- the child (table and indexes) each lookup touched: an index lookup touches
-- the few blocks of one descent, anything else reads a whole table or a
-- whole index; the index statistics name the index each lookup scanned.
-- Then every suggested_ddl is run as printed and the same proof shows the
-- new indexes serve the lookups.
--
SET client_min_messages = warning;
-- the capture tests before this one may have left it installed
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "FK ""Schema""; ü";
SET search_path = "FK ""Schema""; ü", public;
RESET client_min_messages;

CREATE TABLE "Odd ""Parent""; ü" (
    id int PRIMARY KEY,
    code text UNIQUE,
    k1 int,
    k2 int,
    UNIQUE (k1, k2));
INSERT INTO "Odd ""Parent""; ü"
SELECT i, 'code' || i, i, -i FROM generate_series(1, 12) i;

-- blocks of a table (all its partitions) and its indexes read so far
CREATE FUNCTION blocks(rel regclass) RETURNS bigint LANGUAGE sql AS $$
  WITH tree AS (SELECT rel AS relid UNION SELECT relid FROM pg_partition_tree(rel))
  SELECT coalesce(sum(coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0) +
                      coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0)), 0)
    FROM pg_statio_user_tables
   WHERE relid IN (SELECT relid FROM tree)
$$;

CREATE TABLE index_scans_before (indexrelid oid, relid oid, n bigint);
-- index scans of every index of the schema so far
CREATE FUNCTION index_scans() RETURNS TABLE (indexrelid oid, relid oid, n bigint)
LANGUAGE sql AS $$
  SELECT indexrelid, relid, idx_scan FROM pg_stat_user_indexes
   WHERE schemaname = 'FK "Schema"; ü'
$$;

-- the indexes of a table (all its partitions) scanned since
CREATE FUNCTION used_indexes(rel regclass) RETURNS text LANGUAGE sql AS $$
  SELECT coalesce(string_agg(i.indexrelid::regclass::text, ', '
                             ORDER BY i.indexrelid::regclass::text COLLATE "C"), '-')
    FROM index_scans() i JOIN index_scans_before b USING (indexrelid)
   WHERE i.n > b.n
     AND i.relid IN (SELECT rel UNION SELECT relid FROM pg_partition_tree(rel))
$$;

-- Every child gets 5000 rows that reference parent rows 1-5, 7, 9 and 11;
-- the lookups are for 6 and 8.
CREATE PROCEDURE fill(rel regclass, cols text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM generate_series(1, 5000) g, '
                 'LATERAL (SELECT (ARRAY[1, 2, 3, 4, 5, 7, 9, 11])[g %% 8 + 1] AS v) v',
                 rel, cols,
                 (SELECT string_agg(CASE c WHEN 'code' THEN '''code'' || v'
                                           WHEN 'b' THEN '-v'
                                           WHEN 'other' THEN 'g'
                                           ELSE 'v' END, ', ')
                    FROM unnest(string_to_array(cols, ',')) c));
END $$;

-- c01: no index at all
CREATE TABLE c01_none ("Parent ID" int CONSTRAINT "c01 fk; ü" REFERENCES "Odd ""Parent""; ü" ON DELETE CASCADE ON UPDATE SET NULL);
CALL fill('c01_none', '"Parent ID"');
-- c02: a plain btree index: indexed
CREATE TABLE c02_btree (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c02_btree (pid);
CALL fill('c02_btree', 'pid');
-- c03: the column is second in the index: partial
CREATE TABLE c03_nonleading (other int, pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c03_nonleading (other, pid);
CALL fill('c03_nonleading', 'pid,other');
-- c04: the column only INCLUDEd: partial
CREATE TABLE c04_include (other int, pid int REFERENCES "Odd ""Parent""; ü" ON DELETE SET NULL);
CREATE INDEX ON c04_include (other) INCLUDE (pid);
CALL fill('c04_include', 'pid,other');
-- c05: two-column key, index has them in the other order: indexed
CREATE TABLE c05_any_order (a int, b int, FOREIGN KEY (a, b) REFERENCES "Odd ""Parent""; ü" (k1, k2));
CREATE INDEX ON c05_any_order (b, a);
CALL fill('c05_any_order', 'a,b');
-- c06: index on the first column only: partial
CREATE TABLE c06_prefix (a int, b int, FOREIGN KEY (a, b) REFERENCES "Odd ""Parent""; ü" (k1, k2) ON DELETE SET DEFAULT);
CREATE INDEX ON c06_prefix (a);
CALL fill('c06_prefix', 'a,b');
-- c07: index with the key columns first and more after: indexed
CREATE TABLE c07_wider (a int, b int, c int, FOREIGN KEY (a, b) REFERENCES "Odd ""Parent""; ü" (k1, k2) ON DELETE RESTRICT);
CREATE INDEX ON c07_wider (a, b, c);
CALL fill('c07_wider', 'a,b');
-- c08: index with another collation than the column: partial
CREATE TABLE c08_collation (code text REFERENCES "Odd ""Parent""; ü" (code));
CREATE INDEX ON c08_collation (code COLLATE "C");
CALL fill('c08_collation', 'code');
-- c09: the column has collation "C", so does its index: indexed
CREATE TABLE c09_column_collation (code text COLLATE "C" REFERENCES "Odd ""Parent""; ü" (code));
CREATE INDEX ON c09_column_collation (code);
CALL fill('c09_column_collation', 'code');
-- c10: text_pattern_ops has the = operator too: indexed
CREATE TABLE c10_pattern_ops (code text REFERENCES "Odd ""Parent""; ü" (code));
CREATE INDEX ON c10_pattern_ops (code text_pattern_ops);
CALL fill('c10_pattern_ops', 'code');
-- c11: hash index on a one-column key: indexed
CREATE TABLE c11_hash (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c11_hash USING hash (pid);
CALL fill('c11_hash', 'pid');
-- c12: a BRIN index does not serve a lookup of single rows: partial
CREATE TABLE c12_brin (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c12_brin USING brin (pid);
CALL fill('c12_brin', 'pid');
-- c13: partial index WHERE pid IS NOT NULL, implied by pid = $1: indexed
CREATE TABLE c13_not_null (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c13_not_null (pid) WHERE pid IS NOT NULL;
CALL fill('c13_not_null', 'pid');
-- c14: partial index WHERE pid < 3, not implied: partial
CREATE TABLE c14_partial (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c14_partial (pid) WHERE pid < 3;
CALL fill('c14_partial', 'pid');
-- c15: an expression index never serves: none
CREATE TABLE c15_expression (pid int REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c15_expression ((pid + 0));
CALL fill('c15_expression', 'pid');
-- c16: bigint column referencing an int key, cross-type operator: indexed
CREATE TABLE c16_cross_type (pid bigint REFERENCES "Odd ""Parent""; ü");
CREATE INDEX ON c16_cross_type (pid);
CALL fill('c16_cross_type', 'pid');
-- c17: the only index is invalid (a failed CREATE INDEX CONCURRENTLY): none
CREATE TABLE c17_invalid (pid int REFERENCES "Odd ""Parent""; ü");
CALL fill('c17_invalid', 'pid');
\set VERBOSITY terse
CREATE UNIQUE INDEX CONCURRENTLY c17_failed ON c17_invalid (pid);
\set VERBOSITY default
-- c18: partitioned child, index on the partitioned parent: indexed
CREATE TABLE c18_part_index (pid int REFERENCES "Odd ""Parent""; ü", r int DEFAULT 5) PARTITION BY RANGE (r);
CREATE TABLE c18_p1 PARTITION OF c18_part_index FOR VALUES FROM (0) TO (10);
CREATE TABLE c18_p2 PARTITION OF c18_part_index FOR VALUES FROM (10) TO (100);
CREATE INDEX ON c18_part_index (pid);
CALL fill('c18_part_index', 'pid');
-- c19: partitioned child, each partition indexed on its own: indexed
CREATE TABLE c19_leaf_indexes (pid int REFERENCES "Odd ""Parent""; ü", r int DEFAULT 50) PARTITION BY RANGE (r);
CREATE TABLE c19_p1 PARTITION OF c19_leaf_indexes FOR VALUES FROM (0) TO (10);
CREATE TABLE c19_p2 PARTITION OF c19_leaf_indexes FOR VALUES FROM (10) TO (100);
CREATE INDEX ON c19_p1 (pid);
CREATE INDEX ON c19_p2 (pid);
CALL fill('c19_leaf_indexes', 'pid');
-- c20: partitioned child, sub-partitioned, nothing indexed: none, reported
-- once for the parent constraint (not per partition)
CREATE TABLE "c20 Part ""None""" ("Parent; ID" int CONSTRAINT "c20 fk" REFERENCES "Odd ""Parent""; ü", r int DEFAULT 10) PARTITION BY RANGE (r);
CREATE TABLE "c20 p1" PARTITION OF "c20 Part ""None""" FOR VALUES FROM (0) TO (10);
CREATE TABLE "c20 p2" PARTITION OF "c20 Part ""None""" FOR VALUES FROM (10) TO (100) PARTITION BY LIST (r);
CREATE TABLE "c20 p2a" PARTITION OF "c20 p2" FOR VALUES IN (10, 11);
CREATE TABLE "c20 p2b" PARTITION OF "c20 p2" DEFAULT;
CALL fill('"c20 Part ""None"""', '"Parent; ID"');
-- c21: partitioned child, only one partition indexed: partial
CREATE TABLE c21_some (pid int REFERENCES "Odd ""Parent""; ü", r int DEFAULT 50) PARTITION BY RANGE (r);
CREATE TABLE c21_p1 PARTITION OF c21_some FOR VALUES FROM (0) TO (10);
CREATE TABLE c21_p2 PARTITION OF c21_some FOR VALUES FROM (10) TO (100);
CREATE INDEX ON c21_p1 (pid);
CALL fill('c21_some', 'pid');
-- c22: a table of the extension is left out
CREATE TABLE c22_extension_member (pid int REFERENCES "Odd ""Parent""; ü");
ALTER EXTENSION idxadvisor ADD TABLE c22_extension_member;
-- c23: a partitioned parent; its deletes are summed over its partitions
CREATE TABLE p23 (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE p23_1 PARTITION OF p23 FOR VALUES FROM (0) TO (3);
CREATE TABLE p23_2 PARTITION OF p23 FOR VALUES FROM (3) TO (100);
INSERT INTO p23 VALUES (1), (2), (3), (4), (5);
CREATE TABLE c23_part_parent (pid int REFERENCES p23);
INSERT INTO c23_part_parent SELECT g % 3 * 2 + 1 FROM generate_series(1, 5000) g;
-- c24: temporary tables
CREATE TEMP TABLE p24_temp (id int PRIMARY KEY);
CREATE TEMP TABLE c24_temp (pid int REFERENCES p24_temp);
INSERT INTO p24_temp VALUES (1);
INSERT INTO c24_temp VALUES (1);
-- VACUUM too, so that autovacuum finds nothing to do on these tables while
-- the blocks are counted
VACUUM ANALYZE;

-- counters of the scans so far (inserts, index builds) are flushed first
SELECT pg_stat_force_next_flush();

-- The proof: one DELETE, one lookup per child
CREATE TABLE before AS
SELECT c.oid::regclass AS child, blocks(c.oid) AS n
  FROM pg_class c
 WHERE c.relnamespace = '"FK ""Schema""; ü"'::regnamespace
   AND c.relname LIKE 'c%' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND c.relname <> 'c22_extension_member';
INSERT INTO index_scans_before SELECT * FROM index_scans();
DELETE FROM "Odd ""Parent""; ü" WHERE id = 6;
UPDATE "Odd ""Parent""; ü" SET k2 = k2 WHERE id = 7;
DELETE FROM p23 WHERE id = 2;
SELECT pg_stat_force_next_flush();

-- The verdicts beside what the triggers read
CREATE VIEW fk AS
SELECT relid::text COLLATE "C" AS child, foreign_key, columns,
       referenced, coverage, on_delete, on_update, table_bytes > 0 AS has_size,
       parent_deletes, parent_key_updates_max,
       regexp_replace(suggested_ddl, 'pg_temp_\d+', 'pg_temp') AS suggested_ddl
  FROM idxadvisor_unindexed_foreign_keys()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = relid)
       IN ('"FK ""Schema""; ü"'::regnamespace, pg_my_temp_schema());
SELECT b.child::text COLLATE "C" AS child,
       coalesce(f.coverage, 'indexed') AS verdict,
       blocks(b.child) - b.n AS blocks_read_by_fk_lookup,
       used_indexes(b.child) AS indexes_scanned
  FROM before b
  LEFT JOIN fk f ON f.child = b.child::text
 ORDER BY 1;

\x on
SELECT * FROM fk ORDER BY child;
\x off

-- From 64 foreign keys on, the report reads pg_index once into a map instead
-- of one index scan per key: with 70 more foreign keys elsewhere, every
-- verdict above must stay the same.
CREATE TEMP TABLE fk_verdicts_by_scan AS SELECT * FROM fk;
CREATE SCHEMA idxadv_fk_filler;
CREATE TABLE idxadv_fk_filler.parent (id int PRIMARY KEY);
DO $$
BEGIN
    FOR i IN 1..70 LOOP
        EXECUTE format('CREATE TABLE idxadv_fk_filler.t%s (pid int REFERENCES idxadv_fk_filler.parent)', i);
    END LOOP;
END $$;
SELECT count(*) AS filler_fks FROM idxadvisor_unindexed_foreign_keys()
 WHERE referenced = 'idxadv_fk_filler.parent'::regclass;
(SELECT * FROM fk EXCEPT ALL SELECT * FROM fk_verdicts_by_scan)
UNION ALL
(SELECT * FROM fk_verdicts_by_scan EXCEPT ALL SELECT * FROM fk);
SET client_min_messages = warning;
DROP SCHEMA idxadv_fk_filler CASCADE;
RESET client_min_messages;

-- Nothing from system catalogs, the extension member stays out
SELECT count(*) FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid::text LIKE 'pg_%' OR relid = 'c22_extension_member'::regclass;

-- A role that owns none of these tables sees the same report
CREATE ROLE idxadv_fk_reader;
GRANT USAGE ON SCHEMA "FK ""Schema""; ü" TO idxadv_fk_reader;
SET ROLE idxadv_fk_reader;
SELECT count(*) AS rows_seen FROM idxadvisor_unindexed_foreign_keys()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = relid)
       IN ('"FK ""Schema""; ü"'::regnamespace, pg_my_temp_schema());
-- and cannot run the DDL: it reports, it does not act
SELECT suggested_ddl FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'c01_none'::regclass \gexec
RESET ROLE;

-- Run every suggestion as printed: one statement each.  A plain table's is
-- CREATE INDEX CONCURRENTLY (\gexec runs it at top level).  A partitioned
-- table's queues the build with idxadvisor_create_concurrently(), which
-- needs the library preloaded; on a server without it (make installcheck's
-- other server) idxadvisor_create() builds the same index from the same
-- definition instead, so that both print the same.
SELECT suggested_ddl FROM fk WHERE suggested_ddl LIKE 'CREATE %' ORDER BY child \gexec
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS nopreload \gset
\set ECHO none
\o /dev/null
\if :nopreload
SELECT idxadvisor_create(replace(substring(suggested_ddl FROM $$^SELECT \S+\('(.*)'\);$$),
                                 $$''$$, $$'$$))
  FROM fk WHERE suggested_ddl LIKE 'SELECT %' ORDER BY child;
\else
SELECT suggested_ddl FROM fk WHERE suggested_ddl LIKE 'SELECT %' ORDER BY child \gexec
CALL idxadvisor_wait();
\endif
\o
\set ECHO all

-- Nothing left unindexed ...
SELECT * FROM fk;
-- ... the partitioned indexes built piecewise are valid ...
SELECT c.relname, i.indisvalid
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid IN ('"c20 Part ""None"""'::regclass, '"c20 p2"'::regclass,
                      'c21_some'::regclass)
 ORDER BY c.relname COLLATE "C";
-- ... and every trigger lookup is now an index descent of a few blocks
SELECT pg_stat_force_next_flush();
TRUNCATE before;
INSERT INTO before
SELECT c.oid::regclass, blocks(c.oid)
  FROM pg_class c
 WHERE c.relnamespace = '"FK ""Schema""; ü"'::regnamespace
   AND c.relname LIKE 'c%' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND c.relname <> 'c22_extension_member';
TRUNCATE index_scans_before;
INSERT INTO index_scans_before SELECT * FROM index_scans();
DELETE FROM "Odd ""Parent""; ü" WHERE id = 8;
DELETE FROM p23 WHERE id = 4;
SELECT pg_stat_force_next_flush();
SELECT child::text COLLATE "C" AS child,
       blocks(child) - n AS blocks_read_by_fk_lookup,
       used_indexes(child) AS indexes_scanned
  FROM before ORDER BY 1;

ALTER EXTENSION idxadvisor DROP TABLE c22_extension_member;
SET client_min_messages = warning;
DROP SCHEMA "FK ""Schema""; ü" CASCADE;
RESET client_min_messages;
DROP ROLE idxadv_fk_reader;

--
-- idxadvisor_duplicates(): one case per trap, each with its verdict; then
-- every drop_ddl is executed as printed and the report comes back empty.
--
SET client_min_messages = warning;
-- the capture tests before this one may have left it installed
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "Dup ""Schema""; ü";
SET search_path = "Dup ""Schema""; ü", public;
RESET client_min_messages;

-- a view of the report with stable output: no sizes, no OIDs
CREATE VIEW dup AS
SELECT relid::text COLLATE "C" AS tbl, index::text COLLATE "C" AS idx, kind,
       covered_by, regexp_replace(reason, 'pg_temp_\d+', 'pg_temp') AS reason,
       -- the temporary schema's number depends on the backend
       regexp_replace(drop_ddl, 'pg_temp_\d+', 'pg_temp') AS drop_ddl,
       index_bytes >= 0 AS has_size,
       index_scans
  FROM idxadvisor_duplicates()
 WHERE (SELECT relnamespace FROM pg_class WHERE oid = relid)
       IN ('"Dup ""Schema""; ü"'::regnamespace, pg_my_temp_schema())
 ORDER BY 1, 2;

-- 1. identical: the newer goes, the older stays
CREATE TABLE "t1 Identical" ("Col A" int, b int);
CREATE INDEX "t1 first" ON "t1 Identical" ("Col A");
CREATE INDEX "t1 second; DROP" ON "t1 Identical" ("Col A");
-- three identical: both newer ones point at the oldest
CREATE TABLE t1b (a int);
CREATE INDEX t1b_x ON t1b (a);
CREATE INDEX t1b_y ON t1b (a);
CREATE INDEX t1b_z ON t1b (a);

-- 2. redundant prefix, and a chain: both shorter ones point at the longest
CREATE TABLE t2 (a int, b int, c int);
CREATE INDEX t2_a ON t2 (a);
CREATE INDEX t2_ab ON t2 (a, b);
CREATE INDEX t2_abc ON t2 (a, b, c);
-- not a prefix: (b) is not leading in (a, b)
CREATE INDEX t2_b ON t2 (b);

-- 3. collation: different collations are different indexes
CREATE TABLE t3 (t text);
CREATE INDEX t3_default ON t3 (t);
CREATE INDEX t3_c ON t3 (t COLLATE "C");

-- 4. operator class: text_pattern_ops is not text_ops
CREATE TABLE t4 (t text);
CREATE INDEX t4_ops ON t4 (t);
CREATE INDEX t4_pattern ON t4 (t text_pattern_ops);

-- 5. ordering options: all inverted is the same index read backwards;
--    partly inverted is not
CREATE TABLE t5 (a int, b int);
CREATE INDEX t5_asc ON t5 (a, b);
CREATE INDEX t5_desc ON t5 (a DESC, b DESC);
CREATE INDEX t5_mixed ON t5 (a, b DESC);
CREATE INDEX t5_nulls ON t5 (a NULLS FIRST, b NULLS FIRST);

-- 6. INCLUDE columns
CREATE TABLE t6 (a int, b int, c int);
CREATE INDEX t6_a ON t6 (a);
CREATE INDEX t6_a_inc_b ON t6 (a) INCLUDE (b);
CREATE INDEX t6_a_inc_c ON t6 (a) INCLUDE (c);
CREATE TABLE t6b (a int, b int);
CREATE INDEX t6b_a_inc_b ON t6b (a) INCLUDE (b);
CREATE INDEX t6b_ab ON t6b (a, b);

-- 7. partial indexes: implication, not text; a partial index is only covered
-- by one whose predicate is equivalent, never by a wider one (t7_gt10 reads
-- fewer rows than t7_ac_gt5 and stays)
CREATE TABLE t7 (a int, b int, c int);
CREATE INDEX t7_gt10 ON t7 (a) WHERE b > 10;
CREATE INDEX t7_10lt ON t7 (a) WHERE 10 < b;
CREATE INDEX t7_gt5 ON t7 (a) WHERE b > 5;
CREATE INDEX t7_ac_gt5 ON t7 (a, c) WHERE b > 5;
CREATE TABLE t7c (a int, b int);
CREATE INDEX t7c_gt10 ON t7c (a) WHERE b > 10;
CREATE INDEX t7c_10lt ON t7c (a) WHERE 10 < b;
CREATE TABLE t7b (a int, b int);
CREATE INDEX t7b_full ON t7b (a);
CREATE INDEX t7b_ab_partial ON t7b (a, b) WHERE b IS NOT NULL;

-- 8. expression keys, compared per key position as trees
CREATE TABLE t8 (a int, t text);
CREATE INDEX t8_lower ON t8 (lower(t));
CREATE INDEX t8_lower2 ON t8 ((lower((t))));
CREATE INDEX t8_upper ON t8 (upper(t));
CREATE INDEX t8_lower_a ON t8 (lower(t), a);
CREATE INDEX t8_a_lower ON t8 (a, lower(t));
CREATE TABLE t8b (t text);
CREATE INDEX t8b_lower ON t8b (lower(t));
CREATE INDEX t8b_lower2 ON t8b ((lower((t))));
CREATE INDEX t8b_lower_c ON t8b (lower(t) COLLATE "C");

-- 9. unique vs non-unique
CREATE TABLE t9 (a int, b int);
CREATE UNIQUE INDEX t9_u_a ON t9 (a);
CREATE INDEX t9_a ON t9 (a);
CREATE UNIQUE INDEX t9_u_ab ON t9 (a, b);
CREATE INDEX t9_ab ON t9 (a, b);

-- 10. UNIQUE NULLS NOT DISTINCT over plain UNIQUE
CREATE TABLE t10 (a int);
CREATE UNIQUE INDEX t10_nnd ON t10 (a) NULLS NOT DISTINCT;
CREATE UNIQUE INDEX t10_u ON t10 (a);

-- a deferrable unique constraint does not replace an immediate unique index
CREATE TABLE t10b (a int);
CREATE UNIQUE INDEX t10b_u ON t10b (a);
ALTER TABLE t10b ADD CONSTRAINT t10b_deferrable UNIQUE (a) DEFERRABLE;

-- 11. primary keys and unique constraints
CREATE TABLE t11 (id int PRIMARY KEY, b int);
CREATE UNIQUE INDEX t11_u_id ON t11 (id);
CREATE TABLE t11b (id int, b int);
ALTER TABLE t11b ADD CONSTRAINT "t11b ""uq""" UNIQUE (id);
ALTER TABLE t11b ADD CONSTRAINT t11b_pk PRIMARY KEY (id);
CREATE TABLE t11c (a int, b int, PRIMARY KEY (a, b));
CREATE INDEX t11c_a ON t11c (a);

-- 12. exclusion constraints
CREATE TABLE t12 (a int, r int4range);
ALTER TABLE t12 ADD CONSTRAINT t12_excl_a EXCLUDE USING btree (a WITH =);
CREATE INDEX t12_a ON t12 (a);
ALTER TABLE t12 ADD CONSTRAINT t12_excl_r EXCLUDE USING gist (r WITH &&);
CREATE INDEX t12_r ON t12 USING gist (r);
-- a hash index is never a duplicate of a btree
CREATE INDEX t12_a_hash ON t12 USING hash (a);
CREATE INDEX t12_a_hash2 ON t12 USING hash (a);
-- a unique index and an exclusion constraint on the same column: both stay
CREATE TABLE t12b (a int);
CREATE UNIQUE INDEX t12b_u ON t12b (a);
ALTER TABLE t12b ADD CONSTRAINT t12b_excl EXCLUDE USING btree (a WITH =);

-- 13. an index a foreign key depends on stays; the primary key outranks it
CREATE TABLE t13 (id int NOT NULL);
CREATE UNIQUE INDEX t13_u ON t13 (id);
CREATE TABLE t13_ref (id int REFERENCES t13 (id));
CREATE UNIQUE INDEX t13_u2 ON t13 (id);
CREATE TABLE t13b (id int NOT NULL);
ALTER TABLE t13b ADD CONSTRAINT t13b_uq UNIQUE (id);
CREATE TABLE "t13b ref" ("Ref ID" int CONSTRAINT "fk; ü" REFERENCES t13b (id) ON DELETE CASCADE);
ALTER TABLE t13b ADD CONSTRAINT t13b_pk PRIMARY KEY (id);

-- 14. replica identity
CREATE TABLE t14 (a int NOT NULL);
CREATE UNIQUE INDEX t14_ri ON t14 (a);
ALTER TABLE t14 REPLICA IDENTITY USING INDEX t14_ri;
CREATE UNIQUE INDEX t14_u ON t14 (a);
CREATE TABLE t14b (a int NOT NULL);
CREATE UNIQUE INDEX t14b_ri ON t14b (a);
ALTER TABLE t14b REPLICA IDENTITY USING INDEX t14b_ri;
ALTER TABLE t14b ADD PRIMARY KEY (a);

-- 15. the CLUSTER index
CREATE TABLE t15 (a int);
CREATE INDEX t15_old ON t15 (a);
CREATE INDEX t15_clustered ON t15 (a);
CLUSTER t15 USING t15_clustered;
-- CLUSTER read t15_clustered once; count that in index_scans now, not
-- whenever this backend's statistics happen to be flushed
SELECT pg_stat_force_next_flush();

-- 16. partitioned tables: the parent's indexes once, never per partition
CREATE TABLE t16 (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE t16_p1 PARTITION OF t16 FOR VALUES FROM (0) TO (100);
CREATE TABLE "t16 p2" PARTITION OF t16 FOR VALUES FROM (100) TO (200);
CREATE INDEX t16_a ON t16 (a);
CREATE INDEX t16_a_again ON t16 (a);
-- a local index of one partition that the attached one covers
CREATE INDEX t16_p1_local ON t16_p1 (a);

-- 17. invalid indexes: reported on their own and never a cover
CREATE TABLE t17 (a int);
INSERT INTO t17 VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY t17_failed ON t17 (a);
CREATE INDEX t17_a ON t17 (a);
-- a partitioned index that is not valid (ON ONLY, nothing attached)
CREATE INDEX t16_only ON ONLY t16 (b);

-- 18. materialized view and temporary table
CREATE MATERIALIZED VIEW t18 AS SELECT 1 AS a;
CREATE INDEX t18_x ON t18 (a);
CREATE INDEX t18_y ON t18 (a);
CREATE TEMP TABLE t18_temp (a int);
CREATE INDEX t18_temp_x ON t18_temp (a);
CREATE INDEX t18_temp_y ON t18_temp (a);

-- 19. the extension's own objects are left out
CREATE TABLE t19 (a int);
CREATE INDEX t19_x ON t19 (a);
CREATE INDEX t19_y ON t19 (a);
ALTER EXTENSION idxadvisor ADD TABLE t19;

-- 20. predicates and expressions are compared as stored, never
-- constant-folded (folding runs the table owner's functions with the
-- caller's privileges): the same bound written two ways is two predicates,
-- and neither index is reported
CREATE TABLE t20 (a int, b int);
CREATE INDEX t20_sum ON t20 (a) WHERE b > 1 + 1;
CREATE INDEX t20_two ON t20 (a) WHERE b > 2;

-- The verdicts
\x on
SELECT * FROM dup;
\x off

-- Nothing from system catalogs
SELECT count(*) FROM idxadvisor_duplicates() d
  JOIN pg_class c ON c.oid = d.relid
 WHERE c.relnamespace IN ('pg_catalog'::regnamespace, 'pg_toast'::regnamespace);

-- A role that owns nothing sees the same report and changes nothing
CREATE ROLE idxadv_dup_reader;
GRANT USAGE ON SCHEMA "Dup ""Schema""; ü" TO idxadv_dup_reader;
GRANT SELECT ON dup TO idxadv_dup_reader;
SET ROLE idxadv_dup_reader;
SELECT count(*) AS rows_seen FROM dup;
-- the DDL fails for this role: it reports, it does not act
SELECT drop_ddl FROM dup WHERE idx = 't9_a' \gexec
RESET ROLE;

-- Every drop_ddl runs as printed.  The multi-statement ones are single
-- transactions; first inside a transaction that is rolled back
BEGIN;
SELECT drop_ddl FROM dup WHERE drop_ddl NOT LIKE 'DROP INDEX CONCURRENTLY%' \gexec
ROLLBACK;
-- then for real, at top level (DROP INDEX CONCURRENTLY needs that)
SELECT drop_ddl FROM dup \gexec
-- the foreign key that was re-created now uses the primary key
SELECT conname, conindid::regclass FROM pg_constraint
 WHERE conrelid = '"t13b ref"'::regclass;
-- the replica identity moved
SELECT relname, relreplident FROM pg_class WHERE relname IN ('t14', 't14b') ORDER BY 1;
-- nothing left to report
SELECT * FROM dup;
-- what stayed: every index of the schema
SELECT c.relname COLLATE "C" AS tbl,
       string_agg(i.relname, ', ' ORDER BY i.relname COLLATE "C") AS indexes
  FROM pg_index x
  JOIN pg_class c ON c.oid = x.indrelid
  JOIN pg_class i ON i.oid = x.indexrelid
 WHERE c.relnamespace = '"Dup ""Schema""; ü"'::regnamespace
 GROUP BY 1 ORDER BY 1;

ALTER EXTENSION idxadvisor DROP TABLE t19;
SET client_min_messages = warning;
DROP SCHEMA "Dup ""Schema""; ü" CASCADE;
RESET client_min_messages;
DROP ROLE idxadv_dup_reader;

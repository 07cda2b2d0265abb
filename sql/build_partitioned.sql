--
-- idxadvisor_create_concurrently() on a partitioned table: one job builds
-- each leaf partition's index concurrently (or reuses a fitting one), then
-- creates the index ON ONLY the table and each sub-partitioned partition
-- and attaches them all in one short transaction: valid at the end, never
-- seen invalid.  The suggestions and the foreign-key report give one
-- statement that queues it.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/build_partitioned_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a fresh job table, so that job ids are stable
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
CREATE SCHEMA "Part ""S"" ü";
SET search_path = "Part ""S"" ü", public;
RESET client_min_messages;

-- the index tree of a table: each index, its table, validity, parent index
CREATE FUNCTION tree(rel regclass) RETURNS TABLE
    (index text, tab text, valid boolean, attached_to text, def text)
LANGUAGE sql AS $$
SELECT i.indexrelid::regclass::text COLLATE "C", i.indrelid::regclass::text,
       i.indisvalid, h.inhparent::regclass::text,
       regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', '')
  FROM pg_index i
  LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid
 WHERE i.indrelid IN (SELECT relid FROM pg_partition_tree(rel))
 ORDER BY 1
$$;

CREATE TABLE "Ev ents" (id int, "Kind" int, k int, note text)
  PARTITION BY RANGE (id);
CREATE TABLE ev_1 PARTITION OF "Ev ents" FOR VALUES FROM (0) TO (1000);
-- other column numbers
CREATE TABLE ev_2 (note text, k int, "Kind" int, id int);
ALTER TABLE "Ev ents" ATTACH PARTITION ev_2 FOR VALUES FROM (1000) TO (2000);
-- sub-partitioned
CREATE TABLE ev_3 PARTITION OF "Ev ents" FOR VALUES FROM (2000) TO (3000)
  PARTITION BY LIST ("Kind");
CREATE TABLE ev_3a PARTITION OF ev_3 FOR VALUES IN (0, 1, 2);
CREATE TABLE ev_3b PARTITION OF ev_3 DEFAULT;
INSERT INTO "Ev ents" SELECT g, g % 5, g % 50, 'n' || g FROM generate_series(0, 2999) g;
-- ev_1 has a fitting index (reused), ev_2 one that does not fit (DESC)
CREATE INDEX ev_1_mine ON ev_1 (k);
CREATE INDEX ev_2_desc ON ev_2 (k DESC);

-- queued in a transaction, as a migration does
BEGIN;
SELECT idxadvisor_create_concurrently('"Ev ents"', ARRAY['k']) AS job;
COMMIT;
CALL idxadvisor_wait();
SELECT id, state, index_name, command FROM idxadvisor_builds;
SELECT * FROM tree('"Ev ents"');
-- the same request again
SELECT idxadvisor_create_concurrently('"Ev ents"', ARRAY['k']) AS job;

-- an expression and a predicate, renumbered for ev_2
SELECT idxadvisor_create_concurrently(
  'CREATE INDEX ev_expr ON "Ev ents" ((k + "Kind")) WHERE note <> ''x''') AS job;
CALL idxadvisor_wait();
SELECT index, tab, valid, attached_to, def FROM tree('"Ev ents"')
 WHERE def LIKE '%"Kind"%';

-- a unique index must contain every level's partition key: checked before
-- anything is built
SELECT idxadvisor_create_concurrently('"Ev ents"', ARRAY['k'], "unique" => true);
SELECT idxadvisor_create_concurrently('"Ev ents"', ARRAY['id', 'k'], "unique" => true);
-- a duplicate key in ev_1: the job fails, and leaves no invalid index
INSERT INTO "Ev ents" VALUES (5, 0, 0, 'again');
SELECT idxadvisor_create_concurrently('"Ev ents"', ARRAY['id', 'Kind'], "unique" => true) AS job \gset
\set VERBOSITY terse
CALL idxadvisor_wait(:job);
\set VERBOSITY default
SELECT count(*) AS invalid_indexes FROM tree('"Ev ents"') WHERE NOT valid;
SELECT count(*) AS unique_indexes FROM tree('"Ev ents"') WHERE def LIKE '%"Kind"%' AND index LIKE '%key%';
-- ON ONLY has nothing to build
SELECT idxadvisor_create_concurrently('CREATE INDEX ON ONLY "Ev ents" (note)');

-- a partitioned foreign key: the report and the suggestion give one
-- statement, which queues the build
CREATE TABLE customers (id int PRIMARY KEY);
INSERT INTO customers SELECT g FROM generate_series(0, 50) g;
CREATE TABLE orders (id int, customer_id int REFERENCES customers)
  PARTITION BY HASH (id);
CREATE TABLE orders_0 PARTITION OF orders FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE orders_1 PARTITION OF orders FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT relid, suggested_ddl FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'orders'::regclass;
SELECT suggested_ddl FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'orders'::regclass \gexec
CALL idxadvisor_wait();
SELECT count(*) AS still_unindexed FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'orders'::regclass;
SELECT * FROM tree('orders');
-- the same one statement handed to idxadvisor_create_concurrently() as it
-- is (what "SELECT idxadvisor_create_concurrently(index_ddl) FROM
-- idxadvisor_suggest()" does): the CREATE INDEX inside it is queued
CREATE TABLE orders2 (id int, customer_id int REFERENCES customers)
  PARTITION BY HASH (id);
CREATE TABLE orders2_0 PARTITION OF orders2 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE orders2_1 PARTITION OF orders2 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT idxadvisor_create_concurrently(suggested_ddl) IS NOT NULL AS queued
  FROM idxadvisor_unindexed_foreign_keys() WHERE relid = 'orders2'::regclass;
CALL idxadvisor_wait();
SELECT count(*) AS still_unindexed FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'orders2'::regclass;
SELECT * FROM tree('orders2');
-- only exactly that form is unwrapped; nothing in it is run
SELECT idxadvisor_create_concurrently($$SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders2 (id)', 'x')$$);
SELECT idxadvisor_create_concurrently($$SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders2 (id)') FROM orders2$$);
SELECT idxadvisor_create_concurrently($$SELECT idxadvisor_create_concurrently(pg_sleep(1)::text)$$);
SELECT idxadvisor_create_concurrently($$SELECT other_function('CREATE INDEX ON orders2 (id)')$$);
SELECT idxadvisor_create_concurrently($$SELECT idxadvisor_create_concurrently('DROP TABLE orders2')$$);
SELECT idxadvisor_create($$SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders2 (id)')$$);

-- a foreign partition (a wrapper without handler is enough: nothing reads
-- it) can have no index: refused when requested, nothing queued, rather
-- than a job that fails later
CREATE FOREIGN DATA WRAPPER idxadv_test_fdw;
CREATE SERVER idxadv_test_srv FOREIGN DATA WRAPPER idxadv_test_fdw;
CREATE TABLE metrics (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE metrics_1 PARTITION OF metrics FOR VALUES FROM (0) TO (100)
  PARTITION BY RANGE (id);
CREATE TABLE metrics_1a PARTITION OF metrics_1 FOR VALUES FROM (0) TO (50);
CREATE FOREIGN TABLE "metrics 1b" PARTITION OF metrics_1 FOR VALUES FROM (50) TO (100)
  SERVER idxadv_test_srv;
SELECT count(*) AS jobs_before FROM idxadvisor_builds \gset
SELECT idxadvisor_create_concurrently('metrics', ARRAY['v']);
SELECT idxadvisor_create_concurrently('CREATE INDEX ON metrics (v)');
SELECT count(*) - :jobs_before AS jobs_queued FROM idxadvisor_builds;
-- its other partitions one by one are fine
SELECT idxadvisor_create_concurrently('metrics_1a', ARRAY['v']) IS NOT NULL AS queued;
CALL idxadvisor_wait();

SET client_min_messages = warning;
DROP SCHEMA "Part ""S"" ü" CASCADE;
DROP SERVER idxadv_test_srv;
DROP FOREIGN DATA WRAPPER idxadv_test_fdw;
RESET client_min_messages;

--
-- Index lifecycle jobs (issue 13, items 2 and 4): idxadvisor_reindex_concurrently()
-- queues a REINDEX INDEX CONCURRENTLY through the build queue, and
-- idxadvisor_restore() builds again an index that a drop job dropped.
-- (test/t/111_reindex_restart.pl: a reindex interrupted by a crash.)
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/lifecycle_jobs_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a fresh job table, so that job ids in messages are stable
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE regress_lcjobs_owner;
CREATE ROLE regress_lcjobs_other;
CREATE SCHEMA "Life ""Jobs""; ü" AUTHORIZATION regress_lcjobs_owner;
GRANT USAGE ON SCHEMA "Life ""Jobs""; ü" TO regress_lcjobs_other;
GRANT EXECUTE ON FUNCTION
    idxadvisor_reindex_concurrently(regclass),
    idxadvisor_restore(bigint),
    idxadvisor_drop_concurrently(regclass, boolean),
    idxadvisor_drop_concurrently(text, boolean, boolean),
    idxadvisor_create_concurrently(text),
    idxadvisor_cancel(bigint)
  TO regress_lcjobs_owner, regress_lcjobs_other;

SET ROLE regress_lcjobs_owner;
SET search_path = "Life ""Jobs""; ü", public;
CREATE TABLE "Orders ü" (id int PRIMARY KEY, "Customer" int, note text,
                         done boolean);
INSERT INTO "Orders ü"
SELECT g, g % 100, 'n' || g, g % 10 = 0 FROM generate_series(1, 2000) g;
CREATE INDEX "by ""customer""" ON "Orders ü" ("Customer");
CREATE INDEX "ünïcödé note" ON "Orders ü"
    (note COLLATE "C" text_pattern_ops DESC NULLS LAST, "Customer")
    INCLUDE (id) WITH (fillfactor = 70) WHERE NOT done;
CREATE TABLE parted (k int, v int) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE INDEX parted_v ON parted (v);
CREATE MATERIALIZED VIEW mv AS SELECT id, note FROM "Orders ü";
CREATE INDEX mv_id ON mv (id);
CREATE VIEW v AS SELECT 1 AS one;
CREATE SEQUENCE seq;

--
-- 1. reindex: refused in the caller's transaction with REINDEX's SQLSTATE
--
\set VERBOSITY default
-- NULL
SELECT idxadvisor_reindex_concurrently(NULL);
\echo :LAST_ERROR_SQLSTATE
-- not an index (42809): a table, a view, a sequence
SELECT idxadvisor_reindex_concurrently('"Orders ü"');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_reindex_concurrently('v');
SELECT idxadvisor_reindex_concurrently('seq');
\echo :LAST_ERROR_SQLSTATE
-- an OID that is no relation
SELECT idxadvisor_reindex_concurrently(1);
\echo :LAST_ERROR_SQLSTATE
-- a partitioned index (0A000), with the way to reindex its partitions
SELECT idxadvisor_reindex_concurrently('parted_v');
\echo :LAST_ERROR_SQLSTATE
-- an index of this session's temporary table (0A000)
CREATE TEMP TABLE tmp (a int);
CREATE INDEX tmp_a ON tmp (a);
SELECT idxadvisor_reindex_concurrently('tmp_a');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE tmp;
-- another role's index (42501, as REINDEX)
SET ROLE regress_lcjobs_other;
SELECT idxadvisor_reindex_concurrently('"by ""customer"""');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_lcjobs_owner;
RESET ROLE;
-- system catalogs (0A000; a non-superuser gets 42501 first) and TOAST
SELECT idxadvisor_reindex_concurrently('pg_class_oid_index');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_reindex_concurrently(reltoastrelid::regclass::text || '_index')
  FROM pg_class WHERE oid = 'pg_proc'::regclass;
\echo :LAST_ERROR_SQLSTATE
DO $$
BEGIN
    PERFORM idxadvisor_reindex_concurrently(i.indexrelid::regclass)
       FROM pg_class c JOIN pg_index i ON i.indrelid = c.reltoastrelid
      WHERE c.oid = '"Life ""Jobs""; ü"."Orders ü"'::regclass;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'TOAST index refused: %', regexp_replace(SQLERRM, '[0-9]+', 'N');
END $$;
SET ROLE regress_lcjobs_owner;
\set VERBOSITY terse

--
-- 2. reindex inside a transaction: rolled back, no job; committed, the
-- worker rebuilds the index after the commit (it gets a new OID)
--
SELECT count(*) AS jobs FROM idxadvisor_builds;
BEGIN;
SELECT idxadvisor_reindex_concurrently('"by ""customer"""') IS NOT NULL AS queued;
ROLLBACK;
SELECT count(*) AS jobs FROM idxadvisor_builds;
SELECT '"by ""customer"""'::regclass::oid AS old_oid \gset
BEGIN;
SELECT idxadvisor_reindex_concurrently('"by ""customer"""') AS job \gset
-- the same request again: the same job
SELECT idxadvisor_reindex_concurrently('"by ""customer"""') = :job AS same_job;
-- nothing runs before the commit
SELECT state FROM idxadvisor_builds WHERE id = :job;
COMMIT;
CALL idxadvisor_wait(:job);
SELECT kind, index_name, command, state, error
  FROM idxadvisor_builds WHERE id = :job;
SELECT index, status FROM idxadvisor_build_status WHERE id = :job;
SELECT indisvalid, indexrelid <> :old_oid AS rebuilt
  FROM pg_index WHERE indexrelid = '"by ""customer"""'::regclass;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE '%\_cc%';
-- a materialized view's index
SELECT idxadvisor_reindex_concurrently('mv_id') AS job \gset
CALL idxadvisor_wait(:job);
SELECT state FROM idxadvisor_builds WHERE id = :job;

--
-- 3. an INVALID index, the classic leftover of a failed CREATE INDEX
-- CONCURRENTLY, becomes valid
--
INSERT INTO "Orders ü" VALUES (2001, 1, 'n1', false);
CREATE UNIQUE INDEX CONCURRENTLY "uniq note" ON "Orders ü" (note);
SELECT indisvalid FROM pg_index WHERE indexrelid = '"uniq note"'::regclass;
DELETE FROM "Orders ü" WHERE id = 2001;
SELECT idxadvisor_reindex_concurrently('"uniq note"') AS job \gset
CALL idxadvisor_wait(:job);
SELECT indisvalid FROM pg_index WHERE indexrelid = '"uniq note"'::regclass;

-- a failed reindex: its error, its SQLSTATE from idxadvisor_wait(), and no
-- leftover of the REINDEX
CREATE UNIQUE INDEX CONCURRENTLY "uniq cust" ON "Orders ü" ("Customer");
SELECT idxadvisor_reindex_concurrently('"uniq cust"') AS job \gset
-- which duplicated key the sort meets first differs between PostgreSQL
-- versions: the message is shown with the key value masked
\set VERBOSITY sqlstate
CALL idxadvisor_wait(:job);
\echo :LAST_ERROR_SQLSTATE
SELECT regexp_replace(:'LAST_ERROR_MESSAGE', '=\(\d+\)', '=(N)') AS error;
\set VERBOSITY terse
SELECT state, regexp_replace(error, '=\(\d+\)', '=(N)') AS error
  FROM idxadvisor_builds WHERE id = :job;
SELECT c.relname, i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
 WHERE c.relname LIKE 'uniq cust%' ORDER BY 1;
DROP INDEX "uniq cust";

-- what an earlier REINDEX left, named after the index, is dropped first
CREATE INDEX "by ""customer""_ccnew" ON "Orders ü" (id)
    WHERE id < 0 AND "Customer" > 0;
RESET ROLE;
UPDATE pg_index SET indisvalid = false
 WHERE indexrelid = '"by ""customer""_ccnew"'::regclass;
SET ROLE regress_lcjobs_owner;
SELECT idxadvisor_reindex_concurrently('"by ""customer"""') AS job \gset
CALL idxadvisor_wait(:job);
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE '%\_cc%';
-- a name of full length: its copy's name has the index name cut short
CREATE INDEX long_index_name_cut_short_when_reindex_names_its_copy_012345678 ON "Orders ü" ("Customer");
CREATE INDEX long_index_name_cut_short_when_reindex_names_its_copy_012_ccnew ON "Orders ü" (id) WHERE id < 0;
RESET ROLE;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'long_index_name_cut_short_when_reindex_names_its_copy_012_ccnew'::regclass;
SET ROLE regress_lcjobs_owner;
SELECT idxadvisor_reindex_concurrently('long_index_name_cut_short_when_reindex_names_its_copy_012345678') AS job \gset
CALL idxadvisor_wait(:job);
SELECT relname FROM pg_class WHERE relname LIKE 'long\_index%' ORDER BY 1;
DROP INDEX long_index_name_cut_short_when_reindex_names_its_copy_012345678;

--
-- 4. unfinished jobs of the index; wait and cancel
--
-- a queued drop leaves nothing to rebuild (55006)
BEGIN;
SELECT idxadvisor_drop_concurrently('mv_id') IS NOT NULL AS drop_queued;
SELECT idxadvisor_reindex_concurrently('mv_id');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- a queued build of the index must end first (55006)
CREATE UNIQUE INDEX CONCURRENTLY "uniq id" ON "Orders ü" ("Customer");
BEGIN;
SELECT idxadvisor_create_concurrently(
    'CREATE UNIQUE INDEX "uniq id" ON "Orders ü" ("Customer")') AS build \gset
SELECT idxadvisor_reindex_concurrently('"uniq id"');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
DROP INDEX "uniq id";
-- cancelled before it ran
BEGIN;
SELECT idxadvisor_reindex_concurrently('mv_id') AS job \gset
SELECT idxadvisor_cancel(:job);
COMMIT;
SELECT kind, state FROM idxadvisor_builds WHERE id = :job;
CALL idxadvisor_wait(:job);

--
-- 5. restore: a finished drop's index is built again, exactly
--
SELECT pg_get_indexdef('"ünïcödé note"'::regclass) AS def_before \gset
SELECT idxadvisor_drop_concurrently('"ünïcödé note"'::regclass) AS dropjob \gset
CALL idxadvisor_wait(:dropjob);
SELECT count(*) AS dropped FROM pg_class WHERE relname = 'ünïcödé note';
-- what idxadvisor_restore() will build, as the builds view shows it
SELECT index_definition FROM idxadvisor_builds WHERE id = :dropjob;
-- bad input
SELECT idxadvisor_restore(NULL::bigint);
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore(999999);
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore(:job);
\echo :LAST_ERROR_SQLSTATE
-- another role that neither asked for the drop nor owns the table (42501)
SET ROLE regress_lcjobs_other;
SELECT idxadvisor_restore(:dropjob);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_lcjobs_owner;
-- inside a transaction: rolled back, nothing queued
BEGIN;
SELECT idxadvisor_restore(:dropjob) IS NOT NULL AS queued;
ROLLBACK;
SELECT count(*) AS restores FROM idxadvisor_builds WHERE id > :dropjob;
-- a migration's downgrade() of the drop is one line, in its transaction
BEGIN;
SELECT idxadvisor_restore(max(id)) AS restorejob FROM idxadvisor_builds WHERE kind = 'drop' AND state = 'done' AND index_name = 'ünïcödé note' \gset
-- restored twice while the first one is queued (42710)
SAVEPOINT again;
SELECT idxadvisor_restore(:dropjob);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO again;
COMMIT;
CALL idxadvisor_wait(:restorejob);
SELECT kind, state FROM idxadvisor_builds WHERE id = :restorejob;
SELECT pg_get_indexdef('"ünïcödé note"'::regclass) = :'def_before' AS same_index,
       indisvalid
  FROM pg_index WHERE indexrelid = '"ünïcödé note"'::regclass;
-- and again, once it is there (42710)
SELECT idxadvisor_restore(:dropjob);
\echo :LAST_ERROR_SQLSTATE

-- the name taken by another index (42P07)
SELECT idxadvisor_drop_concurrently('"ünïcödé note"'::regclass) AS dropjob \gset
CALL idxadvisor_wait(:dropjob);
CREATE INDEX "ünïcödé note" ON "Orders ü" (id);
SELECT idxadvisor_restore(:dropjob);
\echo :LAST_ERROR_SQLSTATE
DROP INDEX "ünïcödé note";

-- a drop that has not dropped: queued (with the way out), cancelled
BEGIN;
SELECT idxadvisor_drop_concurrently('mv_id') AS pending \gset
SAVEPOINT queued;
\set VERBOSITY default
SELECT idxadvisor_restore(:pending);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
ROLLBACK TO queued;
SELECT idxadvisor_cancel(:pending);
COMMIT;
SELECT idxadvisor_restore(:pending);

-- the table renamed: the index is built on it under its new name; the
-- table gone: refused (42P01)
ALTER TABLE "Orders ü" RENAME TO "Orders renamed";
SELECT idxadvisor_restore(:dropjob) AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT indrelid::regclass FROM pg_index WHERE indexrelid = '"ünïcödé note"'::regclass;
SELECT idxadvisor_drop_concurrently('mv_id') AS mvdrop \gset
CALL idxadvisor_wait(:mvdrop);
DROP MATERIALIZED VIEW mv;
SELECT idxadvisor_restore(:mvdrop);
\echo :LAST_ERROR_SQLSTATE

--
-- 6. the 1.0 job table: a drop queued there kept no definition
--
RESET ROLE;
SET client_min_messages = warning;
DROP EXTENSION idxadvisor;
CREATE EXTENSION idxadvisor VERSION '1.0' SCHEMA public;
RESET client_min_messages;
SELECT idxadvisor_drop_concurrently('"Life ""Jobs""; ü"."by ""customer"""') AS oldjob \gset
CALL idxadvisor_wait(:oldjob);
ALTER EXTENSION idxadvisor UPDATE;
SELECT idxadvisor_restore(:oldjob);
\echo :LAST_ERROR_SQLSTATE

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Life ""Jobs""; ü" CASCADE;
DROP EXTENSION idxadvisor;
RESET client_min_messages;
DROP OWNED BY regress_lcjobs_owner, regress_lcjobs_other;
DROP ROLE regress_lcjobs_owner, regress_lcjobs_other;

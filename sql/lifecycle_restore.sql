--
-- Restore after any drop (issue 13 leftovers): the transactional
-- idxadvisor_drop() records a finished drop job with the index's full
-- definition, rolled back with the caller's transaction, and
-- idxadvisor_restore(index text) undoes the latest drop of an index by its
-- name.  (lifecycle_jobs: idxadvisor_restore(job) after a queued drop.)
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/lifecycle_restore_1.out.
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

CREATE ROLE regress_lcrest_owner;
CREATE ROLE regress_lcrest_other;
CREATE SCHEMA "Rest ""Ore""; ü" AUTHORIZATION regress_lcrest_owner;
CREATE SCHEMA rest_two AUTHORIZATION regress_lcrest_owner;
GRANT USAGE ON SCHEMA "Rest ""Ore""; ü", rest_two TO regress_lcrest_other;
GRANT EXECUTE ON FUNCTION
    idxadvisor_restore(bigint),
    idxadvisor_restore(text),
    idxadvisor_drop(regclass, boolean),
    idxadvisor_drop(text, boolean, boolean),
    idxadvisor_drop_concurrently(text, boolean, boolean),
    idxadvisor_cancel(bigint)
  TO regress_lcrest_owner, regress_lcrest_other;

SET ROLE regress_lcrest_owner;
SET search_path = "Rest ""Ore""; ü", public;
CREATE TABLE "Tbl ü" (id int PRIMARY KEY, "Customer" int, note text,
                      done boolean);
INSERT INTO "Tbl ü"
SELECT g, g % 100, 'n' || g, g % 10 = 0 FROM generate_series(1, 1000) g;
CREATE INDEX "odd ""name"" ü" ON "Tbl ü"
    (note COLLATE "C" text_pattern_ops DESC NULLS LAST, "Customer")
    INCLUDE (id) WITH (fillfactor = 70) WHERE NOT done;
CREATE INDEX "MixedCase" ON "Tbl ü" ("Customer");
CREATE INDEX plain_idx ON "Tbl ü" (lower(note));
CREATE TABLE parted (k int, v int) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (100) TO (200);
CREATE INDEX parted_v ON parted (v);

--
-- 1. the transactional drop records a job that keeps the definition
--
-- rolled back: the index is there and no job was recorded
BEGIN;
SELECT idxadvisor_drop('"odd ""name"" ü"');
ROLLBACK;
SELECT count(*) AS jobs FROM idxadvisor_builds;
SELECT count(*) AS index_there FROM pg_class WHERE relname = 'odd "name" ü';
-- a rolled back savepoint too
BEGIN;
SAVEPOINT s;
SELECT idxadvisor_drop('"odd ""name"" ü"'::regclass);
ROLLBACK TO s;
COMMIT;
SELECT count(*) AS jobs FROM idxadvisor_builds;

-- inside a committed transaction: a finished drop job with the index's
-- full definition; restored by job, the same index again
SELECT pg_get_indexdef('"odd ""name"" ü"'::regclass) AS def_before \gset
BEGIN;
SELECT idxadvisor_drop('"odd ""name"" ü"');
COMMIT;
SELECT id AS dropjob, kind, index_name, command, state, index_definition
  FROM idxadvisor_builds WHERE kind = 'drop' \gset
SELECT :'kind' AS kind, :'index_name' AS index_name, :'command' AS command,
       :'state' AS state, :'index_definition' AS index_definition;
SELECT count(*) AS dropped FROM pg_class WHERE relname = 'odd "name" ü';
SELECT idxadvisor_restore(:dropjob) AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT pg_get_indexdef('"odd ""name"" ü"'::regclass) = :'def_before' AS same_index,
       indisvalid
  FROM pg_index WHERE indexrelid = '"odd ""name"" ü"'::regclass;

-- a read-only transaction: DROP INDEX's error, nothing recorded
BEGIN READ ONLY;
SELECT idxadvisor_drop('plain_idx');
ROLLBACK;

-- outside a transaction block, the 1.0 regclass form too
SELECT idxadvisor_drop('plain_idx'::regclass);
SELECT kind, state, command FROM idxadvisor_builds
 WHERE kind = 'drop' AND index_name = 'plain_idx';
-- a partitioned index (only the transactional drop can): restored as one job
SELECT idxadvisor_drop('parted_v');
SELECT index_definition FROM idxadvisor_builds
 WHERE kind = 'drop' AND index_name = 'parted_v';
SELECT idxadvisor_restore('parted_v') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT c.relname, i.indisvalid FROM pg_inherits h
  JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_index i ON i.indexrelid = c.oid
 WHERE h.inhparent = 'parted_v'::regclass ORDER BY 1;

--
-- 2. idxadvisor_restore(index text): the latest drop of that name
--
\set VERBOSITY default
-- bad input
SELECT idxadvisor_restore(NULL::text);
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore('');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore('a.b.c.d');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore('no_such_db.public.plain_idx');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_restore('no_such_schema.plain_idx');
\echo :LAST_ERROR_SQLSTATE
-- never dropped through idxadvisor (42704), a plain DROP INDEX neither
SELECT idxadvisor_restore('never_dropped');
\echo :LAST_ERROR_SQLSTATE
CREATE INDEX plain_drop ON "Tbl ü" (note);
DROP INDEX plain_drop;
SELECT idxadvisor_restore('"Rest ""Ore""; ü".plain_drop');
\echo :LAST_ERROR_SQLSTATE
-- mixed case: an unquoted name is folded, as in SQL; the hint says so
SELECT idxadvisor_drop('"MixedCase"');
SELECT idxadvisor_restore('MixedCase');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
-- quoted, through the search_path; then schema-qualified
SELECT idxadvisor_restore('"MixedCase"') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT indisvalid FROM pg_index WHERE indexrelid = '"MixedCase"'::regclass;
SELECT idxadvisor_restore('plain_idx') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT pg_get_indexdef('plain_idx'::regclass);
SELECT idxadvisor_drop('"odd ""name"" ü"');
SELECT idxadvisor_restore('"Rest ""Ore""; ü"."odd ""name"" ü"') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT pg_get_indexdef('"odd ""name"" ü"'::regclass) = :'def_before' AS same_index;

-- the index exists again: restored already (42710); another index holds
-- the name (42P07)
\set VERBOSITY default
SELECT idxadvisor_restore('"odd ""name"" ü"');
\echo :LAST_ERROR_SQLSTATE
SELECT idxadvisor_drop('plain_idx');
CREATE INDEX plain_idx ON "Tbl ü" (id, note);
SELECT idxadvisor_restore('plain_idx');
\echo :LAST_ERROR_SQLSTATE
DROP INDEX plain_idx;
\set VERBOSITY terse

-- the latest of two drops of one name wins
CREATE INDEX twice ON "Tbl ü" (note);
SELECT idxadvisor_drop('twice');
CREATE INDEX twice ON "Tbl ü" ("Customer", note);
SELECT idxadvisor_drop_concurrently('twice') AS dropjob \gset
CALL idxadvisor_wait(:dropjob);
SELECT idxadvisor_restore('twice') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT pg_get_indexdef('twice'::regclass);

-- a drop that has not dropped yet: refused with the way out (55000)
BEGIN;
SELECT idxadvisor_drop_concurrently('twice') AS pending \gset
SAVEPOINT queued;
\set VERBOSITY default
SELECT idxadvisor_restore('twice');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
ROLLBACK TO queued;
ROLLBACK;

-- inside a transaction: rolled back, nothing queued; the index is not back
SELECT idxadvisor_drop('twice');
SELECT max(id) AS lastjob FROM idxadvisor_builds \gset
BEGIN;
SELECT idxadvisor_restore('twice') IS NOT NULL AS queued;
ROLLBACK;
SELECT count(*) AS new_jobs FROM idxadvisor_builds WHERE id > :lastjob;

-- ambiguous: drops of that name recorded in two schemas of the search_path
-- (42P09); qualified, each is found
CREATE TABLE rest_two.t2 (a int);
CREATE INDEX twice ON rest_two.t2 (a);
SELECT idxadvisor_drop('rest_two.twice');
SET search_path = "Rest ""Ore""; ü", rest_two, public;
\set VERBOSITY default
SELECT idxadvisor_restore('twice');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT idxadvisor_restore('rest_two.twice') AS restorejob \gset
CALL idxadvisor_wait(:restorejob);
SELECT indrelid::regclass FROM pg_index WHERE indexrelid = 'rest_two.twice'::regclass;
-- a schema out of the search_path is not looked into
SET search_path = rest_two, public;
SELECT idxadvisor_restore('"MixedCase"');
\echo :LAST_ERROR_SQLSTATE
SET search_path = "Rest ""Ore""; ü", public;

-- another role that neither dropped it nor owns the table (42501)
SET ROLE regress_lcrest_other;
SELECT idxadvisor_restore('"Rest ""Ore""; ü".twice');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_lcrest_owner;

-- the table is gone (42P01)
DROP TABLE rest_two.t2;
SELECT idxadvisor_restore('rest_two.twice');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE rest_two.t3 (a int);
CREATE INDEX gone ON rest_two.t3 (a);
SELECT idxadvisor_drop('rest_two.gone');
DROP TABLE rest_two.t3;
SELECT idxadvisor_restore('rest_two.gone');
\echo :LAST_ERROR_SQLSTATE

-- a temporary table's index: recorded, but only a transactional build can
-- bring it back (0A000)
CREATE TEMP TABLE tmp (a int);
CREATE INDEX tmp_a ON tmp (a);
SELECT idxadvisor_drop('tmp_a');
SELECT idxadvisor_restore('tmp_a');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE tmp;

RESET ROLE;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Rest ""Ore""; ü", rest_two CASCADE;
DROP EXTENSION idxadvisor;
RESET client_min_messages;
DROP OWNED BY regress_lcrest_owner, regress_lcrest_other;
DROP ROLE regress_lcrest_owner, regress_lcrest_other;

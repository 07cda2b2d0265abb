--
-- idxadvisor_suggest() for keys that mix columns and expressions, and
-- filters that are a bare boolean expression (issue 11).  Each scenario is
-- a schema, a workload, the expected suggestion, then the suggested DDL
-- run as printed and the workload's plan shown using it.  Then what cannot
-- be helped, with the reason.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/suggest_shapes_mixed_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest_mixed;
DROP ROLE IF EXISTS regress_mixed_reader;
RESET client_min_messages;
CREATE DATABASE regress_suggest_mixed;
\c regress_suggest_mixed
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;

-- suggestions with the figures that depend on the platform shown as facts
CREATE VIEW sug AS
SELECT relid, columns, kind, index_ddl, seq_scans,
       est_index_bytes > 0 AS sized,
       est_cost_after < est_cost_before AS cheaper,
       score > 0 AS scored, reason
  FROM idxadvisor_suggest()
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";
CREATE VIEW rejected AS
SELECT relid, columns, index_ddl IS NULL AS no_ddl, reason
  FROM idxadvisor_suggest(verbose => true)
 WHERE reason LIKE 'rejected:%'
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          reason COLLATE "C";

-- the indexes a statement's plan reads (not the plan's shape: an index or a
-- bitmap scan, depending on the server's version)
CREATE FUNCTION uses(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  l text;
  r text[] := '{}';
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    r := r || (regexp_match(l, '(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\S+)'))[1];
  END LOOP;
  RETURN (SELECT string_agg(DISTINCT x, ', ' ORDER BY x) FROM unnest(r) x);
END
$f$;

\pset expanded on

--
-- 1. A key mixing columns and an expression: tenant_id = $1 AND
-- lower(email) = $2 gets one index, the equality column first, then the
-- expression; not (tenant_id) alone, nor (lower(email)) beside it
--
CREATE TABLE accounts (id int PRIMARY KEY, tenant_id int, email text,
                       doc jsonb, attrs jsonb);
INSERT INTO accounts
SELECT g, g % 50, 'User' || g || '@Example.com',
       jsonb_build_object('archived', g % 100 = 0),
       jsonb_build_object('active', g % 100 <> 0)
  FROM generate_series(1, 50000) g;
ANALYZE accounts;
SELECT idxadvisor_reset();
SELECT count(*) FROM accounts
 WHERE tenant_id = 42 AND lower(email) = 'user42@example.com';
SELECT count(*) FROM accounts
 WHERE tenant_id = 43 AND lower(email) = 'user43@example.com';
SELECT * FROM sug;
-- a role that may read tenant_id but not email gets the column alone, and
-- (verbose) the mixed key without the expression, with the reason
CREATE ROLE regress_mixed_reader;
GRANT INSERT ON accounts TO regress_mixed_reader;
GRANT SELECT (id, tenant_id) ON accounts TO regress_mixed_reader;
GRANT SELECT ON sug, rejected TO regress_mixed_reader;
SET ROLE regress_mixed_reader;
SELECT relid, columns, index_ddl FROM sug;
SELECT * FROM rejected;
RESET ROLE;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'accounts'::regclass \gexec
SELECT uses($$SELECT count(*) FROM accounts
 WHERE tenant_id = 42 AND lower(email) = 'user42@example.com'$$);
-- served now: nothing left to suggest for it
SELECT idxadvisor_reset();
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM accounts
 WHERE tenant_id = 42 AND lower(email) = 'user42@example.com';
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT count(*) FROM sug;
SELECT * FROM rejected;
DROP INDEX accounts_tenant_id_lower_idx;

--
-- 2. A filter that is a bare boolean expression: an IMMUTABLE function,
-- a cast of a JSON value, NOT of one.  The planner matches a btree on the
-- expression to it; the share of rows the captured scans kept tells the
-- planner what ANALYZE will tell it once the index exists.
--
CREATE FUNCTION is_archived(d jsonb) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE AS $$BEGIN RETURN (d->>'archived')::boolean; END$$;
SELECT idxadvisor_reset();
SELECT count(*) FROM accounts WHERE is_archived(doc);
SELECT count(*) FROM accounts WHERE NOT (attrs->>'active')::boolean;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'accounts'::regclass
 ORDER BY index_ddl COLLATE "C" \gexec
ANALYZE accounts;
SELECT uses($$SELECT count(*) FROM accounts WHERE is_archived(doc)$$);
SELECT uses($$SELECT count(*) FROM accounts WHERE NOT (attrs->>'active')::boolean$$);
DROP INDEX accounts_is_archived_idx, accounts_expr_idx;
ANALYZE accounts;

--
-- 3. Boolean expressions no index helps, with the reason (verbose): most
-- rows pass; the function is VOLATILE
--
CREATE FUNCTION is_live(d jsonb) RETURNS boolean
  LANGUAGE plpgsql VOLATILE AS $$BEGIN RETURN NOT (d->>'archived')::boolean; END$$;
SELECT idxadvisor_reset();
SELECT count(*) FROM accounts WHERE (attrs->>'active')::boolean;
SELECT count(*) FROM accounts WHERE is_live(doc) IS TRUE;
SELECT count(*) FROM sug;
SELECT relid, columns, no_ddl,
       regexp_replace(reason, 'cost [0-9.]+ without it, [0-9.]+ with it',
                      'cost X without it, Y with it') AS reason
  FROM rejected;

--
-- 4. A partitioned table: the expression filter is captured per leaf
-- partition, and gets one index on the partitioned table, built leaf by
-- leaf and attached by idxadvisor_create_concurrently().  One partition
-- numbers its columns differently.
--
CREATE TABLE events (id int, tenant_id int, email text) PARTITION BY RANGE (id);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (25000);
CREATE TABLE events_2 (email text, junk int, id int, tenant_id int);
ALTER TABLE events_2 DROP COLUMN junk;
ALTER TABLE events ATTACH PARTITION events_2 FOR VALUES FROM (25000) TO (50001);
INSERT INTO events SELECT g, g % 50, 'User' || g || '@Example.com'
  FROM generate_series(1, 50000) g;
ANALYZE events;
SELECT idxadvisor_reset();
SELECT count(*) FROM events WHERE lower(email) = 'user42@example.com';
SELECT count(*) FROM events WHERE lower(email) = 'user30042@example.com';
-- and a mixed key on it
SELECT count(*) FROM events
 WHERE tenant_id = 42 AND md5(email) = md5('User42@Example.com');
SELECT count(*) FROM events
 WHERE tenant_id = 17 AND md5(email) = md5('User30017@Example.com');
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'events'::regclass
 ORDER BY index_ddl COLLATE "C" \gexec
CALL idxadvisor_wait();
SELECT i.indexrelid::regclass AS index, i.indisvalid
  FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
 WHERE h.inhparent = 'events'::regclass
 ORDER BY i.indexrelid::regclass::text COLLATE "C";
SELECT uses($$SELECT count(*) FROM events WHERE lower(email) = 'user42@example.com'$$);
SELECT uses($$SELECT count(*) FROM events
 WHERE tenant_id = 42 AND md5(email) = md5('User42@Example.com')$$);
-- served now: nothing left to suggest
SELECT idxadvisor_reset();
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM events WHERE lower(email) = 'user42@example.com';
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT count(*) FROM sug;

-- a partition that is a foreign table can have no index.  Its wrapper here
-- has no handler: the table cannot even be planned, and the candidate says
-- so; building the index is refused, as for any index of that table
CREATE FOREIGN DATA WRAPPER regress_mixed_fdw;
CREATE SERVER regress_mixed_srv FOREIGN DATA WRAPPER regress_mixed_fdw;
CREATE TABLE logs (id int, msg text) PARTITION BY RANGE (id);
CREATE TABLE logs_1 PARTITION OF logs FOR VALUES FROM (0) TO (50001);
CREATE FOREIGN TABLE logs_remote PARTITION OF logs
  FOR VALUES FROM (50001) TO (100000) SERVER regress_mixed_srv;
INSERT INTO logs_1 SELECT g, 'Message ' || g FROM generate_series(1, 50000) g;
ANALYZE logs_1;
SELECT idxadvisor_reset();
SELECT count(*) FROM logs_1 WHERE lower(msg) = 'message 42';
SELECT count(*) FROM sug;
SELECT * FROM rejected WHERE relid = 'logs'::regclass;
SELECT idxadvisor_create_concurrently('CREATE INDEX ON logs ((lower(msg)))');
DROP TABLE logs;
DROP SERVER regress_mixed_srv;
DROP FOREIGN DATA WRAPPER regress_mixed_fdw;

--
-- 5. Two expressions in one filter: the index that costs less is
-- suggested, and verbose lists the other with the reason, whichever of the
-- two the planner's version prefers
--
CREATE TABLE notes (id int PRIMARY KEY, a text, b text);
INSERT INTO notes SELECT g, 'A' || g, 'b' || g FROM generate_series(1, 20000) g;
ANALYZE notes;
SELECT idxadvisor_reset();
SELECT count(*) FROM notes
 WHERE lower(a) = 'a42' AND upper(b) IN ('B42', 'B43', 'B44', 'B45');
SELECT count(*) AS suggested FROM sug WHERE relid = 'notes'::regclass;
SELECT count(*) AS listed,
       count(*) FILTER (WHERE reason LIKE 'rejected: the index on % serves the same filter at a lower cost') AS loser,
       array_agg(columns::text ORDER BY columns::text COLLATE "C") AS both
  FROM idxadvisor_suggest(verbose => true) WHERE relid = 'notes'::regclass;

-- an expression of the filter rejected for a reason of its own (a STABLE
-- cast) is listed too, where the other expression gets the index, also
-- when the filter has a column whose own index the planner rejects
CREATE TABLE memos (id int PRIMARY KEY, kind int, a text, d text);
INSERT INTO memos SELECT g, g % 2, 'A' || g, '2026-01-01'
  FROM generate_series(1, 20000) g;
ANALYZE memos;
SELECT idxadvisor_reset();
SELECT count(*) FROM memos
 WHERE kind = 0 AND lower(a) = 'a42' AND d::timestamptz > '2025-01-01 00:00+00';
SELECT relid, columns, index_ddl FROM sug WHERE relid = 'memos'::regclass;
SELECT relid, columns, no_ddl,
       regexp_replace(reason, 'cost [0-9.]+ without it, [0-9.]+ with it',
                      'cost X without it, Y with it') AS reason
  FROM rejected WHERE relid = 'memos'::regclass;

\c :regress_db
DROP DATABASE regress_suggest_mixed;
DROP ROLE regress_mixed_reader;

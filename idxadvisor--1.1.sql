/* idxadvisor--1.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION idxadvisor" to load this file. \quit

--
-- Capture (idxadvisor_capture.c)
--

-- Raw statistics of the current database; idxadvisor_scans names them.
CREATE FUNCTION @extschema@.idxadvisor_scan_stats(
    OUT relid pg_catalog.oid,
    OUT attnums pg_catalog.int2[],
    OUT comparisons pg_catalog.text[],
    OUT order_attnums pg_catalog.int2[],
    OUT order_desc pg_catalog.bool[],
    OUT order_nulls_first pg_catalog.bool[],
    OUT executions pg_catalog.int8,
    OUT fk_trigger_executions pg_catalog.int8,
    OUT rows_scanned pg_catalog.int8,
    OUT rows_matched pg_catalog.int8,
    OUT pages_scanned pg_catalog.int8,
    OUT last_seen pg_catalog.timestamptz,
    OUT queryid pg_catalog.int8,
    OUT shape pg_catalog.text,
    OUT expressions pg_catalog.text[],
    OUT outer_rows pg_catalog.int8,
    OUT limited_executions pg_catalog.int8,
    OUT limit_max pg_catalog.int8,
    OUT columns_read pg_catalog.int2[])
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_scan_stats'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW @extschema@.idxadvisor_scans AS
SELECT s.relid::pg_catalog.regclass AS relid,
       ARRAY(SELECT a.attname::pg_catalog.text
               FROM pg_catalog.unnest(s.attnums) WITH ORDINALITY AS u(attnum, i)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = s.relid AND a.attnum = u.attnum
              ORDER BY u.i) AS columns,
       s.comparisons,
       fk.conname AS foreign_key,
       CASE WHEN s.order_attnums IS NOT NULL THEN
         ARRAY(SELECT pg_catalog.quote_ident(a.attname)
                      OPERATOR(pg_catalog.||)
                      CASE WHEN u.d THEN ' DESC' ELSE '' END
                      OPERATOR(pg_catalog.||)
                      CASE WHEN u.nf AND NOT u.d THEN ' NULLS FIRST'
                           WHEN NOT u.nf AND u.d THEN ' NULLS LAST'
                           ELSE '' END
                 FROM ROWS FROM (pg_catalog.unnest(s.order_attnums),
                                pg_catalog.unnest(s.order_desc),
                                pg_catalog.unnest(s.order_nulls_first))
                        WITH ORDINALITY AS u(attnum, d, nf, i)
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = s.relid AND a.attnum = u.attnum
                ORDER BY u.i)
       END AS order_by,
       s.executions,
       s.fk_trigger_executions,
       s.rows_scanned,
       s.rows_matched,
       s.pages_scanned,
       s.last_seen,
       s.queryid,
       s.shape,
       s.expressions,
       s.outer_rows,
       s.limited_executions,
       s.limit_max,
       CASE WHEN s.columns_read IS NOT NULL THEN
         ARRAY(SELECT a.attname::pg_catalog.text
                 FROM pg_catalog.unnest(s.columns_read) AS u(attnum)
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = s.relid AND a.attnum = u.attnum
                  AND NOT a.attisdropped
                ORDER BY u.attnum)
       END AS columns_read
  FROM @extschema@.idxadvisor_scan_stats() s
  -- the foreign key whose columns the filter compares for equality
  LEFT JOIN LATERAL (
       SELECT con.conname
         FROM pg_catalog.pg_constraint con
        WHERE con.conrelid = s.relid
          AND con.contype = 'f'
          AND con.conkey OPERATOR(pg_catalog.<@)
              ARRAY(SELECT u.attnum
                      FROM ROWS FROM (pg_catalog.unnest(s.attnums),
                                     pg_catalog.unnest(s.comparisons))
                             AS u(attnum, kind)
                     WHERE u.kind = 'eq')
        ORDER BY pg_catalog.cardinality(con.conkey) DESC, con.conname
        LIMIT 1) fk ON true;

GRANT SELECT ON @extschema@.idxadvisor_scans TO PUBLIC;

CREATE FUNCTION @extschema@.idxadvisor_reset()
RETURNS pg_catalog.void
AS 'MODULE_PATHNAME', 'idxadvisor_reset'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

REVOKE ALL ON FUNCTION @extschema@.idxadvisor_reset() FROM PUBLIC;

--
-- Catalog reports (idxadvisor_report.c)
--

-- Foreign keys whose referencing side has no index that serves the lookup
-- the foreign-key trigger runs there.  Catalog and statistics views only;
-- works without shared_preload_libraries.  Shows what pg_constraint and
-- pg_stat_user_tables show every role anyway, so PUBLIC may call it.
CREATE FUNCTION @extschema@.idxadvisor_unindexed_foreign_keys(
    OUT relid pg_catalog.regclass,
    OUT foreign_key pg_catalog.name,
    OUT columns pg_catalog.text[],
    OUT referenced pg_catalog.regclass,
    OUT coverage pg_catalog.text,
    OUT on_delete pg_catalog.text,
    OUT on_update pg_catalog.text,
    OUT table_bytes pg_catalog.int8,
    OUT parent_deletes pg_catalog.int8,
    OUT parent_key_updates_max pg_catalog.int8,
    OUT suggested_ddl pg_catalog.text,
    OUT coverage_detail pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_unindexed_foreign_keys'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- Duplicate, redundant and invalid indexes, with the index that stays and
-- the DDL that removes the others.  Same visibility as above.
CREATE FUNCTION @extschema@.idxadvisor_duplicates(
    OUT relid pg_catalog.regclass,
    OUT index pg_catalog.regclass,
    OUT kind pg_catalog.text,
    OUT covered_by pg_catalog.regclass,
    OUT reason pg_catalog.text,
    OUT drop_ddl pg_catalog.text,
    OUT index_bytes pg_catalog.int8,
    OUT index_scans pg_catalog.int8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_duplicates'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- 1.1: the reports for people: SELECT * fits a 120-column terminal in psql's
-- aligned format (sizes pretty, numbers grouped, the longest text left to
-- the functions), most urgent first.  The functions keep every column for
-- programs.
CREATE VIEW @extschema@.idxadvisor_unindexed_fks AS
SELECT f.relid AS "table",
       pg_catalog.array_to_string(f.columns, ', ') AS columns,
       f.referenced AS "references",
       f.on_delete,
       f.coverage,
       pg_catalog.pg_size_pretty(f.table_bytes) AS table_size,
       pg_catalog.to_char(f.parent_deletes, 'FM999,999,999,999,999,990') AS parent_deletes
  FROM @extschema@.idxadvisor_unindexed_foreign_keys() f
 ORDER BY f.parent_deletes OPERATOR(pg_catalog.+) f.parent_key_updates_max DESC,
          f.table_bytes DESC, f.relid::pg_catalog.text, f.foreign_key;

GRANT SELECT ON @extschema@.idxadvisor_unindexed_fks TO PUBLIC;

CREATE VIEW @extschema@.idxadvisor_duplicate_indexes AS
SELECT d.relid AS "table",
       d.index,
       d.kind,
       d.covered_by AS keep,
       pg_catalog.pg_size_pretty(d.index_bytes) AS size,
       pg_catalog.to_char(d.index_scans, 'FM999,999,999,999,999,990') AS scans
  FROM @extschema@.idxadvisor_duplicates() d
 ORDER BY d.index_bytes DESC, d.relid::pg_catalog.text, d.index::pg_catalog.text;

GRANT SELECT ON @extschema@.idxadvisor_duplicate_indexes TO PUBLIC;


--
-- Suggestions (idxadvisor_suggest.c)
--

-- Index suggestions from the captured scans, the catalogs and the planner;
-- with verbose, also the candidates rejected and why.  1.1 (workload): the
-- set of indexes that serves the workload at least cost, and three columns:
-- the query ids of the scans served, the rows a scan would read through the
-- index, and the bytes it adds to the table's writes (a share).  Shows only tables the
-- caller holds a privilege on (all for pg_read_all_stats), like
-- idxadvisor_scans.
CREATE FUNCTION @extschema@.idxadvisor_suggest(
    verbose pg_catalog.bool DEFAULT false,
    OUT relid pg_catalog.regclass,
    OUT columns pg_catalog.text[],
    OUT predicate pg_catalog.text,
    OUT kind pg_catalog.text,
    OUT foreign_key pg_catalog.name,
    OUT index_ddl pg_catalog.text,
    OUT seq_scans pg_catalog.int8,
    OUT fk_trigger_scans pg_catalog.int8,
    OUT rows_per_scan pg_catalog.float8,
    OUT selectivity pg_catalog.float8,
    OUT est_index_bytes pg_catalog.int8,
    OUT est_cost_before pg_catalog.float8,
    OUT est_cost_after pg_catalog.float8,
    OUT score pg_catalog.float8,
    OUT reason pg_catalog.text,
    OUT queryids pg_catalog.int8[],
    OUT est_rows_per_scan_after pg_catalog.float8,
    OUT est_write_overhead pg_catalog.float8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_suggest'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

-- 1.1: the suggestions for people, best first, in a 120-column terminal:
-- the index in short form, its benefit (rows a scan reads now -> with the
-- index, which are the rows it keeps; the planner's cost saved), its size,
-- and why.  The arrow
-- and minus sign are Unicode only where both the database and the client
-- speak UTF8 (convert_from() is STABLE: never folded when it is not taken).
CREATE VIEW @extschema@.idxadvisor_suggestions AS
SELECT s.relid AS "table",
       '(' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(s.columns, ', ')
           OPERATOR(pg_catalog.||) ')'
           OPERATOR(pg_catalog.||) COALESCE(' WHERE ' OPERATOR(pg_catalog.||) s.predicate, '')
         AS index,
       CASE WHEN s.seq_scans OPERATOR(pg_catalog.>) 0 THEN
              pg_catalog.to_char(pg_catalog.round(s.rows_per_scan), 'FM999,999,999,999,999,990')
              OPERATOR(pg_catalog.||) u.arrow
              OPERATOR(pg_catalog.||) pg_catalog.to_char(pg_catalog.round(s.rows_per_scan
                                                       OPERATOR(pg_catalog.*) s.selectivity),
                                                      'FM999,999,999,999,999,990')
       END AS rows_per_scan,
       u.minus
       OPERATOR(pg_catalog.||) pg_catalog.round((100 OPERATOR(pg_catalog.*)
             (s.est_cost_before OPERATOR(pg_catalog.-) s.est_cost_after)
             OPERATOR(pg_catalog./) NULLIF(s.est_cost_before, 0))::pg_catalog.numeric, 1)
       OPERATOR(pg_catalog.||) '%' AS cost,
       pg_catalog.pg_size_pretty(s.est_index_bytes) AS size,
       CASE WHEN s.kind OPERATOR(pg_catalog.=) 'foreign_key' THEN 'FK, ' ELSE '' END
       OPERATOR(pg_catalog.||)
       CASE WHEN s.seq_scans OPERATOR(pg_catalog.>) 0 THEN
              pg_catalog.to_char(s.seq_scans, 'FM999,999,999,999,999,990') OPERATOR(pg_catalog.||) ' scans'
              OPERATOR(pg_catalog.||)
              CASE WHEN s.fk_trigger_scans OPERATOR(pg_catalog.>) 0 THEN
                     ' (' OPERATOR(pg_catalog.||)
                     pg_catalog.to_char(s.fk_trigger_scans, 'FM999,999,999,999,999,990')
                     OPERATOR(pg_catalog.||) ' by FK trigger)'
                   ELSE '' END
            ELSE
              -- a foreign key known from the catalog only: score is its
              -- parent's deletes and updates times the cost saved
              'no scan seen, '
              OPERATOR(pg_catalog.||)
              pg_catalog.to_char(pg_catalog.round(s.score OPERATOR(pg_catalog./)
                                   NULLIF(s.est_cost_before OPERATOR(pg_catalog.-) s.est_cost_after, 0)),
                                 'FM999,999,999,999,999,990')
              OPERATOR(pg_catalog.||) ' parent changes'
       END
       OPERATOR(pg_catalog.||)
       CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'p' THEN ', partitioned' ELSE '' END
         AS why
  FROM @extschema@.idxadvisor_suggest() WITH ORDINALITY AS s
  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.relid
  CROSS JOIN LATERAL (
       SELECT CASE WHEN pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8'
                    AND pg_catalog.current_setting('client_encoding') OPERATOR(pg_catalog.=) 'UTF8'
                   THEN pg_catalog.convert_from(pg_catalog.decode('20e2869220', 'hex'), 'UTF8')
                   ELSE ' -> ' END AS arrow,
              CASE WHEN pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8'
                    AND pg_catalog.current_setting('client_encoding') OPERATOR(pg_catalog.=) 'UTF8'
                   THEN pg_catalog.convert_from(pg_catalog.decode('e28892', 'hex'), 'UTF8')
                   ELSE '-' END AS minus) u
 ORDER BY s.ordinality;

GRANT SELECT ON @extschema@.idxadvisor_suggestions TO PUBLIC;


--
-- Builds (idxadvisor_build.c)
--

-- One row per index build or drop requested through the functions below.
-- Written only by the extension's C code (as the extension owner); not
-- accessible to PUBLIC.  Roles read their own rows through idxadvisor_builds.
CREATE TABLE @extschema@.idxadvisor_build_jobs (
    id pg_catalog.int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind pg_catalog.text NOT NULL CHECK (kind IN ('create', 'drop', 'reindex')),
    relid pg_catalog.oid NOT NULL,          -- the table
    indexrelid pg_catalog.oid,              -- drops: the index; builds: once built
    index_schema pg_catalog.oid NOT NULL,
    index_name pg_catalog.name NOT NULL,
    command pg_catalog.text NOT NULL,       -- the DDL the worker runs
    key pg_catalog.text NOT NULL,           -- the DDL without name: same request?
    state pg_catalog.text NOT NULL
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    requested_by pg_catalog.oid NOT NULL,   -- current_user of the request
    session_role pg_catalog.oid NOT NULL,   -- session_user: the worker logs in as it
    requested_at pg_catalog.timestamptz NOT NULL,
    started_at pg_catalog.timestamptz,
    finished_at pg_catalog.timestamptz,
    error pg_catalog.text,
    pid pg_catalog.int4,
    attempts pg_catalog.int4 NOT NULL DEFAULT 0,
    cancel_requested pg_catalog.bool NOT NULL DEFAULT false,
    sqlstate pg_catalog.text,               -- 1.1: the failed job's SQLSTATE
    index_definition pg_catalog.text        -- 1.1: drops: the CREATE INDEX that rebuilds it
);

-- at most one unfinished build and one unfinished drop per index name
CREATE UNIQUE INDEX idxadvisor_build_jobs_pending
    ON @extschema@.idxadvisor_build_jobs (index_schema, index_name, kind)
    WHERE state IN ('queued', 'running');

REVOKE ALL ON TABLE @extschema@.idxadvisor_build_jobs FROM PUBLIC;

CREATE VIEW @extschema@.idxadvisor_builds WITH (security_barrier) AS
SELECT j.id,
       j.kind,
       j.relid::pg_catalog.regclass AS relid,
       j.index_name,
       j.command,
       j.state,
       j.requested_by::pg_catalog.regrole AS requested_by,
       j.requested_at,
       j.started_at,
       j.finished_at,
       j.error,
       j.pid,
       p.phase,
       p.blocks_done,
       p.blocks_total,
       p.tuples_done,
       p.tuples_total,
       p.lockers_done,
       p.lockers_total,
       p.current_locker_pid,
       a.wait_event_type,
       a.wait_event,
       -- 1.1: how long it has run (queued: waited), the share of the current
       -- phase done where the phase has a total, and what it waits for
       CASE j.state
            WHEN 'queued' THEN pg_catalog.now() OPERATOR(pg_catalog.-) j.requested_at
            WHEN 'running' THEN pg_catalog.now() OPERATOR(pg_catalog.-) j.started_at
            ELSE j.finished_at OPERATOR(pg_catalog.-) COALESCE(j.started_at, j.requested_at)
       END AS elapsed,
       pg_catalog.round(100 OPERATOR(pg_catalog.*) CASE
            WHEN p.phase LIKE 'waiting for %' THEN
                 p.lockers_done::pg_catalog.numeric OPERATOR(pg_catalog./)
                 NULLIF(p.lockers_total, 0)
            WHEN p.phase LIKE '%scanning table%' THEN
                 p.blocks_done::pg_catalog.numeric OPERATOR(pg_catalog./)
                 NULLIF(p.blocks_total, 0)
            ELSE COALESCE(p.tuples_done::pg_catalog.numeric OPERATOR(pg_catalog./)
                          NULLIF(p.tuples_total, 0),
                          p.blocks_done::pg_catalog.numeric OPERATOR(pg_catalog./)
                          NULLIF(p.blocks_total, 0))
       END, 1) AS percent_done,
       w.pid AS blocked_by_pid,
       b.query AS blocked_by_query,
       -- 1.1: a drop's index as idxadvisor_restore() would build it again
       j.index_definition
  FROM @extschema@.idxadvisor_build_jobs j
  LEFT JOIN pg_catalog.pg_stat_progress_create_index p
         ON j.state = 'running' AND p.pid = j.pid
  LEFT JOIN pg_catalog.pg_stat_activity a
         ON j.state = 'running' AND a.pid = j.pid
  -- the session it waits for: the one CREATE INDEX CONCURRENTLY names, else
  -- the first holder of the lock it waits for
  LEFT JOIN LATERAL (
       SELECT COALESCE(NULLIF(p.current_locker_pid, 0),
                       (pg_catalog.pg_blocking_pids(a.pid))[1]) AS pid
        WHERE a.wait_event_type = 'Lock') w ON true
  LEFT JOIN pg_catalog.pg_stat_activity b ON b.pid = w.pid
 WHERE pg_catalog.pg_has_role(j.requested_by, 'USAGE')
    OR pg_catalog.pg_has_role('pg_monitor', 'USAGE')
 ORDER BY j.id;

GRANT SELECT ON @extschema@.idxadvisor_builds TO PUBLIC;

-- 1.1: the builds for people, in a 120-column terminal: how long each has
-- run, its state or, while it runs, its phase and how far it is, what it
-- waits for (pid: query), a failure's error shortened (idxadvisor_builds has
-- it whole).
CREATE VIEW @extschema@.idxadvisor_build_status AS
SELECT b.id,
       b.index_name AS index,
       pg_catalog.date_trunc('second', b.elapsed) AS elapsed,
       CASE WHEN b.kind OPERATOR(pg_catalog.<>) 'create'
            THEN b.kind OPERATOR(pg_catalog.||) ' ' ELSE '' END
       OPERATOR(pg_catalog.||)
       CASE WHEN b.state OPERATOR(pg_catalog.=) 'failed' THEN
              'failed: ' OPERATOR(pg_catalog.||)
              CASE WHEN pg_catalog.length(pg_catalog.split_part(b.error, E'\n', 1))
                        OPERATOR(pg_catalog.>) 40
                   THEN pg_catalog.left(pg_catalog.split_part(b.error, E'\n', 1), 37)
                        OPERATOR(pg_catalog.||) '...'
                   ELSE pg_catalog.split_part(b.error, E'\n', 1) END
            WHEN b.phase IS NOT NULL THEN
              b.phase OPERATOR(pg_catalog.||)
              COALESCE(' ' OPERATOR(pg_catalog.||) pg_catalog.round(b.percent_done)
                       OPERATOR(pg_catalog.||) '%', '')
            ELSE b.state
       END AS status,
       b.blocked_by_pid OPERATOR(pg_catalog.||) ': '
       OPERATOR(pg_catalog.||)
       COALESCE(pg_catalog.left(pg_catalog.regexp_replace(b.blocked_by_query, '\s+', ' ', 'g'), 25), '')
         AS waiting_for
  FROM @extschema@.idxadvisor_builds b
 ORDER BY b.id;

GRANT SELECT ON @extschema@.idxadvisor_build_status TO PUBLIC;

CREATE FUNCTION @extschema@.idxadvisor_create(
    relid pg_catalog.regclass,
    columns pg_catalog.text[],
    index_name pg_catalog.name DEFAULT NULL,
    "unique" pg_catalog.bool DEFAULT false,
    method pg_catalog.name DEFAULT 'btree',
    include pg_catalog.text[] DEFAULT NULL)
RETURNS pg_catalog.regclass
AS 'MODULE_PATHNAME', 'idxadvisor_create'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_create(definition pg_catalog.text)
RETURNS pg_catalog.regclass
AS 'MODULE_PATHNAME', 'idxadvisor_create_definition'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_create_concurrently(
    relid pg_catalog.regclass,
    columns pg_catalog.text[],
    index_name pg_catalog.name DEFAULT NULL,
    "unique" pg_catalog.bool DEFAULT false,
    method pg_catalog.name DEFAULT 'btree',
    include pg_catalog.text[] DEFAULT NULL)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_create_concurrently'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_create_concurrently(definition pg_catalog.text)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_create_concurrently_definition'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

-- 1.1: force drops the last index that serves a foreign key
CREATE FUNCTION @extschema@.idxadvisor_drop(
    index pg_catalog.regclass,
    force pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.void
AS 'MODULE_PATHNAME', 'idxadvisor_drop'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_drop_concurrently(
    index pg_catalog.regclass,
    force pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_drop_concurrently'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

-- 1.1: the index by name, so that a migration can drop an index whose build
-- an earlier migration only queued; if_exists makes a missing index a notice
CREATE FUNCTION @extschema@.idxadvisor_drop(
    index pg_catalog.text,
    if_exists pg_catalog.bool DEFAULT false,
    force pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.void
AS 'MODULE_PATHNAME', 'idxadvisor_drop_name'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_drop_concurrently(
    index pg_catalog.text,
    if_exists pg_catalog.bool DEFAULT false,
    force pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_drop_concurrently_name'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_cancel(id pg_catalog.int8)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'idxadvisor_cancel'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE PROCEDURE @extschema@.idxadvisor_wait(
    id pg_catalog.int8 DEFAULT NULL,
    timeout pg_catalog.interval DEFAULT NULL)
AS 'MODULE_PATHNAME', 'idxadvisor_wait'
LANGUAGE C;

-- They can only do what the caller could do with plain DDL, but they take
-- background workers: grant them to the roles that run migrations.
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_create(pg_catalog.regclass, pg_catalog.text[], pg_catalog.name, pg_catalog.bool, pg_catalog.name, pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_create(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_create_concurrently(pg_catalog.regclass, pg_catalog.text[], pg_catalog.name, pg_catalog.bool, pg_catalog.name, pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_create_concurrently(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop(pg_catalog.regclass, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop_concurrently(pg_catalog.regclass, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_cancel(pg_catalog.int8) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop(pg_catalog.text, pg_catalog.bool, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop_concurrently(pg_catalog.text, pg_catalog.bool, pg_catalog.bool) FROM PUBLIC;


-- 1.1 (workload): what-if advice for one statement (idxadvisor_suggest_for.c):
-- the indexes that would make it cheaper, with idxadvisor_suggest()'s
-- columns and rules, costed on the statement itself.  It plans the
-- statement as the caller, as EXPLAIN does, and never runs it: open to
-- PUBLIC like EXPLAIN.
CREATE FUNCTION @extschema@.idxadvisor_suggest_for(
    query pg_catalog.text,
    verbose pg_catalog.bool DEFAULT false,
    OUT relid pg_catalog.regclass,
    OUT columns pg_catalog.text[],
    OUT predicate pg_catalog.text,
    OUT kind pg_catalog.text,
    OUT foreign_key pg_catalog.name,
    OUT index_ddl pg_catalog.text,
    OUT seq_scans pg_catalog.int8,
    OUT fk_trigger_scans pg_catalog.int8,
    OUT rows_per_scan pg_catalog.float8,
    OUT selectivity pg_catalog.float8,
    OUT est_index_bytes pg_catalog.int8,
    OUT est_cost_before pg_catalog.float8,
    OUT est_cost_after pg_catalog.float8,
    OUT score pg_catalog.float8,
    OUT reason pg_catalog.text,
    OUT queryids pg_catalog.int8[],
    OUT est_rows_per_scan_after pg_catalog.float8,
    OUT est_write_overhead pg_catalog.float8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_suggest_for'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

--
-- Index lifecycle reports (idxadvisor_lifecycle.c)
--


-- Valid indexes with no scan in the window the statistics have watched
-- (since pg_stat_database.stats_reset); the ones that must stay, or were
-- watched for less than min_window, with no drop_ddl.  Catalog and
-- statistics only, like the other reports: PUBLIC may call it.
CREATE FUNCTION @extschema@.idxadvisor_unused_indexes(
    min_window pg_catalog.interval DEFAULT '7 days',
    OUT relid pg_catalog.regclass,
    OUT index pg_catalog.regclass,
    OUT index_bytes pg_catalog.int8,
    OUT index_scans pg_catalog.int8,
    OUT last_used pg_catalog.timestamptz,
    OUT "window" pg_catalog.interval,
    OUT writes_per_day pg_catalog.float8,
    OUT drop_ddl pg_catalog.text,
    OUT reason pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_unused_indexes'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;

-- Each btree index's size against the size a fresh build would have: from
-- statistics, or with exact => true measured by pgstattuple's pgstatindex()
-- with the caller's privileges.
CREATE FUNCTION @extschema@.idxadvisor_index_bloat(
    exact pg_catalog.bool DEFAULT false,
    OUT relid pg_catalog.regclass,
    OUT index pg_catalog.regclass,
    OUT index_bytes pg_catalog.int8,
    OUT fresh_bytes pg_catalog.int8,
    OUT bloat_bytes pg_catalog.int8,
    OUT bloat_percent pg_catalog.float8,
    OUT leaf_density pg_catalog.float8,
    OUT source pg_catalog.text,
    OUT reindex_ddl pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_index_bloat'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL RESTRICTED;

-- The reports for people, in a 120-column terminal, in the functions' order
CREATE VIEW @extschema@.idxadvisor_unused AS
SELECT u.relid AS "table",
       u.index,
       pg_catalog.pg_size_pretty(u.index_bytes) AS size,
       pg_catalog.date_trunc('minute', u."window") AS "window",
       pg_catalog.to_char(pg_catalog.round(u.writes_per_day), 'FM999,999,999,999,999,990') AS writes_per_day,
       CASE WHEN u.drop_ddl IS NOT NULL THEN 'drop'
            WHEN u.reason LIKE 'too new%' THEN 'too new to judge'
            WHEN u.reason LIKE 'keep: it backs%' THEN 'keep: backs a constraint'
            WHEN u.reason LIKE 'keep: it is unique%' THEN 'keep: unique'
            WHEN u.reason LIKE 'keep: it is the last index that serves%' THEN 'keep: serves a foreign key'
            ELSE 'keep: replica identity' END AS verdict
  FROM @extschema@.idxadvisor_unused_indexes() WITH ORDINALITY AS u
 ORDER BY u.ordinality;

GRANT SELECT ON @extschema@.idxadvisor_unused TO PUBLIC;

CREATE VIEW @extschema@.idxadvisor_bloated_indexes AS
SELECT b.relid AS "table",
       b.index,
       pg_catalog.pg_size_pretty(b.index_bytes) AS size,
       pg_catalog.pg_size_pretty(b.fresh_bytes) AS fresh_size,
       pg_catalog.round(b.bloat_percent::pg_catalog.numeric) OPERATOR(pg_catalog.||) '%' AS bloat
  FROM @extschema@.idxadvisor_index_bloat() WITH ORDINALITY AS b
 ORDER BY b.ordinality;

GRANT SELECT ON @extschema@.idxadvisor_bloated_indexes TO PUBLIC;

-- What the captured scans an index serves amount to now (needs the library
-- preloaded); what idxadvisor_outcomes compares with the baseline.
CREATE FUNCTION @extschema@.idxadvisor_index_served_scans(
    index pg_catalog.regclass,
    OUT index_scans pg_catalog.int8,
    OUT shapes pg_catalog.int4,
    OUT seq_scans pg_catalog.int8,
    OUT rows_read pg_catalog.int8,
    OUT capture_since pg_catalog.timestamptz)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_index_served_scans'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- The "before" of each build: written by the build worker, as the extension
-- owner, in the transaction that records the job as done.  Not accessible
-- to PUBLIC, like the job table.
CREATE TABLE @extschema@.idxadvisor_outcome_baselines (
    job pg_catalog.int8 PRIMARY KEY,        -- idxadvisor_build_jobs.id
    indexrelid pg_catalog.oid NOT NULL,
    taken_at pg_catalog.timestamptz NOT NULL,
    capture_since pg_catalog.timestamptz NOT NULL,
    shapes pg_catalog.int4 NOT NULL,
    seq_scans pg_catalog.int8 NOT NULL,
    rows_read pg_catalog.int8 NOT NULL
);

REVOKE ALL ON TABLE @extschema@.idxadvisor_outcome_baselines FROM PUBLIC;

-- One row per finished create job: did the index help?  Rows of one's own
-- jobs, all of them for pg_monitor, as idxadvisor_builds.
CREATE VIEW @extschema@.idxadvisor_outcomes WITH (security_barrier) AS
SELECT j.id AS job,
       j.relid::pg_catalog.regclass AS relid,
       i.oid::pg_catalog.regclass AS index,
       j.index_name,
       j.finished_at AS built_at,
       s.index_scans,
       s.shapes,
       pg_catalog.round((b.seq_scans OPERATOR(pg_catalog./) t.hours_before)::pg_catalog.numeric, 2)
         AS seq_scans_per_hour_before,
       pg_catalog.round((t.scans_after OPERATOR(pg_catalog./) t.hours_after)::pg_catalog.numeric, 2)
         AS seq_scans_per_hour_after,
       pg_catalog.round((b.rows_read OPERATOR(pg_catalog./) t.hours_before)::pg_catalog.numeric)
         AS rows_read_per_hour_before,
       pg_catalog.round((t.rows_after OPERATOR(pg_catalog./) t.hours_after)::pg_catalog.numeric)
         AS rows_read_per_hour_after,
       CASE WHEN i.oid IS NULL THEN 'not used: the index no longer exists'
            WHEN NOT x.indisvalid THEN 'not used: the index is not valid'
            WHEN s.index_scans OPERATOR(pg_catalog.>) 0 THEN 'helping'
            WHEN t.scans_after OPERATOR(pg_catalog.>) 0 THEN
                 'not used: the planner still prefers a sequential scan (captured since the build: '
                 OPERATOR(pg_catalog.||) t.scans_after::pg_catalog.int8
                 OPERATOR(pg_catalog.||) ' of the scan shapes it serves)'
            ELSE 'unused so far' END AS verdict
  FROM @extschema@.idxadvisor_build_jobs j
  LEFT JOIN @extschema@.idxadvisor_outcome_baselines b ON b.job OPERATOR(pg_catalog.=) j.id
  LEFT JOIN pg_catalog.pg_class i
         ON i.relnamespace OPERATOR(pg_catalog.=) j.index_schema
        AND i.relname OPERATOR(pg_catalog.=) j.index_name
        AND i.relkind IN ('i', 'I')
  LEFT JOIN pg_catalog.pg_index x ON x.indexrelid OPERATOR(pg_catalog.=) i.oid
  LEFT JOIN LATERAL @extschema@.idxadvisor_index_served_scans(i.oid) s ON true
  -- after the build: the counts since the baseline, or all of them when the
  -- capture was reset since (its counts are then lower than the baseline)
  CROSS JOIN LATERAL (
       SELECT NULLIF(pg_catalog.date_part('epoch', b.taken_at OPERATOR(pg_catalog.-) b.capture_since), 0)
                OPERATOR(pg_catalog./) 3600 AS hours_before,
              NULLIF(pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) b.taken_at), 0)
                OPERATOR(pg_catalog./) 3600 AS hours_after,
              CASE WHEN s.seq_scans OPERATOR(pg_catalog.>=) b.seq_scans
                   THEN s.seq_scans OPERATOR(pg_catalog.-) b.seq_scans
                   ELSE s.seq_scans END AS scans_after,
              CASE WHEN s.rows_read OPERATOR(pg_catalog.>=) b.rows_read
                   THEN s.rows_read OPERATOR(pg_catalog.-) b.rows_read
                   ELSE s.rows_read END AS rows_after) t
 WHERE j.kind OPERATOR(pg_catalog.=) 'create'
   AND j.state OPERATOR(pg_catalog.=) 'done'
   AND (pg_catalog.pg_has_role(j.requested_by, 'USAGE')
        OR pg_catalog.pg_has_role('pg_monitor', 'USAGE'))
 ORDER BY j.id;

GRANT SELECT ON @extschema@.idxadvisor_outcomes TO PUBLIC;

--
-- 1.1 (replicas): read replicas (idxadvisor_collect.c).  The scans of hot
-- standbys, gathered on the primary by idxadvisor_collect(), per node.
--

-- What was collected, per node.  Written only by the extension's C code (as
-- the extension owner); not accessible to PUBLIC.  raw_* are the node's own
-- counters as last read: the next collection adds what they grew by.
CREATE TABLE @extschema@.idxadvisor_nodes (
    node pg_catalog.text PRIMARY KEY,
    first_collected pg_catalog.timestamptz NOT NULL,
    last_collected pg_catalog.timestamptz,
    collections pg_catalog.int8 NOT NULL DEFAULT 0,
    stats_reset pg_catalog.timestamptz      -- its pg_stat_database.stats_reset
);

CREATE TABLE @extschema@.idxadvisor_node_scan_data (
    node pg_catalog.text NOT NULL,
    relid pg_catalog.oid NOT NULL,
    key pg_catalog.bytea NOT NULL,          -- the capture's key, as the library lays it out
    executions pg_catalog.int8 NOT NULL,
    fk_trigger_executions pg_catalog.int8 NOT NULL,
    rows_scanned pg_catalog.int8 NOT NULL,
    rows_matched pg_catalog.int8 NOT NULL,
    pages_scanned pg_catalog.int8 NOT NULL,
    limited_executions pg_catalog.int8 NOT NULL,
    outer_rows pg_catalog.int8 NOT NULL,
    limit_max pg_catalog.int8 NOT NULL,
    last_seen pg_catalog.timestamptz,
    queryid pg_catalog.int8,
    raw_executions pg_catalog.int8 NOT NULL,
    raw_fk_trigger_executions pg_catalog.int8 NOT NULL,
    raw_rows_scanned pg_catalog.int8 NOT NULL,
    raw_rows_matched pg_catalog.int8 NOT NULL,
    raw_pages_scanned pg_catalog.int8 NOT NULL,
    raw_limited_executions pg_catalog.int8 NOT NULL,
    raw_outer_rows pg_catalog.int8 NOT NULL,
    collected_at pg_catalog.timestamptz NOT NULL,
    PRIMARY KEY (node, key)
);

CREATE TABLE @extschema@.idxadvisor_node_index_data (
    node pg_catalog.text NOT NULL,
    indexrelid pg_catalog.oid NOT NULL,
    idx_scan pg_catalog.int8 NOT NULL,
    raw_idx_scan pg_catalog.int8 NOT NULL,
    collected_at pg_catalog.timestamptz NOT NULL,
    PRIMARY KEY (node, indexrelid)
);

REVOKE ALL ON TABLE @extschema@.idxadvisor_nodes FROM PUBLIC;
REVOKE ALL ON TABLE @extschema@.idxadvisor_node_scan_data FROM PUBLIC;
REVOKE ALL ON TABLE @extschema@.idxadvisor_node_index_data FROM PUBLIC;

-- On a standby: its captured scans for idxadvisor_collect() on the primary.
-- Checks that the caller has the privileges of pg_read_all_stats.
CREATE FUNCTION @extschema@.idxadvisor_export_scans(
    OUT key pg_catalog.bytea,
    OUT executions pg_catalog.int8,
    OUT fk_trigger_executions pg_catalog.int8,
    OUT rows_scanned pg_catalog.int8,
    OUT rows_matched pg_catalog.int8,
    OUT pages_scanned pg_catalog.int8,
    OUT limited_executions pg_catalog.int8,
    OUT outer_rows pg_catalog.int8,
    OUT limit_max pg_catalog.int8,
    OUT last_seen pg_catalog.timestamptz,
    OUT queryid pg_catalog.int8)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_export_scans'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- On the primary: connect to a standby and add what its scans and index
-- scans grew by since the last collection.
CREATE FUNCTION @extschema@.idxadvisor_collect(
    conninfo pg_catalog.text,
    node pg_catalog.text DEFAULT NULL,
    OUT collected_node pg_catalog.text,
    OUT scan_entries pg_catalog.int8,
    OUT scans_added pg_catalog.int8,
    OUT index_scans_added pg_catalog.int8)
RETURNS pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_collect'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_forget_node(node pg_catalog.text)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'idxadvisor_forget_node'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.idxadvisor_collect(pg_catalog.text, pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_forget_node(pg_catalog.text) FROM PUBLIC;

-- The scans of every node: this server's own ('local') and the standbys'
-- collected here; same columns and visibility as idxadvisor_scan_stats().
CREATE FUNCTION @extschema@.idxadvisor_node_scan_stats(
    OUT node pg_catalog.text,
    OUT relid pg_catalog.oid,
    OUT attnums pg_catalog.int2[],
    OUT comparisons pg_catalog.text[],
    OUT order_attnums pg_catalog.int2[],
    OUT order_desc pg_catalog.bool[],
    OUT order_nulls_first pg_catalog.bool[],
    OUT executions pg_catalog.int8,
    OUT fk_trigger_executions pg_catalog.int8,
    OUT rows_scanned pg_catalog.int8,
    OUT rows_matched pg_catalog.int8,
    OUT pages_scanned pg_catalog.int8,
    OUT last_seen pg_catalog.timestamptz,
    OUT queryid pg_catalog.int8,
    OUT shape pg_catalog.text,
    OUT expressions pg_catalog.text[],
    OUT outer_rows pg_catalog.int8,
    OUT limited_executions pg_catalog.int8,
    OUT limit_max pg_catalog.int8,
    OUT columns_read pg_catalog.int2[])
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_node_scan_stats'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

CREATE VIEW @extschema@.idxadvisor_node_scans AS
SELECT s.node,
       s.relid::pg_catalog.regclass AS relid,
       ARRAY(SELECT a.attname::pg_catalog.text
               FROM pg_catalog.unnest(s.attnums) WITH ORDINALITY AS u(attnum, i)
               JOIN pg_catalog.pg_attribute a
                 ON a.attrelid = s.relid AND a.attnum = u.attnum
              ORDER BY u.i) AS columns,
       s.comparisons,
       s.executions,
       s.fk_trigger_executions,
       s.rows_scanned,
       s.rows_matched,
       s.pages_scanned,
       s.last_seen,
       s.shape
  FROM @extschema@.idxadvisor_node_scan_stats() s;

GRANT SELECT ON @extschema@.idxadvisor_node_scans TO PUBLIC;

-- Index scans counted on each standby since its collection began, for
-- indexes that still exist; add pg_stat_user_indexes.idx_scan for the
-- primary's own.  Like pg_stat_user_indexes, readable by every role.
CREATE FUNCTION @extschema@.idxadvisor_node_index_scans(
    OUT node pg_catalog.text,
    OUT indexrelid pg_catalog.oid,
    OUT idx_scan pg_catalog.int8,
    OUT collected_at pg_catalog.timestamptz)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_node_index_scans'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

--
-- 1.1 (index lifecycle jobs): REINDEX INDEX CONCURRENTLY through the build
-- queue, and the undo of a queued drop (idxadvisor_build.c)
--

CREATE FUNCTION @extschema@.idxadvisor_reindex_concurrently(index pg_catalog.regclass)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_reindex_concurrently'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_restore(job pg_catalog.int8)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_restore'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.idxadvisor_reindex_concurrently(pg_catalog.regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_restore(pg_catalog.int8) FROM PUBLIC;

-- 1.1 (index lifecycle gaps): the undo of the latest drop of an index by its
-- name (idxadvisor_build.c), for any drop: the transactional
-- idxadvisor_drop() records a finished drop job too
CREATE FUNCTION @extschema@.idxadvisor_restore(index pg_catalog.text)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_restore_name'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.idxadvisor_restore(pg_catalog.text) FROM PUBLIC;

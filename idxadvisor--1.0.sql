/* idxadvisor--1.0.sql */

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
    OUT queryid pg_catalog.int8)
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
       s.queryid
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
    OUT suggested_ddl pg_catalog.text)
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


--
-- Suggestions (idxadvisor_suggest.c)
--

-- Index suggestions from the captured scans, the catalogs and the planner;
-- with verbose, also the candidates rejected and why.  Shows only tables the
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
    OUT reason pg_catalog.text)
RETURNS SETOF pg_catalog.record
AS 'MODULE_PATHNAME', 'idxadvisor_suggest'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;


--
-- Builds (idxadvisor_build.c)
--


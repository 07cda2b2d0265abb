/* idxadvisor--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION idxadvisor UPDATE TO '1.1'" to load this file. \quit

--
-- Version 1.1 changes, in the order of idxadvisor--1.1.sql.  Every change here
-- must leave an upgraded install identical to a fresh one: sql/upgrade.sql
-- compares the two.  The C library keeps serving the 1.0 definitions until
-- this script has run (see "Versions" in doc/design.md).
--

-- 1.1: the SQLSTATE of a failed job, which idxadvisor_wait() reports
ALTER TABLE @extschema@.idxadvisor_build_jobs ADD COLUMN sqlstate pg_catalog.text;

-- 1.1: the index by name, so that a migration can drop an index whose build
-- an earlier migration only queued; if_exists makes a missing index a notice
CREATE FUNCTION @extschema@.idxadvisor_drop(
    index pg_catalog.text,
    if_exists pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.void
AS 'MODULE_PATHNAME', 'idxadvisor_drop_name'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.idxadvisor_drop_concurrently(
    index pg_catalog.text,
    if_exists pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.int8
AS 'MODULE_PATHNAME', 'idxadvisor_drop_concurrently_name'
LANGUAGE C CALLED ON NULL INPUT VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop(pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.idxadvisor_drop_concurrently(pg_catalog.text, pg_catalog.bool) FROM PUBLIC;

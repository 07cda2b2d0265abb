/* idxadvisor--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION idxadvisor UPDATE TO '1.1'" to load this file. \quit

--
-- Version 1.1 changes, in the order of idxadvisor--1.1.sql.  Every change here
-- must leave an upgraded install identical to a fresh one: sql/upgrade.sql
-- compares the two.  The C library keeps serving the 1.0 definitions until
-- this script has run (see "Versions" in doc/design.md).
--

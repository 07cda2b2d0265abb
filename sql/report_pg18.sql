--
-- Catalog reports and what PostgreSQL 18 added: a NOT ENFORCED foreign key
-- has no trigger, so nothing looks the referencing table up: it needs no
-- index.
--
-- Needs PostgreSQL 18 or later; on an older server it only says so:
-- expected/report_pg18_1.out.
SELECT current_setting('server_version_num')::int < 180000 AS skip \gset
\if :skip
\echo skipped: needs PostgreSQL 18 or later
\quit
\endif
-- installed or not by the tests before this one
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
RESET client_min_messages;
CREATE TABLE ne_parent (id int PRIMARY KEY);
CREATE TABLE ne_child (
    id int PRIMARY KEY,
    enforced_id int CONSTRAINT ne_enforced REFERENCES ne_parent,
    loose_id int CONSTRAINT ne_loose REFERENCES ne_parent NOT ENFORCED);
-- only the enforced key is reported
SELECT relid, foreign_key, columns FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'ne_child'::regclass ORDER BY foreign_key;
-- enforced from now on, the other one is too
ALTER TABLE ne_child ALTER CONSTRAINT ne_loose ENFORCED;
SELECT relid, foreign_key, columns FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'ne_child'::regclass ORDER BY foreign_key;
-- and back
ALTER TABLE ne_child ALTER CONSTRAINT ne_loose NOT ENFORCED;
SELECT relid, foreign_key, columns FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'ne_child'::regclass ORDER BY foreign_key;
DROP TABLE ne_child, ne_parent;

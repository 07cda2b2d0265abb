--
-- idxadvisor_suggest() for a filter whose conditions are joined by OR
-- (issue 11, from checks against other advisors' cases): no one btree key
-- serves it, and idxadvisor does not suggest the set of one index per
-- branch that a BitmapOr combines; the capture marks the OR's columns as
-- "or" and the reason says so, naming them, instead of the generic "no
-- condition a btree can use".
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/suggest_or_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest_or;
RESET client_min_messages;
CREATE DATABASE regress_suggest_or;
\c regress_suggest_or
CREATE EXTENSION idxadvisor;
SET idxadvisor.min_table_pages = 20;

CREATE VIEW sug AS
SELECT relid, columns, kind, index_ddl,
       regexp_replace(reason, 'cost [0-9.]+ without it, [0-9.]+ with it',
                      'cost X without it, Y with it') AS reason
  FROM idxadvisor_suggest(verbose => true)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";

-- a messages table: who sent or received; "Recipient" is mixed case, so
-- that the reason must quote it
CREATE TABLE msgs (id int PRIMARY KEY, sender int NOT NULL,
                   "Recipient" int NOT NULL, body text NOT NULL);
INSERT INTO msgs SELECT g, g % 5000, (g * 7) % 5000, 'message ' || g
  FROM generate_series(1, 100000) g;
ANALYZE msgs;

-- 1. An OR of two columns: captured with both columns as "or"; the
-- reason names them
SELECT idxadvisor_reset();
SELECT count(*) FROM msgs WHERE sender = 5 OR "Recipient" = 5;
SELECT count(*) FROM msgs WHERE sender = 6 OR "Recipient" = 6;
SELECT relid, columns, comparisons, shape, executions FROM idxadvisor_scans;
SELECT * FROM sug;

-- what the reason advises: an index on each branch's column, which the
-- planner combines
CREATE INDEX msgs_sender_idx ON msgs (sender);
CREATE INDEX msgs_recipient_idx ON msgs ("Recipient");
EXPLAIN (COSTS OFF) SELECT count(*) FROM msgs WHERE sender = 5 OR "Recipient" = 5;
DROP INDEX msgs_sender_idx, msgs_recipient_idx;

-- 2. An OR beside an equality a btree serves: the equality gets its index,
-- and the OR is no reason to reject anything
SELECT idxadvisor_reset();
SELECT count(*) FROM msgs WHERE sender = 7 AND ("Recipient" = 1 OR body = 'x');
SELECT relid, columns, comparisons FROM idxadvisor_scans;
SELECT * FROM sug;

-- 3. A column both in an OR and compared by equality: the equality wins
SELECT idxadvisor_reset();
SELECT count(*) FROM msgs WHERE sender = 8 AND (sender = 9 OR "Recipient" = 9);
SELECT relid, columns, comparisons FROM idxadvisor_scans;

-- 4. idxadvisor_suggest_for() reads the statement by the same rule
SELECT relid, columns, index_ddl, reason
  FROM idxadvisor_suggest_for('SELECT id FROM msgs WHERE sender = $1 OR "Recipient" = $1',
                              verbose => true);

-- 5. A partitioned table whose partition numbers its columns otherwise (a
-- dropped column in the parent): the reason, on the parent, names the
-- parent's columns
CREATE TABLE inbox (id int, dropped int, owner_id int, folder int, "Flag" int)
  PARTITION BY RANGE (id);
ALTER TABLE inbox DROP COLUMN dropped;
CREATE TABLE inbox_1 (id int, owner_id int, folder int, "Flag" int);
ALTER TABLE inbox ATTACH PARTITION inbox_1 FOR VALUES FROM (0) TO (50000);
CREATE TABLE inbox_2 PARTITION OF inbox FOR VALUES FROM (50000) TO (100000);
INSERT INTO inbox SELECT g, g % 1000, g % 20, g % 3 FROM generate_series(0, 99999) g;
ANALYZE inbox;
SELECT idxadvisor_reset();
SELECT count(*) FROM inbox WHERE folder = 3 OR "Flag" = 7;
SELECT relid, columns, comparisons FROM idxadvisor_scans ORDER BY relid::text COLLATE "C";
SELECT * FROM sug;

\c :regress_db
DROP DATABASE regress_suggest_or;

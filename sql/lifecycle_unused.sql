--
-- idxadvisor_unused_indexes() and the view idxadvisor_unused (issue 13,
-- item 1): valid indexes with no scan in the window the statistics have
-- watched; the ones that must stay are marked "keep:" and have no drop_ddl,
-- the ones watched for less than min_window are "too new to judge".
-- Catalog and statistics only: same output with and without the library
-- preloaded.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "Unused ""LC""; ü";
SET search_path = "Unused ""LC""; ü", public;
RESET client_min_messages;

CREATE TABLE parent (id int PRIMARY KEY, email text);
CREATE UNIQUE INDEX parent_email ON parent (email);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 200) g;
CREATE TABLE "Child" (id int NOT NULL, pid int REFERENCES parent, note text);
CREATE INDEX "child pid" ON "Child" (pid);
CREATE UNIQUE INDEX child_id ON "Child" (id);
CREATE INDEX child_note ON "Child" (note);
CREATE INDEX child_lower_note ON "Child" (lower(note));
ALTER TABLE "Child" REPLICA IDENTITY USING INDEX child_id;
INSERT INTO "Child" SELECT g, g % 200 + 1, 'n' || g FROM generate_series(1, 2000) g;
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_at ON events (at);
INSERT INTO events SELECT g, date '2026-01-01' + g % 300 FROM generate_series(1, 500) g;
VACUUM ANALYZE parent, "Child", events;

-- the rows of this schema, without the times
CREATE VIEW unused AS
SELECT u.relid, u.index, u.index_bytes > 0 AS has_size, u.index_scans,
       u."window" IS NOT NULL AS has_window, u.writes_per_day > 0 AS writes,
       u.drop_ddl,
       regexp_replace(u.reason, 'reset at [^;]* ago\)', 'reset at ... (... ago)') AS reason
  FROM idxadvisor_unused_indexes(min_window => '0') u
 WHERE u.relid::oid IN (SELECT oid FROM pg_class
                         WHERE relnamespace = '"Unused ""LC""; ü"'::regnamespace);

-- 1. a window with real scans: reset, then scan child_note through the
-- index; every other index is unused, the ones that must stay say why.
-- (What this session counted so far is flushed first, so that the reset
-- forgets it.)
SELECT pg_stat_force_next_flush();
SELECT pg_stat_reset();
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM "Child" WHERE note = 'n5';
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT pg_stat_force_next_flush();
-- no ORDER BY: the function's order is tested (what can go first, largest
-- first; then the ones that must stay)
\x on
SELECT * FROM unused;
\x off
-- the scanned index is not there
SELECT count(*) AS child_note_listed FROM unused WHERE index = 'child_note'::regclass;
-- the window is the time since the reset; writes per day from the table's
-- inserts, updates and deletes since then
INSERT INTO "Child" VALUES (5000, 1, 'late');
SELECT pg_stat_force_next_flush();
SELECT "window" > '0' AND "window" < '1 hour' AS window_since_reset,
       writes_per_day > 0 AS writes_counted, last_used
  FROM idxadvisor_unused_indexes('0') WHERE index = 'child_lower_note'::regclass;

-- 2. a reset forgets the scans: child_note is unused again, and with the
-- default min_window (7 days) nothing is judged after a reset moments ago
SELECT pg_stat_reset();
SELECT index, drop_ddl IS NOT NULL AS can_drop FROM unused
 WHERE index = 'child_note'::regclass;
SELECT u.index, u.drop_ddl,
       regexp_replace(u.reason, 'reset at [^;]* ago\)', 'reset at ... (... ago)') AS reason
  FROM idxadvisor_unused_indexes() u
 WHERE u.index IN ('child_note'::regclass, '"child pid"'::regclass);
-- how long ago the reset was is written as every "how long ago" is (the
-- drop warnings' too): rounded down to the minute, hour or day, whatever
-- IntervalStyle
SET IntervalStyle = sql_standard;
SELECT substring(reason from 'reset at [^(]*\(([^)]*)\)')
         ~ '^(less than a minute|[0-9]+ (minute|hour|day)s?) ago$' AS rounded_down
  FROM idxadvisor_unused_indexes() WHERE index = 'child_note'::regclass;
RESET IntervalStyle;

-- 3. the view for people: same rows, same order
SELECT "table", index, verdict FROM idxadvisor_unused
 WHERE "table"::oid IN (SELECT oid FROM pg_class
                         WHERE relnamespace = '"Unused ""LC""; ü"'::regnamespace);

-- 4. what is never listed: system catalogs' indexes, the extension's own
SELECT count(*) AS catalog_rows FROM idxadvisor_unused_indexes('0') u
  JOIN pg_class c ON c.oid = u.relid
 WHERE c.relnamespace = 'pg_catalog'::regnamespace;
SELECT count(*) AS extension_rows FROM idxadvisor_unused_indexes('0') u
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = u.relid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e';

-- 5. any role may call it, and sees the indexes of tables it does not own
-- (the catalogs and statistics views show them to everyone)
CREATE ROLE regress_unused_reader;
GRANT USAGE ON SCHEMA "Unused ""LC""; ü" TO regress_unused_reader;
GRANT SELECT ON unused TO regress_unused_reader;
SET ROLE regress_unused_reader;
SELECT count(*) > 0 AS reader_sees_rows FROM unused;
RESET ROLE;
REVOKE ALL ON unused FROM regress_unused_reader;
REVOKE USAGE ON SCHEMA "Unused ""LC""; ü" FROM regress_unused_reader;
DROP ROLE regress_unused_reader;

-- 6. bad input
SELECT * FROM idxadvisor_unused_indexes(NULL);
SELECT * FROM idxadvisor_unused_indexes('-1 day');

SET client_min_messages = warning;
DROP SCHEMA "Unused ""LC""; ü" CASCADE;
RESET client_min_messages;

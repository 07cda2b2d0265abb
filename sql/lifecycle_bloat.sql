--
-- idxadvisor_index_bloat() and the view idxadvisor_bloated_indexes (issue
-- 13, item 2): each btree index's size against the size a fresh build
-- would have, estimated from statistics without reading the index, or
-- measured by pgstattuple's pgstatindex() with exact => true.  Catalog and
-- statistics only: same output with and without the library preloaded.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
DROP EXTENSION IF EXISTS pgstattuple;
CREATE SCHEMA "Bloat ""LC""; ü";
SET search_path = "Bloat ""LC""; ü", public;
RESET client_min_messages;

-- 20,000 rows: ANALYZE reads them all, so the statistics are exact and the
-- figures below the same on every run
CREATE TABLE t (id int PRIMARY KEY, grp int, note text, done boolean)
  WITH (autovacuum_enabled = off);
INSERT INTO t SELECT g, g % 100, 'note ' || g, g % 50 = 0
  FROM generate_series(1, 20000) g;
CREATE INDEX t_grp ON t (grp);                       -- deduplicated
CREATE INDEX t_note ON t (note);                      -- text
CREATE INDEX t_note_ff ON t (note) WITH (fillfactor = 50);
CREATE INDEX t_open ON t (id) WHERE done;             -- partial
CREATE INDEX t_lower ON t (lower(note));              -- expression
CREATE INDEX t_hash ON t USING hash (id);             -- not a btree: not listed
VACUUM ANALYZE t;

CREATE VIEW bloat AS
SELECT b.index, b.index_bytes, b.fresh_bytes, b.bloat_bytes,
       round(b.bloat_percent) AS bloat_percent, b.source, b.reindex_ddl
  FROM idxadvisor_index_bloat() b WHERE b.relid = 't'::regclass;

-- 1. freshly built: the estimate is each index's size, within 10%
SELECT index, abs(fresh_bytes - index_bytes) <= index_bytes / 10 AS estimate_ok,
       bloat_percent < 10 AS not_bloated, source
  FROM bloat ORDER BY index::text COLLATE "C";

-- 2. delete 90% of the rows and vacuum: the indexes keep their pages; the
-- estimate says most of each is bloat, and is within 25% of what REINDEX
-- then gives
DELETE FROM t WHERE id % 10 <> 0;
VACUUM ANALYZE t;
CREATE TEMP TABLE before AS SELECT * FROM bloat;
-- no ORDER BY: the function's order (most space reclaimed first) is tested
SELECT index, bloat_percent > 60 AS bloated, source, reindex_ddl FROM before;
REINDEX TABLE t;
SELECT b.index, b.fresh_bytes BETWEEN a.index_bytes * 0.75 AND a.index_bytes * 1.25
         AS estimate_within_25_percent,
       a.bloat_percent < 10 AS rebuilt_not_bloated
  FROM before b JOIN bloat a USING (index)
 ORDER BY b.index::text COLLATE "C";

-- 3. exact => true needs pgstattuple: a clear error, with a hint
SELECT * FROM idxadvisor_index_bloat(exact => true);
-- 4. the estimate is for every role (the measure, with pgstattuple, is
-- lifecycle_bloat_exact's)
CREATE ROLE regress_bloat_reader;
GRANT USAGE ON SCHEMA "Bloat ""LC""; ü" TO regress_bloat_reader;
SET ROLE regress_bloat_reader;
SELECT count(*) > 0 AS reader_sees_rows FROM idxadvisor_index_bloat()
 WHERE relid = 't'::regclass;
RESET ROLE;
REVOKE USAGE ON SCHEMA "Bloat ""LC""; ü" FROM regress_bloat_reader;
DROP ROLE regress_bloat_reader;

-- 5. a table never analyzed nor vacuumed: no estimate, and it says why;
-- system catalogs' indexes are never listed
CREATE TABLE fresh (id int PRIMARY KEY) WITH (autovacuum_enabled = off);
SELECT index, fresh_bytes, bloat_percent, source FROM idxadvisor_index_bloat()
 WHERE relid = 'fresh'::regclass;
SELECT count(*) AS catalog_rows FROM idxadvisor_index_bloat() b
  JOIN pg_class c ON c.oid = b.relid
 WHERE c.relnamespace = 'pg_catalog'::regnamespace;

-- 6. the view for people
SELECT "table", index, size ~ ' kB$' AS size_pretty,
       fresh_size ~ ' kB$' AS fresh_size_pretty, bloat ~ '^[0-9]+%$' AS bloat_percent
  FROM idxadvisor_bloated_indexes
 WHERE "table" = 't'::regclass ORDER BY index::text COLLATE "C";

-- 7. bad input
SELECT * FROM idxadvisor_index_bloat(NULL);

SET client_min_messages = warning;
DROP SCHEMA "Bloat ""LC""; ü" CASCADE;
RESET client_min_messages;

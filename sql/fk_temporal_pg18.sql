--
-- Temporal foreign keys (PostgreSQL 18): FOREIGN KEY (a, PERIOD p).  Their
-- trigger looks the referencing table up with "a = $1 AND p && $2", which
-- only a GiST index serves (doc/design.md section 3): the foreign-key report
-- proposes a GiST index, a btree does not count as serving it, the drop
-- guard protects the GiST index, and suggest proposes no btree.
--
-- Needs PostgreSQL 18 or later and contrib's btree_gist (the GiST operator
-- classes of scalar types, which a WITHOUT OVERLAPS key on an integer column
-- needs too); on an older server it only says so:
-- expected/fk_temporal_pg18_1.out.  Without the library preloaded it leaves
-- out the part about suggest: expected/fk_temporal_pg18_2.out.
SELECT current_setting('server_version_num')::int < 180000 AS skip \gset
\if :skip
\echo skipped: needs PostgreSQL 18 or later
\quit
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA "Temporal ""FK""; ü";
SET search_path = "Temporal ""FK""; ü", public;
CREATE EXTENSION btree_gist SCHEMA "Temporal ""FK""; ü";
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE "Room" (id int, valid_at daterange,
    PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));
CREATE TABLE booking (id int PRIMARY KEY, "Room id" int, valid_at daterange,
    CONSTRAINT "booking room" FOREIGN KEY ("Room id", PERIOD valid_at)
        REFERENCES "Room" (id, PERIOD valid_at));

-- 1. no index: reported with the DDL of a GiST index, never a btree
SELECT relid, foreign_key, columns, coverage, suggested_ddl, coverage_detail
  FROM idxadvisor_unindexed_foreign_keys() WHERE relid = 'booking'::regclass;
SELECT "table", columns, coverage FROM idxadvisor_unindexed_fks
 WHERE "table" = 'booking'::regclass;

-- 2. a btree on the same columns does not serve it: "partial", and why
CREATE INDEX booking_btree ON booking ("Room id", valid_at);
SELECT coverage, suggested_ddl, coverage_detail
  FROM idxadvisor_unindexed_foreign_keys() WHERE relid = 'booking'::regclass;
-- the btree is not protected: no foreign key needs it
SELECT idxadvisor_drop('booking_btree');

-- 3. the GiST index the report proposes serves it: no longer reported
SELECT suggested_ddl FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'booking'::regclass \gset
SELECT replace(:'suggested_ddl', ' CONCURRENTLY', '') AS ddl \gset
:ddl
SELECT count(*) AS reported FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'booking'::regclass;
-- key columns in another order serve it too (GiST has no leading column)
CREATE INDEX booking_gist_swapped ON booking USING gist (valid_at, "Room id");
DROP INDEX "booking_Room id_valid_at_idx";
SELECT count(*) AS reported FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'booking'::regclass;
-- a GiST index that holds only the period does not
DROP INDEX booking_gist_swapped;
CREATE INDEX booking_gist_period ON booking USING gist (valid_at);
SELECT coverage, coverage_detail FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'booking'::regclass;
DROP INDEX booking_gist_period;

-- 4. the drop guard: the last GiST index that serves the key is refused
CREATE INDEX booking_gist ON booking USING gist ("Room id", valid_at);
\set VERBOSITY sqlstate
SELECT idxadvisor_drop('booking_gist');
\set VERBOSITY default
SELECT idxadvisor_drop('booking_gist');
-- a second one may go, and then the first is the last again
CREATE INDEX booking_gist2 ON booking USING gist ("Room id", valid_at);
SELECT idxadvisor_drop('booking_gist2');
SELECT idxadvisor_drop('booking_gist');
SELECT idxadvisor_drop('booking_gist', force => true);
SELECT coverage FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'booking'::regclass;

-- 5. a partitioned referencing table, served by each partition's own index
CREATE TABLE pbooking (id int, "Room id" int, valid_at daterange,
    FOREIGN KEY ("Room id", PERIOD valid_at) REFERENCES "Room" (id, PERIOD valid_at))
    PARTITION BY LIST (id);
CREATE TABLE pbooking_1 PARTITION OF pbooking FOR VALUES IN (1);
CREATE TABLE pbooking_2 PARTITION OF pbooking FOR VALUES IN (2);
CREATE INDEX ON pbooking_1 USING gist ("Room id", valid_at);
SELECT coverage, suggested_ddl, coverage_detail
  FROM idxadvisor_unindexed_foreign_keys() WHERE relid = 'pbooking'::regclass;
CREATE INDEX ON pbooking_2 USING gist ("Room id", valid_at);
SELECT count(*) AS reported FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'pbooking'::regclass;
DROP TABLE pbooking;

-- 6. suggest (needs the library preloaded): the key is named, with why no
-- btree, even after its trigger scanned the table
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS nopreload \gset
\if :nopreload
\echo suggest part skipped: needs idxadvisor in shared_preload_libraries
\else
INSERT INTO "Room" SELECT g, daterange('2026-01-01', '2027-01-01')
  FROM generate_series(1, 200) g;
INSERT INTO booking SELECT g, g % 100 + 1, daterange('2026-03-01', '2026-04-01')
  FROM generate_series(1, 20000) g;
ANALYZE "Room", booking;
SELECT idxadvisor_reset();
DELETE FROM "Room" WHERE id > 150;
SELECT kind, foreign_key, columns, index_ddl IS NULL AS no_ddl, reason
  FROM idxadvisor_suggest(verbose => true)
 WHERE relid = 'booking'::regclass ORDER BY reason COLLATE "C";
\endif

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA "Temporal ""FK""; ü" CASCADE;

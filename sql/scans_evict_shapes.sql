--
-- The capture stays bounded by idxadvisor.max whatever the shapes: 500
-- distinct scans of all four shapes (filter, top_n, join, index_filter)
-- against idxadvisor.max = 200 never leave more than 200 entries, and the
-- eviction keeps the most used entry of each shape.  Needs idxadvisor.max =
-- 200 from test/regress.conf, so it runs only in the temporary instance of
-- `make check-regress`, never under installcheck.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
RESET client_min_messages;
SHOW idxadvisor.max;
SET idxadvisor.min_table_pages = 1;
SET max_parallel_workers_per_gather = 0;

-- 40 integer columns; grp has an index and 10 values
SELECT 'CREATE TABLE ev (id int PRIMARY KEY, grp int, ' ||
       string_agg(format('c%s int', g), ', ' ORDER BY g) ||
       ') WITH (autovacuum_enabled = off)'
  FROM generate_series(1, 40) g \gexec
INSERT INTO ev SELECT r, r % 10, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r,
       r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r
  FROM generate_series(1, 2000) r;
CREATE INDEX ev_grp_idx ON ev (grp);
CREATE TABLE ev_small (id int PRIMARY KEY, c1 int, c11 int, c40 int);
INSERT INTO ev_small SELECT g, g, g, g FROM generate_series(1, 10) g;
ANALYZE ev, ev_small;

-- One statement of a shape on the columns of pair p (0 to 199): i in 1-10,
-- j in 11-30.
CREATE FUNCTION shape_sql(shape text, p int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE shape
  WHEN 'filter' THEN format('SELECT count(*) FROM ev WHERE c%s = 1 AND c%s = 1', i, j)
  WHEN 'top_n' THEN format('SELECT id FROM ev ORDER BY c%s DESC, c%s LIMIT 3', i, j)
  WHEN 'join' THEN format('SELECT count(*) FROM ev_small s JOIN ev e ON e.c%s = s.c1 AND e.c%s = s.c11', i, j)
  WHEN 'index_filter' THEN format('SELECT count(*) FROM ev WHERE grp = 1 AND c%s = -1 AND c%s = -1', i, j)
  END
  FROM (SELECT p / 20 + 1 AS i, p % 20 + 11 AS j) x
$$;
CREATE FUNCTION run(sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- the plans of each shape (a join read whole by a hash join; the index
  -- on grp, whose filter throws away everything it fetched)
  PERFORM set_config('enable_nestloop', 'off', true);
  PERFORM set_config('enable_mergejoin', 'off', true);
  IF sql LIKE '%grp = 1%' THEN
    PERFORM set_config('enable_seqscan', 'off', true);
    PERFORM set_config('enable_bitmapscan', 'off', true);
  END IF;
  EXECUTE sql;
  PERFORM set_config('enable_nestloop', 'on', true);
  PERFORM set_config('enable_mergejoin', 'on', true);
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
END
$$;

SELECT idxadvisor_reset();

-- the hot entries, one per shape, run 30 times each before the flood
SELECT run(sql)
  FROM unnest(ARRAY[
         'SELECT count(*) FROM ev WHERE c40 = 7',
         'SELECT id FROM ev ORDER BY c40 LIMIT 3',
         'SELECT count(*) FROM ev_small s JOIN ev e ON e.c40 = s.c40',
         'SELECT count(*) FROM ev WHERE grp = 1 AND c40 = -1']) AS sql,
       generate_series(1, 30) \g /dev/null
SELECT relid, shape, columns, order_by, executions FROM idxadvisor_scans
 ORDER BY shape COLLATE "C", relid::text COLLATE "C", columns::text COLLATE "C";

-- 500 distinct scans: 200 filters, 100 of each other shape, interleaved;
-- the entries of this database counted after each
CREATE TABLE counts (n int, entries int);
DO $$
DECLARE
  k int;
BEGIN
  FOR k IN 0..499 LOOP
    PERFORM run(shape_sql((ARRAY['filter', 'filter', 'top_n', 'join', 'index_filter'])[k % 5 + 1],
                          CASE WHEN k % 5 = 1 THEN 100 + k / 5 ELSE k / 5 END));
    INSERT INTO counts SELECT k, count(*) FROM idxadvisor_scan_stats();
  END LOOP;
END
$$;
-- never more than idxadvisor.max; evicted many times
SELECT max(entries) <= current_setting('idxadvisor.max')::int AS bounded,
       max(entries) > 150 AS filled,
       count(*) FILTER (WHERE entries < lag) > 5 AS evicted
  FROM (SELECT entries, lag(entries) OVER (ORDER BY n) FROM counts) c;
-- every shape is still there ...
SELECT shape, count(*) > 0 AS present FROM idxadvisor_scans
 GROUP BY shape ORDER BY shape COLLATE "C";
-- ... the hot entry of each shape survived, its counts intact ...
SELECT relid, shape, columns, order_by, executions FROM idxadvisor_scans
 WHERE executions > 1
 ORDER BY shape COLLATE "C", relid::text COLLATE "C", columns::text COLLATE "C";
-- ... and so did the newest entry
SELECT shape, columns FROM idxadvisor_scans
 WHERE shape = 'index_filter' AND columns = '{grp,c5,c30}';
DROP TABLE ev, ev_small, counts;
DROP FUNCTION shape_sql(text, int);
DROP FUNCTION run(text);

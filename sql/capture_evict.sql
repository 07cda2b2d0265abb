--
-- Eviction: a full statistics table evicts and never fails a query.  Needs
-- idxadvisor.max = 200 from test/regress.conf, so it runs only in the
-- temporary instance of `make check-regress`, never under installcheck.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
RESET client_min_messages;
SHOW idxadvisor.max;

-- A full table evicts and never fails a query: 255 different filters on a
-- table with 8 columns, against idxadvisor.max = 200
CREATE TABLE wide (c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int, c8 int);
INSERT INTO wide SELECT g, g, g, g, g, g, g, g FROM generate_series(1, 50) g;
SELECT idxadvisor_reset();
DO $$
DECLARE
  mask int;
  cond text;
  n bigint;
BEGIN
  FOR mask IN 1..255 LOOP
    SELECT string_agg(format('c%s = 1', b), ' AND ')
      INTO cond
      FROM generate_series(1, 8) b
     WHERE mask & (1 << (b - 1)) <> 0;
    EXECUTE 'SELECT count(*) FROM wide WHERE ' || cond INTO n;
  END LOOP;
END
$$;
SELECT count(*) <= current_setting('idxadvisor.max')::int AS bounded,
       count(*) < 255 AS evicted
  FROM idxadvisor_scans;
-- the newest entry survived the evictions
SELECT columns FROM idxadvisor_scans WHERE cardinality(columns) = 8;
-- and recording still works
SELECT count(*) FROM wide WHERE c1 = 2;
SELECT executions FROM idxadvisor_scans WHERE columns = '{c1}';
DROP TABLE wide;

--
-- idxadvisor_scans shows why each scan was captured (issue 11): its shape
-- (filter, top_n, index_filter, join) and what that shape recorded beyond
-- the filtered columns: the filter's expressions with their operator, the
-- rows of a join's other input, the top-N sorts and their largest LIMIT,
-- the columns the statements read.  An install of 1.0 keeps working with
-- the new library (its 13 columns) until ALTER EXTENSION UPDATE.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/scans_shape_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_scans_shape;
DROP ROLE IF EXISTS regress_shape_writer;
RESET client_min_messages;
CREATE DATABASE regress_scans_shape;
\c regress_scans_shape
CREATE EXTENSION idxadvisor VERSION '1.0';

SET idxadvisor.min_table_pages = 20;
SET max_parallel_workers_per_gather = 0;

-- One table per shape; "Mixed Case" and a function outside the search path
-- show how expressions are written.
CREATE SCHEMA "Shape Fns";
CREATE FUNCTION "Shape Fns".norm(t text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN lower(t); END $$;
CREATE TABLE people (id int PRIMARY KEY, team int, email text,
                     "Mixed Case" text, doc jsonb, body text)
  WITH (autovacuum_enabled = off);
INSERT INTO people SELECT g, g % 100, 'User' || g || '@example.com',
       'M' || g, jsonb_build_object('k', g % 50), repeat('b', 80)
  FROM generate_series(1, 20000) g;
CREATE TABLE products (id int PRIMARY KEY, sku text NOT NULL)
  WITH (autovacuum_enabled = off);
INSERT INTO products SELECT g, 'sku' || g FROM generate_series(1, 5000) g;
CREATE TABLE order_lines (id int PRIMARY KEY, sku text NOT NULL, qty int,
                          note text) WITH (autovacuum_enabled = off);
INSERT INTO order_lines SELECT g, 'sku' || (g % 5000 + 1), g % 7, repeat('n', 40)
  FROM generate_series(1, 50000) g;
CREATE TABLE tickets (id int PRIMARY KEY, tenant_id int NOT NULL,
                      status text NOT NULL, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO tickets SELECT g, g % 1000, (ARRAY['open', 'closed', 'pending'])[g % 3 + 1],
       repeat('t', 40) FROM generate_series(1, 60000) g;
CREATE INDEX tickets_status_idx ON tickets (status);
ANALYZE people, products, order_lines, tickets;

-- the workload: each shape once or more
CREATE FUNCTION workload() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- filter: a column, and expressions
  SELECT count(*) INTO n FROM people WHERE team = 7;
  SELECT count(*) INTO n FROM people WHERE team = 8;
  PERFORM max(body) FROM people WHERE team = 9;
  SELECT count(id) INTO n FROM people WHERE lower(email) = 'user42@example.com';
  SELECT count(*) INTO n FROM people
   WHERE "Shape Fns".norm("Mixed Case") = 'm42' AND doc @> '{"k": 3}';
  SELECT count(*) INTO n FROM people WHERE (doc ->> 'k') = ANY ('{1,2}');
  -- top_n: ORDER BY ... LIMIT over the whole table
  PERFORM id FROM people ORDER BY team DESC LIMIT 3;
  PERFORM id FROM people ORDER BY team DESC LIMIT 10 OFFSET 5;
  -- join: order_lines read whole by a hash join, per product
  SET LOCAL enable_nestloop = off;
  SET LOCAL enable_mergejoin = off;
  SELECT sum(l.qty) INTO n FROM products p JOIN order_lines l ON l.sku = p.sku
   WHERE p.id = 42;
  SELECT sum(l.qty) INTO n FROM products p JOIN order_lines l ON l.sku = p.sku
   WHERE p.id <= 3;
  RESET enable_nestloop;
  RESET enable_mergejoin;
  -- index_filter: the index on status fetches, the filter on tenant_id
  -- throws away almost everything
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_bitmapscan = off;
  SELECT count(*) INTO n FROM tickets WHERE status = 'open' AND tenant_id = 7;
  RESET enable_seqscan;
  RESET enable_bitmapscan;
END
$$;

--
-- 1. The 1.0 view and function, served by the new library: the 1.0
-- columns, the new shapes' entries among them.
--
SELECT idxadvisor_reset();
SELECT workload();
\pset expanded on
SELECT relid, columns, comparisons, order_by, executions
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          order_by::text COLLATE "C";
\pset expanded off
SELECT count(*) AS scans_1_0_columns
  FROM pg_attribute
 WHERE attrelid = 'idxadvisor_scans'::regclass AND attnum > 0;
SELECT count(*) = (SELECT count(*) FROM idxadvisor_scans) AS same_rows
  FROM idxadvisor_scan_stats();

--
-- 2. After ALTER EXTENSION UPDATE: the shape and the evidence of each entry
-- (the columns added at the end; the old ones unchanged).
--
ALTER EXTENSION idxadvisor UPDATE;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'idxadvisor_scans'::regclass AND attnum > 12
 ORDER BY attnum;
CREATE VIEW shapes AS
SELECT relid, columns, comparisons, order_by, executions, shape, expressions,
       outer_rows, limited_executions, limit_max, columns_read
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", shape COLLATE "C",
          columns::text COLLATE "C", order_by::text COLLATE "C";
\pset expanded on
TABLE shapes;
\pset expanded off
-- the figures: a join's other input had 1 and 3 rows; the index fetched
-- about 20,000 rows and kept 20
SELECT shape, executions, outer_rows, rows_scanned > 10000 AS fetched_many,
       rows_matched
  FROM idxadvisor_scans WHERE shape IN ('join', 'index_filter')
 ORDER BY shape COLLATE "C";
-- every shape counted
SELECT shape, count(*) FROM idxadvisor_scans GROUP BY shape
 ORDER BY shape COLLATE "C";
-- the local node's scans show their shape too
SELECT node, shape, count(*) FROM idxadvisor_node_scans
 GROUP BY node, shape ORDER BY node COLLATE "C", shape COLLATE "C";

--
-- 3. What a role may see of an expression: a role with a privilege on the
-- table but not SELECT on the expression's columns sees the entry (as
-- before) but not the expression; SELECT on the column shows it.
--
CREATE ROLE regress_shape_writer;
GRANT INSERT ON people TO regress_shape_writer;
GRANT SELECT (team) ON people TO regress_shape_writer;
SET ROLE regress_shape_writer;
SELECT columns, expressions, columns_read FROM idxadvisor_scans
 WHERE relid = 'people'::regclass AND expressions IS NOT NULL
 ORDER BY columns::text COLLATE "C";
RESET ROLE;
GRANT SELECT (email) ON people TO regress_shape_writer;
SET ROLE regress_shape_writer;
SELECT columns, expressions FROM idxadvisor_scans
 WHERE relid = 'people'::regclass AND columns = '{email}';
RESET ROLE;

--
-- 4. What changed since the capture: a function the expression called is
-- dropped (that qual shows as NULL, never an error); a column only read,
-- not filtered, is dropped (gone from columns_read; the entry stays).
--
DROP FUNCTION "Shape Fns".norm(text);
ALTER TABLE people DROP COLUMN body;
SELECT columns, expressions, columns_read FROM idxadvisor_scans
 WHERE relid = 'people'::regclass AND shape = 'filter'
 ORDER BY columns::text COLLATE "C";
-- suggest leaves the qual of the dropped function out too (it failed with
-- "cache lookup failed for function")
SELECT count(*) >= 0 AS suggest_runs FROM idxadvisor_suggest(true);
SELECT count(*) AS norm_suggested FROM idxadvisor_suggest(true)
 WHERE columns::text LIKE '%norm%';

\c :regress_db
DROP DATABASE regress_scans_shape;
DROP ROLE regress_shape_writer;

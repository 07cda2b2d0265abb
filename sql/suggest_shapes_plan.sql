--
-- idxadvisor_suggest() for the plan shapes other than a filtered sequential
-- scan (issue 11): a top-N sort over a whole table, a join input read whole,
-- an index scan whose filter removes most of what it fetches.  Each scenario
-- is a schema, a workload, the expected suggestion, then the suggested DDL
-- run as printed and the workload's plan, which now uses the index.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/suggest_shapes_plan_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_shapes;
RESET client_min_messages;
CREATE DATABASE regress_shapes;
\c regress_shapes
CREATE EXTENSION idxadvisor;

SET idxadvisor.min_table_pages = 20;
-- (every table is created WITH (autovacuum_enabled = off): a VACUUM marks
-- pages all-visible, which decides covering indexes, only where the test
-- says so)
-- plans of one process, whatever the server's settings
SET max_parallel_workers_per_gather = 0;

-- suggestions with the figures that depend on the platform shown as facts
CREATE VIEW sug AS
SELECT relid, columns, kind, index_ddl, seq_scans,
       round(rows_per_scan) AS rows_per_scan,
       est_cost_after < est_cost_before AS cheaper,
       score > 0 AS scored,
       regexp_replace(reason, '[0-9]+\.[0-9]+', 'N.NN', 'g') AS reason
  FROM idxadvisor_suggest(true)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";

CREATE VIEW scans AS
SELECT relid, columns, comparisons, order_by, executions, rows_scanned,
       rows_matched
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          order_by::text COLLATE "C";

\pset expanded on

--
-- 1. ORDER BY ... LIMIT with no WHERE: the sort reads the whole table to
-- return ten rows.  Suggested: posts (user_id), which a backward scan reads
-- in DESC order.  A sort without LIMIT (every row returned) and one on an
-- expression are not recorded.
--
CREATE TABLE posts (id int PRIMARY KEY, user_id int, body text)
  WITH (autovacuum_enabled = off);
INSERT INTO posts SELECT g, g % 5000, repeat('x', 100)
  FROM generate_series(1, 20000) g;
ANALYZE posts;
SELECT idxadvisor_reset();
SELECT id FROM posts ORDER BY user_id DESC LIMIT 3 \g /dev/null
SELECT id FROM posts ORDER BY user_id DESC LIMIT 3 \g /dev/null
SELECT id FROM posts ORDER BY user_id DESC LIMIT 10 OFFSET 5 \g /dev/null
SELECT count(*) FROM (SELECT id FROM posts ORDER BY user_id DESC) s;
SELECT id FROM posts ORDER BY length(body) + id LIMIT 3 \g /dev/null
TABLE scans;
TABLE sug;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'posts'::regclass \gexec
EXPLAIN (COSTS OFF) SELECT * FROM posts ORDER BY user_id DESC LIMIT 10;
-- served now: nothing more to suggest
SELECT relid, columns, reason FROM sug;

--
-- 2. A join column without a foreign key: the hash join reads order_lines
-- whole to match the one product's rows.  Suggested: order_lines (sku), and
-- the join becomes a nested loop through it.  When the other input has
-- thousands of rows per join, a lookup for each costs more than one read
-- of the table: rejected, with that reason.
--
CREATE TABLE products (id int PRIMARY KEY, sku text NOT NULL, name text)
  WITH (autovacuum_enabled = off);
INSERT INTO products SELECT g, 'sku' || g, 'product ' || g
  FROM generate_series(1, 5000) g;
CREATE TABLE order_lines (id int PRIMARY KEY, sku text NOT NULL, qty int,
                          note text) WITH (autovacuum_enabled = off);
INSERT INTO order_lines SELECT g, 'sku' || (g % 5000 + 1), g % 7, repeat('n', 40)
  FROM generate_series(1, 50000) g;
ANALYZE products, order_lines;
SELECT idxadvisor_reset();
SET enable_nestloop = off;
SET enable_mergejoin = off;
SELECT count(*) FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id <= 4000;
RESET enable_nestloop;
RESET enable_mergejoin;
SELECT relid, columns, kind, index_ddl, reason FROM sug
 WHERE relid = 'order_lines'::regclass;
SELECT idxadvisor_reset();
EXPLAIN (COSTS OFF)
SELECT l.id, l.qty FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id = 42;
SELECT sum(l.qty) FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id = 42;
SELECT sum(l.qty) FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id = 43;
SELECT sum(l.qty) FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id = 44;
TABLE scans;
TABLE sug;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'order_lines'::regclass \gexec
EXPLAIN (COSTS OFF)
SELECT l.id, l.qty FROM products p JOIN order_lines l ON l.sku = p.sku
 WHERE p.id = 42;
SELECT relid, columns, reason FROM sug WHERE relid = 'order_lines'::regclass;

--
-- 3. The wrong index: tickets are found by status (three values), and the
-- filter on tenant_id throws away 99.9% of what the index fetched.
-- Suggested: (tenant_id, status).  An index scan whose filter keeps most of
-- what it fetched is not recorded.
--
CREATE TABLE tickets (id int PRIMARY KEY, tenant_id int NOT NULL,
                      status text NOT NULL, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO tickets SELECT g, g % 1000, (ARRAY['open', 'closed', 'pending'])[g % 3 + 1],
       repeat('t', 40) FROM generate_series(1, 60000) g;
CREATE INDEX tickets_status_idx ON tickets (status);
ANALYZE tickets;
SELECT idxadvisor_reset();
EXPLAIN (COSTS OFF)
SELECT * FROM tickets WHERE status = 'open' AND tenant_id = 7;
SELECT count(*) FROM tickets WHERE status = 'open' AND tenant_id = 7;
SELECT count(*) FROM tickets WHERE status = 'open' AND tenant_id = 8;
-- the primary key's scan, whose filter keeps most rows: not recorded
SELECT count(*) FROM tickets WHERE id < 500 AND note IS NOT NULL;
TABLE scans;
TABLE sug;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'tickets'::regclass \gexec
EXPLAIN (COSTS OFF)
SELECT * FROM tickets WHERE status = 'open' AND tenant_id = 7;
SELECT relid, columns, reason FROM sug WHERE relid = 'tickets'::regclass;

--
-- 4. What is never recorded: temporary tables, whatever the shape; a top-N
-- sort or a join input over a table below idxadvisor.min_table_pages (as
-- set where the statement runs); and a join on a column no btree can index
-- says so.
--
SELECT idxadvisor_reset();
SET idxadvisor.min_table_pages = 100000;
SELECT id FROM posts ORDER BY body DESC LIMIT 3 \g /dev/null
SELECT count(*) FROM products p JOIN tickets t ON t.note = p.name;
SET idxadvisor.min_table_pages = 20;
CREATE TEMP TABLE tmp_posts AS SELECT * FROM posts;
ANALYZE tmp_posts;
SELECT id FROM tmp_posts ORDER BY user_id DESC LIMIT 3 \g /dev/null
SELECT count(*) FROM tmp_posts t JOIN products p ON p.sku = 'sku' || t.id
 WHERE p.id = 1;
CREATE TABLE xacts (id int PRIMARY KEY, x xid, note text)
  WITH (autovacuum_enabled = off);
INSERT INTO xacts SELECT g, (g % 100)::text::xid, repeat('x', 60)
  FROM generate_series(1, 20000) g;
ANALYZE xacts;
SET enable_nestloop = off;
SELECT count(*) FROM xacts a JOIN xacts b ON a.x = b.x WHERE a.id = 1;
RESET enable_nestloop;
TABLE scans;
SELECT relid, columns, kind, index_ddl, reason FROM sug
 WHERE relid = 'xacts'::regclass;

--
-- 5. Covering: the hot lookup reads one column of a wide table beyond its
-- key, the top-N one.  Before VACUUM no page is all-visible and an
-- index-only scan would read the table anyway: the plain key.  After it,
-- key + INCLUDE, built through idxadvisor_create_concurrently(), and the
-- plans are index-only scans.
--
CREATE TABLE accounts (id int PRIMARY KEY, team_id int NOT NULL,
                       email text NOT NULL, created_at timestamptz NOT NULL,
                       bio text, prefs text, notes text)
  WITH (autovacuum_enabled = off);
INSERT INTO accounts SELECT g, g % 2000, 'user' || g || '@example.com',
       '2026-01-01'::timestamptz + g * interval '1 minute',
       repeat('b', 80), repeat('p', 80), repeat('n', 80)
  FROM generate_series(1, 30000) g;
ANALYZE accounts;
SELECT idxadvisor_reset();
SELECT min(email) FROM accounts WHERE team_id = 5;
SELECT min(email) FROM accounts WHERE team_id = 6;
SELECT id, created_at FROM accounts ORDER BY created_at DESC LIMIT 2 \g /dev/null
SELECT relid, columns, kind, index_ddl, reason FROM sug
 WHERE relid = 'accounts'::regclass;
VACUUM accounts;
SELECT relid, columns, kind, index_ddl, reason FROM sug
 WHERE relid = 'accounts'::regclass;
SELECT idxadvisor_create_concurrently(index_ddl) AS job
  FROM idxadvisor_suggest() WHERE relid = 'accounts'::regclass AND kind = 'filter' \gset
CALL idxadvisor_wait(:job);
SELECT index_ddl FROM idxadvisor_suggest()
 WHERE relid = 'accounts'::regclass AND kind = 'top_n' \gexec
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition
  FROM pg_index WHERE indrelid = 'accounts'::regclass AND NOT indisprimary
 ORDER BY indexrelid::regclass::text COLLATE "C";
VACUUM accounts;
EXPLAIN (COSTS OFF) SELECT email FROM accounts WHERE team_id = 5;
EXPLAIN (COSTS OFF)
SELECT id, created_at FROM accounts ORDER BY created_at DESC LIMIT 2;
SELECT relid, columns, reason FROM sug WHERE relid = 'accounts'::regclass;

\c :regress_db
DROP DATABASE regress_shapes;

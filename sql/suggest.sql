--
-- idxadvisor_suggest(): each scenario is a schema, a workload, the expected
-- suggestions, then the suggested DDL run as printed (\gexec runs CREATE
-- INDEX CONCURRENTLY at top level) and the same workload again, which must
-- no longer seq-scan: the captured scans stop growing.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/suggest_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a database of its own: the other suites leave tables and unindexed
-- foreign keys behind, which would show up here
SELECT current_database() AS regress_db \gset
-- (left behind if an earlier run against the same server failed)
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_suggest;
RESET client_min_messages;
CREATE DATABASE regress_suggest;
\c regress_suggest
CREATE EXTENSION idxadvisor;

-- the test tables are a few hundred kB; anything under 20 pages is "tiny"
SET idxadvisor.min_table_pages = 20;
SHOW idxadvisor.min_table_pages;

-- suggestions with the figures that depend on the platform shown as facts
CREATE VIEW sug AS
SELECT relid, columns, predicate, kind, foreign_key, index_ddl, seq_scans,
       fk_trigger_scans, round(rows_per_scan) AS rows_per_scan,
       round(selectivity::numeric, 4) AS selectivity,
       est_index_bytes > 0 AS sized,
       est_cost_after < est_cost_before AS cheaper,
       score > 0 AS scored, reason
  FROM idxadvisor_suggest();

-- the captured scans, to show that they stop growing
CREATE VIEW scans AS
SELECT relid, columns, comparisons, order_by, executions, fk_trigger_executions
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          comparisons::text COLLATE "C", order_by::text COLLATE "C";

\pset expanded on

--
-- 1. A single unindexed foreign key, read by the application
--
CREATE TABLE authors (id int PRIMARY KEY, name text);
CREATE TABLE books (id int PRIMARY KEY,
                    author_id int NOT NULL REFERENCES authors,
                    title text);
INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 1000) g;
INSERT INTO books SELECT g, g % 1000 + 1, 'book ' || g FROM generate_series(1, 20000) g;
ANALYZE authors, books;

SELECT idxadvisor_reset();
SELECT count(*) FROM books WHERE author_id = 5;
SELECT count(*) FROM books WHERE author_id = 6;
SELECT count(*) FROM books WHERE author_id = 7;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM books WHERE author_id = 5;
SELECT count(*) FROM books WHERE author_id = 6;
SELECT count(*) FROM books WHERE author_id = 7;
SELECT * FROM scans;
SELECT * FROM sug;

--
-- 2. N+1: an API request that loads an order list, then each order's
-- customer's other orders, product's lines and warehouse's shipments, one
-- query per row.  A fourth foreign key is never read: it comes from the
-- catalog alone (seq_scans 0), last.
--
CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE TABLE products (id int PRIMARY KEY, name text);
CREATE TABLE warehouses (id int PRIMARY KEY, name text);
CREATE TABLE coupons (id int PRIMARY KEY, code text);
CREATE TABLE orders (id int PRIMARY KEY,
                     customer_id int REFERENCES customers,
                     product_id int REFERENCES products,
                     warehouse_id int REFERENCES warehouses,
                     coupon_id int REFERENCES coupons,
                     note text);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 2000) g;
INSERT INTO products SELECT g, 'p' || g FROM generate_series(1, 500) g;
INSERT INTO warehouses SELECT g, 'w' || g FROM generate_series(1, 50) g;
INSERT INTO coupons SELECT g, 'k' || g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g % 2000 + 1, g % 500 + 1, g % 50 + 1,
                          CASE WHEN g % 10 = 0 THEN g % 100 + 1 END, 'order ' || g
  FROM generate_series(1, 20000) g;
ANALYZE customers, products, warehouses, coupons, orders;

CREATE FUNCTION api_request() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    n bigint;
BEGIN
    FOR r IN SELECT id FROM customers WHERE id <= 12 LOOP
        SELECT count(*) INTO n FROM orders WHERE customer_id = r.id;
    END LOOP;
    FOR r IN SELECT id FROM products WHERE id <= 6 LOOP
        SELECT count(*) INTO n FROM orders WHERE product_id = r.id;
    END LOOP;
    FOR r IN SELECT id FROM warehouses WHERE id <= 3 LOOP
        SELECT count(*) INTO n FROM orders WHERE warehouse_id = r.id;
    END LOOP;
END $$;

SELECT idxadvisor_reset();
SELECT api_request();
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT api_request();
SELECT * FROM scans;
SELECT * FROM sug;

--
-- 3. Equality + range + ORDER BY ... LIMIT on one table.  Equality columns
-- first, the most selective (tenant_id: 200 values) before kind (4 values),
-- then the column that is both the range and the ORDER BY, descending.
--
CREATE TABLE events (id int PRIMARY KEY, kind text, tenant_id int,
                     created timestamptz, payload text);
INSERT INTO events
SELECT g, (ARRAY['click', 'view', 'buy', 'login'])[g % 4 + 1], g % 200,
       '2026-01-01'::timestamptz + g * interval '1 minute', 'payload ' || g
  FROM generate_series(1, 30000) g;
ANALYZE events;

SELECT idxadvisor_reset();
SELECT id FROM events WHERE tenant_id = 3 AND kind = 'login'
   AND created >= '2026-01-10' ORDER BY created DESC LIMIT 5;
SELECT id FROM events WHERE tenant_id = 4 AND kind = 'click'
   AND created >= '2026-01-15' ORDER BY created DESC LIMIT 5;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
EXPLAIN (COSTS OFF) SELECT id FROM events WHERE tenant_id = 3 AND kind = 'login'
   AND created >= '2026-01-10' ORDER BY created DESC LIMIT 5;
SELECT id FROM events WHERE tenant_id = 3 AND kind = 'login'
   AND created >= '2026-01-10' ORDER BY created DESC LIMIT 5;
SELECT id FROM events WHERE tenant_id = 4 AND kind = 'click'
   AND created >= '2026-01-15' ORDER BY created DESC LIMIT 5;
SELECT * FROM scans;

--
-- 4. A boolean filter that keeps 5% of the rows: a partial index.  The
-- query on the flag alone is served by the same partial index.
--
CREATE TABLE tasks (id int PRIMARY KEY, owner_id int, done boolean NOT NULL,
                    title text);
INSERT INTO tasks SELECT g, g % 300, g % 20 <> 0, 'task ' || g
  FROM generate_series(1, 30000) g;
ANALYZE tasks;

SELECT idxadvisor_reset();
SELECT count(*) FROM tasks WHERE NOT done AND owner_id = 20;
SELECT count(*) FROM tasks WHERE NOT done AND owner_id = 40;
SELECT count(*) FROM tasks WHERE NOT done;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM tasks WHERE NOT done AND owner_id = 20;
SELECT count(*) FROM tasks WHERE NOT done AND owner_id = 40;
SELECT count(*) FROM tasks WHERE NOT done;
SELECT * FROM scans;

--
-- 5. A foreign key only ever seen through deletes on its parent: the
-- ON DELETE CASCADE action seq-scans the child once per deleted parent.
--
CREATE TABLE accounts (id int PRIMARY KEY, name text);
CREATE TABLE sessions (id int PRIMARY KEY,
                       account_id int REFERENCES accounts ON DELETE CASCADE,
                       started timestamptz);
INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 1000) g;
INSERT INTO sessions SELECT g, g % 1000 + 1, '2026-01-01'
  FROM generate_series(1, 20000) g;
ANALYZE accounts, sessions;

SELECT idxadvisor_reset();
DELETE FROM accounts WHERE id BETWEEN 1 AND 4;
SELECT * FROM scans;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
DELETE FROM accounts WHERE id BETWEEN 5 AND 8;
SELECT * FROM scans;

--
-- 6. A table whose indexes already serve the queries: no suggestion, even
-- when the scans were captured while index scans were disabled.  The
-- verbose output says which index serves each.
--
CREATE TABLE items (id int PRIMARY KEY, category_id int, shop_id int,
                    price numeric, added date);
INSERT INTO items SELECT g, g % 100, g % 30, g, '2026-01-01'::date + g % 300
  FROM generate_series(1, 20000) g;
CREATE INDEX items_shop_category ON items (shop_id, category_id);
CREATE INDEX items_category_added ON items (category_id, added DESC);
ANALYZE items;

SELECT idxadvisor_reset();
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM items WHERE category_id = 3 AND shop_id = 4;
SELECT count(*) FROM items WHERE shop_id = 4;
SELECT id FROM items WHERE category_id = 3 ORDER BY added LIMIT 3;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT * FROM scans;
SELECT count(*) FROM idxadvisor_suggest();
SELECT relid, columns, index_ddl, reason
  FROM idxadvisor_suggest(verbose => true)
 WHERE relid = 'items'::regclass
 ORDER BY columns::text COLLATE "C";

--
-- 7. Two queries whose indexes merge into one: (user_id) and
-- (user_id, status) are both served by (user_id, status).
--
CREATE TABLE tickets (id int PRIMARY KEY, user_id int, status text,
                      body text);
INSERT INTO tickets SELECT g, g % 1000, (ARRAY['open', 'closed'])[g % 2 + 1],
                           'ticket ' || g
  FROM generate_series(1, 20000) g;
ANALYZE tickets;

SELECT idxadvisor_reset();
SELECT count(*) FROM tickets WHERE user_id = 10;
SELECT count(*) FROM tickets WHERE user_id = 11 AND status = 'open';
SELECT count(*) FROM tickets WHERE user_id = 12 AND status = 'closed';
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM tickets WHERE user_id = 10;
SELECT count(*) FROM tickets WHERE user_id = 11 AND status = 'open';
SELECT count(*) FROM tickets WHERE user_id = 12 AND status = 'closed';
SELECT * FROM scans;

-- A page of a conversation (ORDER BY sent DESC LIMIT) and a lookup by
-- conversation and exact time: one index (conversation_id, sent), though
-- sent alone is the more selective column.
CREATE TABLE messages (id int PRIMARY KEY, conversation_id int,
                       sent timestamptz, body text);
INSERT INTO messages SELECT g, g % 400,
                            '2026-01-01'::timestamptz + g * interval '1 second',
                            'message ' || g
  FROM generate_series(1, 20000) g;
ANALYZE messages;

SELECT idxadvisor_reset();
SELECT id FROM messages WHERE conversation_id = 7 ORDER BY sent DESC LIMIT 3;
SELECT id FROM messages WHERE conversation_id = 8
   AND sent = '2026-01-01'::timestamptz + interval '8 seconds';
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT id FROM messages WHERE conversation_id = 7 ORDER BY sent DESC LIMIT 3;
SELECT id FROM messages WHERE conversation_id = 8
   AND sent = '2026-01-01'::timestamptz + interval '8 seconds';
SELECT * FROM scans;

--
-- 8. Tiny tables: scanned, but too small to matter.  No suggestion; the
-- verbose output shows them rejected with the threshold.
--
CREATE TABLE countries (code text PRIMARY KEY, name text);
CREATE TABLE cities (id int PRIMARY KEY, country text REFERENCES countries,
                     name text);
INSERT INTO countries VALUES ('fr', 'France'), ('de', 'Germany');
INSERT INTO cities VALUES (1, 'fr', 'Paris'), (2, 'de', 'Berlin');
ANALYZE countries, cities;

SELECT idxadvisor_reset();
SELECT name FROM cities WHERE country = 'fr';
SELECT name FROM cities WHERE country = 'de';
SELECT count(*) FROM idxadvisor_suggest();
SELECT relid, columns, kind, foreign_key, index_ddl, seq_scans, score, reason
  FROM idxadvisor_suggest(true)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";
-- lowering the threshold makes them candidates; the planner still finds
-- that a two-row table wants no index
SET idxadvisor.min_table_pages = 0;
SELECT relid, columns, index_ddl, score, reason
  FROM idxadvisor_suggest(true)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";
SET idxadvisor.min_table_pages = 20;

--
-- 9. A composite foreign key: both columns, the more selective first.
--
CREATE TABLE shelves (store int, shelf int, label text,
                      PRIMARY KEY (store, shelf));
CREATE TABLE placements (id int PRIMARY KEY, store int, shelf int,
                         item text,
                         FOREIGN KEY (store, shelf) REFERENCES shelves);
INSERT INTO shelves SELECT s, h, 's' || s || '/' || h
  FROM generate_series(1, 20) s, generate_series(1, 100) h;
INSERT INTO placements SELECT g, g % 20 + 1, g % 100 + 1, 'item ' || g
  FROM generate_series(1, 20000) g;
ANALYZE shelves, placements;

SELECT idxadvisor_reset();
SELECT count(*) FROM placements WHERE store = 3 AND shelf = 14;
SELECT count(*) FROM placements WHERE shelf = 15 AND store = 4;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM placements WHERE store = 3 AND shelf = 14;
SELECT count(*) FROM placements WHERE shelf = 15 AND store = 4;
SELECT * FROM scans;

--
-- 10. An oddly named schema, table and columns: quotes, spaces, unicode,
-- mixed case, a semicolon.  The DDL runs as printed.  ("select" has 200
-- values: were it unique, the ORDER BY column would order one row, and the
-- index would end after it.)
--
CREATE SCHEMA "Odd ""Schema"" ü";
CREATE TABLE "Odd ""Schema"" ü"."Parent Table" (id int PRIMARY KEY);
CREATE TABLE "Odd ""Schema"" ü"."My Table;" (
    id int PRIMARY KEY,
    "Parent Id" int REFERENCES "Odd ""Schema"" ü"."Parent Table",
    "Créé" timestamptz,
    "select" text);
INSERT INTO "Odd ""Schema"" ü"."Parent Table" SELECT g FROM generate_series(1, 500) g;
INSERT INTO "Odd ""Schema"" ü"."My Table;"
SELECT g, g % 500 + 1, '2026-01-01'::timestamptz + g * interval '1 hour', 's' || g % 200
  FROM generate_series(1, 20000) g;
ANALYZE "Odd ""Schema"" ü"."Parent Table", "Odd ""Schema"" ü"."My Table;";

SELECT idxadvisor_reset();
SELECT count(*) FROM "Odd ""Schema"" ü"."My Table;" WHERE "Parent Id" = 7;
SELECT id FROM "Odd ""Schema"" ü"."My Table;" WHERE "select" = 's77'
 ORDER BY "Créé" DESC LIMIT 1;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM "Odd ""Schema"" ü"."My Table;" WHERE "Parent Id" = 7;
SELECT id FROM "Odd ""Schema"" ü"."My Table;" WHERE "select" = 's77'
 ORDER BY "Créé" DESC LIMIT 1;
SELECT * FROM scans;

--
-- 11. A partitioned table.  A pattern seen on every partition is suggested
-- once, on the partitioned table, built without blocking writes partition
-- by partition (PostgreSQL cannot build an index concurrently there): one
-- statement that queues the build with idxadvisor_create_concurrently().
-- A pattern seen on one partition only is suggested on that partition,
-- concurrently.
--
CREATE TABLE readings (id int, region text, sensor_id int, batch int)
  PARTITION BY LIST (region);
CREATE TABLE readings_eu PARTITION OF readings FOR VALUES IN ('eu');
-- a partition whose columns are numbered differently
CREATE TABLE readings_us (batch int, dropme int, sensor_id int, id int, region text);
ALTER TABLE readings_us DROP COLUMN dropme;
ALTER TABLE readings ATTACH PARTITION readings_us FOR VALUES IN ('us');
INSERT INTO readings SELECT g, (ARRAY['eu', 'us'])[g % 2 + 1], g % 400, g % 1000
  FROM generate_series(1, 40000) g;
ANALYZE readings;

SELECT idxadvisor_reset();
SELECT count(*) FROM readings WHERE sensor_id = 5;
SELECT count(*) FROM readings WHERE sensor_id = 6;
SELECT count(*) FROM readings_us WHERE batch = 7;
SELECT * FROM scans;
SELECT * FROM sug;
SELECT index_ddl FROM idxadvisor_suggest() \gexec
CALL idxadvisor_wait();
SELECT idxadvisor_reset();
SELECT count(*) FROM readings WHERE sensor_id = 5;
SELECT count(*) FROM readings WHERE sensor_id = 6;
SELECT count(*) FROM readings_us WHERE batch = 7;
SELECT * FROM scans;

--
-- 12. A role sees suggestions only for tables it holds a privilege on.
--
CREATE TABLE secrets (id int PRIMARY KEY, owner_id int, body text);
INSERT INTO secrets SELECT g, g % 500, 'secret ' || g FROM generate_series(1, 20000) g;
CREATE TABLE notes (id int PRIMARY KEY, owner_id int, body text);
INSERT INTO notes SELECT g, g % 500, 'note ' || g FROM generate_series(1, 20000) g;
ANALYZE secrets, notes;
SELECT idxadvisor_reset();
SELECT count(*) FROM secrets WHERE owner_id = 3;
SELECT count(*) FROM notes WHERE owner_id = 3;
CREATE ROLE regress_suggest_reader;
GRANT SELECT ON notes TO regress_suggest_reader;
SET ROLE regress_suggest_reader;
SELECT relid, columns FROM idxadvisor_suggest(true);
RESET ROLE;
SELECT relid, columns FROM idxadvisor_suggest(true)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";
DROP TABLE secrets, notes;
DROP ROLE regress_suggest_reader;

--
-- 13. A table never analyzed (pg_class has no size for it: it is measured)
-- and a scan recorded before its column was dropped (no suggestion, no
-- error).
--
CREATE TABLE fresh (id int, ref int, gone int);
INSERT INTO fresh SELECT g, g % 700, g % 3 FROM generate_series(1, 20000) g;
-- a small one too (40 rows: autovacuum never analyzes it): its blocks are
-- counted from its file, it is not opened, and it is too small to matter
CREATE TABLE fresh_tiny (id int, ref int);
INSERT INTO fresh_tiny SELECT g, g % 7 FROM generate_series(1, 40) g;
SELECT relname, reltuples FROM pg_class WHERE relname = 'fresh_tiny';
SELECT idxadvisor_reset();
SELECT count(*) FROM fresh WHERE ref = 5;
SELECT count(*) FROM fresh_tiny WHERE ref = 5;
SELECT count(*) FROM fresh WHERE gone = 1 AND id > 100;
ALTER TABLE fresh DROP COLUMN gone;
SELECT relid, columns, index_ddl, seq_scans, reason FROM idxadvisor_suggest(true);
SELECT index_ddl FROM idxadvisor_suggest() \gexec
SELECT idxadvisor_reset();
SELECT count(*) FROM fresh WHERE ref = 5;
SELECT * FROM scans;

--
-- 14. ORDER BY over a filter no index can use (LIKE '%...%', here one that
-- every row passes, so that the planner's choice does not hang on its
-- estimate of the LIKE).  Under a LIMIT, an index on the ORDER BY column
-- finds the first rows without a sort; the same ORDER BY returning every
-- row is cheaper as a sequential scan and a sort, so it gets no index.  The
-- capture records whether a LIMIT bounded the sort, and the costing uses
-- that LIMIT.
--
CREATE TABLE posts (id int PRIMARY KEY, body text, posted timestamptz);
INSERT INTO posts
SELECT g, 'post ' || g,
       '2026-01-01'::timestamptz + ((g::bigint * 7919) % 40000) * interval '1 minute'
  FROM generate_series(1, 40000) g;
ANALYZE posts;
SELECT idxadvisor_reset();
SELECT count(*) FROM (SELECT id FROM posts WHERE body LIKE '%post%'
                      ORDER BY posted DESC) every_row;
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(true)
 WHERE relid = 'posts'::regclass;
-- under a LIMIT but with a filter that one row in 40000 passes, the index
-- would read the whole table to find the first 3: costed with the rows it
-- must read (the share the capture saw), the planner would not use it when
-- the table is not cached (a small effective_cache_size makes each row an
-- I/O); the first 3 rows alone it would
SELECT idxadvisor_reset();
SELECT id FROM posts WHERE body LIKE '%12345%' ORDER BY posted DESC LIMIT 3;
SET effective_cache_size = '64kB';
SELECT relid, columns, index_ddl IS NULL AS no_ddl,
       reason LIKE 'rejected: the planner would not use this index%' AS not_used
  FROM idxadvisor_suggest(true)
 WHERE relid = 'posts'::regclass;
RESET effective_cache_size;
SELECT idxadvisor_reset();
SELECT id FROM posts WHERE body LIKE '%post%' ORDER BY posted DESC LIMIT 3;
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(true)
 WHERE relid = 'posts'::regclass;
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'posts'::regclass \gexec
SELECT idxadvisor_reset();
SELECT id FROM posts WHERE body LIKE '%post%' ORDER BY posted DESC LIMIT 3;
SELECT * FROM scans;

\pset expanded off

-- nothing is left to suggest for the workloads above
SELECT count(*) FROM idxadvisor_suggest();

-- bad input: NULL is STRICT (no rows), and the function needs no argument
SELECT count(*) FROM idxadvisor_suggest(NULL);
SELECT count(*) FROM idxadvisor_suggest(false);

--
-- 15. A hostile table owner (issue 9).  The owner of a table writes an
-- "IMMUTABLE" function that, when a superuser runs it, makes the owner a
-- superuser, writes a table the owner may not write and a file on the
-- server, and puts it in a partial index on a foreign key column and in an
-- expression index of the table.  The reports must run none of it;
-- idxadvisor_suggest() plans the table as its owner, in a security-
-- restricted operation.  A partition of someone else's table that the role
-- owns and indexes the same way leaves the partitioned table out of the
-- suggestions: planning it would run the partition's code as the
-- partitioned table's owner.
--
CREATE ROLE regress_evil;
CREATE SCHEMA evil AUTHORIZATION regress_evil;
CREATE TABLE loot (who text);
CREATE TABLE shared_parted (id int, ref int) PARTITION BY RANGE (id);
CREATE TABLE evil.shared_part PARTITION OF shared_parted
    FOR VALUES FROM (0) TO (1000000);
INSERT INTO shared_parted SELECT g, g % 500 FROM generate_series(1, 20000) g;
ANALYZE shared_parted;
ALTER TABLE evil.shared_part OWNER TO regress_evil;
SELECT idxadvisor_reset();
SET ROLE regress_evil;
-- (a non-volatile PL/pgSQL function may not run ALTER ROLE itself, but it
-- may call a volatile one that does)
CREATE FUNCTION evil.do_pwn() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    ALTER ROLE regress_evil SUPERUSER;
    INSERT INTO public.loot VALUES (current_user);
    COPY (SELECT 'pwned') TO PROGRAM 'cat > idxadvisor_pwned';
  END IF;
END $$;
CREATE FUNCTION evil.pwn() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM evil.do_pwn();
  RETURN true;
END $$;
CREATE FUNCTION evil.one() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN CASE WHEN evil.pwn() THEN 1 ELSE 0 END;
END $$;
CREATE TABLE evil.parent (id int PRIMARY KEY);
INSERT INTO evil.parent SELECT g FROM generate_series(0, 999) g;
CREATE TABLE evil.t (id int, ref int REFERENCES evil.parent, a int, b int);
INSERT INTO evil.t SELECT g, g % 1000, g % 300, g % 700
  FROM generate_series(1, 20000) g;
CREATE INDEX t_ref_evil ON evil.t (ref) WHERE evil.pwn();
CREATE INDEX t_expr_evil ON evil.t ((a + evil.one()));
CREATE INDEX t_expr_evil2 ON evil.t ((a + evil.one()));
CREATE INDEX shared_part_evil ON evil.shared_part (ref) WHERE evil.pwn();
ANALYZE evil.t;
SELECT count(*) FROM evil.t WHERE b = 5;
SELECT count(*) FROM evil.t WHERE b = 6;
SELECT count(*) FROM evil.shared_part WHERE id = 5;
RESET ROLE;
SELECT relid, columns, coverage, suggested_ddl
  FROM idxadvisor_unindexed_foreign_keys() WHERE relid = 'evil.t'::regclass;
SELECT relid, index, kind, covered_by
  FROM idxadvisor_duplicates() WHERE relid = 'evil.t'::regclass;
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(true)
 WHERE relid IN ('evil.t'::regclass, 'shared_parted'::regclass)
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C";
-- nothing ran as the superuser
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_evil';
SELECT count(*) AS loot FROM loot;
SELECT pg_stat_file('idxadvisor_pwned', true) IS NULL AS no_file;
DROP TABLE shared_parted, loot;
DROP SCHEMA evil CASCADE;
DROP ROLE regress_evil;

--
-- 16. One rule for "does this index serve that lookup?" (issue 10): the
-- suggestions and the foreign-key report judge existing indexes alike.  An
-- index whose operator family is not the column type's default but
-- contains the equality operator (text_pattern_ops has "="), and a partial
-- index whose predicate the lookup implies without being equal to it
-- (WHERE ref IS NOT NULL, implied by ref = $1), serve: the scans that the
-- workload made with index scans turned off get no suggestion, and the
-- foreign key on code is indexed.
--
CREATE TABLE stock_kinds (code text PRIMARY KEY);
INSERT INTO stock_kinds SELECT 'k' || g FROM generate_series(1, 500) g;
CREATE TABLE stock (id int PRIMARY KEY, code text REFERENCES stock_kinds,
                    ref int, n int);
INSERT INTO stock SELECT g, 'k' || (g % 500 + 1), g % 1000, g % 7
  FROM generate_series(1, 20000) g;
CREATE INDEX stock_code_pattern ON stock (code text_pattern_ops, n);
CREATE INDEX stock_ref_notnull ON stock (ref, n) WHERE ref IS NOT NULL;
ANALYZE stock_kinds, stock;
SELECT idxadvisor_reset();
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;
SELECT count(*) FROM stock WHERE code = 'k5' AND n > 3;
SELECT count(*) FROM stock WHERE ref = 5 AND n > 3;
RESET enable_indexscan;
RESET enable_bitmapscan;
RESET enable_indexonlyscan;
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(true)
 WHERE relid = 'stock'::regclass
 ORDER BY columns::text COLLATE "C";
SELECT count(*) AS unindexed FROM idxadvisor_unindexed_foreign_keys()
 WHERE relid = 'stock'::regclass;
DROP TABLE stock, stock_kinds;

--
-- 17. The same index gets the same DDL from every function (issue 10): for
-- an unindexed foreign key, the foreign-key report and the suggestions
-- print the same named statement on a plain table, and the same
-- non-blocking script on a partitioned one.
--
CREATE TABLE fk_parent (id int PRIMARY KEY);
INSERT INTO fk_parent SELECT g FROM generate_series(0, 999) g;
CREATE TABLE fk_plain (id int, parent_id int REFERENCES fk_parent);
INSERT INTO fk_plain SELECT g, g % 1000 FROM generate_series(1, 20000) g;
CREATE TABLE fk_parted (id int, parent_id int REFERENCES fk_parent)
  PARTITION BY RANGE (id);
CREATE TABLE fk_parted_1 PARTITION OF fk_parted FOR VALUES FROM (0) TO (10000);
CREATE TABLE fk_parted_2 PARTITION OF fk_parted
  FOR VALUES FROM (10000) TO (MAXVALUE);
INSERT INTO fk_parted SELECT g, g % 1000 FROM generate_series(1, 20000) g;
ANALYZE fk_parent, fk_plain, fk_parted;
SELECT idxadvisor_reset();
SELECT f.relid, f.suggested_ddl = s.index_ddl AS same_ddl, f.suggested_ddl
  FROM idxadvisor_unindexed_foreign_keys() f
  JOIN idxadvisor_suggest() s
    ON s.relid = f.relid AND s.foreign_key = f.foreign_key
 WHERE f.relid IN ('fk_plain'::regclass, 'fk_parted'::regclass)
 ORDER BY f.relid::text COLLATE "C";
DROP TABLE fk_plain, fk_parted, fk_parent;

--
-- 18. An equality is costed with the share of rows it keeps (issue 12,
-- item 1), not as "col = NULL" (about one row).  desk_tickets.status is
-- half 'open', half 'closed': an index would read half the table, so
-- (status) is rejected and says why.  jobs.state is 'done' but for 1%
-- 'queued', and the workload asks for the queued ones: (state) is
-- suggested.  (25,000 rows: ANALYZE reads them all, the shares are exact.)
--
CREATE TABLE desk_tickets (id int, status text, title text);
INSERT INTO desk_tickets SELECT g, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'closed' END,
       'ticket ' || g FROM generate_series(1, 25000) g;
CREATE TABLE jobs (id int, state text, payload text);
INSERT INTO jobs SELECT g, CASE WHEN g % 100 = 0 THEN 'queued' ELSE 'done' END,
       'job ' || g FROM generate_series(1, 25000) g;
ANALYZE desk_tickets, jobs;
SELECT idxadvisor_reset();
SELECT count(*) FROM desk_tickets WHERE status = 'closed';
SELECT count(*) FROM desk_tickets WHERE status = 'closed';
SELECT count(*) FROM jobs WHERE state = 'queued';
SELECT count(*) FROM jobs WHERE state = 'queued';
SELECT relid, columns, index_ddl IS NOT NULL AS suggested,
       est_cost_after < est_cost_before AS cheaper,
       regexp_replace(reason, 'cost [0-9.]+ without it, [0-9.]+ with it', 'cost X without it, Y with it') AS reason
  FROM idxadvisor_suggest(true)
 WHERE relid IN ('desk_tickets'::regclass, 'jobs'::regclass)
 ORDER BY relid::text COLLATE "C";
DROP TABLE desk_tickets, jobs;

--
-- 19. No equality columns piled on after a unique one (issue 12, item 2):
-- with id1, id2, id3 and val all unique, (id1) alone finds the one row.
-- Nine equalities (the capture keeps eight), one of them unique, need that
-- one column.  A unique index on one of the equality columns already
-- serves the lookup.
-- A column with few values keeps the next one, which it does not pin down.
--
CREATE TABLE quad (id1 int, id2 int, id3 int, val int, note text);
INSERT INTO quad SELECT g, g + 1, g + 2, g + 3, 'n' || g
  FROM generate_series(1, 25000) g;
CREATE TABLE wide (c1 int, c2 int, c3 int, c4 int, c5 int, c6 int, c7 int,
                   c8 int, c9 int, note text);
INSERT INTO wide SELECT g % 10, g % 7, g % 5, g % 3, g % 2, g % 11, g % 13,
       g, g % 4, 'n' || g FROM generate_series(1, 25000) g;
CREATE TABLE quad_uq (id1 int, id2 int, val int, note text);
INSERT INTO quad_uq SELECT g, g + 1, g + 3, 'n' || g
  FROM generate_series(1, 25000) g;
CREATE TABLE pair (grp int, sub int, note text);
INSERT INTO pair SELECT g % 20, g % 999, 'n' || g
  FROM generate_series(1, 25000) g;
ANALYZE quad, wide, quad_uq, pair;
SELECT idxadvisor_reset();
SELECT count(*) FROM quad WHERE val = 503 AND id1 = 500 AND id2 = 501 AND id3 = 502;
SELECT count(*) FROM quad WHERE val = 703 AND id1 = 700 AND id2 = 701 AND id3 = 702;
SELECT count(*) FROM wide WHERE c1 = 1 AND c2 = 1 AND c3 = 1 AND c4 = 1
   AND c5 = 1 AND c6 = 1 AND c7 = 1 AND c8 = 1 AND c9 = 1;
SELECT count(*) FROM wide WHERE c1 = 2 AND c2 = 2 AND c3 = 2 AND c4 = 2
   AND c5 = 2 AND c6 = 2 AND c7 = 2 AND c8 = 2 AND c9 = 2;
SELECT count(*) FROM quad_uq WHERE val = 503 AND id1 = 500 AND id2 = 501;
-- (created after the scans: with it, they would not have been seq scans)
CREATE UNIQUE INDEX quad_uq_id2 ON quad_uq (id2);
SELECT count(*) FROM pair WHERE grp = 3 AND sub = 3;
SELECT count(*) FROM pair WHERE grp = 4 AND sub = 4;
SELECT relid, columns, index_ddl IS NOT NULL AS suggested,
       regexp_replace(reason, 'cost [0-9.]+ without it, [0-9.]+ with it', 'cost X without it, Y with it') AS reason
  FROM idxadvisor_suggest(true)
 WHERE relid IN ('quad'::regclass, 'wide'::regclass, 'quad_uq'::regclass,
                 'pair'::regclass)
 ORDER BY relid::text COLLATE "C";
-- built, the narrow index serves the captured scans it was made for
SELECT index_ddl FROM idxadvisor_suggest() WHERE relid = 'quad'::regclass \gexec
SELECT relid, columns, index_ddl, reason FROM idxadvisor_suggest(true)
 WHERE relid = 'quad'::regclass;
-- a foreign key's index keeps all its columns, even after a unique one:
-- the foreign-key report counts only an index that leads with all of them
CREATE TABLE pair_parent (a int, b int, PRIMARY KEY (a, b));
INSERT INTO pair_parent SELECT g, g % 7 FROM generate_series(1, 25000) g;
CREATE TABLE pair_child (a int, b int, note text,
                         FOREIGN KEY (a, b) REFERENCES pair_parent);
INSERT INTO pair_child SELECT g, g % 7, 'n' || g FROM generate_series(1, 25000) g;
ANALYZE pair_parent, pair_child;
SELECT relid, columns, kind, foreign_key FROM idxadvisor_suggest()
 WHERE relid = 'pair_child'::regclass;
DROP TABLE quad, wide, quad_uq, pair, pair_child, pair_parent;

\c :regress_db
DROP DATABASE regress_suggest;

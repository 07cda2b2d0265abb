--
-- idxadvisor_suggest_for(query text): the indexes that would make one
-- statement cheaper, by idxadvisor_suggest()'s rules, costed on the
-- statement itself.  Needs no captured scans and no preload: this file
-- prints the same with and without the library preloaded.
--
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
RESET client_min_messages;
-- the test tables are a few hundred kB; anything under 20 pages is "tiny"
SET idxadvisor.min_table_pages = 20;

CREATE SCHEMA sf;
SET search_path = sf, public;
-- at most 30000 rows each, so that ANALYZE reads every row and the
-- statistics, hence the plans, are the same on every run
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, region int);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL,
                     status text NOT NULL, created_at timestamptz NOT NULL,
                     total numeric NOT NULL DEFAULT 1);
INSERT INTO customers
SELECT g, 'user' || g || '@example.com', g % 20 FROM generate_series(1, 20000) g;
INSERT INTO orders
SELECT g, g % 3000 + 1, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END,
       timestamptz '2026-01-01' + g * interval '1 minute', g
  FROM generate_series(1, 30000) g;
ANALYZE customers, orders;

-- the figures that depend on the platform shown as facts; the reason with
-- its numbers masked
CREATE FUNCTION sug(q text, v boolean DEFAULT false)
RETURNS TABLE (relid regclass, columns text[], predicate text, index_ddl text,
               captured boolean, rows_per_scan numeric, selectivity numeric,
               cheaper boolean, scored boolean, reason text)
LANGUAGE sql AS $$
SELECT relid, columns, predicate, index_ddl,
       seq_scans IS NOT NULL OR fk_trigger_scans IS NOT NULL,
       round(rows_per_scan), round(selectivity::numeric, 4),
       est_cost_after < est_cost_before, score > 0,
       regexp_replace(reason, '[0-9][0-9.]*', 'N', 'g')
  FROM public.idxadvisor_suggest_for(q, v)
$$;
\pset expanded on

--
-- 1. A filter with a parameter: a generic plan, the parameter's type
-- inferred as PREPARE infers it
--
SELECT * FROM sug('SELECT * FROM orders WHERE customer_id = $1');
-- the same with a constant, a cast parameter, and IN
SELECT columns, index_ddl FROM sug('SELECT id FROM orders WHERE customer_id = 42');
SELECT columns, index_ddl FROM sug('SELECT id FROM orders WHERE customer_id = $1::bigint');
SELECT columns, index_ddl FROM sug('SELECT id FROM orders WHERE customer_id IN (1, 2, 3)');
-- an equality that keeps 90% of the rows: turned down, and why (verbose)
SELECT * FROM sug('SELECT * FROM orders WHERE status = ''closed''');
SELECT * FROM sug('SELECT * FROM orders WHERE status = ''closed''', true);
-- already served by an existing index: nothing, and why (verbose)
SELECT * FROM sug('SELECT * FROM orders WHERE id = $1', true);

--
-- 2. ORDER BY ... LIMIT
--
SELECT * FROM sug('SELECT * FROM orders ORDER BY created_at DESC LIMIT 10');
-- a filter, then the order: one index for both
SELECT columns, index_ddl, cheaper
  FROM sug('SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2');
-- ORDER BY without LIMIT reads the whole table either way: turned down
SELECT columns, index_ddl, reason
  FROM sug('SELECT * FROM orders ORDER BY created_at', true);

--
-- 3. Joins: the customer looked up by email, then its orders by the join
-- key in a nested loop; an index on each side
--
SELECT * FROM sug('SELECT o.* FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = $1');
-- the join column of customers is its primary key: nothing more there
SELECT columns, index_ddl, reason
  FROM sug('SELECT o.* FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.email = $1', true)
 WHERE relid = 'customers'::regclass
 ORDER BY columns;

--
-- 4. Views are planned on their tables; DML is planned, never run
--
CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'open';
SELECT columns, index_ddl FROM sug('SELECT * FROM open_orders WHERE customer_id = $1');
SELECT columns, index_ddl FROM sug('UPDATE orders SET total = 0 WHERE customer_id = $1');
SELECT columns, index_ddl FROM sug('DELETE FROM orders WHERE customer_id = 7 RETURNING id');
SELECT count(*) AS orders, count(*) FILTER (WHERE total = 0) AS zeroed FROM orders;
-- a volatile function in the statement is not called
CREATE SEQUENCE seq;
SELECT columns FROM sug('SELECT * FROM orders WHERE customer_id = nextval(''seq'')');
SELECT last_value, is_called FROM seq;

--
-- 5. Odd identifiers are quoted
--
CREATE TABLE "Order Lines" ("Order Id" int, "ÄrtikelNr" int, qty int);
INSERT INTO "Order Lines" SELECT g % 5000, g % 7000, 1 FROM generate_series(1, 30000) g;
ANALYZE "Order Lines";
SELECT columns, index_ddl
  FROM sug('SELECT qty FROM "Order Lines" WHERE "Order Id" = $1 AND "ÄrtikelNr" = $2');

--
-- 6. What it turns down, with the reason (verbose): system catalogs,
-- temporary tables, tables too small to matter
--
SELECT relid, columns, reason FROM sug('SELECT * FROM pg_class WHERE relname = $1', true);
CREATE TEMP TABLE scratch AS SELECT g AS a FROM generate_series(1, 30000) g;
ANALYZE scratch;
SELECT columns, index_ddl, reason FROM sug('SELECT * FROM scratch WHERE a = 5', true);
CREATE TABLE tiny (a int);
SELECT columns, index_ddl, reason FROM sug('SELECT * FROM tiny WHERE a = 5', true);
-- nothing to ask of an index: no rows
SELECT count(*) FROM sug('SELECT 1');
SELECT count(*) FROM sug('INSERT INTO tiny VALUES (1)');
SELECT count(*) FROM tiny;

--
-- 7. Statements it refuses, and bad input
--
\set VERBOSITY terse
SELECT * FROM idxadvisor_suggest_for('CREATE TABLE t2 (a int)');
SELECT * FROM idxadvisor_suggest_for('EXPLAIN SELECT * FROM orders');
SELECT * FROM idxadvisor_suggest_for('SELECT * INTO t3 FROM orders');
SELECT * FROM idxadvisor_suggest_for('VACUUM orders');
SELECT * FROM idxadvisor_suggest_for('SELECT 1; SELECT 2');
SELECT * FROM idxadvisor_suggest_for(NULL);
SELECT * FROM idxadvisor_suggest_for('SELECT 1', NULL);
SELECT * FROM idxadvisor_suggest_for('');
SELECT * FROM idxadvisor_suggest_for(' -- only a comment');
SELECT * FROM idxadvisor_suggest_for('SELEC * FROM orders');
SELECT * FROM idxadvisor_suggest_for('SELECT * FROM no_such_table');
SELECT * FROM idxadvisor_suggest_for('SELECT * FROM orders WHERE no_such_column = 1');
SELECT * FROM idxadvisor_suggest_for('SELECT * FROM orders WHERE $1 IS NULL');
\set VERBOSITY default
-- the error points into the statement, not into the call
SELECT * FROM idxadvisor_suggest_for('SELECT * FROM orders WHERE no_such_column = 1');
\set VERBOSITY terse
SELECT to_regclass('t2') IS NULL AS t2_not_created, to_regclass('t3') IS NULL AS t3_not_created;

--
-- 8. The caller's privileges, as EXPLAIN checks them: a table it may not
-- read is refused; a view it may read is planned on its owner's table
--
CREATE ROLE regress_sf_reader;
GRANT USAGE ON SCHEMA sf TO regress_sf_reader;
GRANT SELECT ON open_orders TO regress_sf_reader;
SET ROLE regress_sf_reader;
SELECT * FROM idxadvisor_suggest_for('SELECT * FROM orders WHERE customer_id = $1');
SELECT * FROM idxadvisor_suggest_for('UPDATE open_orders SET total = 0 WHERE customer_id = $1');
SELECT columns, index_ddl FROM sug('SELECT * FROM open_orders WHERE customer_id = $1');
RESET ROLE;
\set VERBOSITY default

-- clean up
SET client_min_messages = warning;
DROP SCHEMA sf CASCADE;
RESET client_min_messages;
DROP ROLE regress_sf_reader;
DROP EXTENSION idxadvisor;

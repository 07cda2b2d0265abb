--
-- The views for people over the suggestions and the builds,
-- idxadvisor_suggestions and idxadvisor_build_status, and the 1.1 columns
-- of idxadvisor_builds: the same rows as the functions, best first (builds
-- by id), and SELECT * fits a 120-column terminal in psql's aligned format.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/views_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a fresh job table, so that job ids are stable
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
CREATE SCHEMA views;
SET search_path = views, public;
RESET client_min_messages;

-- Width of the widest line psql prints for SELECT * FROM the query in the
-- aligned format (its header line): every column as wide as its header or
-- its widest value, separated by " | ", a space at either end.  to_jsonb()
-- prints every type used in these views as psql does.
CREATE FUNCTION aligned_width(query text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    w int;
BEGIN
    EXECUTE format($q$
        CREATE TEMP VIEW width_probe AS %s$q$, query);
    SELECT sum(greatest(length(a.attname),
                        coalesce((SELECT max(length(e.value))
                                    FROM pg_temp.width_probe t,
                                         jsonb_each_text(to_jsonb(t)) e
                                   WHERE e.key = a.attname), 0)))
           + 3 * (count(*) - 1) + 2
      INTO w
      FROM pg_attribute a
     WHERE a.attrelid = 'pg_temp.width_probe'::regclass AND a.attnum > 0;
    DROP VIEW pg_temp.width_probe;
    RETURN w;
END $$;

-- the test tables are a few hundred kB; anything under 20 pages is "tiny"
SET idxadvisor.min_table_pages = 20;

CREATE TABLE customers (id int PRIMARY KEY, email text);
CREATE TABLE orders (id int PRIMARY KEY,
                     customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE,
                     status text NOT NULL,
                     created date NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 1000) g;
INSERT INTO orders
SELECT g, g % 1000 + 1, CASE WHEN g % 100 = 0 THEN 'open' ELSE 'done' END,
       date '2026-01-01' + g % 300
  FROM generate_series(1, 20000) g;
ANALYZE customers, orders;

SELECT idxadvisor_reset();
-- the application: a customer's orders, and the open ones of a day
SELECT count(*) FROM orders WHERE customer_id = 5;
SELECT count(*) FROM orders WHERE customer_id = 6;
SELECT count(*) FROM orders WHERE customer_id = 7;
SELECT count(*) FROM orders WHERE status = 'open' AND created = date '2026-03-01';
SELECT count(*) FROM orders WHERE status = 'open' AND created = date '2026-03-02';
-- a deleted customer: the foreign-key trigger scans orders
DELETE FROM customers WHERE id = 8;

-- The rows and order of idxadvisor_suggest(), the costs as the planner's
-- (which may differ by platform) shown as facts.  The arrow and the minus
-- are Unicode when the database and the client both speak UTF8 (a
-- SQL_ASCII database, as on some test servers, gets ASCII ones).
SELECT "table", index, replace(rows_per_scan, ' -> ', ' → ') AS rows_per_scan,
       cost ~ '^(−|-)[0-9]+\.[0-9]%$' AS cost_saved, size ~ '^[0-9]+ kB$' AS sized, why
  FROM idxadvisor_suggestions;
SELECT bool_and((rows_per_scan LIKE '%→%' AND cost LIKE '−%') =
                (getdatabaseencoding() = 'UTF8'
                 AND current_setting('client_encoding') = 'UTF8')) AS unicode_iff_utf8
  FROM idxadvisor_suggestions;
SELECT array_agg("table"::text || ' ' || index) =
       (SELECT array_agg(relid::text || ' (' || array_to_string(columns, ', ') || ')')
          FROM idxadvisor_suggest()) AS same_rows_same_order
  FROM idxadvisor_suggestions;
SELECT aligned_width('SELECT * FROM idxadvisor_suggestions') <= 120 AS fits;

-- a client that does not speak UTF8 gets ASCII arrows
SET client_encoding = 'LATIN1';
SELECT rows_per_scan, left(cost, 1) AS minus FROM idxadvisor_suggestions LIMIT 1;
RESET client_encoding;

-- a role without privileges on the tables sees no suggestion for them
CREATE ROLE regress_views_reader;
SET ROLE regress_views_reader;
SELECT count(*) AS suggestions_for_reader FROM idxadvisor_suggestions;
RESET ROLE;

-- builds: one done, one failed (duplicate key), in id order
SELECT idxadvisor_create_concurrently('orders', ARRAY['customer_id']) AS job1 \gset
SELECT idxadvisor_create_concurrently('orders', ARRAY['status'], "unique" => true) AS job2 \gset
CALL idxadvisor_wait(:job1);
\set VERBOSITY terse
CALL idxadvisor_wait(:job2);
\set VERBOSITY default
SELECT id, index, elapsed IS NOT NULL AS has_elapsed, status, waiting_for
  FROM idxadvisor_build_status;
SELECT aligned_width('SELECT * FROM idxadvisor_build_status') <= 120 AS fits;
SELECT id, state, elapsed >= '0'::interval AS elapsed, percent_done,
       blocked_by_pid, blocked_by_query
  FROM idxadvisor_builds;
-- the role sees only its own jobs
SET ROLE regress_views_reader;
SELECT count(*) AS jobs_for_reader FROM idxadvisor_build_status;
RESET ROLE;
DROP ROLE regress_views_reader;

SET client_min_messages = warning;
DROP SCHEMA views CASCADE;
RESET client_min_messages;

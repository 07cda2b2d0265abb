--
-- The catalog reports' views for people, idxadvisor_unindexed_fks and
-- idxadvisor_duplicate_indexes: the same rows as the functions, most urgent
-- first, and SELECT * fits a 120-column terminal in psql's aligned format.
-- Runs with or without the library preloaded.
--
SET client_min_messages = warning;
-- an earlier test of the suite may have left it installed
CREATE EXTENSION IF NOT EXISTS idxadvisor;
CREATE SCHEMA report_views;
SET search_path = report_views, public;
RESET client_min_messages;

-- Width of the widest line psql prints for SELECT * FROM the query in the
-- aligned format: every column as wide as its header or its widest value,
-- separated by " | ", a space at either end.  to_jsonb() prints every type
-- used in these views as psql does.
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

CREATE TABLE customers (id int PRIMARY KEY, email text)
  WITH (autovacuum_enabled = off);
CREATE TABLE orders (id int PRIMARY KEY,
                     customer_id int REFERENCES customers ON DELETE CASCADE,
                     created date) WITH (autovacuum_enabled = off);
CREATE TABLE order_notes (id int PRIMARY KEY,
                          order_id int REFERENCES orders,
                          customer_id int REFERENCES customers);
CREATE INDEX orders_created ON orders (created);
CREATE INDEX orders_created_id ON orders (created, id);
CREATE INDEX orders_created_again ON orders (created);
CREATE INDEX customers_email_idx ON customers (email);
CREATE UNIQUE INDEX customers_email_key ON customers (email);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g % 100 + 1, date '2026-01-01' + g % 300
  FROM generate_series(1, 1000) g;
-- three parent deletes (one cascades): customers' children come first
DELETE FROM customers WHERE id IN (1, 2, 3);
SELECT pg_stat_force_next_flush();

-- the views show the functions' rows, for this schema only
CREATE VIEW fks AS
SELECT * FROM idxadvisor_unindexed_fks
 WHERE "table"::regclass IN ('orders'::regclass, 'order_notes'::regclass);
CREATE VIEW dups AS
SELECT * FROM idxadvisor_duplicate_indexes
 WHERE "table"::regclass IN ('orders'::regclass, 'customers'::regclass);

-- (a table's size in kB differs between versions: 72 kB on 15, 80 kB on 19)
SELECT "table", columns, "references", on_delete, coverage,
       regexp_replace(table_size, '^[1-9][0-9]* kB$', 'N kB') AS table_size,
       parent_deletes
  FROM fks;
SELECT * FROM dups;

-- the same rows as the functions
SELECT (SELECT count(*) FROM fks) =
       (SELECT count(*) FROM idxadvisor_unindexed_foreign_keys()
         WHERE relid IN ('orders'::regclass, 'order_notes'::regclass)) AS same_fks,
       (SELECT count(*) FROM dups) =
       (SELECT count(*) FROM idxadvisor_duplicates()
         WHERE relid IN ('orders'::regclass, 'customers'::regclass)) AS same_dups;

-- fits in 120 columns
SELECT aligned_width('SELECT * FROM fks') AS fks_width,
       aligned_width('SELECT * FROM dups') AS dups_width;
SELECT aligned_width('SELECT * FROM fks') <= 120 AS fks_fit,
       aligned_width('SELECT * FROM dups') <= 120 AS dups_fit;

-- so do the lifecycle reports' views (idxadvisor_lifecycle.c)
CREATE VIEW unused AS
SELECT * FROM idxadvisor_unused
 WHERE "table"::regclass IN ('orders'::regclass, 'customers'::regclass);
CREATE VIEW bloated AS
SELECT * FROM idxadvisor_bloated_indexes
 WHERE "table"::regclass IN ('orders'::regclass, 'customers'::regclass);
SELECT count(*) > 0 AS unused_rows FROM unused;
SELECT count(*) > 0 AS bloated_rows FROM bloated;
SELECT aligned_width('SELECT * FROM unused') <= 120 AS unused_fit,
       aligned_width('SELECT * FROM bloated') <= 120 AS bloated_fit;

-- any role may read them, and sees what the functions show it
CREATE ROLE regress_views_reader;
SET ROLE regress_views_reader;
SELECT count(*) > 0 AS reader_sees_fks FROM idxadvisor_unindexed_fks;
SELECT count(*) > 0 AS reader_sees_dups FROM idxadvisor_duplicate_indexes;
RESET ROLE;
DROP ROLE regress_views_reader;

SET client_min_messages = warning;
DROP SCHEMA report_views CASCADE;
RESET client_min_messages;

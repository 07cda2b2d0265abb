--
-- Index builds: idxadvisor_create[_concurrently], drop, cancel, wait
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/build_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
-- a fresh job table, so that job ids in messages are stable
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
SET client_min_messages = notice;

CREATE ROLE regress_idxadv_owner LOGIN;
CREATE ROLE regress_idxadv_other LOGIN;
GRANT EXECUTE ON FUNCTION
    idxadvisor_create(regclass, text[], name, boolean, name, text[]),
    idxadvisor_create(text),
    idxadvisor_create_concurrently(regclass, text[], name, boolean, name, text[]),
    idxadvisor_create_concurrently(text),
    idxadvisor_drop(regclass, boolean),
    idxadvisor_drop_concurrently(regclass, boolean),
    idxadvisor_drop(text, boolean, boolean),
    idxadvisor_drop_concurrently(text, boolean, boolean),
    idxadvisor_cancel(bigint)
  TO regress_idxadv_owner, regress_idxadv_other;
GRANT CREATE ON SCHEMA public TO regress_idxadv_owner;

SET ROLE regress_idxadv_owner;
CREATE TABLE orders (id int PRIMARY KEY, customer int, status text,
                     created date, "Mixed Case" int, "we;ird ""col""" text,
                     "ünïcödé" int);
INSERT INTO orders
SELECT g, g % 100, CASE WHEN g % 7 = 0 THEN 'open' ELSE 'closed' END,
       date '2026-01-01' + g % 300, g % 13, 'v' || g, g % 5
  FROM generate_series(1, 2000) g;

-- the job table belongs to the extension; nobody else may touch it
SELECT count(*) FROM idxadvisor_build_jobs;
INSERT INTO idxadvisor_build_jobs (kind) VALUES ('create');

-- queued inside a transaction block, visible to its requester at once
BEGIN;
SELECT idxadvisor_create_concurrently('orders', '{customer}') AS job \gset
SELECT kind, relid, index_name, command, state, requested_by,
       started_at IS NULL AS not_started
  FROM idxadvisor_builds WHERE id = :job;
COMMIT;
CALL idxadvisor_wait(:job);
SELECT index_name, state, error, started_at >= requested_at AS t,
       finished_at >= started_at AS t2
  FROM idxadvisor_builds WHERE id = :job;
SELECT indexrelid::regclass, indisvalid FROM pg_index
 WHERE indrelid = 'orders'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";

-- the same request again: the same job, no error
SELECT idxadvisor_create_concurrently('orders', '{customer}') = :job AS same_job;
SELECT idxadvisor_create_concurrently('orders', '{customer}', 'orders_customer_idx') = :job AS same_job;

-- rolled back: the job never existed
BEGIN;
SELECT idxadvisor_create_concurrently('orders', '{status}') IS NOT NULL AS queued;
ROLLBACK;
SELECT count(*) FROM idxadvisor_builds WHERE index_name = 'orders_status_idx';

-- odd identifiers end up in valid indexes
SELECT idxadvisor_create_concurrently('orders', ARRAY['Mixed Case', 'we;ird "col"'],
                                      'idx; "DROP TABLE orders" --') IS NOT NULL AS queued;
SELECT idxadvisor_create_concurrently('orders', '{ünïcödé}', 'ïndex ünïcödé') IS NOT NULL AS queued;
SELECT idxadvisor_create_concurrently(
    'CREATE UNIQUE INDEX "Upper Idx" ON orders USING btree (id, (lower("we;ird ""col""")) DESC NULLS LAST) INCLUDE (status) WITH (fillfactor = 70) WHERE "Mixed Case" > 3'
) IS NOT NULL AS queued;
SELECT idxadvisor_create_concurrently(
    'create index concurrently on orders using hash (status)') IS NOT NULL AS queued;
CALL idxadvisor_wait();
SELECT index_name, command, state, error FROM idxadvisor_builds
 ORDER BY index_name COLLATE "C";
SELECT indexrelid::regclass, indisvalid, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid = 'orders'::regclass
 ORDER BY indexrelid::regclass::text COLLATE "C";

-- a failing build: the INVALID index is removed, the error recorded
INSERT INTO orders VALUES (5000, 1, 'open', date '2026-01-01', 1, 'dup', 1),
                          (5001, 1, 'open', date '2026-01-01', 1, 'dup', 1);
SELECT idxadvisor_create_concurrently('orders', '{"we;ird \"col\""}', 'orders_dup',
                                      "unique" => true) AS failjob \gset
CALL idxadvisor_wait(:failjob);
SELECT state, error FROM idxadvisor_builds WHERE id = :failjob;
CALL idxadvisor_wait();
SELECT count(*) AS invalid_left FROM pg_index
 WHERE indrelid = 'orders'::regclass AND NOT indisvalid;

-- an INVALID index left by an earlier failure is repaired, not "already exists"
RESET ROLE;
SET allow_system_table_mods = on;
CREATE INDEX orders_created_idx ON orders (created);
UPDATE pg_index SET indisvalid = false
 WHERE indexrelid = 'orders_created_idx'::regclass;
RESET allow_system_table_mods;
SET ROLE regress_idxadv_owner;
SELECT idxadvisor_create_concurrently('orders', '{created}', 'orders_created_idx') AS repair \gset
CALL idxadvisor_wait(:repair);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_created_idx'::regclass;

-- transactional variants
SELECT idxadvisor_create('orders', '{status, created}');
SELECT idxadvisor_create('orders', '{status, created}');
SELECT idxadvisor_create('CREATE INDEX orders_expr ON orders ((customer + 1))');
SELECT idxadvisor_drop('orders_expr');
SELECT idxadvisor_drop('orders_status_created_idx');
SELECT idxadvisor_drop_concurrently('orders_customer_idx') AS dropjob \gset
CALL idxadvisor_wait(:dropjob);
SELECT kind, index_name, command, state FROM idxadvisor_builds WHERE id = :dropjob;
SELECT count(*) FROM pg_class WHERE relname = 'orders_customer_idx';

-- partitioned tables: transactional only
CREATE TABLE parted (k int, v int) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
SELECT idxadvisor_create_concurrently('CREATE INDEX ON ONLY parted (v)');
SELECT idxadvisor_create('parted', '{v}');
SELECT idxadvisor_drop_concurrently('parted_v_idx');
SELECT idxadvisor_drop('parted_1_v_idx');
SELECT idxadvisor_drop('parted_v_idx');

-- cancel: queued jobs
BEGIN;
SELECT idxadvisor_create_concurrently('orders', '{created, status}') AS canceljob \gset
SELECT idxadvisor_cancel(:canceljob);
COMMIT;
SELECT state FROM idxadvisor_builds WHERE id = :canceljob;
SELECT idxadvisor_cancel(:canceljob);
CALL idxadvisor_wait(:canceljob);
SELECT idxadvisor_cancel(-1);
SELECT idxadvisor_cancel(NULL);

-- constraints: never dropped through these functions
CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE);
CREATE TABLE refs (cid int REFERENCES customers (id));
SELECT idxadvisor_drop('customers_pkey');
SELECT idxadvisor_drop_concurrently('customers_email_key');
CREATE TABLE excl (r int4range, EXCLUDE USING gist (r WITH &&));
SELECT idxadvisor_drop('excl_r_excl');
-- a unique index (no constraint) that a foreign key uses
CREATE TABLE uparent (u int);
CREATE UNIQUE INDEX uparent_u ON uparent (u);
CREATE TABLE uchild (u int REFERENCES uparent (u));
SELECT idxadvisor_drop('uparent_u');

-- validation of the column form
SELECT idxadvisor_create_concurrently(NULL, '{customer}');
SELECT idxadvisor_create_concurrently('orders', NULL);
SELECT idxadvisor_create_concurrently('orders', '{}');
SELECT idxadvisor_create_concurrently('orders', '{customer, NULL}');
SELECT idxadvisor_create_concurrently('orders', '{{customer}}');
SELECT idxadvisor_create_concurrently('orders', '{nosuch}');
SELECT idxadvisor_create_concurrently('orders', '{Customer}');
SELECT idxadvisor_create_concurrently('orders', '{ctid}');
SELECT idxadvisor_create_concurrently('orders', '{customer}', method => 'nosuch');
SELECT idxadvisor_create_concurrently('orders', '{customer}', method => 'hash', "unique" => true);
SELECT idxadvisor_create_concurrently('orders', '{customer, status}', method => 'hash');
SELECT idxadvisor_create_concurrently('orders', '{customer}', method => 'hash', include => '{status}');
SELECT idxadvisor_create_concurrently('orders', '{customer}', include => '{nosuch}');
SELECT idxadvisor_create_concurrently('orders', '{customer}', "unique" => NULL);
SELECT idxadvisor_create_concurrently('nosuch', '{a}');
SELECT idxadvisor_create_concurrently('orders', '{customer}', 'orders_pkey');
SELECT idxadvisor_create_concurrently('orders', '{customer}', 'orders');
SELECT idxadvisor_create_concurrently('customers', '{email}', 'orders_pkey');

-- relation kinds and ownership
CREATE VIEW v AS SELECT * FROM orders;
CREATE SEQUENCE s;
CREATE MATERIALIZED VIEW mv AS SELECT id FROM orders;
CREATE TEMP TABLE tmp (a int);
SELECT idxadvisor_create_concurrently('v', '{id}');
SELECT idxadvisor_create_concurrently('s', '{last_value}');
SELECT idxadvisor_create_concurrently('orders_pkey', '{id}');
SELECT idxadvisor_create_concurrently('tmp', '{a}');
SELECT idxadvisor_create('tmp', '{a}');
SELECT idxadvisor_create_concurrently('mv', '{id}') IS NOT NULL AS queued;
SELECT idxadvisor_create_concurrently('pg_class', '{relname}');
RESET ROLE;
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER dummy_srv FOREIGN DATA WRAPPER dummy;
CREATE FOREIGN TABLE ft (a int) SERVER dummy_srv;
ALTER FOREIGN TABLE ft OWNER TO regress_idxadv_owner;
SELECT idxadvisor_create_concurrently('pg_class', '{relname}');
SELECT idxadvisor_create('CREATE INDEX ON pg_catalog.pg_class (relname)');
SET ROLE regress_idxadv_owner;
SELECT idxadvisor_create_concurrently('ft', '{a}');
SET ROLE regress_idxadv_other;
SELECT idxadvisor_create_concurrently('orders', '{status}');
SELECT idxadvisor_create('CREATE INDEX ON orders (status)');
SELECT idxadvisor_drop('orders_pkey');
SELECT idxadvisor_drop_concurrently('orders_created_idx');
SELECT idxadvisor_cancel(:job);
-- another role sees none of the owner's jobs
SELECT count(*) FROM idxadvisor_builds;
SELECT count(*) FROM idxadvisor_build_jobs;
-- pg_monitor members see every job
RESET ROLE;
GRANT pg_monitor TO regress_idxadv_other;
SET ROLE regress_idxadv_other;
SELECT count(*) > 0 AS sees_all FROM idxadvisor_builds;
RESET ROLE;
REVOKE pg_monitor FROM regress_idxadv_other;
SET ROLE regress_idxadv_owner;

-- the definition parser's refusals
SELECT idxadvisor_create_concurrently(NULL::text);
SELECT idxadvisor_create_concurrently('');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status); DROP TABLE orders');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status);;');
SELECT idxadvisor_create_concurrently('DROP TABLE orders');
SELECT idxadvisor_create_concurrently('SELECT 1');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON nosuch (a)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON v (id)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON s (last_value)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON tmp (a)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON ft (a)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON pg_class (relname)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (nosuch)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders ((now()::date))');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (id) WHERE created < now()');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders ((customer + (SELECT 1)))');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status nosuch_ops)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status COLLATE "nosuch")');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status) TABLESPACE nosuch');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status) WITH (nosuch = 1)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON orders (status) INCLUDE ((id + 1))');
SELECT idxadvisor_create('CREATE INDEX CONCURRENTLY ON orders (status)');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON tmp (a)');
SELECT idxadvisor_create('CREATE INDEX tmp_a ON tmp (a)');
-- a table of another schema resolved with the caller's search_path
RESET ROLE;
CREATE SCHEMA "Other Schema" AUTHORIZATION regress_idxadv_owner;
SET ROLE regress_idxadv_owner;
CREATE TABLE "Other Schema"."T" ("C" int);
SET search_path = "Other Schema", public;
SELECT idxadvisor_create_concurrently('CREATE INDEX ON "T" ("C" DESC)') AS schemajob \gset
RESET search_path;
CALL idxadvisor_wait(:schemajob);
SELECT index_name, command, state FROM idxadvisor_builds WHERE id = :schemajob;

-- nothing is queued from a security-restricted operation
CREATE MATERIALIZED VIEW sro AS
  SELECT idxadvisor_create_concurrently('orders', '{status}') WITH NO DATA;
REFRESH MATERIALIZED VIEW sro;
DROP MATERIALIZED VIEW sro;

-- waiting: inside a transaction block it refuses instead of hanging
BEGIN;
CALL idxadvisor_wait();
ROLLBACK;
CALL idxadvisor_wait(-1);
CALL idxadvisor_wait(NULL, '-1 s');
CALL idxadvisor_wait(:failjob);
CALL idxadvisor_wait(NULL, '1 min');

-- drop validation
SELECT idxadvisor_drop(NULL);
SELECT idxadvisor_drop('orders');
SELECT idxadvisor_drop_concurrently(NULL);
SELECT idxadvisor_drop_concurrently('pg_class_oid_index');

RESET ROLE;
DROP TABLE orders, parted, customers, refs, excl, uparent, uchild, tmp,
           "Other Schema"."T" CASCADE;
DROP SEQUENCE s;
DROP FOREIGN TABLE ft;
DROP SERVER dummy_srv;
DROP FOREIGN DATA WRAPPER dummy;
DROP SCHEMA "Other Schema";
REVOKE CREATE ON SCHEMA public FROM regress_idxadv_owner;
-- (the grants of the functions above; a server that runs this again must
-- be able to create the roles again)
DROP OWNED BY regress_idxadv_owner, regress_idxadv_other;
DROP ROLE regress_idxadv_owner, regress_idxadv_other;

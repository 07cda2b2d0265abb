--
-- Index builds: what is built is exactly what was checked, whatever the
-- caller's settings; what CREATE INDEX would refuse is refused at call time
-- with its SQLSTATE; a name that holds a different index is an error.
--
-- Needs idxadvisor in shared_preload_libraries; on a server without it
-- (make installcheck) it only says so: expected/build_requests_1.out.
SELECT NOT EXISTS (SELECT FROM pg_catalog.pg_settings
                    WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs idxadvisor in shared_preload_libraries
\quit
\endif
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
SET client_min_messages = notice;

-- the outcome of a statement: "ok" or its SQLSTATE and message
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE req (id int PRIMARY KEY, d date, t text, f float8, i interval,
                  b bytea, n int, j jsonb, r int4range);
INSERT INTO req SELECT g, date '2020-01-01' + g, 'v' || g, g / 7.0,
                       g * interval '1 hour', int4send(g), g, '{}', int4range(g, g + 1)
  FROM generate_series(1, 100) g;

-- the built index means what the request meant, under hostile settings
SET DateStyle = 'SQL, DMY';
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_date ON req (id) WHERE d > '2020-03-04'$$) IS NOT NULL AS queued;
RESET DateStyle;
-- standard_conforming_strings = off (19 has it always on, and no
-- escape_string_warning)
SELECT count(set_config(name, 'off', false)) >= 0 AS set FROM pg_settings
 WHERE name IN ('standard_conforming_strings', 'escape_string_warning')
   AND current_setting('server_version_num')::int < 190000;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_scs ON req (id) WHERE t <> E'a\\b'$$) IS NOT NULL AS queued;
SET bytea_output = escape;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_bytea ON req (id) WHERE b <> E'\\x5c00ff'::bytea$$) IS NOT NULL AS queued;
RESET bytea_output;
SELECT count(set_config(name, reset_val, false)) >= 0 AS reset FROM pg_settings
 WHERE name IN ('standard_conforming_strings', 'escape_string_warning');
SET extra_float_digits = -12;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_float ON req (id) WHERE f > '0.123456789'$$) IS NOT NULL AS queued;
SELECT idxadvisor_create(
    $$CREATE INDEX req_float_now ON req (n) WHERE f > '0.123456789'$$);
RESET extra_float_digits;
SET IntervalStyle = sql_standard;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_interval ON req (id) WHERE i > '-1 day -1 hour'$$) IS NOT NULL AS queued;
SELECT idxadvisor_create(
    $$CREATE INDEX req_interval_now ON req (n) WHERE i > '-1 day -1 hour'$$);
RESET IntervalStyle;
CREATE SCHEMA sp;
CREATE FUNCTION sp.lower(text) RETURNS text IMMUTABLE LANGUAGE sql
    AS $$ SELECT 'shadowed' $$;
SET search_path = sp, public, pg_catalog;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_search_path ON req ((lower(t)))$$) IS NOT NULL AS queued;
RESET search_path;
SET default_tablespace = pg_default;
SELECT idxadvisor_create_concurrently(
    $$CREATE INDEX req_tablespace ON req (d)$$) IS NOT NULL AS queued;
RESET default_tablespace;
CALL idxadvisor_wait();
SET DateStyle = ISO;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid)
  FROM pg_index WHERE indrelid = 'req'::regclass AND indexrelid <> 'req_pkey'::regclass
 ORDER BY indexrelid::regclass::text COLLATE "C";
RESET DateStyle;
SELECT index_name, command FROM idxadvisor_builds ORDER BY id;

-- refused at call time with the SQLSTATE CREATE INDEX gives
CREATE TEMP TABLE cases (def text);
INSERT INTO cases VALUES
    ('CREATE INDEX ON req (n int4_ops (siglen = 8))'),
    ('CREATE INDEX ON req USING gist (j)'),
    ('CREATE INDEX ON req USING gin (t)'),
    ('CREATE INDEX ON req USING spgist (n)'),
    ('CREATE INDEX ON req (n COLLATE "C")'),
    ('CREATE INDEX ON req USING hash (n DESC)'),
    ('CREATE INDEX ON req USING hash (n NULLS FIRST)'),
    ('CREATE INDEX ON req (n) TABLESPACE pg_global'),
    ('CREATE INDEX ON req (n) WITH (nosuch = 1)'),
    ('CREATE INDEX ON req (n) WITH (fillfactor = 5)'),
    ('CREATE INDEX ON req USING gist (r range_ops (siglen = 8))'),
    ('CREATE INDEX ON req ((row(n, t)))'),
    ('CREATE INDEX ON req (n text_ops)'),
    ('CREATE INDEX ON req (n) INCLUDE (t DESC)'),
    ('CREATE INDEX ON req (xmin)'),
    ('CREATE INDEX ON req (n) WHERE xmin <> 0'),
    ('CREATE INDEX ON req ((t COLLATE "C" || t COLLATE "POSIX"))'),
    ('CREATE INDEX ON req (n) WHERE random() > 0.5'),
    ('CREATE UNIQUE INDEX ON req USING gin (j)'),
    ('CREATE INDEX ON req USING gist (r) INCLUDE (n) WITH (buffering = maybe)'),
    ('CREATE INDEX ON req USING gist (j jsonb_path_ops)');
SELECT def,
       pg_temp.try(format('SELECT idxadvisor_create_concurrently(%L)', def)) AS queued,
       pg_temp.try(def) AS create_index
  FROM cases;
SELECT split_part(pg_temp.try(format('SELECT idxadvisor_create_concurrently(%L)', def)), ':', 1)
       IS DISTINCT FROM split_part(pg_temp.try(def), ':', 1) AS differs, def
  FROM cases
 WHERE split_part(pg_temp.try(format('SELECT idxadvisor_create_concurrently(%L)', def)), ':', 1)
       IS DISTINCT FROM split_part(pg_temp.try(def), ':', 1);
SELECT pg_temp.try($$SELECT idxadvisor_create_concurrently('req', '{n}', '')$$),
       pg_temp.try($$SELECT idxadvisor_create('req', '{n}', '')$$),
       pg_temp.try('CREATE INDEX "" ON req (n)');
SELECT count(*) AS nothing_queued FROM idxadvisor_builds WHERE state = 'queued';

-- a name that holds a different index is an error, named or unnamed
SELECT idxadvisor_create_concurrently('req', '{n}', 'req_n_named');
CALL idxadvisor_wait();
SELECT idxadvisor_create('req', '{n}', 'req_float_now');
SELECT idxadvisor_create_concurrently('req', '{t}', 'req_float_now');
SELECT idxadvisor_create('CREATE INDEX req_date ON req (id) WHERE d > ''2020-03-05''');
-- the same definition is skipped, whatever the settings it is written under
SET DateStyle = 'German';
SELECT idxadvisor_create('CREATE INDEX req_date ON req (id) WHERE d > ''2020-03-04''') = 'req_date'::regclass AS skipped;
RESET DateStyle;
-- unnamed: a re-run finds the index it built, under its name, and no sibling
SELECT idxadvisor_create('req', '{t, n}');
SELECT idxadvisor_create('req', '{t, n}');
-- unnamed: the index it built was replaced by a different one
DROP INDEX req_t_n_idx;
CREATE INDEX req_t_n_idx ON req (n, t);
SELECT idxadvisor_create('req', '{t, n}');
SELECT idxadvisor_create_concurrently('req', '{t, n}');
-- unnamed, the name taken by an index it did not build: the next name, as
-- CREATE INDEX would choose, and on a re-run that one again
CREATE INDEX req_n_idx ON req (n) WHERE n > 0;
SELECT idxadvisor_create('req', '{n}');
SELECT idxadvisor_create('req', '{n}');
SELECT idxadvisor_create_concurrently('req', '{n}') > 0 AS recorded;
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = 'req'::regclass AND indexrelid::regclass::text LIKE 'req\_n\_%'
 ORDER BY indexrelid::regclass::text COLLATE "C";
CALL idxadvisor_wait();

-- unnamed, an INVALID leftover of the same definition (a failed build whose
-- index could not be removed) is ours: rebuilt under its name, no sibling
CREATE INDEX req_d_idx ON req (d);
SET allow_system_table_mods = on;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'req_d_idx'::regclass;
RESET allow_system_table_mods;
SELECT idxadvisor_create('req', '{d}');
SELECT indexrelid::regclass, indisvalid FROM pg_index
 WHERE indrelid = 'req'::regclass AND indexrelid::regclass::text LIKE 'req\_d\_%';

-- drop by name: an index whose build is only queued (fresh-database replay
-- of migrations, all in one transaction): the build is cancelled, and the
-- wider index queued after it is the only one built
BEGIN;
CREATE TABLE replay (a int, b int, c text);
SELECT idxadvisor_create_concurrently('replay', '{a}', 'replay_lookup') IS NOT NULL AS queued;
SELECT idxadvisor_drop_concurrently('replay_lookup');
SELECT idxadvisor_create_concurrently('replay', '{a, b}', 'replay_lookup') IS NOT NULL AS queued;
SELECT idxadvisor_create_concurrently('replay', '{c}') IS NOT NULL AS queued;
SELECT idxadvisor_drop('public.replay_c_idx');
SELECT idxadvisor_create_concurrently('replay', '{c, a}') IS NOT NULL AS queued;
COMMIT;
CALL idxadvisor_wait();
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid) FROM pg_index
 WHERE indrelid = 'replay'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";
SELECT index_name, kind, state FROM idxadvisor_builds
 WHERE relid = 'replay'::regclass ORDER BY id;

-- drop by name of a built index, qualified or through the search_path, with
-- odd identifiers; the regclass form still works
SELECT idxadvisor_create('replay', '{b}', 'Odd "Name"') IS NOT NULL AS built;
SELECT idxadvisor_drop_concurrently('public."Odd ""Name"""') AS dropjob \gset
CALL idxadvisor_wait(:dropjob);
SELECT count(*) AS left_over FROM pg_class WHERE relname = 'Odd "Name"';
SELECT idxadvisor_drop('replay_lookup'::regclass);
SELECT idxadvisor_drop(index => 'replay_c_a_idx');
SELECT count(*) AS indexes_left FROM pg_index WHERE indrelid = 'replay'::regclass;

-- missing indexes: an error, or a notice with if_exists
SELECT idxadvisor_drop('replay_nosuch');
SELECT idxadvisor_drop_concurrently('replay_nosuch');
SELECT idxadvisor_drop('replay_nosuch', if_exists => true);
SELECT idxadvisor_drop_concurrently('nosuch_schema.replay_nosuch', true) IS NULL AS no_job;
SELECT idxadvisor_drop('replay_nosuch', NULL);
SELECT idxadvisor_drop(NULL::text);
SELECT idxadvisor_drop_concurrently('"unterminated');
SELECT idxadvisor_drop_concurrently('replay');
\set VERBOSITY sqlstate
SELECT idxadvisor_drop('replay_nosuch');
SELECT idxadvisor_drop_concurrently('"unterminated');
\set VERBOSITY default
DROP TABLE replay;

-- a build that fails on the data: idxadvisor_wait() raises the job's own
-- SQLSTATE (23505), not one code for all
CREATE TABLE dup (k int);
INSERT INTO dup VALUES (1), (1);
SELECT idxadvisor_create_concurrently('dup', '{k}', "unique" => true) AS dupjob \gset
CALL idxadvisor_wait(:dupjob);
\set VERBOSITY sqlstate
CALL idxadvisor_wait(:dupjob);
\set VERBOSITY default
SELECT state, error FROM idxadvisor_builds WHERE id = :dupjob;
DROP TABLE dup;

-- a timeout that does not fit is an error about the argument
CALL idxadvisor_wait(NULL, '300000 years');
CALL idxadvisor_wait(NULL, '1 month -40 days');
CALL idxadvisor_wait(NULL, '1 day');
\set VERBOSITY sqlstate
CALL idxadvisor_wait(NULL, '300000 years');
\set VERBOSITY default

DROP TABLE req;
DROP SCHEMA sp CASCADE;

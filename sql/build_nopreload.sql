--
-- Builds without shared_preload_libraries: the queued functions refuse with
-- a hint, the transactional ones work
--
-- Needs a server without idxadvisor in shared_preload_libraries; on one
-- with it (make installcheck) it only says so: expected/build_nopreload_1.out.
SELECT EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs a server without idxadvisor in shared_preload_libraries
\quit
\endif
DROP EXTENSION IF EXISTS idxadvisor CASCADE;
CREATE EXTENSION idxadvisor;
CREATE TABLE np (id int, v int);
SELECT idxadvisor_create_concurrently('np', '{v}');
SELECT idxadvisor_create_concurrently('CREATE INDEX ON np (v)');
SELECT idxadvisor_create('np', '{v}');
SELECT idxadvisor_drop_concurrently('np_v_idx');
SELECT index_name, command, state FROM idxadvisor_builds;
SELECT idxadvisor_drop('np_v_idx');
CALL idxadvisor_wait();
DROP TABLE np;
DROP EXTENSION idxadvisor;

--
-- Without shared_preload_libraries: CREATE EXTENSION works, the functions
-- that need shared memory say what is missing.
--
-- Needs a server without idxadvisor in shared_preload_libraries; on one
-- with it (make installcheck) it only says so: expected/nopreload_1.out.
SELECT EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs a server without idxadvisor in shared_preload_libraries
\quit
\endif
CREATE EXTENSION idxadvisor;
SHOW shared_preload_libraries;
\set VERBOSITY default
SELECT * FROM idxadvisor_scans;
SELECT idxadvisor_reset();
\set VERBOSITY sqlstate
SELECT * FROM idxadvisor_scan_stats();
\set VERBOSITY default
-- GUCs are known once the library is loaded
LOAD 'idxadvisor';
SHOW idxadvisor.enabled;
SET idxadvisor.bogus = 1;
DROP EXTENSION idxadvisor;

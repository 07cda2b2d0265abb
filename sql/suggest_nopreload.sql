--
-- idxadvisor_suggest() without shared_preload_libraries: the suggestions
-- come from the captured scans, so it says what is missing, like the other
-- functions that need shared memory.
--
-- Needs a server without idxadvisor in shared_preload_libraries; on one
-- with it (make installcheck) it only says so: expected/suggest_nopreload_1.out.
SELECT EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name = 'idxadvisor.max') AS skip \gset
\if :skip
\echo skipped: needs a server without idxadvisor in shared_preload_libraries
\quit
\endif
CREATE EXTENSION idxadvisor;
SELECT * FROM idxadvisor_suggest();
SELECT * FROM idxadvisor_suggest(verbose => true);
-- the GUC exists all the same
SET idxadvisor.min_table_pages = 10;
SHOW idxadvisor.min_table_pages;
-- out of range: refused (the message shows the range with units from 17)
\set VERBOSITY sqlstate
SET idxadvisor.min_table_pages = -1;
\set VERBOSITY default
SET idxadvisor.min_table_pages = '2MB';
SHOW idxadvisor.min_table_pages;
DROP EXTENSION idxadvisor;

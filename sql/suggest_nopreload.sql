--
-- idxadvisor_suggest() without shared_preload_libraries: the suggestions
-- come from the captured scans, so it says what is missing, like the other
-- functions that need shared memory.
--
CREATE EXTENSION idxadvisor;
SELECT * FROM idxadvisor_suggest();
SELECT * FROM idxadvisor_suggest(verbose => true);
-- the GUC exists all the same
SET idxadvisor.min_table_pages = 10;
SHOW idxadvisor.min_table_pages;
SET idxadvisor.min_table_pages = -1;
SET idxadvisor.min_table_pages = '2MB';
SHOW idxadvisor.min_table_pages;

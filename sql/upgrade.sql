--
-- An install upgraded from 1.0 with ALTER EXTENSION UPDATE has exactly the
-- objects, definitions and privileges of a fresh install of the default
-- version.  Runs with or without the library preloaded.
--
-- (an earlier test of the suite may have left it installed)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS idxadvisor;
RESET client_min_messages;
CREATE SCHEMA upgrade_check;
-- One line per member object: what it is and everything that defines it.
CREATE FUNCTION upgrade_check.members() RETURNS SETOF text
LANGUAGE sql AS $$
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) || ' | ' ||
       pg_catalog.concat_ws(' | ',
         (SELECT pg_catalog.concat_ws(' ', p.prokind, p.provolatile, p.proisstrict,
                 p.proparallel, p.prosecdef, p.prosrc, p.probin,
                 pg_catalog.pg_get_function_arguments(p.oid),
                 pg_catalog.pg_get_function_result(p.oid), p.proacl::text,
                 p.proconfig::text)
            FROM pg_catalog.pg_proc p
           WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.objid),
         (SELECT pg_catalog.concat_ws(' ', c.relkind, c.relacl::text, c.reloptions::text,
                 CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END,
                 (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', a.attname,
                           pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                           a.attidentity, a.attgenerated,
                           pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)), ', ' ORDER BY a.attnum)
                    FROM pg_catalog.pg_attribute a
                    LEFT JOIN pg_catalog.pg_attrdef ad
                           ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                 (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ', '
                                               ORDER BY pg_catalog.pg_get_indexdef(i.indexrelid))
                    FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid),
                 (SELECT pg_catalog.string_agg(pg_catalog.pg_get_constraintdef(k.oid), ', '
                                               ORDER BY pg_catalog.pg_get_constraintdef(k.oid))
                    FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid))
            FROM pg_catalog.pg_class c
           WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objid))
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = 'idxadvisor'
$$;
CREATE TEMP TABLE upgraded (line text);
CREATE TEMP TABLE fresh (line text);

CREATE EXTENSION idxadvisor VERSION '1.0';
ALTER EXTENSION idxadvisor UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions
                      WHERE name = 'idxadvisor') AS at_default_version
  FROM pg_extension WHERE extname = 'idxadvisor';
INSERT INTO upgraded SELECT upgrade_check.members();
DROP EXTENSION idxadvisor;

CREATE EXTENSION idxadvisor;
INSERT INTO fresh SELECT upgrade_check.members();
DROP EXTENSION idxadvisor;

SELECT count(*) > 10 AS has_members FROM fresh;
-- Both lists must be empty.
(SELECT 'only upgraded' AS side, line FROM upgraded EXCEPT SELECT 'only upgraded', line FROM fresh)
UNION ALL
(SELECT 'only fresh', line FROM fresh EXCEPT SELECT 'only fresh', line FROM upgraded)
ORDER BY 1, 2;

-- Privileges a DBA changed on 1.0 functions that 1.1 replaces survive the
-- update: a migration role keeps its drops (also by name), and a report
-- revoked from PUBLIC stays revoked.
CREATE ROLE regress_upgrade_migrator;
CREATE ROLE regress_upgrade_reader;
CREATE EXTENSION idxadvisor VERSION '1.0';
GRANT EXECUTE ON FUNCTION idxadvisor_drop(regclass) TO regress_upgrade_migrator;
GRANT EXECUTE ON FUNCTION idxadvisor_drop_concurrently(regclass) TO regress_upgrade_migrator
  WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION idxadvisor_unindexed_foreign_keys() FROM PUBLIC;
-- (idxadvisor_scans and the function behind it are created again by 1.1)
REVOKE SELECT ON idxadvisor_scans FROM PUBLIC;
GRANT SELECT ON idxadvisor_scans TO regress_upgrade_reader;
GRANT SELECT ON idxadvisor_scans TO regress_upgrade_migrator WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION idxadvisor_scan_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION idxadvisor_scan_stats() TO regress_upgrade_reader;
ALTER EXTENSION idxadvisor UPDATE;
SELECT p.oid::regprocedure AS function,
       has_function_privilege('regress_upgrade_migrator', p.oid, 'EXECUTE') AS migrator,
       has_function_privilege('regress_upgrade_migrator', p.oid, 'EXECUTE WITH GRANT OPTION') AS migrator_grant,
       has_function_privilege('regress_upgrade_reader', p.oid, 'EXECUTE') AS reader
  FROM pg_proc p
 WHERE p.proname IN ('idxadvisor_drop', 'idxadvisor_drop_concurrently',
                     'idxadvisor_unindexed_foreign_keys', 'idxadvisor_duplicates')
 ORDER BY p.oid::regprocedure::text COLLATE "C";
SELECT 'idxadvisor_scans'::regclass AS view,
       pg_attribute.attnum AS new_columns_from,
       has_table_privilege('regress_upgrade_reader', 'idxadvisor_scans', 'SELECT') AS reader,
       has_table_privilege('regress_upgrade_migrator', 'idxadvisor_scans', 'SELECT WITH GRANT OPTION') AS migrator_grant,
       has_table_privilege('public', 'idxadvisor_scans', 'SELECT') AS public,
       has_function_privilege('regress_upgrade_reader', 'idxadvisor_scan_stats()', 'EXECUTE') AS reader_stats,
       has_function_privilege('regress_upgrade_migrator', 'idxadvisor_scan_stats()', 'EXECUTE') AS migrator_stats
  FROM pg_attribute
 WHERE attrelid = 'idxadvisor_scans'::regclass AND attname = 'shape';
DROP EXTENSION idxadvisor;
DROP ROLE regress_upgrade_migrator;
DROP ROLE regress_upgrade_reader;

-- Only the versions we ship are offered.
SELECT version FROM pg_available_extension_versions
 WHERE name = 'idxadvisor' ORDER BY version COLLATE "C";
SELECT source, target FROM pg_extension_update_paths('idxadvisor')
 WHERE path IS NOT NULL ORDER BY source COLLATE "C", target COLLATE "C";

DROP SCHEMA upgrade_check CASCADE;

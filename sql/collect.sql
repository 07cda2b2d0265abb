--
-- Read replicas (issue 16): idxadvisor_collect() and its bad input.  A real
-- standby is in test/t/120_replicas.pl; here, everything that is refused
-- before or at connecting.  Same output with and without the library
-- preloaded: nothing here reads the capture.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS idxadvisor;
RESET client_min_messages;

-- NULL and malformed input
SELECT * FROM idxadvisor_collect(NULL);
SELECT * FROM idxadvisor_collect(NULL, 'sb1');
SELECT * FROM idxadvisor_collect('host=/nonexistent', '');
SELECT * FROM idxadvisor_collect('host=/nonexistent', 'local');
SELECT * FROM idxadvisor_collect('host=/nonexistent', repeat('n', 64));
SELECT * FROM idxadvisor_collect('host=/nonexistent nosuchoption=1', 'sb1');
-- a malformed string with a password in it is not quoted back
SELECT * FROM idxadvisor_collect('host=/nonexistent password=se cret', 'sb1');
SELECT * FROM idxadvisor_collect('postgresql://u:secret@[::1/db', 'sb1');
\set VERBOSITY terse

-- an unreachable standby: a clear error naming the node, and nothing changes
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1', 'sb1');
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1');
SELECT count(*) FROM idxadvisor_nodes;

-- who may collect: revoked from PUBLIC; a role granted it must give a
-- password, which then must be checked by the standby
CREATE ROLE idxadv_collector;
SET ROLE idxadv_collector;
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1', 'sb1');
SELECT idxadvisor_forget_node('sb1');
RESET ROLE;
GRANT EXECUTE ON FUNCTION idxadvisor_collect(text, text) TO idxadv_collector;
SET ROLE idxadv_collector;
\set VERBOSITY default
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1', 'sb1');
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1 password=', 'sb1');
\set VERBOSITY terse
SELECT * FROM idxadvisor_collect('host=/nonexistent port=1 password=x', 'sb1');
-- the collected data is not readable directly, only through the views
SELECT count(*) FROM idxadvisor_node_scan_data;
SELECT count(*) FROM idxadvisor_node_scans WHERE node <> 'local';
SELECT count(*) FROM idxadvisor_node_index_scans();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION idxadvisor_collect(text, text) FROM idxadv_collector;
DROP ROLE idxadv_collector;

-- forgetting a node
SELECT idxadvisor_forget_node(NULL);
SELECT idxadvisor_forget_node('never collected');

-- exporting needs pg_read_all_stats (and, when it has it, the preload)
CREATE ROLE idxadv_exporter;
SET ROLE idxadv_exporter;
SELECT count(*) FROM idxadvisor_export_scans();
RESET ROLE;
DROP ROLE idxadv_exporter;

# A job whose cleanup itself is killed, again and again, does not crash the
# server forever: each kill -9 of a worker is a crash restart, which forgets
# the stops counted in shared memory, but the claims counted in the job row
# survive it, and past IDXADV_MAX_CLAIMS (6) the job ends failed at once,
# touching nothing, with what the DBA must drop.
#
# A prepared transaction holds SHARE on the table through the crash
# restarts, so every attempt at dropping the REINDEX leftover <index>_ccnew
# (before each run, and in the cleanup after the runs) waits on it; the
# worker is killed while it waits.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('cleanupcrash', "max_prepared_transactions = 2\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE t (id int, v int);
	INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;
	CREATE INDEX t_v ON t (v);
	CREATE INDEX t_v_ccnew ON t (id) WHERE id < 0;
	UPDATE pg_index SET indisvalid = false
	 WHERE indexrelid = 't_v_ccnew'::regclass;
});
$node->safe_psql('postgres', q{
	BEGIN;
	LOCK TABLE t IN SHARE MODE;
	PREPARE TRANSACTION 'blocker';
});
my $id = $node->safe_psql('postgres',
	"SELECT idxadvisor_reindex_concurrently('t_v')");

# kill the job's worker each time it waits for the table lock, until the
# job ends (at most 10 times: without the limit it never ends)
my $kills = 0;
while ($kills < 10)
{
	$node->poll_query_until('postgres', qq{
		SELECT state NOT IN ('queued', 'running')
		    OR EXISTS (SELECT 1 FROM pg_stat_activity
		                WHERE application_name = 'idxadvisor build $id'
		                  AND wait_event_type = 'Lock')
		  FROM idxadvisor_build_jobs WHERE id = $id})
	  or die "job $id neither ended nor waited: " . job_state($node, 'postgres', $id);
	last if job_state($node, 'postgres', $id) !~ /^(queued|running)/;
	my $pid = $node->safe_psql('postgres', qq{
		SELECT pid FROM pg_stat_activity
		 WHERE application_name = 'idxadvisor build $id' AND wait_event_type = 'Lock'});
	next if $pid eq '';
	ok(kill('KILL', $pid), "worker $pid killed while waiting in its cleanup");
	$kills++;
}

# (after the last kill, the server is back first)
$node->poll_query_until('postgres', 'SELECT true')
  or die 'the server did not come back';
like(job_state($node, 'postgres', $id),
	qr/^failed the job was interrupted 6 times, also while cleaning up after itself, and was given up without cleaning up: INVALID copies .* t_v_ccnew or t_v_ccold/,
	'the job failed after 6 claims, naming what may remain');
is($kills, 6, 'three runs and three cleanups were killed, then no more');
is( $node->safe_psql('postgres',
		"SELECT attempts, sqlstate FROM idxadvisor_build_jobs WHERE id = $id"),
	'7|55000', 'the claims were counted in the job row across crash restarts');

# nothing runs any more: the leftover is the DBA's, as the job says
sleep(2);
is( $node->safe_psql('postgres', qq{
		SELECT count(*) FROM pg_stat_activity
		 WHERE application_name = 'idxadvisor build $id'}),
	'0', 'no worker of the job is left');
is(invalid_indexes($node, 'postgres'), 't_v_ccnew', 'the leftover is untouched');
$node->safe_psql('postgres', "ROLLBACK PREPARED 'blocker'");
$node->safe_psql('postgres', 'DROP INDEX CONCURRENTLY t_v_ccnew');

# and the index can be reindexed again
my $again = $node->safe_psql('postgres',
	"SELECT idxadvisor_reindex_concurrently('t_v')");
wait_job_state($node, 'postgres', $again, 'done');
is(invalid_indexes($node, 'postgres'), '', 'a new reindex job runs');

$node->stop;
done_testing();

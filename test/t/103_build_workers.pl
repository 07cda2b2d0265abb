# Jobs wait, queued, while max_worker_processes is exhausted, then finish;
# databases work independently of each other.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

# the logical replication launcher and ours take two of the three slots
my $node = build_node('workers',
	"max_worker_processes = 3\n"
	  . "max_parallel_workers = 0\n"
	  . "max_parallel_maintenance_workers = 0\n"
	  . "idxadvisor.max_builds = 8\n");

foreach my $db ('db1', 'db2')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, q{
		CREATE EXTENSION idxadvisor;
		CREATE TABLE t (id int, v int);
		INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 10000) g;
	});
}

# the only free worker slot is taken by a build of db1 that waits
my $old = $node->background_psql('db1');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
my $id1 = $node->safe_psql('db1', "SELECT idxadvisor_create_concurrently('t', ARRAY['v'])");
wait_phase($node, 'db1', 'waiting for old snapshots');

my $id2 = $node->safe_psql('db2', "SELECT idxadvisor_create_concurrently('t', ARRAY['v'])");
sleep(3);    # the launcher tries once a second
is(job_state($node, 'db2', $id2), 'queued ',
	'with no worker slot free the job stays queued');

$old->query_safe('COMMIT');
wait_job_state($node, 'db1', $id1, 'done');
wait_job_state($node, 'db2', $id2, 'done');
pass('both jobs finished once a slot was free');

# with slots free, a build stuck in db1 does not hold up db2
$node->append_conf('postgresql.conf', "max_worker_processes = 8\n");
$node->restart;
$old = $node->background_psql('db1');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
$id1 = $node->safe_psql('db1', "SELECT idxadvisor_create_concurrently('t', ARRAY['id'])");
wait_phase($node, 'db1', 'waiting for old snapshots');
$id2 = $node->safe_psql('db2', "SELECT idxadvisor_create_concurrently('t', ARRAY['id'])");
$node->safe_psql('db2', "CALL idxadvisor_wait($id2)");
is(job_state($node, 'db2', $id2), 'done ', 'db2 built while db1 waits');
is(job_state($node, 'db1', $id1), 'running ', 'db1 still waits');
$old->query_safe('COMMIT');
$old->quit;
$node->safe_psql('db1', "CALL idxadvisor_wait($id1)");
is(job_state($node, 'db1', $id1), 'done ', 'db1 built');
is(invalid_indexes($node, $_), '', "no INVALID index in $_") foreach ('db1', 'db2');

$node->stop;
done_testing();

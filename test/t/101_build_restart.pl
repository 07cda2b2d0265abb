# A build interrupted by a fast restart, an immediate stop or a killed
# worker is resumed after the restart: the job ends done, no INVALID index
# is left behind.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('restart');
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE big (id int, v int);
	INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 100000) g;
});

foreach my $mode ('fast', 'immediate', 'kill9')
{
	# an old snapshot keeps the build waiting, with its INVALID index there
	my $old = $node->background_psql('postgres');
	$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	$old->query_safe('SELECT count(*) FROM big');

	my $id = $node->safe_psql('postgres',
		"SELECT idxadvisor_create_concurrently('big', ARRAY['v'], 'big_v_$mode')");
	wait_phase($node, 'postgres', 'waiting for old snapshots');
	is(invalid_indexes($node, 'postgres'), "big_v_$mode",
		"$mode: the build is half done");

	if ($mode eq 'kill9')
	{
		my $pid = $node->safe_psql('postgres',
			"SELECT pid FROM idxadvisor_builds WHERE id = $id");
		ok(kill('KILL', $pid), "$mode: worker $pid killed");
	}
	elsif ($mode eq 'immediate')
	{
		$node->stop('immediate');
		$node->start;
	}
	else
	{
		$node->restart;
	}
	eval { $old->quit; };

	wait_job_state($node, 'postgres', $id, 'done');
	is(invalid_indexes($node, 'postgres'), '', "$mode: no INVALID index left");
	is( $node->safe_psql('postgres',
			"SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v_$mode'::regclass"),
		't',
		"$mode: the index was built again");
	cmp_ok(
		$node->safe_psql('postgres',
			"SELECT attempts FROM idxadvisor_build_jobs WHERE id = $id"),
		'>=', 2, "$mode: the job was resumed");
}

$node->stop;
done_testing();

# test/IdxadvBuildTest.pm -- helpers of the build TAP tests (test/t/1xx_*.pl)
package IdxadvBuildTest;

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Exporter 'import';

our @EXPORT = qw(build_node wait_phase wait_job_state job_state invalid_indexes);

# A started node with the library preloaded; extra settings in $conf.
sub build_node
{
	my ($name, $conf, %init) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%init);
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'idxadvisor'\n"
		  . "max_worker_processes = 16\n"
		  . "restart_after_crash = on\n"
		  . ($conf // ''));
	$node->start;
	return $node;
}

# Wait until a build of $db is in the given phase of
# pg_stat_progress_create_index.
sub wait_phase
{
	my ($node, $db, $phase) = @_;
	$node->poll_query_until($db,
		"SELECT EXISTS (SELECT 1 FROM idxadvisor_builds WHERE phase = '$phase')")
	  or die "build never reached phase \"$phase\"";
}

# Wait until job $id of $db is in $state (retries through restarts).
sub wait_job_state
{
	my ($node, $db, $id, $state) = @_;
	$node->poll_query_until($db,
		"SELECT state FROM idxadvisor_build_jobs WHERE id = $id", $state)
	  or die "job $id never reached state \"$state\": "
	  . job_state($node, $db, $id);
}

sub job_state
{
	my ($node, $db, $id) = @_;
	return $node->safe_psql($db,
		"SELECT state || ' ' || coalesce(error, '') FROM idxadvisor_build_jobs WHERE id = $id");
}

# Names of the INVALID indexes of a database
sub invalid_indexes
{
	my ($node, $db) = @_;
	return $node->safe_psql($db,
		"SELECT coalesce(string_agg(indexrelid::regclass::text, ','), '') FROM pg_index WHERE NOT indisvalid");
}

1;

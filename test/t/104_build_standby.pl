# A hot standby refuses to queue builds (or to build at all), with a clear
# error; the standby gets the primary's builds by replication.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $primary = build_node('primary', '', allows_streaming => 1);
$primary->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE t (id int, v int);
	INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 1000) g;
});
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

foreach my $sql (
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'])",
	"SELECT idxadvisor_create_concurrently('CREATE INDEX ON t (v)')",
	"SELECT idxadvisor_create('t', ARRAY['v'])")
{
	my ($ret, $stdout, $stderr) = $standby->psql('postgres', $sql);
	like($stderr, qr/cannot run during recovery.*\n.*hot standby/,
		"standby refuses: $sql");
}

my $id = $primary->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'])");
$primary->safe_psql('postgres', "CALL idxadvisor_wait($id)");
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres',
	"SELECT state FROM idxadvisor_builds WHERE id = $id"), 'done',
	'the standby sees the job done');
is($standby->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v_idx'::regclass"),
	't', 'and the index');
foreach my $sql ("SELECT idxadvisor_drop_concurrently('t_v_idx')",
	"SELECT idxadvisor_drop('t_v_idx')")
{
	my ($ret, $stdout, $stderr) = $standby->psql('postgres', $sql);
	like($stderr, qr/cannot run during recovery/, "standby refuses: $sql");
}

$standby->stop;
$primary->stop;
done_testing();

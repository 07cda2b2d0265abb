# Read replicas (issue 16): a hot standby captures its own scans; the primary
# gathers them with idxadvisor_collect() and counts them in its suggestions
# and per-node index scan counts, never twice; everything that changes
# something refuses to run on the standby.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $primary = build_node('primary', '', allows_streaming => 1);
$primary->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE t (id int, v int, w text);
	INSERT INTO t SELECT g, g % 1000, 'w' || g FROM generate_series(1, 100000) g;
	CREATE INDEX t_w ON t (w);
	CREATE INDEX t_id_w ON t (id, w);
	ANALYZE t;
	CREATE ROLE reader LOGIN IN ROLE pg_read_all_stats;
	CREATE ROLE outsider LOGIN;
	CREATE ROLE collector LOGIN PASSWORD 'pw';
	GRANT EXECUTE ON FUNCTION idxadvisor_collect(text, text) TO collector;
});
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

my $sb = $standby->connstr;
my ($ret, $stdout, $stderr);

# the workload of the standby only
sub standby_scans
{
	my ($n) = @_;
	$standby->safe_psql('postgres',
		join('', map { "SELECT count(*) FROM t WHERE v = $_;\n" } 1 .. $n));
}

sub collect
{
	my ($conninfo, $node) = @_;
	return $primary->safe_psql('postgres',
		"SELECT scans_added FROM idxadvisor_collect('$conninfo', '$node')");
}

sub primary_value
{
	return $primary->safe_psql('postgres', $_[0]);
}

# 1. capture works on the standby, in shared memory only
standby_scans(5);
$standby->safe_psql('postgres', "SELECT * FROM t WHERE w = 'w42'");
is($standby->safe_psql('postgres',
	"SELECT columns, executions FROM idxadvisor_scans WHERE relid = 't'::regclass"),
	'{v}|5', 'the standby captures its own scans');
is($standby->safe_psql('postgres',
	"SELECT sum(executions) FROM idxadvisor_scan_stats()"),
	'5', 'idxadvisor_scan_stats() reads there');
is(primary_value("SELECT count(*) FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'0', 'the primary knows nothing of them yet');

# 3. what changes something refuses on the standby, with a hint
foreach my $sql (
	"SELECT idxadvisor_create('t', ARRAY['v'])",
	"SELECT idxadvisor_create('CREATE INDEX ON t (v)')",
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'])",
	"SELECT idxadvisor_create_concurrently('CREATE INDEX ON t (v)')",
	"SELECT idxadvisor_drop('t_w'::regclass)",
	"SELECT idxadvisor_drop('t_w')",
	"SELECT idxadvisor_drop_concurrently('t_w'::regclass)",
	"SELECT idxadvisor_drop_concurrently('t_w')",
	"SELECT idxadvisor_cancel(1)",
	"SELECT idxadvisor_reindex_concurrently('t_w')",
	"SELECT idxadvisor_restore(1)",
	"SELECT idxadvisor_collect('$sb', 'sb1')",
	"SELECT idxadvisor_forget_node('sb1')")
{
	($ret, $stdout, $stderr) = $standby->psql('postgres', $sql);
	like($stderr, qr/cannot run during recovery.*\n.*hot standby.*\n.*HINT:  Run it on the primary server/,
		"standby refuses: $sql");
}

is(primary_value("SELECT drop_ddl IS NOT NULL FROM idxadvisor_unused_indexes() WHERE index = 't_w'::regclass"),
	't', 'before collecting, the index scanned only on the standby is reported unused');

# 2. collect: the suggestion appears on the primary with the standby's counts
is( primary_value("SELECT collected_node || ' ' || scan_entries || ' ' || scans_added
		FROM idxadvisor_collect('$sb')"),
	'standby 1 5', 'collected, named after the standby\'s cluster_name');
is(primary_value("SELECT columns, seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'{v}|5', 'the suggestion counts the standby\'s scans');
is(primary_value("SELECT node, columns, executions FROM idxadvisor_node_scans"),
	'standby|{v}|5', 'idxadvisor_node_scans names the node');
is(primary_value("SELECT idx_scan FROM idxadvisor_node_index_scans() WHERE indexrelid = 't_w'::regclass"),
	'1', 'an index scanned only on the standby has its scan counted per node');
is(primary_value("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelid = 't_w'::regclass"),
	'0', 'and none on the primary');
is(primary_value("SELECT count(*) FROM idxadvisor_unused_indexes() WHERE index = 't_w'::regclass"),
	'0', 'an index scanned only on the standby is not reported unused');
is(primary_value("SELECT count(*) FROM idxadvisor_unused_indexes('0') WHERE index = 't_w'::regclass"),
	'0', 'whatever the window');
like(primary_value("SELECT reason FROM idxadvisor_unused_indexes() WHERE index = 't_id_w'::regclass"),
	qr/count as far as idxadvisor_collect\(\) gathered them/,
	'the report says the standbys\' scans are counted');

# collecting twice does not double counts
is(collect($sb, 'standby'), '0', 'a second collection adds nothing');
is(primary_value("SELECT seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'5', 'the suggestion still counts 5');
is(primary_value("SELECT sum(idx_scan) FROM idxadvisor_node_index_scans() WHERE indexrelid = 't_w'::regclass"),
	'1', 'the index scans still 1');

# the standby reads what the primary collected, but its suggestions count
# its own capture only, which holds the same scans
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', "SELECT sum(executions) FROM idxadvisor_node_scans WHERE node = 'standby'"),
	'5', 'the standby sees the collected scans');
is($standby->safe_psql('postgres', "SELECT seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'5', 'and does not count them twice in its own suggestions');

# new scans count once
standby_scans(3);
is(collect($sb, 'standby'), '3', 'three new scans');
is(primary_value("SELECT seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'8', 'the suggestion counts 8');

# a clean restart of the standby keeps its counters: nothing counts twice
$standby->restart;
is($standby->safe_psql('postgres', "SELECT sum(executions) FROM idxadvisor_scans"),
	'8', 'the standby kept its scans over a restart');
is(collect($sb, 'standby'), '0', 'a collection after the restart adds nothing');

# counters reset on the standby: what it counts since then is new
$standby->safe_psql('postgres', 'SELECT idxadvisor_reset()');
standby_scans(2);
is(collect($sb, 'standby'), '2', 'after a reset there, its new scans count');
is(primary_value("SELECT seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'10', 'the suggestion counts 10');
$standby->safe_psql('postgres', 'SELECT pg_stat_reset()');
$standby->safe_psql('postgres', "SELECT * FROM t WHERE w = 'w43'");
$primary->safe_psql('postgres', "SELECT idxadvisor_collect('$sb', 'standby')");
is(primary_value("SELECT idx_scan FROM idxadvisor_node_index_scans() WHERE indexrelid = 't_w'::regclass"),
	'2', 'index scans after pg_stat_reset() there count as new');

# dropping an index scanned on a standby says so
($ret, $stdout, $stderr) = $primary->psql('postgres',
	"BEGIN; SELECT idxadvisor_drop('t_w'); ROLLBACK;");
like($stderr, qr/WARNING:  index "t_w" was scanned 2 times on standbys/,
	'a drop warns of the scans on standbys');

# an unreachable standby: a clear error, and the rest is intact
($ret, $stdout, $stderr) = $primary->psql('postgres',
	"SELECT idxadvisor_collect('host=/nonexistent port=1', 'standby')");
like($stderr, qr/could not connect to node "standby"/, 'unreachable: a clear error');
unlike($stderr, qr/nonexistent port=1/, 'which does not echo the connection string');
is(primary_value("SELECT collections FROM idxadvisor_nodes WHERE node = 'standby'"),
	'6', 'the failed collection left no trace');
is(primary_value("SELECT seq_scans FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'10', 'and the counts are intact');

# not a standby of ours
($ret, $stdout, $stderr) = $primary->psql('postgres',
	"SELECT idxadvisor_collect('" . $primary->connstr . "', 'self')");
like($stderr, qr/node "self" is not a standby/, 'the primary itself is refused');

# the standby's role needs pg_read_all_stats
($ret, $stdout, $stderr) = $primary->psql('postgres',
	"SELECT idxadvisor_collect('$sb user=outsider', 'standby')");
like($stderr, qr/permission denied to export the captured scans/,
	'a standby role without pg_read_all_stats is refused');
is(collect("$sb user=reader", 'standby'), '0', 'one with it may collect');

# a role that is not a superuser may not use the server's own credentials:
# the standby here trusts local connections, so the password is not used
($ret, $stdout, $stderr) = $primary->psql('postgres',
	"SELECT idxadvisor_collect('$sb user=reader password=pw', 'standby')",
	extra_params => [ '-U', 'collector' ]);
like($stderr, qr/password is required.*\n.*did not ask for the password/,
	'a non-superuser needs a password the standby checks');

# forgetting the node
is(primary_value("SELECT idxadvisor_forget_node('standby')"), 't', 'forget the node');
is(primary_value("SELECT count(*) FROM idxadvisor_suggest() WHERE relid = 't'::regclass"),
	'0', 'and its scans no longer count');
is(primary_value("SELECT drop_ddl IS NOT NULL FROM idxadvisor_unused_indexes() WHERE index = 't_w'::regclass"),
	't', 'nor its index scans');

$standby->stop;
$primary->stop;
done_testing();

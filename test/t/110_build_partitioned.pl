# idxadvisor_create_concurrently() on a partitioned table, with writers in
# every partition: no insert waits longer than the lock timeout (the
# writers' own lock_timeout, a few times idxadvisor.build_lock_timeout,
# would fail them), the partitioned index ends valid with every partition's
# index attached.  Then the same build interrupted by an immediate stop
# while a partition's index is half built: after the restart the job goes on
# and ends with the same indexes, and no INVALID one.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use IdxadvBuildTest;

my $node = build_node('partitioned', "idxadvisor.build_lock_timeout = '1s'\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE ev (id int, v int, note text) PARTITION BY RANGE (id);
	CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM (0) TO (100000);
	CREATE TABLE ev_2 PARTITION OF ev FOR VALUES FROM (100000) TO (200000);
	CREATE TABLE ev_3 PARTITION OF ev FOR VALUES FROM (200000) TO (300000)
	  PARTITION BY HASH (id);
	CREATE TABLE ev_3a PARTITION OF ev_3 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
	CREATE TABLE ev_3b PARTITION OF ev_3 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
	INSERT INTO ev SELECT g * 10, g % 1000, 'row'
	  FROM generate_series(0, 29999) g;
	CREATE TABLE leaves AS
	  SELECT relid::regclass AS leaf FROM pg_partition_tree('ev') WHERE isleaf;
});

# the index tree of column $col: name, table, valid, the index it is
# attached to
sub tree
{
	my ($col) = @_;
	return $node->safe_psql('postgres', qq{
	SELECT string_agg(concat_ws(' ', i.indexrelid::regclass,
	                            i.indrelid::regclass, i.indisvalid,
	                            h.inhparent::regclass), E'\n'
	                  ORDER BY i.indexrelid::regclass::text COLLATE "C")
	  FROM pg_index i LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid
	 WHERE i.indrelid IN (SELECT relid FROM pg_partition_tree('ev'))
	   AND pg_get_indexdef(i.indexrelid) LIKE '%($col)%'});
}

# Writers: 4 clients inserting into every partition (ids spread over all
# ranges), each insert its own transaction, for the whole build.
my $script = $node->basedir . '/insert.sql';
open(my $fh, '>', $script) or die;
print $fh "\\set id random(0, 299999)\n"
  . "INSERT INTO ev VALUES (:id, :id % 1000, 'writer');\n";
close $fh;
my %leaf_rows = map { $_ => 0 } split /\n/,
  $node->safe_psql('postgres', 'SELECT leaf FROM leaves');
foreach my $leaf (keys %leaf_rows)
{
	$leaf_rows{$leaf} =
	  $node->safe_psql('postgres', "SELECT count(*) FROM $leaf");
}
my ($out, $err) = ('', '');
local $ENV{PGOPTIONS} = '-c lock_timeout=5s';
my $writers = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '4', '-j', '2', '-T', '600',
		'-f', $script, '-d', $node->connstr('postgres')
	],
	'>', \$out, '2>', \$err);

# let them run, then build
sleep 1;
my $id = $node->safe_psql('postgres',
	"BEGIN; SELECT idxadvisor_create_concurrently('ev', ARRAY['v']); COMMIT;");
wait_job_state($node, 'postgres', $id, 'done');
sleep 1;
$writers->signal('INT');
$writers->finish;
unlike($err, qr/lock timeout|canceling statement|aborted/,
	'no writer waited for a lock longer than its lock_timeout')
  or diag($err);
foreach my $leaf (sort keys %leaf_rows)
{
	cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM $leaf"),
		'>', $leaf_rows{$leaf}, "$leaf got rows during the build");
}
my $tree = tree('v');
is( $tree, join("\n",
		'ev_1_v_idx ev_1 t ev_v_idx',
		'ev_2_v_idx ev_2 t ev_v_idx',
		'ev_3_v_idx ev_3 t ev_v_idx',
		'ev_3a_v_idx ev_3a t ev_3_v_idx',
		'ev_3b_v_idx ev_3b t ev_3_v_idx',
		'ev_v_idx ev t'),
	'every partition has its index, attached; the partitioned indexes are valid');
is(invalid_indexes($node, 'postgres'), '', 'no INVALID index');

# The same build again, interrupted while ev_1's index waits for an old
# snapshot (half built, INVALID)
$node->safe_psql('postgres', 'DROP INDEX ev_v_idx');
my $old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM ev_2');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('ev', ARRAY['v'])");
wait_phase($node, 'postgres', 'waiting for old snapshots');
is(invalid_indexes($node, 'postgres'), 'ev_1_v_idx',
	'interrupted while a partition index is half built');
$node->stop('immediate');
$node->start;
eval { $old->quit; };
wait_job_state($node, 'postgres', $id, 'done');
is(tree('v'), $tree, 'after the restart: the same indexes');
is(invalid_indexes($node, 'postgres'), '', 'after the restart: no INVALID index');
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT attempts FROM idxadvisor_build_jobs WHERE id = $id"),
	'>=', 2, 'the job was resumed');

$node->stop;
done_testing();

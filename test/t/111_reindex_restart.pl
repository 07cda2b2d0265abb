# A REINDEX INDEX CONCURRENTLY queued by idxadvisor_reindex_concurrently()
# and interrupted by a crash of the server, before the swap of the old and
# new index (it leaves <index>_ccnew) or after it (it leaves <index>_ccold),
# ends done after the restart with a valid index and nothing left behind.
# And a dropped index restored after a restart.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('reindex');
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE big (id int, v int);
	INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 100000) g;
});

sub leftovers
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname LIKE 'big\\_v\\_%\\_cc%'");
}

# before the swap: an old snapshot keeps REINDEX waiting with its new copy
# built but not valid; after it: a reader of the table keeps it waiting to
# mark the old index dead
foreach my $case (
	[ 'immediate', 'REPEATABLE READ', 'waiting for old snapshots', 'ccnew' ],
	[ 'kill9', 'REPEATABLE READ', 'waiting for old snapshots', 'ccnew' ],
	[ 'kill9', 'READ COMMITTED', 'waiting for readers before marking dead', 'ccold' ])
{
	my ($mode, $isolation, $phase, $left) = @$case;
	my $name = "big_v_${mode}_" . ($left eq 'ccnew' ? 'pre' : 'post');

	$node->safe_psql('postgres', "CREATE INDEX $name ON big (v)");
	my $oid = $node->safe_psql('postgres', "SELECT '$name'::regclass::oid");

	my $old = $node->background_psql('postgres');
	$old->query_safe("BEGIN ISOLATION LEVEL $isolation");
	$old->query_safe('SELECT count(*) FROM big');

	my $id = $node->safe_psql('postgres',
		"SELECT idxadvisor_reindex_concurrently('$name')");
	wait_phase($node, 'postgres', $phase);
	is(invalid_indexes($node, 'postgres'), "${name}_$left",
		"$name: REINDEX is half done");

	if ($mode eq 'kill9')
	{
		my $pid = $node->safe_psql('postgres',
			"SELECT pid FROM idxadvisor_builds WHERE id = $id");
		ok(kill('KILL', $pid), "$name: worker $pid killed");
	}
	else
	{
		$node->stop('immediate');
		$node->start;
	}
	eval { $old->quit; };

	wait_job_state($node, 'postgres', $id, 'done');
	is(leftovers(), '', "$name: no _ccnew or _ccold left");
	is(invalid_indexes($node, 'postgres'), '', "$name: no INVALID index left");
	is( $node->safe_psql('postgres',
			"SELECT indisvalid AND indexrelid <> $oid FROM pg_index WHERE indexrelid = '$name'::regclass"),
		't',
		"$name: the index was rebuilt");
	cmp_ok(
		$node->safe_psql('postgres',
			"SELECT attempts FROM idxadvisor_build_jobs WHERE id = $id"),
		'>=', 2, "$name: the job was resumed");
}

# a running reindex cancelled: the worker drops its copy, the index stays
{
	$node->safe_psql('postgres', 'CREATE INDEX big_v_cancel ON big (v)');
	my $oid = $node->safe_psql('postgres', "SELECT 'big_v_cancel'::regclass::oid");
	my $old = $node->background_psql('postgres');
	$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	$old->query_safe('SELECT count(*) FROM big');
	my $id = $node->safe_psql('postgres',
		"SELECT idxadvisor_reindex_concurrently('big_v_cancel')");
	wait_phase($node, 'postgres', 'waiting for old snapshots');
	is($node->safe_psql('postgres', "SELECT idxadvisor_cancel($id)"),
		't', 'cancel: a running reindex is cancelled');
	# the copy is dropped concurrently: that waits for the old transaction
	$old->quit;
	wait_job_state($node, 'postgres', $id, 'cancelled');
	is(leftovers(), '', 'cancel: no _ccnew left');
	is( $node->safe_psql('postgres',
			"SELECT indisvalid AND indexrelid = $oid FROM pg_index WHERE indexrelid = 'big_v_cancel'::regclass"),
		't',
		'cancel: the index is the one it was');
}

# another session's temporary table: refused as REINDEX refuses it
{
	my $tmp = $node->background_psql('postgres');
	$tmp->query_safe('CREATE TEMP TABLE tmp (a int)');
	$tmp->query_safe('CREATE INDEX tmp_a ON tmp (a)');
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SELECT idxadvisor_reindex_concurrently(oid) FROM pg_class WHERE relname = 'tmp_a'");
	like($stderr, qr/cannot reindex temporary tables of other sessions/,
		"another session's temporary index is refused");
	$tmp->quit;
}

# a dropped index, restored after a restart by a one-line downgrade
$node->safe_psql('postgres',
	"CREATE INDEX \"big v\" ON big (v DESC) INCLUDE (id) WHERE v > 10");
my $def = $node->safe_psql('postgres',
	"SELECT pg_get_indexdef('\"big v\"'::regclass)");
my $drop = $node->safe_psql('postgres',
	"SELECT idxadvisor_drop_concurrently('\"big v\"')");
wait_job_state($node, 'postgres', $drop, 'done');
$node->restart;
my $restore = $node->safe_psql('postgres', q{
	BEGIN;
	SELECT idxadvisor_restore(max(id)) FROM idxadvisor_builds WHERE kind = 'drop' AND state = 'done' AND index_name = 'big v';
	COMMIT;
});
wait_job_state($node, 'postgres', $restore, 'done');
is( $node->safe_psql('postgres',
		"SELECT pg_get_indexdef('\"big v\"'::regclass)"),
	$def, 'the dropped index is restored as it was');

$node->stop;
done_testing();

# A migration that runs its own DDL on a table while a queued build runs on
# it must not fail with "deadlock detected": the build worker is the one
# that backs off, and its job still ends "done" (issue 9, item 6).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

# The sessions' deadlock_timeout is long so that the test does not depend on
# how fast a loaded machine schedules the launcher: the launcher looks for
# cycles every 100 ms, and without it the migration is the victim however
# long the sessions wait (the worker pins its own, short, deadlock_timeout).
my $node = build_node('deadlock',
	"idxadvisor.build_lock_timeout = '500ms'\nlog_lock_waits = on\n"
	  . "deadlock_timeout = '10s'\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE t (id int, v int, w int);
	INSERT INTO t SELECT g, g % 100, g % 7 FROM generate_series(1, 20000) g;
	CREATE TABLE other (a int);
});

# --- ALTER TABLE in a migration transaction that is older than the build:
# the build waits for the migration's snapshot, the migration's ALTER waits
# for the build's table lock.
my $mig = $node->background_psql('postgres', on_error_stop => 0);
$mig->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$mig->query_safe('SELECT count(*) FROM other');
my $id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'], 't_v_idx')");
wait_phase($node, 'postgres', 'waiting for old snapshots');
# Let the worker's own deadlock check run (and find nothing) first: then the
# migration's check, deadlock_timeout after its ALTER starts waiting, is the
# one that finds the cycle, and the migration would be the victim.
sleep 2;
my ($out, $ret) = $mig->query('ALTER TABLE t ADD COLUMN x int');
is($mig->{stderr}, '', 'the migration\'s ALTER TABLE is not a deadlock victim');
$mig->{stderr} = '';
$mig->query_safe('COMMIT');
wait_job_state($node, 'postgres', $id, 'done');
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v_idx'::regclass"),
	't', 'the build backed off and then built the index');
is(invalid_indexes($node, 'postgres'), '', 'no INVALID index left');
ok($node->log_contains(qr/index build job $id backs off and tries again/),
	'the worker said it backed off');

# --- the migration's own CREATE INDEX CONCURRENTLY: it starts while the
# build waits for a writer, so the build later waits for the migration's
# snapshot while the migration waits for the build's table lock.
my $writer = $node->background_psql('postgres');
$writer->query_safe('BEGIN');
$writer->query_safe('INSERT INTO t VALUES (0, 0, 0)');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['w'], 't_w_idx')");
wait_phase($node, 'postgres', 'waiting for writers before build');
$mig->query_until(qr/started/, q{
	\echo started
	CREATE INDEX CONCURRENTLY t_id_idx ON t (id);
	\echo mig_done
});
$node->poll_query_until('postgres',
	"SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY t_id_idx%' AND wait_event_type = 'Lock')")
  or die 'the migration\'s CREATE INDEX CONCURRENTLY does not wait';
$writer->query_safe('COMMIT');
$mig->query_until(qr/mig_done/, '');
is($mig->{stderr}, '', 'the migration\'s CREATE INDEX CONCURRENTLY is not a deadlock victim');
wait_job_state($node, 'postgres', $id, 'done');
is($node->safe_psql('postgres',
	"SELECT string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 't'::regclass"),
	't_id_idx:true,t_v_idx:true,t_w_idx:true',
	'both indexes were built');

$mig->quit;
$writer->quit;
$node->stop;
done_testing();

# A drop by name of an index whose build is running: the concurrent drop
# cancels the build and is queued after it, so the end state is "no such
# index"; the transactional drop refuses (it would wait for the build, which
# waits for its transaction).  The build is held in "waiting for old
# snapshots" by an open transaction, so nothing here depends on timing.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('droprunning');
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE TABLE t (id int, v int);
	INSERT INTO t SELECT g, g % 100 FROM generate_series(1, 20000) g;
});

my $old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
my $build = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'], 't_v')");
wait_phase($node, 'postgres', 'waiting for old snapshots');
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass"),
	'f', 'the running build has created its INVALID index');

# the transactional drop refuses, and changes nothing
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT idxadvisor_drop('t_v')");
like($stderr, qr/index build job $build is building index "t_v"/,
	'the transactional drop refuses a running build');
is($node->safe_psql('postgres',
	"SELECT state, cancel_requested FROM idxadvisor_build_jobs WHERE id = $build"),
	'running|f', 'the build was not cancelled by the refused drop');

# the concurrent drop cancels it and queues the drop after it
my $drop = $node->safe_psql('postgres',
	"SELECT idxadvisor_drop_concurrently('public.t_v')");
ok($drop > $build, 'a drop job is queued');
$old->query_safe('COMMIT');
$old->quit;
$node->safe_psql('postgres', "CALL idxadvisor_wait($drop)");
wait_job_state($node, 'postgres', $build, 'cancelled');
is($node->safe_psql('postgres', "SELECT to_regclass('t_v') IS NULL"), 't',
	'no such index in the end');
is(invalid_indexes($node, 'postgres'), '', 'no INVALID index left');
is($node->safe_psql('postgres',
	"SELECT string_agg(kind || ' ' || state, ', ' ORDER BY id) FROM idxadvisor_build_jobs"),
	'create cancelled, drop done', 'the build was cancelled, the drop done');

$node->stop;
done_testing();

# Builds run as the role that asked; only it (or a superuser) can cancel
# them; role-level lock_timeout / statement_timeout do not kill them; the
# table-lock wait is retried; CALL idxadvisor_wait() holds no snapshot that
# the build would wait for.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('roles', "idxadvisor.build_lock_timeout = '300ms'\n");
$node->safe_psql('postgres', q{
	CREATE EXTENSION idxadvisor;
	CREATE ROLE alice LOGIN;
	CREATE ROLE bob LOGIN;
	GRANT CREATE ON SCHEMA public TO alice;
	GRANT EXECUTE ON FUNCTION idxadvisor_create_concurrently(regclass, text[], name, boolean, name, text[]),
	      idxadvisor_cancel(bigint) TO alice, bob;
});
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int, v int, w int);
	INSERT INTO t SELECT g, g % 100, g % 7 FROM generate_series(1, 50000) g;
}, extra_params => [ '-U', 'alice' ]);

# --- cancel: bob may not, alice may; the half-built index is removed
my $old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
my $id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v'])",
	extra_params => [ '-U', 'alice' ]);
wait_phase($node, 'postgres', 'waiting for old snapshots');
is($node->safe_psql('postgres',
	"SELECT usename FROM pg_stat_activity WHERE backend_type = 'idxadvisor build'"),
	'alice', 'the worker logs in as the requesting role');

my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SELECT idxadvisor_cancel($id)", extra_params => [ '-U', 'bob' ]);
like($stderr, qr/permission denied to cancel index build job $id/,
	'another role cannot cancel');
is($node->safe_psql('postgres', "SELECT idxadvisor_cancel($id)",
	extra_params => [ '-U', 'alice' ]), 't', 'the requester cancels');
# dropping the INVALID index concurrently waits for the old transaction
$node->poll_query_until('postgres',
	"SELECT query LIKE 'DROP INDEX CONCURRENTLY%' FROM pg_stat_activity WHERE backend_type = 'idxadvisor build'")
  or die 'the cancelled build does not clean up';
$old->query_safe('COMMIT');
wait_job_state($node, 'postgres', $id, 'cancelled');
is(invalid_indexes($node, 'postgres'), '', 'cancel removed the INVALID index');
($ret, $stdout, $stderr) = $node->psql('postgres', "CALL idxadvisor_wait($id)");
like($stderr, qr/index build job $id was cancelled/, 'waiting for it says so');

# a superuser may cancel too
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['w'])",
	extra_params => [ '-U', 'alice' ]);
wait_phase($node, 'postgres', 'waiting for old snapshots');
is($node->safe_psql('postgres', "SELECT idxadvisor_cancel($id)"), 't',
	'a superuser cancels');
$old->query_safe('COMMIT');
wait_job_state($node, 'postgres', $id, 'cancelled');
is(invalid_indexes($node, 'postgres'), '', 'no INVALID index left');

# --- role settings: lock_timeout = 1s, statement_timeout = 1s, an old
# snapshot open for longer than that, and a conflicting table lock held for
# longer than idxadvisor.build_lock_timeout
$node->safe_psql('postgres', q{
	ALTER ROLE alice SET lock_timeout = '1s';
	ALTER ROLE alice SET statement_timeout = '1s';
});
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE t IN SHARE MODE');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['id'])",
	extra_params => [ '-U', 'alice' ]);
# the worker keeps trying for the table lock (300 ms at a time)
sleep(2);
is($node->safe_psql('postgres', "SELECT state FROM idxadvisor_build_jobs WHERE id = $id"),
	'running', 'the build still waits for its table lock after several lock timeouts');
$locker->query_safe('COMMIT');
$locker->quit;
wait_phase($node, 'postgres', 'waiting for old snapshots');
sleep(2);    # longer than the role's lock_timeout and statement_timeout

# CALL idxadvisor_wait() started now, before the build takes its last
# snapshot, must not be waited for by the build: it holds no snapshot
my $waiter = $node->background_psql('postgres');
$waiter->query_until(qr/waiting/, "\\echo waiting\nCALL idxadvisor_wait($id);\n\\echo done\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'CALL idxadvisor_wait%'")
  or die 'waiter not seen';
my $xmins = 0;
foreach (1 .. 10)
{
	$xmins++ if $node->safe_psql('postgres',
		"SELECT backend_xmin IS NULL FROM pg_stat_activity WHERE query LIKE 'CALL idxadvisor_wait%'") eq 't';
}
cmp_ok($xmins, '>=', 5, 'the waiter holds no snapshot between polls');
$old->query_safe('COMMIT');
$old->quit;
$waiter->query_until(qr/done/, '');
$waiter->quit;
is(job_state($node, 'postgres', $id), 'done ', 'the build succeeded despite the role settings');
is($node->safe_psql('postgres',
	"SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass"),
	't', 'the index is valid');

# --- the table lock never comes: the job fails after the retries, and
# writers were never blocked meanwhile
$node->append_conf('postgresql.conf', "idxadvisor.build_lock_retries = 2\n");
$node->reload;
$locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['v', 'w'])",
	extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', "SET lock_timeout = '200ms'; INSERT INTO t VALUES (0, 0, 0)");
wait_job_state($node, 'postgres', $id, 'failed');
like(job_state($node, 'postgres', $id),
	qr/lock timeout.*Gave up waiting for the table lock after 3 attempts/,
	'the job fails once the lock retries are used up');
$locker->query_safe('COMMIT');
$locker->quit;
is(invalid_indexes($node, 'postgres'), '', 'nothing left behind');

# --- idxadvisor.build_statement_timeout: a build that runs longer (here
# waiting for an old snapshot) is stopped; the job fails with the timeout,
# and the INVALID index it leaves is removed once the old transaction ends
$node->append_conf('postgresql.conf',
	"idxadvisor.build_statement_timeout = '1s'\n");
$node->reload;
$old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['w', 'v'])",
	extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres',
	"SELECT query LIKE 'DROP INDEX CONCURRENTLY%' FROM pg_stat_activity WHERE backend_type = 'idxadvisor build'")
  or die 'the timed-out build does not clean up';
$old->query_safe('COMMIT');
$old->quit;
wait_job_state($node, 'postgres', $id, 'failed');
like(job_state($node, 'postgres', $id),
	qr/canceling statement due to statement timeout/,
	'build_statement_timeout stops a build that runs too long');
is(invalid_indexes($node, 'postgres'), '',
	'the timed-out build left no INVALID index');

# without the limit the same build succeeds
$node->append_conf('postgresql.conf',
	"idxadvisor.build_statement_timeout = 0\n");
$node->reload;
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['w', 'v'])",
	extra_params => [ '-U', 'alice' ]);
wait_job_state($node, 'postgres', $id, 'done');
pass('with build_statement_timeout = 0 the build completes');

$node->stop;
done_testing();

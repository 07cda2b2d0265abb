# Role and database settings cannot break the build worker (issue 9, item 2):
# each setting that could make it fail or exit before it records an outcome
# is set on the requesting role and then on the database, and the job must
# end "done".  With exit_on_error = on a failing build ends "failed", not in
# a restart loop.  Worker restarts stay bounded, a job whose workers cannot
# log in any more is cancelled within seconds, and its INVALID index is
# dropped.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use IdxadvBuildTest;

my $node = build_node('settings');
$node->safe_psql('postgres', q{
	CREATE ROLE alice LOGIN;
	CREATE DATABASE hostile OWNER alice;
});
for my $db ('postgres', 'hostile')
{
	$node->safe_psql($db, q{
		CREATE EXTENSION idxadvisor;
		GRANT CREATE ON SCHEMA public TO alice;
		GRANT EXECUTE ON FUNCTION idxadvisor_create_concurrently(regclass, text[], name, boolean, name, text[]),
		      idxadvisor_cancel(bigint) TO alice;
	});
	$node->safe_psql($db, q{
		CREATE TABLE t (id int, v int, w int, dup int);
		INSERT INTO t SELECT g, g % 100, g % 7, g % 10 FROM generate_series(1, 20000) g;
		CREATE TABLE t2 (a int);
	}, extra_params => [ '-U', 'alice' ]);
}

# Wait at most $secs for job $id of $db to leave queued/running; returns its
# "state error".
sub wait_finished
{
	my ($db, $id, $secs) = @_;
	for (my $i = 0; $i < $secs * 4; $i++)
	{
		my $st = job_state($node, $db, $id);
		return $st unless $st =~ /^(queued|running)/;
		usleep(250_000);
	}
	return job_state($node, $db, $id);
}

# Job worker exits with an error, as the postmaster logs them, since $offset
sub worker_exits
{
	my ($offset) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @exits = ($log =~ /background worker "idxadvisor build" \(PID \d+\) exited with exit code [1-9]/g);
	return scalar @exits;
}

# Each setting: a value that used to break the worker or could, and the
# value the test's own sessions use (they must not be broken by it).
my @settings = (
	[ 'default_transaction_read_only', 'on', 'off' ],
	[ 'transaction_read_only', 'on', 'off' ],
	[ 'default_transaction_isolation', 'serializable', 'read\\ committed' ],
	[ 'default_transaction_deferrable', 'on', 'off' ],
	[ 'exit_on_error', 'on', 'off' ],
	[ 'search_path', 'nowhere', 'public' ],
	[ 'statement_timeout', '1ms', '0' ],
	[ 'lock_timeout', '1ms', '0' ],
	[ 'idle_in_transaction_session_timeout', '1ms', '0' ],
	[ 'idle_session_timeout', '1ms', '0' ],
	[ 'session_replication_role', 'replica', 'origin' ],
	[ 'deadlock_timeout', '1h', '1s' ],
	[ 'DateStyle', 'SQL, DMY', 'ISO' ],);
# 19 has standard_conforming_strings always on
push @settings, [ 'standard_conforming_strings', 'off', 'on' ]
  if $node->pg_version->major < 19;

# settings only a superuser may set (alice's sessions cannot override them)
my %suset = (session_replication_role => 1, deadlock_timeout => 1);

my $n = 0;
for my $level ('role', 'database')
{
	my $db = $level eq 'role' ? 'postgres' : 'hostile';
	my $target = $level eq 'role' ? 'ROLE alice' : 'DATABASE hostile';
	for my $s (@settings)
	{
		my ($name, $value, $client) = @$s;
		$n++;
		my $offset = -s $node->logfile;
		my $id;

		# A role sets its own defaults in the transaction that queues the
		# job (settings apply at the next login: the client is unaffected);
		# the rest is set by the superuser first.
		my $by_alice = $level eq 'role' && !$suset{$name};
		$node->safe_psql('postgres', "ALTER $target SET $name = '$value'")
		  unless $by_alice;
		local $ENV{PGOPTIONS} = $suset{$name} ? '' : "-c $name=$client";
		$id = $node->safe_psql($db,
			"BEGIN;
			 SELECT idxadvisor_create_concurrently('t', ARRAY['v', 'id'], 'settings_$n');
			 " . ($by_alice ? "ALTER ROLE alice SET $name = '$value';" : '') . "
			 COMMIT;",
			extra_params => [ '-U', 'alice' ]);
		my $st = wait_finished($db, $id, 60);
		is($st, 'done ', "$name = '$value' on the $level: the job is done");
		is(worker_exits($offset), 0,
			"$name = '$value' on the $level: no worker exited with an error");
		$node->safe_psql('postgres', "ALTER $target RESET ALL");
		$node->safe_psql($db, "DROP INDEX IF EXISTS settings_$n");
	}
}

# --- exit_on_error = on and a build that fails (duplicate key): "failed"
# with the build's error, INVALID index dropped, one worker start
my $offset = -s $node->logfile;
my $id = $node->safe_psql('postgres', q{
	BEGIN;
	SELECT idxadvisor_create_concurrently('t', ARRAY['dup'], 'dup_key', true);
	ALTER ROLE alice SET exit_on_error = on;
	COMMIT;
}, extra_params => [ '-U', 'alice' ]);
like(wait_finished('postgres', $id, 60), qr/^failed could not create unique index/,
	'exit_on_error = on: a failing build ends "failed" with its error');
is(invalid_indexes($node, 'postgres'), '', 'exit_on_error = on: no INVALID index left');
is(worker_exits($offset), 0, 'exit_on_error = on: the worker was not restarted');
$node->safe_psql('postgres', 'ALTER ROLE alice RESET ALL');

# --- workers that keep failing to log in (the role became NOLOGIN in the
# transaction that queued the job): restarts are bounded and backed off, and
# the job ends "failed" with the reason, recorded by a worker that logs in
# as the bootstrap superuser (or by a scan of the database).
$offset = -s $node->logfile;
$id = $node->safe_psql('postgres', q{
	BEGIN;
	SET SESSION AUTHORIZATION alice;
	SELECT idxadvisor_create_concurrently('t', ARRAY['w', 'v'], 'nologin_idx');
	RESET SESSION AUTHORIZATION;
	ALTER ROLE alice NOLOGIN;
	COMMIT;
});
like(wait_finished('postgres', $id, 90),
	qr/^(failed the worker stopped 3 times without recording an outcome; the last error was: role "alice" is not permitted to log in|failed the role that queued it can no longer log in)$/,
	'a job whose worker cannot log in fails with the reason');
my $exits = worker_exits($offset);
cmp_ok($exits, '<=', 3, "its workers were started a bounded number of times ($exits)");
sleep 3;
is(worker_exits($offset), $exits, 'and no worker is started for it again');
$node->safe_psql('postgres', 'ALTER ROLE alice LOGIN');

# --- cancel of a stuck job: running, its worker killed, and its role can no
# longer log in.  The cancel ends it within seconds, and the INVALID index
# the killed build left is dropped.
my $old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM t2');
$id = $node->safe_psql('postgres',
	"SELECT idxadvisor_create_concurrently('t', ARRAY['w'], 'stuck_idx')",
	extra_params => [ '-U', 'alice' ]);
wait_phase($node, 'postgres', 'waiting for old snapshots');
$node->safe_psql('postgres', q{
	ALTER ROLE alice NOLOGIN;
	SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	 WHERE backend_type = 'idxadvisor build';
});
$old->query_safe('COMMIT');
is(invalid_indexes($node, 'postgres'), 'stuck_idx', 'the killed build left an INVALID index');
is($node->safe_psql('postgres', "SELECT idxadvisor_cancel($id)"), 't',
	'the stuck job can be cancelled');
like(wait_finished('postgres', $id, 30), qr/^cancelled/, 'the stuck job ends "cancelled"');
is(invalid_indexes($node, 'postgres'), '', 'its INVALID index was dropped');
$node->safe_psql('postgres', 'ALTER ROLE alice LOGIN');
$old->quit;

$node->stop;
done_testing();

# Dropping the extension, also through DROP SCHEMA ... CASCADE by a
# non-superuser owner of its schema, is refused while build jobs are queued
# or running (their requests would be lost silently), with an error naming
# them; once they are finished or cancelled it works (issue 9, item 7).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $node = build_node('dropext');
$node->safe_psql('postgres', q{
	CREATE ROLE dbowner LOGIN;
	CREATE DATABASE app OWNER dbowner;
	-- the test helpers name the extension's objects unqualified
	ALTER DATABASE app SET search_path = public, tools;
});
$node->safe_psql('app', q{
	CREATE SCHEMA tools AUTHORIZATION dbowner;
	CREATE EXTENSION idxadvisor SCHEMA tools;
	GRANT EXECUTE ON FUNCTION tools.idxadvisor_create_concurrently(regclass, text[], name, boolean, name, text[]),
	      tools.idxadvisor_cancel(bigint) TO dbowner;
});
$node->safe_psql('app', q{
	CREATE TABLE t (id int, v int);
	INSERT INTO t SELECT g, g % 10 FROM generate_series(1, 1000) g;
	CREATE TABLE other (a int);
}, extra_params => [ '-U', 'dbowner' ]);

# a build that waits for an old snapshot ("running", with an INVALID
# index), and one queued behind it
my $locker = $node->background_psql('app');
$locker->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$locker->query_safe('SELECT count(*) FROM other');
my $id1 = $node->safe_psql('app',
	"SELECT tools.idxadvisor_create_concurrently('t', ARRAY['v'], 't \"v\" idx')",
	extra_params => [ '-U', 'dbowner' ]);
my $id2 = $node->safe_psql('app',
	"SELECT tools.idxadvisor_create_concurrently('t', ARRAY['id'])",
	extra_params => [ '-U', 'dbowner' ]);
wait_phase($node, 'app', 'waiting for old snapshots');

my ($ret, $stdout, $stderr) = $node->psql('app', 'DROP SCHEMA tools CASCADE',
	extra_params => [ '-U', 'dbowner' ]);
isnt($ret, 0, 'DROP SCHEMA ... CASCADE by the schema owner is refused');
like($stderr,
	qr/cannot drop extension "idxadvisor" while 2 index build jobs are queued or running/,
	'the error says why');
like($stderr, qr/job $id1: build of index public\."t ""v"" idx" \(running\)/,
	'it names the running job');
like($stderr, qr/job $id2: build of index public\.t_id_idx \(queued\)/,
	'it names the queued job');
like($stderr, qr/HINT:  Wait for them with CALL idxadvisor_wait\(\), or cancel them/,
	'it says what to do');
is($node->safe_psql('app',
	"SELECT count(*) FROM tools.idxadvisor_build_jobs WHERE state IN ('queued', 'running')"),
	'2', 'the jobs are still there');

($ret, $stdout, $stderr) = $node->psql('app', 'DROP EXTENSION idxadvisor');
like($stderr, qr/cannot drop extension "idxadvisor" while 2 index build jobs/,
	'DROP EXTENSION by a superuser is refused too');

# cancel them, wait for the running one to record it, then the drop works
$node->safe_psql('app',
	"SELECT tools.idxadvisor_cancel(id) FROM tools.idxadvisor_builds WHERE state IN ('queued', 'running')",
	extra_params => [ '-U', 'dbowner' ]);
wait_job_state($node, 'app', $id1, 'cancelled');
$locker->query_safe('COMMIT');
is(invalid_indexes($node, 'app'), '', 'the cancelled build removed its INVALID index');
($ret, $stdout, $stderr) = $node->psql('app', 'DROP SCHEMA tools CASCADE',
	extra_params => [ '-U', 'dbowner' ]);
is($ret, 0, 'with no unfinished job, DROP SCHEMA ... CASCADE works');
is($node->safe_psql('app',
	"SELECT count(*) FROM pg_extension WHERE extname = 'idxadvisor'"), '0',
	'the extension is gone');
is(invalid_indexes($node, 'app'), '', 'no INVALID index left behind');

# dropping other tables is not affected, and a fresh install works
$node->safe_psql('app', q{
	CREATE TABLE idxadvisor_build_jobs (a int);
	DROP TABLE idxadvisor_build_jobs;
	CREATE EXTENSION idxadvisor;
	DROP EXTENSION idxadvisor;
});
pass('other tables named like the job table drop normally');

$locker->quit;
$node->stop;
done_testing();

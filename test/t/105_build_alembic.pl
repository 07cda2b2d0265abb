# A real migration tool: Alembic (Debian python3-alembic) runs migrations
# that queue index builds and drops in its transactional upgrade and
# downgrade; the indexes appear (and go) after each commit.
use strict;
use warnings;

use File::Basename;
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IdxadvBuildTest;

my $python = '/usr/bin/python3';
my $ini = File::Spec->rel2abs(dirname(__FILE__) . '/../alembic/alembic.ini');

my $node = build_node('alembic');
$node->safe_psql('postgres', q{
	CREATE ROLE migrator LOGIN;
	CREATE DATABASE app OWNER migrator;
});
$node->safe_psql('app', q{
	CREATE EXTENSION idxadvisor;
	GRANT EXECUTE ON FUNCTION
	      idxadvisor_create_concurrently(regclass, text[], name, boolean, name, text[]),
	      idxadvisor_create_concurrently(text),
	      idxadvisor_drop_concurrently(regclass, boolean),
	      idxadvisor_drop_concurrently(text, boolean, boolean) TO migrator;
	GRANT CREATE ON SCHEMA public TO migrator;
});

local $ENV{IDXADV_DB_URL} =
	'postgresql+psycopg2://migrator@/app?host=' . $node->host . '&port=' . $node->port;
local $ENV{PYTHONDONTWRITEBYTECODE} = 1;

sub alembic
{
	my ($what, @args) = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ $python, '-m', 'alembic', '-c', $ini, @args ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok, "alembic $what") or diag("stdout: $stdout\nstderr: $stderr");
}

sub index_state
{
	my ($name) = @_;
	return $node->safe_psql('app',
		"SELECT coalesce((SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass('$name')), 'absent')");
}

alembic('upgrade to 0002', 'upgrade', '0002');
is($node->safe_psql('app', 'SELECT version_num FROM alembic_version'), '0002',
	'the migration committed');
$node->safe_psql('app', 'CALL idxadvisor_wait()');
is(index_state('items_owner_id_idx'), 'true', 'the queued build ran after the commit');

alembic('upgrade to head (waits in an autocommit block)', 'upgrade', 'head');
is(index_state('items_sku_key'), 'true', 'built before the migration returned');

# 0004 and 0005 ran in one transaction after 0003's wait: 0005 dropped by
# name the index 0004 had only queued, and queued a wider one of that name
$node->safe_psql('app', 'CALL idxadvisor_wait()');
is($node->safe_psql('app', "SELECT pg_get_indexdef('ix_items_lookup'::regclass)"),
	'CREATE INDEX ix_items_lookup ON public.items USING btree (owner_id, sku)',
	'the drop by name cancelled the queued build; the wider index was built');
is($node->safe_psql('app',
	"SELECT string_agg(kind || ' ' || state, ', ' ORDER BY id) FROM idxadvisor_builds WHERE index_name = 'ix_items_lookup'"),
	'create cancelled, create done', 'the narrow build was cancelled, never built');
is(index_state('ix_items_lookup'), 'true', 'valid');

alembic('downgrade to 0001', 'downgrade', '0001');
$node->safe_psql('app', 'CALL idxadvisor_wait()');
is(index_state('items_sku_key'), 'absent', 'downgrade dropped the unique index');
is(index_state('items_owner_id_idx'), 'absent', 'downgrade dropped the owner index');
is(index_state('ix_items_lookup'), 'absent', 'downgrade dropped the lookup index');

# migrations get retried: upgrading again builds the index again
alembic('upgrade to head again', 'upgrade', 'head');
$node->safe_psql('app', 'CALL idxadvisor_wait()');
is(index_state('items_owner_id_idx'), 'true', 'built again');
is($node->safe_psql('app',
	"SELECT string_agg(kind || ' ' || state, ', ' ORDER BY id) FROM idxadvisor_builds"),
	'create done, create done, create cancelled, create done, '
	  . 'drop done, create cancelled, drop done, drop done, '
	  . 'create done, create done, create cancelled, create done',
	'every job is done, or cancelled by a later drop of its index');
is(invalid_indexes($node, 'app'), '', 'no INVALID index');

$node->stop;
done_testing();

# test/t/004_suggest_ddl.pl
#
# idxadvisor_suggest(), idxadvisor_unindexed_foreign_keys() and
# idxadvisor_duplicates() while other sessions drop, re-create, alter, index
# and lock the tables they are reading about (doc/design.md section 3,
# "Locking"; README "How it works"): a table dropped meanwhile drops
# out of the answer, a table locked by an ACCESS EXCLUSIVE lock is passed
# over with the reason instead of waited for, and no call fails with an
# internal error such as "cache lookup failed".  Every call of the
# functions must succeed.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use IdxadvConcurrent;

my $node = PostgreSQL::Test::Cluster->new('suggest_ddl');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idxadvisor'
idxadvisor.max = 1000
# every candidate is costed, so that every table is locked and planned
idxadvisor.min_table_pages = 0
max_connections = 20
});
$node->start;

my $ntables = 150;
my $create = 'CREATE TABLE t%s (id int, a int, r int REFERENCES refd)';
$node->safe_psql('postgres', qq{
CREATE EXTENSION idxadvisor;
CREATE TABLE refd (id int PRIMARY KEY);
INSERT INTO refd VALUES (1);
DO \$\$
BEGIN
    FOR i IN 1..$ntables LOOP
        EXECUTE format('$create', i);
        EXECUTE format('INSERT INTO t%s SELECT g, g, 1 FROM generate_series(1, 100) g', i);
        EXECUTE format('SELECT count(*) FROM t%s WHERE a = 3', i);
    END LOOP;
END \$\$;
});
cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM idxadvisor_suggest()'),
	'>=', $ntables, 'a suggestion per table before the churn');

# One client drops and re-creates tables (with duplicate and redundant
# indexes), adds and drops columns; one
# takes ACCESS EXCLUSIVE locks and holds them a moment (when the table is
# there: the other client may have dropped it); two call the functions all
# the while.
my $churn = $create =~ s/%s/:n/r;
my @runs = (
	start_pgbench($node, 'churn', "-c 1 -t 400 -M simple", qq{
\\set n random(1, $ntables)
DROP TABLE IF EXISTS t:n;
$churn;
INSERT INTO t:n SELECT g, g, 1 FROM generate_series(1, 100) g;
SELECT count(*) FROM t:n WHERE a = 3;
ALTER TABLE t:n ADD COLUMN b int;
SELECT count(*) FROM t:n WHERE b = 3;
ALTER TABLE t:n DROP COLUMN b;
CREATE INDEX ON t:n (id);
CREATE INDEX ON t:n (id, a);
CREATE INDEX ON t:n (id) WHERE a > 0;
}),
	start_pgbench($node, 'locker', "-c 1 -t 100 -M simple", qq{
\\set n random(1, $ntables)
BEGIN;
DO \$\$ BEGIN LOCK TABLE t:n IN ACCESS EXCLUSIVE MODE; EXCEPTION WHEN undefined_table THEN NULL; END \$\$;
SELECT pg_sleep(0.01);
COMMIT;
}),
	start_pgbench($node, 'advise', "-c 2 -t 25 -M simple", q{
SELECT count(*) FROM idxadvisor_suggest(verbose => true);
SELECT count(*) FROM idxadvisor_unindexed_foreign_keys();
SELECT count(*) FROM idxadvisor_duplicates();
}),
);
finish_pgbench($_) for @runs;
server_healthy($node, 'suggest under DDL');

# Afterwards every table is back, and judged again (suggested or rejected)
is( $node->safe_psql('postgres', qq{
SELECT count(*) FROM generate_series(1, $ntables) g
 WHERE NOT EXISTS (SELECT FROM idxadvisor_suggest(verbose => true)
                    WHERE relid::text = 't' || g)}),
	'0', 'every table judged again once the churn is over');

# A table held under ACCESS EXCLUSIVE: the call does not wait for it
my $lock_holder = $node->interactive_psql('postgres');
$lock_holder->query_until(qr/locked/, q{
BEGIN;
LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE;
\echo locked
});
my $reason = $node->safe_psql('postgres', q{
SET statement_timeout = '20s';
SELECT reason FROM idxadvisor_suggest(verbose => true)
 WHERE relid = 't1'::regclass;
});
like($reason, qr/^rejected: the table is locked by another session/m,
	'a locked table is passed over with the reason');
$lock_holder->quit;

done_testing();

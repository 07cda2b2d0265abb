# test/t/002_concurrency.pl
#
# Concurrent recording (idxadvisor_capture.c): several pgbench runs at once,
# recording into the same entry (simple and prepared protocol), into
# distinct entries, and through foreign-key triggers of parent DELETEs in
# rolled-back and committed transactions.  Every count must add up exactly.
# Then idxadvisor_reset() in a loop against recorders: no crash, no failed
# query.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use IdxadvConcurrent;

my $node = PostgreSQL::Test::Cluster->new('concurrency');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idxadvisor'
idxadvisor.max = 1000
max_connections = 40
});
$node->start;

# Transactions per client
my $ntx = 1000;

$node->safe_psql('postgres', q{
CREATE EXTENSION idxadvisor;

-- static: read by everyone, never changed
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY,
                    parent_id int REFERENCES parent);
INSERT INTO parent SELECT g FROM generate_series(1, 100) g;
INSERT INTO child SELECT g, g % 50 + 1 FROM generate_series(1, 1000) g;

-- eight columns, eight distinct entries
CREATE TABLE w (id int, a1 int, a2 int, a3 int, a4 int, a5 int, a6 int,
                a7 int, a8 boolean);
INSERT INTO w SELECT g, g % 10, g % 10, g % 10, g % 10, g % 10, g % 10,
                     g % 10, g % 10 = 0
  FROM generate_series(1, 500) g;

-- ON DELETE CASCADE, deletes rolled back: each client deletes its own
-- parent, which has 10 children, so the child table never changes for
-- anyone else's snapshot
CREATE TABLE p2 (id int PRIMARY KEY);
CREATE TABLE c2 (id int PRIMARY KEY,
                 p2_id int REFERENCES p2 ON DELETE CASCADE);
INSERT INTO p2 SELECT g FROM generate_series(1, 5000) g;
INSERT INTO c2 SELECT g, g % 20 + 1 FROM generate_series(1, 200) g;

-- NO ACTION, deletes committed: every transaction deletes a fresh parent
-- without children, so the child table does not change either
CREATE TABLE p3 (id int PRIMARY KEY);
CREATE TABLE c3 (id int PRIMARY KEY, p3_id int REFERENCES p3);
INSERT INTO p3 SELECT g FROM generate_series(1, 5000) g;
INSERT INTO c3 SELECT g, g % 100 + 1 FROM generate_series(1, 300) g;
CREATE SEQUENCE p3_victims START 101;

ANALYZE;
});

sub entry
{
	my ($rel, $cols) = @_;
	return $node->safe_psql('postgres', qq{
SELECT executions, fk_trigger_executions, rows_scanned, rows_matched
  FROM idxadvisor_scans
 WHERE relid = '$rel'::regclass AND columns::text = '$cols'});
}

# --- exact counts under concurrency ------------------------------------------

$node->safe_psql('postgres', 'SELECT idxadvisor_reset()');

my @runs = (
	# same entry: 4 clients, simple protocol, and 2 clients, prepared
	start_pgbench($node, 'same_simple', "-c 4 -j 2 -t $ntx -M simple",
		"SELECT count(*) FROM child WHERE parent_id = 7;\n"),
	start_pgbench($node, 'same_prepared', "-c 2 -t $ntx -M prepared",
		"\\set p 7\nSELECT count(*) FROM child WHERE parent_id = :p;\n"),

	# distinct entries, each from the same 2 clients
	start_pgbench($node, 'distinct', "-c 2 -t $ntx -M extended", join('',
		"SELECT count(*) FROM w WHERE a1 = 3;\n",
		"SELECT count(*) FROM w WHERE a2 < 3;\n",
		"SELECT count(*) FROM w WHERE a3 IS NULL;\n",
		"SELECT count(*) FROM w WHERE a4 IN (1, 2);\n",
		"SELECT count(*) FROM w WHERE a5 = 3 AND a6 >= 5;\n",
		"SELECT count(*) FROM w WHERE a7 <> 3;\n",
		"SELECT count(*) FROM w WHERE a8;\n",
		"SELECT count(*) FROM w WHERE a1 = 3 AND a2 = 3;\n")),

	# FK-trigger scans: cascaded deletes, rolled back
	start_pgbench($node, 'cascade_rollback', "-c 3 -t $ntx -M simple", join('',
		"\\set victim :client_id + 1\n",
		"BEGIN;\n",
		"DELETE FROM p2 WHERE id = :victim;\n",
		"ROLLBACK;\n")),

	# FK-trigger scans: NO ACTION checks, committed
	start_pgbench($node, 'noaction_commit', "-c 3 -t $ntx -M prepared", join('',
		"BEGIN;\n",
		"SELECT nextval('p3_victims') AS victim \\gset\n",
		"DELETE FROM p3 WHERE id = :victim;\n",
		"COMMIT;\n")),
);
finish_pgbench($_) for @runs;

my $n;

$n = 6 * $ntx;
is(entry('child', '{parent_id}'), join('|', $n, 0, 1000 * $n, 20 * $n),
	'same entry from 6 clients, simple and prepared: exact counts');

$n = 2 * $ntx;
is(entry('w', '{a1}'), join('|', $n, 0, 500 * $n, 50 * $n),
	'distinct entry a1 = : exact counts');
is(entry('w', '{a2}'), join('|', $n, 0, 500 * $n, 150 * $n),
	'distinct entry a2 < : exact counts');
is(entry('w', '{a3}'), join('|', $n, 0, 500 * $n, 0),
	'distinct entry a3 IS NULL: exact counts');
is(entry('w', '{a4}'), join('|', $n, 0, 500 * $n, 100 * $n),
	'distinct entry a4 IN: exact counts');
is(entry('w', '{a5,a6}'), join('|', $n, 0, 500 * $n, 0),
	'distinct entry a5 =, a6 >=: exact counts');
is(entry('w', '{a7}'), join('|', $n, 0, 500 * $n, 450 * $n),
	'distinct entry a7 <>: exact counts');
is(entry('w', '{a8}'), join('|', $n, 0, 500 * $n, 50 * $n),
	'distinct entry boolean a8: exact counts');
is(entry('w', '{a1,a2}'), join('|', $n, 0, 500 * $n, 50 * $n),
	'distinct entry a1 =, a2 =: exact counts');

$n = 3 * $ntx;
is(entry('c2', '{p2_id}'), join('|', $n, $n, 200 * $n, 10 * $n),
	'cascaded deletes, rolled back: every FK-trigger scan counted');
is(entry('c3', '{p3_id}'), join('|', $n, $n, 300 * $n, 0),
	'NO ACTION checks, committed: every FK-trigger scan counted');
is($node->safe_psql('postgres', 'SELECT count(*) FROM p3'), 5000 - $n,
	'the committed deletes did happen');

server_healthy($node, 'exact counts');

# --- idxadvisor_reset() in a loop against recorders --------------------------

@runs = (
	start_pgbench($node, 'reset_loop', "-c 2 -t 2000 -M simple",
		"SELECT idxadvisor_reset();\n"),
	start_pgbench($node, 'reset_same', "-c 3 -t 1500 -M prepared",
		"SELECT count(*) FROM child WHERE parent_id = 7;\n"),
	start_pgbench($node, 'reset_distinct', "-c 2 -t 300 -M simple", join('',
		"SELECT count(*) FROM w WHERE a1 = 3;\n",
		"SELECT count(*) FROM w WHERE a2 < 3;\n",
		"SELECT count(*) FROM w WHERE a5 = 3 AND a6 >= 5;\n",
		"BEGIN;\n",
		"DELETE FROM p2 WHERE id = :client_id + 1;\n",
		"ROLLBACK;\n")),
);
finish_pgbench($_) for @runs;

server_healthy($node, 'reset loop');

# counting is right again once the resets stop
$node->safe_psql('postgres', 'SELECT idxadvisor_reset()');
$node->safe_psql('postgres',
	'SELECT count(*) FROM child WHERE parent_id = 7; ' x 3);
is(entry('child', '{parent_id}'), '3|0|3000|60',
	'counts exact again after the reset loop');

$node->stop('fast');
done_testing();

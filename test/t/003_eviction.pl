# test/t/003_eviction.pl
#
# Eviction under concurrency (idxadvisor_capture.c): with idxadvisor.max at
# its minimum, many clients at once create far more distinct entries than
# fit, so entries are created and evicted concurrently with recorders of
# existing ones and with readers of the view.  No query may fail, the table
# never holds more than idxadvisor.max entries, and the server stays up.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use IdxadvConcurrent;

my $node = PostgreSQL::Test::Cluster->new('eviction');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idxadvisor'
idxadvisor.max = 100
max_connections = 40
});
$node->start;

# 20 tables of 10 columns: 20 * 10 * 10 = 2000 possible filters
my $setup = "CREATE EXTENSION idxadvisor;\n";
for my $t (1 .. 20)
{
	$setup .= "CREATE TABLE e_$t ("
	  . join(', ', map { "c$_ int" } 1 .. 10) . ");\n"
	  . "INSERT INTO e_$t SELECT "
	  . join(', ', map { 'g' } 1 .. 10)
	  . " FROM generate_series(1, 100) g;\n";
}
$node->safe_psql('postgres', $setup . "ANALYZE;\n");

# Each transaction hits one of 2000 filters, the variables picking the table
# and the columns.
my @runs = (
	start_pgbench($node, 'create', '-c 8 -j 2 -t 1500 -M simple', join('',
		"\\set t random(1, 20)\n",
		"\\set a random(1, 10)\n",
		"\\set b random(1, 10)\n",
		"SELECT count(*) FROM e_:t WHERE c:a = 1 AND c:b < 5;\n",
		# one hot entry, used all along, that must survive the evictions
		"SELECT count(*) FROM e_1 WHERE c1 = 7 AND c2 = 7 AND c3 = 7;\n")),
	start_pgbench($node, 'read', '-c 2 -t 300 -M simple',
		"SELECT count(*) FROM idxadvisor_scans;\n"),
);
finish_pgbench($_) for @runs;

my $n = $node->safe_psql('postgres', 'SELECT count(*) FROM idxadvisor_scans');
cmp_ok($n, '<=', 100, 'at most idxadvisor.max entries');
cmp_ok($n, '>=', 50, 'the table is well filled');
is( $node->safe_psql('postgres', q{
SELECT count(*) FROM idxadvisor_scans
 WHERE relid = 'e_1'::regclass AND columns = '{c1,c2,c3}'}),
	1, 'the most used entry survived the evictions');

server_healthy($node, 'eviction');

$node->stop('fast');
done_testing();

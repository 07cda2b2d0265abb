# test/t/003_eviction.pl
#
# Eviction under concurrency (idxadvisor_capture.c): with idxadvisor.max at
# its minimum, many clients at once create far more distinct entries than
# fit, so entries are created and evicted concurrently with recorders of
# existing ones and with readers of the view.  No query may fail, the table
# never holds more than idxadvisor.max entries, and the server stays up.

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

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

sub start_bench
{
	my ($name, $opts, $script) = @_;
	my $file = $node->basedir . "/$name.sql";
	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh $script;
	close($fh);

	my %run = (name => $name, out => '', err => '');
	my @cmd = (
		'pgbench', '-n', '-h', $node->host, '-p', $node->port,
		split(/\s+/, $opts), '-f', $file, 'postgres');
	$run{handle} =
	  IPC::Run::start(\@cmd, '>', \$run{out}, '2>', \$run{err});
	return \%run;
}

sub finish_bench
{
	my ($run) = @_;
	$run->{handle}->finish;
	is($run->{handle}->result(0), 0, "$run->{name}: pgbench succeeded")
	  or diag("stdout:\n$run->{out}\nstderr:\n$run->{err}");
	unlike($run->{err}, qr/ERROR|FATAL|aborted/, "$run->{name}: no errors");
}

# The simple protocol substitutes variables as text, so they can pick the
# table and the columns: each transaction hits one of 2000 filters.
my @runs = (
	start_bench('create', '-c 8 -j 2 -t 1500 -M simple', join('',
		"\\set t random(1, 20)\n",
		"\\set a random(1, 10)\n",
		"\\set b random(1, 10)\n",
		"SELECT count(*) FROM e_:t WHERE c:a = 1 AND c:b < 5;\n",
		# one hot entry, used all along, that must survive the evictions
		"SELECT count(*) FROM e_1 WHERE c1 = 7 AND c2 = 7 AND c3 = 7;\n")),
	start_bench('read', '-c 2 -t 300 -M simple',
		"SELECT count(*) FROM idxadvisor_scans;\n"),
);
finish_bench($_) for @runs;

my $n = $node->safe_psql('postgres', 'SELECT count(*) FROM idxadvisor_scans');
cmp_ok($n, '<=', 100, 'at most idxadvisor.max entries');
cmp_ok($n, '>=', 50, 'the table is well filled');
is( $node->safe_psql('postgres', q{
SELECT count(*) FROM idxadvisor_scans
 WHERE relid = 'e_1'::regclass AND columns = '{c1,c2,c3}'}),
	1, 'the most used entry survived the evictions');

is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server up');
unlike(slurp_file($node->logfile),
	qr/terminated by signal|was terminated by exception|TRAP:|PANIC:|out of shared memory/,
	'no crash and no shared memory error in the log');

$node->stop('fast');
done_testing();

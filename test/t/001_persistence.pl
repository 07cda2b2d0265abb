# test/t/001_persistence.pl
#
# Persistence of the scan statistics (idxadvisor_capture.c): they survive a
# clean shutdown (fast and smart) with exact counts, are dropped by an
# immediate shutdown, a postmaster kill, a backend crash and by
# idxadvisor.save = off; a damaged, foreign or empty statistics file is
# ignored with a LOG line and never stops the server from starting; a file
# with more entries than a lowered idxadvisor.max loads at most that many.

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('persist');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'idxadvisor'
idxadvisor.max = 1000
compute_query_id = on
restart_after_crash = on
});
$node->start;

my $statfile = $node->data_dir . '/pg_stat/idxadvisor.stat';

# Every counter that must survive, in a stable order.  last_seen and queryid
# are compared too: they are saved as they are.
my $snapshot_sql = q{
SELECT relid, columns, comparisons, foreign_key, order_by, executions,
       fk_trigger_executions, rows_scanned, rows_matched, pages_scanned,
       last_seen, queryid
  FROM idxadvisor_scans
 ORDER BY relid::text COLLATE "C", columns::text COLLATE "C",
          comparisons::text COLLATE "C", order_by::text COLLATE "C"};

sub read_binary
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "could not read $path: $!";
	local $/;
	my $content = <$fh>;
	close($fh);
	return $content;
}

sub snapshot
{
	return $node->safe_psql('postgres', $snapshot_sql);
}

sub nentries
{
	return $node->safe_psql('postgres',
		'SELECT count(*) FROM idxadvisor_scans');
}

# A workload with known counts: three filters on an unindexed foreign key,
# a range filter with ORDER BY, and two foreign-key trigger scans.
sub workload
{
	$node->safe_psql('postgres', q{
SELECT count(*) FROM child WHERE parent_id = 7;
SELECT count(*) FROM child WHERE parent_id = 8;
SELECT count(*) FROM child WHERE parent_id = 9;
SELECT id FROM child WHERE id > 100 ORDER BY note DESC LIMIT 2;
BEGIN; DELETE FROM parent WHERE id = 100; ROLLBACK;
BEGIN; DELETE FROM parent WHERE id = 99; ROLLBACK;
});
}

$node->safe_psql('postgres', q{
CREATE EXTENSION idxadvisor;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY,
                    parent_id int REFERENCES parent ON DELETE CASCADE,
                    note text);
INSERT INTO parent SELECT g FROM generate_series(1, 100) g;
INSERT INTO child SELECT g, g % 50 + 1, 'n' || g FROM generate_series(1, 1000) g;
ANALYZE parent, child;
SELECT idxadvisor_reset();
});

# --- a clean restart keeps every counter -----------------------------------

workload();
my $before = snapshot();
like($before, qr/^child\|\{parent_id\}\|\{eq\}\|child_parent_id_fkey\|\|5\|2\|5000\|60\|/m,
	'workload recorded with exact counts');
my $n_workload = nentries();
cmp_ok($n_workload, '>=', 2, 'workload recorded its entries');

$node->restart;    # fast
is(snapshot(), $before, 'statistics survive a fast restart');
ok(!-e $statfile, 'statistics file removed once loaded');

$node->stop('fast');
ok(-e $statfile, 'fast shutdown writes the statistics file');
my $good_file = read_binary($statfile);
$node->start;
is(snapshot(), $before, 'statistics survive a fast stop and start');

# a smart shutdown is as clean as a fast one
$node->stop('smart');
$node->start;
is(snapshot(), $before, 'statistics survive a smart shutdown');

# recording goes on adding to loaded entries
workload();
like(snapshot(), qr/^child\|\{parent_id\}\|\{eq\}\|child_parent_id_fkey\|\|10\|4\|10000\|120\|/m,
	'loaded entries keep counting');

# --- crashes drop them -------------------------------------------------------

$node->stop('immediate');
ok(!-e $statfile, 'immediate shutdown writes no statistics file');
$node->start;
is(nentries(), 0, 'statistics are gone after an immediate shutdown');

# a file left by a clean shutdown is consumed at start, so a crash after it
# does not revive it
workload();
$node->restart;
is(nentries(), $n_workload, 'statistics reloaded after a clean restart');
$node->stop('immediate');
$node->start;
is(nentries(), 0, 'a crash after a clean restart does not revive old statistics');

# a killed postmaster; its children notice and exit, then it can start again
workload();
my $postmaster = $node->{_pid};
my @children;
for my $dir (glob('/proc/[0-9]*'))
{
	my ($child) = $dir =~ m{/proc/(\d+)$};
	open(my $st, '<', "$dir/stat") or next;
	my $line = <$st>;
	close($st);
	push @children, $child
	  if defined $line && $line =~ /\) \S+ (\d+) / && $1 == $postmaster;
}
$node->kill9;
for (1 .. $PostgreSQL::Test::Utils::timeout_default * 10)
{
	last unless grep { kill(0, $_) } @children;
	usleep(100_000);
}
$node->start;
is(nentries(), 0, 'statistics are gone after the postmaster was killed');

# a crashed backend: the postmaster reinitialises shared memory
workload();
is(nentries(), $n_workload, 'recorded before the backend crash');
my $psql = $node->background_psql('postgres');
my $pid = $psql->query_safe('SELECT pg_backend_pid()');
kill 'KILL', $pid;
$psql->quit;
$node->poll_query_until('postgres', 'SELECT true')
  or die 'server did not come back after the backend crash';
is(nentries(), 0, 'statistics are gone after a backend crash');
workload();
$node->restart;
is(nentries(), $n_workload, 'statistics recorded after the crash survive a clean restart');
ok($node->log_contains(qr/terminated by signal 9/),
	'the backend crash did happen');

# --- idxadvisor.save = off -----------------------------------------------------

$node->safe_psql('postgres', 'SELECT idxadvisor_reset()');
workload();
$node->append_conf('postgresql.conf', 'idxadvisor.save = off');
$node->reload;
$node->stop('fast');
ok(!-e $statfile, 'save = off writes no statistics file');
$node->start;
is(nentries(), 0, 'save = off: statistics not kept');

# a file saved before save was turned off is not loaded, and is removed
$node->adjust_conf('postgresql.conf', 'idxadvisor.save', 'on');
$node->reload;
workload();
$node->stop('fast');
ok(-e $statfile, 'save = on writes the statistics file');
$node->adjust_conf('postgresql.conf', 'idxadvisor.save', 'off');
$node->start;
is(nentries(), 0, 'save = off: an existing file is not loaded');
$node->stop('fast');
ok(!-e $statfile, 'save = off: an existing file is removed');
$node->adjust_conf('postgresql.conf', 'idxadvisor.save', 'on');
$node->start;
is(nentries(), 0, 'and not loaded at the next start either');

# --- bad files are ignored with a LOG line -----------------------------------

# CRC-32C as PostgreSQL computes it (Castagnoli, reflected), to craft files
# whose checksum is right but whose content is not.
my @crc_table = map {
	my $c = $_;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	$c;
} 0 .. 255;

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8)
	  for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}

# Header: magic, version, key size, counters size (uint32), nentries (int32)
my $header_size = 20;
my ($magic, $version, $key_size, $counters_size, $nentries_in_file) =
  unpack('L L L L l', $good_file);
is($magic, 0x49445841, 'saved file starts with the magic number');
is($nentries_in_file, $n_workload, 'saved file holds the entries');
is(length($good_file),
	$header_size + $n_workload * ($key_size + $counters_size) + 4,
	'saved file has the expected length');
is(crc32c(substr($good_file, 0, length($good_file) - 4)),
	unpack('L', substr($good_file, -4)),
	'our CRC-32C agrees with the saved file');

# Write $content as the statistics file of the stopped server, start it, and
# check that it starts, logs that the file is ignored, and has no entries.
sub check_bad_file
{
	my ($name, $content, $problem) = @_;

	$node->stop('fast');
	open(my $fh, '>:raw', $statfile) or die "could not write $statfile: $!";
	print $fh $content;
	close($fh);

	my $offset = -s $node->logfile;
	$node->start;
	ok( $node->log_contains(
			qr/LOG:  ignoring idxadvisor statistics file "pg_stat\/idxadvisor\.stat": \Q$problem\E/,
			$offset),
		"$name: ignored with a LOG line");
	is(nentries(), 0, "$name: no entries loaded");
	ok(!-e $statfile, "$name: file removed");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM child WHERE parent_id = 1'),
		'20', "$name: server works");
	$node->safe_psql('postgres', 'SELECT idxadvisor_reset()');
}

my $bad;

# flipped bytes in the middle of the entries
$bad = $good_file;
substr($bad, $header_size + 30, 4) = ~substr($bad, $header_size + 30, 4);
check_bad_file('flipped bytes', $bad, 'checksum mismatch');

# a flipped byte in the checksum itself
$bad = $good_file;
substr($bad, -1, 1) = ~substr($bad, -1, 1);
check_bad_file('flipped checksum', $bad, 'checksum mismatch');

# truncated in the middle of an entry, and just before the checksum
check_bad_file('truncated', substr($good_file, 0, $header_size + 50),
	'file is truncated');
check_bad_file('truncated checksum', substr($good_file, 0, -2),
	'file is truncated');

check_bad_file('trailing garbage', $good_file . "garbage",
	'file has trailing data');

# another file format altogether, and our format at another version or with
# another layout
check_bad_file('foreign file', "PGDMP\x01\x0e\x00" . ("\x00" x 64),
	'not an idxadvisor statistics file');
check_bad_file('other version',
	pack('L L L L l', $magic, 99, $key_size, $counters_size, 0)
	  . pack('L', 0),
	'file was written by an incompatible version');
check_bad_file('other key layout',
	pack('L L L L l', $magic, $version, $key_size + 8, $counters_size, 0)
	  . pack('L', 0),
	'file was written by an incompatible version');
check_bad_file('negative entry count',
	pack('L L L L l', $magic, $version, $key_size, $counters_size, -1)
	  . pack('L', 0),
	'invalid number of entries');
check_bad_file('huge entry count',
	pack('L L L L l', $magic, $version, $key_size, $counters_size,
		2**31 - 1),
	'invalid number of entries');

check_bad_file('empty file', '', 'file is too short');
check_bad_file('short header', substr($good_file, 0, 10),
	'file is too short');

# A right checksum over a wrong entry: the second entry claims 200 filtered
# columns.  The first entry, loaded already, must be dropped again.
$bad = substr($good_file, 0, length($good_file) - 4);
substr($bad, $header_size + $key_size + $counters_size + 8, 1) = chr(200);
$bad .= pack('L', crc32c($bad));
check_bad_file('invalid entry', $bad, 'invalid entry');

# A good file is loaded again after all that
$node->stop('fast');
open(my $fh, '>:raw', $statfile) or die "could not write $statfile: $!";
print $fh $good_file;
close($fh);
$node->start;
is(nentries(), $n_workload, 'the good file loads');

# --- more entries in the file than idxadvisor.max allows ---------------------

# 190 distinct entries: every pair of 20 columns
my $cols = join(', ', map { "c$_ int" } 1 .. 20);
my $sql = "CREATE TABLE wide ($cols);\n"
  . "INSERT INTO wide SELECT "
  . join(', ', map { 'g' } 1 .. 20)
  . " FROM generate_series(1, 50) g;\n";
for my $i (1 .. 20)
{
	for my $j ($i + 1 .. 20)
	{
		$sql .= "SELECT count(*) FROM wide WHERE c$i = 1 AND c$j = 1;\n";
	}
}
$node->safe_psql('postgres', "SELECT idxadvisor_reset();\n" . $sql);
is(nentries(), 190, '190 entries recorded');

# the 19 pairs with c1 are used five times more: those must survive
my $hot = join('', map { "SELECT count(*) FROM wide WHERE c1 = 1 AND c$_ = 1;\n" } 2 .. 20);
$node->safe_psql('postgres', $hot x 5);

$node->stop('fast');
$node->adjust_conf('postgresql.conf', 'idxadvisor.max', '100');
$node->start;
is($node->safe_psql('postgres', 'SHOW idxadvisor.max'), '100',
	'idxadvisor.max lowered');
is(nentries(), 100, 'a lowered idxadvisor.max keeps at most max entries');
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM idxadvisor_scans WHERE executions NOT IN (1, 6) OR rows_scanned <> 50 * executions OR rows_matched <> executions'),
	0, 'the kept entries have their counts');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM idxadvisor_scans WHERE executions = 6 AND columns[1] = 'c1'"),
	19, 'the most used entries are the ones kept');

# recording still works, evicting, with the table full
$node->safe_psql('postgres', $sql =~ s/^(CREATE|INSERT).*\n//mgr);
ok(nentries() <= 100, 'recording into a full table keeps at most max entries');

$node->stop('fast');
ok($node->log_contains(qr/terminated by signal 9/), 'only the deliberate crash');
unlike(slurp_file($node->logfile), qr/terminated by signal (?!9)|TRAP:|PANIC:/,
	'no other crash in the log');

done_testing();

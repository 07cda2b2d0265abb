# test/IdxadvConcurrent.pm
#
# Helpers of the TAP tests that run several pgbench clients at once against
# one PostgreSQL::Test::Cluster node: start runs in the background, wait for
# them, and check the server survived.

package IdxadvConcurrent;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(start_pgbench finish_pgbench server_healthy);

# Start pgbench in the background with the given options and script text;
# returns a handle for finish_pgbench.  The simple protocol substitutes
# pgbench variables as text, so a script can pick tables and columns.
sub start_pgbench
{
	my ($node, $name, $opts, $script) = @_;
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

# Wait for a pgbench run: it must have succeeded with no failed query.
sub finish_pgbench
{
	my ($run) = @_;
	$run->{handle}->finish;
	is($run->{handle}->result(0), 0, "$run->{name}: pgbench succeeded")
	  or diag("stdout:\n$run->{out}\nstderr:\n$run->{err}");
	unlike($run->{err}, qr/ERROR|FATAL|aborted/, "$run->{name}: no errors");
	return $run->{out};
}

# The server answers, and its log shows no crashed process.
sub server_healthy
{
	my ($node, $name) = @_;
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "$name: server up");
	unlike(
		slurp_file($node->logfile),
		qr/terminated by signal|was terminated by exception|TRAP:|PANIC:|out of shared memory/,
		"$name: no crash in the log");
}

1;

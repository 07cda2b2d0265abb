#!/bin/bash
# test/installcheck.sh -- `make check-installcheck`: run `make installcheck`
# the way a user runs it against their own server, against two throwaway
# servers at default settings: one with idxadvisor in
# shared_preload_libraries, one without; twice on each.  All must pass.
#
# Run as the user the servers run as (not root); the extension must be
# installed in PG_CONFIG's installation and the tree writable.  Outputs go to
# $TEST_OUT/installcheck/{preload,nopreload}/run{1,2}/, with each server's
# log.

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-pg_config}
BINDIR=$("$PG_CONFIG" --bindir)
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${TEST_OUT:-$SRC/test/output}/installcheck

rm -rf "$OUT"
mkdir -p "$OUT"

# The servers listen only on a Unix socket in a directory of their own, so
# no port can collide with another server; a short path, since socket paths
# are limited to about 100 bytes.
DIR=$(mktemp -d /tmp/idxadv-ic.XXXXXX)

cleanup()
{
	local mode
	for mode in preload nopreload; do
		[ -f "$DIR/$mode/postmaster.pid" ] &&
			"$BINDIR/pg_ctl" -D "$DIR/$mode" -m immediate -w stop >/dev/null 2>&1
	done
	rm -rf "$DIR"
}
trap cleanup EXIT

status=0
for mode in preload nopreload; do
	mkdir -p "$OUT/$mode"
	"$BINDIR/initdb" -D "$DIR/$mode" -A trust --no-sync >"$OUT/$mode/initdb.log" 2>&1
	# Nothing but where to listen, and durability, which no test depends
	# on; everything else keeps its default.
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$DIR'"
		echo "fsync = off"
		if [ "$mode" = preload ]; then
			echo "shared_preload_libraries = 'idxadvisor'"
		fi
	} >>"$DIR/$mode/postgresql.conf"
	"$BINDIR/pg_ctl" -D "$DIR/$mode" -l "$OUT/$mode/server.log" -o "-p 5432" \
		-w start >/dev/null

	# Twice: a user runs it again on the same server, which must not trip
	# over what the first run left behind (roles, databases, jobs).
	for run in 1 2; do
		if (cd "$SRC" && PGHOST="$DIR" PGPORT=5432 PGUSER=$(id -un) \
			make -s installcheck PG_CONFIG="$PG_CONFIG" \
			EXTRA_REGRESS_OPTS="--outputdir=$OUT/$mode/run$run") \
			>"$OUT/$mode/installcheck.$run.log" 2>&1; then
			echo "installcheck, library $mode, run $run: ok"
		else
			echo "installcheck, library $mode, run $run: FAILED (see $OUT/$mode)"
			tail -20 "$OUT/$mode/installcheck.$run.log"
			status=1
		fi
	done

	"$BINDIR/pg_ctl" -D "$DIR/$mode" -m fast -w stop >/dev/null
done
exit $status

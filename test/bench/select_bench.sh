#!/bin/bash
# test/bench/select_bench.sh -- the workload-level selection at scale
# (issue 12, mistake 3): a table of COLS integer columns queried in every
# pair of them (COLS * (COLS - 1) / 2 filter shapes, 4,950 for 100 columns),
# each pair "WHERE ci = $1 AND cj = $2" finding about one row.  Without a
# selection that is one two-column index per shape.  Prints how many
# indexes idxadvisor_suggest() suggests (the expert answer is at most one
# per column; idxadvisor.max_new_indexes_per_table bounds it first) and how
# long the call takes: the first call, then the median of the next RUNS.
#
# Not part of `make test`: a benchmark, whose figures go into README.md.
# The goal: at most COLS indexes, in under 5 s.
#
# Usage:  [PG_CONFIG=...] [COLS=100] [ROWS=20000] [RUNS=3] [PORT=5504] [KEEP=1]
#         bash test/bench/select_bench.sh
#
# Runs as root (the server and clients then run as user postgres, through
# runuser) or as a normal user who can run the server.  The extension must
# be installed (make install) into PG_CONFIG's installation.  The server
# listens on a Unix socket in its own directory only.

set -euo pipefail

COLS=${COLS:-100}
ROWS=${ROWS:-20000}
RUNS=${RUNS:-3}
PORT=${PORT:-5504}

. "$(dirname "$0")/lib.sh"

DIR=$(mktemp -d /tmp/idxadvisor-select-bench.XXXXXX)
chmod 755 "$DIR"
[ -n "${AS_PG[*]}" ] && chown "$RUN_USER" "$DIR"
cleanup()
{
	"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT

"${AS_PG[@]}" "$BINDIR/initdb" -D "$DIR/data" >/dev/null 2>&1
cat >>"$DIR/data/postgresql.conf" <<CONF
shared_preload_libraries = 'idxadvisor'
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $PORT
idxadvisor.max = $((COLS * COLS))
autovacuum = off
CONF
"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start >/dev/null
psql_()
{
	"${AS_PG[@]}" "$BINDIR/psql" -X -q -h "$DIR" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 "$@"
}

# Column i holds (g * p_i) % VALUES with p_i a different multiplier each:
# about ROWS / VALUES rows per value, a pair of columns about one row.
VALUES=$(python3 -c "import math; print(max(2, int(math.sqrt($ROWS))))")
{
	echo "CREATE EXTENSION idxadvisor;"
	printf 'CREATE TABLE wide (id int PRIMARY KEY'
	for i in $(seq 1 "$COLS"); do printf ', c%d int' "$i"; done
	echo ');'
	printf 'INSERT INTO wide SELECT g'
	for i in $(seq 1 "$COLS"); do printf ', (g * %d) %% %d' $((i * 7919 % 10007 + 1)) "$VALUES"; done
	echo " FROM generate_series(1, $ROWS) g;"
	echo "VACUUM ANALYZE wide;"
	echo "SELECT idxadvisor_reset();"
} | psql_ >/dev/null

echo "-- workload: $COLS columns, $((COLS * (COLS - 1) / 2)) pairwise shapes, $ROWS rows"
{
	for i in $(seq 1 "$COLS"); do
		for j in $(seq $((i + 1)) "$COLS"); do
			echo "SELECT count(*) FROM wide WHERE c$i = 1 AND c$j = 2;"
		done
	done
} | psql_ >/dev/null
psql_ -At -c "SELECT 'captured shapes: ' || count(*) FROM idxadvisor_scans WHERE relid = 'wide'::regclass"

times=()
for r in $(seq 0 "$RUNS"); do
	out=$(psql_ -At -c '\timing on' \
		-c "SELECT count(*) FROM idxadvisor_suggest() WHERE relid = 'wide'::regclass")
	n=$(echo "$out" | head -1)
	ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
	if [ "$r" = 0 ]; then
		echo "-- first call: $n indexes in $ms ms"
	else
		times+=("$ms")
	fi
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "-- median of $RUNS more calls: $median ms, $n indexes"
for limit in $COLS; do
	n=$(psql_ -At -c "SET idxadvisor.max_new_indexes_per_table = $limit" \
		-c '\timing on' \
		-c "SELECT count(*) FROM idxadvisor_suggest() WHERE relid = 'wide'::regclass")
	echo "-- with idxadvisor.max_new_indexes_per_table = $limit: $(echo "$n" | head -1) indexes in $(echo "$n" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p') ms"
done

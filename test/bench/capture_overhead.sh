#!/bin/bash
# test/bench/capture_overhead.sh -- throughput cost of the capture.
#
# Not part of `make test`: a benchmark, whose figures go into README.md.
#
# Creates throwaway clusters with identical settings except
# shared_preload_libraries -- "baseline" (nothing), "idxadvisor" (capture at
# its defaults) and, when pg_qualstats is installed, "pg_qualstats" (with
# pg_qualstats.sample_rate = 1) -- loads the same data into each, and runs
# paired pgbench runs: in every round each cluster runs the workload back to
# back with the baseline, in an order that alternates from round to round,
# so that whatever else the machine does hits both sides of a pair alike.
# To make the pairs tighter still, each side's DURATION seconds of a round
# are run as SLICES short runs interleaved with the other side's (again in
# alternating order).  The ratio of a round is tps(cluster) / tps(baseline)
# of that pair; the result is the median ratio over the rounds.
#
# On a machine whose CPUs are shared with other work, wall-clock tps swings
# with that work.  So each run also measures the CPU time its backends used
# (the cutime + cstime of the postmaster, which reaps them), and the script
# reports the ratio of transactions per backend CPU second as well: the
# server-side cost per transaction, which other load hardly changes.  It also reports the shared memory the
# capture takes at the default idxadvisor.max, from pg_shmem_allocations.
#
# Workloads (WORKLOADS, space-separated):
#   select           pgbench -S (built-in select-only), simple protocol
#   select_prepared  the same with -M prepared
#   fkscan           SELECT id FROM fk_child WHERE parent_id = :random, a
#                    filtered sequential scan on an unindexed foreign key of
#                    a small table (FK_ROWS rows), simple protocol
#   fkscan_prepared  the same with -M prepared
#
# Usage:  [PG_CONFIG=...] [ROUNDS=7] [DURATION=15] [SLICES=5]
#         [WORKLOADS="select fkscan"] [SCALE=10] [CLIENTS=2] [FK_ROWS=500]
#         [PORT=5510] [QUALSTATS=auto|off] [KEEP=1]
#         bash test/bench/capture_overhead.sh
#
# Runs as root (the servers and clients then run as user postgres, through
# runuser) or as a normal user who can run the servers itself.  The
# extension must be installed (make install) into PG_CONFIG's installation.
# Servers listen on 127.0.0.1 only, on ports PORT, PORT+1, PORT+2; clients
# connect through a Unix socket in the temporary directory.  Everything is
# removed at the end (KEEP=1 keeps the directory, with the pgbench outputs).

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-pg_config}
ROUNDS=${ROUNDS:-7}
DURATION=${DURATION:-15}
WORKLOADS=${WORKLOADS:-select fkscan}
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-2}
FK_ROWS=${FK_ROWS:-500}
PORT=${PORT:-5510}
QUALSTATS=${QUALSTATS:-auto}
SLICES=${SLICES:-5}
KEEP=${KEEP:-0}
source "$(dirname "$0")/lib.sh"
[ "$ROUNDS" -ge 1 ] || die "ROUNDS must be at least 1"
SLICE_SECS=$((DURATION / SLICES))
[ "$SLICE_SECS" -ge 1 ] || die "DURATION must be at least SLICES seconds"

CLUSTERS="baseline idxadvisor"
if [ "$QUALSTATS" != off ]; then
	if [ -f "$PKGLIBDIR/pg_qualstats.so" ]; then
		CLUSTERS="$CLUSTERS pg_qualstats"
	elif [ "$QUALSTATS" != auto ]; then
		die "pg_qualstats is not installed in $PKGLIBDIR"
	else
		echo "(pg_qualstats not installed in $PKGLIBDIR: skipped)"
	fi
fi

TMPDIR_BENCH=$(mktemp -d /tmp/idxadv-bench.XXXXXX)
chmod 755 "$TMPDIR_BENCH"
[ ${#AS_PG[@]} -gt 0 ] && chown "$RUN_USER" "$TMPDIR_BENCH"

as_pg()
{
	"${AS_PG[@]}" "$@"
}

cleanup()
{
	local c
	for c in $CLUSTERS; do
		if [ -f "$TMPDIR_BENCH/$c/postmaster.pid" ]; then
			as_pg "$BINDIR/pg_ctl" -D "$TMPDIR_BENCH/$c" -m fast -w stop \
				>/dev/null 2>&1 || true
		fi
	done
	if [ "$KEEP" = 1 ]; then
		echo "kept $TMPDIR_BENCH"
	else
		rm -rf "$TMPDIR_BENCH"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_of()
{
	local i=0 c
	for c in baseline idxadvisor pg_qualstats; do
		[ "$c" = "$1" ] && { echo $((PORT + i)); return; }
		i=$((i + 1))
	done
}

# psql and pgbench against one cluster
pg()
{
	local c=$1
	shift
	as_pg "$BINDIR/$1" -h "$TMPDIR_BENCH" -p "$(port_of "$c")" -U postgres "${@:2}"
}

# --- clusters ------------------------------------------------------------

for c in $CLUSTERS; do
	as_pg "$BINDIR/initdb" -D "$TMPDIR_BENCH/$c" -A trust -U postgres \
		--no-sync >/dev/null
	# identical settings everywhere, but for what is preloaded
	cat >>"$TMPDIR_BENCH/$c/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $(port_of "$c")
unix_socket_directories = '$TMPDIR_BENCH'
shared_buffers = 128MB
max_connections = 20
autovacuum = off
fsync = off
synchronous_commit = off
jit = off
EOF
	case $c in
		baseline) ;;
		idxadvisor)
			echo "shared_preload_libraries = 'idxadvisor'" \
				>>"$TMPDIR_BENCH/$c/postgresql.conf" ;;
		pg_qualstats)
			printf "%s\n" "shared_preload_libraries = 'pg_qualstats'" \
				"pg_qualstats.sample_rate = 1" \
				>>"$TMPDIR_BENCH/$c/postgresql.conf" ;;
	esac
	as_pg "$BINDIR/pg_ctl" -D "$TMPDIR_BENCH/$c" -l "$TMPDIR_BENCH/$c.log" \
		-w start >/dev/null
done

# The capture's hash table entries come from anonymous shared memory: take
# its size on the freshly started clusters, before any work grows other
# shared hash tables (the lock tables do) differently in each.
shmem_sql="SELECT coalesce(sum(allocated_size) FILTER (WHERE name LIKE 'idxadvisor%'), 0),
                  coalesce(sum(allocated_size) FILTER (WHERE name = '<anonymous>'), 0)
             FROM pg_shmem_allocations"
read -r named anon < <(pg idxadvisor psql -X -At -F ' ' -d postgres -c "$shmem_sql")
read -r _ anon_base < <(pg baseline psql -X -At -F ' ' -d postgres -c "$shmem_sql")

echo "== loading data (pgbench scale $SCALE, fk_child $FK_ROWS rows)"
for c in $CLUSTERS; do
	pg "$c" pgbench -q -i -s "$SCALE" postgres >/dev/null 2>&1
	{ fk_schema_sql; echo "CHECKPOINT;"; } |
		pg "$c" psql -X -q -v ON_ERROR_STOP=1 -d postgres
	case $c in
		idxadvisor) pg "$c" psql -X -q -d postgres -c "CREATE EXTENSION idxadvisor" ;;
		pg_qualstats) pg "$c" psql -X -q -d postgres -c "CREATE EXTENSION pg_qualstats" ;;
	esac
done

cat >"$TMPDIR_BENCH/fkscan.sql" <<'EOF'
\set p random(1, 100)
SELECT id FROM fk_child WHERE parent_id = :p;
EOF
chmod 644 "$TMPDIR_BENCH/fkscan.sql"

# CPU time (clock ticks) of the backends a cluster's postmaster has reaped:
# its cutime + cstime.  Backends of a finished pgbench run are counted once
# the postmaster has waited for them.
reaped_cpu()
{
	local pm
	pm=$(head -1 "$TMPDIR_BENCH/$1/postmaster.pid")
	sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $14 + $15 }'
}

# Wait until a cluster is back to its idle processes, so that the backends
# of the last run are reaped
wait_backends_gone()
{
	local pm i
	pm=$(head -1 "$TMPDIR_BENCH/$1/postmaster.pid")
	for i in $(seq 1 100); do
		[ "$(pgrep -c -P "$pm")" -le "${IDLE_CHILDREN[$1]}" ] && return 0
		sleep 0.05
	done
	die "backends of $1 did not exit"
}

# Run one workload on one cluster; prints the number of transactions, the
# tps (without connection time) and the backends' CPU ticks
run_one()
{
	local c=$1 w=$2 secs=$3 out cpu0 cpu1
	local args=(-n -T "$secs" -c "$CLIENTS" -j "$CLIENTS")
	case $w in
		select) args+=(-S) ;;
		select_prepared) args+=(-S -M prepared) ;;
		fkscan) args+=(-f "$TMPDIR_BENCH/fkscan.sql") ;;
		fkscan_prepared) args+=(-f "$TMPDIR_BENCH/fkscan.sql" -M prepared) ;;
		*) die "unknown workload $w" ;;
	esac
	out="$TMPDIR_BENCH/out.$w.$c.$4"
	wait_backends_gone "$c"
	cpu0=$(reaped_cpu "$c")
	pg "$c" pgbench "${args[@]}" postgres >"$out" 2>&1 ||
		die "pgbench failed on $c: $(tail -5 "$out")"
	wait_backends_gone "$c"
	cpu1=$(reaped_cpu "$c")
	echo "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")" \
		"$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")" \
		"$((cpu1 - cpu0))"
}

median()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A IDLE_CHILDREN=()
for c in $CLUSTERS; do
	sleep 1
	IDLE_CHILDREN[$c]=$(pgrep -c -P "$(head -1 "$TMPDIR_BENCH/$c/postmaster.pid")")
done

echo "== $ROUNDS rounds of $SLICES x $SLICE_SECS s per side of each pair, $CLIENTS clients, clusters: $CLUSTERS"
echo "   ($(nproc) CPUs; $(uptime | sed 's/.*load average/load average/'))"
echo "   tps: transactions per second (wall clock); tx/cpu-s: transactions per"
echo "   CPU second of the backends; (ratio to baseline in the same round)"

# results: workload cluster round tps tps_ratio txcpu txcpu_ratio
RESULTS="$TMPDIR_BENCH/results"
: >"$RESULTS"
for w in $WORKLOADS; do
	# warm up each cluster's caches and plans once
	for c in $CLUSTERS; do
		run_one "$c" "$w" 3 warmup >/dev/null
	done
	for round in $(seq 1 "$ROUNDS"); do
		# Each other cluster is paired with the baseline on its own: the
		# pair's SLICES short runs alternate, "baseline X" then "X baseline",
		# so that both sides run after each other equally often.  A side's
		# tps is its total transactions over its total time.
		declare -A tx=() secs=() ticks=() tps=() txcpu=()
		line=$(printf "%-16s %2d" "$w" "$round")
		for x in $CLUSTERS; do
			[ "$x" = baseline ] && continue
			for c in baseline "$x"; do
				tx[$c]=0
				secs[$c]=0
				ticks[$c]=0
			done
			for slice in $(seq 1 "$SLICES"); do
				if [ $(((round + slice) % 2)) = 0 ]; then
					order="baseline $x"
				else
					order="$x baseline"
				fi
				for c in $order; do
					read -r n t k < <(run_one "$c" "$w" "$SLICE_SECS" "$round.$slice") || true
					[ -n "${n:-}" ] && [ -n "${t:-}" ] && [ -n "${k:-}" ] ||
						die "pgbench run $w on $c failed (see KEEP=1 outputs)"
					tx[$c]=$((tx[$c] + n))
					ticks[$c]=$((ticks[$c] + k))
					secs[$c]=$(awk -v s="${secs[$c]}" -v n="$n" -v t="$t" 'BEGIN { printf "%.6f", s + n / t }')
				done
			done
			for c in baseline "$x"; do
				tps[$c]=$(awk -v n="${tx[$c]}" -v s="${secs[$c]}" 'BEGIN { printf "%.1f", n / s }')
				txcpu[$c]=$(awk -v n="${tx[$c]}" -v k="${ticks[$c]}" -v hz="$(getconf CLK_TCK)" \
					'BEGIN { printf "%.1f", (k > 0 ? n / (k / hz) : 0) }')
			done
			ratio=$(awk -v a="${tps[$x]}" -v b="${tps[baseline]}" 'BEGIN { printf "%.4f", a / b }')
			cratio=$(awk -v a="${txcpu[$x]}" -v b="${txcpu[baseline]}" 'BEGIN { printf "%.4f", a / b }')
			echo "$w $x $round ${tps[$x]} $ratio ${txcpu[$x]} $cratio" >>"$RESULTS"
			line="$line | baseline $(printf "%8.1f" "${tps[baseline]}") $x $(printf "%8.1f" "${tps[$x]}") tps ($ratio), tx/cpu-s ($cratio)"
		done
		echo "$line"
		unset tx secs ticks tps txcpu
	done
done

echo
echo "== median ratios to baseline (same round), $ROUNDS rounds of $SLICES x ${SLICE_SECS}s per side"
printf "%-16s %-13s %10s %10s %10s %12s %10s %10s\n" workload cluster \
	"tps median" min max "tx/cpu med" min max
for w in $WORKLOADS; do
	for c in $CLUSTERS; do
		[ "$c" = baseline ] && continue
		r=$(awk -v w="$w" -v c="$c" '$1 == w && $2 == c { print $5 }' "$RESULTS")
		q=$(awk -v w="$w" -v c="$c" '$1 == w && $2 == c { print $7 }' "$RESULTS")
		printf "%-16s %-13s %10s %10s %10s %12s %10s %10s\n" "$w" "$c" \
			"$(echo "$r" | median)" "$(echo "$r" | sort -g | head -1)" \
			"$(echo "$r" | sort -g | tail -1)" \
			"$(echo "$q" | median)" "$(echo "$q" | sort -g | head -1)" \
			"$(echo "$q" | sort -g | tail -1)"
	done
done

# --- what was captured, and the shared memory it takes --------------------

echo
echo "== idxadvisor captured (sanity check that capture was on)"
pg idxadvisor psql -X -d postgres -c "SELECT relid, columns, comparisons, foreign_key,
       executions, rows_scanned, rows_matched FROM idxadvisor_scans ORDER BY 1::text, 2::text"

echo "== shared memory at idxadvisor.max = $(pg idxadvisor psql -X -At -d postgres -c 'SHOW idxadvisor.max')"
# Named allocations are the shared state and the hash table's header and
# directory; the hash table's entries and buckets are the difference in
# anonymous allocations to the baseline cluster, taken at start (above).
max=$(pg idxadvisor psql -X -At -d postgres -c 'SHOW idxadvisor.max')
pg idxadvisor psql -X -d postgres -c "SELECT name, size, allocated_size
  FROM pg_shmem_allocations WHERE name LIKE 'idxadvisor%' ORDER BY name"
awk -v named="$named" -v anon="$anon" -v base="$anon_base" -v max="$max" 'BEGIN {
	entries = anon - base;
	total = named + entries;
	printf "named allocations (idxadvisor*):        %10d bytes\n", named;
	printf "hash entries (anonymous, vs baseline):  %10d bytes\n", entries;
	printf "total:                                  %10d bytes (%.2f MB)\n", total, total / 1048576;
	printf "per entry (total / idxadvisor.max):     %10.1f bytes\n", total / max;
	printf "per entry (entries only / max):         %10.1f bytes\n", entries / max;
}'

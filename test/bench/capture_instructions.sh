#!/bin/bash
# test/bench/capture_instructions.sh -- CPU instructions the capture adds to
# a query, counted by valgrind's callgrind: a figure that, unlike pgbench
# throughput, does not depend on what else the machine runs.
#
# Not part of `make test`.  Creates throwaway clusters that differ only in
# shared_preload_libraries -- "baseline", "idxadvisor" (defaults) and, when
# installed, "pg_qualstats" (sample_rate = 1) -- loads the same data as
# capture_overhead.sh, then runs the same statements through a single-user
# backend (postgres --single, which loads shared_preload_libraries and runs
# the executor hooks like any backend) under callgrind, twice: with N1 and
# with N2 statements.  (Ir(N2) - Ir(N1)) / (N2 - N1) is the instructions per
# statement, free of start-up costs; the ratio baseline / cluster estimates
# the throughput ratio of a CPU-bound server.  For the idxadvisor cluster it
# also lists the functions of idxadvisor.so with their inclusive cost per
# statement.
#
# Workloads: select (pgbench -S's statement, random keys), select_prepared
# (the same through PREPARE / EXECUTE), fkscan (SELECT id FROM fk_child
# WHERE parent_id = <random>, FK_ROWS rows, no index), fkscan_prepared.
#
# Usage:  [PG_CONFIG=...] [N1=500] [N2=2500] [SCALE=10] [FK_ROWS=500]
#         [WORKLOADS="select fkscan select_prepared fkscan_prepared"]
#         [QUALSTATS=auto|off] [KEEP=1] bash test/bench/capture_instructions.sh
#
# Runs as root (the servers then run as user postgres) or as a normal user.
# The clusters use only a Unix socket in their temporary directory.

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-pg_config}
N1=${N1:-500}
N2=${N2:-2500}
SCALE=${SCALE:-10}
FK_ROWS=${FK_ROWS:-500}
WORKLOADS=${WORKLOADS:-select fkscan select_prepared fkscan_prepared}
QUALSTATS=${QUALSTATS:-auto}
KEEP=${KEEP:-0}
source "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || die "valgrind is not installed"
command -v callgrind_annotate >/dev/null || die "callgrind_annotate is not installed"
[ "$N2" -gt "$N1" ] || die "N2 must be larger than N1"

as_pg()
{
	"${AS_PG[@]}" "$@"
}

CLUSTERS="baseline idxadvisor"
if [ "$QUALSTATS" != off ]; then
	if [ -f "$PKGLIBDIR/pg_qualstats.so" ]; then
		CLUSTERS="$CLUSTERS pg_qualstats"
	elif [ "$QUALSTATS" != auto ]; then
		die "pg_qualstats is not installed in $PKGLIBDIR"
	fi
fi

DIR=$(mktemp -d /tmp/idxadv-instr.XXXXXX)
chmod 755 "$DIR"
[ ${#AS_PG[@]} -gt 0 ] && chown "$RUN_USER" "$DIR"

cleanup()
{
	local c
	for c in $CLUSTERS; do
		[ -f "$DIR/$c/postmaster.pid" ] &&
			as_pg "$BINDIR/pg_ctl" -D "$DIR/$c" -m fast -w stop >/dev/null 2>&1
	done
	if [ "$KEEP" = 1 ]; then
		echo "kept $DIR"
	else
		rm -rf "$DIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- clusters and data ------------------------------------------------------

echo "== loading data (pgbench scale $SCALE, fk_child $FK_ROWS rows)"
for c in $CLUSTERS; do
	as_pg "$BINDIR/initdb" -D "$DIR/$c" -A trust -U postgres --no-sync >/dev/null
	cat >>"$DIR/$c/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$DIR'
shared_buffers = 128MB
autovacuum = off
fsync = off
jit = off
EOF
	case $c in
		idxadvisor)
			echo "shared_preload_libraries = 'idxadvisor'" >>"$DIR/$c/postgresql.conf" ;;
		pg_qualstats)
			printf "%s\n" "shared_preload_libraries = 'pg_qualstats'" \
				"pg_qualstats.sample_rate = 1" >>"$DIR/$c/postgresql.conf" ;;
	esac
	as_pg "$BINDIR/pg_ctl" -D "$DIR/$c" -l "$DIR/$c.log" -w \
		-o "-p 5519" start >/dev/null
	as_pg "$BINDIR/pgbench" -h "$DIR" -p 5519 -U postgres -q -i -s "$SCALE" \
		postgres >/dev/null 2>&1
	as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p 5519 \
		-U postgres -d postgres < <(fk_schema_sql)
	as_pg "$BINDIR/pg_ctl" -D "$DIR/$c" -m fast -w stop >/dev/null
done

# The statements, the same for every cluster (fixed seed)
make_script()
{
	local w=$1 n=$2
	awk -v w="$w" -v n="$n" -v accounts=$((SCALE * 100000)) 'BEGIN {
		srand(42);
		if (w == "select_prepared")
			print "PREPARE q(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = $1;";
		if (w == "fkscan_prepared")
			print "PREPARE q(int) AS SELECT id FROM fk_child WHERE parent_id = $1;";
		for (i = 0; i < n; i++) {
			if (w == "select")
				printf "SELECT abalance FROM pgbench_accounts WHERE aid = %d;\n", int(rand() * accounts) + 1;
			else if (w == "fkscan")
				printf "SELECT id FROM fk_child WHERE parent_id = %d;\n", int(rand() * 100) + 1;
			else
				printf "EXECUTE q(%d);\n", int(rand() * (w == "select_prepared" ? accounts : 100)) + 1;
		}
	}' >"$DIR/$w.$n.sql"
}

# Instructions of a single-user backend running a script; prints Ir
count_ir()
{
	local c=$1 w=$2 n=$3
	local out="$DIR/callgrind.$c.$w.$n"
	as_pg valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$BINDIR/postgres" --single -D "$DIR/$c" postgres \
		<"$DIR/$w.$n.sql" >/dev/null 2>"$out.log" ||
		die "single-user run $c $w failed: $(tail -5 "$out.log")"
	sed -n 's/^summary: \([0-9]*\)$/\1/p' "$out"
}

# Instructions per function of a callgrind output: "Ir function", for the
# functions of the files matching a pattern; inclusive (yes) or self (no)
fn_ir()
{
	callgrind_annotate --inclusive="$2" --auto=no --threshold=100 "$1" 2>/dev/null |
		awk -v pat="$3" '{
			for (i = 2; i <= NF; i++)
				if ($i ~ pat ":") {
					ir = $1; gsub(",", "", ir);
					fn = $i; sub(/.*:/, "", fn);
					print ir, fn
				}
			}'
}

printf "%-16s %-13s %14s %10s\n" workload cluster "Ir/statement" "ratio"
declare -A per=()
for w in $WORKLOADS; do
	make_script "$w" "$N1"
	make_script "$w" "$N2"
	chmod 644 "$DIR"/*.sql
	for c in $CLUSTERS; do
		ir1=$(count_ir "$c" "$w" "$N1")
		ir2=$(count_ir "$c" "$w" "$N2")
		per[$c]=$(awk -v a="$ir1" -v b="$ir2" -v n1="$N1" -v n2="$N2" \
			'BEGIN { printf "%.0f", (b - a) / (n2 - n1) }')
		printf "%-16s %-13s %14s %10s\n" "$w" "$c" "${per[$c]}" \
			"$(awk -v a="${per[baseline]}" -v b="${per[$c]}" 'BEGIN { printf "%.4f", a / b }')"
	done

	# Where idxadvisor's instructions go, per statement (N2 run minus N1
	# run): the capture's functions with what they call, and the hooks'
	# own instructions; the rest of the difference to the baseline is the
	# row-count instrumentation of the scan node, run by the executor.
	echo "   where idxadvisor's $(awk -v a="${per[idxadvisor]}" -v b="${per[baseline]}" \
		'BEGIN { print a - b }') extra Ir per statement go ($w):"
	{
		fn_ir "$DIR/callgrind.idxadvisor.$w.$N1" yes 'idxadvisor_capture\.c' | sed 's/^/1 inclusive /'
		fn_ir "$DIR/callgrind.idxadvisor.$w.$N2" yes 'idxadvisor_capture\.c' | sed 's/^/2 inclusive /'
		fn_ir "$DIR/callgrind.idxadvisor.$w.$N1" no 'idxadvisor\.c' | sed 's/^/1 self /'
		fn_ir "$DIR/callgrind.idxadvisor.$w.$N2" no 'idxadvisor\.c' | sed 's/^/2 self /'
	} | awk -v n="$((N2 - N1))" '
		{ key = $4 " (" $2 ")"; v[key, $1] = $3; keys[key] = 1 }
		END {
			for (k in keys) {
				d = (v[k, 2] - v[k, 1]) / n;
				if (d >= 1) printf "     %8.0f  %s\n", d, k
			}
		}' | sort -rn | head -15
done

#!/bin/bash
# test/bench/build_bench.sh -- idxadvisor_create_concurrently() against
# CREATE INDEX CONCURRENTLY from psql, on a 1M-row table under a steady
# pgbench write load.
#
# For each of $PAIRS pairs (order alternating within pairs) it builds the
# same index both ways while pgbench runs a rate-limited UPDATE/INSERT load,
# and reports:
#   - build time: for psql, clock_timestamp() on the server before and after
#     the statement, in the same session; for idxadvisor, the job's
#     finished_at - started_at (claim, lock, build, checks and the final
#     update of the job row included);
#   - writers' p99 latency during each build (pgbench per-transaction log,
#     transactions that ended inside the build window);
#   - job start latency: started_at - requested_at (the request row is
#     written just before the caller's commit, so this bounds commit -> start).
# Pass criteria (issue 5): median build time ratio <= 1.05, median p99 ratio
# <= 1.10, every job start < 1 s.
#
# Usage (as root or as the server's user):
#   PG_CONFIG=/path/to/pg_config test/bench/build_bench.sh
# Environment: PORT (5503), ROWS (1000000), PAIRS (3), RATE (pgbench tps, 300),
# LOAD_SECONDS (length of each pgbench run, 30; the build must end inside it)

set -euo pipefail
PG_CONFIG=${PG_CONFIG:-pg_config}
BIN=$($PG_CONFIG --bindir)
PORT=${PORT:-5503}
ROWS=${ROWS:-1000000}
PAIRS=${PAIRS:-3}
RATE=${RATE:-300}
LOAD_SECONDS=${LOAD_SECONDS:-30}
WORK=$(mktemp -d /tmp/idxadv-bench.XXXXXX)
AS=""
if [ "$(id -u)" = 0 ]; then
	chown postgres "$WORK"
	AS="runuser -u postgres --"
fi
DATA=$WORK/data
PSQL="$AS $BIN/psql -X -q -At -h $WORK -p $PORT -d postgres -v ON_ERROR_STOP=1"

cleanup()
{
	[ -n "${PGBENCH_PID:-}" ] && kill "$PGBENCH_PID" 2>/dev/null || true
	$AS $BIN/pg_ctl -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

$AS $BIN/initdb -D "$DATA" >/dev/null
cat >> "$DATA/postgresql.conf" <<CONF
shared_preload_libraries = 'idxadvisor'
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $PORT
shared_buffers = 256MB
max_wal_size = 4GB
maintenance_work_mem = 256MB
max_parallel_maintenance_workers = 0
autovacuum = off
CONF
$AS $BIN/pg_ctl -D "$DATA" -l "$WORK/log" -w start >/dev/null

$PSQL <<SQL
CREATE EXTENSION idxadvisor;
CREATE TABLE bench (id bigint PRIMARY KEY, a int, b int, pad text);
INSERT INTO bench SELECT g, (g::bigint * 7919) % 100000, g % 1000, repeat('x', 40)
  FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE bench;
SQL

cat > "$WORK/write.sql" <<SCRIPT
\set id random(1, $ROWS)
\set nid random($ROWS + 1, 1000000000000)
UPDATE bench SET b = b + 1 WHERE id = :id;
INSERT INTO bench VALUES (:nid, :id % 100000, 0, 'y') ON CONFLICT DO NOTHING;
SCRIPT
chmod a+r "$WORK/write.sql"

# one build each way; prints "method build_s p99_ms start_s"
run_build()
{
	local method=$1 logprefix=$WORK/pgb_$1_$2
	(cd "$WORK" && $AS $BIN/pgbench -n -h "$WORK" -p "$PORT" -c 4 -j 2 -R "$RATE" -T "$LOAD_SECONDS" \
		-f "$WORK/write.sql" -l --log-prefix="$logprefix" postgres >"$logprefix.out" 2>&1) &
	PGBENCH_PID=$!
	sleep 3    # steady load first
	local t0 t1 start
	if [ "$method" = psql ]; then
		# one session: no connection set-up inside the measured window
		read -r t0 t1 <<<"$($PSQL -c "SELECT extract(epoch FROM clock_timestamp())" \
			-c "CREATE INDEX CONCURRENTLY bench_a_idx ON bench (a)" \
			-c "SELECT extract(epoch FROM clock_timestamp())" | tr '\n' ' ')"
		start=0
	else
		local id
		id=$($PSQL -c "SELECT idxadvisor_create_concurrently('bench', ARRAY['a'], 'bench_a_idx')")
		$PSQL -c "CALL idxadvisor_wait($id)"
		read -r t0 t1 start <<<"$($PSQL -F ' ' -c "SELECT extract(epoch FROM started_at), extract(epoch FROM finished_at), extract(epoch FROM started_at - requested_at) FROM idxadvisor_builds WHERE id = $id")"
	fi
	# pgbench writes its log when it ends: let it run to the end
	wait "$PGBENCH_PID" || true
	PGBENCH_PID=
	$PSQL -c "DROP INDEX bench_a_idx" -c "CHECKPOINT"
	/usr/bin/python3 - "$method" "$t0" "$t1" "$start" "$logprefix" <<'PY'
import glob, sys
method, t0, t1, start, prefix = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
lat = []
for f in glob.glob(prefix + '.[0-9]*'):
    for line in open(f):
        p = line.split()
        end = int(p[4]) + int(p[5]) / 1e6
        if t0 <= end <= t1:
            lat.append(int(p[2]) / 1000.0)
if not lat or max(int(l.split()[4]) for f in glob.glob(prefix + '.[0-9]*') for l in open(f)) < t1:
    sys.exit("the build did not end inside the pgbench run: raise LOAD_SECONDS")
lat.sort()
p99 = lat[int(0.99 * (len(lat) - 1))] if lat else float('nan')
print("%s %.3f %.2f %.3f %d" % (method, t1 - t0, p99, start, len(lat)))
PY
}

echo "pair method build_s writers_p99_ms job_start_s writer_txns"
RESULTS=$WORK/results
: > "$RESULTS"
for pair in $(seq 1 "$PAIRS"); do
	if [ $((pair % 2)) = 1 ]; then order="psql idxadvisor"; else order="idxadvisor psql"; fi
	for m in $order; do
		line=$(run_build "$m" "$pair")
		echo "$pair $line"
		echo "$line" >> "$RESULTS"
	done
done

/usr/bin/python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def col(m, i): return [float(r[i]) for r in rows if r[0] == m]
bp, bi = statistics.median(col('psql', 1)), statistics.median(col('idxadvisor', 1))
pp, pi = statistics.median(col('psql', 2)), statistics.median(col('idxadvisor', 2))
st = max(col('idxadvisor', 3))
print("median build time: psql %.3f s, idxadvisor %.3f s, ratio %.3f (limit 1.05)" % (bp, bi, bi / bp))
print("median writers p99: psql %.2f ms, idxadvisor %.2f ms, ratio %.3f (limit 1.10)" % (pp, pi, pi / pp))
print("slowest job start after request: %.3f s (limit 1 s)" % st)
ok = bi / bp <= 1.05 and pi / pp <= 1.10 and st < 1.0
print("RESULT: %s" % ("PASS" if ok else "FAIL"))
PY

#!/bin/bash
# test/bench/suggest_bench.sh -- are idxadvisor_suggest()'s indexes as good
# as the ones a DBA would choose by hand, and is the function fast?
#
# Not part of `make test`: a benchmark, whose figures go into README.md.
#
# One throwaway cluster with idxadvisor (and pg_qualstats, when installed,
# with pg_qualstats.sample_rate = 1) preloaded.  For each workload:
#
#   1. the schema is loaded with no index but the primary keys, and the
#      workload runs once with pgbench to feed both advisors;
#   2. the advice is taken once: the index_ddl of idxadvisor_suggest() for the
#      workload's tables, and the "indexes" of pg_qualstats_index_advisor()
#      (its defaults);
#   3. ROUNDS rounds, each running pgbench for DURATION seconds (after a
#      WARMUP-second run that is not counted) with each index set in turn (order alternating from round to round, so that
#      whatever else the machine does hits every set alike):
#        before     primary keys only
#        after      idxadvisor_suggest()'s DDL, run as printed
#        expert     the index set written below by hand
#        qualstats  pg_qualstats_index_advisor()'s DDL
#      Every set is dropped again before the next one is built.
#   The result is the median tps of each set, and the ratios after/expert,
#   after/before, qualstats/expert and qualstats/before: each the median over
#   the rounds of that round's ratio.
#
# Workloads:
#   nplus1   an API request over unindexed foreign keys: a customer's latest
#            orders, then the lines of three of them and a product, one
#            query per row (the N+1 pattern of ORMs)
#   topn     the latest 10 events of one tenant and kind: equality, equality,
#            ORDER BY created DESC LIMIT 10
#
# Then (SCALE_TABLES > 0) the speed of idxadvisor_suggest() itself: a
# database of SCALE_TABLES tables of 20 rows whose scans fill all
# idxadvisor.max entries, and SCALE_TABLES unindexed foreign keys; in one
# session, the time of the first call (cold caches) and the median of the
# next three: first with the tables as autovacuum leaves them (never
# analyzed, since they are so small), then after ANALYZE, at the default
# idxadvisor.min_table_pages (the tables are small, so both are the cheap
# path), and with it at 0, so that every entry and every foreign key is
# costed with the planner (the worst case); then, when run as root, the
# first call after a server restart with the kernel's page cache dropped.
# The time of the report
# idxadvisor_unindexed_foreign_keys(), which shares its foreign-key list
# with idxadvisor_suggest(), is shown beside it.  Then (SCALE_PARENTS > 0)
# the same over partitioned tables (see below).
#
# Usage:  [PG_CONFIG=...] [ROUNDS=5] [DURATION=10] [WARMUP=3] [CLIENTS=2] [PORT=5503]
#         [WORKLOADS="nplus1 topn" (empty: none)] [SCALE_TABLES=10000 (0: none)]
#         [SCALE_PARENTS=10 (0: none)] [KEEP=1]
#         bash test/bench/suggest_bench.sh
#
# Runs as root (the server and clients then run as user postgres, through
# runuser) or as a normal user who can run the server.  The extension must
# be installed (make install) into PG_CONFIG's installation; to compare with
# pg_qualstats, install it there too.  The server listens on 127.0.0.1 only.

set -euo pipefail

PG_CONFIG=${PG_CONFIG:-pg_config}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-2}
PORT=${PORT:-5503}
WORKLOADS=${WORKLOADS-nplus1 topn}
SCALE_TABLES=${SCALE_TABLES:-10000}
SCALE_PARENTS=${SCALE_PARENTS:-10}
KEEP=${KEEP:-0}
source "$(dirname "$0")/lib.sh"
PRELOAD=idxadvisor
QUALSTATS=0
if [ -f "$PKGLIBDIR/pg_qualstats.so" ]; then
	PRELOAD="$PRELOAD,pg_qualstats"
	QUALSTATS=1
fi

DIR=$(mktemp -d /tmp/suggest_bench.XXXXXX)
chmod 755 "$DIR"
[ "$(id -u)" = 0 ] && chown "$RUN_USER" "$DIR"
cleanup()
{
	"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
	[ "$KEEP" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT

"${AS_PG[@]}" "$BINDIR/initdb" -D "$DIR/data" -A trust >/dev/null
cat >>"$DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
shared_preload_libraries = '$PRELOAD'
pg_qualstats.sample_rate = 1
compute_query_id = on
shared_buffers = 256MB
max_locks_per_transaction = 256
fsync = off
EOF
"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start >/dev/null

PSQL=("${AS_PG[@]}" "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d postgres)
psql_val()
{
	"${PSQL[@]}" -At -c "$1"
}

"${PSQL[@]}" -c "CREATE EXTENSION idxadvisor"
[ "$QUALSTATS" = 1 ] && "${PSQL[@]}" -c "CREATE EXTENSION pg_qualstats"

# ---------------------------------------------------------------------------
# Workloads: schema, pgbench script, tables, the DBA's index set
# ---------------------------------------------------------------------------
setup_nplus1()
{
	"${PSQL[@]}" <<'EOF'
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
CREATE TABLE products (id int PRIMARY KEY, name text, price numeric);
CREATE TABLE orders (id int PRIMARY KEY,
                     customer_id int NOT NULL REFERENCES customers,
                     status text NOT NULL,
                     created timestamptz NOT NULL,
                     total numeric);
CREATE TABLE order_items (id int PRIMARY KEY,
                          order_id int NOT NULL REFERENCES orders,
                          product_id int NOT NULL REFERENCES products,
                          qty int, price numeric);
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com'
  FROM generate_series(1, 20000) g;
INSERT INTO products SELECT g, 'product ' || g, g % 100 + 0.99
  FROM generate_series(1, 5000) g;
INSERT INTO orders SELECT g, (g::bigint * 7919) % 20000 + 1,
                          (ARRAY['new', 'paid', 'shipped', 'delivered'])[g % 4 + 1],
                          '2025-01-01'::timestamptz + g * interval '2 minutes',
                          g % 500
  FROM generate_series(1, 200000) g;
INSERT INTO order_items SELECT g, (g::bigint * 104729) % 200000 + 1, g % 5000 + 1,
                               g % 5 + 1, g % 100
  FROM generate_series(1, 600000) g;
VACUUM ANALYZE customers, products, orders, order_items;
EOF
	cat >"$DIR/nplus1.sql" <<'EOF'
\set c random(1, 20000)
\set o1 random(1, 200000)
\set o2 random(1, 200000)
\set o3 random(1, 200000)
\set p random(1, 5000)
SELECT name, email FROM customers WHERE id = :c;
SELECT id, status, created, total FROM orders WHERE customer_id = :c ORDER BY created DESC LIMIT 5;
SELECT product_id, qty, price FROM order_items WHERE order_id = :o1;
SELECT product_id, qty, price FROM order_items WHERE order_id = :o2;
SELECT product_id, qty, price FROM order_items WHERE order_id = :o3;
SELECT name, price FROM products WHERE id = :p;
EOF
}
TABLES_nplus1="customers products orders order_items"
# What a DBA writes for this request: the customer's latest orders straight
# from an index (which also serves the FK), the lines of an order, and the
# product FK of the lines (parents get deleted, too).
EXPERT_nplus1="CREATE INDEX ON orders (customer_id, created DESC);
CREATE INDEX ON order_items (order_id);
CREATE INDEX ON order_items (product_id);"

setup_topn()
{
	"${PSQL[@]}" <<'EOF'
CREATE TABLE events (id bigint PRIMARY KEY, tenant_id int NOT NULL,
                     kind text NOT NULL, created timestamptz NOT NULL,
                     payload text);
INSERT INTO events
SELECT g, (g::bigint * 7919) % 1000 + 1,
       (ARRAY['view', 'click', 'view', 'signup', 'purchase'])[g % 5 + 1],
       '2025-01-01'::timestamptz + g * interval '10 seconds',
       repeat('x', 40)
  FROM generate_series(1, 500000) g;
VACUUM ANALYZE events;
EOF
	cat >"$DIR/topn.sql" <<'EOF'
\set t random(1, 1000)
SELECT id, created, payload FROM events
 WHERE tenant_id = :t AND kind = 'purchase'
 ORDER BY created DESC LIMIT 10;
EOF
}
TABLES_topn="events"
EXPERT_topn="CREATE INDEX ON events (tenant_id, kind, created DESC);"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
tables_array()
{
	local t out=""
	for t in $1; do out="$out,'$t'::regclass"; done
	echo "ARRAY[${out#,}]"
}

# Drop every index of the tables but the primary keys.
drop_indexes()
{
	"${PSQL[@]}" -At <<EOF >/dev/null
SELECT format('DROP INDEX %s', indexrelid::regclass)
  FROM pg_index WHERE indrelid = ANY ($(tables_array "$1")) AND NOT indisprimary
\gexec
EOF
}

# Run a file of DDL, one statement per line, at top level (CONCURRENTLY
# works there).
apply_ddl()
{
	local ddl=$1
	[ -s "$ddl" ] || return 0
	"${AS_PG[@]}" "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" \
		-d postgres -f "$ddl" >/dev/null
}

run_pgbench()
{
	local script=$1 secs=${2:-$DURATION}
	"${AS_PG[@]}" "$BINDIR/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" \
		-T "$secs" -h "$DIR" -p "$PORT" -f "$script" postgres 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

median()
{
	sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# median over the rounds of tps(set a) / tps(set b) of the same round
paired_ratio()
{
	paste "$DIR/$1.$2.tps" "$DIR/$1.$3.tps" |
		awk '$2 > 0 {printf "%.4f\n", $1 / $2}' | median
}

# ---------------------------------------------------------------------------
# Throughput
# ---------------------------------------------------------------------------
for w in $WORKLOADS; do
	echo "== workload $w"
	"setup_$w"
	tables_var="TABLES_$w"
	expert_var="EXPERT_$w"
	tables=${!tables_var}
	echo "${!expert_var}" >"$DIR/$w.expert.sql"

	# feed the advisors with one run of the workload, indexes as they are
	"${PSQL[@]}" -c "SELECT idxadvisor_reset()" >/dev/null
	[ "$QUALSTATS" = 1 ] && "${PSQL[@]}" -c "SELECT pg_qualstats_reset()" >/dev/null
	run_pgbench "$DIR/$w.sql" >/dev/null

	psql_val "SELECT index_ddl || ';' FROM idxadvisor_suggest()
	           WHERE relid = ANY ($(tables_array "$tables")) ORDER BY score DESC" \
		>"$DIR/$w.after.sql"
	echo "-- idxadvisor_suggest():"
	sed 's/^/   /' "$DIR/$w.after.sql"
	sets="before after expert"
	if [ "$QUALSTATS" = 1 ]; then
		psql_val "SELECT i || ';' FROM json_array_elements_text(
		            pg_qualstats_index_advisor() -> 'indexes') i" >"$DIR/$w.qualstats.sql"
		echo "-- pg_qualstats_index_advisor():"
		sed 's/^/   /' "$DIR/$w.qualstats.sql"
		sets="$sets qualstats"
	fi
	echo "-- by hand:"
	sed 's/^/   /' "$DIR/$w.expert.sql"
	: >"$DIR/$w.before.sql"

	for r in $(seq 1 "$ROUNDS"); do
		order=$sets
		[ $((r % 2)) = 0 ] && order=$(echo "$sets" | tr ' ' '\n' | tac | tr '\n' ' ')
		for s in $order; do
			drop_indexes "$tables"
			apply_ddl "$DIR/$w.$s.sql"
			# a new index is written around shared buffers: warm up first
			run_pgbench "$DIR/$w.sql" "$WARMUP" >/dev/null
			tps=$(run_pgbench "$DIR/$w.sql")
			echo "$tps" >>"$DIR/$w.$s.tps"
			echo "   round $r $s: $tps tps"
		done
	done
	drop_indexes "$tables"

	# each round's sets ran back to back: ratios are taken per round, then
	# their median (medians of the separate series would let the machine's
	# other load decide)
	printf -- "-- %s: median tps" "$w"
	for s in $sets; do
		printf " %s %s" "$s" "$(median <"$DIR/$w.$s.tps")"
	done
	echo
	echo "-- $w: after/expert $(paired_ratio "$w" after expert)," \
		"after/before $(paired_ratio "$w" after before)"
	if [ "$QUALSTATS" = 1 ]; then
		echo "-- $w: qualstats/expert $(paired_ratio "$w" qualstats expert)," \
			"qualstats/before $(paired_ratio "$w" qualstats before)"
	fi
done

# ---------------------------------------------------------------------------
# Timing the functions themselves: in one session (the first call pays for
# cold caches, the others not), four rounds of calls, each raising a NOTICE
# "label rows ms"
# ---------------------------------------------------------------------------

# A DO block that calls each function of the (label, FROM item) pairs given,
# four times in turn
timed_calls_sql()
{
	echo 'DO $$ DECLARE t0 timestamptz; n bigint; BEGIN FOR k IN 1..4 LOOP'
	while [ $# -ge 2 ]; do
		cat <<EOF
    t0 := clock_timestamp();
    SELECT count(*) INTO n FROM $2;
    RAISE NOTICE '$1 % %', n, round(extract(epoch FROM clock_timestamp() - t0) * 1000);
EOF
		shift 2
	done
	echo 'END LOOP; END $$;'
}

# "rows first warm" of one label in the notices: the rows and time of the
# first call, the median time of the other three
timings()
{
	local lines
	lines=$(grep "^$2 " "$1")
	echo "$(head -1 <<<"$lines" | cut -d' ' -f2)" \
		"$(head -1 <<<"$lines" | cut -d' ' -f3)" \
		"$(tail -3 <<<"$lines" | cut -d' ' -f3 | median)"
}

# ---------------------------------------------------------------------------
# Speed of idxadvisor_suggest() on a database of SCALE_TABLES tables
# ---------------------------------------------------------------------------
if [ "$SCALE_TABLES" -gt 0 ]; then
	echo "== idxadvisor_suggest() with $SCALE_TABLES tables"
	"${PSQL[@]}" -c "CREATE DATABASE scale"
	SPSQL=("${AS_PG[@]}" "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d scale)
	"${SPSQL[@]}" -c "CREATE EXTENSION idxadvisor"
	# one transaction per 500 tables: lock table entries are finite
	for b in $(seq 0 500 $((SCALE_TABLES - 1))); do
		"${SPSQL[@]}" -c "DO \$\$ BEGIN FOR i IN $((b + 1))..$((b + 500 < SCALE_TABLES ? b + 500 : SCALE_TABLES)) LOOP
			EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, a int, b int, c text, d timestamptz, p int REFERENCES t%s)', i, i);
			EXECUTE format('INSERT INTO t%s SELECT g, g %% 10, g %% 7, ''x'', now(), NULL FROM generate_series(1, 20) g', i);
		END LOOP; END \$\$"
	done
	max=$(psql_val "SHOW idxadvisor.max")
	# two scan shapes per table, until every entry is taken
	for i in $(seq 1 $(((max + 1) / 2))); do
		t=$(((i - 1) % SCALE_TABLES + 1))
		echo "SELECT count(*) FROM t$t WHERE a = 3; SELECT count(*) FROM t$t WHERE b = 2 AND d < now();"
	done | "${SPSQL[@]}" >/dev/null
	entries=$("${SPSQL[@]}" -At -c "SELECT count(*) FROM idxadvisor_scans")
	echo "-- idxadvisor.max = $max, entries recorded: $entries, foreign keys: $SCALE_TABLES"
	# one session: the first call pays for cold caches, the others not.
	# First as autovacuum leaves tables of 20 rows: never analyzed, so that
	# pg_class has no size for them; then after ANALYZE, at the default
	# min_table_pages and at 0.
	for pages in unanalyzed default 0; do
		set_guc=""
		[ "$pages" = default ] && "${SPSQL[@]}" -c "ANALYZE"
		[ "$pages" = 0 ] && set_guc="SET idxadvisor.min_table_pages = 0;"
		{
			echo "$set_guc"
			timed_calls_sql suggest "idxadvisor_suggest(verbose => true)" \
				fks "idxadvisor_unindexed_foreign_keys()"
		} | "${SPSQL[@]}" -At 2>&1 | sed -n 's/.*NOTICE:  //p' >"$DIR/scale.$pages"
		read -r rows first warm < <(timings "$DIR/scale.$pages" suggest)
		read -r _ _ fkwarm < <(timings "$DIR/scale.$pages" fks)
		case $pages in
		unanalyzed) what="never analyzed, default min_table_pages" ;;
		default) what="analyzed, default min_table_pages" ;;
		0) what="analyzed, min_table_pages 0" ;;
		esac
		echo "-- $what: $rows rows (verbose); first call in the session $first ms," \
			"median of the next 3: $warm ms (the report idxadvisor_unindexed_foreign_keys(), warm: $fkwarm ms)"
	done

	# Coldest: the server restarted (a fast stop keeps the entries) and,
	# when we are root, the kernel's page cache dropped, so that the
	# catalogs come from disk.  Three times.
	if [ "$(id -u)" = 0 ]; then
		colds=""
		for k in 1 2 3; do
			"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/log" -m fast -w restart >/dev/null
			sync
			echo 3 >/proc/sys/vm/drop_caches
			ms=$("${SPSQL[@]}" -At <<'EOF'
SELECT round(extract(epoch FROM clock_timestamp() - now()) * 1000)
  FROM (SELECT count(*) FROM idxadvisor_suggest(verbose => true)) s;
EOF
			)
			colds="$colds $ms"
		done
		echo "-- analyzed, default min_table_pages, after a restart with the page cache dropped:" \
			"first call$colds ms"
	fi
fi

# ---------------------------------------------------------------------------
# The same with partitions: SCALE_PARENTS partitioned tables of 1,000 hash
# partitions of 20 rows, each parent with an unindexed foreign key; two scan
# shapes on every parent (each scan of a parent records one entry per
# partition).  The patterns move up to the parents, which are big enough to
# matter together, so every candidate is planned over 1,000 partitions.
# ---------------------------------------------------------------------------
if [ "$SCALE_PARENTS" -gt 0 ]; then
	echo "== idxadvisor_suggest() with $SCALE_PARENTS partitioned tables of 1000 partitions"
	"${PSQL[@]}" -c "CREATE DATABASE parts"
	PPSQL=("${AS_PG[@]}" "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -d parts)
	"${PPSQL[@]}" -c "CREATE EXTENSION idxadvisor"
	"${PPSQL[@]}" -c "CREATE TABLE refd (id int PRIMARY KEY)" \
		-c "INSERT INTO refd SELECT generate_series(1, 100)"
	for p in $(seq 1 "$SCALE_PARENTS"); do
		"${PPSQL[@]}" -c "CREATE TABLE pt$p (id int, a int, b int, r int REFERENCES refd) PARTITION BY HASH (id)" \
			-c "DO \$\$ BEGIN FOR i IN 0..999 LOOP
				EXECUTE format('CREATE TABLE pt${p}_%s PARTITION OF pt$p FOR VALUES WITH (MODULUS 1000, REMAINDER %s)', i, i);
			END LOOP; END \$\$" \
			-c "INSERT INTO pt$p SELECT g, g % 10, g % 7, g % 100 + 1 FROM generate_series(1, 20000) g"
	done
	# the entries of the section above would take room: start empty
	"${PPSQL[@]}" -c "SELECT idxadvisor_reset()" >/dev/null
	for p in $(seq 1 "$SCALE_PARENTS"); do
		echo "SELECT count(*) FROM pt$p WHERE a = 3; SELECT count(*) FROM pt$p WHERE b = 2;"
	done | "${PPSQL[@]}" >/dev/null
	entries=$("${PPSQL[@]}" -At -c "SELECT count(*) FROM idxadvisor_scans")
	echo "-- entries recorded: $entries"
	timed_calls_sql suggest "idxadvisor_suggest(verbose => true)" |
		"${PPSQL[@]}" -At 2>&1 | sed -n 's/.*NOTICE:  //p' >"$DIR/parts"
	read -r rows first warm < <(timings "$DIR/parts" suggest)
	echo "-- partitions never analyzed, default min_table_pages: $rows rows (verbose);" \
		"first call in the session $first ms, median of the next 3: $warm ms"
fi

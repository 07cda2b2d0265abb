#!/bin/bash
# test/bench/report_bench.sh -- how long the catalog reports take on a big
# catalog: 10,000 tables, 30,000 indexes, 10,000 foreign keys.
#
# Starts a throwaway cluster (PG_CONFIG's binaries, port BENCH_PORT, as
# $TEST_USER when run as root), builds the schema with one procedure that
# commits every 500 tables, then times, each in a fresh session so that the
# first call pays for cold caches like a DBA's first call does, and then
# twice more in the same session:
#   idxadvisor_duplicates()
#   idxadvisor_unindexed_foreign_keys()
#   a text-grouping duplicate-index query of the kind the PostgreSQL wiki
#     shows (exact matches of indrelid, indclass, indkey, expressions and
#     predicate as text), written here from its description
#   a common "unindexed foreign key" query (conkey a prefix of indkey)
# and prints one line per query: rows, first call, best of the next two.
#
# Usage: PG_CONFIG=... bash test/bench/report_bench.sh
# BENCH_KEEP=1 keeps the cluster (stopped) and prints where; BENCH_DATA=that
# directory reuses it instead of building again.
set -euo pipefail

PG_CONFIG=${PG_CONFIG:-pg_config}
BENCH_PORT=${BENCH_PORT:-5501}
NTABLES=${NTABLES:-10000}
TEST_USER=${TEST_USER:-postgres}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BINDIR=$("$PG_CONFIG" --bindir)

make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" all >/dev/null
make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" install >/dev/null

if [ "$(id -u)" = 0 ]; then
	AS_PG="runuser -u $TEST_USER --"
else
	AS_PG=""
fi
REUSE=""
if [ -n "${BENCH_DATA:-}" ]; then
	DATA=$BENCH_DATA
	REUSE=1
else
	DATA=$(mktemp -d /tmp/idxadv-bench.XXXXXX)
	[ -n "$AS_PG" ] && chown "$TEST_USER" "$DATA"
fi
cleanup()
{
	$AS_PG "$BINDIR/pg_ctl" -D "$DATA/pgdata" -m fast stop >/dev/null 2>&1 || true
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "kept: BENCH_DATA=$DATA"
	elif [ -z "$REUSE" ]; then
		rm -rf "$DATA"
	fi
}
trap cleanup EXIT

[ -n "$REUSE" ] || $AS_PG "$BINDIR/initdb" -D "$DATA/pgdata" -A trust >/dev/null
$AS_PG "$BINDIR/pg_ctl" -D "$DATA/pgdata" -l "$DATA/log" -w \
	-o "-p $BENCH_PORT -k $DATA -c listen_addresses='' -c fsync=off -c autovacuum=off" \
	start >/dev/null
PSQL="$AS_PG $BINDIR/psql -h $DATA -p $BENCH_PORT -X -q -v ON_ERROR_STOP=1 -d postgres"

if [ -z "$REUSE" ]; then
echo "== building $NTABLES tables"
start=$(date +%s)
$PSQL <<SQL
CREATE EXTENSION idxadvisor;
-- Table i: a primary key, a foreign key to table i-1 (the first one to the
-- last), and two more indexes.  Even tables index their foreign key and
-- have (a, b); odd ones have (a) and (a, b), so (a) is redundant, and every
-- tenth has an exact duplicate of (a, b) instead of the FK index.
CREATE PROCEDURE build(n int) LANGUAGE plpgsql AS \$\$
DECLARE
  i int;
BEGIN
  FOR i IN 1..n LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, parent_id int, a int, b int, c text)', i);
    IF i % 500 = 0 THEN COMMIT; END IF;
  END LOOP;
  COMMIT;
  FOR i IN 1..n LOOP
    EXECUTE format('ALTER TABLE t%s ADD FOREIGN KEY (parent_id) REFERENCES t%s', i,
                   CASE WHEN i = 1 THEN n ELSE i - 1 END);
    IF i % 10 = 0 THEN
      EXECUTE format('CREATE INDEX ON t%s (a, b)', i);
      EXECUTE format('CREATE INDEX ON t%s (a, b)', i);
    ELSIF i % 2 = 0 THEN
      EXECUTE format('CREATE INDEX ON t%s (parent_id)', i);
      EXECUTE format('CREATE INDEX ON t%s (a, b)', i);
    ELSE
      EXECUTE format('CREATE INDEX ON t%s (a)', i);
      EXECUTE format('CREATE INDEX ON t%s (a, b)', i);
    END IF;
    IF i % 250 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
CALL build($NTABLES);
VACUUM ANALYZE;
SQL
echo "   built in $(( $(date +%s) - start )) s"
fi
$PSQL -c "ALTER EXTENSION idxadvisor UPDATE" 2>/dev/null || true
$PSQL -At <<'SQL'
SELECT format('   %s tables, %s indexes, %s foreign keys',
  (SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace),
  (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
    WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT count(*) FROM pg_constraint WHERE contype = 'f'));
SQL

# The comparison queries, written for this benchmark.
WIKI_DUP="SELECT pg_size_pretty(sum(pg_relation_size(idx))::bigint) AS size,
       (array_agg(idx))[1] AS idx1, (array_agg(idx))[2] AS idx2
  FROM (SELECT indexrelid::regclass AS idx,
               indrelid::text || E'\n' || indclass::text || E'\n' ||
               indkey::text || E'\n' || coalesce(indexprs::text, '') ||
               E'\n' || coalesce(indpred::text, '') AS k
          FROM pg_index) s
 GROUP BY k HAVING count(*) > 1
 ORDER BY sum(pg_relation_size(idx)) DESC"
COMMON_FK="SELECT c.conrelid::regclass, c.conname
  FROM pg_constraint c
 WHERE c.contype = 'f'
   AND NOT EXISTS (SELECT 1 FROM pg_index i
                    WHERE i.indrelid = c.conrelid
                      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1]
                          OPERATOR(pg_catalog.@>) c.conkey)"

bench()
{
	local name=$1 query=$2
	# one session: \timing, the query three times; we keep the times
	local out
	out=$($PSQL -At <<SQL
\timing on
\o /dev/null
$query;
$query;
$query;
\o
SELECT count(*) FROM ($query) q;
SQL
)
	local times rows
	times=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -3 | tr '\n' ' ')
	rows=$(echo "$out" | grep -v '^Time:' | tail -1)
	echo "$name $rows $times" | awk '{
		first = $3; best = ($4 < $5) ? $4 : $5;
		printf "%-34s rows %6d   first call %8.1f ms   best of next two %8.1f ms\n", $1, $2, first, best }'
}

echo "== timings (ms)"
bench idxadvisor_duplicates "SELECT * FROM idxadvisor_duplicates()"
bench idxadvisor_unindexed_foreign_keys "SELECT * FROM idxadvisor_unindexed_foreign_keys()"
bench wiki_style_duplicate_query "$WIKI_DUP"
bench common_unindexed_fk_query "$COMMON_FK"

#!/bin/bash
# test/demo.sh -- `make demo`: idxadvisor on a throwaway cluster.
#
# Builds and installs the extension (test/setup.sh), starts a throwaway
# cluster with the library preloaded, loads a small schema whose foreign keys
# have no indexes, runs a short N+1-style workload (and deletes some parents),
# then shows what was captured, what idxadvisor suggests, builds the
# suggestions with idxadvisor_create_concurrently() and shows the workload's
# throughput before and after.  The cluster is removed at the end.

source "$(dirname "$0")/setup.sh"

BINDIR=$("$PG_CONFIG" --bindir)
DEMO_DIR=$(mktemp -d /tmp/idxadvisor-demo.XXXXXX)
chown "${TEST_USER}" "$DEMO_DIR" 2>/dev/null || true
PORT=${DEMO_PORT:-$((54400 + RANDOM % 500))}
export PGHOST=$DEMO_DIR PGPORT=$PORT PGDATABASE=demo

cleanup()
{
	$AS_PG "$BINDIR/pg_ctl" -D "$DEMO_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$DEMO_DIR" "$WORK"
}
trap cleanup EXIT

psql_demo()
{
	$AS_PG env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" \
		"$BINDIR/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

has_view()
{
	[ "$(psql_demo -At -c "SELECT to_regclass('$1') IS NOT NULL")" = t ]
}

has_function()
{
	# to_regproc() would say no to an overloaded name
	[ "$(psql_demo -At -c "SELECT EXISTS (SELECT FROM pg_proc WHERE proname = '$1')")" = t ]
}

# Throughput of the demo workload, transactions per second
workload_tps()
{
	$AS_PG env PGHOST="$PGHOST" PGPORT="$PGPORT" \
		"$BINDIR/pgbench" -n -c 2 -j 2 -T "${1:-5}" -f "$DEMO_DIR/workload.sql" demo 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

echo "== starting a throwaway cluster in $DEMO_DIR (port $PORT)"
$AS_PG "$BINDIR/initdb" -D "$DEMO_DIR/data" -A trust --no-sync >/dev/null
cat >>"$DEMO_DIR/data/postgresql.conf" <<EOF
shared_preload_libraries = 'idxadvisor'
listen_addresses = ''
unix_socket_directories = '$DEMO_DIR'
port = $PORT
compute_query_id = on
EOF
$AS_PG "$BINDIR/pg_ctl" -D "$DEMO_DIR/data" -l "$DEMO_DIR/server.log" -w start >/dev/null
$AS_PG "$BINDIR/createdb" -h "$DEMO_DIR" -p "$PORT" demo

echo "== loading a schema whose foreign keys have no indexes"
psql_demo <<'EOF'
CREATE EXTENSION idxadvisor;
CREATE TABLE app_user (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE transcription (
    id int PRIMARY KEY,
    user_id int NOT NULL REFERENCES app_user ON DELETE CASCADE,
    title text,
    created_at timestamptz NOT NULL);
CREATE TABLE minute_version (
    id int PRIMARY KEY,
    transcription_id int NOT NULL REFERENCES transcription ON DELETE CASCADE,
    body text);
CREATE TABLE transcription_job (
    id int PRIMARY KEY,
    transcription_id int NOT NULL REFERENCES transcription,
    state text NOT NULL);
INSERT INTO app_user SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 2000) g;
INSERT INTO transcription
  SELECT g, 1 + g % 2000, 'meeting ' || g, now() - g * interval '1 minute'
    FROM generate_series(1, 40000) g;
INSERT INTO minute_version SELECT g, 1 + g % 40000, 'v' || g FROM generate_series(1, 80000) g;
INSERT INTO transcription_job SELECT g, 1 + g % 40000, 'done' FROM generate_series(1, 40000) g;
-- a unique constraint added later, on a column that had an index already
CREATE INDEX app_user_email_idx ON app_user (email);
ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE (email);
VACUUM ANALYZE;
EOF

# One "API request": a user's latest transcriptions, then their versions
# and jobs (the N+1 pattern, with N = 3)
cat >"$DEMO_DIR/workload.sql" <<'EOF'
\set uid random(1, 2000)
SELECT id FROM transcription WHERE user_id = :uid ORDER BY created_at DESC LIMIT 3;
SELECT count(*) FROM minute_version WHERE transcription_id = :uid * 20;
SELECT count(*) FROM minute_version WHERE transcription_id = :uid * 20 + 1;
SELECT count(*) FROM transcription_job WHERE transcription_id = :uid * 20;
EOF
chown "${TEST_USER}" "$DEMO_DIR/workload.sql" 2>/dev/null || true

echo "== running the workload for 5 seconds, then deleting two users"
TPS_BEFORE=$(workload_tps 5)
psql_demo <<'EOF'
DELETE FROM transcription_job WHERE transcription_id IN
  (SELECT id FROM transcription WHERE user_id IN (1999, 2000));
DELETE FROM app_user WHERE id IN (1999, 2000);
EOF

echo
echo "== what idxadvisor captured (SELECT * FROM idxadvisor_scans)"
psql_demo <<'EOF'
SELECT relid, columns, comparisons, foreign_key, order_by, executions,
       fk_trigger_executions, rows_scanned, rows_matched
  FROM idxadvisor_scans
 ORDER BY rows_scanned DESC;
EOF

if has_view idxadvisor_suggestions; then
	echo "== what idxadvisor suggests (SELECT * FROM idxadvisor_suggestions)"
	psql_demo -c "SELECT * FROM idxadvisor_suggestions"
	echo "== the statements that build them (SELECT index_ddl FROM idxadvisor_suggest())"
	psql_demo -c "SELECT index_ddl FROM idxadvisor_suggest()"
	echo "== the catalog reports (SELECT * FROM idxadvisor_unindexed_fks, idxadvisor_duplicate_indexes)"
	psql_demo -c "SELECT * FROM idxadvisor_unindexed_fks" -c "SELECT * FROM idxadvisor_duplicate_indexes"
elif has_function idxadvisor_suggest; then
	echo "== what idxadvisor suggests (SELECT * FROM idxadvisor_suggest())"
	psql_demo <<'EOF'
SELECT relid, columns, kind, foreign_key, seq_scans, fk_trigger_scans,
       round(score::numeric, 1) AS score, index_ddl
  FROM idxadvisor_suggest();
EOF
fi

if has_function idxadvisor_suggest && has_function idxadvisor_create_concurrently; then
	echo "== building the suggestions with idxadvisor_create_concurrently(), inside a transaction"
	psql_demo <<'EOF'
BEGIN;
SELECT idxadvisor_create_concurrently(index_ddl) AS job FROM idxadvisor_suggest();
COMMIT;
EOF
	if has_view idxadvisor_build_status; then
		echo "== while they run, and when they are done (SELECT * FROM idxadvisor_build_status)"
		psql_demo -c "SELECT * FROM idxadvisor_build_status"
		psql_demo -c "CALL idxadvisor_wait()" -c "SELECT * FROM idxadvisor_build_status"
	else
		psql_demo -c "CALL idxadvisor_wait()" \
			-c "SELECT id, relid, index_name, state, error FROM idxadvisor_builds ORDER BY id"
	fi
	echo "== the workload again"
	psql_demo -c "SELECT idxadvisor_reset()" >/dev/null
	TPS_AFTER=$(workload_tps 5)
	echo "throughput before: $TPS_BEFORE tps, after: $TPS_AFTER tps"
	psql_demo <<'EOF'
SELECT relid, columns, executions FROM idxadvisor_scans ORDER BY rows_scanned DESC;
EOF
else
	echo "workload throughput: $TPS_BEFORE tps"
fi
echo "== demo done"

#!/bin/bash
# test/bench/lib.sh -- what the benchmark scripts share.  Sourced, not run,
# after the script has set its own variables.
#
# Sets BINDIR, PKGLIBDIR and AS_PG (the prefix that runs a command as
# RUN_USER when we are root, since PostgreSQL refuses to run as root);
# defines die() (messages carry the script's name) and fk_schema_sql (the
# unindexed foreign-key schema the capture benchmarks scan); checks that
# idxadvisor is installed in PG_CONFIG's installation.

PG_CONFIG=${PG_CONFIG:-pg_config}
RUN_USER=${RUN_USER:-postgres}

BINDIR=$("$PG_CONFIG" --bindir)
PKGLIBDIR=$("$PG_CONFIG" --pkglibdir)

if [ "$(id -u)" = 0 ]; then
	AS_PG=(runuser -u "$RUN_USER" --)
else
	AS_PG=()
fi

die()
{
	echo "$(basename "$0"): $*" >&2
	exit 1
}

[ -f "$PKGLIBDIR/idxadvisor.so" ] ||
	die "idxadvisor is not installed in $PKGLIBDIR (run make install)"

# A parent of 100 rows and a child of FK_ROWS rows whose foreign key has no
# index: every "WHERE parent_id = :x" on the child is a filtered seq scan.
fk_schema_sql()
{
	cat <<SQL
CREATE TABLE fk_parent (id int PRIMARY KEY, name text);
CREATE TABLE fk_child (id int PRIMARY KEY,
                       parent_id int NOT NULL REFERENCES fk_parent,
                       payload text);
INSERT INTO fk_parent SELECT g, 'parent ' || g FROM generate_series(1, 100) g;
INSERT INTO fk_child SELECT g, g % 100 + 1, repeat('x', 20)
  FROM generate_series(1, $FK_ROWS) g;
VACUUM ANALYZE;
SQL
}

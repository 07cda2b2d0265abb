#!/bin/bash
# test/setup.sh -- shared set-up of `make test` and `make demo`.
#
# Sourced, not run.  As root it installs the Debian packages the suites need
# (once), builds and installs the extension, and prepares a copy of the tree
# that the unprivileged user running the servers can write to; as a normal
# user it expects the packages to be there and `make install` to be possible
# (run `sudo make install` first if it is not).
#
# After sourcing: $SRC (the tree), $WORK (the tree the suites run in),
# $AS_PG (prefix that runs a command as the unprivileged user), $PG_CONFIG.

set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
PG_MAJOR=${PG_MAJOR:-15}
TEST_USER=${TEST_USER:-postgres}

# Debian packages: TAP test modules, the compiler, and what the
# migration-tool tests use; plus Debian's server, headers and the neighbour
# we benchmark against, unless PG_CONFIG names a server built from source
# (test/pgversion.sh), which brings its own headers and test modules.
DEB_PACKAGES="libipc-run-perl make gcc python3-alembic python3-psycopg2"
case "$PG_CONFIG" in
	pg_config | */usr/lib/postgresql/*)
		DEB_PACKAGES="$DEB_PACKAGES postgresql-$PG_MAJOR
		  postgresql-server-dev-$PG_MAJOR postgresql-contrib"
		;;
esac

idxadv_install_packages()
{
	local missing=""
	local p
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages:$missing (install them as root)" >&2
		exit 1
	fi
	echo "== installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

idxadv_install_packages
command -v "$PG_CONFIG" >/dev/null || PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
export PG_CONFIG

# Objects compiled against another server's headers must not be linked into
# this one: rebuild from clean when PG_CONFIG names another server than the
# last build did.
built_for="$("$PG_CONFIG" --version) $("$PG_CONFIG" --bindir)"
if [ -f "$SRC/.idxadv-built-for" ] && [ "$(cat "$SRC/.idxadv-built-for")" != "$built_for" ]; then
	make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" clean >/dev/null
fi
echo "$built_for" >"$SRC/.idxadv-built-for"

echo "== building and installing idxadvisor"
make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" ${IDXADV_WERROR:+IDXADV_WERROR=1} all >/dev/null
if ! make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" install >/dev/null; then
	echo "make install failed: run 'sudo make install' (the only step that needs root), then again" >&2
	exit 1
fi

if [ "$(id -u)" = 0 ]; then
	# PostgreSQL refuses to run as root: the servers run as $TEST_USER, in a
	# copy of the tree it can write to.
	id "$TEST_USER" >/dev/null 2>&1 || useradd -m "$TEST_USER"
	WORK=$(mktemp -d /tmp/idxadvisor.XXXXXX)
	cp -a "$SRC/." "$WORK/"
	chown -R "$TEST_USER" "$WORK"
	AS_PG="runuser -u $TEST_USER --"
else
	WORK=$SRC
	AS_PG=""
fi
export WORK AS_PG

#!/bin/bash
# test/pgversion.sh -- build one PostgreSQL from source and run `make test`
# against it.
#
# Usage (as root on Debian, like `make test`):
#   test/pgversion.sh [--prefix DIR] [--build-only] SOURCE
#
# SOURCE is either
#   - a PostgreSQL source tree (a release tarball unpacked, or a
#     `git archive` of a branch), or
#   - debian:MAJOR, e.g. debian:18: the upstream tarball of Debian's
#     postgresql-MAJOR source package from unstable, fetched from the Debian
#     archive this machine's apt already uses (read from `apt-get
#     indextargets`, so no host name is written here).  Debian's patches are
#     not applied: the server is upstream's.
#
# The server is built into DIR (default /var/cache/idxadvisor/pg-VERSION,
# keyed by the version in the source tree) with the TAP test modules and the
# isolation tester, and reused when DIR already holds that version; then
# `make test` runs with PG_CONFIG=DIR/bin/pg_config.  Builds run with
# `nice -n 19` and IDXADV_JOBS (default 2) jobs.  Of contrib, only the
# modules the tests use (CONTRIB_DIRS: btree_gist, for the temporal foreign
# keys of 18; pgstattuple, for the exact bloat report) are built, through
# PGXS, and added to a cached DIR that lacks them (about one CPU-minute).

set -euo pipefail

SRC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${IDXADV_PG_CACHE:-/var/cache/idxadvisor}
JOBS=${IDXADV_JOBS:-2}
PREFIX=""
BUILD_ONLY=""

usage()
{
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
		--prefix) PREFIX=$2; shift 2 ;;
		--build-only) BUILD_ONLY=1; shift ;;
		-h|--help) usage ;;
		-*) echo "pgversion.sh: unknown option $1" >&2; usage ;;
		*) break ;;
	esac
done
[ $# -eq 1 ] || usage
SOURCE=$1

# What building PostgreSQL needs; readline and ICU are left out (--without-*).
BUILD_PACKAGES="make gcc bison flex zlib1g-dev pkg-config perl libipc-run-perl tzdata"

# The parts of a PostgreSQL build that the suites use: the server and what
# initdb loads (PL/pgSQL, snowball, encoding conversions), the walreceiver of
# the standby test, the programs the test drivers call, pg_regress, the
# isolation tester and the TAP modules; then headers and PGXS makefiles.
SERVER_DIRS="src/port src/common src/timezone
  src/backend src/backend/utils/mb/conversion_procs
  src/backend/snowball src/backend/replication/libpqwalreceiver
  src/pl/plpgsql src/interfaces/libpq src/bin/initdb src/bin/pg_ctl
  src/bin/psql src/bin/pg_config src/bin/pg_basebackup src/bin/pg_controldata
  src/test/regress src/test/isolation"
INSTALL_ONLY_DIRS="src/include src/makefiles src/test/perl config"
# contrib modules the tests need, built against the installed server
CONTRIB_DIRS="contrib/btree_gist contrib/pgstattuple"

idxadv_need_packages()
{
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "pgversion.sh: missing Debian packages:$missing (install them as root)" >&2
		exit 1
	fi
	echo "== installing Debian packages:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $missing >/dev/null; }
}

# debian:MAJOR -> an unpacked upstream tree under $CACHE/src; prints its path.
# A private apt configuration (its own sources and lists under $CACHE/apt)
# adds unstable's source index without touching the machine's apt set-up.
idxadv_debian_source()
{
	local major=$1 pkg="postgresql-$1" apt="$CACHE/apt" uri opts version upstream tree
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' |
		awk '$3 == "main" && $2 !~ /security/ { print $1; exit }')
	if [ -z "$uri" ]; then
		echo "pgversion.sh: no Debian archive with 'main' in this machine's apt sources" >&2
		exit 1
	fi
	mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/archives/partial" "$CACHE/src"
	cat >"$apt/sources.list.d/unstable-src.sources" <<-EOF
		Types: deb-src
		URIs: $uri
		Suites: sid
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources.list.d"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt"
		-o APT::Sandbox::User=root)
	apt-get "${opts[@]}" update -qq >&2
	version=$(apt-cache "${opts[@]}" showsrc "$pkg" | awk '$1 == "Version:" { print $2; exit }')
	if [ -z "$version" ]; then
		echo "pgversion.sh: source package $pkg not found in $uri sid" >&2
		exit 1
	fi
	upstream=${version%-*}
	upstream=${upstream#*:}
	tree="$CACHE/src/postgresql-$upstream"
	if [ ! -f "$tree/configure" ]; then
		echo "== fetching $pkg $version (upstream $upstream) from $uri" >&2
		(cd "$CACHE/src" && apt-get "${opts[@]}" source --download-only -qq "$pkg=$version" >&2)
		rm -rf "$tree.tmp" && mkdir -p "$tree.tmp"
		tar -xf "$CACHE/src/${pkg}_$upstream.orig.tar."* -C "$tree.tmp" --strip-components=1
		mv "$tree.tmp" "$tree"
		rm -f "$CACHE/src/${pkg}_"*
	fi
	echo "$tree"
}

# The version a source tree builds, from configure's AC_INIT: "18.6", "19beta1".
idxadv_tree_version()
{
	sed -n 's/^AC_INIT(\[PostgreSQL\], \[\([^]]*\)\].*/\1/p' "$1/configure.ac"
}

# Build SOURCE_TREE into PREFIX unless PREFIX already has that version.
idxadv_build_server()
{
	local tree=$1 prefix=$2 version=$3 build
	if [ -x "$prefix/bin/pg_config" ] && [ -f "$prefix/.idxadvisor-built" ] &&
		[ "$(cat "$prefix/.idxadvisor-built")" = "$version" ]; then
		echo "== PostgreSQL $version already built in $prefix"
		return 0
	fi
	idxadv_need_packages $BUILD_PACKAGES
	build=$(mktemp -d "${TMPDIR:-/tmp}/pgbuild.XXXXXX")
	echo "== building PostgreSQL $version into $prefix (build dir $build)"
	rm -rf "$prefix"
	# A VPATH build keeps the source tree clean and reusable.  Only what the
	# suites run is built (a third less than `make world` leaves out:
	# ecpg, pg_dump, pgbench, pg_upgrade ...); the time zones are the
	# system's.
	(cd "$build" &&
		nice -n 19 "$tree/configure" --prefix="$prefix" --enable-tap-tests \
			--without-icu --without-readline \
			--with-system-tzdata=/usr/share/zoneinfo >configure.log 2>&1 &&
		nice -n 19 make -s -C src/backend generated-headers >make.log 2>&1 &&
		for dir in $SERVER_DIRS; do
			nice -n 19 make -s -j"$JOBS" -C "$dir" >>make.log 2>&1 || exit 1
		done &&
		for dir in $SERVER_DIRS $INSTALL_ONLY_DIRS; do
			make -s -C "$dir" install >>install.log 2>&1 || exit 1
		done &&
		make -s -C src install-local >>install.log 2>&1) || {
		echo "pgversion.sh: the build failed; last lines of the logs in $build:" >&2
		tail -n 30 "$build"/*.log >&2
		exit 1
	}
	echo "$version" >"$prefix/.idxadvisor-built"
	rm -rf "$build"
}

# Build and install the CONTRIB_DIRS modules that PREFIX lacks, with PGXS
# from a copy of their directory (the source tree stays clean).
idxadv_build_contrib()
{
	local tree=$1 prefix=$2 dir name build
	for dir in $CONTRIB_DIRS; do
		name=$(basename "$dir")
		[ -f "$("$prefix/bin/pg_config" --sharedir)/extension/$name.control" ] && continue
		[ -d "$tree/$dir" ] || { echo "pgversion.sh: no $dir in $tree" >&2; exit 1; }
		build=$(mktemp -d "${TMPDIR:-/tmp}/pgcontrib.XXXXXX")
		echo "== building $dir into $prefix"
		cp -r "$tree/$dir/." "$build/"
		(cd "$build" &&
			nice -n 19 make -s -j"$JOBS" USE_PGXS=1 PG_CONFIG="$prefix/bin/pg_config" >make.log 2>&1 &&
			make -s USE_PGXS=1 PG_CONFIG="$prefix/bin/pg_config" install >>make.log 2>&1) || {
			echo "pgversion.sh: building $dir failed; last lines of $build/make.log:" >&2
			tail -n 30 "$build/make.log" >&2
			exit 1
		}
		rm -rf "$build"
	done
}

case "$SOURCE" in
	debian:*) TREE=$(idxadv_debian_source "${SOURCE#debian:}") ;;
	*) TREE=$(cd "$SOURCE" && pwd) ;;
esac
[ -f "$TREE/configure.ac" ] || { echo "pgversion.sh: $TREE is not a PostgreSQL source tree" >&2; exit 1; }
VERSION=$(idxadv_tree_version "$TREE")
[ -n "$VERSION" ] || { echo "pgversion.sh: no version in $TREE/configure.ac" >&2; exit 1; }
PREFIX=${PREFIX:-$CACHE/pg-$VERSION}

start=$(date +%s)
idxadv_build_server "$TREE" "$PREFIX" "$VERSION"
idxadv_build_contrib "$TREE" "$PREFIX"
echo "== server ready after $(($(date +%s) - start)) s"
[ -n "$BUILD_ONLY" ] && exit 0

PG_CONFIG="$PREFIX/bin/pg_config" make -C "$SRC_ROOT" PG_CONFIG="$PREFIX/bin/pg_config" test

#!/bin/bash
# test/run-tests.sh -- `make test`: every suite, against throwaway clusters.
#
# Runs pg_regress with and without the library preloaded, the isolation
# specs, the TAP tests (restart, crash, concurrency, migrations) and `make
# installcheck` against a server with and one without the library; prints
# one line per suite and a closing "N passed, N failed" line.  Exits non-zero
# if any suite failed.

source "$(dirname "$0")/setup.sh"

cd "$WORK"
passed=0
failed=0
failed_names=""
for suite in ${IDXADV_SUITES:-check-regress check-nopreload check-isolation check-tap check-installcheck}; do
	echo "== $suite"
	if $AS_PG make -s PG_CONFIG="$PG_CONFIG" "$suite"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names="$failed_names $suite"
		for d in test/output/*/regression.diffs test/output/*/*/regression.diffs; do
			[ -f "$d" ] && { echo "---- $d"; head -200 "$d"; }
		done
	fi
done

if [ -n "$failed_names" ]; then
	echo "failed suites:$failed_names (outputs in $WORK/test/output)"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]

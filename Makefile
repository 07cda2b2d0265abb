# idxadvisor/Makefile
#
# Built with PGXS.  `make test` and `make demo` do all the set-up a fresh
# Debian machine needs (see README.md); the targets below them are what those
# scripts call.

MODULE_big = idxadvisor
OBJS = \
	$(WIN32RES) \
	idxadvisor.o \
	idxadvisor_build.o \
	idxadvisor_capture.o \
	idxadvisor_catalog.o \
	idxadvisor_collect.o \
	idxadvisor_lifecycle.o \
	idxadvisor_ddl.o \
	idxadvisor_exprs.o \
	idxadvisor_partbuild.o \
	idxadvisor_patterns.o \
	idxadvisor_queue.o \
	idxadvisor_report.o \
	idxadvisor_repquery.o \
	idxadvisor_select.o \
	idxadvisor_suggest.o \
	idxadvisor_suggest_for.o \
	idxadvisor_whatif.o \
	idxadvisor_worker.o

EXTENSION = idxadvisor
DATA = idxadvisor--1.0.sql idxadvisor--1.1.sql idxadvisor--1.0--1.1.sql
PGFILEDESC = "idxadvisor - index advisor for PostgreSQL"

# pg_regress tests.  REGRESS is what PGXS's `make installcheck` runs against
# an existing server: it passes on a server with the library preloaded at
# default settings and on one without it.  A test that needs one of the two
# checks which it is on and, on the other, only prints that it is skipped
# (its alternative expected file X_1.out); the others print the same either
# way.  In this order the tests that CREATE EXTENSION find none installed.
REGRESS = \
	nopreload \
	report_nopreload \
	build_nopreload \
	suggest_nopreload \
	upgrade \
	capture \
	capture_errors \
	report_duplicates \
	report_fk \
	report_views \
	report_lifecycle \
	build \
	build_requests \
	build_partitioned \
	suggest \
	report_pg18 \
	views \
	drop_fk \
	drop_pg16 \
	fk_temporal_pg18 \
	skipscan_pg18 \
	suggest_shapes_plan \
	lifecycle_jobs \
	lifecycle_unused \
	lifecycle_bloat \
	lifecycle_bloat_exact \
	lifecycle_outcomes \
	collect \
	suggest_shapes_expr \
	suggest_shapes_trgm \
	suggest_shapes_pg18 \
	suggest_for \
	suggest_workload \
	suggest_outside \
	lifecycle_restore \
	suggest_outside_trgm \
	suggest_shapes_mixed \
	scans_shape \
	suggest_or
# Which of them skip without the library preloaded, and which with it.  The
# temporary-instance suites check that these took the path they test.
REGRESS_NEEDS_PRELOAD = capture capture_errors build build_requests suggest \
	views drop_fk build_partitioned \
	suggest_shapes_plan lifecycle_jobs lifecycle_outcomes \
	suggest_shapes_expr \
	suggest_workload \
	suggest_outside \
	lifecycle_restore \
	suggest_shapes_mixed \
	scans_shape \
	suggest_or
REGRESS_NEEDS_NOPRELOAD = nopreload report_nopreload build_nopreload \
	suggest_nopreload

# Tests that need the settings of test/regress.conf (idxadvisor.max = 200):
# only in the temporary instance of check-regress, never under installcheck.
REGRESS_CONF = \
	capture_evict \
	scans_evict_shapes

# isolation specs live in test/isolation/specs
ISOLATION_SPECS = \
	report_busy \
	build_queue \
	build_writers \
	build_status

# -Wall comes from PGXS; we add -Wextra (and -Werror in CI).  A call of a
# function the server's headers do not declare (one renamed or removed in
# another PostgreSQL version) must fail the build, not give a library that
# fails to load.
PG_CPPFLAGS += -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
PG_CPPFLAGS += -Werror=implicit-function-declaration
ifdef IDXADV_WERROR
PG_CPPFLAGS += -Werror
endif

# idxadvisor_collect.c connects to standbys with libpq, as dblink does
PG_CPPFLAGS += -I$(libpq_srcdir)
SHLIB_LINK_INTERNAL = $(libpq)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): idxadvisor.h idxadvisor_compat.h
idxadvisor_build.o idxadvisor_catalog.o idxadvisor_queue.o idxadvisor_worker.o \
	idxadvisor_partbuild.o idxadvisor_lifecycle.o idxadvisor_collect.o: \
	idxadvisor_queue.h
idxadvisor_worker.o idxadvisor_partbuild.o: idxadvisor_worker.h
idxadvisor_suggest.o idxadvisor_whatif.o idxadvisor_patterns.o \
	idxadvisor_repquery.o idxadvisor_exprs.o: idxadvisor_whatif.h
idxadvisor_suggest.o idxadvisor_patterns.o idxadvisor_repquery.o \
	idxadvisor_exprs.o: idxadvisor_suggest.h

# ---------------------------------------------------------------------------
# Test suites.  They need an unprivileged user (PostgreSQL refuses root) and
# an installed extension; test/run-tests.sh arranges both, then calls these.
# ---------------------------------------------------------------------------
PG_BINDIR := $(shell $(PG_CONFIG) --bindir)
PGXS_DIR := $(dir $(PGXS))../..
TEST_OUT ?= $(CURDIR)/test/output

.PHONY: test demo check-regress check-nopreload check-isolation check-tap \
	check-installcheck

# $(call idxadv_took_path,outputdir,tests): pg_regress accepts either expected
# file of a test; in a suite that sets up what the test needs, its output must
# be the main one, not the "skipped" alternative.
idxadv_took_path = for t in $(2); do \
		diff -w -q '$(srcdir)/expected/'$$t.out '$(1)/results/'$$t.out >/dev/null || \
		{ echo "$$t was skipped (see $(1)/results/$$t.out)"; exit 1; }; \
	done

test:
	@bash $(srcdir)/test/run-tests.sh

demo:
	@bash $(srcdir)/test/demo.sh

check-regress:
	rm -rf '$(TEST_OUT)/regress' && mkdir -p '$(TEST_OUT)/regress'
	$(PGXS_DIR)/src/test/regress/pg_regress --inputdir=$(srcdir) \
		--outputdir='$(TEST_OUT)/regress' --bindir='$(PG_BINDIR)' \
		--temp-instance='$(TEST_OUT)/regress/tmp_instance' \
		--temp-config=$(srcdir)/test/regress.conf \
		--dbname=contrib_regression $(REGRESS) $(REGRESS_CONF)
	@$(call idxadv_took_path,$(TEST_OUT)/regress,$(REGRESS_NEEDS_PRELOAD))

check-nopreload:
	rm -rf '$(TEST_OUT)/nopreload' && mkdir -p '$(TEST_OUT)/nopreload'
	$(PGXS_DIR)/src/test/regress/pg_regress --inputdir=$(srcdir) \
		--outputdir='$(TEST_OUT)/nopreload' --bindir='$(PG_BINDIR)' \
		--temp-instance='$(TEST_OUT)/nopreload/tmp_instance' \
		--dbname=contrib_regression $(REGRESS)
	@$(call idxadv_took_path,$(TEST_OUT)/nopreload,$(REGRESS_NEEDS_NOPRELOAD))

check-isolation:
ifneq ($(strip $(ISOLATION_SPECS)),)
	rm -rf '$(TEST_OUT)/isolation' && mkdir -p '$(TEST_OUT)/isolation'
	$(PGXS_DIR)/src/test/isolation/pg_isolation_regress \
		--inputdir=$(srcdir)/test/isolation \
		--outputdir='$(TEST_OUT)/isolation' --bindir='$(PG_BINDIR)' \
		--temp-instance='$(TEST_OUT)/isolation/tmp_instance' \
		--temp-config=$(srcdir)/test/regress.conf \
		--dbname=isolation_regression $(ISOLATION_SPECS)
else
	@echo "no isolation specs"
endif

check-tap:
	rm -rf '$(TEST_OUT)/tap' && mkdir -p '$(TEST_OUT)/tap'
	cd $(srcdir)/test && TESTDIR='$(TEST_OUT)/tap' PATH="$(PG_BINDIR):$$PATH" \
		PG_REGRESS='$(PGXS_DIR)/src/test/regress/pg_regress' \
		$(PROVE) -I $(PGXS_DIR)/src/test/perl -I $(CURDIR)/test $(PROVE_FLAGS) t/*.pl

# `make installcheck` as a user runs it against their own server: two
# throwaway servers at default settings, with and without the library in
# shared_preload_libraries.
check-installcheck:
	PG_CONFIG='$(PG_CONFIG)' TEST_OUT='$(TEST_OUT)' bash $(srcdir)/test/installcheck.sh

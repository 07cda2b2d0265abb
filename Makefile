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
	idxadvisor_ddl.o \
	idxadvisor_patterns.o \
	idxadvisor_queue.o \
	idxadvisor_report.o \
	idxadvisor_suggest.o \
	idxadvisor_whatif.o \
	idxadvisor_worker.o

EXTENSION = idxadvisor
DATA = idxadvisor--1.0.sql idxadvisor--1.1.sql idxadvisor--1.0--1.1.sql
PGFILEDESC = "idxadvisor - index advisor for PostgreSQL"

# pg_regress suites, run against temporary instances (never an existing one).
# REGRESS runs with the library preloaded; REGRESS_NOPRELOAD without it.
REGRESS = \
	capture \
	capture_errors \
	report_duplicates \
	report_fk \
	build \
	build_requests \
	suggest
REGRESS_NOPRELOAD = \
	nopreload \
	report_nopreload \
	build_nopreload \
	suggest_nopreload \
	upgrade

# isolation specs live in test/isolation/specs
ISOLATION_SPECS = \
	report_busy \
	build_queue \
	build_writers

# -Wall comes from PGXS; we add -Wextra (and -Werror in CI).  A call of a
# function the server's headers do not declare (one renamed or removed in
# another PostgreSQL version) must fail the build, not give a library that
# fails to load.
PG_CPPFLAGS += -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
PG_CPPFLAGS += -Werror=implicit-function-declaration
ifdef IDXADV_WERROR
PG_CPPFLAGS += -Werror
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): idxadvisor.h idxadvisor_compat.h
idxadvisor_build.o idxadvisor_queue.o idxadvisor_worker.o: idxadvisor_queue.h
idxadvisor_suggest.o idxadvisor_whatif.o: idxadvisor_whatif.h
idxadvisor_suggest.o idxadvisor_patterns.o: idxadvisor_suggest.h

# ---------------------------------------------------------------------------
# Test suites.  They need an unprivileged user (PostgreSQL refuses root) and
# an installed extension; test/run-tests.sh arranges both, then calls these.
# ---------------------------------------------------------------------------
PG_BINDIR := $(shell $(PG_CONFIG) --bindir)
PGXS_DIR := $(dir $(PGXS))../..
TEST_OUT ?= $(CURDIR)/test/output

.PHONY: test demo check-regress check-nopreload check-isolation check-tap

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
		--dbname=contrib_regression $(REGRESS)

check-nopreload:
	rm -rf '$(TEST_OUT)/nopreload' && mkdir -p '$(TEST_OUT)/nopreload'
	$(PGXS_DIR)/src/test/regress/pg_regress --inputdir=$(srcdir) \
		--outputdir='$(TEST_OUT)/nopreload' --bindir='$(PG_BINDIR)' \
		--temp-instance='$(TEST_OUT)/nopreload/tmp_instance' \
		--dbname=contrib_regression $(REGRESS_NOPRELOAD)

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

/*-------------------------------------------------------------------------
 *
 * idxadvisor.c
 *		Entry point of the idxadvisor extension: module magic, GUCs and the
 *		executor hooks that feed the capture of filtered sequential scans.
 *
 * The extension has four parts (see idxadvisor.h for the files):
 *
 *	capture		the executor hooks below hand each executed statement to
 *				idxadvisor_capture.c, which records the sequential scans whose
 *				filters compare columns of the scanned table, in a bounded hash
 *				table in shared memory;
 *	advise		idxadvisor_suggest() turns that, the catalogs and the planner's
 *				statistics into ranked index suggestions;
 *	build		idxadvisor_create*() and idxadvisor_drop*(); concurrent builds
 *				are queued and run by background workers;
 *	report		catalog-only reports of duplicate and redundant indexes and of
 *				unindexed foreign keys.
 *
 * This file is GUCs, chained hooks and one "should we record" test; the
 * hooks call into idxadvisor_capture.c, which never calls back.  Every GUC of
 * every part is defined in _PG_init below.
 *
 * Everything that needs shared memory needs the library in
 * shared_preload_libraries.  Without it _PG_init only defines the GUCs, so
 * that CREATE EXTENSION and the catalog reports still work, and the functions
 * that need shared memory say so with a hint.
 *
 * Which statements are recorded: every statement at top level, and nested
 * ones (inside functions, procedures and triggers) when idxadvisor.track is
 * "all".  The queries that foreign-key triggers run on the referencing table
 * when a referenced row is deleted or its key updated are always recorded:
 * they are the scans users never see.  Those are recognised by the
 * EXEC_FLAG_SKIP_TRIGGERS executor flag, which only the RI trigger code sets
 * (through SPI_execute_snapshot with fire_triggers = false).  Sampling is
 * decided per top-level statement; nested statements follow it.
 *
 * Parallel workers never record: the leader collects their row counts and
 * records the scan once.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/parallel.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "storage/ipc.h"
#include "utils/guc.h"

#include "idxadvisor.h"

PG_MODULE_MAGIC;

/*---- GUC variables (declared in idxadvisor.h) ----*/

/* capture */
bool		idxadv_enabled = true;
int			idxadv_max = 5000;
int			idxadv_track = IDXADV_TRACK_ALL;
double		idxadv_sample_rate = 1.0;
bool		idxadv_save = true;

/* suggestions */
int			idxadv_min_table_pages = 128;
int			idxadv_max_new_indexes_per_table = 10;
double		idxadv_index_size_budget = 0.2;

/* builds */
int			idxadv_build_lock_timeout = 5000;
int			idxadv_build_lock_retries = 120;
int			idxadv_build_statement_timeout = 0;
int			idxadv_max_builds = 2;

static const struct config_enum_entry track_options[] =
{
	{"top", IDXADV_TRACK_TOP, false},
	{"all", IDXADV_TRACK_ALL, false},
	{NULL, 0, false}
};

/*---- Local variables ----*/

/* true when the library was loaded by shared_preload_libraries */
static bool idxadv_preloaded = false;

/* Current nesting depth of ExecutorRun/ExecutorFinish calls */
static int	exec_nested_level = 0;

/* Is the current top-level statement sampled? */
static bool current_query_sampled = false;

/* Saved hook values, to chain to */
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

/*---- Function declarations ----*/

void		_PG_init(void);

static void idxadv_shmem_request(void);
static void idxadv_shmem_startup(void);
static void idxadv_ExecutorStart(QueryDesc *queryDesc, int eflags);
static void idxadv_ExecutorRun(IDXADV_EXECUTORRUN_PARAMS);
static void idxadv_ExecutorFinish(QueryDesc *queryDesc);
static void idxadv_ExecutorEnd(QueryDesc *queryDesc);
static bool idxadv_is_fk_trigger_query(QueryDesc *queryDesc, int eflags);

/*
 * Should this statement's scans be recorded?  One test for every condition:
 * GUC, preload, parallel worker, nesting and sampling.  fk_trigger
 * statements are recorded at any nesting level.
 */
#define idxadv_should_record(fk_trigger) \
	(idxadv_enabled && idxadv_preloaded && !IsParallelWorker() && \
	 (exec_nested_level == 0 || (fk_trigger) || \
	  idxadv_track == IDXADV_TRACK_ALL) && \
	 current_query_sampled)

/*
 * Is this statement one that a foreign-key trigger runs?
 *
 * The RI trigger code runs its queries through SPI_execute_snapshot() with
 * fire_triggers = false, which makes SPI start the executor with
 * EXEC_FLAG_SKIP_TRIGGERS.  SQL functions set that flag too, but only for
 * plain SELECTs evaluated lazily; RI's queries are DELETEs and UPDATEs (the
 * CASCADE, SET NULL and SET DEFAULT actions) or SELECT ... FOR KEY SHARE
 * (the NO ACTION and RESTRICT checks).  Deferred checks run at COMMIT,
 * outside any statement, so nesting level says nothing here.
 */
static bool
idxadv_is_fk_trigger_query(QueryDesc *queryDesc, int eflags)
{
	ListCell   *lc;

	if ((eflags & EXEC_FLAG_SKIP_TRIGGERS) == 0)
		return false;
	if (queryDesc->operation == CMD_DELETE ||
		queryDesc->operation == CMD_UPDATE)
		return true;
	foreach(lc, queryDesc->plannedstmt->rowMarks)
	{
		PlanRowMark *rc = (PlanRowMark *) lfirst(lc);

		if (rc->markType == ROW_MARK_KEYSHARE)
			return true;
	}
	return false;
}

/*
 * Module load callback
 */
void
_PG_init(void)
{
	/*
	 * The GUCs are defined even without preloading, so that postgresql.conf
	 * settings are checked and SHOW works wherever the library is loaded.
	 */
	DefineCustomBoolVariable("idxadvisor.enabled",
							 "Records filtered sequential scans.",
							 NULL,
							 &idxadv_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomEnumVariable("idxadvisor.track",
							 "Which statements are recorded: top-level ones, or all, nested ones too.",
							 "Scans run by foreign-key triggers are recorded either way.",
							 &idxadv_track,
							 IDXADV_TRACK_ALL,
							 track_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomRealVariable("idxadvisor.sample_rate",
							 "Fraction of top-level statements whose scans are recorded.",
							 "Nested statements follow the decision of their top-level statement.",
							 &idxadv_sample_rate,
							 1.0,
							 0.0,
							 1.0,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("idxadvisor.save",
							 "Saves scan statistics across server shutdowns.",
							 NULL,
							 &idxadv_save,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.min_table_pages",
							"Tables smaller than this many pages get no index suggestion.",
							"idxadvisor_suggest(verbose => true) lists what was skipped and why.",
							&idxadv_min_table_pages,
							128,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_BLOCKS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.max_new_indexes_per_table",
							"Most new indexes idxadvisor_suggest() suggests for one table.",
							"The workload-level selection adds indexes to a table, most useful first, up to this many; indexes for unindexed foreign keys are always kept and count toward it.",
							&idxadv_max_new_indexes_per_table,
							10,
							1,
							INDEX_MAX_KEYS * 32,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	DefineCustomRealVariable("idxadvisor.index_size_budget",
							 "Size of the new indexes that only speed up scans other suggested indexes already serve, as a fraction of the table's size.",
							 "An index that takes a filter off a sequential scan is not bound by it; narrower refinements are suggested while the table's new indexes stay within this share of its size.",
							 &idxadv_index_size_budget,
							 0.2,
							 0.0,
							 100.0,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.build_lock_timeout",
							"Longest wait for the table lock at each attempt of a queued build or drop.",
							"On timeout the worker releases everything and tries again, up to idxadvisor.build_lock_retries times. Waits for older transactions and snapshots during a concurrent build are not bounded by it.",
							&idxadv_build_lock_timeout,
							5000,
							1,
							INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.build_lock_retries",
							"How many more times a queued build tries to get its table lock before failing; -1 means forever.",
							NULL,
							&idxadv_build_lock_retries,
							120,
							-1,
							INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.build_statement_timeout",
							"Longest time a queued build or drop may run, once it has its table lock; 0 means no limit.",
							"Role and database settings of statement_timeout and lock_timeout do not apply to the workers.",
							&idxadv_build_statement_timeout,
							0,
							0,
							INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("idxadvisor.max_builds",
							"Most queued builds and drops that run at the same time, in all databases together.",
							"At most one runs per database at a time; builds also need free max_worker_processes slots.",
							&idxadv_max_builds,
							2,
							1,
							IDXADV_JOB_SLOTS,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	/*
	 * Shared memory, LWLocks and background workers can only be had when
	 * loaded by the postmaster.  Stop here otherwise: the catalog reports
	 * still work, the rest reports that it needs preloading.
	 */
	if (!process_shared_preload_libraries_in_progress)
	{
		MarkGUCPrefixReserved("idxadvisor");
		return;
	}

	idxadv_preloaded = true;

	/* PGC_POSTMASTER variables can only be defined while preloading */
	DefineCustomIntVariable("idxadvisor.max",
							"Maximum number of scan statistics entries kept in shared memory.",
							"When the table is full the least used entries are evicted.",
							&idxadv_max,
							5000,
							100,
							INT_MAX / 2,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("idxadvisor");

	idxadv_capture_init();
	idxadv_register_launcher();
	idxadv_queue_init();

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = idxadv_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = idxadv_shmem_startup;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = idxadv_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = idxadv_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = idxadv_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = idxadv_ExecutorEnd;
}

/*
 * shmem_request hook: request shared memory and LWLock tranches of every
 * part.
 */
static void
idxadv_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	idxadv_capture_shmem_request();
	idxadv_build_shmem_request();
}

/*
 * shmem_startup hook: attach to (or create) every part's shared state.
 */
static void
idxadv_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	idxadv_capture_shmem_startup();
	idxadv_build_shmem_startup();
}

/*
 * ExecutorStart hook: decide whether this statement is recorded and, if so,
 * let the capture instrument its qualifying scans.
 */
static void
idxadv_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	bool		fk_trigger = idxadv_is_fk_trigger_query(queryDesc, eflags);

	/* Sampling is decided once per top-level statement */
	if (exec_nested_level == 0)
		current_query_sampled = idxadv_sample_rate >= 1.0 ||
			(idxadv_sample_rate > 0.0 &&
			 pg_prng_double(&pg_global_prng_state) < idxadv_sample_rate);

	if (idxadv_should_record(fk_trigger) &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 &&
		queryDesc->plannedstmt->parallelModeNeeded)
	{
		/*
		 * Workers report row counts to the leader only when the whole query
		 * is instrumented; rows only, no timing.
		 */
		queryDesc->instrument_options |= INSTRUMENT_ROWS;
	}

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (idxadv_should_record(fk_trigger) &&
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		idxadv_capture_query_start(queryDesc, eflags, fk_trigger);
}

/*
 * ExecutorRun hook: all we need do is track nesting depth
 */
static void
idxadv_ExecutorRun(IDXADV_EXECUTORRUN_PARAMS)
{
	exec_nested_level++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(IDXADV_EXECUTORRUN_ARGS);
		else
			standard_ExecutorRun(IDXADV_EXECUTORRUN_ARGS);
	}
	PG_FINALLY();
	{
		exec_nested_level--;
	}
	PG_END_TRY();
}

/*
 * ExecutorFinish hook: all we need do is track nesting depth.  AFTER
 * triggers, foreign-key ones among them, run in here.
 */
static void
idxadv_ExecutorFinish(QueryDesc *queryDesc)
{
	exec_nested_level++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		exec_nested_level--;
	}
	PG_END_TRY();
}

/*
 * ExecutorEnd hook: record the statement's scans, then let the executor
 * free its state.
 */
static void
idxadv_ExecutorEnd(QueryDesc *queryDesc)
{
	/*
	 * No condition here: the capture only records statements it instrumented
	 * at start, whatever the GUCs say now.
	 */
	if (idxadv_preloaded)
		idxadv_capture_query_end(queryDesc);

	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

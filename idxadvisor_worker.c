/*-------------------------------------------------------------------------
 *
 * idxadvisor_worker.c
 *		Background workers of the build queue: the launcher, the per-database
 *		scan worker and the job worker.
 *
 * The launcher is a static background worker registered at preload and
 * started once recovery has finished (a hot standby never runs builds; its
 * SQL functions refuse to queue).  It connects to no database and only
 * starts other workers:
 *
 *	- a scan worker per database (templates excepted), one at a time, when
 *	  the database's job table must be read: at start (also after a crash:
 *	  shared memory then says "scan everything"), when a transaction found no
 *	  free job slot, and when a job worker stopped without recording its
 *	  job's outcome.  The scan worker connects as the bootstrap superuser,
 *	  does nothing when the extension is not installed, fails jobs whose role
 *	  can no longer log in, and puts every queued or interrupted job into a
 *	  job slot;
 *
 *	- a job worker per job, at most one per database at a time (so jobs of a
 *	  database run in id order and never wait for each other's snapshots)
 *	  and at most idxadvisor.max_builds in all.  When no background worker
 *	  slot is free the job stays queued and the launcher tries again a
 *	  second later.
 *
 * The job worker connects to the job's database as the session user of the
 * transaction that queued the job and switches to the role that was the
 * current user then, so the build runs with the requester's privileges and
 * no other.  It claims its job with an UPDATE (queued or interrupted ->
 * running), takes the table's SHARE UPDATE EXCLUSIVE lock with
 * idxadvisor.build_lock_timeout (on timeout it releases everything, sleeps
 * and tries again, idxadvisor.build_lock_retries times), then runs the DDL
 * at top level the way a simple query is run: parse, analyze, plan, a
 * portal run with isTopLevel = true.  It holds no snapshot or transaction
 * other than the build's own.  When the build fails or is cancelled it drops
 * the INVALID index that CREATE INDEX CONCURRENTLY leaves behind, and
 * records the outcome.  A job found "running" at claim time was interrupted
 * (crash, restart, killed worker): its invalid index is dropped and the
 * build starts again, at most IDXADV_MAX_ATTEMPTS times in all.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

#include "idxadvisor.h"

/* How many times a job is started before an interrupted one is failed */
#define IDXADV_MAX_ATTEMPTS		3

/* Launcher's idle wake-up, and the pause between table lock attempts */
#define IDXADV_LAUNCHER_NAP_MS	1000
#define IDXADV_LOCK_RETRY_MS	1000

/* What a job worker is told at start (bgw_extra) */
typedef struct idxadvJobExtra
{
	Oid			dbid;
	Oid			roleid;
	int64		jobid;
} idxadvJobExtra;

/* A job row, as the job worker claimed it */
typedef struct idxadvJob
{
	int64		id;
	bool		is_drop;
	Oid			relid;
	Oid			indexrelid;
	Oid			nspid;
	char	   *index_name;
	char	   *qualified_name;	/* quoted, schema-qualified index name */
	char	   *command;
	Oid			requested_by;
	int			attempts;
	bool		cancel_requested;
} idxadvJob;

/*---- Local variables ----*/

/* launcher: handles of the workers it started, per job slot */
static BackgroundWorkerHandle *slot_handles[IDXADV_JOB_SLOTS];

/* launcher: databases still to scan, and the scan worker running */
static List *scan_todo = NIL;
static BackgroundWorkerHandle *scan_handle = NULL;

/* job worker: long-lived memory, and the job */
static MemoryContext job_cxt = NULL;
static idxadvExtInfo job_ext;

/*---- Function declarations ----*/

static void idxadv_worker_template(BackgroundWorker *worker,
								   const char *function, const char *type);
static List *idxadv_all_databases(void);
static void idxadv_launcher_reap(void);
static void idxadv_launcher_collect(void);
static void idxadv_launcher_start_scan(void);
static void idxadv_launcher_start_jobs(void);
static bool idxadv_job_claim(int64 jobid, idxadvJob *job);
static void idxadv_job_finish(idxadvJob *job, const char *state,
							  const char *error);
static bool idxadv_job_cancel_requested(idxadvJob *job);
static Oid	idxadv_job_existing_index(idxadvJob *job, bool *valid);
static void idxadv_run_ddl(const char *sql, Oid relid, bool is_drop);
static void idxadv_exec_toplevel(const char *sql, Oid relid, bool is_drop);
static char *idxadv_catch_error(int *sqlerrcode);

/*
 * Register the launcher; called from _PG_init while preloading.
 */
void
idxadv_register_launcher(void)
{
	BackgroundWorker worker;

	idxadv_worker_template(&worker, "idxadv_launcher_main",
						   "idxadvisor launcher");
	snprintf(worker.bgw_name, BGW_MAXLEN, "idxadvisor launcher");
	worker.bgw_restart_time = 5;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

/*
 * Fill in what all our workers share: database connection, started after
 * recovery, never restarted, reporting to the launcher (the caller).
 */
static void
idxadv_worker_template(BackgroundWorker *worker, const char *function,
					   const char *type)
{
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "idxadvisor");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	worker->bgw_notify_pid = MyProcPid;
}

/*
 * Launcher main loop.
 */
void
idxadv_launcher_main(Datum main_arg)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			i;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	sh->launcher_pid = MyProcPid;
	sh->launcher_latch = MyLatch;

	/*
	 * Slots of an earlier launcher of this postmaster: running workers are
	 * followed by pid; one that was registered but never attached is
	 * started again (its job row tells whether anything is left to do).
	 */
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
		if (sh->slots[i].state == IDXADV_SLOT_STARTING &&
			sh->slots[i].pid == 0)
			sh->slots[i].state = IDXADV_SLOT_QUEUED;
	LWLockRelease(sh->lock);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		idxadv_launcher_reap();
		idxadv_launcher_collect();
		idxadv_launcher_start_scan();
		idxadv_launcher_start_jobs();

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 IDXADV_LAUNCHER_NAP_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Every database that accepts connections and is not a template, read from
 * pg_database (the launcher is connected to none).
 */
static List *
idxadv_all_databases(void)
{
	List	   *dbs = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext resultcxt = CurrentMemoryContext;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;

		/*
		 * Not templates: a scan worker connected to one, even briefly, makes
		 * CREATE DATABASE fail ("source database is being accessed").
		 */
		if (!db->datallowconn || db->datistemplate)
			continue;
		old = MemoryContextSwitchTo(resultcxt);
		dbs = lappend_oid(dbs, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	MemoryContextSwitchTo(resultcxt);
	return dbs;
}

/*
 * Free the slots of workers that stopped.  A job worker that stopped
 * without recording its job's outcome (error exit, crash, kill) leaves its
 * job queued or running in the table: have the database scanned, which
 * resumes or fails it.
 */
static void
idxadv_launcher_reap(void)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			i;
	pid_t		pid;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		idxadvJobSlot *slot = &sh->slots[i];
		bool		stopped;

		if (slot->state != IDXADV_SLOT_STARTING &&
			slot->state != IDXADV_SLOT_RUNNING)
			continue;
		if (slot_handles[i] != NULL)
			stopped = GetBackgroundWorkerPid(slot_handles[i], &pid) ==
				BGWH_STOPPED;
		else
			stopped = slot->pid == 0 || BackendPidGetProc(slot->pid) == NULL;
		if (!stopped)
			continue;

		if (!slot->finished)
			scan_todo = list_append_unique_oid(scan_todo, slot->dbid);
		slot->state = IDXADV_SLOT_FREE;
		slot->pid = 0;
		if (slot_handles[i] != NULL)
		{
			pfree(slot_handles[i]);
			slot_handles[i] = NULL;
		}
	}
	LWLockRelease(sh->lock);

	if (scan_handle != NULL &&
		GetBackgroundWorkerPid(scan_handle, &pid) == BGWH_STOPPED)
	{
		pfree(scan_handle);
		scan_handle = NULL;
	}
}

/* Take over the scan requests of shared memory */
static void
idxadv_launcher_collect(void)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	bool		all;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	all = sh->rescan_all;
	sh->rescan_all = false;
	for (i = 0; i < IDXADV_SCAN_SLOTS; i++)
		if (sh->scan_dbs[i] != InvalidOid)
		{
			scan_todo = list_append_unique_oid(scan_todo, sh->scan_dbs[i]);
			sh->scan_dbs[i] = InvalidOid;
		}
	LWLockRelease(sh->lock);

	if (all)
	{
		List	   *dbs = idxadv_all_databases();
		ListCell   *lc;

		foreach(lc, dbs)
			scan_todo = list_append_unique_oid(scan_todo, lfirst_oid(lc));
		list_free(dbs);
	}
}

/* Start the scan worker of the next database to scan, if none runs */
static void
idxadv_launcher_start_scan(void)
{
	BackgroundWorker worker;
	Oid			dbid;

	if (scan_handle != NULL || scan_todo == NIL)
		return;
	dbid = linitial_oid(scan_todo);

	idxadv_worker_template(&worker, "idxadv_scan_main", "idxadvisor scan");
	snprintf(worker.bgw_name, BGW_MAXLEN, "idxadvisor scan of database %u",
			 dbid);
	worker.bgw_main_arg = ObjectIdGetDatum(dbid);

	/* no free worker slot: try again at the next round */
	if (RegisterDynamicBackgroundWorker(&worker, &scan_handle))
		scan_todo = list_delete_first(scan_todo);
	else
		scan_handle = NULL;
}

/*
 * Start job workers for queued slots: oldest job of each database first,
 * one per database, idxadvisor.max_builds in all.
 */
static void
idxadv_launcher_start_jobs(void)
{
	idxadvBuildShared *sh = idxadv_build_shared;

	for (;;)
	{
		int			running = 0;
		int			best = -1;
		int			i;
		idxadvJobExtra extra;
		BackgroundWorker worker;
		BackgroundWorkerHandle *handle;

		LWLockAcquire(sh->lock, LW_EXCLUSIVE);
		for (i = 0; i < IDXADV_JOB_SLOTS; i++)
			if (sh->slots[i].state == IDXADV_SLOT_STARTING ||
				sh->slots[i].state == IDXADV_SLOT_RUNNING)
				running++;
		if (running < idxadv_max_builds)
		{
			for (i = 0; i < IDXADV_JOB_SLOTS; i++)
			{
				idxadvJobSlot *slot = &sh->slots[i];
				bool		busy = false;
				int			j;

				if (slot->state != IDXADV_SLOT_QUEUED)
					continue;
				for (j = 0; j < IDXADV_JOB_SLOTS; j++)
					if (sh->slots[j].dbid == slot->dbid &&
						(sh->slots[j].state == IDXADV_SLOT_STARTING ||
						 sh->slots[j].state == IDXADV_SLOT_RUNNING ||
						 (sh->slots[j].state == IDXADV_SLOT_QUEUED &&
						  sh->slots[j].jobid < slot->jobid)))
						busy = true;
				if (!busy)
				{
					best = i;
					break;
				}
			}
		}
		if (best < 0)
		{
			LWLockRelease(sh->lock);
			return;
		}
		extra.dbid = sh->slots[best].dbid;
		extra.roleid = sh->slots[best].roleid;
		extra.jobid = sh->slots[best].jobid;
		sh->slots[best].state = IDXADV_SLOT_STARTING;
		sh->slots[best].pid = 0;
		sh->slots[best].finished = false;
		LWLockRelease(sh->lock);

		idxadv_worker_template(&worker, "idxadv_job_main", "idxadvisor build");
		snprintf(worker.bgw_name, BGW_MAXLEN, "idxadvisor build job %lld",
				 (long long) extra.jobid);
		worker.bgw_main_arg = Int32GetDatum(best);
		memcpy(worker.bgw_extra, &extra, sizeof(extra));

		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			/* max_worker_processes exhausted: the job waits */
			LWLockAcquire(sh->lock, LW_EXCLUSIVE);
			sh->slots[best].state = IDXADV_SLOT_QUEUED;
			LWLockRelease(sh->lock);
			return;
		}
		slot_handles[best] = handle;
	}
}

/*
 * Scan worker: put the queued and interrupted jobs of one database into job
 * slots.
 */
void
idxadv_scan_main(Datum main_arg)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	Oid			dbid = DatumGetObjectId(main_arg);
	idxadvExtInfo ext;
	int64	   *jobids = NULL;
	Oid		   *roleids = NULL;
	int			njobs = 0;
	int			i;
	bool		overflow = false;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (idxadv_get_extension(&ext))
	{
		Oid			save_userid;
		int			save_sec;
		int			nestlevel;
		int			n;

		SPI_connect();
		idxadv_owner_spi_begin(&ext, &save_userid, &save_sec, &nestlevel);
		n = SPI_execute(psprintf("SELECT id, session_role, requested_by FROM %s"
								 " WHERE state IN ('queued', 'running') ORDER BY id",
								 ext.jobs_table), false, 0);
		if (n != SPI_OK_SELECT)
			elog(ERROR, "could not read the job table");
		n = (int) SPI_processed;
		jobids = MemoryContextAlloc(TopMemoryContext, sizeof(int64) * Max(n, 1));
		roleids = MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			Oid			role = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
			Oid			requester = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
			HeapTuple	roletup;
			const char *problem = NULL;

			roletup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
			if (!HeapTupleIsValid(roletup))
				problem = "the role that queued it no longer exists";
			else
			{
				if (!((Form_pg_authid) GETSTRUCT(roletup))->rolcanlogin)
					problem = "the role that queued it can no longer log in";
				ReleaseSysCache(roletup);
			}
			if (problem == NULL &&
				!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(requester)))
				problem = "the role that requested it no longer exists";
			if (problem != NULL)
			{
				Oid			argtypes[2] = {INT8OID, TEXTOID};
				Datum		values[2];

				values[0] = Int64GetDatum(id);
				values[1] = CStringGetTextDatum(problem);
				SPI_execute_with_args(psprintf("UPDATE %s SET state = 'failed', error = $2,"
											   " finished_at = pg_catalog.clock_timestamp()"
											   " WHERE id OPERATOR(pg_catalog.=) $1",
											   ext.jobs_table),
									  2, argtypes, values, NULL, false, 0);
				continue;
			}
			jobids[njobs] = id;
			roleids[njobs] = role;
			njobs++;
		}
		idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < njobs; i++)
	{
		int			j;
		int			free_slot = -1;
		bool		present = false;

		for (j = 0; j < IDXADV_JOB_SLOTS; j++)
		{
			idxadvJobSlot *slot = &sh->slots[j];

			if (slot->state == IDXADV_SLOT_FREE)
			{
				if (free_slot < 0)
					free_slot = j;
			}
			else if (slot->dbid == dbid && slot->jobid == jobids[i])
				present = true;
		}
		if (present)
			continue;
		if (free_slot < 0)
		{
			overflow = true;
			break;
		}
		sh->slots[free_slot].state = IDXADV_SLOT_QUEUED;
		sh->slots[free_slot].dbid = dbid;
		sh->slots[free_slot].jobid = jobids[i];
		sh->slots[free_slot].roleid = roleids[i];
		sh->slots[free_slot].pid = 0;
		sh->slots[free_slot].finished = false;
	}
	if (sh->launcher_latch)
		SetLatch(sh->launcher_latch);
	LWLockRelease(sh->lock);

	/* the rest once slots are free again */
	if (overflow)
		idxadv_request_scan(dbid);
	proc_exit(0);
}

/*
 * Copy the current error out of the error context, reset the error and
 * transaction state as the main loop of a backend would, and return the
 * error's message.  Call in PG_CATCH.
 */
static char *
idxadv_catch_error(int *sqlerrcode)
{
	ErrorData  *edata;
	char	   *msg;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(job_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	disable_all_timeouts(false);
	QueryCancelPending = false;
	AbortCurrentTransaction();
	MemoryContextSwitchTo(job_cxt);
	debug_query_string = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
	RESUME_INTERRUPTS();

	if (sqlerrcode)
		*sqlerrcode = edata->sqlerrcode;
	msg = edata->detail ? psprintf("%s (%s)", edata->message, edata->detail) :
		pstrdup(edata->message);
	FreeErrorData(edata);
	return msg;
}

/*
 * Run one job row SQL statement as the extension owner, in its own
 * transaction.  Returns the number of rows; the first row's values stay in
 * SPI_tuptable until the caller calls idxadv_job_sql_end().
 */
static int
idxadv_job_sql_begin(const char *sql, int nargs, Oid *argtypes, Datum *values)
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	int			ret;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	idxadv_owner_spi_begin(&job_ext, &save_userid, &save_sec, &nestlevel);
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	if (ret < 0)
		elog(ERROR, "could not access the job table: %s",
			 SPI_result_code_string(ret));
	return (int) SPI_processed;
}

static void
idxadv_job_sql_end(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_cxt);
}

/*
 * Claim a job: queued, or running but interrupted (no other worker of this
 * database runs, the launcher sees to that).  Returns false when the job is
 * gone, finished or cancelled.
 */
static bool
idxadv_job_claim(int64 jobid, idxadvJob *job)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		values[2];
	bool		found;

	values[0] = Int64GetDatum(jobid);
	values[1] = Int32GetDatum(MyProcPid);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	found = idxadv_get_extension(&job_ext);
	if (found)
		job_ext.jobs_table = MemoryContextStrdup(job_cxt, job_ext.jobs_table);
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_cxt);
	if (!found)
		return false;

	found = idxadv_job_sql_begin(psprintf("UPDATE %s SET state = 'running', pid = $2,"
										  " started_at = pg_catalog.clock_timestamp(),"
										  " attempts = attempts OPERATOR(pg_catalog.+) 1"
										  " WHERE id OPERATOR(pg_catalog.=) $1"
										  "   AND state IN ('queued', 'running')"
										  " RETURNING kind OPERATOR(pg_catalog.=) 'drop',"
										  "   relid, indexrelid, index_schema,"
										  "   index_name::pg_catalog.text, command,"
										  "   requested_by, attempts, cancel_requested",
										  job_ext.jobs_table),
								 2, argtypes, values) == 1;
	if (found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		job->id = jobid;
		job->is_drop = DatumGetBool(SPI_getbinval(tup, desc, 1, &isnull));
		job->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		job->indexrelid = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		if (isnull)
			job->indexrelid = InvalidOid;
		job->nspid = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
		job->index_name = MemoryContextStrdup(job_cxt,
											  SPI_getvalue(tup, desc, 5));
		job->command = MemoryContextStrdup(job_cxt,
										   SPI_getvalue(tup, desc, 6));
		job->qualified_name =
			MemoryContextStrdup(job_cxt,
								quote_qualified_identifier(get_namespace_name(job->nspid),
														   job->index_name));
		job->requested_by = DatumGetObjectId(SPI_getbinval(tup, desc, 7, &isnull));
		job->attempts = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
		job->cancel_requested = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));
	}
	idxadv_job_sql_end();
	return found;
}

/* Has the job been cancelled (committed) since it was claimed? */
static bool
idxadv_job_cancel_requested(idxadvJob *job)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(job->id);
	bool		result = false;

	if (idxadv_job_sql_begin(psprintf("SELECT cancel_requested FROM %s"
									  " WHERE id OPERATOR(pg_catalog.=) $1",
									  job_ext.jobs_table),
							 1, &argtype, &value) == 1)
	{
		bool		isnull;

		result = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1,
											&isnull));
	}
	idxadv_job_sql_end();
	return result;
}

/* Record the outcome of a job */
static void
idxadv_job_finish(idxadvJob *job, const char *state, const char *error)
{
	Oid			argtypes[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;

	values[0] = Int64GetDatum(job->id);
	values[1] = CStringGetTextDatum(state);
	if (error)
		values[2] = CStringGetTextDatum(error);
	else
		nulls[2] = 'n';

	/* a late cancel must not keep us from recording the outcome */
	HOLD_CANCEL_INTERRUPTS();
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	idxadv_owner_spi_begin(&job_ext, &save_userid, &save_sec, &nestlevel);
	SPI_execute_with_args(psprintf("UPDATE %s SET state = $2, error = $3,"
								   " finished_at = pg_catalog.clock_timestamp()"
								   " WHERE id OPERATOR(pg_catalog.=) $1",
								   job_ext.jobs_table),
						  3, argtypes, values, nulls, false, 0);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_cxt);
	RESUME_CANCEL_INTERRUPTS();
}

/*
 * The index that has the job's name now, if any: returns its OID and
 * whether it is valid; InvalidOid if there is none.  Raises an error when
 * the name belongs to something other than an index of the job's table.
 */
static Oid
idxadv_job_existing_index(idxadvJob *job, bool *valid)
{
	Oid			existing;
	HeapTuple	tup;
	Oid			indrelid = InvalidOid;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	existing = get_relname_relid(job->index_name, job->nspid);
	if (OidIsValid(existing))
	{
		tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(existing));
		if (HeapTupleIsValid(tup))
		{
			Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);

			indrelid = idx->indrelid;
			*valid = idx->indisvalid && idx->indisready;
			ReleaseSysCache(tup);
		}
		if (indrelid != job->relid)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation \"%s\" already exists and is not an index of the job's table",
							job->index_name)));
	}
	CommitTransactionCommand();
	MemoryContextSwitchTo(job_cxt);
	return existing;
}

/*
 * Run a CREATE INDEX CONCURRENTLY or DROP INDEX CONCURRENTLY at top level,
 * in a transaction of its own, after taking the table's lock with a bounded
 * wait; retry the lock as the GUCs say.
 */
static void
idxadv_run_ddl(const char *sql, Oid relid, bool is_drop)
{
	volatile int attempt;

	for (attempt = 0;; attempt++)
	{
		volatile bool lock_phase = false;
		volatile bool retry = false;
		char		timeout[32];

		snprintf(timeout, sizeof(timeout), "%d", idxadv_build_lock_timeout);
		SetConfigOption("lock_timeout", timeout, PGC_SUSET, PGC_S_OVERRIDE);

		PG_TRY();
		{
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			MemoryContextSwitchTo(job_cxt);
			lock_phase = true;
			LockRelationOid(relid, ShareUpdateExclusiveLock);
			lock_phase = false;

			/*
			 * The waits of a concurrent build for older transactions are
			 * lock waits too; they must not time out.
			 */
			SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
			idxadv_exec_toplevel(sql, relid, is_drop);
			CommitTransactionCommand();
			MemoryContextSwitchTo(job_cxt);
		}
		PG_CATCH();
		{
			int			code;
			char	   *msg;

			if (!lock_phase)
				PG_RE_THROW();
			msg = idxadv_catch_error(&code);
			if (code != ERRCODE_LOCK_NOT_AVAILABLE ||
				(idxadv_build_lock_retries >= 0 &&
				 attempt >= idxadv_build_lock_retries))
				ereport(ERROR,
						(errcode(code),
						 errmsg("%s", msg),
						 errdetail("Gave up waiting for the table lock after %d attempts.",
								   attempt + 1)));
			retry = true;
		}
		PG_END_TRY();

		/* (no continue or return inside PG_TRY: it is a do-while block) */
		if (!retry)
			return;
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 IDXADV_LOCK_RETRY_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Run the job's DDL like a simple query at top level: parse, check that it
 * is exactly the one statement the job stands for, analyze, plan, and run
 * it in a portal with isTopLevel = true.  Called in a transaction; the
 * statement commits and starts transactions of its own.
 */
static void
idxadv_exec_toplevel(const char *sql, Oid relid, bool is_drop)
{
	List	   *raw;
	RawStmt    *rs;
	List	   *querytrees;
	List	   *plantrees;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;
	bool		ok = false;

	raw = pg_parse_query(sql);
	if (list_length(raw) == 1)
	{
		rs = linitial_node(RawStmt, raw);
		if (!is_drop && IsA(rs->stmt, IndexStmt))
		{
			IndexStmt  *stmt = (IndexStmt *) rs->stmt;

			ok = stmt->concurrent &&
				RangeVarGetRelid(stmt->relation, NoLock, true) == relid;
			if (stmt->concurrent && !ok)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_TABLE),
						 errmsg("the table of the job was dropped or renamed since it was queued")));
		}
		else if (is_drop && IsA(rs->stmt, DropStmt))
		{
			DropStmt   *stmt = (DropStmt *) rs->stmt;

			ok = stmt->concurrent && stmt->removeType == OBJECT_INDEX &&
				list_length(stmt->objects) == 1;
		}
	}
	if (!ok)
		elog(ERROR, "job command is not a single concurrent index statement");

	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);

	querytrees = pg_analyze_and_rewrite_fixedparams(rs, sql, NULL, 0, NULL);
	plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, CreateCommandTag(rs->stmt),
					  plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	receiver = CreateDestReceiver(DestNone);

	if (idxadv_build_statement_timeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT,
							 idxadv_build_statement_timeout);
	(void) PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &qc);
	disable_timeout(STATEMENT_TIMEOUT, false);

	receiver->rDestroy(receiver);
	PortalDrop(portal, false);
	debug_query_string = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Job worker: run one job.
 */
void
idxadv_job_main(Datum main_arg)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			slotno = DatumGetInt32(main_arg);
	idxadvJobExtra extra;
	idxadvJob	job;
	bool		mine;
	char	   *volatile error = NULL;
	const char *volatile outcome = "done";
	char		appname[NAMEDATALEN];

	memcpy(&extra, MyBgworkerEntry->bgw_extra, sizeof(extra));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(extra.dbid, extra.roleid, 0);

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	mine = sh->slots[slotno].dbid == extra.dbid &&
		sh->slots[slotno].jobid == extra.jobid &&
		sh->slots[slotno].state == IDXADV_SLOT_STARTING;
	if (mine)
	{
		sh->slots[slotno].pid = MyProcPid;
		sh->slots[slotno].state = IDXADV_SLOT_RUNNING;
	}
	LWLockRelease(sh->lock);
	if (!mine)
		proc_exit(0);

	job_cxt = AllocSetContextCreate(TopMemoryContext, "idxadvisor job",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(job_cxt);
	snprintf(appname, sizeof(appname), "idxadvisor build %lld",
			 (long long) extra.jobid);
	SetConfigOption("application_name", appname, PGC_SUSET, PGC_S_OVERRIDE);

	/*
	 * Role and database settings of the requester must not cancel the build
	 * (lock_timeout, statement_timeout, idle timeouts), and the DDL is read
	 * under the settings it was written under (idxadvisor_ddl.c).
	 */
	SetConfigOption("statement_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("idle_in_transaction_session_timeout", "0", PGC_SUSET,
					PGC_S_OVERRIDE);
	idxadv_ddl_settings_session();

	if (!idxadv_job_claim(extra.jobid, &job))
	{
		LWLockAcquire(sh->lock, LW_EXCLUSIVE);
		sh->slots[slotno].finished = true;
		LWLockRelease(sh->lock);
		proc_exit(0);
	}

	PG_TRY();
	{
		bool		valid = false;
		Oid			existing;

		/* act as the role that requested the job */
		SetUserIdAndSecContext(job.requested_by, SECURITY_LOCAL_USERID_CHANGE);

		if (job.attempts > IDXADV_MAX_ATTEMPTS)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the job was interrupted %d times", job.attempts - 1)));
		existing = idxadv_job_existing_index(&job, &valid);
		if (job.cancel_requested || idxadv_job_cancel_requested(&job))
			outcome = "cancelled";
		else if (!job.is_drop)
		{
			if (OidIsValid(existing) && valid)
				ereport(LOG,
						(errmsg("index \"%s\" of job %lld already exists",
								job.index_name, (long long) job.id)));
			else
			{
				/* a failed or interrupted build left it: build it again */
				if (OidIsValid(existing))
					idxadv_run_ddl(psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
											job.qualified_name),
								   job.relid, true);
				idxadv_run_ddl(job.command, job.relid, false);

				/* "done" means a valid index is there */
				existing = idxadv_job_existing_index(&job, &valid);
				if (!OidIsValid(existing) || !valid)
					ereport(ERROR,
							(errcode(ERRCODE_INTERNAL_ERROR),
							 errmsg("the build of index \"%s\" ended without a valid index",
									job.index_name)));
			}
		}
		else if (OidIsValid(existing))
		{
			if (existing != job.indexrelid)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("index \"%s\" was replaced by another index since the drop was queued",
								job.index_name)));
			idxadv_run_ddl(job.command, job.relid, true);
		}
	}
	PG_CATCH();
	{
		error = idxadv_catch_error(NULL);
		outcome = idxadv_job_cancel_requested(&job) ? "cancelled" : "failed";
	}
	PG_END_TRY();

	/* remove what a failed or cancelled build left behind */
	if (strcmp(outcome, "done") != 0 && !job.is_drop)
	{
		PG_TRY();
		{
			bool		valid = false;
			Oid			existing = idxadv_job_existing_index(&job, &valid);

			if (OidIsValid(existing) && !valid)
				idxadv_run_ddl(psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
										job.qualified_name),
							   job.relid, true);
		}
		PG_CATCH();
		{
			char	   *msg = idxadv_catch_error(NULL);

			ereport(WARNING,
					(errmsg("could not drop invalid index \"%s\" of job %lld: %s",
							job.index_name, (long long) job.id, msg)));
			error = psprintf("%s; the invalid index could not be dropped: %s",
							 error ? error : "cancelled", msg);
		}
		PG_END_TRY();
	}

	idxadv_job_finish(&job, outcome, error);

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	sh->slots[slotno].finished = true;
	LWLockRelease(sh->lock);
	proc_exit(0);
}

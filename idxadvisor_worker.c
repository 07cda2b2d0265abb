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
 * build starts again, at most IDXADV_MAX_ATTEMPTS times in all.  Claims are
 * counted in the job row, so they survive crash restarts: a job whose
 * cleanup kept being interrupted too is failed after IDXADV_MAX_CLAIMS
 * claims without trying once more.
 *
 * A reindex job runs REINDEX INDEX CONCURRENTLY the same way.  Before it
 * runs, and when it fails, it drops what an interrupted or failed REINDEX
 * CONCURRENTLY of its index leaves: INVALID indexes of the same table named
 * <index>_ccnew (before the swap of the old and new index) or _ccold (after
 * it), concurrently, as the requesting role.  A resumed job that finds only
 * _ccold and a valid index knows the rebuild was finished; otherwise it runs
 * REINDEX again.  REINDEX CONCURRENTLY gives the index a new OID under its
 * old name, so a reindex job follows its index by name and table.
 *
 * A build on a partitioned table (which CREATE INDEX CONCURRENTLY refuses)
 * runs as a sequence of such builds, one per leaf partition, each with its
 * own table lock and retries, then one short transaction that creates the
 * index ON ONLY the partitioned tables and attaches the partitions' indexes
 * (idxadvisor_partbuild.c, through the helpers idxadvisor_worker.h shares
 * with it).  Every step looks at what is there first, so a resumed job goes
 * on where it stopped.
 *
 * Nothing the requester's role or database sets may keep a worker from
 * recording an outcome: the workers pin idxadv_worker_settings and the DDL
 * settings above them.  A job worker attaches to its slot before it logs in
 * and keeps the message of an error that ends it there; a worker that stops
 * without an outcome counts as an attempt (idxadv_queue_release), and in
 * the end a "cleanup" worker, logged in as the bootstrap superuser, records
 * the job failed (or cancelled) with that message.
 *
 * A build never makes another session the victim of a deadlock: while
 * builds run, the launcher looks for lock cycles between a worker and
 * another process every IDXADV_LAUNCHER_BUSY_NAP_MS and sends that worker a
 * query cancel marked "back off"; the worker's own deadlock_timeout is
 * short, so that it finds a cycle first too.  A worker that backs off drops
 * its invalid index and tries again after the pause of a lock retry.
 *
 * Locking: the workers read and write the job table and the shared slots
 * only through idxadvisor_queue.c (which takes the queue's LWLock and the
 * job rows' locks); here they take only the locks of the DDL they run.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "parser/parse_utilcmd.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
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
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

#include "idxadvisor_queue.h"
#include "idxadvisor_worker.h"

/*
 * Launcher's wake-up when idle, and while builds run (it then looks for
 * lock cycles: well within the default deadlock_timeout of the sessions
 * that would otherwise be the victims); the pause between table lock
 * attempts of a worker.
 */
#define IDXADV_LAUNCHER_NAP_MS		1000
#define IDXADV_LAUNCHER_BUSY_NAP_MS	100
#define IDXADV_LOCK_RETRY_MS		1000

/* What a job worker is told at start (bgw_extra) */
typedef struct idxadvJobExtra
{
	Oid			dbid;
	Oid			roleid;
	int64		jobid;
	bool		cleanup;		/* only record the outcome */
} idxadvJobExtra;

/*
 * Settings a worker pins above role and database settings (on top of the
 * DDL settings of idxadvisor_ddl.c), because they could make it fail or
 * exit before it records its job's outcome, make it the victim of a
 * deadlock with a migration, or change what its statements mean.
 */
static const struct
{
	const char *name;
	const char *value;
}			idxadv_worker_settings[] =
{
	{"default_transaction_read_only", "off"},
	{"default_transaction_isolation", "read committed"},
	{"default_transaction_deferrable", "off"},
	{"exit_on_error", "off"},
	{"session_replication_role", "origin"},
	{"statement_timeout", "0"},
	{"lock_timeout", "0"},
	{"idle_in_transaction_session_timeout", "0"},
	{"idle_session_timeout", "0"},
	{"search_path", "pg_catalog, pg_temp"},
	/* find a deadlock we are part of before the other session does */
	{"deadlock_timeout", "100ms"},
};

/*---- Local variables ----*/

/* launcher: handles of the workers it started, per job slot */
static BackgroundWorkerHandle *slot_handles[IDXADV_JOB_SLOTS];

/* launcher: databases still to scan, and the scan worker running */
static List *scan_todo = NIL;
static BackgroundWorkerHandle *scan_handle = NULL;

/* job worker: long-lived memory, its slot, and the job */
MemoryContext idxadv_job_cxt = NULL;
static int	job_slotno = -1;
static idxadvExtInfo job_ext;
/* a partitioned job: the leaf whose index is being built, if any */
idxadvJob  *idxadv_partition_job = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/*---- Function declarations ----*/

static void idxadv_worker_template(BackgroundWorker *worker,
								   const char *function, const char *type);
static List *idxadv_all_databases(void);
static int	idxadv_launcher_reap(void);
static void idxadv_launcher_check_cycles(void);
static bool idxadv_lock_cycle(const LockData *locks, int worker);
static void idxadv_launcher_collect(void);
static void idxadv_launcher_start_scan(void);
static void idxadv_launcher_start_jobs(void);
static const char *idxadv_job_role_problem(const idxadvJobRef *job);
static void idxadv_worker_pin_settings(void);
static void idxadv_job_emit_log(ErrorData *edata);
static void idxadv_job_setup(int64 jobid);
static void idxadv_job_give_up(idxadvJob *job);
static void idxadv_job_record_stop(int64 jobid, const idxadvJobSlot *slot);
static bool idxadv_job_take(int64 jobid, idxadvJob *job, bool claim);
static idxadvJobState idxadv_job_run(idxadvJob *job, char **error,
									 int *sqlerrcode);
static void idxadv_job_build(idxadvJob *job);
static void idxadv_job_drop(idxadvJob *job);
static void idxadv_job_reindex(idxadvJob *job);
static bool idxadv_reindex_leftover_name(const char *idxname,
										 const char *name, bool *isnew);
static void idxadv_job_drop_leftovers(idxadvJob *job, bool *found_new,
									  bool *found_old);
static void idxadv_job_remove_invalid(idxadvJob *job, char **error);
static void idxadv_job_end(idxadvJob *job, idxadvJobState outcome,
						   const char *error, int sqlerrcode);
static bool idxadv_job_cancelled(idxadvJob *job);
static void idxadv_exec_toplevel(const char *sql, Oid relid, bool is_drop);

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
	int			busy;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	idxadv_queue_launcher_attach();

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		busy = idxadv_launcher_reap();
		if (busy > 0)
			idxadv_launcher_check_cycles();
		idxadv_launcher_collect();
		idxadv_launcher_start_scan();
		idxadv_launcher_start_jobs();

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 busy > 0 ? IDXADV_LAUNCHER_BUSY_NAP_MS :
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
 * Release the slots of workers that stopped (idxadv_queue_release says
 * what becomes of a job whose worker recorded no outcome).  A worker
 * started by an earlier launcher (no handle) is followed by its pid.
 * Returns the number of workers still running.
 */
static int
idxadv_launcher_reap(void)
{
	int			i;
	int			busy = 0;
	pid_t		pid;

	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		bool		stopped;
		idxadvJobSlot slot;

		if (!idxadv_queue_slot_busy(i, &pid))
			continue;
		if (slot_handles[i] != NULL)
			stopped = GetBackgroundWorkerPid(slot_handles[i], &pid) ==
				BGWH_STOPPED;
		else
			stopped = pid == 0 || BackendPidGetProc(pid) == NULL;
		if (!stopped)
		{
			busy++;
			continue;
		}

		switch (idxadv_queue_release(i, &slot))
		{
			case IDXADV_RELEASE_DONE:
				break;
			case IDXADV_RELEASE_RETRY:
				ereport(LOG,
						(errmsg("worker of index build job %lld of database %u stopped without recording an outcome (%d times)",
								(long long) slot.jobid, slot.dbid, slot.exits),
						 slot.last_error[0] ?
						 errdetail("Its last error was: %s", slot.last_error) : 0));
				break;
			case IDXADV_RELEASE_GIVE_UP:
				ereport(WARNING,
						(errmsg("the outcome of index build job %lld of database %u could not be recorded",
								(long long) slot.jobid, slot.dbid),
						 errdetail("Its workers stopped %d times; the last error was: %s",
								   slot.exits,
								   slot.last_error[0] ? slot.last_error : "none"),
						 errhint("The job is looked at again when its database is next scanned, at the latest at the next server start.")));
				break;
		}
		if (slot_handles[i] != NULL)
		{
			pfree(slot_handles[i]);
			slot_handles[i] = NULL;
		}
	}

	if (scan_handle != NULL &&
		GetBackgroundWorkerPid(scan_handle, &pid) == BGWH_STOPPED)
	{
		pfree(scan_handle);
		scan_handle = NULL;
	}
	return busy;
}

/*
 * Make job workers back off from lock cycles.  A migration that runs its
 * own CREATE INDEX CONCURRENTLY or ALTER TABLE on the table a worker builds
 * on waits for the worker's table lock, while the worker's build waits for
 * the migration's transaction to end: a deadlock, and the deadlock detector
 * makes the victim the session that checks first, which is the migration
 * whenever the worker started waiting first.  So the launcher looks for
 * such cycles while builds run and asks the worker to back off (it gives
 * up its build, removes the invalid index and tries again later).
 */
static void
idxadv_launcher_check_cycles(void)
{
	MemoryContext cxt;
	MemoryContext old;
	LockData   *locks = NULL;
	int			i;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "idxadvisor locks",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		pid_t		pid;

		PGPROC	   *proc;

		if (!idxadv_queue_slot_busy(i, &pid) || pid == 0)
			continue;

		/*
		 * Only a waiting worker can be in a cycle; reading waitLock without
		 * its lock is a hint, checked against the lock table below.
		 */
		proc = BackendPidGetProc(pid);
		if (proc == NULL || proc->waitLock == NULL)
			continue;
		if (locks == NULL)
			locks = GetLockStatusData();
		if (idxadv_lock_cycle(locks, pid))
			idxadv_queue_yield(i, pid);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* Does the lock request of "waiter" conflict with what "holder" holds? */
static bool
idxadv_lock_blocks(const LockInstanceData *waiter,
				   const LockInstanceData *holder)
{
	if (waiter->waitLockMode == NoLock || holder->holdMask == 0 ||
		memcmp(&waiter->locktag, &holder->locktag, sizeof(LOCKTAG)) != 0)
		return false;
	return (GetLockTagsMethodTable(&waiter->locktag)->conflictTab[waiter->waitLockMode] &
			holder->holdMask) != 0;
}

/*
 * Is the worker (pid) waiting for a process that waits for the worker, or
 * for one of the worker's parallel workers?
 */
static bool
idxadv_lock_cycle(const LockData *locks, int worker)
{
	int			i,
				j,
				k,
				l;

	for (i = 0; i < locks->nelements; i++)
	{
		const LockInstanceData *wait = &locks->locks[i];

		if (wait->pid != worker || wait->waitLockMode == NoLock)
			continue;
		for (j = 0; j < locks->nelements; j++)
		{
			const LockInstanceData *hold = &locks->locks[j];

			if (hold->pid == worker || hold->leaderPid == worker ||
				!idxadv_lock_blocks(wait, hold))
				continue;
			for (k = 0; k < locks->nelements; k++)
			{
				const LockInstanceData *wait2 = &locks->locks[k];

				if (wait2->pid != hold->pid || wait2->waitLockMode == NoLock)
					continue;
				for (l = 0; l < locks->nelements; l++)
				{
					const LockInstanceData *hold2 = &locks->locks[l];

					if ((hold2->pid == worker || hold2->leaderPid == worker) &&
						idxadv_lock_blocks(wait2, hold2))
					{
						ereport(LOG,
								(errmsg("index build worker %d and process %d wait for each other; the build backs off",
										worker, hold->pid)));
						return true;
					}
				}
			}
		}
	}
	return false;
}

/* Take over the scan requests of shared memory */
static void
idxadv_launcher_collect(void)
{
	if (idxadv_queue_take_scans(&scan_todo))
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
	idxadvJobSlot slot;
	int			slotno;

	while ((slotno = idxadv_queue_start_next(idxadv_max_builds, &slot)) >= 0)
	{
		idxadvJobExtra extra;
		BackgroundWorker worker;
		BackgroundWorkerHandle *handle;

		extra.dbid = slot.dbid;
		extra.roleid = slot.roleid;
		extra.jobid = slot.jobid;
		extra.cleanup = slot.cleanup;
		idxadv_worker_template(&worker, "idxadv_job_main", "idxadvisor build");
		snprintf(worker.bgw_name, BGW_MAXLEN, "idxadvisor build job %lld",
				 (long long) extra.jobid);
		worker.bgw_main_arg = Int32GetDatum(slotno);
		memcpy(worker.bgw_extra, &extra, sizeof(extra));

		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			/* max_worker_processes exhausted: the job waits */
			idxadv_queue_unstart(slotno);
			return;
		}
		slot_handles[slotno] = handle;
	}
}

/*
 * Scan worker: put the queued and interrupted jobs of one database into job
 * slots.
 */
void
idxadv_scan_main(Datum main_arg)
{
	Oid			dbid = DatumGetObjectId(main_arg);
	idxadvExtInfo ext;
	idxadvJobRef *jobs = NULL;
	int			njobs = 0;
	int			i;
	MemoryContext cxt;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);
	idxadv_worker_pin_settings();
	cxt = AllocSetContextCreate(TopMemoryContext, "idxadvisor scan",
								ALLOCSET_DEFAULT_SIZES);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (idxadv_get_extension(&ext))
	{
		SPI_connect();
		MemoryContextSwitchTo(cxt);
		njobs = idxadv_job_list_unfinished(&ext, &jobs);
		for (i = 0; i < njobs; i++)
		{
			const char *problem = idxadv_job_role_problem(&jobs[i]);

			if (problem != NULL)
			{
				idxadv_job_record(&ext, jobs[i].id, IDXADV_JOB_FAILED,
								  problem);
				jobs[i].id = 0; /* not to be run */
			}
		}
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();

	/* the rest once slots are free again (submit asked for a scan) */
	for (i = 0; i < njobs; i++)
		if (jobs[i].id != 0 &&
			!idxadv_queue_submit(dbid, jobs[i].id, jobs[i].session_role))
			break;
	proc_exit(0);
}

/*
 * Why a job cannot run as the roles it was queued by, or NULL: the worker
 * logs in as the session role and acts as the requesting role.
 */
static const char *
idxadv_job_role_problem(const idxadvJobRef *job)
{
	HeapTuple	roletup;
	const char *problem = NULL;

	roletup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(job->session_role));
	if (!HeapTupleIsValid(roletup))
		return "the role that queued it no longer exists";
	if (!((Form_pg_authid) GETSTRUCT(roletup))->rolcanlogin)
		problem = "the role that queued it can no longer log in";
	ReleaseSysCache(roletup);
	if (problem == NULL &&
		!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(job->requested_by)))
		problem = "the role that requested it no longer exists";
	return problem;
}

/*
 * Copy the current error out of the error context, reset the error and
 * transaction state as the main loop of a backend would, and return the
 * error's message.  Call in PG_CATCH.
 */
char *
idxadv_catch_error(int *sqlerrcode)
{
	ErrorData  *edata;
	char	   *msg;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(idxadv_job_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	disable_all_timeouts(false);
	QueryCancelPending = false;
	AbortCurrentTransaction();
	MemoryContextSwitchTo(idxadv_job_cxt);
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
 * A short transaction of the job worker around job table accessors: SPI
 * connected, results allocated in idxadv_job_cxt.
 */
void
idxadv_job_xact_begin(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	MemoryContextSwitchTo(idxadv_job_cxt);
}

void
idxadv_job_xact_end(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(idxadv_job_cxt);
}

/*
 * Find the extension and claim the job (idxadv_job_claim), or only read it
 * (idxadv_job_fetch) when not "claim".  Returns false when there is nothing
 * to do.
 */
static bool
idxadv_job_take(int64 jobid, idxadvJob *job, bool claim)
{
	bool		found;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	found = idxadv_get_extension(&job_ext);
	if (found)
		job_ext.jobs_table = MemoryContextStrdup(idxadv_job_cxt, job_ext.jobs_table);
	CommitTransactionCommand();
	MemoryContextSwitchTo(idxadv_job_cxt);
	if (!found)
		return false;

	idxadv_job_xact_begin();
	found = claim ? idxadv_job_claim(&job_ext, jobid, job) :
		idxadv_job_fetch(&job_ext, jobid, job);
	idxadv_job_xact_end();
	return found;
}

/* Has the job been cancelled since it was claimed?  (own transaction) */
static bool
idxadv_job_cancelled(idxadvJob *job)
{
	bool		result;

	idxadv_job_xact_begin();
	result = idxadv_job_cancel_requested(&job_ext, job->id);
	idxadv_job_xact_end();
	return result;
}

/*
 * The index that has the job's name now, if any: returns its OID and
 * whether it is valid; InvalidOid if there is none.  Raises an error when
 * the name belongs to something other than an index of the job's table.
 */
Oid
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
	MemoryContextSwitchTo(idxadv_job_cxt);
	return existing;
}

/*
 * Run a CREATE INDEX CONCURRENTLY or DROP INDEX CONCURRENTLY of the job at
 * top level, in a transaction of its own, after taking the table's lock
 * with a bounded wait.  Retries, as the GUCs say, when the lock cannot be
 * had and when the worker backs off from a deadlock with another session
 * (idxadv_job_backs_off); before a build starts again, the invalid index
 * its first try left is dropped.
 */
void
idxadv_run_ddl(idxadvJob *job, const char *sql, bool is_drop)
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
			MemoryContextSwitchTo(idxadv_job_cxt);
			lock_phase = true;
			LockRelationOid(job->relid, ShareUpdateExclusiveLock);
			lock_phase = false;

			/*
			 * The waits of a concurrent build for older transactions are
			 * lock waits too; they must not time out.
			 */
			SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
			idxadv_exec_toplevel(sql, job->relid, is_drop);
			CommitTransactionCommand();
			MemoryContextSwitchTo(idxadv_job_cxt);
		}
		PG_CATCH();
		{
			MemoryContext ecxt = MemoryContextSwitchTo(idxadv_job_cxt);
			ErrorData  *edata = CopyErrorData();
			int			code = edata->sqlerrcode;
			char	   *msg;

			MemoryContextSwitchTo(ecxt);
			if (!(lock_phase && code == ERRCODE_LOCK_NOT_AVAILABLE) &&
				!idxadv_job_backs_off(code))
				PG_RE_THROW();
			msg = idxadv_catch_error(NULL);
			if (idxadv_build_lock_retries >= 0 &&
				attempt >= idxadv_build_lock_retries)
				ereport(ERROR,
						(errcode(code),
						 errmsg("%s", msg),
						 code == ERRCODE_LOCK_NOT_AVAILABLE ?
						 errdetail("Gave up waiting for the table lock after %d attempts.",
								   attempt + 1) :
						 errdetail("Gave up after backing off from other sessions' locks %d times.",
								   attempt + 1)));
			if (code != ERRCODE_LOCK_NOT_AVAILABLE)
				ereport(LOG,
						(errmsg("index build job %lld backs off and tries again: %s",
								(long long) job->id, msg)));
			retry = true;
		}
		PG_END_TRY();

		/* (no continue or return inside PG_TRY: it is a do-while block) */
		if (!retry)
			return;
		idxadv_job_retry_pause(job);
		if (!is_drop && job->kind == IDXADV_JOB_REINDEX)
			idxadv_job_drop_leftovers(job, NULL, NULL);
		else if (!is_drop)
		{
			bool		valid = false;
			Oid			existing = idxadv_job_existing_index(job, &valid);

			if (OidIsValid(existing) && !valid)
				idxadv_run_ddl(job, idxadv_job_drop_sql(job),
							   true);
		}
	}
}

/* DROP INDEX CONCURRENTLY of what the job's build left (no catalog access) */
char *
idxadv_job_drop_sql(idxadvJob *job)
{
	return psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", job->qualified_name);
}

/*
 * Does an error of the build mean that the worker backs off from another
 * session rather than fails?  A deadlock it detected itself (its
 * deadlock_timeout is short so that it, not the other session, finds it
 * first), or a query cancel the launcher sent it on finding a lock cycle.
 */
bool
idxadv_job_backs_off(int sqlerrcode)
{
	if (sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED)
		return true;
	return sqlerrcode == ERRCODE_QUERY_CANCELED &&
		idxadv_queue_take_yield(job_slotno);
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
		else if (!is_drop && IsA(rs->stmt, ReindexStmt))
		{
			ReindexStmt *stmt = (ReindexStmt *) rs->stmt;
			DefElem    *opt = list_length(stmt->params) == 1 ?
				linitial_node(DefElem, stmt->params) : NULL;
			Oid			indexoid;

			ok = stmt->kind == REINDEX_OBJECT_INDEX && opt != NULL &&
				strcmp(opt->defname, "concurrently") == 0 &&
				defGetBoolean(opt);
			indexoid = RangeVarGetRelid(stmt->relation, NoLock, true);
			if (ok && (!OidIsValid(indexoid) ||
					   IndexGetRelation(indexoid, true) != relid))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("the index of the job was dropped or renamed since it was queued")));
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
	(void) idxadv_PortalRun(portal, FETCH_ALL, true, receiver, receiver, &qc);
	disable_timeout(STATEMENT_TIMEOUT, false);

	receiver->rDestroy(receiver);
	PortalDrop(portal, false);
	debug_query_string = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * Job worker: run one job.  It attaches to its slot before it connects, so
 * that an error that ends it, even at login, is kept for the job's outcome.
 * A worker in cleanup mode (the job's workers stopped too often without an
 * outcome, see idxadv_queue_release) logs in as the bootstrap superuser,
 * builds nothing, and records "failed" (or "cancelled") with the reason.
 */
void
idxadv_job_main(Datum main_arg)
{
	idxadvJobExtra extra;
	idxadvJobSlot slot;
	idxadvJob	job;
	idxadvJobState outcome;
	char	   *error = NULL;
	int			sqlerrcode = 0;

	memcpy(&extra, MyBgworkerEntry->bgw_extra, sizeof(extra));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	job_slotno = DatumGetInt32(main_arg);
	if (!idxadv_queue_claim(job_slotno, extra.dbid, extra.jobid, &slot))
		proc_exit(0);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = idxadv_job_emit_log;

	BackgroundWorkerInitializeConnectionByOid(extra.dbid,
											  extra.cleanup ? InvalidOid :
											  extra.roleid, 0);
	idxadv_job_setup(extra.jobid);
	if (extra.cleanup)
		idxadv_job_record_stop(extra.jobid, &slot);
	else if (idxadv_job_take(extra.jobid, &job, true))
	{
		if (job.attempts > IDXADV_MAX_CLAIMS)
			idxadv_job_give_up(&job);
		else
		{
			outcome = idxadv_job_run(&job, &error, &sqlerrcode);
			if (outcome != IDXADV_JOB_DONE && job.kind != IDXADV_JOB_DROP)
				idxadv_job_remove_invalid(&job, &error);
			idxadv_job_end(&job, outcome, error,
						   outcome == IDXADV_JOB_FAILED ? sqlerrcode : 0);
		}
	}
	idxadv_queue_finish(job_slotno);
	proc_exit(0);
}

/* Keep the message of an error that ends the job worker in its slot */
static void
idxadv_job_emit_log(ErrorData *edata)
{
	if (edata->elevel >= ERROR && job_slotno >= 0)
		idxadv_queue_note_error(job_slotno, edata->message);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * Pin, above role and database settings, what the worker needs: its own
 * settings and the ones its DDL text was written under.
 */
static void
idxadv_worker_pin_settings(void)
{
	int			i;

	for (i = 0; i < lengthof(idxadv_worker_settings); i++)
		SetConfigOption(idxadv_worker_settings[i].name,
						idxadv_worker_settings[i].value,
						PGC_SUSET, PGC_S_OVERRIDE);
	idxadv_ddl_settings_session();
}

/*
 * Prepare the job worker's session: long-lived memory, a name in
 * pg_stat_activity, and pinned settings.
 */
static void
idxadv_job_setup(int64 jobid)
{
	char		appname[NAMEDATALEN];

	idxadv_job_cxt = AllocSetContextCreate(TopMemoryContext, "idxadvisor job",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(idxadv_job_cxt);
	snprintf(appname, sizeof(appname), "idxadvisor build %lld",
			 (long long) jobid);
	SetConfigOption("application_name", appname, PGC_SUSET, PGC_S_OVERRIDE);
	idxadv_worker_pin_settings();
}

/*
 * Cleanup mode: the job's workers stopped slot->exits times without
 * recording an outcome.  Record "failed" with their last error, or
 * "cancelled" if the job was cancelled, after removing the invalid index a
 * build may have left (as the requesting role when it still exists).
 */
static void
idxadv_job_record_stop(int64 jobid, const idxadvJobSlot *slot)
{
	idxadvJob	job;
	bool		found;
	char	   *error;

	if (!idxadv_job_take(jobid, &job, false))
		return;

	error = psprintf("the worker stopped %d times without recording an outcome; the last error was: %s",
					 slot->exits,
					 slot->last_error[0] ? slot->last_error : "none");
	if (job.kind != IDXADV_JOB_DROP)
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		found = SearchSysCacheExists1(AUTHOID,
									  ObjectIdGetDatum(job.requested_by));
		CommitTransactionCommand();
		MemoryContextSwitchTo(idxadv_job_cxt);
		if (found)
			SetUserIdAndSecContext(job.requested_by,
								   SECURITY_LOCAL_USERID_CHANGE);
		idxadv_job_remove_invalid(&job, &error);
	}
	idxadv_job_end(&job, job.cancel_requested ? IDXADV_JOB_CANCELLED :
				   IDXADV_JOB_FAILED, error, 0);
}

/*
 * A job claimed more than IDXADV_MAX_CLAIMS times: its runs and then its
 * cleanups were interrupted (crash restarts, killed workers).  Record it
 * failed (cancelled, if it was) at once, touching nothing, with what may
 * be left for the DBA to drop: one more cleanup could crash the server
 * again, and a crash restart forgets everything but the job row.
 */
static void
idxadv_job_give_up(idxadvJob *job)
{
	char	   *left;
	char	   *error;

	if (job->kind == IDXADV_JOB_REINDEX)
		left = psprintf("INVALID copies that REINDEX CONCURRENTLY left of index %s (named %s_ccnew or %s_ccold) may remain: drop them with DROP INDEX CONCURRENTLY",
						job->qualified_name, job->index_name, job->index_name);
	else
		left = psprintf("index %s may remain INVALID: drop it with DROP INDEX CONCURRENTLY",
						job->qualified_name);
	error = psprintf("the job was interrupted %d times, also while cleaning up after itself, and was given up without cleaning up: %s",
					 job->attempts - 1, left);
	ereport(WARNING,
			(errmsg("index build job %lld given up: %s",
					(long long) job->id, error)));
	idxadv_job_end(job, job->cancel_requested ? IDXADV_JOB_CANCELLED :
				   IDXADV_JOB_FAILED, error,
				   job->cancel_requested ? 0 :
				   ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE);
}

/*
 * Run a claimed job as the role that requested it.  Returns the outcome,
 * and the error when it is not "done".
 */
static idxadvJobState
idxadv_job_run(idxadvJob *job, char **error, int *sqlerrcode)
{
	for (;;)
	{
		volatile idxadvJobState outcome = IDXADV_JOB_DONE;
		volatile bool again = false;

		PG_TRY();
		{
			/* act as the role that requested the job */
			SetUserIdAndSecContext(job->requested_by,
								   SECURITY_LOCAL_USERID_CHANGE);

			if (job->attempts > IDXADV_MAX_ATTEMPTS)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("the job was interrupted %d times",
								job->attempts - 1)));
			if (job->cancel_requested || idxadv_job_cancelled(job))
				outcome = IDXADV_JOB_CANCELLED;
			else if (job->kind == IDXADV_JOB_CREATE)
				idxadv_job_build(job);
			else if (job->kind == IDXADV_JOB_REINDEX)
				idxadv_job_reindex(job);
			else
				idxadv_job_drop(job);
		}
		PG_CATCH();
		{
			*error = idxadv_catch_error(sqlerrcode);

			/*
			 * A "back off" cancel that arrived after the DDL it was meant
			 * for had ended: the job is not cancelled, start it over (both
			 * build and drop are safe to run again).
			 */
			if (*sqlerrcode == ERRCODE_QUERY_CANCELED &&
				idxadv_queue_take_yield(job_slotno) &&
				!idxadv_job_cancelled(job))
				again = true;
			else
				outcome = idxadv_job_cancelled(job) ? IDXADV_JOB_CANCELLED :
					IDXADV_JOB_FAILED;
		}
		PG_END_TRY();
		if (!again)
			return outcome;
		*error = NULL;
	}
}

/*
 * Build the job's index, unless a valid one of its name is there already;
 * an invalid one (from a failed or interrupted build) is dropped first.
 */
static void
idxadv_job_build(idxadvJob *job)
{
	bool		valid = false;
	Oid			existing = idxadv_job_existing_index(job, &valid);
	char		relkind;

	if (OidIsValid(existing) && valid)
	{
		ereport(LOG,
				(errmsg("index \"%s\" of job %lld already exists",
						job->index_name, (long long) job->id)));
		return;
	}
	idxadv_job_xact_begin();
	relkind = get_rel_relkind(job->relid);
	idxadv_job_xact_end();
	if (relkind == RELKIND_PARTITIONED_TABLE)
	{
		if (OidIsValid(existing))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("an invalid index \"%s\" of partitioned table \"%s\" exists",
							job->index_name, get_rel_name(job->relid)),
					 errhint("Drop it, or attach the partitions' indexes it lacks.")));
		idxadv_job_build_partitioned(job);
		return;
	}
	if (OidIsValid(existing))
		idxadv_run_ddl(job, idxadv_job_drop_sql(job),
					   true);
	idxadv_run_ddl(job, job->command, false);

	/* "done" means a valid index is there */
	existing = idxadv_job_existing_index(job, &valid);
	if (!OidIsValid(existing) || !valid)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the build of index \"%s\" ended without a valid index",
						job->index_name)));
}

/* Drop the job's index, if it is still the one the drop was queued for */
static void
idxadv_job_drop(idxadvJob *job)
{
	bool		valid = false;
	Oid			existing = idxadv_job_existing_index(job, &valid);

	if (!OidIsValid(existing))
		return;
	if (existing != job->indexrelid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" was replaced by another index since the drop was queued",
						job->index_name)));

	/* what idxadvisor_restore() builds again: the index as it is now */
	idxadv_job_xact_begin();
	LockRelationOid(existing, AccessShareLock);
	if (SearchSysCacheExists1(INDEXRELID, ObjectIdGetDatum(existing)))
	{
		idxadvIndexDef def;

		idxadv_index_def_from_index(existing, &def);
		idxadv_job_set_definition(&job_ext, job->id,
								  idxadv_index_ddl(&def, job->index_name, 0));
	}
	idxadv_job_xact_end();

	idxadv_run_ddl(job, job->command, true);
}

/*
 * Rebuild the job's index with REINDEX INDEX CONCURRENTLY.  What an earlier
 * try left is dropped first: a resumed job that finds the old index
 * (_ccold) but no new one (_ccnew), and its index valid, was interrupted
 * after the swap, when the index had been rebuilt: it is done.  Otherwise
 * REINDEX runs (again).
 */
static void
idxadv_job_reindex(idxadvJob *job)
{
	bool		valid = false;
	bool		found_new = false;
	bool		found_old = false;
	Oid			existing = idxadv_job_existing_index(job, &valid);

	if (!OidIsValid(existing))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"%s\" was dropped or renamed since the reindex was queued",
						job->index_name)));
	idxadv_job_drop_leftovers(job, &found_new, &found_old);
	if (job->attempts > 1 && found_old && !found_new && valid)
	{
		ereport(LOG,
				(errmsg("index \"%s\" of job %lld had been rebuilt when the job was interrupted",
						job->index_name, (long long) job->id)));
		return;
	}
	idxadv_run_ddl(job, job->command, false);

	/* "done" means a valid index is there */
	existing = idxadv_job_existing_index(job, &valid);
	if (!OidIsValid(existing) || !valid)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the reindex of index \"%s\" ended without a valid index",
						job->index_name)));
}

/*
 * Is name what REINDEX CONCURRENTLY of index idxname calls its copy
 * (<idxname>_ccnew, *isnew) or the old index after the swap (_ccold),
 * with ChooseRelationName()'s optional number?  When the whole would be
 * longer than a name can be, idxname is cut short: then a start of it
 * counts, in a name of (nearly) full length.
 */
static bool
idxadv_reindex_leftover_name(const char *idxname, const char *name,
							 bool *isnew)
{
	const char *end = name + strlen(name);
	size_t		prefixlen;

	if (strcmp(name, idxname) == 0)
		return false;
	while (end > name && end[-1] >= '0' && end[-1] <= '9')
		end--;
	if (end - name < 7)
		return false;
	if (strncmp(end - 6, "_ccnew", 6) == 0)
		*isnew = true;
	else if (strncmp(end - 6, "_ccold", 6) == 0)
		*isnew = false;
	else
		return false;
	prefixlen = (end - 6) - name;
	if (strncmp(name, idxname, prefixlen) != 0)
		return false;
	return prefixlen == strlen(idxname) ||
		strlen(name) >= NAMEDATALEN - 1 - MAX_MULTIBYTE_CHAR_LEN;
}

/*
 * Drop, concurrently and as the job's role, the INVALID indexes of the
 * job's table and schema that an interrupted or failed REINDEX
 * CONCURRENTLY of its index left (idxadv_reindex_leftover_name).  pg_index
 * is read directly: an old index marked dead after the swap is no longer
 * in the table's index list.  Says which kinds it found.
 */
static void
idxadv_job_drop_leftovers(idxadvJob *job, bool *found_new, bool *found_old)
{
	List	   *names = NIL;
	List	   *drops = NIL;
	Relation	indrel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	ListCell   *lc;
	ListCell   *lc2;
	MemoryContext oldcxt;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(job->relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1,
							  &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		char	   *name = get_rel_name(idx->indexrelid);
		bool		isnew;

		if (idx->indisvalid || name == NULL ||
			get_rel_namespace(idx->indexrelid) != job->nspid ||
			!idxadv_reindex_leftover_name(job->index_name, name, &isnew))
			continue;
		if (isnew && found_new)
			*found_new = true;
		if (!isnew && found_old)
			*found_old = true;
		/* the list outlives the transaction; the DDL needs the catalog */
		oldcxt = MemoryContextSwitchTo(idxadv_job_cxt);
		names = lappend(names, pstrdup(name));
		drops = lappend(drops,
						idxadv_drop_index_ddl(job->nspid, name,
											  IDXADV_DDL_CONCURRENTLY |
											  IDXADV_DDL_IF_EXISTS));
		MemoryContextSwitchTo(oldcxt);
	}
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	CommitTransactionCommand();
	MemoryContextSwitchTo(idxadv_job_cxt);

	forboth(lc, names, lc2, drops)
	{
		ereport(LOG,
				(errmsg("reindex job %lld drops index \"%s\", left by an interrupted REINDEX CONCURRENTLY of index \"%s\"",
						(long long) job->id, (char *) lfirst(lc),
						job->index_name)));
		idxadv_run_ddl(job, (char *) lfirst(lc2), true);
	}
}

/*
 * Remove the invalid index a failed or cancelled build left behind (for a
 * reindex: what its REINDEX CONCURRENTLY left).  When that fails too, say so
 * in *error.
 */
static void
idxadv_job_remove_invalid(idxadvJob *job, char **error)
{
	/* a partitioned job: the failed build was the partition's */
	if (idxadv_partition_job != NULL)
	{
		idxadvJob  *leaf = idxadv_partition_job;

		idxadv_partition_job = NULL;
		idxadv_job_remove_invalid(leaf, error);
	}
	PG_TRY();
	{
		bool		valid = false;
		Oid			existing;

		if (job->kind == IDXADV_JOB_REINDEX)
			idxadv_job_drop_leftovers(job, NULL, NULL);
		else
		{
			existing = idxadv_job_existing_index(job, &valid);
			if (OidIsValid(existing) && !valid)
				idxadv_run_ddl(job, idxadv_job_drop_sql(job), true);
		}
	}
	PG_CATCH();
	{
		char	   *msg = idxadv_catch_error(NULL);

		ereport(WARNING,
				(errmsg("could not drop invalid index \"%s\" of job %lld: %s",
						job->index_name, (long long) job->id, msg)));
		*error = psprintf("%s; the invalid index could not be dropped: %s",
						  *error ? *error : "cancelled", msg);
	}
	PG_END_TRY();
}

/*
 * Between two attempts at a lock (the table's, or the partitioned attach's):
 * wait IDXADV_LOCK_RETRY_MS holding nothing, and end the job if it was
 * cancelled meanwhile.
 */
void
idxadv_job_retry_pause(idxadvJob *job)
{
	(void) WaitLatch(MyLatch,
					 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 IDXADV_LOCK_RETRY_MS, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (idxadv_job_cancelled(job))
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
}

/* Record the outcome of the job */
static void
idxadv_job_end(idxadvJob *job, idxadvJobState outcome, const char *error,
			   int sqlerrcode)
{
	/* a late cancel must not keep us from recording the outcome */
	HOLD_CANCEL_INTERRUPTS();
	idxadv_job_xact_begin();
	idxadv_job_record(&job_ext, job->id, outcome, error);
	/* the "before" of idxadvisor_outcomes (idxadvisor_lifecycle.c) */
	if (outcome == IDXADV_JOB_DONE && job->kind == IDXADV_JOB_CREATE)
		idxadv_outcome_baseline(&job_ext, job->id, job->nspid,
								job->index_name);
	if (sqlerrcode != 0)
		idxadv_job_record_sqlstate(&job_ext, job->id, sqlerrcode);
	idxadv_job_xact_end();
	RESUME_CANCEL_INTERRUPTS();
}

/*-------------------------------------------------------------------------
 *
 * idxadvisor_queue.c
 *		The build queue: job states, the job table and the shared job slots.
 *
 * This file is the only one that reads or writes the job table or the
 * shared slots.  The SQL functions (idxadvisor_build.c) and the launcher
 * and workers (idxadvisor_worker.c) call the functions below and know
 * neither the table's columns nor the slots' states.
 *
 * The job table, @extschema@.idxadvisor_build_jobs, is owned by the
 * extension's owner and not accessible to PUBLIC.  Every statement on it
 * runs through SPI after switching to the extension owner
 * (SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION) with
 * search_path set to pg_catalog, pg_temp, and names every operator with
 * OPERATOR(pg_catalog.x).  The job table in each database is the truth
 * about a job; a job's state and kind are stored as text, made only by
 * idxadv_job_state_name() and idxadv_job_kind_name().
 *
 * Shared memory and locking.  idxadvBuildShared holds the launcher's latch,
 * IDXADV_JOB_SLOTS job slots and a short list of databases whose job table
 * must be scanned.  One LWLock of our own tranche protects all of it; it is
 * only ever held for a few instructions, always in exclusive mode, and
 * never while doing I/O or calling out of this file.  A slot's life:
 *
 *	FREE -> QUEUED		idxadv_queue_submit(): at commit of a transaction
 *						that queued the job, or by a scan worker.  With no
 *						free slot, a scan of the database is requested
 *						instead (the launcher retries it once slots free up).
 *	QUEUED -> STARTING	idxadv_queue_start_next(): the launcher registers a
 *						worker for it (back to QUEUED if that fails).
 *	STARTING -> RUNNING	idxadv_queue_claim(): the worker attached.
 *	RUNNING: finished	idxadv_queue_finish(): the outcome is recorded.
 *	any busy -> FREE	idxadv_queue_release(): the launcher saw the worker
 *						stop; if no outcome was recorded it has the
 *						database scanned, which resumes or fails the job.
 *
 * The slots are only a hint: a worker claims its job with an UPDATE of the
 * job row, so a stale slot (a job queued in a rolled-back subtransaction, or
 * cancelled meanwhile) costs one worker start and nothing else.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "idxadvisor_queue.h"

/* What a transaction asked for, acted on at commit */
typedef struct idxadvPendingJob
{
	Oid			dbid;
	int64		jobid;
	Oid			roleid;
} idxadvPendingJob;

/*---- Local variables ----*/

static idxadvBuildShared *idxadv_build_shared = NULL;

/* jobs to hand to the launcher, and running jobs to cancel, at commit */
static List *pending_jobs = NIL;
static List *pending_cancels = NIL;
static bool xact_callback_registered = false;

/* text of the states and kinds, as the job table's CHECK constraints say */
static const char *const job_state_names[IDXADV_JOB_STATE_COUNT] = {
	"queued", "running", "done", "failed", "cancelled"
};
static const char *const job_kind_names[] = {"create", "drop"};

/*---- Function declarations ----*/

static void idxadv_queue_xact_callback(XactEvent event, void *arg);
static void idxadv_queue_register_xact_callback(void);
static int	idxadv_job_exec(const idxadvExtInfo *ext, const char *sql,
							int nargs, Oid *argtypes, Datum *values,
							const char *nulls);
static char *idxadv_job_states_sql(int statemask);
static char *idxadv_job_text(int col);
static bool idxadv_job_has_sqlstate(const idxadvExtInfo *ext);

/* ----------
 * Job states and kinds
 * ----------
 */

const char *
idxadv_job_state_name(idxadvJobState state)
{
	if ((int) state < 0 || state >= IDXADV_JOB_STATE_COUNT)
		elog(ERROR, "invalid job state %d", (int) state);
	return job_state_names[state];
}

idxadvJobState
idxadv_job_state_from_name(const char *name)
{
	int			i;

	for (i = 0; i < IDXADV_JOB_STATE_COUNT; i++)
		if (strcmp(name, job_state_names[i]) == 0)
			return (idxadvJobState) i;
	elog(ERROR, "invalid job state \"%s\" in the job table", name);
	return IDXADV_JOB_FAILED;	/* keep compiler quiet */
}

const char *
idxadv_job_kind_name(idxadvJobKind kind)
{
	return job_kind_names[kind == IDXADV_JOB_DROP ? 1 : 0];
}

/* "state IN ('queued', 'running')" for a set of states */
static char *
idxadv_job_states_sql(int statemask)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "state IN (");
	for (i = 0; i < IDXADV_JOB_STATE_COUNT; i++)
		if (statemask & IDXADV_JOB_MASK(i))
			appendStringInfo(&buf, "%s'%s'",
							 buf.data[buf.len - 1] == '(' ? "" : ", ",
							 job_state_names[i]);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* ----------
 * The extension and its owner
 * ----------
 */

/*
 * Look up the extension in the current database: its owner and the quoted,
 * qualified name of the job table.  Returns false when it is not installed.
 * Never assumes a schema.  Needs a transaction.
 */
bool
idxadv_get_extension(idxadvExtInfo *info)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("idxadvisor"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_extension ext = (Form_pg_extension) GETSTRUCT(tup);
		char	   *nspname = get_namespace_name(ext->extnamespace);

		if (nspname != NULL)
		{
			info->owner = ext->extowner;
			info->jobs_table = psprintf("%s.idxadvisor_build_jobs",
										quote_identifier(nspname));
			found = true;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Switch to the extension owner, with a search_path that only holds
 * pg_catalog, to read or write the job table.  Transaction and
 * subtransaction abort undo both, so an error in between is safe.
 */
void
idxadv_owner_spi_begin(const idxadvExtInfo *info, Oid *save_userid,
					   int *save_sec, int *nestlevel)
{
	GetUserIdAndSecContext(save_userid, save_sec);
	SetUserIdAndSecContext(info->owner, *save_sec |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	*nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
idxadv_owner_spi_end(Oid save_userid, int save_sec, int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
}

/* ----------
 * The job table
 * ----------
 */

/*
 * Run one statement on the job table as the extension owner; SPI must be
 * connected.  Returns SPI_processed.
 */
static int
idxadv_job_exec(const idxadvExtInfo *ext, const char *sql, int nargs,
				Oid *argtypes, Datum *values, const char *nulls)
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	int			ret;
	MemoryContext cxt = CurrentMemoryContext;

	idxadv_owner_spi_begin(ext, &save_userid, &save_sec, &nestlevel);
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, nulls,
								false, 0);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	/* SPI returns in its procedure context; results go to the caller's */
	MemoryContextSwitchTo(cxt);
	if (ret < 0)
		elog(ERROR, "could not access the job table: %s",
			 SPI_result_code_string(ret));
	return (int) SPI_processed;
}

/* A text column of the first result row, in CurrentMemoryContext; or NULL */
static char *
idxadv_job_text(int col)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/*
 * Insert a job row in the caller's transaction.  A queued job of the same
 * kind for the same index name conflicts with the partial unique index on
 * unfinished jobs: then the existing job is returned if it is the same
 * request, and an error raised if not.
 */
int64
idxadv_job_insert(const idxadvExtInfo *ext, idxadvJobKind kind, Oid relid,
				  Oid indexrelid, Oid nspid, const char *idxname,
				  const char *command, const char *key, idxadvJobState state)
{
	Oid			argtypes[10] = {TEXTOID, OIDOID, OIDOID, OIDOID, NAMEOID,
	TEXTOID, TEXTOID, TEXTOID, OIDOID, OIDOID};
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	char	   *sql;
	bool		isnull;
	bool		finished = state != IDXADV_JOB_QUEUED;

	values[0] = CStringGetTextDatum(idxadv_job_kind_name(kind));
	values[1] = ObjectIdGetDatum(relid);
	values[2] = ObjectIdGetDatum(indexrelid);
	if (!OidIsValid(indexrelid))
		nulls[2] = 'n';
	values[3] = ObjectIdGetDatum(nspid);
	values[4] = DirectFunctionCall1(namein, CStringGetDatum(idxname));
	values[5] = CStringGetTextDatum(command);
	values[6] = CStringGetTextDatum(key);
	values[7] = CStringGetTextDatum(idxadv_job_state_name(state));
	values[8] = ObjectIdGetDatum(GetUserId());
	values[9] = ObjectIdGetDatum(GetSessionUserId());

	sql = psprintf("INSERT INTO %s (kind, relid, indexrelid, index_schema,"
				   " index_name, command, key, state, requested_by,"
				   " session_role, requested_at, started_at, finished_at)"
				   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
				   " pg_catalog.clock_timestamp(), %s, %s)"
				   " ON CONFLICT (index_schema, index_name, kind)"
				   "   WHERE state IN ('queued', 'running')"
				   " DO NOTHING RETURNING id",
				   ext->jobs_table,
				   finished ? "pg_catalog.clock_timestamp()" : "NULL",
				   finished ? "pg_catalog.clock_timestamp()" : "NULL");
	if (idxadv_job_exec(ext, sql, 10, argtypes, values, nulls) == 1)
		return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));

	/* an unfinished job of this kind for this index name exists */
	sql = psprintf("SELECT id, key OPERATOR(pg_catalog.=) $2 FROM %s"
				   " WHERE index_schema OPERATOR(pg_catalog.=) $3"
				   "   AND index_name OPERATOR(pg_catalog.=) $4"
				   "   AND kind OPERATOR(pg_catalog.=) $1"
				   "   AND state IN ('queued', 'running')",
				   ext->jobs_table);
	{
		Oid			t2[4] = {TEXTOID, TEXTOID, OIDOID, NAMEOID};
		Datum		v2[4] = {values[0], values[6], values[3], values[4]};
		int64		id;

		if (idxadv_job_exec(ext, sql, 4, t2, v2, NULL) != 1)
			elog(ERROR, "conflicting index build job not found");
		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 2, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("another %s of index \"%s\" is already queued as job %lld",
							kind == IDXADV_JOB_CREATE ? "build" : "drop",
							idxname, (long long) id),
					 errhint("Wait for it with CALL idxadvisor_wait(%lld), or cancel it with idxadvisor_cancel(%lld).",
							 (long long) id, (long long) id)));
		return id;
	}
}

/*
 * Find a build job of this database by index schema, and optionally name,
 * table and key, in one of the states of statemask.  Returns the newest
 * matching job.
 */
bool
idxadv_job_find(const idxadvExtInfo *ext, int statemask, Oid nspid,
				const char *idxname, Oid relid, const char *key,
				int64 *jobid)
{
	Oid			argtypes[4] = {OIDOID, NAMEOID, OIDOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	char	   *sql;
	bool		isnull;

	values[0] = ObjectIdGetDatum(nspid);
	if (idxname)
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(idxname));
	else
		nulls[1] = 'n';
	values[2] = ObjectIdGetDatum(relid);
	if (!OidIsValid(relid))
		nulls[2] = 'n';
	if (key)
		values[3] = CStringGetTextDatum(key);
	else
		nulls[3] = 'n';

	sql = psprintf("SELECT id FROM %s"
				   " WHERE index_schema OPERATOR(pg_catalog.=) $1"
				   "   AND ($2 IS NULL OR index_name OPERATOR(pg_catalog.=) $2)"
				   "   AND ($3 IS NULL OR relid OPERATOR(pg_catalog.=) $3)"
				   "   AND ($4 IS NULL OR key OPERATOR(pg_catalog.=) $4)"
				   "   AND kind OPERATOR(pg_catalog.=) 'create'"
				   "   AND %s"
				   " ORDER BY id DESC LIMIT 1",
				   ext->jobs_table, idxadv_job_states_sql(statemask));
	if (idxadv_job_exec(ext, sql, 4, argtypes, values, nulls) == 0)
		return false;
	*jobid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

/* The index name of a job, or NULL when there is no such job */
char *
idxadv_job_index_name(const idxadvExtInfo *ext, int64 jobid)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);

	if (idxadv_job_exec(ext,
						psprintf("SELECT index_name::pg_catalog.text FROM %s"
								 " WHERE id OPERATOR(pg_catalog.=) $1",
								 ext->jobs_table),
						1, &argtype, &value, NULL) != 1)
		return NULL;
	return idxadv_job_text(1);
}

/* Is a drop of this index queued or running? */
bool
idxadv_job_drop_pending(const idxadvExtInfo *ext, Oid indexoid)
{
	Oid			argtype = OIDOID;
	Datum		value = ObjectIdGetDatum(indexoid);

	return idxadv_job_exec(ext,
						   psprintf("SELECT 1 FROM %s"
									" WHERE kind OPERATOR(pg_catalog.=) 'drop'"
									"   AND indexrelid OPERATOR(pg_catalog.=) $1"
									"   AND state IN ('queued', 'running')",
									ext->jobs_table),
						   1, &argtype, &value, NULL) > 0;
}

/*
 * Lock a job row (FOR UPDATE) and return who requested it and its state.
 * Returns false when there is no such job.
 */
bool
idxadv_job_lock(const idxadvExtInfo *ext, int64 jobid, Oid *requested_by,
				idxadvJobState *state)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);
	bool		isnull;

	if (idxadv_job_exec(ext,
						psprintf("SELECT requested_by, state FROM %s"
								 " WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
								 ext->jobs_table),
						1, &argtype, &value, NULL) != 1)
		return false;
	*requested_by = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1,
												   &isnull));
	*state = idxadv_job_state_from_name(idxadv_job_text(2));
	return true;
}

/* A queued job is cancelled before any worker took it */
void
idxadv_job_mark_cancelled(const idxadvExtInfo *ext, int64 jobid)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);

	(void) idxadv_job_exec(ext,
						   psprintf("UPDATE %s SET state = 'cancelled',"
									" cancel_requested = true,"
									" finished_at = pg_catalog.clock_timestamp()"
									" WHERE id OPERATOR(pg_catalog.=) $1",
									ext->jobs_table),
						   1, &argtype, &value, NULL);
}

/* A running job is asked to stop; its worker records the outcome */
void
idxadv_job_request_cancel(const idxadvExtInfo *ext, int64 jobid)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);

	(void) idxadv_job_exec(ext,
						   psprintf("UPDATE %s SET cancel_requested = true"
									" WHERE id OPERATOR(pg_catalog.=) $1",
									ext->jobs_table),
						   1, &argtype, &value, NULL);
}

/*
 * The states of the jobs idxadvisor_wait() follows, in id order, among
 * those the viewer may see (its own roles' jobs, or all for pg_monitor):
 * one job (*onejob), the jobs in ids[], or, when both are NULL, every
 * unfinished job.  Returns the number of jobs.
 */
int
idxadv_job_statuses(const idxadvExtInfo *ext, Oid viewer,
					const int64 *onejob, const int64 *ids, int nids,
					idxadvJobStatus **statuses)
{
	Oid			argtypes[3] = {INT8OID, OIDOID, INT8ARRAYOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	char	   *sql;
	int			n;
	int			i;
	idxadvJobStatus *result;

	values[0] = Int64GetDatum(onejob ? *onejob : 0);
	if (onejob == NULL)
		nulls[0] = 'n';
	values[1] = ObjectIdGetDatum(viewer);
	values[2] = (Datum) 0;
	if (ids != NULL)
	{
		Datum	   *d = palloc(sizeof(Datum) * Max(nids, 1));

		for (i = 0; i < nids; i++)
			d[i] = Int64GetDatum(ids[i]);
		values[2] = PointerGetDatum(construct_array(d, nids, INT8OID, 8,
													FLOAT8PASSBYVAL,
													TYPALIGN_DOUBLE));
	}
	else
		nulls[2] = 'n';

	sql = psprintf("SELECT id, state, error, %s FROM %s j"
				   " WHERE (pg_catalog.pg_has_role($2, j.requested_by, 'USAGE')"
				   "        OR pg_catalog.pg_has_role($2, 'pg_monitor', 'USAGE'))"
				   "   AND %s ORDER BY id",
				   idxadv_job_has_sqlstate(ext) ? "sqlstate" : "NULL",
				   ext->jobs_table,
				   onejob ? "id OPERATOR(pg_catalog.=) $1 AND $3 IS NULL" :
				   ids == NULL ? "$1 IS NULL AND $3 IS NULL AND state IN ('queued', 'running')" :
				   "$1 IS NULL AND id OPERATOR(pg_catalog.=) ANY ($3)");
	n = idxadv_job_exec(ext, sql, 3, argtypes, values, nulls);
	result = palloc0(sizeof(idxadvJobStatus) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		result[i].id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		result[i].state =
			idxadv_job_state_from_name(SPI_getvalue(tup, desc, 2));
		result[i].error = SPI_getvalue(tup, desc, 3);
		{
			char	   *code = SPI_getvalue(tup, desc, 4);

			if (code != NULL && strlen(code) == 5)
				result[i].sqlerrcode = MAKE_SQLSTATE(code[0], code[1], code[2],
													 code[3], code[4]);
		}
	}
	*statuses = result;
	return n;
}

/*
 * Claim a job for the worker: queued, or running but interrupted (no other
 * worker of this database runs, the launcher sees to that).  Counts the
 * attempt.  Returns false when the job is gone, finished or cancelled.
 */
bool
idxadv_job_claim(const idxadvExtInfo *ext, int64 jobid, idxadvJob *job)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		values[2];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;

	values[0] = Int64GetDatum(jobid);
	values[1] = Int32GetDatum(MyProcPid);
	if (idxadv_job_exec(ext,
						psprintf("UPDATE %s SET state = 'running', pid = $2,"
								 " started_at = pg_catalog.clock_timestamp(),"
								 " attempts = attempts OPERATOR(pg_catalog.+) 1"
								 " WHERE id OPERATOR(pg_catalog.=) $1"
								 "   AND state IN ('queued', 'running')"
								 " RETURNING kind OPERATOR(pg_catalog.=) 'drop',"
								 "   relid, indexrelid, index_schema,"
								 "   index_name::pg_catalog.text, command,"
								 "   requested_by, attempts, cancel_requested",
								 ext->jobs_table),
						2, argtypes, values, NULL) != 1)
		return false;

	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	job->id = jobid;
	job->kind = DatumGetBool(SPI_getbinval(tup, desc, 1, &isnull)) ?
		IDXADV_JOB_DROP : IDXADV_JOB_CREATE;
	job->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
	job->indexrelid = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
	if (isnull)
		job->indexrelid = InvalidOid;
	job->nspid = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
	job->index_name = SPI_getvalue(tup, desc, 5);
	job->command = SPI_getvalue(tup, desc, 6);
	job->qualified_name =
		quote_qualified_identifier(get_namespace_name(job->nspid),
								   job->index_name);
	job->requested_by = DatumGetObjectId(SPI_getbinval(tup, desc, 7, &isnull));
	job->attempts = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
	job->cancel_requested = DatumGetBool(SPI_getbinval(tup, desc, 9, &isnull));
	return true;
}

/* Has the job been cancelled (committed)? */
bool
idxadv_job_cancel_requested(const idxadvExtInfo *ext, int64 jobid)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);
	bool		isnull;

	if (idxadv_job_exec(ext,
						psprintf("SELECT cancel_requested FROM %s"
								 " WHERE id OPERATOR(pg_catalog.=) $1",
								 ext->jobs_table),
						1, &argtype, &value, NULL) != 1)
		return false;
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull));
}

/* Record the outcome of a job (done, failed or cancelled) */
void
idxadv_job_record(const idxadvExtInfo *ext, int64 jobid,
				  idxadvJobState outcome, const char *error)
{
	Oid			argtypes[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	Assert(outcome == IDXADV_JOB_DONE || outcome == IDXADV_JOB_FAILED ||
		   outcome == IDXADV_JOB_CANCELLED);
	values[0] = Int64GetDatum(jobid);
	values[1] = CStringGetTextDatum(idxadv_job_state_name(outcome));
	if (error)
		values[2] = CStringGetTextDatum(error);
	else
		nulls[2] = 'n';
	(void) idxadv_job_exec(ext,
						   psprintf("UPDATE %s SET state = $2, error = $3,"
									" finished_at = pg_catalog.clock_timestamp()"
									" WHERE id OPERATOR(pg_catalog.=) $1",
									ext->jobs_table),
						   3, argtypes, values, nulls);
}

/*
 * Does the job table have the sqlstate column (1.1)?  The library also
 * serves a database whose extension is still at 1.0.
 */
static bool
idxadv_job_has_sqlstate(const idxadvExtInfo *ext)
{
	RangeVar   *rv;
	Oid			relid;

	rv = makeRangeVarFromNameList(stringToQualifiedNameList(ext->jobs_table, NULL));
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) &&
		SearchSysCacheExistsAttName(relid, "sqlstate");
}

/*
 * Record the SQLSTATE of a failed job's error, for idxadvisor_wait() to
 * raise.  Call in the transaction that records the outcome.
 */
void
idxadv_job_record_sqlstate(const idxadvExtInfo *ext, int64 jobid,
						   int sqlerrcode)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	if (!idxadv_job_has_sqlstate(ext))
		return;
	values[0] = Int64GetDatum(jobid);
	values[1] = CStringGetTextDatum(unpack_sql_state(sqlerrcode));
	(void) idxadv_job_exec(ext,
						   psprintf("UPDATE %s SET sqlstate = $2"
									" WHERE id OPERATOR(pg_catalog.=) $1",
									ext->jobs_table),
						   2, argtypes, values, NULL);
}

/* The queued and interrupted jobs of this database, in id order */
int
idxadv_job_list_unfinished(const idxadvExtInfo *ext, idxadvJobRef **jobs)
{
	int			n;
	int			i;
	idxadvJobRef *result;

	n = idxadv_job_exec(ext,
						psprintf("SELECT id, session_role, requested_by FROM %s"
								 " WHERE state IN ('queued', 'running') ORDER BY id",
								 ext->jobs_table),
						0, NULL, NULL, NULL);
	result = palloc0(sizeof(idxadvJobRef) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		result[i].id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		result[i].session_role =
			DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		result[i].requested_by =
			DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
	}
	*jobs = result;
	return n;
}

/* ----------
 * Shared memory
 * ----------
 */

/*
 * shmem_request hook part: the shared state and our LWLock tranche.
 */
void
idxadv_build_shmem_request(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(idxadvBuildShared)));
	RequestNamedLWLockTranche("idxadvisor build", 1);
}

/*
 * shmem_startup hook part: create or attach to the shared state.
 */
void
idxadv_build_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	idxadv_build_shared = ShmemInitStruct("idxadvisor build",
										  sizeof(idxadvBuildShared), &found);
	if (!found)
	{
		memset(idxadv_build_shared, 0, sizeof(idxadvBuildShared));
		idxadv_build_shared->lock =
			&(GetNamedLWLockTranche("idxadvisor build"))->lock;
		/* after a start or a crash, look for unfinished jobs everywhere */
		idxadv_build_shared->rescan_all = true;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Is there a queue, that is, was the library preloaded? */
bool
idxadv_queue_available(void)
{
	return idxadv_build_shared != NULL;
}

/* Wake the launcher.  Caller holds the lock. */
static inline void
idxadv_queue_wake_launcher(void)
{
	if (idxadv_build_shared->launcher_latch)
		SetLatch(idxadv_build_shared->launcher_latch);
}

/*
 * Ask the launcher to scan a database's job table (also when its job slots
 * are full).  Caller must not hold the lock.
 */
void
idxadv_queue_request_scan(Oid dbid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			i;
	bool		done = false;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_SCAN_SLOTS && !done; i++)
		if (sh->scan_dbs[i] == dbid)
			done = true;
	for (i = 0; i < IDXADV_SCAN_SLOTS && !done; i++)
		if (sh->scan_dbs[i] == InvalidOid)
		{
			sh->scan_dbs[i] = dbid;
			done = true;
		}
	if (!done)
		sh->rescan_all = true;
	idxadv_queue_wake_launcher();
	LWLockRelease(sh->lock);
}

/*
 * Put a committed job into a free slot, unless a slot already holds it,
 * and wake the launcher.  Returns false when no slot was free: then a scan
 * of the database has been requested, which puts the job into a slot once
 * one is free.
 */
bool
idxadv_queue_submit(Oid dbid, int64 jobid, Oid roleid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			free_slot = -1;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		idxadvJobSlot *slot = &sh->slots[i];

		if (slot->state == IDXADV_SLOT_FREE)
		{
			if (free_slot < 0)
				free_slot = i;
		}
		else if (slot->dbid == dbid && slot->jobid == jobid)
		{
			LWLockRelease(sh->lock);
			return true;
		}
	}
	if (free_slot >= 0)
	{
		idxadvJobSlot *slot = &sh->slots[free_slot];

		slot->state = IDXADV_SLOT_QUEUED;
		slot->dbid = dbid;
		slot->jobid = jobid;
		slot->roleid = roleid;
		slot->pid = 0;
		slot->finished = false;
	}
	idxadv_queue_wake_launcher();
	LWLockRelease(sh->lock);

	if (free_slot < 0)
		idxadv_queue_request_scan(dbid);
	return free_slot >= 0;
}

/*
 * Signal the worker of a running job to cancel its build.  The worker
 * checks the committed cancel flag before it starts the build; once
 * running, a query cancel interrupts it and it removes the invalid index.
 */
static void
idxadv_queue_signal_cancel(Oid dbid, int64 jobid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		idxadvJobSlot *slot = &sh->slots[i];

		if (slot->state == IDXADV_SLOT_RUNNING &&
			slot->dbid == dbid && slot->jobid == jobid && slot->pid != 0)
			kill(slot->pid, SIGINT);
	}
	LWLockRelease(sh->lock);
}

/*
 * Transaction callback: at commit, hand the transaction's jobs to the
 * launcher and signal the workers of the jobs it cancelled; at abort,
 * forget them.  A job queued by a subtransaction that rolled back is handed
 * over too: its worker finds no job row and exits.
 */
static void
idxadv_queue_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (pending_jobs != NIL || pending_cancels != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that queued or cancelled an index build")));
			break;

		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (idxadv_build_shared != NULL)
			{
				foreach(lc, pending_jobs)
				{
					idxadvPendingJob *pj = (idxadvPendingJob *) lfirst(lc);

					(void) idxadv_queue_submit(pj->dbid, pj->jobid,
											   pj->roleid);
				}
				foreach(lc, pending_cancels)
					idxadv_queue_signal_cancel(MyDatabaseId,
											   *(int64 *) lfirst(lc));
			}
			pg_fallthrough;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			list_free_deep(pending_jobs);
			list_free_deep(pending_cancels);
			pending_jobs = NIL;
			pending_cancels = NIL;
			break;

		default:
			break;
	}
}

static void
idxadv_queue_register_xact_callback(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(idxadv_queue_xact_callback, NULL);
		xact_callback_registered = true;
	}
}

/* Hand a job queued by this transaction to the launcher at commit */
void
idxadv_queue_after_commit(int64 jobid)
{
	idxadvPendingJob *pj;
	MemoryContext old;

	idxadv_queue_register_xact_callback();
	old = MemoryContextSwitchTo(TopMemoryContext);
	pj = palloc(sizeof(idxadvPendingJob));
	pj->dbid = MyDatabaseId;
	pj->jobid = jobid;
	pj->roleid = GetSessionUserId();
	pending_jobs = lappend(pending_jobs, pj);
	MemoryContextSwitchTo(old);
}

/* Interrupt the worker of a job this transaction cancelled, at commit */
void
idxadv_queue_cancel_after_commit(int64 jobid)
{
	int64	   *pc;
	MemoryContext old;

	idxadv_queue_register_xact_callback();
	old = MemoryContextSwitchTo(TopMemoryContext);
	pc = palloc(sizeof(int64));
	*pc = jobid;
	pending_cancels = lappend(pending_cancels, pc);
	MemoryContextSwitchTo(old);
}

/*
 * Launcher start: publish its latch.  Slots of an earlier launcher of this
 * postmaster: running workers are followed by pid; one that was registered
 * but never attached is started again (its job row tells whether anything
 * is left to do).
 */
void
idxadv_queue_launcher_attach(void)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	sh->launcher_pid = MyProcPid;
	sh->launcher_latch = MyLatch;
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
		if (sh->slots[i].state == IDXADV_SLOT_STARTING &&
			sh->slots[i].pid == 0)
			sh->slots[i].state = IDXADV_SLOT_QUEUED;
	LWLockRelease(sh->lock);
}

/*
 * Take over the scan requests: append the databases to *todo; returns true
 * when every database must be scanned.
 */
bool
idxadv_queue_take_scans(List **todo)
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
			*todo = list_append_unique_oid(*todo, sh->scan_dbs[i]);
			sh->scan_dbs[i] = InvalidOid;
		}
	LWLockRelease(sh->lock);
	return all;
}

/* Has the slot a worker (starting or running)?  Its pid, 0 if unknown. */
bool
idxadv_queue_slot_busy(int slotno, pid_t *pid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	idxadvJobSlot *slot = &sh->slots[slotno];
	bool		busy;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	busy = slot->state == IDXADV_SLOT_STARTING ||
		slot->state == IDXADV_SLOT_RUNNING;
	*pid = slot->pid;
	LWLockRelease(sh->lock);
	return busy;
}

/*
 * The slot's worker stopped: free the slot.  A worker that stopped without
 * recording its job's outcome (error exit, crash, kill) leaves its job
 * queued or running in the table: returns false and the database in *dbid,
 * which the launcher then has scanned (the scan resumes or fails the job).
 */
bool
idxadv_queue_release(int slotno, Oid *dbid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	idxadvJobSlot *slot = &sh->slots[slotno];
	bool		finished;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	finished = slot->finished;
	*dbid = slot->dbid;
	slot->state = IDXADV_SLOT_FREE;
	slot->pid = 0;
	LWLockRelease(sh->lock);
	return finished;
}

/*
 * Choose the next job to start, if fewer than max_running workers run: the
 * oldest queued job of a database that has no worker, jobs of a database
 * running one at a time in id order.  Marks it starting and copies it into
 * *slot; returns its slot number, or -1.
 */
int
idxadv_queue_start_next(int max_running, idxadvJobSlot *slot)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	int			running = 0;
	int			best = -1;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
		if (sh->slots[i].state == IDXADV_SLOT_STARTING ||
			sh->slots[i].state == IDXADV_SLOT_RUNNING)
			running++;
	for (i = 0; i < IDXADV_JOB_SLOTS && running < max_running; i++)
	{
		idxadvJobSlot *cand = &sh->slots[i];
		bool		busy = false;
		int			j;

		if (cand->state != IDXADV_SLOT_QUEUED)
			continue;
		for (j = 0; j < IDXADV_JOB_SLOTS && !busy; j++)
			busy = sh->slots[j].dbid == cand->dbid &&
				(sh->slots[j].state == IDXADV_SLOT_STARTING ||
				 sh->slots[j].state == IDXADV_SLOT_RUNNING ||
				 (sh->slots[j].state == IDXADV_SLOT_QUEUED &&
				  sh->slots[j].jobid < cand->jobid));
		if (!busy)
		{
			best = i;
			break;
		}
	}
	if (best >= 0)
	{
		sh->slots[best].state = IDXADV_SLOT_STARTING;
		sh->slots[best].pid = 0;
		sh->slots[best].finished = false;
		*slot = sh->slots[best];
	}
	LWLockRelease(sh->lock);
	return best;
}

/* The worker for a slot could not be registered: the job waits */
void
idxadv_queue_unstart(int slotno)
{
	idxadvBuildShared *sh = idxadv_build_shared;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	sh->slots[slotno].state = IDXADV_SLOT_QUEUED;
	LWLockRelease(sh->lock);
}

/*
 * A job worker attaches to its slot.  Returns false when the slot no longer
 * holds that job for this worker to start.
 */
bool
idxadv_queue_claim(int slotno, Oid dbid, int64 jobid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	idxadvJobSlot *slot = &sh->slots[slotno];
	bool		mine;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	mine = slot->dbid == dbid && slot->jobid == jobid &&
		slot->state == IDXADV_SLOT_STARTING;
	if (mine)
	{
		slot->pid = MyProcPid;
		slot->state = IDXADV_SLOT_RUNNING;
	}
	LWLockRelease(sh->lock);
	return mine;
}

/* The job worker recorded the outcome (or found nothing to do) */
void
idxadv_queue_finish(int slotno)
{
	idxadvBuildShared *sh = idxadv_build_shared;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	sh->slots[slotno].finished = true;
	LWLockRelease(sh->lock);
}

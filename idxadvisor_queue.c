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
 *						stop after recording the outcome.
 *	any busy -> QUEUED	idxadv_queue_release(): the worker stopped without
 *						an outcome.  The stop counts; the job is retried
 *						after a back-off, and from the IDXADV_MAX_ATTEMPTS-th
 *						stop on by a "cleanup" worker that only records the
 *						outcome.  After 2 * IDXADV_MAX_ATTEMPTS stops the
 *						slot is given up (FREE) with a WARNING.
 *
 * Two fields are written without the lock: last_error, by the slot's own
 * running worker from its emit_log_hook (the launcher reads it only after
 * that worker has exited), and nothing else.  Cancels reach a slot at the
 * commit of the cancelling transaction (idxadv_queue_signal_cancel).
 *
 * The job table itself must not disappear under unfinished jobs: an object
 * access hook refuses DROP EXTENSION / DROP SCHEMA ... CASCADE while jobs
 * are queued or running (idxadv_queue_check_drop).
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
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
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
#include "utils/timestamp.h"
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

static object_access_hook_type prev_object_access_hook = NULL;

/* text of the states and kinds, as the job table's CHECK constraints say */
static const char *const job_state_names[IDXADV_JOB_STATE_COUNT] = {
	"queued", "running", "done", "failed", "cancelled"
};
static const char *const job_kind_names[IDXADV_JOB_KIND_COUNT] = {
	"create", "drop", "reindex"
};

/*---- Function declarations ----*/

static void idxadv_queue_xact_callback(XactEvent event, void *arg);
static void idxadv_queue_register_xact_callback(void);
static int	idxadv_job_exec(const idxadvExtInfo *ext, const char *sql,
							int nargs, Oid *argtypes, Datum *values,
							const char *nulls);
static char *idxadv_job_states_sql(int statemask);
static char *idxadv_job_text(int col);
static void idxadv_queue_object_access(ObjectAccessType access, Oid classId,
									   Oid objectId, int subId, void *arg);
static void idxadv_queue_check_drop(Oid relid);
static bool idxadv_job_has_column(const idxadvExtInfo *ext,
								  const char *column);

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
	if ((int) kind < 0 || kind >= IDXADV_JOB_KIND_COUNT)
		elog(ERROR, "invalid job kind %d", (int) kind);
	return job_kind_names[kind];
}

idxadvJobKind
idxadv_job_kind_from_name(const char *name)
{
	int			i;

	for (i = 0; i < IDXADV_JOB_KIND_COUNT; i++)
		if (strcmp(name, job_kind_names[i]) == 0)
			return (idxadvJobKind) i;
	elog(ERROR, "invalid job kind \"%s\" in the job table", name);
	return IDXADV_JOB_CREATE;	/* keep compiler quiet */
}

/* What a job of a kind does, for messages: "build", "drop", "reindex" */
static const char *
idxadv_job_kind_word(idxadvJobKind kind)
{
	return kind == IDXADV_JOB_CREATE ? "build" : idxadv_job_kind_name(kind);
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
			info->schema = ext->extnamespace;
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
							idxadv_job_kind_word(kind),
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

/*
 * The newest drop job of an index name in a schema that dropped it or is
 * about to (done, queued or running; a failed or cancelled drop dropped
 * nothing), for idxadvisor_restore() by name.  Returns false when there is
 * none.
 */
bool
idxadv_job_latest_drop(const idxadvExtInfo *ext, Oid nspid,
					   const char *idxname, int64 *jobid)
{
	Oid			argtypes[2] = {OIDOID, NAMEOID};
	Datum		values[2];
	bool		isnull;

	values[0] = ObjectIdGetDatum(nspid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(idxname));
	if (idxadv_job_exec(ext,
						psprintf("SELECT id FROM %s"
								 " WHERE kind OPERATOR(pg_catalog.=) 'drop'"
								 "   AND index_schema OPERATOR(pg_catalog.=) $1"
								 "   AND index_name OPERATOR(pg_catalog.=) $2"
								 "   AND %s ORDER BY id DESC LIMIT 1",
								 ext->jobs_table,
								 idxadv_job_states_sql(IDXADV_JOB_UNFINISHED |
													   IDXADV_JOB_MASK(IDXADV_JOB_DONE))),
						2, argtypes, values, NULL) != 1)
		return false;
	*jobid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	return true;
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

/*
 * Lock a job row (FOR UPDATE) and read what idxadvisor_restore() needs.
 * Returns false when there is no such job.
 */
bool
idxadv_job_lock_info(const idxadvExtInfo *ext, int64 jobid,
					 idxadvJobInfo *info)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;

	if (idxadv_job_exec(ext,
						psprintf("SELECT kind, state, relid, index_schema,"
								 " index_name::pg_catalog.text, requested_by, %s"
								 " FROM %s WHERE id OPERATOR(pg_catalog.=) $1"
								 " FOR UPDATE",
								 idxadv_job_has_column(ext, "index_definition") ?
								 "index_definition" : "NULL::pg_catalog.text",
								 ext->jobs_table),
						1, &argtype, &value, NULL) != 1)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	info->id = jobid;
	info->kind = idxadv_job_kind_from_name(SPI_getvalue(tup, desc, 1));
	info->state = idxadv_job_state_from_name(SPI_getvalue(tup, desc, 2));
	info->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
	info->nspid = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
	info->index_name = SPI_getvalue(tup, desc, 5);
	info->requested_by = DatumGetObjectId(SPI_getbinval(tup, desc, 6, &isnull));
	info->index_definition = SPI_getvalue(tup, desc, 7);
	return true;
}

/*
 * Keep the definition of the index a drop job drops (the CREATE INDEX that
 * builds it again, for idxadvisor_restore()): at request time, and again
 * by the worker just before it drops the index.  A job table of 1.0 has no
 * place for it.
 */
void
idxadv_job_set_definition(const idxadvExtInfo *ext, int64 jobid,
						  const char *definition)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	if (!idxadv_job_has_column(ext, "index_definition"))
		return;
	values[0] = Int64GetDatum(jobid);
	values[1] = CStringGetTextDatum(definition);
	(void) idxadv_job_exec(ext,
						   psprintf("UPDATE %s SET index_definition = $2"
									" WHERE id OPERATOR(pg_catalog.=) $1",
									ext->jobs_table),
						   2, argtypes, values, NULL);
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
				   idxadv_job_has_column(ext, "sqlstate") ? "sqlstate" : "NULL",
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

/* The job row's columns a worker needs, as idxadv_job_from_row() reads them */
#define IDXADV_JOB_COLUMNS \
	"kind, relid, indexrelid, index_schema," \
	" index_name::pg_catalog.text, command, requested_by, attempts," \
	" cancel_requested"

static void
idxadv_job_from_row(int64 jobid, idxadvJob *job)
{
	HeapTuple	tup = SPI_tuptable->vals[0];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;

	job->id = jobid;
	job->kind = idxadv_job_kind_from_name(SPI_getvalue(tup, desc, 1));
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

	values[0] = Int64GetDatum(jobid);
	values[1] = Int32GetDatum(MyProcPid);
	if (idxadv_job_exec(ext,
						psprintf("UPDATE %s SET state = 'running', pid = $2,"
								 " started_at = pg_catalog.clock_timestamp(),"
								 " attempts = attempts OPERATOR(pg_catalog.+) 1"
								 " WHERE id OPERATOR(pg_catalog.=) $1"
								 "   AND state IN ('queued', 'running')"
								 " RETURNING " IDXADV_JOB_COLUMNS,
								 ext->jobs_table),
						2, argtypes, values, NULL) != 1)
		return false;
	idxadv_job_from_row(jobid, job);
	return true;
}

/*
 * Read an unfinished job without claiming it, locked FOR UPDATE: for a
 * worker that only records the outcome.  Returns false when the job is
 * gone or finished.
 */
bool
idxadv_job_fetch(const idxadvExtInfo *ext, int64 jobid, idxadvJob *job)
{
	Oid			argtype = INT8OID;
	Datum		value = Int64GetDatum(jobid);

	if (idxadv_job_exec(ext,
						psprintf("SELECT " IDXADV_JOB_COLUMNS " FROM %s"
								 " WHERE id OPERATOR(pg_catalog.=) $1"
								 "   AND state IN ('queued', 'running')"
								 " FOR UPDATE",
								 ext->jobs_table),
						1, &argtype, &value, NULL) != 1)
		return false;
	idxadv_job_from_row(jobid, job);
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
									" WHERE id OPERATOR(pg_catalog.=) $1"
									"   AND state IN ('queued', 'running')",
									ext->jobs_table),
						   3, argtypes, values, nulls);
}

/*
 * Does the job table have this column of 1.1 (sqlstate, index_definition)?
 * The library also serves a database whose extension is still at 1.0.
 */
static bool
idxadv_job_has_column(const idxadvExtInfo *ext, const char *column)
{
	RangeVar   *rv;
	Oid			relid;

	rv = makeRangeVarFromNameList(stringToQualifiedNameList(ext->jobs_table, NULL));
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) &&
		SearchSysCacheExistsAttName(relid, column);
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

	if (!idxadv_job_has_column(ext, "sqlstate"))
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

		memset(slot, 0, sizeof(idxadvJobSlot));
		slot->state = IDXADV_SLOT_QUEUED;
		slot->dbid = dbid;
		slot->jobid = jobid;
		slot->roleid = roleid;
	}
	idxadv_queue_wake_launcher();
	LWLockRelease(sh->lock);

	if (free_slot < 0)
		idxadv_queue_request_scan(dbid);
	return free_slot >= 0;
}

/*
 * A job was cancelled (committed): make it end within seconds whatever
 * state its slot is in.  A running worker gets a query cancel: it checks
 * the committed cancel flag before it starts the build, and once running,
 * the cancel interrupts it and it removes the invalid index.  A job waiting
 * to be retried is started at once, by a worker that only records the
 * outcome if its workers have already failed to start.  A job with no slot
 * (its row says "running" but no worker is left, e.g. after a restart)
 * gets its database scanned.
 */
static void
idxadv_queue_signal_cancel(Oid dbid, int64 jobid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	bool		found = false;
	int			i;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	for (i = 0; i < IDXADV_JOB_SLOTS; i++)
	{
		idxadvJobSlot *slot = &sh->slots[i];

		if (slot->state == IDXADV_SLOT_FREE ||
			slot->dbid != dbid || slot->jobid != jobid)
			continue;
		found = true;
		if (slot->state == IDXADV_SLOT_RUNNING && slot->pid != 0)
			kill(slot->pid, SIGINT);
		else if (slot->state == IDXADV_SLOT_QUEUED)
		{
			slot->not_before = 0;
			if (slot->exits > 0)
				slot->cleanup = true;
		}
	}
	idxadv_queue_wake_launcher();
	LWLockRelease(sh->lock);
	if (!found)
		idxadv_queue_request_scan(dbid);
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
 * The slot's worker stopped.  When it recorded its job's outcome, the slot
 * is freed.  When it did not (it failed to log in, its session settings
 * broke it, it errored out or was killed), the stop counts as an attempt:
 * the job waits in its slot with an exponential back-off, and from the
 * IDXADV_MAX_ATTEMPTS-th stop on, its next worker only records the
 * outcome, logged in as the bootstrap superuser.  When even those workers
 * stop IDXADV_MAX_ATTEMPTS times, the slot is given up (the job row is
 * looked at again by the next scan of its database, at the latest at the
 * next server start).  *copy gets the slot as it was.
 */
idxadvSlotRelease
idxadv_queue_release(int slotno, idxadvJobSlot *copy)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	idxadvJobSlot *slot = &sh->slots[slotno];
	idxadvSlotRelease result;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	slot->pid = 0;
	slot->yield = false;
	if (!slot->finished)
		slot->exits++;
	*copy = *slot;
	if (slot->finished)
		result = IDXADV_RELEASE_DONE;
	else if (slot->exits >= 2 * IDXADV_MAX_ATTEMPTS)
		result = IDXADV_RELEASE_GIVE_UP;
	else
	{
		int			backoff_ms = 1000 << Min(slot->exits - 1, 5);

		result = IDXADV_RELEASE_RETRY;
		slot->state = IDXADV_SLOT_QUEUED;
		slot->cleanup = slot->exits >= IDXADV_MAX_ATTEMPTS;
		slot->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   backoff_ms);
	}
	if (result != IDXADV_RELEASE_RETRY)
		slot->state = IDXADV_SLOT_FREE;
	LWLockRelease(sh->lock);
	return result;
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
	TimestampTz now = GetCurrentTimestamp();

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

		if (cand->state != IDXADV_SLOT_QUEUED || cand->not_before > now)
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
 * A job worker attaches to its slot, before it connects to a database (so
 * that a failure to connect is its own).  Returns false when the slot no
 * longer holds that job for this worker to start; else *copy gets the slot.
 */
bool
idxadv_queue_claim(int slotno, Oid dbid, int64 jobid, idxadvJobSlot *copy)
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
		*copy = *slot;
	}
	LWLockRelease(sh->lock);
	return mine;
}

/*
 * Keep the message of an error that ends the worker, for the job's
 * outcome if the worker cannot record it itself.  Called from the worker's
 * emit_log_hook, so it takes no lock: only the slot's own worker writes
 * last_error while the slot is running, and the launcher reads it only
 * after the worker has exited.
 */
void
idxadv_queue_note_error(int slotno, const char *message)
{
	strlcpy(idxadv_build_shared->slots[slotno].last_error, message,
			IDXADV_SLOT_ERROR_LEN);
}

/*
 * The launcher found the slot's worker in a lock cycle with another
 * session: ask it to back off (it sees a query cancel, then
 * idxadv_queue_take_yield() says why).
 */
void
idxadv_queue_yield(int slotno, pid_t pid)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	idxadvJobSlot *slot = &sh->slots[slotno];

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	if (slot->state == IDXADV_SLOT_RUNNING && slot->pid == pid && !slot->yield)
	{
		slot->yield = true;
		kill(pid, SIGINT);
	}
	LWLockRelease(sh->lock);
}

/* Was the worker asked to back off?  Clears the request. */
bool
idxadv_queue_take_yield(int slotno)
{
	idxadvBuildShared *sh = idxadv_build_shared;
	bool		result;

	LWLockAcquire(sh->lock, LW_EXCLUSIVE);
	result = sh->slots[slotno].yield;
	sh->slots[slotno].yield = false;
	LWLockRelease(sh->lock);
	return result;
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

/* ----------
 * Dropping the job table
 * ----------
 */

/*
 * Install the object access hook that keeps the job table from being
 * dropped while jobs are unfinished; called from _PG_init when preloading.
 */
void
idxadv_queue_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = idxadv_queue_object_access;
}

static void
idxadv_queue_object_access(ObjectAccessType access, Oid classId,
						   Oid objectId, int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (access == OAT_DROP && classId == RelationRelationId && subId == 0 &&
		!IsBinaryUpgrade)
		idxadv_queue_check_drop(objectId);
}

/*
 * Refuse to drop the job table (DROP EXTENSION, or DROP SCHEMA ... CASCADE
 * of the extension's schema, which a non-superuser owner of the schema or
 * the database may run) while jobs are queued or running: their requests
 * were committed, and dropping them would silently leave indexes unbuilt,
 * drops undone, and a running build's INVALID index behind.  The error
 * names the jobs and says how to finish or cancel them first.
 */
static void
idxadv_queue_check_drop(Oid relid)
{
	idxadvExtInfo ext;
	char	   *relname;
	StringInfoData detail;
	int			n;
	int			i;

	/* cheap tests first: this runs for every relation dropped */
	relname = get_rel_name(relid);
	if (relname == NULL || strcmp(relname, "idxadvisor_build_jobs") != 0)
		return;
	if (!idxadv_get_extension(&ext) || get_rel_namespace(relid) != ext.schema)
		return;

	SPI_connect();
	n = idxadv_job_exec(&ext,
						psprintf("SELECT id, kind, state,"
								 " pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.'"
								 "   OPERATOR(pg_catalog.||) pg_catalog.quote_ident(j.index_name)"
								 " FROM %s j"
								 " LEFT JOIN pg_catalog.pg_namespace n"
								 "   ON n.oid OPERATOR(pg_catalog.=) j.index_schema"
								 " WHERE state IN ('queued', 'running') ORDER BY id",
								 ext.jobs_table),
						0, NULL, NULL, NULL);
	if (n == 0)
	{
		SPI_finish();
		return;
	}
	initStringInfo(&detail);
	for (i = 0; i < n && i < 10; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		appendStringInfo(&detail, "%sjob %s: %s of index %s (%s)",
						 i > 0 ? "\n" : "",
						 SPI_getvalue(tup, desc, 1),
						 idxadv_job_kind_word(idxadv_job_kind_from_name(SPI_getvalue(tup, desc, 2))),
						 SPI_getvalue(tup, desc, 4) ? SPI_getvalue(tup, desc, 4) : "?",
						 SPI_getvalue(tup, desc, 3));
	}
	if (n > 10)
		appendStringInfo(&detail, "\nand %d more", n - 10);
	SPI_finish();

	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("cannot drop extension \"idxadvisor\" while %d index build %s queued or running",
					n, n == 1 ? "job is" : "jobs are"),
			 errdetail("%s", detail.data),
			 errhint("Wait for them with CALL idxadvisor_wait(), or cancel them with SELECT idxadvisor_cancel(id) FROM idxadvisor_builds WHERE state IN ('queued', 'running') and wait, then drop again.")));
}

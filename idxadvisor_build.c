/*-------------------------------------------------------------------------
 *
 * idxadvisor_build.c
 *		Index builds from SQL: idxadvisor_create*(), idxadvisor_drop*(),
 *		idxadvisor_reindex_concurrently(), idxadvisor_restore(),
 *		idxadvisor_cancel(), idxadvisor_wait(): checks in the caller's
 *		transaction; the queue itself is idxadvisor_queue.c's.
 *
 * CREATE INDEX CONCURRENTLY cannot run inside a transaction block or a
 * function, and a backend that waits, inside its own transaction, for a
 * concurrent build in the same database deadlocks with it: the build waits
 * for every snapshot older than its own, the waiter's included, and the
 * deadlock detector does not see that wait.  So idxadvisor_create_concurrently()
 * only validates the request and writes a job row in the caller's
 * transaction; a background worker runs the build after the caller commits
 * (idxadvisor_worker.c), and idxadvisor_wait() is a procedure that commits
 * between its polls so that it holds no snapshot while it waits.
 *
 * The request is never executed as the caller wrote it.  Both forms, a table
 * and column names or a whole CREATE INDEX statement, become an IndexStmt
 * whose table is checked here (ownership, relation kind) and which is then
 * transformed and checked as CREATE INDEX would check it, into an index
 * definition (idxadvisor_ddl.c).  The DDL the worker runs is written from
 * that definition by idxadvisor_ddl.c, under settings that the worker pins
 * too, so that it reads back exactly what was checked.  The worker parses
 * that text again and runs it only if it is exactly one index statement on
 * the job's table.
 *
 * A REINDEX INDEX CONCURRENTLY is queued the same way: checked here as
 * REINDEX would check it, with its SQLSTATEs, then run by a worker, which
 * also removes what an interrupted REINDEX leaves (idxadvisor_worker.c).  A
 * drop, queued or done in the caller's transaction, is recorded as a job
 * that keeps the CREATE INDEX that builds the index again, written by
 * idxadvisor_ddl.c from the catalog; idxadvisor_restore(), by job or by
 * index name, queues that through the same checks and path as
 * idxadvisor_create_concurrently().
 *
 * The job queue (the job table, the shared slots that hand committed jobs
 * to the launcher, job states) is idxadvisor_queue.c's: this file only
 * calls its functions.  Locking: the functions here take the locks the
 * DDL they check or run takes (the table, the index); the job table's row
 * locks and the queue's LWLock are taken inside idxadvisor_queue.c.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/amapi.h"
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/tablespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_utilcmd.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "idxadvisor_queue.h"

/* Poll interval of idxadvisor_wait(), in milliseconds */
#define IDXADV_WAIT_POLL_MS		100

/* A checked, transformed index request */
typedef struct idxadvIndexSpec
{
	Oid			relid;
	Oid			nspid;
	char	   *relname;
	IndexStmt  *stmt;			/* transformed */
	idxadvIndexDef def;			/* checked, as CREATE INDEX would check it */
	char	   *key;			/* the DDL without name: identifies a request */
} idxadvIndexSpec;

/* What idxadv_cancel_job() did */
typedef enum idxadvCancelResult
{
	IDXADV_CANCEL_FINISHED,		/* nothing: the job had finished */
	IDXADV_CANCEL_QUEUED,		/* a queued job, cancelled in this transaction */
	IDXADV_CANCEL_RUNNING		/* a running job, interrupted at commit */
} idxadvCancelResult;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_create);
PG_FUNCTION_INFO_V1(idxadvisor_create_definition);
PG_FUNCTION_INFO_V1(idxadvisor_create_concurrently);
PG_FUNCTION_INFO_V1(idxadvisor_create_concurrently_definition);
PG_FUNCTION_INFO_V1(idxadvisor_drop);
PG_FUNCTION_INFO_V1(idxadvisor_drop_concurrently);
PG_FUNCTION_INFO_V1(idxadvisor_drop_name);
PG_FUNCTION_INFO_V1(idxadvisor_drop_concurrently_name);
PG_FUNCTION_INFO_V1(idxadvisor_reindex_concurrently);
PG_FUNCTION_INFO_V1(idxadvisor_restore);
PG_FUNCTION_INFO_V1(idxadvisor_restore_name);
PG_FUNCTION_INFO_V1(idxadvisor_cancel);
PG_FUNCTION_INFO_V1(idxadvisor_wait);

static void idxadv_check_writable(const char *funcname);
static void idxadv_check_queue_available(const char *funcname);
static void idxadv_require_extension(idxadvExtInfo *info);
static IndexStmt *idxadv_stmt_from_columns(FunctionCallInfo fcinfo);
static char *idxadv_unwrap_request(Node *stmt);
static RawStmt *idxadv_parse_one(const char *def);
static IndexStmt *idxadv_stmt_from_definition(FunctionCallInfo fcinfo,
											  bool concurrent);
static void idxadv_check_table(Oid relid, bool concurrent);
static void idxadv_check_partitioned_unique(const idxadvIndexDef *def);
static void idxadv_prepare_index(IndexStmt *stmt, bool concurrent,
								 idxadvIndexSpec *spec);
static char *idxadv_choose_name(idxadvIndexSpec *spec,
								const idxadvExtInfo *ext, Oid *existing);
static void idxadv_check_droppable(Oid indexoid, bool concurrent);
static Oid	idxadv_check_reindexable(Oid indexoid);
static idxadvCancelResult idxadv_cancel_job(const idxadvExtInfo *ext,
											int64 jobid, bool verbose);
static TimestampTz idxadv_wait_deadline(Interval *iv);

/*
 * Refuse a change on a hot standby, with a clearer message than the
 * read-only transaction error the job table would raise.
 */
static void
idxadv_check_writable(const char *funcname)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("%s cannot run during recovery", funcname),
				 errdetail("This server is a hot standby: indexes can only be built or dropped on the primary, and the standby gets them by replication."),
				 errhint("Run it on the primary server.")));
}

/* Queued operations need the launcher, hence preloading */
static void
idxadv_check_queue_available(const char *funcname)
{
	idxadv_check_writable(funcname);

	/*
	 * A queued job outlives the operation: like PREPARE or temporary tables,
	 * not allowed while running as a table owner for maintenance (REFRESH
	 * MATERIALIZED VIEW, index expressions, ANALYZE).
	 */
	if (InSecurityRestrictedOperation())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot call %s within security-restricted operation",
						funcname)));
	if (!idxadv_queue_available())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires idxadvisor to be loaded via shared_preload_libraries",
						funcname),
				 errdetail("Queued builds are run by background workers, which only a preloaded library can start."),
				 errhint("Add idxadvisor to the shared_preload_libraries configuration parameter and restart the server, or use idxadvisor_create() or idxadvisor_drop(), which work in the caller's transaction.")));
}

static void
idxadv_require_extension(idxadvExtInfo *info)
{
	if (!idxadv_get_extension(info))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"idxadvisor\" is not installed in this database")));
}

/*
 * Check that a table may get (or lose) an index through these functions:
 * the caller owns it, it is an ordinary table, a partitioned table or a
 * materialized view, not a system catalog, not another
 * session's temporary table, and not this session's either when the build
 * is queued (the worker cannot see it).  The caller holds a lock on it.
 */
static void
idxadv_check_table(Oid relid, bool concurrent)
{
	Relation	rel;
	char		relkind;
	const char *relname;

	rel = try_relation_open(relid, NoLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	relkind = rel->rd_rel->relkind;
	relname = RelationGetRelationName(rel);

	if (IsCatalogRelation(rel) || IsSystemRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied: \"%s\" is a system catalog",
						relname),
				 errdetail("idxadvisor does not create or drop indexes on system catalogs.")));

	if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot create or drop indexes of \"%s\"", relname),
				 errdetail("\"%s\" is %s; only tables and materialized views have indexes.",
						   relname,
						   relkind == RELKIND_VIEW ? "a view" :
						   relkind == RELKIND_SEQUENCE ? "a sequence" :
						   relkind == RELKIND_FOREIGN_TABLE ? "a foreign table" :
						   relkind == RELKIND_COMPOSITE_TYPE ? "a composite type" :
						   relkind == RELKIND_TOASTVALUE ? "a TOAST table" :
						   (relkind == RELKIND_INDEX ||
							relkind == RELKIND_PARTITIONED_INDEX) ? "an index" :
						   "not a table")));

	if (!object_ownercheck(RelationRelationId, relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind),
					   relname);

	if (RELATION_IS_OTHER_TEMP(rel))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot create or drop indexes of temporary tables of other sessions")));

	if (concurrent)
	{
		if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot queue a build on temporary table \"%s\"",
							relname),
					 errdetail("The background worker that runs the build cannot see this session's temporary tables."),
					 errhint("Use idxadvisor_create(), or CREATE INDEX: a temporary table has no concurrent readers to protect.")));
	}
	relation_close(rel, NoLock);
}

/*
 * A unique index of a partitioned table must contain every partition key
 * column of the table and of each sub-partitioned partition, as CREATE
 * INDEX says (with its words).  CREATE INDEX checks each level when it gets
 * there; a queued build, which builds the partitions' indexes first, checks
 * them all before it is queued.
 */
static void
idxadv_check_partitioned_unique(const idxadvIndexDef *def)
{
	ListCell   *lc;

	foreach(lc, find_all_inheritors(def->relid, AccessShareLock, NULL))
	{
		Oid			relid = lfirst_oid(lc);
		Relation	rel;
		PartitionKey key;
		int			i;

		if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
			continue;
		rel = relation_open(relid, NoLock);
		key = RelationGetPartitionKey(rel);
		for (i = 0; i < key->partnatts; i++)
		{
			const char *colname;
			bool		found = false;
			int			j;

			if (key->partattrs[i] == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("unsupported %s constraint with partition key definition",
								"UNIQUE"),
						 errdetail("%s constraints cannot be used when partition keys include expressions.",
								   "UNIQUE")));
			colname = get_attname(relid, key->partattrs[i], false);
			for (j = 0; j < def->nkeycols && !found; j++)
				found = def->cols[j].attnum > 0 &&
					strcmp(get_attname(def->relid, def->cols[j].attnum, false),
						   colname) == 0;
			if (!found)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("unique constraint on partitioned table must include all partitioning columns"),
						 errdetail("%s constraint on table \"%s\" lacks column \"%s\" which is part of the partition key.",
								   "UNIQUE", RelationGetRelationName(rel), colname)));
		}
		relation_close(rel, NoLock);
	}
}

/*
 * Build an IndexStmt from the (relid, columns, index_name, unique, method,
 * include) arguments.  Column names are taken as they are in the catalog
 * (case and all), not parsed as SQL identifiers.
 */
static IndexStmt *
idxadv_stmt_from_columns(FunctionCallInfo fcinfo)
{
	IndexStmt  *stmt = makeNode(IndexStmt);
	Oid			relid;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *elemnulls;
	int			nelems;
	int			i;
	int			pass;

	for (i = 0; i < 5; i++)
		if (i != 2 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not be null",
							i == 0 ? "relid" : i == 1 ? "columns" :
							i == 3 ? "unique" : "method")));

	relid = PG_GETARG_OID(0);
	LockRelationOid(relid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));

	stmt->relation = makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
								  get_rel_name(relid), -1);
	stmt->accessMethod = pstrdup(NameStr(*PG_GETARG_NAME(4)));
	stmt->unique = PG_GETARG_BOOL(3);
	if (!PG_ARGISNULL(2))
		stmt->idxname = pstrdup(NameStr(*PG_GETARG_NAME(2)));

	/* key columns, then INCLUDE columns */
	for (pass = 0; pass < 2; pass++)
	{
		int			argno = pass == 0 ? 1 : 5;

		if (PG_ARGISNULL(argno))
			continue;
		arr = PG_GETARG_ARRAYTYPE_P(argno);
		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("\"%s\" must be a one-dimensional array",
							pass == 0 ? "columns" : "include")));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &elemnulls, &nelems);
		if (pass == 0 && nelems == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"columns\" must name at least one column")));
		for (i = 0; i < nelems; i++)
		{
			IndexElem  *elem = makeNode(IndexElem);

			if (elemnulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("\"%s\" must not contain nulls",
								pass == 0 ? "columns" : "include")));
			elem->name = text_to_cstring(DatumGetTextPP(elems[i]));
			elem->ordering = SORTBY_DEFAULT;
			elem->nulls_ordering = SORTBY_NULLS_DEFAULT;
			if (pass == 0)
				stmt->indexParams = lappend(stmt->indexParams, elem);
			else
				stmt->indexIncludingParams =
					lappend(stmt->indexIncludingParams, elem);
		}
	}
	return stmt;
}

/*
 * The suggestions and the FK report give a partitioned table's index as one
 * statement, SELECT [schema.]idxadvisor_create_concurrently('CREATE INDEX
 * ...'), since PostgreSQL has no CREATE INDEX CONCURRENTLY there.  So that
 * every row's DDL can be handed to idxadvisor_create_concurrently() as it
 * is, that form is accepted too: if stmt is exactly such a SELECT (one
 * target, one string literal argument, nothing else), return the literal;
 * else NULL.  Only the raw parse tree is read: nothing is looked up or run.
 */
static char *
idxadv_unwrap_request(Node *stmt)
{
	SelectStmt *sel;
	ResTarget  *target;
	FuncCall   *call;
	A_Const    *arg;

	if (!IsA(stmt, SelectStmt))
		return NULL;
	sel = (SelectStmt *) stmt;
	if (sel->op != SETOP_NONE || sel->fromClause != NIL ||
		sel->whereClause != NULL || sel->groupClause != NIL ||
		sel->havingClause != NULL || sel->windowClause != NIL ||
		sel->sortClause != NIL || sel->limitCount != NULL ||
		sel->limitOffset != NULL || sel->lockingClause != NIL ||
		sel->withClause != NULL || sel->distinctClause != NIL ||
		sel->valuesLists != NIL || sel->intoClause != NULL ||
		list_length(sel->targetList) != 1)
		return NULL;
	target = linitial_node(ResTarget, sel->targetList);
	if (!IsA(target->val, FuncCall))
		return NULL;
	call = (FuncCall *) target->val;
	if (strcmp(strVal(llast(call->funcname)), "idxadvisor_create_concurrently") != 0 ||
		list_length(call->funcname) > 2 || list_length(call->args) != 1 ||
		call->agg_order != NIL || call->agg_filter != NULL || call->over != NULL ||
		call->agg_star || call->agg_distinct || call->func_variadic ||
		!IsA(linitial(call->args), A_Const))
		return NULL;
	arg = (A_Const *) linitial(call->args);
	if (arg->isnull || !IsA(&arg->val, String))
		return NULL;
	return strVal(&arg->val);
}

/* The raw parse tree of a definition, which must be exactly one statement */
static RawStmt *
idxadv_parse_one(const char *def)
{
	List	   *raw = raw_parser(def, RAW_PARSE_DEFAULT);

	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("definition must be exactly one CREATE INDEX statement"),
				 errdetail("It contains %d statements.", list_length(raw))));
	return linitial_node(RawStmt, raw);
}

/*
 * Parse a whole CREATE INDEX statement: exactly one statement, an index
 * statement, and nothing else.  CONCURRENTLY is accepted by the queued
 * variant (which always builds concurrently) and refused by the
 * transactional one.
 */
static IndexStmt *
idxadv_stmt_from_definition(FunctionCallInfo fcinfo, bool concurrent)
{
	char	   *def;
	RawStmt    *rs;
	IndexStmt  *stmt;
	Oid			relid;
	bool		inh;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"definition\" must not be null")));
	def = text_to_cstring(PG_GETARG_TEXT_PP(0));

	rs = idxadv_parse_one(def);
	/* our own one-statement form: take the CREATE INDEX inside it */
	if (concurrent && (def = idxadv_unwrap_request(rs->stmt)) != NULL)
		rs = idxadv_parse_one(def);
	if (!IsA(rs->stmt, IndexStmt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("definition must be a CREATE INDEX statement"),
				 errdetail("It is a %s statement.",
						   GetCommandTagName(CreateCommandTag(rs->stmt)))));
	stmt = (IndexStmt *) rs->stmt;
	if (stmt->concurrent && !concurrent)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("idxadvisor_create() builds indexes in the caller's transaction"),
				 errdetail("The definition asks for CREATE INDEX CONCURRENTLY."),
				 errhint("Use idxadvisor_create_concurrently() to queue a concurrent build.")));
	stmt->concurrent = false;

	/*
	 * Resolve the table as the statement itself would, with the caller's
	 * search_path, and replace the name by its qualified form so that
	 * nothing resolves it again differently.
	 */
	inh = stmt->relation->inh;
	relid = RangeVarGetRelidExtended(stmt->relation, AccessShareLock, 0,
									 NULL, NULL);
	stmt->relation = makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
								  get_rel_name(relid), -1);
	stmt->relation->inh = inh;
	return stmt;
}

/*
 * Check and transform an index request: table, columns, access method,
 * operator classes, collations, options, tablespace, expressions.  Fills
 * spec, including the key (the DDL without index name, which identifies a
 * request).
 */
static void
idxadv_prepare_index(IndexStmt *stmt, bool concurrent, idxadvIndexSpec *spec)
{
	bool		inh = stmt->relation->inh;
	Oid			relid;

	relid = RangeVarGetRelid(stmt->relation, AccessShareLock, false);
	idxadv_check_table(relid, concurrent);
	if (stmt->idxname != NULL && stmt->idxname[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("zero-length delimited identifier"),
				 errdetail("The index name is empty.")));

	/* parse analysis, then every check DefineIndex makes before building */
	stmt = transformIndexStmt(relid, copyObject(stmt), NULL);
	stmt->relation->inh = inh;
	idxadv_index_def_from_stmt(stmt, relid, &spec->def);
	if (concurrent && spec->def.only)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot build an index concurrently ON ONLY partitioned table \"%s\"",
						get_rel_name(relid)),
				 errdetail("An index ON ONLY a partitioned table has no data to build: it is created at once, not valid until every partition's index is attached."),
				 errhint("Use idxadvisor_create() for it, or leave out ONLY: idxadvisor_create_concurrently() then builds every partition's index and attaches it.")));
	if (concurrent && get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
	{
		ListCell   *lc;

		foreach(lc, find_all_inheritors(relid, AccessShareLock, NULL))
		{
			if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
				idxadv_refuse_foreign_partition(relid, lfirst_oid(lc));
		}
		if (spec->def.unique)
			idxadv_check_partitioned_unique(&spec->def);
	}

	spec->relid = relid;
	spec->nspid = get_rel_namespace(relid);
	spec->relname = get_rel_name(relid);
	spec->stmt = stmt;
	spec->key = idxadv_index_ddl(&spec->def, NULL, 0);
}

/*
 * The build queue's part of choosing a name: a name that an unfinished job
 * builds is ours when it is the same request, taken when not.
 */
typedef struct idxadvNameCheckArg
{
	const idxadvExtInfo *ext;
	idxadvIndexSpec *spec;
} idxadvNameCheckArg;

static idxadvNameUse
idxadv_name_check(const char *name, Oid existing, bool same, void *arg)
{
	idxadvNameCheckArg *a = (idxadvNameCheckArg *) arg;
	int64		jobid;

	if (OidIsValid(existing) && same)
		return IDXADV_NAME_OURS;
	if (OidIsValid(existing))
	{
		idxadvIndexDef other;

		/*
		 * An earlier run of this request built it under this name, and
		 * another index has replaced it since: say so rather than build the
		 * request under the next name.
		 */
		if (!idxadv_job_find(a->ext, IDXADV_JOB_MASK(IDXADV_JOB_DONE),
							 a->spec->nspid, name, a->spec->relid,
							 a->spec->key, &jobid))
			return IDXADV_NAME_TAKEN;
		idxadv_index_def_from_index(existing, &other);
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", name),
				 errdetail("Job %lld built this request as \"%s\", which is now a different index: %s.",
						   (long long) jobid, name,
						   idxadv_index_ddl(&other, name, 0)),
				 errhint("Drop or rename that index, or give the request an index name of its own.")));
	}
	if (idxadv_job_find(a->ext, IDXADV_JOB_UNFINISHED,
						a->spec->nspid, name, InvalidOid, NULL, &jobid))
		return idxadv_job_find(a->ext, IDXADV_JOB_UNFINISHED,
							   a->spec->nspid, name, a->spec->relid,
							   a->spec->key, &jobid) ?
			IDXADV_NAME_OURS : IDXADV_NAME_TAKEN;
	return IDXADV_NAME_FREE;
}

/*
 * Choose the index name of an unnamed request (idxadv_ddl_choose_name):
 * the name CREATE INDEX would choose, or the one an index or unfinished job
 * of the same definition has.  *existing is that index, if any.
 */
static char *
idxadv_choose_name(idxadvIndexSpec *spec, const idxadvExtInfo *ext,
				   Oid *existing)
{
	idxadvNameCheckArg arg = {ext, spec};

	return idxadv_ddl_choose_name(&spec->def, idxadv_name_check, &arg,
								  existing);
}

/*
 * The index an existing relation of a requested name is: returns its OID
 * when it is an index of the same definition, or InvalidOid when there is
 * none (or a queued drop removes it first); raises the error CREATE INDEX would (42P07)
 * when the name is taken by anything else, with the existing definition.
 */
static Oid
idxadv_existing_index(const idxadvExtInfo *ext, idxadvIndexSpec *spec,
					  const char *idxname, bool concurrent)
{
	Oid			existing = get_relname_relid(idxname, spec->nspid);
	idxadvIndexDef other;

	if (!OidIsValid(existing))
		return InvalidOid;
	/* a queued drop frees the name before this build runs */
	if (concurrent && idxadv_job_drop_pending(ext, existing))
		return InvalidOid;
	if (!SearchSysCacheExists1(INDEXRELID, ObjectIdGetDatum(existing)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", idxname),
				 errdetail("It is not an index.")));
	idxadv_index_def_from_index(existing, &other);
	if (!idxadv_index_def_equal(&spec->def, &other))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", idxname),
				 errdetail("It is a different index: %s.",
						   idxadv_index_ddl(&other, idxname, 0)),
				 errhint("Choose another index name, or drop the existing index first.")));
	return existing;
}

/*
 * Record that a request found its index already built: the finished job
 * that built it, or a new "done" job.  SPI must be connected.
 */
static int64
idxadv_record_existing(const idxadvExtInfo *ext, idxadvIndexSpec *spec,
					   const char *idxname, Oid existing, bool concurrent)
{
	int64		jobid;

	ereport(NOTICE,
			(errmsg("index \"%s\" already exists, skipping", idxname)));
	if (idxadv_job_find(ext, IDXADV_JOB_MASK(IDXADV_JOB_DONE),
						spec->nspid, idxname, spec->relid, spec->key, &jobid))
		return jobid;
	return idxadv_job_insert(ext, IDXADV_JOB_CREATE, spec->relid, existing,
							 spec->nspid, idxname,
							 idxadv_index_ddl(&spec->def, idxname,
											  concurrent ? IDXADV_DDL_CONCURRENTLY : 0),
							 spec->key, IDXADV_JOB_DONE);
}

/*
 * Build the index in the caller's transaction, as the caller, with the DDL
 * written from the checked definition and run under the same settings.  An
 * invalid index of that name (a failed concurrent build of the same
 * definition) is dropped first.  SPI must be connected.
 */
static Oid
idxadv_build_now(idxadvIndexSpec *spec, const char *idxname, Oid invalid,
				 const char *command)
{
	int			nestlevel = idxadv_ddl_settings_begin();

	if (OidIsValid(invalid))
		SPI_execute(idxadv_drop_index_ddl(spec->nspid, idxname, 0), false, 0);
	if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "CREATE INDEX failed");
	idxadv_ddl_settings_end(nestlevel);
	return get_relname_relid(idxname, spec->nspid);
}

/*
 * The work of idxadv_create_common(), with SPI connected: find the name
 * (the requested one, or the one an index, job or CREATE INDEX would give
 * it), skip an index that is already there, then queue the build or run it.
 */
static int64
idxadv_create_request(const idxadvExtInfo *ext, idxadvIndexSpec *spec,
					  bool concurrent, Oid *indexoid)
{
	char	   *idxname = spec->stmt->idxname;
	char	   *command;
	int64		jobid;
	Oid			existing;
	bool		valid = false;

	/* the same unnamed request again: its unfinished job */
	if (idxname == NULL && concurrent &&
		idxadv_job_find(ext, IDXADV_JOB_UNFINISHED, spec->nspid,
						NULL, spec->relid, spec->key, &jobid))
		return jobid;

	if (idxname == NULL)
		idxname = idxadv_choose_name(spec, ext, &existing);
	else
		existing = idxadv_existing_index(ext, spec, idxname, concurrent);
	if (OidIsValid(existing))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID,
										  ObjectIdGetDatum(existing));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", existing);
		valid = ((Form_pg_index) GETSTRUCT(tup))->indisvalid &&
			((Form_pg_index) GETSTRUCT(tup))->indisready;
		ReleaseSysCache(tup);
	}

	/* a valid index is skipped, unless a queued drop removes it first */
	if (OidIsValid(existing) && valid &&
		!(concurrent && idxadv_job_drop_pending(ext, existing)))
	{
		*indexoid = existing;
		return idxadv_record_existing(ext, spec, idxname, existing,
									  concurrent);
	}
	if (OidIsValid(existing) && !valid)
		ereport(NOTICE,
				(errmsg("invalid index \"%s\" will be dropped and built again",
						idxname)));
	else
		existing = InvalidOid;

	command = idxadv_index_ddl(&spec->def, idxname,
							   concurrent ? IDXADV_DDL_CONCURRENTLY : 0);
	if (concurrent)
	{
		jobid = idxadv_job_insert(ext, IDXADV_JOB_CREATE, spec->relid, InvalidOid,
								  spec->nspid, idxname, command, spec->key,
								  IDXADV_JOB_QUEUED);
		idxadv_queue_after_commit(jobid);
		return jobid;
	}
	*indexoid = idxadv_build_now(spec, idxname, existing, command);
	return idxadv_job_insert(ext, IDXADV_JOB_CREATE, spec->relid, *indexoid,
							 spec->nspid, idxname, command, spec->key, IDXADV_JOB_DONE);
}

/*
 * Common part of idxadvisor_create() and idxadvisor_create_concurrently():
 * returns the job id; for the transactional variant also builds the index
 * and returns it in *indexoid.
 */
static int64
idxadv_create_common(IndexStmt *stmt, bool concurrent, Oid *indexoid)
{
	idxadvExtInfo ext;
	idxadvIndexSpec spec;
	int64		jobid;

	idxadv_require_extension(&ext);
	idxadv_prepare_index(stmt, concurrent, &spec);
	SPI_connect();
	jobid = idxadv_create_request(&ext, &spec, concurrent, indexoid);
	SPI_finish();
	return jobid;
}

/*
 * idxadvisor_create(relid, columns, index_name, unique, method, include)
 */
Datum
idxadvisor_create(PG_FUNCTION_ARGS)
{
	Oid			indexoid = InvalidOid;

	idxadv_check_writable("idxadvisor_create()");
	(void) idxadv_create_common(idxadv_stmt_from_columns(fcinfo), false,
								&indexoid);
	PG_RETURN_OID(indexoid);
}

/*
 * idxadvisor_create(definition)
 */
Datum
idxadvisor_create_definition(PG_FUNCTION_ARGS)
{
	Oid			indexoid = InvalidOid;

	idxadv_check_writable("idxadvisor_create()");
	(void) idxadv_create_common(idxadv_stmt_from_definition(fcinfo, false),
								false, &indexoid);
	PG_RETURN_OID(indexoid);
}

/*
 * idxadvisor_create_concurrently(relid, columns, index_name, unique, method,
 * include)
 */
Datum
idxadvisor_create_concurrently(PG_FUNCTION_ARGS)
{
	Oid			indexoid = InvalidOid;

	idxadv_check_queue_available("idxadvisor_create_concurrently()");
	PG_RETURN_INT64(idxadv_create_common(idxadv_stmt_from_columns(fcinfo),
										 true, &indexoid));
}

/*
 * idxadvisor_create_concurrently(definition)
 */
Datum
idxadvisor_create_concurrently_definition(PG_FUNCTION_ARGS)
{
	Oid			indexoid = InvalidOid;

	idxadv_check_queue_available("idxadvisor_create_concurrently()");
	PG_RETURN_INT64(idxadv_create_common(idxadv_stmt_from_definition(fcinfo,
																	 true),
										 true, &indexoid));
}

/*
 * Check that an index may be dropped through these functions: an index,
 * of a table the caller may change (idxadv_check_table), not backing a
 * constraint, not one a foreign key depends on, not attached to a
 * partitioned parent; and for a concurrent drop not partitioned itself.
 */
static void
idxadv_check_droppable(Oid indexoid, bool concurrent)
{
	HeapTuple	tup;
	char		relkind;
	Oid			relid;
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	contup;
	HeapTuple	owncon = NULL;
	HeapTuple	fkcon = NULL;
	const char *idxname;

	LockRelationOid(indexoid, AccessShareLock);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index with OID %u does not exist", indexoid)));
	relkind = ((Form_pg_class) GETSTRUCT(tup))->relkind;
	ReleaseSysCache(tup);
	idxname = get_rel_name(indexoid);
	if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", idxname)));

	relid = IndexGetRelation(indexoid, false);
	LockRelationOid(relid, AccessShareLock);
	idxadv_check_table(relid, false);

	if (concurrent && relkind == RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot drop partitioned index \"%s\" concurrently",
						idxname),
				 errhint("Use idxadvisor_drop().")));
	if (concurrent &&
		get_rel_persistence(indexoid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot queue a drop of index \"%s\" of a temporary table",
						idxname),
				 errhint("Use idxadvisor_drop().")));
	if (get_rel_relispartition(indexoid))
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop index \"%s\": it is attached to an index of a partitioned table",
						idxname),
				 errhint("Drop the index of the partitioned table \"%s\" instead.",
						 get_rel_name(get_partition_parent(indexoid, false)))));

	/*
	 * Constraints that use the index: the table's own (its fix is to drop
	 * that constraint, which is said first whatever order the catalog scan
	 * returns the rows in) and foreign keys that depend on it.
	 */
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(contup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);

		if (con->conindid != indexoid)
			continue;
		if (con->contype != CONSTRAINT_FOREIGN && con->conrelid == relid &&
			!HeapTupleIsValid(owncon))
			owncon = heap_copytuple(contup);
		else if (con->contype == CONSTRAINT_FOREIGN && !HeapTupleIsValid(fkcon))
			fkcon = heap_copytuple(contup);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	if (HeapTupleIsValid(owncon))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(owncon);

		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop index \"%s\": it backs %s constraint \"%s\"",
						idxname,
						con->contype == CONSTRAINT_PRIMARY ? "primary key" :
						con->contype == CONSTRAINT_UNIQUE ? "unique" :
						con->contype == CONSTRAINT_EXCLUSION ? "exclusion" :
						"a", NameStr(con->conname)),
				 errhint("Drop the constraint instead: ALTER TABLE %s DROP CONSTRAINT %s.",
						 idxadv_ddl_relation_name(relid),
						 quote_identifier(NameStr(con->conname)))));
	}
	if (HeapTupleIsValid(fkcon))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(fkcon);

		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop index \"%s\": foreign key \"%s\" of table \"%s\" depends on it",
						idxname, NameStr(con->conname),
						get_rel_name(con->conrelid)),
				 errhint("Drop the foreign key first: ALTER TABLE %s DROP CONSTRAINT %s.",
						 idxadv_ddl_relation_name(con->conrelid),
						 quote_identifier(NameStr(con->conname)))));
	}
}

/*
 * idxadv_check_drop_cost
 *		What dropping the index would cost, checked before any drop: refuse
 *		(unless force) to drop the last valid index that serves a foreign
 *		key's lookup, since each delete or key update of the parent would
 *		then read the whole child table; warn when the index has been
 *		scanned since statistics were last reset.
 *
 * 2BP01 (dependent_objects_still_exist), like the refusals of
 * idxadv_check_droppable: a foreign key still depends on the index, for its
 * speed rather than its correctness, and force is this function's CASCADE.
 */
static void
idxadv_check_drop_cost(Oid indexoid, bool force)
{
	List	   *fkeys = idxadv_fks_served_only_by(NULL, indexoid, NIL);
	char		relkind = get_rel_relkind(indexoid);
	int64		scans;
	ListCell   *lc;

	foreach(lc, fkeys)
	{
		Oid			conoid = lfirst_oid(lc);
		HeapTuple	contup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		Form_pg_constraint con;
		char	   *child;
		char	   *parent;

		if (!HeapTupleIsValid(contup))
			continue;
		con = (Form_pg_constraint) GETSTRUCT(contup);
		child = idxadv_ddl_relation_name(con->conrelid);
		parent = idxadv_ddl_relation_name(con->confrelid);
		if (!force)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot drop index \"%s\": it is the last index that serves foreign key \"%s\" of table %s",
							get_rel_name(indexoid), NameStr(con->conname),
							child),
					 errdetail("Without it, each DELETE on %s and each update of its key reads the whole of %s to check the foreign key.",
							   parent, child),
					 errhint("Create another index that serves the foreign key first, or pass force => true to drop it anyway.")));
		ereport(WARNING,
				(errmsg("index \"%s\" is the last index that serves foreign key \"%s\" of table %s, and it is dropped because force is true",
						get_rel_name(indexoid), NameStr(con->conname), child),
				 errdetail("Each DELETE on %s and each update of its key will read the whole of %s to check the foreign key.",
						   parent, child)));
		ReleaseSysCache(contup);
	}

	/* idx_scan of the index (its partitions' for a partitioned one) */
	scans = idxadv_sum_leaves(pg_stat_get_numscans, indexoid, relkind, false);
	if (scans > 0)
	{
		PgStat_StatDBEntry *db = pgstat_fetch_stat_dbentry(MyDatabaseId);
		TimestampTz reset = db ? db->stat_reset_timestamp : 0;
		bool		never_reset;
		bool		known;
		TimestampTz last = idxadv_index_last_scan(indexoid, &known);

		/* zero: the statistics of this database were never reset */
		never_reset = (reset == 0);
		ereport(WARNING,
				(errmsg_plural("index \"%s\" was scanned %lld time since statistics were %s",
							   "index \"%s\" was scanned %lld times since statistics were %s",
							   scans,
							   get_rel_name(indexoid), (long long) scans,
						never_reset ? "initialized" :
						psprintf("last reset at %s", timestamptz_to_str(reset))),
				 known && last != 0 ?
				 errdetail("Its last scan was %s. Queries that use it will read the table another way after the drop. Scans on standbys are not counted here.",
						   idxadv_time_ago(last, GetCurrentTimestamp())) :
				 errdetail("Queries that use it will read the table another way after the drop. Scans on standbys are not counted here.")));
	}

	/* and on the standbys, as far as idxadvisor_collect() gathered them */
	scans = idxadv_sum_leaves(idxadv_node_numscans, indexoid, relkind, false);
	if (scans > 0)
		ereport(WARNING,
				(errmsg_plural("index \"%s\" was scanned %lld time on standbys",
							   "index \"%s\" was scanned %lld times on standbys",
							   scans,
							   get_rel_name(indexoid), (long long) scans),
				 errdetail("As idxadvisor_collect() gathered them (see idxadvisor_node_index_scans()). Queries there will read the table another way after the drop.")));
}

/*
 * An index to drop, given by OID or by name, and the unfinished build of
 * that name, if any.
 */
typedef struct idxadvDropTarget
{
	Oid			indexoid;		/* InvalidOid: not (yet) there */
	Oid			nspid;			/* its schema, InvalidOid if unknown */
	char	   *idxname;
	const char *given;			/* as the caller wrote it, for messages */
	int64		build_job;		/* unfinished build job of that name, or 0 */
	bool		force;			/* drop the last index serving a foreign key */
} idxadvDropTarget;

/*
 * Find the unfinished build job of the target's name (0 if none).  SPI must
 * be connected.
 */
static void
idxadv_drop_find_build(const idxadvExtInfo *ext, idxadvDropTarget *target)
{
	target->build_job = 0;
	if (OidIsValid(target->nspid) &&
		!idxadv_job_find(ext, IDXADV_JOB_UNFINISHED,
						 target->nspid, target->idxname, InvalidOid, NULL,
						 &target->build_job))
		target->build_job = 0;
}

/*
 * Resolve an index given by name, schema-qualified or through the
 * search_path, as a later DROP INDEX would; when no such index exists yet,
 * the schema is the named one, or the first schema of the search_path where
 * an unfinished build job of that name will create it.  SPI must be
 * connected.
 */
static void
idxadv_drop_target_by_name(const idxadvExtInfo *ext, text *name,
						   idxadvDropTarget *target)
{
	RangeVar   *rv = makeRangeVarFromNameList(textToQualifiedNameList(name));
	ListCell   *lc;

	memset(target, 0, sizeof(idxadvDropTarget));
	target->given = text_to_cstring(name);
	target->idxname = rv->relname;
	target->indexoid = RangeVarGetRelid(rv, NoLock, true);
	if (OidIsValid(target->indexoid))
		target->nspid = get_rel_namespace(target->indexoid);
	else if (rv->schemaname != NULL)
		target->nspid = LookupExplicitNamespace(rv->schemaname, true);
	else
		foreach(lc, fetch_search_path(false))
		{
			target->nspid = lfirst_oid(lc);
			idxadv_drop_find_build(ext, target);
			if (target->build_job != 0)
				break;
			target->nspid = InvalidOid;
		}
	idxadv_drop_find_build(ext, target);
}

/*
 * Cancel the unfinished build of an index that is to be dropped, so that it
 * does not create the index after the drop: a queued build is cancelled in
 * this transaction, a running one is interrupted at commit.  SPI must be
 * connected.
 */
static idxadvCancelResult
idxadv_drop_cancel_build(const idxadvExtInfo *ext, idxadvDropTarget *target)
{
	idxadvCancelResult r = idxadv_cancel_job(ext, target->build_job, false);

	if (r != IDXADV_CANCEL_FINISHED)
		ereport(NOTICE,
				(errmsg("index build job %lld of index \"%s\" is cancelled",
						(long long) target->build_job, target->idxname)));
	return r;
}

/*
 * The drop of an index that is not there: none (with a notice) when only a
 * queued build was going to create it, or when if_exists; an error when
 * nothing was, or when a build is about to create it.
 */
static void
idxadv_drop_missing(const idxadvExtInfo *ext, idxadvDropTarget *target,
					bool if_exists)
{
	if (target->build_job != 0)
	{
		/* a running build may create it any moment (or just did) */
		if (idxadv_drop_cancel_build(ext, target) != IDXADV_CANCEL_QUEUED)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("index build job %lld is starting to build index \"%s\"",
							(long long) target->build_job, target->given),
					 errhint("Try again in a moment: once the build has created the index, the drop is queued after it.")));
		return;
	}
	if (!if_exists)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"%s\" does not exist", target->given)));
	ereport(NOTICE,
			(errmsg("index \"%s\" does not exist, skipping", target->given)));
}

/*
 * Record a drop as a job that keeps the index's full definition, the
 * CREATE INDEX that idxadvisor_restore() runs to build it again (written
 * from the catalog by the DDL writer, so the index must still be there):
 * a queued job for idxadvisor_drop_concurrently(), whose worker renews the
 * definition just before it drops the index, or a finished one for
 * idxadvisor_drop(), which drops it in this transaction.  Either way the
 * row is written in the caller's transaction: a rolled back drop leaves no
 * job.  SPI must be connected.
 */
static int64
idxadv_drop_record(const idxadvExtInfo *ext, idxadvDropTarget *target,
				   Oid relid, const char *command, idxadvJobState state)
{
	idxadvIndexDef def;
	char	   *definition;
	int64		jobid;

	idxadv_index_def_from_index(target->indexoid, &def);
	definition = idxadv_index_ddl(&def, target->idxname, 0);
	jobid = idxadv_job_insert(ext, IDXADV_JOB_DROP, relid, target->indexoid,
							  target->nspid, target->idxname, command,
							  command, state);
	idxadv_job_set_definition(ext, jobid, definition);
	return jobid;
}

/*
 * Common part of the idxadvisor_drop() variants: DROP INDEX in the caller's
 * transaction, recorded as a finished drop job so that idxadvisor_restore()
 * can build the index again.  An unfinished build of the index is
 * cancelled first; a running one cannot be dropped here (the drop would
 * wait for the build, which waits for this transaction).
 */
static void
idxadv_drop_common(const idxadvExtInfo *ext, idxadvDropTarget *target,
				   bool if_exists)
{
	int			nestlevel;
	char	   *command;
	Oid			relid;

	if (!OidIsValid(target->indexoid))
	{
		idxadv_drop_missing(ext, target, if_exists);
		return;
	}
	idxadv_check_droppable(target->indexoid, false);
	idxadv_check_drop_cost(target->indexoid, target->force);
	if (target->build_job != 0 &&
		idxadv_drop_cancel_build(ext, target) == IDXADV_CANCEL_RUNNING)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("index build job %lld is building index \"%s\"",
						(long long) target->build_job, target->idxname),
				 errhint("Use idxadvisor_drop_concurrently(), which drops the index after the build, or cancel the build and wait for it first.")));
	/* DROP INDEX's own error, not the job table's INSERT's */
	PreventCommandIfReadOnly("DROP INDEX");
	relid = IndexGetRelation(target->indexoid, false);
	command = idxadv_drop_index_ddl(target->nspid, target->idxname, 0);

	/* recorded first: the definition is read from the index itself */
	(void) idxadv_drop_record(ext, target, relid, command, IDXADV_JOB_DONE);
	nestlevel = idxadv_ddl_settings_begin();
	if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "DROP INDEX failed");
	idxadv_ddl_settings_end(nestlevel);
}

/*
 * Common part of the idxadvisor_drop_concurrently() variants: queue a DROP
 * INDEX CONCURRENTLY.  An unfinished build of the index is cancelled; a
 * running one may still finish, and the drop, queued after it, removes what
 * it built.  Returns the drop's job id, or 0 when there is nothing to drop.
 */
static int64
idxadv_drop_concurrently_common(const idxadvExtInfo *ext,
								idxadvDropTarget *target, bool if_exists)
{
	Oid			relid;
	char	   *command;
	int64		jobid;

	if (!OidIsValid(target->indexoid))
	{
		idxadv_drop_missing(ext, target, if_exists);
		return 0;
	}
	idxadv_check_droppable(target->indexoid, true);
	idxadv_check_drop_cost(target->indexoid, target->force);
	relid = IndexGetRelation(target->indexoid, false);
	idxadv_check_table(relid, true);
	if (target->build_job != 0)
		(void) idxadv_drop_cancel_build(ext, target);
	command = idxadv_drop_index_ddl(target->nspid, target->idxname,
									IDXADV_DDL_CONCURRENTLY | IDXADV_DDL_IF_EXISTS);
	jobid = idxadv_drop_record(ext, target, relid, command, IDXADV_JOB_QUEUED);
	idxadv_queue_after_commit(jobid);
	return jobid;
}

/*
 * The arguments of the drop functions: the index by OID (regclass) or by
 * name (text), if_exists (text form) and force.  The 1.0 SQL definition of
 * the regclass form has the index alone (PG_NARGS() == 1); in 1.1 it is
 * (index, force) and the text form (index, if_exists, force).  SPI must be
 * connected.
 */
static bool
idxadv_drop_args(FunctionCallInfo fcinfo, const idxadvExtInfo *ext,
				 bool by_name, idxadvDropTarget *target)
{
	int			force_arg = by_name ? 2 : 1;
	bool		force;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"index\" must not be null")));
	if (by_name && PG_NARGS() > 1 && PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"if_exists\" must not be null")));
	if (PG_NARGS() > force_arg && PG_ARGISNULL(force_arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"force\" must not be null")));
	force = PG_NARGS() > force_arg && PG_GETARG_BOOL(force_arg);
	if (by_name)
	{
		idxadv_drop_target_by_name(ext, PG_GETARG_TEXT_PP(0), target);
		target->force = force;
	}
	else
	{
		memset(target, 0, sizeof(idxadvDropTarget));
		target->indexoid = PG_GETARG_OID(0);
		idxadv_check_droppable(target->indexoid, false);
		target->nspid = get_rel_namespace(target->indexoid);
		target->idxname = get_rel_name(target->indexoid);
		target->given = target->idxname;
		target->force = force;
		idxadv_drop_find_build(ext, target);
	}
	return by_name && PG_NARGS() > 1 && PG_GETARG_BOOL(1);
}

/*
 * idxadvisor_drop(index regclass)
 * idxadvisor_drop(index text, if_exists boolean DEFAULT false)
 */
static Datum
idxadv_drop_entry(FunctionCallInfo fcinfo, bool by_name)
{
	idxadvExtInfo ext;
	idxadvDropTarget target;
	bool		if_exists;

	idxadv_check_writable("idxadvisor_drop()");
	idxadv_require_extension(&ext);
	SPI_connect();
	if_exists = idxadv_drop_args(fcinfo, &ext, by_name, &target);
	idxadv_drop_common(&ext, &target, if_exists);
	SPI_finish();
	PG_RETURN_VOID();
}

Datum
idxadvisor_drop(PG_FUNCTION_ARGS)
{
	return idxadv_drop_entry(fcinfo, false);
}

Datum
idxadvisor_drop_name(PG_FUNCTION_ARGS)
{
	return idxadv_drop_entry(fcinfo, true);
}

/*
 * idxadvisor_drop_concurrently(index regclass, force boolean) -> job id
 * idxadvisor_drop_concurrently(index text, if_exists boolean, force boolean)
 */
static Datum
idxadv_drop_concurrently_entry(FunctionCallInfo fcinfo, bool by_name)
{
	idxadvExtInfo ext;
	idxadvDropTarget target;
	bool		if_exists;
	int64		jobid;

	idxadv_check_queue_available("idxadvisor_drop_concurrently()");
	idxadv_require_extension(&ext);
	SPI_connect();
	if_exists = idxadv_drop_args(fcinfo, &ext, by_name, &target);
	jobid = idxadv_drop_concurrently_common(&ext, &target, if_exists);
	SPI_finish();
	if (jobid == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(jobid);
}

Datum
idxadvisor_drop_concurrently(PG_FUNCTION_ARGS)
{
	return idxadv_drop_concurrently_entry(fcinfo, false);
}

Datum
idxadvisor_drop_concurrently_name(PG_FUNCTION_ARGS)
{
	return idxadv_drop_concurrently_entry(fcinfo, true);
}

/*
 * Check that a REINDEX INDEX CONCURRENTLY of the index may be queued, and
 * refuse in the caller's transaction, with REINDEX's SQLSTATE, what the
 * worker's REINDEX would refuse: not an index (42809), not the index's
 * owner (42501), a system catalog's index (0A000).  Also refused (0A000):
 * what a worker cannot do safely or at all: an index of a temporary table
 * (the worker cannot see it), of a TOAST table (it could not drop what an
 * interrupted REINDEX leaves in pg_toast), and a partitioned index (REINDEX
 * rebuilds its partitions' indexes one transaction each; a resumed job
 * could not tell which are done).  Returns the index's table, locked.
 */
static Oid
idxadv_check_reindexable(Oid indexoid)
{
	HeapTuple	tup;
	Form_pg_class form;
	char		relkind;
	char		persistence;
	Oid			nspid;
	Oid			relid;
	char	   *idxname;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index with OID %u does not exist", indexoid)));
	form = (Form_pg_class) GETSTRUCT(tup);
	relkind = form->relkind;
	persistence = form->relpersistence;
	nspid = form->relnamespace;
	idxname = pstrdup(NameStr(form->relname));
	ReleaseSysCache(tup);

	if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", idxname)));

	/* the table before the index, as REINDEX locks them */
	relid = IndexGetRelation(indexoid, false);
	LockRelationOid(relid, AccessShareLock);
	LockRelationOid(indexoid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(indexoid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index \"%s\" was dropped meanwhile", idxname)));

	if (!object_ownercheck(RelationRelationId, indexoid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_INDEX, idxname);

	if (IsCatalogRelationOid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot reindex system catalogs concurrently")));
	if (IsToastNamespace(nspid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot queue a reindex of TOAST index \"%s\"", idxname),
				 errdetail("What an interrupted REINDEX CONCURRENTLY leaves in schema pg_toast could not be dropped by the worker."),
				 errhint("Run REINDEX TABLE CONCURRENTLY on the table the TOAST table belongs to.")));
	if (relkind == RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot queue a reindex of partitioned index \"%s\"",
						idxname),
				 errdetail("REINDEX rebuilds the index of each partition in a transaction of its own; a job interrupted halfway could not tell which are done."),
				 errhint("Queue the partitions' indexes one by one: SELECT idxadvisor_reindex_concurrently(relid) FROM pg_partition_tree(%s) WHERE isleaf;",
						 quote_literal_cstr(idxadv_ddl_relation_name(indexoid)))));
	if (persistence == RELPERSISTENCE_TEMP)
	{
		if (isOtherTempNamespace(nspid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot reindex temporary tables of other sessions")));
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot queue a reindex of index \"%s\" of a temporary table",
						idxname),
				 errdetail("The background worker that runs it cannot see this session's temporary tables."),
				 errhint("Use REINDEX INDEX: a temporary table has no concurrent readers to protect.")));
	}
	return relid;
}

/*
 * idxadvisor_reindex_concurrently(index regclass) -> job id: queue a
 * REINDEX INDEX CONCURRENTLY of the index, run after commit by a worker as
 * the caller.  An INVALID index (a failed CREATE INDEX CONCURRENTLY's) is
 * rebuilt valid.  The same request while one is unfinished returns that
 * job.
 */
Datum
idxadvisor_reindex_concurrently(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	Oid			indexoid;
	Oid			relid;
	Oid			nspid;
	char	   *idxname;
	char	   *command;
	int64		jobid;

	idxadv_check_queue_available("idxadvisor_reindex_concurrently()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"index\" must not be null")));
	indexoid = PG_GETARG_OID(0);
	idxadv_require_extension(&ext);
	relid = idxadv_check_reindexable(indexoid);
	nspid = get_rel_namespace(indexoid);
	idxname = get_rel_name(indexoid);

	SPI_connect();

	/*
	 * Jobs of the index that are not finished: a drop would leave nothing to
	 * rebuild, and a build must end before its index can be rebuilt (a
	 * failed one is dropped by its worker).
	 */
	if (idxadv_job_drop_pending(&ext, indexoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("a drop of index \"%s\" is queued", idxname),
				 errhint("Wait for it with CALL idxadvisor_wait(), or cancel it with idxadvisor_cancel().")));
	if (idxadv_job_find(&ext, IDXADV_JOB_UNFINISHED, nspid, idxname, relid,
						NULL, &jobid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("index build job %lld is building index \"%s\"",
						(long long) jobid, idxname),
				 errhint("Wait for it with CALL idxadvisor_wait(%lld): a finished build needs no reindex.",
						 (long long) jobid)));

	command = idxadv_reindex_ddl(indexoid, IDXADV_DDL_CONCURRENTLY);
	jobid = idxadv_job_insert(&ext, IDXADV_JOB_REINDEX, relid, indexoid,
							  nspid, idxname, command, command,
							  IDXADV_JOB_QUEUED);
	idxadv_queue_after_commit(jobid);
	SPI_finish();
	PG_RETURN_INT64(jobid);
}

/*
 * Queue the build of the index a finished drop job dropped, from the
 * definition the job kept, through the checks and the path of
 * idxadvisor_create_concurrently(): same name, same table (by OID, under
 * its present name), the caller's privileges.  A drop never removes an
 * index that backs a constraint (idxadv_check_droppable), so what a drop
 * job kept is a whole index and nothing else.  Returns the new job's id.
 * SPI must be connected.
 */
static int64
idxadv_restore_job(const idxadvExtInfo *ext, int64 jobid)
{
	idxadvJobInfo info;
	idxadvIndexSpec spec;
	RawStmt    *rs;
	IndexStmt  *stmt;
	int64		other;
	int			nestlevel;
	bool		inh;
	Oid			existing;
	Oid			indexoid = InvalidOid;

	/* locked: a second restore of the job waits, then finds this one */
	if (!idxadv_job_lock_info(ext, jobid, &info))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index build job %lld does not exist",
						(long long) jobid)));
	if (!superuser() && !has_privs_of_role(GetUserId(), info.requested_by) &&
		!(SearchSysCacheExists1(RELOID, ObjectIdGetDatum(info.relid)) &&
		  object_ownercheck(RelationRelationId, info.relid, GetUserId())))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to restore the index of job %lld",
						(long long) jobid),
				 errdetail("Only the role that requested the drop, the owner of the table, or a superuser can restore it.")));
	if (info.kind != IDXADV_JOB_DROP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("job %lld is not a drop", (long long) jobid),
				 errdetail("It is a %s job; idxadvisor_restore() builds again an index that idxadvisor_drop_concurrently() dropped.",
						   idxadv_job_kind_name(info.kind))));
	if (info.state != IDXADV_JOB_DONE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("drop job %lld has not dropped index \"%s\"",
						(long long) jobid, info.index_name),
				 errdetail("The job is %s.", idxadv_job_state_name(info.state)),
				 (info.state == IDXADV_JOB_QUEUED || info.state == IDXADV_JOB_RUNNING) ?
				 errhint("Cancel the drop with idxadvisor_cancel(%lld) instead, or wait for it with CALL idxadvisor_wait(%lld).",
						 (long long) jobid, (long long) jobid) : 0));
	if (info.index_definition == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("drop job %lld kept no definition of index \"%s\"",
						(long long) jobid, info.index_name),
				 errdetail("It was queued by version 1.0 of the extension, which did not keep it.")));
	LockRelationOid(info.relid, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(info.relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the table of index \"%s\" no longer exists",
						info.index_name),
				 errdetail("Drop job %lld dropped the index from a table that has been dropped since.",
						   (long long) jobid)));

	/*
	 * The kept text was written under the DDL settings: read it under them.
	 * Its table is the job's, by OID, under its present name.
	 */
	nestlevel = idxadv_ddl_settings_begin();
	rs = idxadv_parse_one(info.index_definition);
	if (!IsA(rs->stmt, IndexStmt))
		elog(ERROR, "definition kept by job %lld is not a CREATE INDEX",
			 (long long) jobid);
	stmt = (IndexStmt *) rs->stmt;
	stmt->concurrent = false;
	inh = stmt->relation->inh;
	stmt->relation = makeRangeVar(get_namespace_name(get_rel_namespace(info.relid)),
								  get_rel_name(info.relid), -1);
	stmt->relation->inh = inh;
	idxadv_prepare_index(stmt, true, &spec);
	idxadv_ddl_settings_end(nestlevel);

	/* restored already, or being restored: say so */
	existing = get_relname_relid(stmt->idxname, spec.nspid);
	if (OidIsValid(existing) &&
		SearchSysCacheExists1(INDEXRELID, ObjectIdGetDatum(existing)) &&
		get_index_isvalid(existing))
	{
		idxadvIndexDef now;

		idxadv_index_def_from_index(existing, &now);
		if (idxadv_index_def_equal(&spec.def, &now))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("index \"%s\" of drop job %lld is already restored",
							stmt->idxname, (long long) jobid),
					 errdetail("Index %s has the definition the drop job kept.",
							   idxadv_ddl_relation_name(existing))));
	}
	if (idxadv_job_find(ext, IDXADV_JOB_UNFINISHED, spec.nspid,
						stmt->idxname, spec.relid, spec.key, &other))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("index \"%s\" of drop job %lld is already being restored by job %lld",
						stmt->idxname, (long long) jobid, (long long) other),
				 errhint("Wait for it with CALL idxadvisor_wait(%lld).",
						 (long long) other)));

	return idxadv_create_request(ext, &spec, true, &indexoid);
}

/*
 * idxadvisor_restore(job bigint) -> job id: undo the drop of that job.
 */
Datum
idxadvisor_restore(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	int64		jobid;

	idxadv_check_queue_available("idxadvisor_restore()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"job\" must not be null")));
	idxadv_require_extension(&ext);
	SPI_connect();
	jobid = idxadv_restore_job(&ext, PG_GETARG_INT64(0));
	SPI_finish();
	PG_RETURN_INT64(jobid);
}

/*
 * The drop job that idxadvisor_restore(index text) undoes: the latest drop
 * recorded under that name (done, or still unfinished, which
 * idxadv_restore_job() refuses with the way out).  A schema-qualified name
 * is looked up in that schema.  An unqualified one is looked up in every
 * schema of the search_path (pg_temp included), since the index is gone
 * and its name no longer resolves: drops of that name recorded in two of
 * them make it ambiguous, which is refused rather than guessed.  SPI must
 * be connected.
 */
static int64
idxadv_restore_find_drop(const idxadvExtInfo *ext, text *name)
{
	char	   *given = text_to_cstring(name);
	RangeVar   *rv = makeRangeVarFromNameList(textToQualifiedNameList(name));
	List	   *schemas = NIL;
	int64		found = 0;
	Oid			found_nsp = InvalidOid;
	ListCell   *lc;

	if (rv->catalogname != NULL &&
		strcmp(rv->catalogname, get_database_name(MyDatabaseId)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cross-database references are not implemented: \"%s\"",
						given)));
	if (rv->schemaname != NULL)
		schemas = list_make1_oid(LookupExplicitNamespace(rv->schemaname,
														 false));
	else
		schemas = fetch_search_path(true);

	foreach(lc, schemas)
	{
		Oid			nspid = lfirst_oid(lc);
		int64		jobid;

		if (!idxadv_job_latest_drop(ext, nspid, rv->relname, &jobid))
			continue;
		if (found != 0)
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_ALIAS),
					 errmsg("index name \"%s\" is ambiguous", rv->relname),
					 errdetail("Drops of an index of that name are recorded in schemas \"%s\" (job %lld) and \"%s\" (job %lld) of the search_path.",
							   get_namespace_name(found_nsp), (long long) found,
							   get_namespace_name(nspid), (long long) jobid),
					 errhint("Qualify the name with its schema, e.g. %s.",
							 quote_literal_cstr(quote_qualified_identifier(get_namespace_name(found_nsp),
																		   rv->relname)))));
		found = jobid;
		found_nsp = nspid;
	}
	if (found == 0)
	{
		bool		folded = false;
		const char *c;

		/* 'Orders_Idx' means orders_idx: say so when that finds nothing */
		if (rv->schemaname == NULL && strchr(given, '"') == NULL)
			for (c = given; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					folded = true;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no drop of index \"%s\" is recorded",
						rv->schemaname != NULL ?
						psprintf("%s.%s", rv->schemaname, rv->relname) :
						rv->relname),
				 rv->schemaname != NULL ?
				 errdetail("idxadvisor_restore() builds again an index that idxadvisor_drop() or idxadvisor_drop_concurrently() dropped; a plain DROP INDEX keeps no definition.") :
				 errdetail("No drop of an index of that name by idxadvisor_drop() or idxadvisor_drop_concurrently() is recorded in the schemas of the search_path; a plain DROP INDEX keeps no definition."),
				 folded ?
				 errhint("Unquoted names are folded to lower case: write %s for a name with upper case letters.",
						 quote_literal_cstr(quote_identifier(given))) : 0));
	}
	return found;
}

/*
 * idxadvisor_restore(index text) -> job id: undo the latest drop of the
 * index of that name (see idxadv_restore_find_drop for how the name is
 * looked up).
 */
Datum
idxadvisor_restore_name(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	int64		jobid;

	idxadv_check_queue_available("idxadvisor_restore()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"index\" must not be null")));
	idxadv_require_extension(&ext);
	SPI_connect();
	jobid = idxadv_restore_job(&ext,
							   idxadv_restore_find_drop(&ext,
														PG_GETARG_TEXT_PP(0)));
	SPI_finish();
	PG_RETURN_INT64(jobid);
}

/*
 * Cancel a job, if the caller may (the role that requested it, a role with
 * its privileges, or a superuser): a queued job in this transaction, a
 * running one by interrupting its worker at commit.  A finished job is left
 * alone (with a notice when "verbose").  SPI must be connected.
 */
static idxadvCancelResult
idxadv_cancel_job(const idxadvExtInfo *ext, int64 jobid, bool verbose)
{
	Oid			requested_by;
	idxadvJobState state;

	if (!idxadv_job_lock(ext, jobid, &requested_by, &state))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index build job %lld does not exist",
						(long long) jobid)));
	if (!superuser() && !has_privs_of_role(GetUserId(), requested_by))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to cancel index build job %lld",
						(long long) jobid),
				 errdetail("Only the role that requested it, or a superuser, can cancel it.")));

	if (state == IDXADV_JOB_QUEUED)
	{
		idxadv_job_mark_cancelled(ext, jobid);
		return IDXADV_CANCEL_QUEUED;
	}
	if (state == IDXADV_JOB_RUNNING)
	{
		idxadv_job_request_cancel(ext, jobid);
		idxadv_queue_cancel_after_commit(jobid);
		return IDXADV_CANCEL_RUNNING;
	}
	if (verbose)
		ereport(NOTICE,
				(errmsg("index build job %lld has already finished (%s)",
						(long long) jobid, idxadv_job_state_name(state))));
	return IDXADV_CANCEL_FINISHED;
}

/*
 * idxadvisor_cancel(id) -> boolean: cancel a queued or running job.  Only
 * the role that requested it (or a role with its privileges) or a superuser
 * may.  A queued job is cancelled in this transaction; a running one is
 * interrupted at commit, and its worker removes the half-built index.
 * Returns false when the job had already finished.
 */
Datum
idxadvisor_cancel(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	bool		result;

	idxadv_check_writable("idxadvisor_cancel()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"id\" must not be null")));
	idxadv_require_extension(&ext);
	SPI_connect();
	result = idxadv_cancel_job(&ext, PG_GETARG_INT64(0), true) !=
		IDXADV_CANCEL_FINISHED;
	SPI_finish();
	PG_RETURN_BOOL(result);
}

/*
 * When idxadvisor_wait() gives up: now plus the timeout, which must not be
 * negative and must end within the timestamp range.
 */
static TimestampTz
idxadv_wait_deadline(Interval *iv)
{
	TimestampTz now = GetCurrentTimestamp();
	double		usecs;

	usecs = (double) iv->time +
		((double) iv->day + (double) iv->month * DAYS_PER_MONTH) *
		SECS_PER_DAY * USECS_PER_SEC;
	if (usecs < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("timeout must not be negative")));
	if (usecs >= (double) (END_TIMESTAMP - now))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timeout is out of range"),
				 errdetail("The timeout must end within the range of timestamps."),
				 errhint("Leave it NULL to wait without a timeout.")));
	return now + (TimestampTz) usecs;
}

/*
 * CALL idxadvisor_wait(id, timeout): wait for one job, or for every
 * unfinished job of this database that the caller can see.  Commits between
 * polls and sleeps with no snapshot and no transaction state that a
 * concurrent build would wait for.  Raises an error naming the first waited
 * job that failed or was cancelled, or when the timeout passes.
 */
Datum
idxadvisor_wait(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	bool		all = PG_ARGISNULL(0);
	int64		onejob = all ? 0 : PG_GETARG_INT64(0);
	TimestampTz deadline = 0;
	int64	   *ids = NULL;		/* jobs waited for, fixed at the first poll */
	int			nids = 0;
	Oid			me = GetUserId();
	bool		first = true;
	MemoryContext pollcxt;
	MemoryContext oldcxt;

	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("idxadvisor_wait() cannot run inside a transaction block"),
				 errdetail("A concurrent index build waits for every older transaction of the database to end; waiting for it inside a transaction would never end."),
				 errhint("Commit the transaction that queued the build, then CALL idxadvisor_wait() on its own.")));

	if (!PG_ARGISNULL(1))
		deadline = idxadv_wait_deadline(PG_GETARG_INTERVAL_P(1));
	idxadv_require_extension(&ext);

	/* SPI's procedure context survives the commits below */
	SPI_connect_ext(SPI_OPT_NONATOMIC);
	pollcxt = AllocSetContextCreate(CurrentMemoryContext,
									"idxadvisor_wait poll",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		idxadvJobStatus *jobs;
		int			n;
		int			i;
		bool		unfinished = false;

		oldcxt = MemoryContextSwitchTo(pollcxt);
		n = idxadv_job_statuses(&ext, me, all ? NULL : &onejob,
								all && !first ? ids : NULL, nids, &jobs);
		MemoryContextSwitchTo(oldcxt);

		if (!all && n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("index build job %lld does not exist",
							(long long) onejob)));
		if (all && first)
		{
			ids = palloc(sizeof(int64) * Max(n, 1));
			nids = n;
		}
		for (i = 0; i < n; i++)
		{
			if (all && first)
				ids[i] = jobs[i].id;
			/* with the SQLSTATE of the job's own error, when known */
			if (jobs[i].state == IDXADV_JOB_FAILED)
				ereport(ERROR,
						(errcode(jobs[i].sqlerrcode != 0 ? jobs[i].sqlerrcode :
								 ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("index build job %lld failed: %s",
								(long long) jobs[i].id,
								jobs[i].error ? jobs[i].error : "unknown error")));
			if (jobs[i].state == IDXADV_JOB_CANCELLED)
				ereport(ERROR,
						(errcode(ERRCODE_QUERY_CANCELED),
						 errmsg("index build job %lld was cancelled",
								(long long) jobs[i].id)));
			if (jobs[i].state != IDXADV_JOB_DONE)
				unfinished = true;
		}
		first = false;
		if (!unfinished)
			break;
		if (!idxadv_queue_available())
			idxadv_check_queue_available("idxadvisor_wait()");
		if (deadline != 0 && GetCurrentTimestamp() >= deadline)
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("timed out waiting for index build jobs"),
					 errdetail("The jobs keep running; idxadvisor_builds shows them.")));

		/* end the transaction: no snapshot, no xmin while we sleep */
		SPI_commit();
		MemoryContextReset(pollcxt);
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 IDXADV_WAIT_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	PG_RETURN_VOID();
}

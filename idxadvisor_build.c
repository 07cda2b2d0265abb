/*-------------------------------------------------------------------------
 *
 * idxadvisor_build.c
 *		Index builds from SQL: idxadvisor_create*(), idxadvisor_drop*(),
 *		idxadvisor_cancel(), idxadvisor_wait() and the build queue.
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
 * that is checked (ownership, relation kind, columns, access method,
 * expressions) and transformed here, and the DDL the worker runs is
 * regenerated from it: identifiers quoted from catalog data, expressions
 * deparsed with only pg_catalog on the search path so that everything else is
 * schema-qualified.  The worker parses that text again and runs it only if
 * it is exactly one index statement on the job's table.
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
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
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
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

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
	char	   *key;			/* the DDL without name: identifies a request */
} idxadvIndexSpec;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_create);
PG_FUNCTION_INFO_V1(idxadvisor_create_definition);
PG_FUNCTION_INFO_V1(idxadvisor_create_concurrently);
PG_FUNCTION_INFO_V1(idxadvisor_create_concurrently_definition);
PG_FUNCTION_INFO_V1(idxadvisor_drop);
PG_FUNCTION_INFO_V1(idxadvisor_drop_concurrently);
PG_FUNCTION_INFO_V1(idxadvisor_cancel);
PG_FUNCTION_INFO_V1(idxadvisor_wait);

static void idxadv_check_writable(const char *funcname);
static void idxadv_check_queue_available(const char *funcname);
static void idxadv_require_extension(idxadvExtInfo *info);
static IndexStmt *idxadv_stmt_from_columns(FunctionCallInfo fcinfo);
static IndexStmt *idxadv_stmt_from_definition(FunctionCallInfo fcinfo,
											  bool concurrent);
static void idxadv_check_table(Oid relid, bool concurrent);
static void idxadv_prepare_index(IndexStmt *stmt, bool concurrent,
								 idxadvIndexSpec *spec);
static char *idxadv_deparse_index(idxadvIndexSpec *spec, const char *idxname,
								  bool concurrent);
static char *idxadv_choose_name(idxadvIndexSpec *spec,
								const idxadvExtInfo *ext);
static void idxadv_check_droppable(Oid indexoid, bool concurrent);
static char *idxadv_qualified_name(Oid relid);

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
 * the caller owns it, it is an ordinary table, a partitioned table (not
 * concurrently) or a materialized view, not a system catalog, not another
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
		if (relkind == RELKIND_PARTITIONED_TABLE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot build an index concurrently on partitioned table \"%s\"",
							relname),
					 errdetail("PostgreSQL 15 does not support CREATE INDEX CONCURRENTLY on partitioned tables."),
					 errhint("Queue the build on each partition with idxadvisor_create_concurrently(), then create the index ON ONLY the parent with idxadvisor_create() and attach the partitions' indexes with ALTER INDEX ... ATTACH PARTITION.")));
	}
	relation_close(rel, NoLock);
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
 * Parse a whole CREATE INDEX statement: exactly one statement, an index
 * statement, and nothing else.  CONCURRENTLY is accepted by the queued
 * variant (which always builds concurrently) and refused by the
 * transactional one.
 */
static IndexStmt *
idxadv_stmt_from_definition(FunctionCallInfo fcinfo, bool concurrent)
{
	char	   *def;
	List	   *raw;
	RawStmt    *rs;
	IndexStmt  *stmt;
	Oid			relid;
	bool		inh;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"definition\" must not be null")));
	def = text_to_cstring(PG_GETARG_TEXT_PP(0));

	raw = raw_parser(def, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("definition must be exactly one CREATE INDEX statement"),
				 errdetail("It contains %d statements.", list_length(raw))));
	rs = linitial_node(RawStmt, raw);
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
	RangeVar   *rv = stmt->relation;
	bool		inh = rv->inh;
	Oid			relid;
	Oid			amoid;
	const IndexAmRoutine *amroutine;
	ListCell   *lc;
	int			natts;

	relid = RangeVarGetRelid(rv, AccessShareLock, false);
	idxadv_check_table(relid, concurrent);

	amoid = get_index_am_oid(stmt->accessMethod, false);
	amroutine = GetIndexAmRoutineByAmId(amoid, false);
	natts = list_length(stmt->indexParams);
	if (stmt->unique && !amroutine->amcanunique)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("access method \"%s\" does not support unique indexes",
						stmt->accessMethod)));
	if (stmt->indexIncludingParams != NIL && !amroutine->amcaninclude)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("access method \"%s\" does not support included columns",
						stmt->accessMethod)));
	if (natts > 1 && !amroutine->amcanmulticol)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("access method \"%s\" does not support multicolumn indexes",
						stmt->accessMethod)));
	if (natts + list_length(stmt->indexIncludingParams) > INDEX_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("cannot use more than %d columns in an index",
						INDEX_MAX_KEYS)));

	/* every named column must exist and be a user column */
	foreach(lc, list_concat_copy(stmt->indexParams,
								 stmt->indexIncludingParams))
	{
		IndexElem  *elem = lfirst_node(IndexElem, lc);

		if (elem->name == NULL)
		{
			if (list_member_ptr(stmt->indexIncludingParams, elem))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("expressions are not supported in included columns")));
			continue;
		}
		if (get_attnum(relid, elem->name) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							elem->name, get_rel_name(relid))));
	}

	if (stmt->tableSpace != NULL)
	{
		Oid			tsoid = get_tablespace_oid(stmt->tableSpace, false);

		if (tsoid != MyDatabaseTableSpace &&
			object_aclcheck(TableSpaceRelationId, tsoid, GetUserId(), ACL_CREATE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLESPACE,
						   stmt->tableSpace);
	}

	if (stmt->options != NIL)
	{
		Datum		reloptions;

		reloptions = transformRelOptions((Datum) 0, stmt->options, NULL, NULL,
										 false, false);
		(void) index_reloptions(amroutine->amoptions, reloptions, true);
	}

	/* parse analysis of expressions and predicate, as DefineIndex would */
	stmt = transformIndexStmt(relid, copyObject(stmt), NULL);
	stmt->relation->inh = inh;

	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = lfirst_node(IndexElem, lc);
		Oid			atttype;

		if (elem->expr != NULL)
		{
			if (contain_mutable_functions(elem->expr))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("functions in index expression must be marked IMMUTABLE")));
			atttype = exprType(elem->expr);
		}
		else
			atttype = get_atttype(relid, get_attnum(relid, elem->name));
		/* check the names now; the DDL names them qualified */
		if (elem->opclass != NIL)
			(void) ResolveOpClass(elem->opclass, atttype, stmt->accessMethod,
								  amoid);
		if (elem->collation != NIL)
			(void) get_collation_oid(elem->collation, false);
	}
	if (stmt->whereClause != NULL &&
		contain_mutable_functions(stmt->whereClause))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("functions in index predicate must be marked IMMUTABLE")));

	spec->relid = relid;
	spec->nspid = get_rel_namespace(relid);
	spec->relname = get_rel_name(relid);
	spec->stmt = stmt;
	spec->key = idxadv_deparse_index(spec, NULL, false);
}

/* Append a DefElem list as "(name = 'value', ...)" */
static void
idxadv_deparse_options(StringInfo buf, List *options)
{
	ListCell   *lc;
	bool		first = true;

	appendStringInfoChar(buf, '(');
	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (!first)
			appendStringInfoString(buf, ", ");
		first = false;
		if (def->defnamespace)
			appendStringInfo(buf, "%s.", quote_identifier(def->defnamespace));
		appendStringInfoString(buf, quote_identifier(def->defname));
		if (def->arg != NULL)
			appendStringInfo(buf, " = %s",
							 quote_literal_cstr(defGetString(def)));
	}
	appendStringInfoChar(buf, ')');
}

/*
 * Generate the DDL of a checked, transformed request.  Run with only
 * pg_catalog on the search_path, so that every object outside pg_catalog is
 * schema-qualified and the worker (which runs with the same search_path)
 * resolves exactly the same objects.  idxname NULL leaves the name out.
 */
static char *
idxadv_deparse_index(idxadvIndexSpec *spec, const char *idxname,
					 bool concurrent)
{
	IndexStmt  *stmt = spec->stmt;
	StringInfoData buf;
	List	   *dpcontext;
	ListCell   *lc;
	Oid			amoid = get_index_am_oid(stmt->accessMethod, false);
	int			nestlevel;
	bool		first;

	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	dpcontext = deparse_context_for(spec->relname, spec->relid);
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sINDEX %s",
					 stmt->unique ? "UNIQUE " : "",
					 concurrent ? "CONCURRENTLY " : "");
	if (idxname != NULL)
		appendStringInfo(&buf, "%s ", quote_identifier(idxname));
	appendStringInfo(&buf, "ON %s%s USING %s (",
					 stmt->relation->inh ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(spec->nspid),
												spec->relname),
					 quote_identifier(stmt->accessMethod));
	first = true;
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = lfirst_node(IndexElem, lc);
		Oid			atttype;

		if (!first)
			appendStringInfoString(&buf, ", ");
		first = false;
		if (elem->expr != NULL)
		{
			appendStringInfo(&buf, "(%s)",
							 deparse_expression(elem->expr, dpcontext,
												false, false));
			atttype = exprType(elem->expr);
		}
		else
		{
			appendStringInfoString(&buf, quote_identifier(elem->name));
			atttype = get_atttype(spec->relid,
								  get_attnum(spec->relid, elem->name));
		}
		if (elem->collation != NIL)
			appendStringInfo(&buf, " COLLATE %s",
							 generate_collation_name(get_collation_oid(elem->collation,
																	   false)));
		if (elem->opclass != NIL)
		{
			appendStringInfo(&buf, " %s",
							 generate_opclass_name(ResolveOpClass(elem->opclass,
																  atttype,
																  stmt->accessMethod,
																  amoid)));
			if (elem->opclassopts != NIL)
			{
				appendStringInfoChar(&buf, ' ');
				idxadv_deparse_options(&buf, elem->opclassopts);
			}
		}
		if (elem->ordering == SORTBY_ASC)
			appendStringInfoString(&buf, " ASC");
		else if (elem->ordering == SORTBY_DESC)
			appendStringInfoString(&buf, " DESC");
		if (elem->nulls_ordering == SORTBY_NULLS_FIRST)
			appendStringInfoString(&buf, " NULLS FIRST");
		else if (elem->nulls_ordering == SORTBY_NULLS_LAST)
			appendStringInfoString(&buf, " NULLS LAST");
	}
	appendStringInfoChar(&buf, ')');
	if (stmt->indexIncludingParams != NIL)
	{
		appendStringInfoString(&buf, " INCLUDE (");
		first = true;
		foreach(lc, stmt->indexIncludingParams)
		{
			IndexElem  *elem = lfirst_node(IndexElem, lc);

			if (!first)
				appendStringInfoString(&buf, ", ");
			first = false;
			appendStringInfoString(&buf, quote_identifier(elem->name));
		}
		appendStringInfoChar(&buf, ')');
	}
	if (stmt->nulls_not_distinct)
		appendStringInfoString(&buf, " NULLS NOT DISTINCT");
	if (stmt->options != NIL)
	{
		appendStringInfoString(&buf, " WITH ");
		idxadv_deparse_options(&buf, stmt->options);
	}
	if (stmt->tableSpace != NULL)
		appendStringInfo(&buf, " TABLESPACE %s",
						 quote_identifier(stmt->tableSpace));
	if (stmt->whereClause != NULL)
		appendStringInfo(&buf, " WHERE %s",
						 deparse_expression(stmt->whereClause, dpcontext,
											false, false));

	AtEOXact_GUC(true, nestlevel);
	return buf.data;
}

/*
 * Choose an index name the way CREATE INDEX does (table, columns, "idx" or
 * "key"), skipping names taken in the catalog or by unfinished jobs.
 */
static char *
idxadv_choose_name(idxadvIndexSpec *spec, const idxadvExtInfo *ext)
{
	StringInfoData cols;
	ListCell   *lc;
	const char *label = spec->stmt->unique ? "key" : "idx";
	int			pass;

	initStringInfo(&cols);
	foreach(lc, list_concat_copy(spec->stmt->indexParams,
								 spec->stmt->indexIncludingParams))
	{
		IndexElem  *elem = lfirst_node(IndexElem, lc);
		const char *colname = elem->name;

		if (colname == NULL)
			colname = (IsA(elem->expr, FuncExpr) &&
					   get_func_name(((FuncExpr *) elem->expr)->funcid)) ?
				get_func_name(((FuncExpr *) elem->expr)->funcid) : "expr";
		if (cols.len > 0)
			appendStringInfoChar(&cols, '_');
		appendStringInfoString(&cols, colname);
		if (cols.len >= NAMEDATALEN)
			break;
	}

	for (pass = 0;; pass++)
	{
		char		suffix[NAMEDATALEN];
		char	   *name;
		int64		jobid;

		if (pass == 0)
			strlcpy(suffix, label, sizeof(suffix));
		else
			snprintf(suffix, sizeof(suffix), "%s%d", label, pass);
		name = makeObjectName(spec->relname, cols.data, suffix);
		if (OidIsValid(get_relname_relid(name, spec->nspid)))
			continue;
		if (idxadv_job_find(ext, IDXADV_JOB_UNFINISHED,
							spec->nspid, name, InvalidOid, NULL, &jobid))
			continue;
		return name;
	}
}

/*
 * The index an existing relation of that name is, for a request on relid:
 * returns its OID (and whether it is valid), or raises the error CREATE
 * INDEX would when the name is taken by something else.
 */
static Oid
idxadv_existing_index(Oid nspid, const char *idxname, Oid relid, bool *valid)
{
	Oid			existing = get_relname_relid(idxname, nspid);
	HeapTuple	tup;
	Form_pg_index idx;

	if (!OidIsValid(existing))
		return InvalidOid;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(existing));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", idxname),
				 errdetail("It is not an index.")));
	idx = (Form_pg_index) GETSTRUCT(tup);
	if (idx->indrelid != relid)
	{
		ReleaseSysCache(tup);
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", idxname),
				 errdetail("It is an index of table \"%s\".",
						   get_rel_name(idx->indrelid))));
	}
	*valid = idx->indisvalid && idx->indisready;
	ReleaseSysCache(tup);
	return existing;
}

/* Schema-qualified, quoted name of a relation */
static char *
idxadv_qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
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
	char	   *idxname = stmt->idxname;
	char	   *command;
	int64		jobid;
	Oid			existing = InvalidOid;
	bool		valid = false;

	idxadv_require_extension(&ext);
	idxadv_prepare_index(stmt, concurrent, &spec);

	SPI_connect();

	if (idxname == NULL)
	{
		/*
		 * Same request again: the unfinished job for it, or the index a
		 * finished one built if it is still there and valid.
		 */
		if (idxadv_job_find(&ext, IDXADV_JOB_UNFINISHED,
							spec.nspid, NULL, spec.relid, spec.key, &jobid) &&
			concurrent)
		{
			SPI_finish();
			return jobid;
		}
		if (idxadv_job_find(&ext, IDXADV_JOB_MASK(IDXADV_JOB_DONE),
							spec.nspid, NULL, spec.relid, spec.key, &jobid))
		{
			char	   *name = idxadv_job_index_name(&ext, jobid);

			if (name != NULL)
			{
				existing = get_relname_relid(name, spec.nspid);
				if (OidIsValid(existing))
				{
					HeapTuple	tup = SearchSysCache1(INDEXRELID,
													  ObjectIdGetDatum(existing));

					if (HeapTupleIsValid(tup) &&
						((Form_pg_index) GETSTRUCT(tup))->indrelid == spec.relid &&
						((Form_pg_index) GETSTRUCT(tup))->indisvalid &&
						concurrent && idxadv_job_drop_pending(&ext, existing))
					{
						/* dropped first, then built again under its name */
						ReleaseSysCache(tup);
						idxname = pstrdup(name);
						tup = NULL;
					}
					else if (HeapTupleIsValid(tup) &&
							 ((Form_pg_index) GETSTRUCT(tup))->indrelid == spec.relid &&
							 ((Form_pg_index) GETSTRUCT(tup))->indisvalid)
					{
						ReleaseSysCache(tup);
						ereport(NOTICE,
								(errmsg("index \"%s\" already exists, skipping",
										name)));
						SPI_finish();
						*indexoid = existing;
						return jobid;
					}
					if (HeapTupleIsValid(tup))
						ReleaseSysCache(tup);
				}
			}
		}
		if (idxname == NULL)
			idxname = idxadv_choose_name(&spec, &ext);
		existing = InvalidOid;
	}
	else
	{
		existing = idxadv_existing_index(spec.nspid, idxname, spec.relid,
										 &valid);
		if (OidIsValid(existing) && valid &&
			!(concurrent && idxadv_job_drop_pending(&ext, existing)))
		{
			ereport(NOTICE,
					(errmsg("index \"%s\" already exists, skipping",
							idxname)));
			*indexoid = existing;
			if (!idxadv_job_find(&ext, IDXADV_JOB_MASK(IDXADV_JOB_DONE),
								 spec.nspid, idxname, spec.relid, NULL,
								 &jobid))
			{
				command = idxadv_deparse_index(&spec, idxname, concurrent);
				jobid = idxadv_job_insert(&ext, IDXADV_JOB_CREATE, spec.relid,
										  existing, spec.nspid, idxname,
										  command, spec.key, IDXADV_JOB_DONE);
			}
			SPI_finish();
			return jobid;
		}
		if (OidIsValid(existing) && valid)
			existing = InvalidOid;	/* built again after the queued drop */
		if (OidIsValid(existing))
			ereport(NOTICE,
					(errmsg("invalid index \"%s\" will be dropped and built again",
							idxname)));
	}

	command = idxadv_deparse_index(&spec, idxname, concurrent);
	if (concurrent)
	{
		jobid = idxadv_job_insert(&ext, IDXADV_JOB_CREATE, spec.relid, InvalidOid,
								  spec.nspid, idxname, command, spec.key,
								  IDXADV_JOB_QUEUED);
		SPI_finish();
		idxadv_queue_after_commit(jobid);
		return jobid;
	}

	/*
	 * Transactional build, as the caller, with the DDL we generated.  An
	 * invalid index of that name (from a failed concurrent build) is
	 * dropped first.
	 */
	{
		int			nestlevel = NewGUCNestLevel();

		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		if (OidIsValid(existing))
			SPI_execute(psprintf("DROP INDEX %s",
								 quote_qualified_identifier(get_namespace_name(spec.nspid),
															idxname)),
						false, 0);
		if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "CREATE INDEX failed");
		AtEOXact_GUC(true, nestlevel);
	}
	*indexoid = get_relname_relid(idxname, spec.nspid);
	jobid = idxadv_job_insert(&ext, IDXADV_JOB_CREATE, spec.relid, *indexoid,
							  spec.nspid, idxname, command, spec.key, IDXADV_JOB_DONE);
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

	/* constraints that use the index, the table's own and foreign keys */
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(contup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);

		if (con->conindid != indexoid)
			continue;
		if (con->contype == CONSTRAINT_FOREIGN)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot drop index \"%s\": foreign key \"%s\" of table \"%s\" depends on it",
							idxname, NameStr(con->conname),
							get_rel_name(con->conrelid)),
					 errhint("Drop the foreign key first: ALTER TABLE %s DROP CONSTRAINT %s.",
							 idxadv_qualified_name(con->conrelid),
							 quote_identifier(NameStr(con->conname)))));
		if (con->conrelid == relid)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot drop index \"%s\": it backs %s constraint \"%s\"",
							idxname,
							con->contype == CONSTRAINT_PRIMARY ? "primary key" :
							con->contype == CONSTRAINT_UNIQUE ? "unique" :
							con->contype == CONSTRAINT_EXCLUSION ? "exclusion" :
							"a", NameStr(con->conname)),
					 errhint("Drop the constraint instead: ALTER TABLE %s DROP CONSTRAINT %s.",
							 idxadv_qualified_name(relid),
							 quote_identifier(NameStr(con->conname)))));
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
}

/*
 * idxadvisor_drop(index regclass): DROP INDEX in the caller's transaction.
 */
Datum
idxadvisor_drop(PG_FUNCTION_ARGS)
{
	Oid			indexoid;
	int			nestlevel;
	char	   *command;

	idxadv_check_writable("idxadvisor_drop()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"index\" must not be null")));
	indexoid = PG_GETARG_OID(0);
	idxadv_check_droppable(indexoid, false);
	command = psprintf("DROP INDEX %s",
					   idxadv_qualified_name(indexoid));

	SPI_connect();
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_execute(command, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "DROP INDEX failed");
	AtEOXact_GUC(true, nestlevel);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * idxadvisor_drop_concurrently(index regclass) -> job id: queue a DROP INDEX
 * CONCURRENTLY.
 */
Datum
idxadvisor_drop_concurrently(PG_FUNCTION_ARGS)
{
	idxadvExtInfo ext;
	Oid			indexoid;
	Oid			relid;
	Oid			nspid;
	char	   *idxname;
	char	   *command;
	int64		jobid;

	idxadv_check_queue_available("idxadvisor_drop_concurrently()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"index\" must not be null")));
	indexoid = PG_GETARG_OID(0);
	idxadv_require_extension(&ext);
	idxadv_check_droppable(indexoid, true);
	relid = IndexGetRelation(indexoid, false);
	idxadv_check_table(relid, true);
	nspid = get_rel_namespace(indexoid);
	idxname = get_rel_name(indexoid);
	command = psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
					   quote_qualified_identifier(get_namespace_name(nspid),
												  idxname));
	SPI_connect();
	jobid = idxadv_job_insert(&ext, IDXADV_JOB_DROP, relid, indexoid, nspid, idxname,
							  command, command, IDXADV_JOB_QUEUED);
	SPI_finish();
	idxadv_queue_after_commit(jobid);
	PG_RETURN_INT64(jobid);
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
	int64		jobid;
	Oid			requested_by;
	idxadvJobState state;
	bool		result = true;

	idxadv_check_writable("idxadvisor_cancel()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"id\" must not be null")));
	jobid = PG_GETARG_INT64(0);
	idxadv_require_extension(&ext);

	SPI_connect();
	if (!idxadv_job_lock(&ext, jobid, &requested_by, &state))
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
		idxadv_job_mark_cancelled(&ext, jobid);
	else if (state == IDXADV_JOB_RUNNING)
	{
		idxadv_job_request_cancel(&ext, jobid);
		idxadv_queue_cancel_after_commit(jobid);
	}
	else
	{
		ereport(NOTICE,
				(errmsg("index build job %lld has already finished (%s)",
						(long long) jobid, idxadv_job_state_name(state))));
		result = false;
	}
	SPI_finish();
	PG_RETURN_BOOL(result);
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
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(1);
		double		secs;

		secs = (double) iv->time / USECS_PER_SEC +
			(double) iv->day * SECS_PER_DAY +
			(double) iv->month * DAYS_PER_MONTH * SECS_PER_DAY;
		if (secs < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("timeout must not be negative")));
		deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											   (int64) (secs * 1000.0));
	}
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
			if (jobs[i].state == IDXADV_JOB_FAILED)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
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

/*-------------------------------------------------------------------------
 *
 * idxadvisor_ddl.c
 *		Index definitions, index names and the DDL text of indexes: the one
 *		place that writes CREATE INDEX, DROP INDEX and REINDEX for the
 *		builds, the reports and the suggestions.
 *
 * An index is described by an idxadvIndexDef (idxadvisor.h): the table, the
 * access method, key columns by attnum or analyzed expression with their
 * operator class, class options, collation and ordering, INCLUDE columns,
 * storage options, tablespace and predicate.  A definition comes from one of
 * three places:
 *
 *	- filled in by the caller (the reports, the suggestions): attnums, and
 *	  zeroes for "the default" (btree, default operator class, the column's
 *	  collation, ASC NULLS LAST);
 *	- idxadv_index_def_from_stmt(): a CREATE INDEX request, checked the way
 *	  DefineIndex() and index_create() check it before they build anything,
 *	  with PostgreSQL's own functions (ResolveOpClass, index_reloptions, the
 *	  class's options procedure, GetDefaultTablespace, CheckAttributeType ...),
 *	  in the same order and with the same SQLSTATEs, so that what a build
 *	  worker would refuse is refused in the caller's transaction;
 *	- idxadv_index_def_from_index(): an existing index, read from pg_index
 *	  without evaluating anything (expressions are not constant-folded).
 *
 * idxadv_index_ddl() writes a definition as text (idxadv_drop_index_ddl,
 * idxadv_reindex_ddl and idxadv_attach_partition_ddl the other statements):
 * always named when a name is given, the table schema-qualified, every
 * identifier quoted, operator classes and collations written only when they
 * are not the default (as pg_get_indexdef() does), expressions deparsed
 * with only pg_catalog on the search_path so that everything else is
 * qualified.  Written without a name it is the definition's key: two
 * definitions are the same index exactly when their keys are equal
 * (idxadv_index_def_equal), which is how a request is matched with an
 * existing index or job.
 *
 * Text is only a faithful carrier of a definition when it is written and
 * read under the same settings: DateStyle changes how a date constant is
 * written and read, standard_conforming_strings how a literal is read,
 * extra_float_digits how many digits a float keeps, and so on.  DDL text is
 * therefore always written, and always run, under the settings of
 * idxadv_ddl_settings (the ones pg_dump pins, plus the few that change how a
 * constant is read back): idxadv_ddl_settings_begin()/_end() around writing
 * or running it in a backend, idxadv_ddl_settings_session() in a build
 * worker.
 *
 * idxadv_ddl_choose_name() chooses the name CREATE INDEX would choose
 * (table, columns, "idx" or "key", then a number), except that a name
 * already holding the same definition is "ours" and chosen again: a re-run
 * never creates an _idx1 sibling.  The caller can add its own notion of
 * "ours" and "taken" (the build queue's unfinished jobs).
 *
 * No state, no locking of its own: the caller holds a lock on the table
 * (AccessShareLock is enough to read the definitions).
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/attmap.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/reloptions.h"
#include "access/sysattr.h"
#include "catalog/heap.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_tablespace.h"
#include "commands/defrem.h"
#include "commands/tablespace.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "rewrite/rewriteManip.h"
#include "optimizer/optimizer.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "idxadvisor.h"

/*
 * Settings under which DDL text is written and read.  pg_dump pins DateStyle,
 * IntervalStyle, extra_float_digits, standard_conforming_strings, xmloption
 * and search_path for the same reason; the others change how a constant is
 * written or read back (bytea_output, array_nulls, lc_monetary, TimeZone for
 * a canonical key), where an index without TABLESPACE goes
 * (default_tablespace: the definition says it), or how a statement is
 * analyzed (transform_null_equals).
 */
static const struct
{
	const char *name;
	const char *value;
}			idxadv_ddl_settings[] =
{
	{"search_path", "pg_catalog, pg_temp"},
	{"DateStyle", "ISO, MDY"},
	{"IntervalStyle", "postgres"},
	{"extra_float_digits", "3"},
	{"standard_conforming_strings", "on"},
	{"backslash_quote", "safe_encoding"},
	{"bytea_output", "hex"},
	{"xmloption", "content"},
	{"array_nulls", "on"},
	{"lc_monetary", "C"},
	{"TimeZone", "UTC"},
	{"default_tablespace", ""},
	{"transform_null_equals", "off"},
	{"quote_all_identifiers", "off"},
};

static Oid	idxadv_column_type(const idxadvIndexDef *def, int i);
static Oid	idxadv_column_collation(const idxadvIndexDef *def, int i);
static void idxadv_check_opclass_options(Oid opclass, Oid amoid,
										 Datum options);
static bool idxadv_expr_is_mutable(Node *expr, Oid relowner);
static void idxadv_def_column_from_elem(idxadvIndexDef *def, int attn,
										IndexElem *elem, Oid relowner,
										bool amcanorder);
static void idxadv_append_options(StringInfo buf, Datum options);
static int16 idxadv_def_indoption(IndexElem *elem, const char *amname,
								  bool amcanorder);
static Oid	idxadv_def_tablespace(IndexStmt *stmt, Relation rel);
static void idxadv_def_check_columns(const idxadvIndexDef *def);
static const char *idxadv_opclass_name(Oid opclass);
static const char *idxadv_column_name_part(const idxadvIndexDef *def, int i);

/*
 * Pin the DDL settings until idxadv_ddl_settings_end() (or the end of the
 * (sub)transaction).  Returns the GUC nest level to pass to _end().
 */
int
idxadv_ddl_settings_begin(void)
{
	int			nestlevel = NewGUCNestLevel();
	int			i;

	for (i = 0; i < lengthof(idxadv_ddl_settings); i++)
		(void) set_config_option(idxadv_ddl_settings[i].name,
								 idxadv_ddl_settings[i].value,
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
idxadv_ddl_settings_end(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Pin the DDL settings for the rest of the session, above role and database
 * settings: for a build worker, whose DDL commits transactions of its own.
 */
void
idxadv_ddl_settings_session(void)
{
	int			i;

	for (i = 0; i < lengthof(idxadv_ddl_settings); i++)
		SetConfigOption(idxadv_ddl_settings[i].name,
						idxadv_ddl_settings[i].value,
						PGC_SUSET, PGC_S_OVERRIDE);
}

/*
 * Start a definition of a plain btree index of relid with no column: the
 * caller adds columns with idxadv_index_def_add_column() or fills them in.
 */
void
idxadv_index_def_init(idxadvIndexDef *def, Oid relid)
{
	memset(def, 0, sizeof(idxadvIndexDef));
	def->relid = relid;
	def->amoid = BTREE_AM_OID;
}

/* Append a key column (before any INCLUDE column) with default options */
void
idxadv_index_def_add_column(idxadvIndexDef *def, AttrNumber attnum)
{
	Assert(def->ncols == def->nkeycols);
	if (def->ncols >= INDEX_MAX_KEYS)
		elog(ERROR, "too many index columns");
	def->cols[def->ncols].attnum = attnum;
	def->ncols++;
	def->nkeycols++;
}

/* The type of a column of the definition */
static Oid
idxadv_column_type(const idxadvIndexDef *def, int i)
{
	const idxadvIndexColumn *col = &def->cols[i];

	if (col->attnum != 0)
		return get_atttype(def->relid, col->attnum);
	return exprType(col->expr);
}

/* The collation a column has without a COLLATE clause */
static Oid
idxadv_column_collation(const idxadvIndexDef *def, int i)
{
	const idxadvIndexColumn *col = &def->cols[i];
	Oid			typid;
	int32		typmod;
	Oid			collid;

	if (col->attnum != 0)
	{
		get_atttypetypmodcoll(def->relid, col->attnum, &typid, &typmod,
							  &collid);
		return collid;
	}
	return exprCollation(col->expr);
}

/*
 * Validate operator class options as index_opclass_options() does when
 * index_create() stores them: through the class's options procedure, or
 * "has no options" when it has none.
 */
static void
idxadv_check_opclass_options(Oid opclass, Oid amoid, Datum options)
{
	const IndexAmRoutine *amroutine = GetIndexAmRoutineByAmId(amoid, false);
	Oid			opfamily;
	Oid			opcintype;
	Oid			procid = InvalidOid;
	local_relopts relopts;

	if (!get_opclass_opfamily_and_input_type(opclass, &opfamily, &opcintype))
		elog(ERROR, "cache lookup failed for operator class %u", opclass);
	if (amroutine->amoptsprocnum != 0)
		procid = get_opfamily_proc(opfamily, opcintype, opcintype,
								   amroutine->amoptsprocnum);
	if (!OidIsValid(procid))
	{
		if (DatumGetPointer(options) == NULL)
			return;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("operator class %s has no options",
						generate_opclass_name(opclass))));
	}
	init_local_reloptions(&relopts, 0);
	(void) OidFunctionCall1(procid, PointerGetDatum(&relopts));
	(void) build_local_reloptions(&relopts, options, true);
}

/*
 * CheckMutability() of indexcmds.c: plan the expression (which inlines and
 * folds, as CREATE INDEX does), then look for mutable functions.  Planning
 * may run the table owner's functions, so it runs as the table owner in a
 * security-restricted operation, as DefineIndex() runs it.
 */
static bool
idxadv_expr_is_mutable(Node *expr, Oid relowner)
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	bool		result;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(relowner, save_sec | SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	result = contain_mutable_functions((Node *) expression_planner((Expr *) expr));
	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
	return result;
}

/*
 * A key column's ordering options (pg_index.indoption), as
 * ComputeIndexAttrs() sets them: DESC, NULLS FIRST (the default with DESC),
 * and none at all for an access method that does not order.
 */
static int16
idxadv_def_indoption(IndexElem *elem, const char *amname, bool amcanorder)
{
	int16		indoption = 0;

	if (!amcanorder)
	{
		if (elem->ordering != SORTBY_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("access method \"%s\" does not support ASC/DESC options",
							amname)));
		if (elem->nulls_ordering != SORTBY_NULLS_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("access method \"%s\" does not support NULLS FIRST/LAST options",
							amname)));
		return 0;
	}
	if (elem->ordering == SORTBY_DESC)
		indoption |= INDOPTION_DESC;
	if (elem->nulls_ordering == SORTBY_NULLS_FIRST ||
		(elem->nulls_ordering == SORTBY_NULLS_DEFAULT &&
		 elem->ordering == SORTBY_DESC))
		indoption |= INDOPTION_NULLS_FIRST;
	return indoption;
}

/*
 * One column of a request, as ComputeIndexAttrs() computes it: the column
 * or expression (a bare "(column)" is the column), its type and collation,
 * operator class, class options and ordering, with the same checks.
 */
static void
idxadv_def_column_from_elem(idxadvIndexDef *def, int attn, IndexElem *elem,
							Oid relowner, bool amcanorder)
{
	idxadvIndexColumn *col = &def->cols[attn];
	const char *amname = get_am_name(def->amoid);
	Oid			atttype;
	Oid			attcollation;

	col->colname = elem->indexcolname ? elem->indexcolname : elem->name;
	if (elem->name != NULL)
	{
		HeapTuple	atttup = SearchSysCacheAttName(def->relid, elem->name);
		Form_pg_attribute att;

		if (!HeapTupleIsValid(atttup))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" does not exist", elem->name)));
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		col->attnum = att->attnum;
		atttype = att->atttypid;
		attcollation = att->attcollation;
		ReleaseSysCache(atttup);
	}
	else
	{
		Node	   *expr = elem->expr;

		if (attn >= def->nkeycols)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("expressions are not supported in included columns")));
		atttype = exprType(expr);
		attcollation = exprCollation(expr);
		while (IsA(expr, CollateExpr))
			expr = (Node *) ((CollateExpr *) expr)->arg;
		if (IsA(expr, Var) && ((Var *) expr)->varattno != InvalidAttrNumber)
			col->attnum = ((Var *) expr)->varattno;
		else
		{
			col->expr = expr;
			if (idxadv_expr_is_mutable(expr, relowner))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("functions in index expression must be marked IMMUTABLE")));
		}
	}

	if (attn >= def->nkeycols)
	{
		if (elem->collation)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("including column does not support a collation")));
		if (elem->opclass)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("including column does not support an operator class")));
		if (elem->ordering != SORTBY_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("including column does not support ASC/DESC options")));
		if (elem->nulls_ordering != SORTBY_NULLS_DEFAULT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("including column does not support NULLS FIRST/LAST options")));
		return;
	}

	if (elem->collation)
		attcollation = get_collation_oid(elem->collation, false);
	if (type_is_collatable(atttype))
	{
		if (!OidIsValid(attcollation))
			ereport(ERROR,
					(errcode(ERRCODE_INDETERMINATE_COLLATION),
					 errmsg("could not determine which collation to use for index expression"),
					 errhint("Use the COLLATE clause to set the collation explicitly.")));
	}
	else if (OidIsValid(attcollation))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("collations are not supported by type %s",
						format_type_be(atttype))));
	col->collation = attcollation;
	col->opclass = ResolveOpClass(elem->opclass, atttype, amname, def->amoid);
	col->indoption = idxadv_def_indoption(elem, amname, amcanorder);
	if (elem->opclassopts != NIL)
		col->opclassopts = transformRelOptions((Datum) 0, elem->opclassopts,
											   NULL, NULL, false, false);
}

/* An operator class's unqualified name, for messages */
static const char *
idxadv_opclass_name(Oid opclass)
{
	HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	char	   *name;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator class %u", opclass);
	name = pstrdup(NameStr(((Form_pg_opclass) GETSTRUCT(tup))->opcname));
	ReleaseSysCache(tup);
	return name;
}

/*
 * The tablespace of a request, as DefineIndex() resolves and checks it: the
 * one named, or the one the caller's default_tablespace gives.  InvalidOid
 * for the database's default, so that the DDL names it only when needed.
 */
static Oid
idxadv_def_tablespace(IndexStmt *stmt, Relation rel)
{
	bool		partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	Oid			tablespace;

	if (stmt->tableSpace)
	{
		tablespace = get_tablespace_oid(stmt->tableSpace, false);
		if (partitioned && tablespace == MyDatabaseTableSpace)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot specify default tablespace for partitioned relations")));
	}
	else
		tablespace = GetDefaultTablespace(rel->rd_rel->relpersistence,
										  partitioned);
	if (OidIsValid(tablespace) && tablespace != MyDatabaseTableSpace)
	{
		AclResult	aclresult = object_aclcheck(TableSpaceRelationId,
												tablespace, GetUserId(),
												ACL_CREATE);

		if (aclresult != ACLCHECK_OK)
			aclcheck_error(aclresult, OBJECT_TABLESPACE,
						   get_tablespace_name(tablespace));
	}
	if (tablespace == GLOBALTABLESPACE_OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("only shared relations can be placed in pg_global tablespace")));
	return tablespace == MyDatabaseTableSpace ? InvalidOid : tablespace;
}

/*
 * The checks of the columns DefineIndex() makes after ComputeIndexAttrs()
 * (no system columns, in columns, expressions or predicate), and those
 * index_create() makes before it writes the catalogs (storable expression
 * types, pattern classes with nondeterministic collations, class options).
 */
static void
idxadv_def_check_columns(const idxadvIndexDef *def)
{
	Bitmapset  *attrs = NULL;
	int			i;

	for (i = 0; i < def->ncols; i++)
	{
		if (def->cols[i].attnum < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("index creation on system columns is not supported")));
		pull_varattnos(def->cols[i].expr, 1, &attrs);
	}
	pull_varattnos(def->predicate, 1, &attrs);
	for (i = FirstLowInvalidHeapAttributeNumber + 1; i < 0; i++)
		if (bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("index creation on system columns is not supported")));

	for (i = 0; i < def->ncols; i++)
	{
		const idxadvIndexColumn *col = &def->cols[i];

		if (col->expr != NULL)
			CheckAttributeType(col->colname ? col->colname : "expr",
							   exprType(col->expr), col->collation, NIL, 0);
		if (i >= def->nkeycols)
			continue;
		if (OidIsValid(col->collation) &&
			(col->opclass == TEXT_BTREE_PATTERN_OPS_OID ||
			 col->opclass == VARCHAR_BTREE_PATTERN_OPS_OID ||
			 col->opclass == BPCHAR_BTREE_PATTERN_OPS_OID) &&
			!get_collation_isdeterministic(col->collation))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("nondeterministic collations are not supported for operator class \"%s\"",
							idxadv_opclass_name(col->opclass))));
		idxadv_check_opclass_options(col->opclass, def->amoid,
									 col->opclassopts);
	}
}

/*
 * Turn a CREATE INDEX request, already through transformIndexStmt() and on a
 * table the caller checked and locked, into a definition, raising every
 * error DefineIndex() and index_create() would raise before building
 * (except those about the index name, which the caller resolves, and those
 * of constraints and partitioned unique indexes, which a request cannot
 * ask for or which are only built in the caller's transaction).
 */
void
idxadv_index_def_from_stmt(IndexStmt *stmt, Oid relid, idxadvIndexDef *def)
{
	List	   *allparams;
	Relation	rel;
	Oid			nspid;
	Oid			relowner;
	bool		partitioned;
	HeapTuple	amtup;
	const IndexAmRoutine *amroutine;
	AclResult	aclresult;
	ListCell   *lc;
	int			attn;

	idxadv_index_def_init(def, relid);
	allparams = list_concat_copy(stmt->indexParams,
								 stmt->indexIncludingParams);
	def->nkeycols = list_length(stmt->indexParams);
	def->ncols = list_length(allparams);
	if (def->nkeycols <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("must specify at least one column")));
	if (def->ncols > INDEX_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("cannot use more than %d columns in an index",
						INDEX_MAX_KEYS)));

	rel = relation_open(relid, NoLock);
	nspid = RelationGetNamespace(rel);
	relowner = rel->rd_rel->relowner;
	partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	def->only = partitioned && !stmt->relation->inh;

	aclresult = object_aclcheck(NamespaceRelationId, nspid, GetUserId(), ACL_CREATE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_SCHEMA, get_namespace_name(nspid));

	def->tablespace = idxadv_def_tablespace(stmt, rel);

	/* access method */
	amtup = SearchSysCache1(AMNAME, PointerGetDatum(stmt->accessMethod));
	if (!HeapTupleIsValid(amtup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("access method \"%s\" does not exist",
						stmt->accessMethod)));
	def->amoid = ((Form_pg_am) GETSTRUCT(amtup))->oid;
	ReleaseSysCache(amtup);
	amroutine = GetIndexAmRoutineByAmId(def->amoid, false);
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
	if (def->nkeycols > 1 && !amroutine->amcanmulticol)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("access method \"%s\" does not support multicolumn indexes",
						stmt->accessMethod)));
	def->unique = stmt->unique;
	def->nulls_not_distinct = stmt->nulls_not_distinct;

	/* predicate, stored as index_create() stores it */
	if (stmt->whereClause)
	{
		if (idxadv_expr_is_mutable(stmt->whereClause, relowner))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("functions in index predicate must be marked IMMUTABLE")));
		def->predicate = (Node *)
			make_ands_explicit(make_ands_implicit((Expr *) stmt->whereClause));
	}

	def->reloptions = transformRelOptions((Datum) 0, stmt->options,
										  NULL, NULL, false, false);
	(void) index_reloptions(amroutine->amoptions, def->reloptions, true);

	attn = 0;
	foreach(lc, allparams)
		idxadv_def_column_from_elem(def, attn++, lfirst_node(IndexElem, lc),
									relowner, amroutine->amcanorder);

	idxadv_def_check_columns(def);
	relation_close(rel, NoLock);
}

/*
 * Read an existing index into a definition.  Expressions and predicate are
 * read as stored, never planned or folded: this runs no user code.
 */
void
idxadv_index_def_from_index(Oid indexoid, idxadvIndexDef *def)
{
	HeapTuple	idxtup;
	HeapTuple	reltup;
	Form_pg_index idx;
	Form_pg_class relform;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcollation;
	int2vector *indoption;
	List	   *exprs = NIL;
	ListCell   *lc;
	int			i;

	idxtup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(idxtup))
		elog(ERROR, "cache lookup failed for index %u", indexoid);
	reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(reltup))
		elog(ERROR, "cache lookup failed for relation %u", indexoid);
	idx = (Form_pg_index) GETSTRUCT(idxtup);
	relform = (Form_pg_class) GETSTRUCT(reltup);

	idxadv_index_def_init(def, idx->indrelid);
	def->amoid = relform->relam;
	def->unique = idx->indisunique;
	def->nulls_not_distinct = idx->indnullsnotdistinct;
	def->ncols = idx->indnatts;
	def->nkeycols = idx->indnkeyatts;
	def->tablespace = relform->reltablespace;
	def->only = relform->relkind == RELKIND_PARTITIONED_INDEX &&
		!idx->indisvalid;
	d = SysCacheGetAttr(RELOID, reltup, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
		def->reloptions = datumCopy(d, false, -1);

	d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indclass, &isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indcollation,
						&isnull);
	indcollation = (oidvector *) DatumGetPointer(d);
	d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indoption, &isnull);
	indoption = (int2vector *) DatumGetPointer(d);
	d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indexprs, &isnull);
	if (!isnull)
		exprs = (List *) stringToNode(TextDatumGetCString(d));
	d = SysCacheGetAttr(INDEXRELID, idxtup, Anum_pg_index_indpred, &isnull);
	if (!isnull)
		def->predicate = (Node *) stringToNode(TextDatumGetCString(d));

	lc = list_head(exprs);
	for (i = 0; i < def->ncols; i++)
	{
		idxadvIndexColumn *col = &def->cols[i];

		col->attnum = idx->indkey.values[i];
		if (col->attnum == 0)
		{
			col->expr = (Node *) lfirst(lc);
			lc = lnext(exprs, lc);
		}
		if (i >= def->nkeycols)
			continue;
		col->opclass = indclass->values[i];
		col->collation = indcollation->values[i];
		col->indoption = indoption->values[i];
		col->opclassopts = get_attoptions(indexoid, i + 1);
	}
	ReleaseSysCache(reltup);
	ReleaseSysCache(idxtup);
}

/* Append a text[] of "name=value" as "(name = 'value', ...)" */
static void
idxadv_append_options(StringInfo buf, Datum options)
{
	Datum	   *elems;
	int			nelems;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(options), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, NULL, &nelems);
	appendStringInfoChar(buf, '(');
	for (i = 0; i < nelems; i++)
	{
		char	   *opt = TextDatumGetCString(elems[i]);
		char	   *eq = strchr(opt, '=');

		if (i > 0)
			appendStringInfoString(buf, ", ");
		if (eq != NULL)
			*eq = '\0';
		appendStringInfoString(buf, quote_identifier(opt));
		if (eq != NULL)
			appendStringInfo(buf, " = %s", quote_literal_cstr(eq + 1));
	}
	appendStringInfoChar(buf, ')');
}

/*
 * The DDL of a definition: CREATE [UNIQUE] INDEX [CONCURRENTLY] [name] ON
 * [ONLY] schema.table USING am (...) [INCLUDE (...)] [NULLS NOT DISTINCT]
 * [WITH (...)] [TABLESPACE ...] [WHERE ...].  name NULL gives the key.
 * Written under the DDL settings, whatever the caller's are.
 */
char *
idxadv_index_ddl(const idxadvIndexDef *def, const char *name, int flags)
{
	StringInfoData buf;
	List	   *dpcontext = NIL;
	char	   *relname = get_rel_name(def->relid);
	int			nestlevel;
	int			i;

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", def->relid);
	nestlevel = idxadv_ddl_settings_begin();
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sINDEX %s",
					 def->unique ? "UNIQUE " : "",
					 (flags & IDXADV_DDL_CONCURRENTLY) ? "CONCURRENTLY " : "");
	if (flags & IDXADV_DDL_IF_NOT_EXISTS)
		appendStringInfoString(&buf, "IF NOT EXISTS ");
	if (name != NULL)
		appendStringInfo(&buf, "%s ", quote_identifier(name));
	appendStringInfo(&buf, "ON %s%s USING %s (",
					 def->only ? "ONLY " : "",
					 idxadv_ddl_relation_name(def->relid),
					 quote_identifier(get_am_name(def->amoid)));
	for (i = 0; i < def->ncols; i++)
	{
		const idxadvIndexColumn *col = &def->cols[i];

		if (i == def->nkeycols)
			appendStringInfoString(&buf, ") INCLUDE (");
		else if (i > 0)
			appendStringInfoString(&buf, ", ");
		if (col->attnum != 0)
			appendStringInfoString(&buf,
								   quote_identifier(get_attname(def->relid,
																col->attnum,
																false)));
		else
		{
			/*
			 * deparse_context_for() opens the table for its column names:
			 * only when an expression needs it, so that a plain column list
			 * is written without a lock (the reports lock nothing).
			 */
			if (dpcontext == NIL)
				dpcontext = deparse_context_for(relname, def->relid);
			appendStringInfo(&buf, "(%s)",
							 deparse_expression(col->expr, dpcontext,
												false, false));
		}
		if (i >= def->nkeycols)
			continue;
		if (OidIsValid(col->collation) &&
			col->collation != idxadv_column_collation(def, i))
			appendStringInfo(&buf, " COLLATE %s",
							 generate_collation_name(col->collation));
		if ((OidIsValid(col->opclass) &&
			 col->opclass != GetDefaultOpClass(idxadv_column_type(def, i),
											   def->amoid)) ||
			DatumGetPointer(col->opclassopts) != NULL)
		{
			Oid			opclass = col->opclass;

			if (!OidIsValid(opclass))
				opclass = GetDefaultOpClass(idxadv_column_type(def, i),
											def->amoid);
			appendStringInfo(&buf, " %s", generate_opclass_name(opclass));
			if (DatumGetPointer(col->opclassopts) != NULL)
			{
				appendStringInfoChar(&buf, ' ');
				idxadv_append_options(&buf, col->opclassopts);
			}
		}
		if (col->indoption & INDOPTION_DESC)
		{
			appendStringInfoString(&buf, " DESC");
			if (!(col->indoption & INDOPTION_NULLS_FIRST))
				appendStringInfoString(&buf, " NULLS LAST");
		}
		else if (col->indoption & INDOPTION_NULLS_FIRST)
			appendStringInfoString(&buf, " NULLS FIRST");
	}
	appendStringInfoChar(&buf, ')');
	if (def->nulls_not_distinct)
		appendStringInfoString(&buf, " NULLS NOT DISTINCT");
	if (DatumGetPointer(def->reloptions) != NULL)
	{
		appendStringInfoString(&buf, " WITH ");
		idxadv_append_options(&buf, def->reloptions);
	}
	if (OidIsValid(def->tablespace))
		appendStringInfo(&buf, " TABLESPACE %s",
						 quote_identifier(get_tablespace_name(def->tablespace)));
	if (def->predicate != NULL)
	{
		if (dpcontext == NIL)
			dpcontext = deparse_context_for(relname, def->relid);
		appendStringInfo(&buf, " WHERE %s",
						 deparse_expression(def->predicate, dpcontext,
											false, false));
	}
	idxadv_ddl_settings_end(nestlevel);
	return buf.data;
}

/*
 * The definition of def's index on a partition of def's table, as
 * DefineIndex gives a partitioned index's partitions theirs: columns,
 * expressions and predicate renumbered by column name (a partition may
 * number its columns differently), ON ONLY when the partition is itself
 * partitioned.  The caller holds a lock on both tables.
 */
void
idxadv_index_def_for_partition(const idxadvIndexDef *def, Oid partid,
							   idxadvIndexDef *part)
{
	Relation	parentrel = relation_open(def->relid, NoLock);
	Relation	partrel = relation_open(partid, NoLock);
	AttrMap    *map = build_attrmap_by_name(RelationGetDescr(partrel),
											RelationGetDescr(parentrel),
											false);
	bool		whole_row;
	int			i;

	*part = *def;
	part->relid = partid;
	part->only = partrel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	for (i = 0; i < def->ncols; i++)
	{
		idxadvIndexColumn *col = &part->cols[i];

		if (col->attnum > 0)
			col->attnum = map->attnums[col->attnum - 1];
		else if (col->expr != NULL)
			col->expr = map_variable_attnos(copyObject(col->expr), 1, 0, map,
											InvalidOid, &whole_row);
	}
	if (def->predicate != NULL)
		part->predicate = map_variable_attnos(copyObject(def->predicate), 1, 0,
											  map, InvalidOid, &whole_row);
	free_attrmap(map);
	relation_close(partrel, NoLock);
	relation_close(parentrel, NoLock);
}

/* Do two definitions describe the same index (same key)? */
bool
idxadv_index_def_equal(const idxadvIndexDef *a, const idxadvIndexDef *b)
{
	return a->relid == b->relid &&
		strcmp(idxadv_index_ddl(a, NULL, 0), idxadv_index_ddl(b, NULL, 0)) == 0;
}

/* Quoted, schema-qualified name of a relation */
char *
idxadv_ddl_relation_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  relname);
}

/* DROP INDEX [CONCURRENTLY] [IF EXISTS] schema.name */
char *
idxadv_drop_index_ddl(Oid nspid, const char *name, int flags)
{
	return psprintf("DROP INDEX %s%s%s",
					(flags & IDXADV_DDL_CONCURRENTLY) ? "CONCURRENTLY " : "",
					(flags & IDXADV_DDL_IF_EXISTS) ? "IF EXISTS " : "",
					quote_qualified_identifier(get_namespace_name(nspid),
											   name));
}

/* REINDEX INDEX [CONCURRENTLY] schema.name */
char *
idxadv_reindex_ddl(Oid indexoid, int flags)
{
	return psprintf("REINDEX INDEX %s%s",
					(flags & IDXADV_DDL_CONCURRENTLY) ? "CONCURRENTLY " : "",
					idxadv_ddl_relation_name(indexoid));
}

/*
 * ALTER INDEX schema.parent ATTACH PARTITION schema.child: the last step of
 * building a partitioned table's index without blocking writes (each
 * partition's index concurrently, then the parent's ON ONLY, then attach).
 */
char *
idxadv_attach_partition_ddl(Oid parent_nspid, const char *parent,
							Oid child_nspid, const char *child)
{
	return psprintf("ALTER INDEX %s ATTACH PARTITION %s",
					quote_qualified_identifier(get_namespace_name(parent_nspid),
											   parent),
					quote_qualified_identifier(get_namespace_name(child_nspid),
											   child));
}

/*
 * The name a column gives the index name: what ChooseIndexColumnNames()
 * takes (the request's column name for an expression, else the table
 * column's name, else "expr").
 */
static const char *
idxadv_column_name_part(const idxadvIndexDef *def, int i)
{
	const idxadvIndexColumn *col = &def->cols[i];

	if (col->colname != NULL)
		return col->colname;
	if (col->attnum > 0)
		return get_attname(def->relid, col->attnum, false);
	return "expr";
}

/*
 * Choose the index name of a definition, as CREATE INDEX would choose it
 * (ChooseIndexColumnNames, ChooseIndexNameAddition, ChooseRelationName):
 * "table_col1_col2_idx" ("_key" when unique), then "_idx1", "_idx2" ...
 * For each candidate, the relation of that name in the table's schema, if
 * any, is looked at: an index of the same table with the same definition is
 * ours and chosen (its OID returned in *existing, whether it is valid or
 * not), anything else is skipped.  check, if not NULL, then decides: it sees
 * the candidate, the relation of that name (InvalidOid if none) and whether
 * that relation is an index of the same definition, and says whether the
 * name is free, ours or taken; it may also raise an error.
 */
char *
idxadv_ddl_choose_name(const idxadvIndexDef *def,
						 idxadv_name_check_fn check, void *arg,
						 Oid *existing)
{
	Oid			nspid = get_rel_namespace(def->relid);
	char	   *relname = get_rel_name(def->relid);
	List	   *colnames = NIL;
	char		addition[NAMEDATALEN * 2] = "";
	int			addlen = 0;
	int			i;
	int			pass;

	/* column names, made unique by a number as ChooseIndexColumnNames does */
	for (i = 0; i < def->ncols; i++)
	{
		const char *origname = idxadv_column_name_part(def, i);
		const char *curname = origname;
		int			n;

		for (n = 1; list_member(colnames, makeString((char *) curname)); n++)
		{
			char		nbuf[32];
			char		buf[NAMEDATALEN];
			int			nlen;

			snprintf(nbuf, sizeof(nbuf), "%d", n);
			nlen = pg_mbcliplen(origname, strlen(origname),
								NAMEDATALEN - 1 - strlen(nbuf));
			memcpy(buf, origname, nlen);
			strcpy(buf + nlen, nbuf);
			curname = pstrdup(buf);
		}
		colnames = lappend(colnames, makeString(pstrdup(curname)));
		if (addlen < NAMEDATALEN)
		{
			if (addlen > 0)
				addition[addlen++] = '_';
			strlcpy(addition + addlen, curname, NAMEDATALEN);
			addlen += strlen(addition + addlen);
		}
	}

	*existing = InvalidOid;
	for (pass = 0;; pass++)
	{
		char		label[NAMEDATALEN];
		char	   *name;
		Oid			relid;
		bool		same = false;
		idxadvNameUse use;

		if (pass == 0)
			strlcpy(label, def->unique ? "key" : "idx", sizeof(label));
		else
			snprintf(label, sizeof(label), "%s%d",
					 def->unique ? "key" : "idx", pass);
		name = makeObjectName(relname, addition, label);
		relid = get_relname_relid(name, nspid);
		if (OidIsValid(relid) && get_rel_relkind(relid) != RELKIND_INDEX &&
			get_rel_relkind(relid) != RELKIND_PARTITIONED_INDEX)
			continue;
		if (OidIsValid(relid))
		{
			idxadvIndexDef other;

			idxadv_index_def_from_index(relid, &other);
			same = idxadv_index_def_equal(def, &other);
		}
		if (check != NULL)
			use = check(name, relid, same, arg);
		else
			use = !OidIsValid(relid) ? IDXADV_NAME_FREE :
				same ? IDXADV_NAME_OURS : IDXADV_NAME_TAKEN;
		if (use == IDXADV_NAME_TAKEN)
			continue;
		if (use == IDXADV_NAME_OURS)
			*existing = relid;
		return name;
	}
}

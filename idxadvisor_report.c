/*-------------------------------------------------------------------------
 *
 * idxadvisor_report.c
 *		Catalog reports: duplicate, redundant and invalid indexes, unindexed
 *		foreign keys.  They read only the catalogs and statistics views, so they
 *		work without shared_preload_libraries.
 *
 * idxadvisor_unindexed_foreign_keys() reports the list that
 * idxadv_unindexed_foreign_keys() (idxadvisor_catalog.c) makes: each
 * top-level foreign key (conparentid = 0) that no index serves, by the one
 * rule of idxadv_find_serving_index(); a foreign key on a partitioned table
 * is reported once, on the parent, and counts as indexed when the
 * partitioned index serves it or, failing that, when every leaf partition
 * has an index that serves the lookup the trigger runs on it.  The sizes,
 * names and relation filter come from there too.
 *
 * idxadvisor_duplicates() scans pg_index once, groups the indexes by table
 * and compares every pair of valid indexes of a table on catalog data only:
 * key columns, expressions per key position (equal()), operator classes,
 * collations, indoption, INCLUDE columns, predicates (predicate_implied_by,
 * both ways for duplicates), uniqueness.  Which member of a pair stays
 * follows doc/design.md section 5; the comments at idxadv_rank_cmp() and
 * idxadv_covers() say how.
 *
 * Neither report runs any code of the tables it reads about: index
 * expressions and predicates are compared as stored, never constant-folded
 * (idxadvisor_catalog.c, idxadv_index_node), because folding would run the
 * table owner's "IMMUTABLE" functions with the caller's privileges, and a
 * superuser is the usual caller.
 *
 * Neither report opens or locks the tables and indexes it reads about: sizes
 * come from stat() of the relation files (idxadv_relation_bytes), catalog
 * data from scans of pg_constraint and pg_index and the system caches.  So a
 * report never waits behind a migration's ACCESS EXCLUSIVE lock, and a
 * relation dropped meanwhile just drops out.  Every role may call them: they
 * show what the catalogs already show to everyone.  System catalogs, TOAST
 * tables, other sessions' temporary tables and the extension's own objects
 * are left out.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_tablespace.h"
#include "common/relpath.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/progress.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/pg_list.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "idxadvisor.h"

/*---- Macros ----*/

#define IDXADV_FK_COLS			12	/* columns of idxadvisor_unindexed_foreign_keys */
#define IDXADV_FK_COLS_V1_0		11	/* the same in the 1.0 SQL definition */
#define IDXADV_DUP_COLS			8	/* columns of idxadvisor_duplicates */

/* indoption bits that a backward scan inverts */
#define IDXADV_INDOPTION_ORDER	(INDOPTION_DESC | INDOPTION_NULLS_FIRST)

/*---- Typedefs ----*/

/* Why an index must stay: the constraint-related facts of one index */
typedef struct idxadvIndexCon
{
	Oid			indexrelid;		/* hash key */
	char		contype;		/* 'p', 'u', 'x' of the constraint it backs */
	Oid			conoid;			/* that constraint, or InvalidOid */
	List	   *fkeys;			/* OIDs of foreign keys depending on it */
} idxadvIndexCon;

/* One index of the table being compared */
typedef struct idxadvIndex
{
	Oid			indexrelid;
	Oid			amoid;
	char		relkind;		/* RELKIND_INDEX or RELKIND_PARTITIONED_INDEX */
	bool		attached;		/* attached to an index of a partitioned parent */
	char	   *name;			/* unquoted index name */
	int			nkeys;
	int			natts;
	AttrNumber	attnums[INDEX_MAX_KEYS];
	Oid			opclass[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
	int16		option[INDEX_MAX_KEYS];
	Node	   *keyexpr[INDEX_MAX_KEYS];	/* expression of a zero in attnums */
	List	   *pred;			/* implicitly-ANDed predicate; NIL if none */
	bool		unique;
	bool		nulls_not_distinct;
	bool		immediate;		/* uniqueness checked at once, not deferred */
	bool		primary;
	bool		exclusion;
	bool		valid;			/* indisvalid && indisready && indislive */
	bool		live;
	bool		ready;
	bool		clustered;
	bool		replident;
	idxadvIndexCon *con;		/* NULL when no constraint involves it */
	/* outcome */
	bool		removed;
} idxadvIndex;

/* A pg_index tuple copied out of the scan, for sorting by table */
typedef struct idxadvIndexTuple
{
	Oid			indrelid;
	Oid			indexrelid;
	HeapTuple	tuple;
} idxadvIndexTuple;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_unindexed_foreign_keys);
PG_FUNCTION_INFO_V1(idxadvisor_duplicates);

static const char *idxadv_fk_action_name(char action);
static bool idxadv_fk_partly_covered(idxadvIndexMap *map, Oid relid, int ncols,
									 const AttrNumber *attnums);
static HTAB *idxadv_index_constraints(void);
static HTAB *idxadv_busy_tables(void);
static int	idxadv_index_tuple_cmp(const void *a, const void *b);
static bool idxadv_load_index(idxadvIndex *ix, HeapTuple tup, TupleDesc desc,
							  HTAB *cons);
static int	idxadv_covers(const idxadvIndex *x, const idxadvIndex *y);
static int	idxadv_rank_cmp(const idxadvIndex *a, const idxadvIndex *b);
static bool idxadv_must_stay(const idxadvIndex *x);
static const char *idxadv_keep_reason(const idxadvIndex *y,
									  const idxadvIndex *x, bool mutual);
static void idxadv_duplicates_table(idxadvReportRows *out,
									idxadvReportFilter *filter, HTAB *cons,
									HTAB *busy, Oid relid,
									idxadvIndexTuple *tuples, int nix,
									TupleDesc desc);
static void idxadv_report_table(idxadvReportRows *out, Oid relid,
								idxadvIndex *ix, int nix);
static char *idxadv_drop_ddl(Oid relid, idxadvIndex *x, idxadvIndex *y,
							 StringInfo caveats);
static void idxadv_report_invalid(idxadvReportRows *out, Oid relid,
								  idxadvIndex *x);
static void idxadv_put_dup_row(idxadvReportRows *out, Oid relid,
							   idxadvIndex *x, const char *kind,
							   idxadvIndex *y, const char *reason,
							   const char *ddl);
static int	idxadv_report_row_cmp(const ListCell *a, const ListCell *b);
static char *idxadv_fk_partial_detail(idxadvIndexMap *map,
									  const idxadvForeignKey *fk);

/*
 * Set when a relation that the row being built names was dropped while the
 * report ran: idxadv_add_row() then leaves that row out and clears it.
 */
static bool report_lost_relation = false;

/*
 * idxadv_qualified_name
 *		Schema-qualified, quoted name of a relation, for DDL.
 *
 * Nothing is locked, so the relation may have been dropped since the
 * catalogs were read: then the row that would name it is left out (see
 * report_lost_relation), as a table dropped a moment earlier would be, and
 * the report does not fail.  The name returned meanwhile is the OID, never
 * shown.
 */
char *
idxadv_qualified_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	if (relname == NULL || nspname == NULL)
	{
		report_lost_relation = true;
		return psprintf("%u", relid);
	}
	return quote_qualified_identifier(nspname, relname);
}

/* The SQL words of a pg_constraint confdeltype / confupdtype */
static const char *
idxadv_fk_action_name(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_NOACTION:
			return "NO ACTION";
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
	}
	return "unknown";
}

/*
 * idxadv_fk_partly_covered
 *		Does some valid index of relid have at least one of the columns in any
 *		position (key or INCLUDE)?  That is the "partial" coverage: an index
 *		that helps the lookup a little, or not in the way the trigger needs.
 */
static bool
idxadv_fk_partly_covered(idxadvIndexMap *map, Oid relid, int ncols,
						 const AttrNumber *attnums)
{
	TupleDesc	desc;
	ListCell   *lc;

	foreach(lc, idxadv_table_indexes(map, relid, &desc))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc));
		int			i,
					j;

		if (!idx->indisvalid || !idx->indisready || !idx->indislive)
			continue;
		for (j = 0; j < idx->indnatts; j++)
			for (i = 0; i < ncols; i++)
				if (idx->indkey.values[j] == attnums[i])
					return true;
	}
	return false;
}

/*
 * idxadv_fk_partial_detail
 *		For a "partial" coverage: which index holds the foreign key's columns
 *		and why it cannot serve the trigger's lookup, or, for a partitioned
 *		child, which partitions lack an index that serves it.  Reads the
 *		same catalog data as idxadv_fk_partly_covered, evaluates nothing.
 *		NULL when there is nothing to say.
 */
static char *
idxadv_fk_partial_detail(idxadvIndexMap *map, const idxadvForeignKey *fk)
{
	StringInfoData buf;
	TupleDesc	desc;
	HeapTuple	best = NULL;
	int			bestcount = 0;
	Form_pg_index idx;
	ListCell   *lc;
	int			i,
				j;

	initStringInfo(&buf);
	if (fk->relkind == RELKIND_PARTITIONED_TABLE)
	{
		/* the leaves that have no index of their own serving the lookup */
		List	   *rels = find_all_inheritors(fk->conrelid, NoLock, NULL);
		int			nmissing = 0;

		foreach(lc, rels)
		{
			Oid			child = lfirst_oid(lc);
			idxadvIndexLookup lookup;

			if (get_rel_relkind(child) != RELKIND_RELATION)
				continue;
			memset(&lookup, 0, sizeof(lookup));
			lookup.relid = child;
			lookup.period = fk->period;
			lookup.neq = fk->ncols;
			for (i = 0; i < fk->ncols; i++)
			{
				char	   *attname = get_attname(fk->conrelid,
												  fk->attnums[i], true);

				lookup.cols[i].attnum = attname ?
					get_attnum(child, attname) : InvalidAttrNumber;
				lookup.cols[i].kind = IDXADV_CMP_EQ;
				lookup.cols[i].op = fk->eqops[i];
			}
			if (OidIsValid(idxadv_find_serving_index(map, &lookup)))
				continue;
			if (nmissing < 3)
				appendStringInfo(&buf, "%s%s", nmissing ? ", " : "",
								 idxadv_qualified_name(child));
			nmissing++;
		}
		if (nmissing == 0)
			return NULL;
		if (nmissing > 3)
			appendStringInfo(&buf, " and %d more", nmissing - 3);
		return psprintf(nmissing == 1 ?
						"the partitioned table has no index that serves the lookup, and its partition %s has none of its own: "
						"the trigger reads that partition whole" :
						"the partitioned table has no index that serves the lookup, and its partitions %s have none of their own: "
						"the trigger reads those partitions whole",
						buf.data);
	}

	/* the valid index that holds most of the columns, lowest OID on ties */
	foreach(lc, idxadv_table_indexes(map, fk->conrelid, &desc))
	{
		HeapTuple	tup = (HeapTuple) lfirst(lc);
		int			count = 0;

		idx = (Form_pg_index) GETSTRUCT(tup);
		if (!idx->indisvalid || !idx->indisready || !idx->indislive)
			continue;
		for (i = 0; i < fk->ncols; i++)
			for (j = 0; j < idx->indnatts; j++)
				if (idx->indkey.values[j] == fk->attnums[i])
				{
					count++;
					break;
				}
		if (count > bestcount ||
			(count == bestcount && count > 0 &&
			 idx->indexrelid < ((Form_pg_index) GETSTRUCT(best))->indexrelid))
		{
			best = tup;
			bestcount = count;
		}
	}
	if (best == NULL)
		return NULL;
	idx = (Form_pg_index) GETSTRUCT(best);

	appendStringInfo(&buf, "index %s holds ",
					 idxadv_qualified_name(idx->indexrelid));
	if (bestcount < fk->ncols)
		appendStringInfo(&buf, "%d of the foreign key's %d columns but cannot serve the lookup: it lacks",
						 bestcount, fk->ncols);
	else
		appendStringInfoString(&buf, "the foreign key's columns but cannot serve the lookup:");

	/* 1. columns it lacks */
	if (bestcount < fk->ncols)
	{
		bool		first = true;

		for (i = 0; i < fk->ncols; i++)
		{
			for (j = 0; j < idx->indnatts; j++)
				if (idx->indkey.values[j] == fk->attnums[i])
					break;
			if (j < idx->indnatts)
				continue;
			appendStringInfo(&buf, "%s %s", first ? "" : ",",
							 quote_identifier(get_attname(fk->conrelid,
														  fk->attnums[i],
														  false)));
			first = false;
		}
		return buf.data;
	}

	/* 2. a column in an INCLUDE or a non-leading key position */
	for (i = 0; i < fk->ncols; i++)
	{
		for (j = 0; j < idx->indnatts; j++)
			if (idx->indkey.values[j] == fk->attnums[i])
				break;
		if (j >= idx->indnkeyatts)
		{
			appendStringInfo(&buf, " %s is an INCLUDE column, which no search can use",
							 quote_identifier(get_attname(fk->conrelid,
														  fk->attnums[i],
														  false)));
			return buf.data;
		}
		if (j >= fk->ncols)
		{
			appendStringInfo(&buf, " %s is its key column %d, and the key columns before it are not among the foreign key's, "
							 "so the lookup would read the whole index",
							 quote_identifier(get_attname(fk->conrelid,
														  fk->attnums[i],
														  false)),
							 j + 1);
			return buf.data;
		}
	}

	/* 3. the access method, the predicate, else operator class/collation */
	{
		HeapTuple	classtup = SearchSysCache1(RELOID,
											   ObjectIdGetDatum(idx->indexrelid));
		Oid			amoid;

		if (!HeapTupleIsValid(classtup))
			return NULL;		/* dropped meanwhile */
		amoid = ((Form_pg_class) GETSTRUCT(classtup))->relam;
		ReleaseSysCache(classtup);

		if (fk->period && amoid != GIST_AM_OID)
		{
			appendStringInfo(&buf, " it is a %s index, and the lookup of a temporal foreign key tests its PERIOD column for overlap (&&), which needs a GiST index",
							 get_am_name(amoid));
			return buf.data;
		}
		if (!fk->period && amoid != BTREE_AM_OID &&
			!(amoid == HASH_AM_OID && fk->ncols == 1))
		{
			appendStringInfo(&buf, " it is a %s index, and only a btree (or a hash, for one column) serves an equality lookup",
							 get_am_name(amoid));
			return buf.data;
		}
	}
	if (!heap_attisnull(best, Anum_pg_index_indpred, NULL))
	{
		List	   *pred = idxadv_index_predicate(best, desc);
		char	   *relname = get_rel_name(fk->conrelid);
		char	   *text;

		/* deparsed from the stored tree: nothing is opened or evaluated */
		text = deparse_expression((Node *) make_ands_explicit(pred),
								  deparse_context_for(relname ? relname : "?",
													  fk->conrelid),
								  false, false);
		appendStringInfo(&buf, " it is partial (WHERE %s), and the lookup (the columns equal to the parent's key) does not imply that predicate",
						 text);
		return buf.data;
	}
	appendStringInfoString(&buf, " its operator class or collation does not match the foreign key's equality operator or the column's collation");
	return buf.data;
}

/*
 * idxadvisor_unindexed_foreign_keys
 *		One row per foreign key whose referencing side has no index that
 *		serves the foreign-key trigger's lookup.
 */
Datum
idxadvisor_unindexed_foreign_keys(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvIndexMap *map;
	List	   *fkeys;
	ListCell   *lc;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	idxadvReportRows out;
	int			natts;

	InitMaterializedSRF(fcinfo, 0);
	/* 1.0 has no coverage_detail; its last column is the same */
	natts = rsinfo->setDesc->natts;
	if (natts != IDXADV_FK_COLS && natts != IDXADV_FK_COLS_V1_0)
		elog(ERROR, "incorrect number of output arguments");
	out.cxt = CurrentMemoryContext;
	out.desc = rsinfo->setDesc;
	out.rows = NIL;
	report_lost_relation = false;

	fkeys = idxadv_unindexed_foreign_keys(&map);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "idxadvisor foreign key row",
								   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, fkeys)
	{
		idxadvForeignKey *fk = (idxadvForeignKey *) lfirst(lc);
		Datum		values[IDXADV_FK_COLS];
		bool		nulls[IDXADV_FK_COLS];
		Datum	   *colnames;
		idxadvIndexShape shape;
		char	   *ddl;
		bool		partly;
		int64		deletes;
		int64		updates;
		int			i;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);

		/*
		 * Nothing is locked: a table dropped since the list was made has no
		 * names left, and no row.  The DDL is the one idxadvisor_suggest()
		 * writes for the same index (idxadv_create_index_script).
		 */
		memset(&shape, 0, sizeof(shape));
		shape.ncols = fk->ncols;
		if (fk->period)
			shape.amoid = GIST_AM_OID;	/* a btree cannot test the period */
		colnames = palloc(sizeof(Datum) * fk->ncols);
		ddl = NULL;
		for (i = 0; i < fk->ncols; i++)
		{
			char	   *attname = get_attname(fk->conrelid, fk->attnums[i],
											  true);

			if (attname == NULL)
				break;
			shape.colnames[i] = attname;
			colnames[i] = CStringGetTextDatum(attname);
		}
		if (i == fk->ncols)
		{
			idxadvUsedNames *used = NULL;

			ddl = idxadv_create_index_script(fk->conrelid, &shape, &used);
		}
		if (ddl == NULL)
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			continue;
		}

		partly = fk->some_leaves_served ||
			idxadv_fk_partly_covered(map, fk->conrelid, fk->ncols,
									 fk->attnums);
		idxadv_fk_parent_writes(fk, &deletes, &updates);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(fk->conrelid);
		values[1] = NameGetDatum(&fk->conname);
		values[2] = PointerGetDatum(construct_array(colnames, fk->ncols,
													TEXTOID, -1, false,
													TYPALIGN_INT));
		values[3] = ObjectIdGetDatum(fk->confrelid);
		values[4] = CStringGetTextDatum(partly ? "partial" : "none");
		values[5] = CStringGetTextDatum(idxadv_fk_action_name(fk->confdeltype));
		values[6] = CStringGetTextDatum(idxadv_fk_action_name(fk->confupdtype));
		values[7] = Int64GetDatum(idxadv_sum_leaves(NULL, fk->conrelid,
													fk->relkind, true));
		values[8] = Int64GetDatum(deletes);
		values[9] = Int64GetDatum(updates);
		values[10] = CStringGetTextDatum(ddl);
		if (natts == IDXADV_FK_COLS)
		{
			char	   *detail = partly ?
				idxadv_fk_partial_detail(map, fk) : NULL;
			char	   *gist = idxadv_fk_gist_problem(fk);

			if (gist)
				detail = detail ? psprintf("%s; %s", detail, gist) : gist;
			if (detail)
				values[11] = CStringGetTextDatum(detail);
			else
				nulls[11] = true;
		}

		/*
		 * Biggest win first: each delete or key update of the parent reads
		 * the whole child, so what the missing index costs grows with the
		 * parent's writes times the child's size.  A child that no parent
		 * write has touched yet sorts by size alone.
		 */
		idxadv_add_row(&out,
					   (double) (deletes + updates) *
					   (double) DatumGetInt64(values[7]) +
					   (double) DatumGetInt64(values[7]) / 1e12,
					   fk->conrelid, NameStr(fk->conname), values, nulls);

		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	idxadv_put_rows(&out, rsinfo);

	return (Datum) 0;
}

/*
 * idxadv_index_constraints
 *		Map index OID -> the constraint facts that keep it: the PK, UNIQUE or
 *		EXCLUDE constraint it backs, and the foreign keys that depend on it
 *		(pg_constraint.conindid of a foreign key is the referenced side's
 *		unique index).  One scan of pg_constraint.
 */
static HTAB *
idxadv_index_constraints(void)
{
	HTAB	   *cons;
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;

	cons = idxadv_oid_hash("idxadvisor index constraints",
						   sizeof(idxadvIndexCon), 1024);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		idxadvIndexCon *entry;
		bool		found;

		if (!OidIsValid(con->conindid))
			continue;
		if (con->contype != CONSTRAINT_PRIMARY &&
			con->contype != CONSTRAINT_UNIQUE &&
			con->contype != CONSTRAINT_EXCLUSION &&
			con->contype != CONSTRAINT_FOREIGN)
			continue;
		entry = hash_search(cons, &con->conindid, HASH_ENTER, &found);
		if (!found)
		{
			entry->contype = '\0';
			entry->conoid = InvalidOid;
			entry->fkeys = NIL;
		}
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			/* the partition-level clones follow their parent constraint */
			if (!OidIsValid(con->conparentid))
				entry->fkeys = lappend_oid(entry->fkeys, con->oid);
		}
		else
		{
			entry->contype = con->contype;
			entry->conoid = con->oid;
		}
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return cons;
}

/*
 * idxadv_busy_tables
 *		Tables with a CREATE INDEX [CONCURRENTLY] or REINDEX running now, from
 *		the backends' progress reports: their not-yet-valid indexes are being
 *		built, not left over, so they are not reported.
 */
static HTAB *
idxadv_busy_tables(void)
{
	HTAB	   *busy;
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	busy = idxadv_oid_hash("idxadvisor busy tables", sizeof(Oid), 16);

	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_get_local_beentry_by_index(i);
		PgBackendStatus *be;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_databaseid != MyDatabaseId ||
			be->st_progress_command != PROGRESS_COMMAND_CREATE_INDEX)
			continue;
		(void) hash_search(busy, &be->st_progress_command_target,
						   HASH_ENTER, NULL);
	}
	return busy;
}

/* qsort comparator: by table, then by index OID */
static int
idxadv_index_tuple_cmp(const void *a, const void *b)
{
	const idxadvIndexTuple *ta = (const idxadvIndexTuple *) a;
	const idxadvIndexTuple *tb = (const idxadvIndexTuple *) b;

	if (ta->indrelid != tb->indrelid)
		return ta->indrelid < tb->indrelid ? -1 : 1;
	if (ta->indexrelid != tb->indexrelid)
		return ta->indexrelid < tb->indexrelid ? -1 : 1;
	return 0;
}

/*
 * idxadv_load_index
 *		Fill an idxadvIndex from its pg_index tuple and the system caches;
 *		false when the index was dropped since pg_index was read.
 */
static bool
idxadv_load_index(idxadvIndex *ix, HeapTuple tup, TupleDesc desc, HTAB *cons)
{
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
	HeapTuple	classtup;
	Form_pg_class classform;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	int2vector *indoption;
	List	   *exprs;
	ListCell   *lc;
	int			i;

	memset(ix, 0, sizeof(*ix));
	ix->indexrelid = idx->indexrelid;
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(classtup))
		return false;			/* dropped since pg_index was read */
	classform = (Form_pg_class) GETSTRUCT(classtup);
	ix->amoid = classform->relam;
	ix->relkind = classform->relkind;
	ix->attached = classform->relispartition;
	ix->name = pstrdup(NameStr(classform->relname));
	ReleaseSysCache(classtup);

	ix->nkeys = idx->indnkeyatts;
	ix->natts = idx->indnatts;
	ix->unique = idx->indisunique;
	ix->nulls_not_distinct = idx->indnullsnotdistinct;
	ix->immediate = idx->indimmediate;
	ix->primary = idx->indisprimary;
	ix->exclusion = idx->indisexclusion;
	ix->live = idx->indislive;
	ix->ready = idx->indisready;
	ix->valid = idx->indisvalid && idx->indisready && idx->indislive;
	ix->clustered = idx->indisclustered;
	ix->replident = idx->indisreplident;
	ix->con = hash_search(cons, &ix->indexrelid, HASH_FIND, NULL);

	d = heap_getattr(tup, Anum_pg_index_indclass, desc, &isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(tup, Anum_pg_index_indcollation, desc, &isnull);
	indcoll = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(tup, Anum_pg_index_indoption, desc, &isnull);
	indoption = (int2vector *) DatumGetPointer(d);

	exprs = idxadv_index_expressions(tup, desc);
	lc = list_head(exprs);
	for (i = 0; i < ix->natts; i++)
	{
		ix->attnums[i] = idx->indkey.values[i];
		if (ix->attnums[i] == 0 && lc != NULL)
		{
			ix->keyexpr[i] = (Node *) lfirst(lc);
			lc = lnext(exprs, lc);
		}
		if (i < ix->nkeys)
		{
			ix->opclass[i] = indclass->values[i];
			ix->collation[i] = indcoll->values[i];
			ix->option[i] = indoption->values[i];
		}
	}
	ix->pred = idxadv_index_predicate(tup, desc);
	return true;
}

/*
 * idxadv_covers
 *		Can index y do the job of index x?  Returns 2 when x is a duplicate of
 *		y, 1 when x is redundant to y, 0 otherwise.
 *
 * Duplicate: same access method, every key position the same column (or an
 * equal() expression), operator class and collation, and the same ordering
 * options at every position or all of them inverted (a backward scan gives
 * the other order); predicates that imply each other; x's INCLUDE columns
 * among y's columns.  Redundant: the same, but x's keys a proper prefix of
 * y's (btree only: only a btree serves a lookup on leading columns), and
 * again predicates that imply each other (a partial index is never covered
 * by a full or wider one: see below).  x's uniqueness must survive: a unique x is only
 * covered by a unique y on the same keys and predicate, a NULLS NOT
 * DISTINCT one only by another, and one checked immediately not by a
 * DEFERRABLE one (ON CONFLICT and foreign keys need immediate checks); an
 * exclusion constraint's index is covered by nothing (dropping it would drop
 * the constraint).
 */
static int
idxadv_covers(const idxadvIndex *x, const idxadvIndex *y)
{
	bool		same_opts = true;
	bool		inverted_opts = true;
	bool		dup;
	int			i,
				j;

	if (x == y || !x->valid || !y->valid || x->amoid != y->amoid)
		return 0;
	if (x->nkeys > y->nkeys)
		return 0;
	dup = (x->nkeys == y->nkeys);
	if (!dup && x->amoid != BTREE_AM_OID)
		return 0;
	if (x->exclusion)
		return 0;
	if (x->unique &&
		(!dup || !y->unique ||
		 (x->nulls_not_distinct && !y->nulls_not_distinct) ||
		 (x->immediate && !y->immediate)))
		return 0;

	for (i = 0; i < x->nkeys; i++)
	{
		if (x->attnums[i] != y->attnums[i])
			return 0;
		if (x->attnums[i] == 0 && !equal(x->keyexpr[i], y->keyexpr[i]))
			return 0;
		if (x->opclass[i] != y->opclass[i] || x->collation[i] != y->collation[i])
			return 0;
		if (x->option[i] != y->option[i])
			same_opts = false;
		if (x->option[i] != (y->option[i] ^ IDXADV_INDOPTION_ORDER))
			inverted_opts = false;
	}
	if (!same_opts && !(inverted_opts && x->amoid == BTREE_AM_OID))
		return 0;

	/* x's INCLUDE columns must be among y's columns */
	for (i = x->nkeys; i < x->natts; i++)
	{
		for (j = 0; j < y->natts; j++)
			if (y->attnums[j] != 0 && y->attnums[j] == x->attnums[i])
				break;
		if (j == y->natts)
			return 0;
	}

	/*
	 * x's rows must be among y's: x's predicate implies y's.  The proofs
	 * run no code of the table's (see idxadv_find_serving_index).
	 */
	if (y->pred != NIL && !predicate_implied_by(y->pred, x->pred, false))
		return 0;

	/*
	 * And y's rows must be among x's: a partial x is never covered by a
	 * full or wider y, even when its keys are a prefix of y's.  x reads only
	 * its own rows (jobs (k) WHERE finished_at IS NULL reads 101 buffers
	 * where jobs (k, created_at) reads 3,098 for the same lookup), so the
	 * planner picks it whenever a query implies its predicate; dropping it
	 * would make those queries read the whole wider index.
	 */
	if (x->pred != NIL && !predicate_implied_by(x->pred, y->pred, false))
		return 0;
	return dup ? 2 : 1;
}

/*
 * idxadv_rank_cmp
 *		Which of two mutual duplicates stays (doc/design.md section 5): the
 *		primary key, then an index a foreign key depends on, then one that
 *		backs a constraint, then the replica identity, then one attached to a
 *		partitioned parent, then NULLS NOT DISTINCT unique over unique over
 *		non-unique, then the older one.  "Older" is the lower OID: OIDs are
 *		assigned in increasing order until the OID counter wraps around
 *		(after 4 billion objects), which is rare enough for a tie-breaker.
 *		Returns > 0 when a stays rather than b.
 */
static int
idxadv_rank_cmp(const idxadvIndex *a, const idxadvIndex *b)
{
#define IDXADV_RANK_BOOL(expr_a, expr_b) \
	do { \
		if ((expr_a) != (expr_b)) \
			return (expr_a) ? 1 : -1; \
	} while (0)

	IDXADV_RANK_BOOL(a->primary, b->primary);
	IDXADV_RANK_BOOL(a->con != NULL && a->con->fkeys != NIL,
					 b->con != NULL && b->con->fkeys != NIL);
	IDXADV_RANK_BOOL(a->con != NULL && OidIsValid(a->con->conoid),
					 b->con != NULL && OidIsValid(b->con->conoid));
	IDXADV_RANK_BOOL(a->replident, b->replident);
	IDXADV_RANK_BOOL(a->attached, b->attached);
	IDXADV_RANK_BOOL(a->unique && a->nulls_not_distinct,
					 b->unique && b->nulls_not_distinct);
	IDXADV_RANK_BOOL(a->unique, b->unique);
	if (a->indexrelid != b->indexrelid)
		return a->indexrelid < b->indexrelid ? 1 : -1;
	return 0;
#undef IDXADV_RANK_BOOL
}

/*
 * idxadv_must_stay
 *		Has x a reason to stay that only a mutual duplicate of higher rank can
 *		override?  Such an x is never reported as merely redundant.
 */
static bool
idxadv_must_stay(const idxadvIndex *x)
{
	return x->primary || x->replident || x->attached ||
		(x->con != NULL && (OidIsValid(x->con->conoid) || x->con->fkeys != NIL));
}

/*
 * Why y stays rather than x, for the reason column.  When the two are not
 * mutual duplicates and nothing above tells them apart, y is the one with
 * more INCLUDE columns.
 */
static const char *
idxadv_keep_reason(const idxadvIndex *y, const idxadvIndex *x, bool mutual)
{
	if (y->primary && !x->primary)
		return "it is the primary key";
	if ((y->con && y->con->fkeys) && !(x->con && x->con->fkeys))
		return "a foreign key depends on it";
	if ((y->con && OidIsValid(y->con->conoid)) &&
		!(x->con && OidIsValid(x->con->conoid)))
		return "it backs a constraint";
	if (y->replident && !x->replident)
		return "it is the replica identity";
	if (y->attached && !x->attached)
		return "it is attached to an index of the partitioned parent";
	if (y->unique && y->nulls_not_distinct &&
		!(x->unique && x->nulls_not_distinct))
		return "it is unique with NULLS NOT DISTINCT";
	if (y->unique && !x->unique)
		return "it is unique";
	if (!mutual)
		return "it also has all of its INCLUDE columns";
	return "it is the older one (lower OID)";
}

/*
 * idxadv_put_dup_row
 *		Emit one row of idxadvisor_duplicates.
 */
static void
idxadv_put_dup_row(idxadvReportRows *out, Oid relid, idxadvIndex *x,
				   const char *kind, idxadvIndex *y, const char *reason,
				   const char *ddl)
{
	Datum		values[IDXADV_DUP_COLS];
	bool		nulls[IDXADV_DUP_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = ObjectIdGetDatum(x->indexrelid);
	values[2] = CStringGetTextDatum(kind);
	if (y)
		values[3] = ObjectIdGetDatum(y->indexrelid);
	else
		nulls[3] = true;
	values[4] = CStringGetTextDatum(reason);
	values[5] = CStringGetTextDatum(ddl);
	values[6] = Int64GetDatum(idxadv_sum_leaves(NULL, x->indexrelid,
												x->relkind, false));
	values[7] = Int64GetDatum(idxadv_sum_leaves(pg_stat_get_numscans,
												x->indexrelid, x->relkind,
												false));
	/* what dropping it reclaims comes first */
	idxadv_add_row(out, (double) DatumGetInt64(values[6]), relid, x->name,
				   values, nulls);
}

/*
 * idxadv_report_rows_init
 *		Start collecting the rows of a report for the SRF's tuplestore
 *		(InitMaterializedSRF done), in the call's memory context.
 */
void
idxadv_report_rows_init(idxadvReportRows *out, ReturnSetInfo *rsinfo)
{
	out->cxt = CurrentMemoryContext;
	out->desc = rsinfo->setDesc;
	out->rows = NIL;
	report_lost_relation = false;
}

/*
 * idxadv_add_row
 *		Keep one report row (formed now, in out->cxt) for idxadv_put_rows.
 */
void
idxadv_add_row(idxadvReportRows *out, double sort_key, Oid relid,
			   const char *name, Datum *values, bool *nulls)
{
	MemoryContext old = MemoryContextSwitchTo(out->cxt);
	idxadvReportRow *row = palloc(sizeof(idxadvReportRow));

	row->sort_key = sort_key;
	row->relname = idxadv_qualified_name(relid);
	if (report_lost_relation)
	{
		/* something this row names was dropped meanwhile: leave it out */
		report_lost_relation = false;
		pfree(row);
		MemoryContextSwitchTo(old);
		return;
	}
	row->name = pstrdup(name);
	row->tuple = heap_form_tuple(out->desc, values, nulls);
	out->rows = lappend(out->rows, row);
	MemoryContextSwitchTo(old);
}

/* list_sort comparator: sort_key descending, then table, then name (C order) */
static int
idxadv_report_row_cmp(const ListCell *a, const ListCell *b)
{
	const idxadvReportRow *ra = (const idxadvReportRow *) lfirst(a);
	const idxadvReportRow *rb = (const idxadvReportRow *) lfirst(b);
	int			c;

	if (ra->sort_key != rb->sort_key)
		return ra->sort_key > rb->sort_key ? -1 : 1;
	c = strcmp(ra->relname, rb->relname);
	if (c != 0)
		return c;
	return strcmp(ra->name, rb->name);
}

/* Sort the collected rows and hand them to the caller's tuplestore */
void
idxadv_put_rows(idxadvReportRows *out, ReturnSetInfo *rsinfo)
{
	ListCell   *lc;

	list_sort(out->rows, idxadv_report_row_cmp);
	foreach(lc, out->rows)
		tuplestore_puttuple(rsinfo->setResult,
							((idxadvReportRow *) lfirst(lc))->tuple);
}

/*
 * idxadv_report_invalid
 *		Row for an index that is not valid.  A partitioned index is invalid
 *		while some partition lacks an attached index (CREATE INDEX ON ONLY
 *		without every ATTACH PARTITION); any other index because a CREATE
 *		INDEX CONCURRENTLY or REINDEX CONCURRENTLY failed.  Either way it is
 *		never used by queries, and a plain one is still updated on every write.
 */
static void
idxadv_report_invalid(idxadvReportRows *out, Oid relid, idxadvIndex *x)
{
	const char *reason;
	char	   *ddl;

	if (x->relkind == RELKIND_PARTITIONED_INDEX)
	{
		reason = "partitioned index is not valid because not every partition has an attached index; "
			"attach the missing ones (ALTER INDEX ... ATTACH PARTITION) or drop it; "
			"DROP INDEX on a partitioned index cannot be CONCURRENTLY and locks every partition";
		ddl = psprintf("DROP INDEX %s;", idxadv_qualified_name(x->indexrelid));
	}
	else
	{
		reason = x->ready ?
			"not valid: a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY left it; "
			"queries never use it but every write still updates it; drop it, or rebuild it with REINDEX INDEX CONCURRENTLY" :
			"not valid and not ready: a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY left it; "
			"queries never use it; drop it, or rebuild it with REINDEX INDEX CONCURRENTLY";
		ddl = psprintf("DROP INDEX CONCURRENTLY %s;",
					   idxadv_qualified_name(x->indexrelid));
	}
	idxadv_put_dup_row(out, relid, x, "invalid", NULL, reason, ddl);
}

/*
 * idxadv_drop_ddl
 *		What removes x when y stays, and the caveats for the reason.  A plain
 *		index: DROP INDEX CONCURRENTLY (plain DROP INDEX on a partitioned
 *		index, which cannot be dropped concurrently).  An index that backs a
 *		constraint: ALTER TABLE ... DROP CONSTRAINT.  When something else must
 *		happen first (foreign keys that depend on x are dropped and re-created,
 *		the replica identity moves to y), the statements form one transaction
 *		that runs as one query string, so the drop is the non-concurrent kind.
 */
static char *
idxadv_drop_ddl(Oid relid, idxadvIndex *x, idxadvIndex *y, StringInfo caveats)
{
	StringInfoData pre;
	StringInfoData post;
	StringInfoData buf;
	bool		multi = false;
	ListCell   *lc;

	initStringInfo(&pre);
	initStringInfo(&post);
	initStringInfo(&buf);

	if (x->con != NULL && x->con->fkeys != NIL)
	{
		multi = true;
		appendStringInfoString(caveats,
							   "; foreign keys depend on it and are dropped and re-created, "
							   "which checks every referencing row while holding locks");
		foreach(lc, x->con->fkeys)
		{
			Oid			fkoid = lfirst_oid(lc);
			HeapTuple	contup = SearchSysCache1(CONSTROID,
												 ObjectIdGetDatum(fkoid));
			Form_pg_constraint fk;
			char	   *def;

			if (!HeapTupleIsValid(contup))
				continue;
			fk = (Form_pg_constraint) GETSTRUCT(contup);
			def = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
														  ObjectIdGetDatum(fkoid)));
			appendStringInfo(&pre, "ALTER TABLE %s DROP CONSTRAINT %s;\n",
							 idxadv_qualified_name(fk->conrelid),
							 quote_identifier(NameStr(fk->conname)));
			appendStringInfo(&post, "\nALTER TABLE %s ADD CONSTRAINT %s %s;",
							 idxadv_qualified_name(fk->conrelid),
							 quote_identifier(NameStr(fk->conname)), def);
			ReleaseSysCache(contup);
		}
	}
	if (x->replident)
	{
		multi = true;
		appendStringInfoString(caveats,
							   "; it is the replica identity, which moves to the index that stays");
		if (y->primary)
			appendStringInfo(&pre, "ALTER TABLE %s REPLICA IDENTITY DEFAULT;\n",
							 idxadv_qualified_name(relid));
		else
			appendStringInfo(&pre, "ALTER TABLE %s REPLICA IDENTITY USING INDEX %s;\n",
							 idxadv_qualified_name(relid),
							 quote_identifier(y->name));
	}
	if (x->clustered)
		appendStringInfo(caveats,
						 "; it is the table's CLUSTER index: re-cluster on %s (ALTER TABLE ... CLUSTER ON %s)",
						 idxadv_qualified_name(y->indexrelid),
						 quote_identifier(y->name));
	if (x->relkind == RELKIND_PARTITIONED_INDEX)
		appendStringInfoString(caveats,
							   "; an index of a partitioned table cannot be dropped concurrently: "
							   "DROP INDEX locks every partition for a moment");

	appendStringInfoString(&buf, pre.data);
	if (x->con != NULL && OidIsValid(x->con->conoid))
	{
		char	   *conname = get_constraint_name(x->con->conoid);

		appendStringInfo(caveats, "; it backs constraint %s, so the fix is to drop that constraint",
						 quote_identifier(conname));
		appendStringInfo(&buf, "ALTER TABLE %s DROP CONSTRAINT %s;",
						 idxadv_qualified_name(relid), quote_identifier(conname));
	}
	else
	{
		int			flags = (multi || x->relkind == RELKIND_PARTITIONED_INDEX) ?
			0 : IDXADV_DDL_CONCURRENTLY;

		/* the row is left out if the index was dropped meanwhile */
		(void) idxadv_qualified_name(x->indexrelid);
		appendStringInfo(&buf, "%s;",
						 idxadv_drop_index_ddl(get_rel_namespace(x->indexrelid),
											   x->name, flags));
	}
	appendStringInfoString(&buf, post.data);
	return buf.data;
}

/*
 * idxadv_report_table
 *		Compare the indexes of one table and emit the rows.
 *
 * An index x goes when some index y covers it (idxadv_covers) and either
 * they are mutual duplicates and y ranks higher (idxadv_rank_cmp), or the
 * cover is one-way and x has no reason of its own to stay.  An index
 * attached to a partitioned parent never goes: the parent's report covers
 * it.  Each index that goes is reported against an index that stays and
 * covers it (preferring a duplicate, then the one with fewest keys), so
 * that the reported pairs can all be acted on at once.
 */
static void
idxadv_report_table(idxadvReportRows *out, Oid relid, idxadvIndex *ix,
					int nix)
{
	int			i,
				j;

	for (i = 0; i < nix; i++)
	{
		idxadvIndex *x = &ix[i];

		if (!x->valid || x->attached)
			continue;
		for (j = 0; j < nix && !x->removed; j++)
		{
			idxadvIndex *y = &ix[j];
			int			c = idxadv_covers(x, y);

			if (c == 0)
				continue;
			if (c == 2 && idxadv_covers(y, x) == 2)
			{
				if (idxadv_rank_cmp(y, x) > 0)
					x->removed = true;
			}
			else if (!idxadv_must_stay(x))
				x->removed = true;
		}
	}

	/*
	 * Never propose the drop that leaves a foreign key unserved: an index
	 * whose drop, together with the others proposed here, would leave some
	 * foreign key's lookup without a serving index stays (by the one rule,
	 * idxadv_fks_served_only_by).  The covering index normally serves the
	 * same lookups; this guards the cases where the rules differ.
	 */
	for (i = 0; i < nix; i++)
	{
		List	   *others = NIL;

		if (!ix[i].removed)
			continue;
		for (j = 0; j < nix; j++)
			if (j != i && ix[j].removed)
				others = lappend_oid(others, ix[j].indexrelid);
		if (idxadv_fks_served_only_by(NULL, ix[i].indexrelid, others) != NIL)
			ix[i].removed = false;
	}

	for (i = 0; i < nix; i++)
	{
		idxadvIndex *x = &ix[i];
		idxadvIndex *best = NULL;
		int			bestkind = 0;
		StringInfoData reason;
		char	   *ddl;

		if (!x->removed)
			continue;
		for (j = 0; j < nix; j++)
		{
			idxadvIndex *y = &ix[j];
			int			c;

			if (y->removed)
				continue;
			c = idxadv_covers(x, y);
			if (c == 0)
				continue;
			if (best == NULL || c > bestkind ||
				(c == bestkind && y->nkeys < best->nkeys))
			{
				best = y;
				bestkind = c;
			}
		}
		if (best == NULL)
			continue;			/* its covers all go too; keep it */

		/* both names schema-qualified: reasons are read out of context */
		initStringInfo(&reason);
		if (bestkind == 2)
			appendStringInfo(&reason,
							 "same keys, operator classes, collations, ordering and predicate as %s, which stays because %s",
							 idxadv_qualified_name(best->indexrelid),
							 idxadv_keep_reason(best, x,
												idxadv_covers(best, x) == 2));
		else
			appendStringInfo(&reason,
							 "its keys are a leading part of the keys of %s, which serves the same lookups",
							 idxadv_qualified_name(best->indexrelid));

		/*
		 * A partial index is only ever covered by one with an equivalent
		 * predicate (idxadv_covers); say so, since a partial index is often
		 * there on purpose.
		 */
		if (x->pred != NIL)
			appendStringInfo(&reason,
							 "; %s is partial, and %s has an equivalent predicate",
							 idxadv_qualified_name(x->indexrelid),
							 idxadv_qualified_name(best->indexrelid));
		ddl = idxadv_drop_ddl(relid, x, best, &reason);
		idxadv_put_dup_row(out, relid, x,
						   bestkind == 2 ? "duplicate" : "redundant",
						   best, reason.data, ddl);
	}
}

/*
 * idxadv_duplicates_table
 *		idxadvisor_duplicates()'s rows for one table: its invalid indexes,
 *		and the indexes that another of its indexes covers.  tuples are the
 *		table's nix pg_index tuples.
 */
static void
idxadv_duplicates_table(idxadvReportRows *out, idxadvReportFilter *filter,
						HTAB *cons, HTAB *busy, Oid relid,
						idxadvIndexTuple *tuples, int nix, TupleDesc desc)
{
	HeapTuple	classtup;
	Form_pg_class classform;
	idxadvIndex *ix;
	int			n;
	int			i;

	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(classtup))
		return;
	classform = (Form_pg_class) GETSTRUCT(classtup);
	if (idxadv_filter_skip(filter, relid, classform))
	{
		ReleaseSysCache(classtup);
		return;
	}
	ReleaseSysCache(classtup);

	/* tables with one valid index and nothing invalid: nothing to say */
	if (nix == 1)
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tuples[0].tuple);

		if (idx->indisvalid && idx->indisready)
			return;
	}

	ix = palloc(sizeof(idxadvIndex) * nix);
	n = 0;
	for (i = 0; i < nix; i++)
		if (idxadv_load_index(&ix[n], tuples[i].tuple, desc, cons))
			n++;
	nix = n;

	for (i = 0; i < nix; i++)
	{
		/* a dying index (DROP INDEX CONCURRENTLY) or one being built */
		if (ix[i].valid || !ix[i].live || ix[i].attached)
			continue;
		if (hash_search(busy, &relid, HASH_FIND, NULL) != NULL)
			continue;
		idxadv_report_invalid(out, relid, &ix[i]);
	}
	if (nix > 1)
		idxadv_report_table(out, relid, ix, nix);
}

/*
 * idxadvisor_duplicates
 *		One row per index that can go (a duplicate of, or redundant to,
 *		another index of its table), plus one per invalid index.
 */
Datum
idxadvisor_duplicates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvReportFilter filter;
	HTAB	   *cons;
	HTAB	   *busy;
	Relation	pg_index;
	SysScanDesc scan;
	HeapTuple	tup;
	idxadvIndexTuple *tuples;
	int			ntuples = 0;
	int			maxtuples = 1024;
	MemoryContext tablecxt;
	MemoryContext oldcxt;
	idxadvReportRows out;
	int			start;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_DUP_COLS)
		elog(ERROR, "incorrect number of output arguments");
	out.cxt = CurrentMemoryContext;
	out.desc = rsinfo->setDesc;
	out.rows = NIL;
	report_lost_relation = false;

	idxadv_filter_init(&filter);
	cons = idxadv_index_constraints();
	busy = idxadv_busy_tables();

	/* Every pg_index row, sorted by table */
	tuples = palloc(sizeof(idxadvIndexTuple) * maxtuples);
	pg_index = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);

		/* system catalogs' indexes are never reported */
		if (IsCatalogRelationOid(idx->indrelid))
			continue;
		if (ntuples == maxtuples)
		{
			maxtuples *= 2;
			tuples = repalloc_huge(tuples, sizeof(idxadvIndexTuple) * maxtuples);
		}
		tuples[ntuples].indrelid = idx->indrelid;
		tuples[ntuples].indexrelid = idx->indexrelid;
		tuples[ntuples].tuple = heap_copytuple(tup);
		ntuples++;
	}
	systable_endscan(scan);
	if (ntuples > 1)
		qsort(tuples, ntuples, sizeof(idxadvIndexTuple), idxadv_index_tuple_cmp);

	tablecxt = AllocSetContextCreate(CurrentMemoryContext,
									 "idxadvisor duplicates table",
									 ALLOCSET_DEFAULT_SIZES);
	for (start = 0; start < ntuples;)
	{
		Oid			relid = tuples[start].indrelid;
		int			end = start;

		while (end < ntuples && tuples[end].indrelid == relid)
			end++;
		oldcxt = MemoryContextSwitchTo(tablecxt);
		idxadv_duplicates_table(&out, &filter, cons, busy, relid,
								&tuples[start], end - start,
								RelationGetDescr(pg_index));
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(tablecxt);
		start = end;
	}
	table_close(pg_index, AccessShareLock);
	idxadv_put_rows(&out, rsinfo);

	return (Datum) 0;
}

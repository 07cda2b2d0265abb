/*-------------------------------------------------------------------------
 *
 * idxadvisor_suggest.c
 *		idxadvisor_suggest(): ranked index suggestions from the captured scans,
 *		the catalogs and the planner's statistics.
 *
 * The suggestions are made in five steps.
 *
 * 1. Patterns.  Every captured statistics entry of the current database that
 *	  the caller may see becomes a pattern: the table, its equality-like
 *	  columns (=, IN, IS NULL, boolean), its range columns, the ORDER BY
 *	  columns seen above the scan, and the counters.  Entries of partitions
 *	  of one partitioned table that show the same pattern are lifted to the
 *	  partitioned table when every leaf partition shows it (DESIGN.md leaves
 *	  partitions open; this is our rule, see the README).  Unindexed foreign
 *	  keys from the catalog report are added as patterns with no captured
 *	  scans.
 *
 * 2. Filtering.  A pattern is rejected when its table is smaller than
 *	  idxadvisor.min_table_pages, when no column of its filter is one a btree
 *	  index can serve, or when an existing valid index already serves it.
 *	  A boolean, IS NULL or IS NOT NULL condition that keeps at most
 *	  IDXADV_PARTIAL_FRACTION of the rows (the planner's estimate) becomes the
 *	  pattern's partial-index predicate instead of a key column.
 *
 * 3. Merging.  Patterns of one table are merged into the fewest candidate
 *	  indexes: widest patterns first, a narrower pattern joins a candidate
 *	  whose leading columns can serve it.  The equality columns of a candidate
 *	  are kept as a chain of blocks whose internal order is still free, so
 *	  that a pattern on {a} and one on {a, b} share one index (a, b), and so
 *	  do (a = $1 ORDER BY b) and (a = $1 AND b = $2).  Candidates that end up
 *	  with the same columns are folded into one.
 *
 * 4. Costing.  Each candidate's columns are ordered (within each block the
 *	  most selective column first, by pg_statistic's n_distinct), named, and
 *	  costed by planning a representative query built from catalog data
 *	  twice: once as the catalogs are, once with a hypothetical IndexOptInfo
 *	  for the candidate added through get_relation_info_hook, which is set
 *	  only for the duration of that planner() call.  The index is never
 *	  built.  A candidate the planner would not use is rejected.
 *
 * 5. Ranking.  score = scans that the index would serve (for an unindexed
 *	  foreign key known only from the catalog: its parent's deletes and
 *	  updates) times the estimated cost saved per scan.
 *
 * Locks and side effects: the function only reads.  Sizes come from
 * pg_class, or for a table never vacuumed nor analyzed from the size of its
 * file, so a table too small to matter is never locked.  Any other table is
 * locked (AccessShareLock) while one of its patterns is judged and while one
 * of its candidates is costed, and unlocked right after: so it cannot be
 * dropped or altered under us, and thousands of tables never fill the lock
 * table.  The lock is only tried: a table that a migration holds under
 * ACCESS EXCLUSIVE is passed over with that reason rather than waited for.
 * The rows are written without locks, from the system caches, and a table
 * dropped by then is left out.  Each planner() call runs in an internal
 * subtransaction that is rolled back, which releases the locks parse
 * analysis and the planner took on indexes and partitions, for the same
 * reason; the representative queries have no query identifier and skip
 * post_parse_analyze_hook, so statistics extensions never record them.  The unindexed foreign keys come from the
 * catalog report's list (idxadvisor_report.c), so both judge them alike.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/htup_details.h"
#include "access/itup.h"
#include "access/nbtree.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/params.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parse_param.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "idxadvisor.h"

/*---- Macros ----*/

/* Number of output columns of idxadvisor_suggest() */
#define IDXADV_SUGGEST_COLS		15

/*
 * A boolean / IS [NOT] NULL condition keeping at most this fraction of the
 * rows becomes a partial-index predicate: the index is then at least five
 * times smaller than a full one.
 */
#define IDXADV_PARTIAL_FRACTION 0.2

/*
 * OID given to the hypothetical index.  The planner only compares it with
 * the OIDs in its own paths; no catalog lookup is ever made with it
 * (IndexOptInfo.hypothetical keeps get_actual_variable_range away).  No
 * relation has OID 1.
 */
#define IDXADV_HYPO_INDEXOID	((Oid) 1)

/* btree leaf fillfactor of a new index, and internal pages' fill */
#define IDXADV_LEAF_FILL		(BTREE_DEFAULT_FILLFACTOR / 100.0)
#define IDXADV_INTERNAL_FILL	0.7

/*---- Data structures ----*/

/* What one column of a pattern or candidate does */
typedef struct idxadvCol
{
	AttrNumber	attnum;
	uint8		kind;			/* idxadvCmpKind; EQ, TRUE, FALSE, NULL are
								 * equality-like */
	uint8		flags;			/* ORDER BY columns: IDXADV_ORDER_* */
} idxadvCol;

/* One pattern: a captured scan shape (or an unindexed FK) on its table */
typedef struct idxadvPattern
{
	Oid			relid;			/* table the index would go on */
	int			neq;
	idxadvCol	eq[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
	int			nrange;
	idxadvCol	range[IDXADV_MAX_COLS];
	int			norder;
	idxadvCol	order[IDXADV_MAX_ORDER];
	int			nflag;			/* boolean / IS [NOT] NULL, undecided */
	idxadvCol	flag[IDXADV_MAX_COLS];
	idxadvCol	pred;			/* partial predicate, attnum 0 if none */
	double		pred_fraction;

	/* counters */
	int64		executions;
	int64		fk_executions;
	int64		rows_scanned;
	int64		rows_matched;
	int64		limited_executions; /* of which under a top-N sort */
	int64		limit_max;		/* the largest LIMIT (+ OFFSET) seen */
	int			npartitions;	/* lifted: partitions that showed it */

	/* an unindexed foreign key known from the catalog */
	Oid			fk_conoid;
	char	   *fk_name;
	double		fk_parent_writes;	/* deletes + updates on the parent */

	bool		lifted;			/* merged into a partitioned parent */
	const char *rejected;		/* reason, or NULL */
} idxadvPattern;

/* One candidate index */
typedef struct idxadvCandidate
{
	Oid			relid;
	int			neq;			/* equality-like prefix */
	idxadvCol	eq[INDEX_MAX_KEYS];
	int			nblocks;		/* the prefix as a chain of blocks */
	int			block_end[INDEX_MAX_KEYS];
	int			ntail;			/* range column, then ORDER BY columns */
	idxadvCol	tail[IDXADV_MAX_ORDER + 1];
	idxadvCol	pred;
	double		pred_fraction;

	List	   *patterns;		/* idxadvPattern * served */
	idxadvPattern *dominant;	/* the one with most scans */

	/* results */
	char	   *fk_name;
	char	   *ddl;
	int64		index_bytes;
	double		cost_before;
	double		cost_after;
	double		score;
	const char *rejected;
	bool		merged;			/* identical to an earlier candidate */
} idxadvCandidate;

/* What the hypothetical index looks like, by column name */
typedef struct idxadvHypoIndex
{
	int			ncols;
	char	   *colnames[INDEX_MAX_KEYS];
	uint8		colflags[INDEX_MAX_KEYS];
	char	   *predname;		/* NULL: not partial */
	uint8		predkind;
	double		pred_fraction;
	int32		datawidth;
} idxadvHypoIndex;

/* State of one planning call, seen by the get_relation_info hook */
typedef struct idxadvPlanState
{
	List	   *leaves;			/* OIDs of the tables planned on */
	idxadvHypoIndex *hypo;		/* to inject, or NULL */
} idxadvPlanState;

/* What one planner() call of idxadv_plan() tells */
typedef struct idxadvPlanResult
{
	double		cost;			/* the plan's total cost */
	double		rows;			/* its estimated rows */
	bool		used;			/* does it use the hypothetical index? */
} idxadvPlanResult;

/* Per-table facts */
typedef struct idxadvTable
{
	Oid			relid;
	char		relkind;
	Oid			nspid;
	char	   *relname;
	List	   *leaves;			/* leaf partitions, or just relid */
	Oid			owner;			/* planned as this role (relowner) */
	char	   *owner_problem;	/* why it cannot be planned as one role */
	double		pages;
	double		tuples;
	List	   *candidates;		/* idxadvCandidate * on this table */
} idxadvTable;

/* An index name given out by this call */
typedef struct idxadvName
{
	char		name[NAMEDATALEN];
} idxadvName;

/* Default btree operator class of a type, cached for this call */
typedef struct idxadvOpclass
{
	Oid			type;
	Oid			opclass;
} idxadvOpclass;

/*---- Local variables ----*/

static idxadv_rel_hook_type prev_get_relation_info_hook = NULL;
static idxadvPlanState *plan_state = NULL;

/* Memory of one planning call, reset after each */
static MemoryContext plan_cxt = NULL;

/*
 * Lookup tables of one idxadvisor_suggest() call, so that a database with
 * thousands of tables costs linear time: tables by OID, index names given
 * out, default btree operator classes by type (GetDefaultOpClass() scans
 * pg_opclass each time).
 */
static HTAB *table_hash = NULL;
static HTAB *name_hash = NULL;
static HTAB *opclass_hash = NULL;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_suggest);

static List *idxadv_collect_patterns(void);
static bool idxadv_columns_exist(const idxadvHashKey *key);
static bool idxadv_column_live(Oid relid, AttrNumber attnum);
static void idxadv_pattern_from_key(idxadvPattern *p, const idxadvScanStat *s);
static List *idxadv_lift_partitions(List *patterns);
static bool idxadv_patterns_same_shape(const idxadvPattern *a,
									   const idxadvPattern *b);
static bool idxadv_map_to_root(idxadvPattern *p, Oid root);
static bool idxadv_pattern_limited(const idxadvPattern *p);
static List *idxadv_fk_patterns(List *patterns);
static idxadvTable *idxadv_table_info(Oid relid);
static Oid	idxadv_rel_owner(Oid relid);
static void idxadv_check_partition_owner(idxadvTable *t, Oid child);
static Oid	idxadv_btree_opclass(Oid type);
static void idxadv_decide_pattern(idxadvPattern *p, idxadvTable *t);
static void idxadv_decide_columns(idxadvPattern *p, idxadvTable *t);
static const char *idxadv_lock_table(Oid relid, int ncols,
									 const idxadvCol *cols);
static double idxadv_clause_fraction(idxadvTable *t, AttrNumber attnum,
									 uint8 kind);
static const char *idxadv_served_by(idxadvPattern *p);
static bool idxadv_index_matches(Relation index, idxadvPattern *p);
static bool idxadv_same_direction(uint8 want, uint8 have, int *dir);
static List *idxadv_merge(List *patterns);
static bool idxadv_absorb(idxadvCandidate *c, idxadvPattern *p);
static int	idxadv_refine_blocks(idxadvCandidate *c, int pos,
								 const AttrNumber *want, int n);
static void idxadv_order_columns(idxadvCandidate *c, idxadvTable *t);
static bool idxadv_same_as_earlier(idxadvCandidate *c, idxadvTable *t);
static double idxadv_ndistinct(idxadvTable *t, AttrNumber attnum);
static void idxadv_cost_candidate(idxadvCandidate *c, idxadvTable *t,
								  HTAB *names);
static char *idxadv_rep_query(idxadvCandidate *c, idxadvTable *t,
							  idxadvPattern *p, int *nparams, Oid **types,
							  ParamListInfo *params);
static char *idxadv_plan(idxadvTable *t, const char *sql, int nparams,
						Oid *types, ParamListInfo params, int nplans,
						idxadvHypoIndex **hypos, idxadvPlanResult *results);
static bool idxadv_plan_uses_hypo(Plan *plan);
static void idxadv_get_relation_info(IDXADV_REL_HOOK_PARAMS);
static IndexOptInfo *idxadv_make_hypo_index(RelOptInfo *rel, Oid relid,
											idxadvHypoIndex *hypo);
static Var *idxadv_leaf_var(RelOptInfo *rel, Oid relid, const char *name);
static Expr *idxadv_flag_clause(Var *var, uint8 kind);
static void idxadv_index_size(double tuples, int32 datawidth,
							  BlockNumber *pages, int *height);
static char *idxadv_operator_sql(Oid type, int16 strategy);
static Oid	idxadv_attcollation(Oid relid, AttrNumber attnum);
static int32 idxadv_column_width(Oid relid, AttrNumber attnum, int32 *offset);
static char *idxadv_flag_sql(const char *colname, uint8 kind);
static char *idxadv_col_sql(Oid relid, const idxadvCol *col, bool order);
static void idxadv_emit(ReturnSetInfo *rsinfo, idxadvCandidate *c);
static void idxadv_emit_rejected(ReturnSetInfo *rsinfo, idxadvPattern *p);
static int	idxadv_pattern_cmp(const ListCell *a, const ListCell *b);
static int	idxadv_candidate_cmp(const ListCell *a, const ListCell *b);
static int	idxadv_col_cmp(const void *a, const void *b);

/* Is a comparison kind one that a btree key column serves like equality? */
#define IDXADV_EQ_LIKE(k) \
	((k) == IDXADV_CMP_EQ || (k) == IDXADV_CMP_TRUE || \
	 (k) == IDXADV_CMP_FALSE || (k) == IDXADV_CMP_NULL)

/* ----------------------------------------------------------------
 * Step 1: patterns
 * ----------------------------------------------------------------
 */

/*
 * Turn the captured entries of the current database that the caller may see
 * into patterns, and lift partitions' patterns to their partitioned table
 * where every leaf shows them.
 */
static List *
idxadv_collect_patterns(void)
{
	idxadvScanStat *stats;
	int			nstats;
	int			i;
	List	   *patterns = NIL;
	Oid			userid = GetUserId();
	bool		see_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);

	stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);

	for (i = 0; i < nstats; i++)
	{
		idxadvPattern *p;

		/* same visibility rule as idxadvisor_scans */
		if (!SearchSysCacheExists1(RELOID,
								   ObjectIdGetDatum(stats[i].key.relid)))
			continue;
		if (!see_all &&
			pg_class_aclcheck(stats[i].key.relid, userid,
							  ACL_SELECT | ACL_INSERT | ACL_UPDATE |
							  ACL_DELETE | ACL_REFERENCES) != ACLCHECK_OK)
			continue;
		if (stats[i].counters.executions <= 0 ||
			!idxadv_columns_exist(&stats[i].key))
			continue;

		p = palloc0(sizeof(idxadvPattern));
		idxadv_pattern_from_key(p, &stats[i]);
		patterns = lappend(patterns, p);
	}
	pfree(stats);

	return idxadv_lift_partitions(patterns);
}

/*
 * Are all the columns an entry names still there?  An entry recorded before
 * a column was dropped describes a query that cannot run any more.
 */
static bool
idxadv_columns_exist(const idxadvHashKey *key)
{
	int			i;

	for (i = 0; i < key->natts + key->norder; i++)
		if (!idxadv_column_live(key->relid, i < key->natts ? key->attnums[i] :
								key->order_attnums[i - key->natts]))
			return false;
	return true;
}

/*
 * Is attnum a column of relid that is not dropped?
 */
static bool
idxadv_column_live(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup;
	bool		ok;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
						  Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tup))
		return false;
	ok = !((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;
	ReleaseSysCache(tup);
	return ok;
}

/*
 * Fill a pattern from a statistics entry.  ORDER BY columns that the filter
 * fixes by equality are left out: they do not order anything.
 */
static void
idxadv_pattern_from_key(idxadvPattern *p, const idxadvScanStat *s)
{
	const idxadvHashKey *key = &s->key;
	int			i;

	p->relid = key->relid;
	for (i = 0; i < key->natts; i++)
	{
		idxadvCol	col = {key->attnums[i], key->kinds[i], 0};

		switch (key->kinds[i])
		{
			case IDXADV_CMP_EQ:
				p->eq[p->neq++] = col;
				break;
			case IDXADV_CMP_RANGE:
				p->range[p->nrange++] = col;
				break;
			case IDXADV_CMP_TRUE:
			case IDXADV_CMP_FALSE:
			case IDXADV_CMP_NULL:
			case IDXADV_CMP_NOTNULL:
				p->flag[p->nflag++] = col;
				break;
			default:
				/* LIKE, <>, expressions: no btree serves them */
				break;
		}
	}
	for (i = 0; i < key->norder; i++)
	{
		int			j;
		bool		fixed = false;

		for (j = 0; j < key->natts; j++)
			if (key->attnums[j] == key->order_attnums[i] &&
				IDXADV_EQ_LIKE(key->kinds[j]))
				fixed = true;
		if (!fixed)
		{
			idxadvCol	col = {key->order_attnums[i], 0, key->order_flags[i]};

			p->order[p->norder++] = col;
		}
	}

	p->executions = s->counters.executions;
	p->fk_executions = s->counters.fk_trigger_executions;
	p->rows_scanned = s->counters.rows_scanned;
	p->rows_matched = s->counters.rows_matched;
	p->limited_executions = s->counters.limited_executions;
	p->limit_max = s->counters.limit_max;
	p->npartitions = 1;
}

/*
 * Partitions' scans are recorded per partition.  Where every leaf partition
 * of a partitioned table shows the same pattern, replace them with one
 * pattern on the top-most partitioned table: one index there serves all of
 * them, and future partitions get it too.  Otherwise the partitions keep
 * their own patterns.
 */
static List *
idxadv_lift_partitions(List *patterns)
{
	List	   *result = NIL;
	List	   *lifted = NIL;
	ListCell   *lc;

	foreach(lc, patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);
		idxadvPattern *copy;
		List	   *ancestors;
		Oid			root;
		ListCell   *lc2;
		bool		found = false;

		if (!get_rel_relispartition(p->relid))
			continue;
		ancestors = get_partition_ancestors(p->relid);
		if (ancestors == NIL)
			continue;
		root = llast_oid(ancestors);

		copy = palloc(sizeof(idxadvPattern));
		memcpy(copy, p, sizeof(idxadvPattern));
		if (!idxadv_map_to_root(copy, root))
			continue;

		foreach(lc2, lifted)
		{
			idxadvPattern *l = (idxadvPattern *) lfirst(lc2);

			if (idxadv_patterns_same_shape(l, copy))
			{
				l->executions += copy->executions;
				l->fk_executions += copy->fk_executions;
				l->rows_scanned += copy->rows_scanned;
				l->rows_matched += copy->rows_matched;
				l->limited_executions += copy->limited_executions;
				l->limit_max = Max(l->limit_max, copy->limit_max);
				l->npartitions++;
				found = true;
				break;
			}
		}
		if (!found)
			lifted = lappend(lifted, copy);
	}

	/* a lifted pattern that every leaf showed replaces the leaves' ones */
	foreach(lc, lifted)
	{
		idxadvPattern *l = (idxadvPattern *) lfirst(lc);
		List	   *leaves;
		ListCell   *lc2;
		int			nleaves = 0;

		leaves = find_all_inheritors(l->relid, NoLock, NULL);
		foreach(lc2, leaves)
			if (get_rel_relkind(lfirst_oid(lc2)) == RELKIND_RELATION)
				nleaves++;
		if (l->npartitions < nleaves)
			continue;

		foreach(lc2, patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc2);
			idxadvPattern tmp;

			if (p->lifted || !list_member_oid(leaves, p->relid))
				continue;
			memcpy(&tmp, p, sizeof(idxadvPattern));
			if (idxadv_map_to_root(&tmp, l->relid) &&
				idxadv_patterns_same_shape(l, &tmp))
				p->lifted = true;
		}
		result = lappend(result, l);
	}

	foreach(lc, patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		if (!p->lifted)
			result = lappend(result, p);
	}
	return result;
}

/*
 * Map a partition's pattern onto the columns of its root, by name (a
 * partition may number its columns differently).  Columns end up sorted by
 * the root's attnums, so that equal shapes compare equal.
 */
static bool
idxadv_map_to_root(idxadvPattern *p, Oid root)
{
	idxadvCol  *arrays[4] = {p->eq, p->range, p->order, p->flag};
	int			counts[4] = {p->neq, p->nrange, p->norder, p->nflag};
	int			a;
	int			i;

	for (a = 0; a < 4; a++)
	{
		for (i = 0; i < counts[a]; i++)
		{
			char	   *name = get_attname(p->relid, arrays[a][i].attnum, true);
			AttrNumber	rootatt;

			if (name == NULL)
				return false;
			rootatt = get_attnum(root, name);
			if (rootatt == InvalidAttrNumber)
				return false;
			arrays[a][i].attnum = rootatt;
		}
		/* ORDER BY columns keep their order */
		if (a != 2)
			qsort(arrays[a], counts[a], sizeof(idxadvCol), idxadv_col_cmp);
	}
	p->relid = root;
	return true;
}

/*
 * Do two patterns of one table have the same columns, kinds and order?
 */
static bool
idxadv_patterns_same_shape(const idxadvPattern *a, const idxadvPattern *b)
{
	return a->relid == b->relid &&
		a->neq == b->neq && a->nrange == b->nrange &&
		a->norder == b->norder && a->nflag == b->nflag &&
		memcmp(a->eq, b->eq, a->neq * sizeof(idxadvCol)) == 0 &&
		memcmp(a->range, b->range, a->nrange * sizeof(idxadvCol)) == 0 &&
		memcmp(a->order, b->order, a->norder * sizeof(idxadvCol)) == 0 &&
		memcmp(a->flag, b->flag, a->nflag * sizeof(idxadvCol)) == 0;
}

/*
 * Is p a top-N pattern: did most of its scans run under a Sort bounded by a
 * LIMIT?
 */
static bool
idxadv_pattern_limited(const idxadvPattern *p)
{
	return p->limit_max > 0 && p->limited_executions * 2 >= p->executions;
}

/*
 * Unindexed foreign keys from the catalog report, as patterns with no
 * captured scans: the report's own list (idxadv_unindexed_foreign_keys), so
 * that foreign keys are judged in one place, without the report's sizes and
 * DDL, which cost a stat() per file and are not needed here.  Merging later
 * folds such a pattern into a candidate whose leading columns serve it,
 * which makes that candidate a foreign_key suggestion; the others stand on
 * their own.  As in the capture view, a caller sees the foreign keys of the
 * tables on which it holds some privilege, or all with pg_read_all_stats.
 */
static List *
idxadv_fk_patterns(List *patterns)
{
	Oid			userid = GetUserId();
	bool		see_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);
	ListCell   *lc;

	foreach(lc, idxadv_unindexed_foreign_keys(NULL))
	{
		idxadvForeignKey *fk = (idxadvForeignKey *) lfirst(lc);
		idxadvPattern *p;
		int64		deletes;
		int64		updates;
		int			j;

		if (!see_all &&
			pg_class_aclcheck(fk->conrelid, userid,
							  ACL_SELECT | ACL_INSERT | ACL_UPDATE |
							  ACL_DELETE | ACL_REFERENCES) != ACLCHECK_OK)
			continue;

		p = palloc0(sizeof(idxadvPattern));
		p->relid = fk->conrelid;
		p->fk_name = pstrdup(NameStr(fk->conname));
		idxadv_fk_parent_writes(fk, &deletes, &updates);
		p->fk_parent_writes = (double) deletes + (double) updates;
		for (j = 0; j < fk->ncols; j++)
		{
			p->eq[j].attnum = fk->attnums[j];
			p->eq[j].kind = IDXADV_CMP_EQ;
		}
		p->neq = fk->ncols;
		patterns = lappend(patterns, p);
	}
	return patterns;
}

/* ----------------------------------------------------------------
 * Step 2: filtering
 * ----------------------------------------------------------------
 */

/*
 * Facts about a table, looked up once per call.
 */
static idxadvTable *
idxadv_table_info(Oid relid)
{
	idxadvTable *t;
	ListCell   *lc2;
	bool		found;
	List	   *unmeasured = NIL;
	double		unmeasured_pages = 0;

	t = (idxadvTable *) hash_search(table_hash, &relid, HASH_ENTER, &found);
	if (found)
		return t;

	memset(t, 0, sizeof(idxadvTable));
	t->relid = relid;
	t->relkind = get_rel_relkind(relid);
	t->nspid = get_rel_namespace(relid);
	t->relname = get_rel_name(relid);
	t->owner = idxadv_rel_owner(relid);
	if (t->relkind == RELKIND_PARTITIONED_TABLE)
	{
		/* no locks: a partition dropped meanwhile just drops out below */
		foreach(lc2, find_all_inheritors(relid, NoLock, NULL))
		{
			Oid			child = lfirst_oid(lc2);

			if (get_rel_relkind(child) == RELKIND_RELATION)
				t->leaves = lappend_oid(t->leaves, child);
			idxadv_check_partition_owner(t, child);
		}
	}
	else
		t->leaves = list_make1_oid(relid);

	/*
	 * Size: pg_class's figures, kept fresh by VACUUM and ANALYZE, which
	 * cost a syscache lookup.  A table never vacuumed nor analyzed has none:
	 * its blocks are counted from its files first, and only when that makes
	 * it big enough to matter is it opened to estimate its rows the way the
	 * planner does.  Opening each of thousands of small tables would cost
	 * more than all the rest (autovacuum never analyzes a table of a few
	 * rows, so a schema of many small tables is full of them).
	 */
	foreach(lc2, t->leaves)
	{
		Oid			leaf = lfirst_oid(lc2);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(leaf));
		Form_pg_class form;

		if (!HeapTupleIsValid(tup))
			continue;
		form = (Form_pg_class) GETSTRUCT(tup);
		if (form->reltuples >= 0)
		{
			t->pages += form->relpages;
			t->tuples += form->reltuples;
		}
		else
		{
			unmeasured = lappend_oid(unmeasured, leaf);
			unmeasured_pages += idxadv_heap_blocks(leaf);
		}
		ReleaseSysCache(tup);
	}
	if (t->pages + unmeasured_pages < idxadv_min_table_pages)
	{
		/* too small either way: its rows do not matter */
		t->pages += unmeasured_pages;
		return t;
	}

	foreach(lc2, unmeasured)
	{
		Oid			leaf = lfirst_oid(lc2);
		Relation	rel;
		BlockNumber pages;
		double		tuples;
		double		allvisfrac;
		idxadvUserSwitch sw;

		/* not behind a migration's lock: then its file's size will do */
		if (!ConditionalLockRelationOid(leaf, AccessShareLock))
		{
			t->pages += idxadv_heap_blocks(leaf);
			continue;
		}

		/*
		 * Opened as its owner, like everything that builds a relcache entry
		 * of a table we plan on (see idxadv_plan).
		 */
		idxadv_switch_to_owner(idxadv_rel_owner(leaf), &sw);
		rel = try_relation_open(leaf, NoLock);
		if (rel != NULL &&
			(rel->rd_rel->relkind == RELKIND_RELATION ||
			 rel->rd_rel->relkind == RELKIND_MATVIEW))
		{
			estimate_rel_size(rel, NULL, &pages, &tuples, &allvisfrac);
			t->pages += pages;
			t->tuples += tuples;
		}
		idxadv_switch_back(&sw);
		if (rel != NULL)
			relation_close(rel, AccessShareLock);
		else
			UnlockRelationOid(leaf, AccessShareLock);
	}

	return t;
}

/*
 * The owner of a relation; InvalidOid when it is gone (then nothing of it
 * is planned).
 */
static Oid
idxadv_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * A partitioned table is planned as its owner, with all its partitions
 * (their index expressions and predicates, partition keys and constraints
 * are evaluated while planning, and the planner cannot switch user per
 * partition).  A partition with another owner would have its code run with
 * the partitioned table's owner's privileges: the table is then not planned
 * at all, and says why.
 */
static void
idxadv_check_partition_owner(idxadvTable *t, Oid child)
{
	Oid			owner = idxadv_rel_owner(child);

	if (t->owner_problem != NULL || !OidIsValid(owner) || owner == t->owner)
		return;
	t->owner_problem = psprintf("partition %s has another owner than the partitioned table: planning the table would run that owner's index expressions, predicates and constraints with the privileges of the table's owner, so it is left out (give all partitions the table's owner)",
								quote_qualified_identifier(get_namespace_name(get_rel_namespace(child)),
														   get_rel_name(child)));
}

/*
 * The default btree operator class of a type, InvalidOid if none.
 */
static Oid
idxadv_btree_opclass(Oid type)
{
	idxadvOpclass *entry;
	bool		found;

	entry = (idxadvOpclass *) hash_search(opclass_hash, &type, HASH_ENTER,
										  &found);
	if (!found)
		entry->opclass = GetDefaultOpClass(type, BTREE_AM_OID);
	return entry->opclass;
}

/*
 * Lock a table (AccessShareLock) for the time one pattern or candidate of it
 * is looked at: with the lock held it cannot be dropped or altered under us.
 * Never waits: a migration holding ACCESS EXCLUSIVE must not make a DBA's
 * call hang behind it, so such a table is passed over, with the reason.
 * The columns cols[0 .. ncols-1] (attnum 0 skipped) must still be there
 * too.  Returns NULL when locked (the caller unlocks), else the reason.  One
 * table at a time, so that thousands of tables never fill the lock table.
 */
static const char *
idxadv_lock_table(Oid relid, int ncols, const idxadvCol *cols)
{
	int			i;

	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return "the table is locked by another session (ACCESS EXCLUSIVE, as a migration's ALTER TABLE takes): run idxadvisor_suggest() again when it is done";

	/* locking processed the invalidations: the caches are current */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
	{
		UnlockRelationOid(relid, AccessShareLock);
		return "the table was dropped while idxadvisor_suggest() ran";
	}
	for (i = 0; i < ncols; i++)
	{
		if (cols[i].attnum != 0 && !idxadv_column_live(relid, cols[i].attnum))
		{
			UnlockRelationOid(relid, AccessShareLock);
			return "a column was dropped while idxadvisor_suggest() ran";
		}
	}
	return NULL;
}

/*
 * Decide what an index can do for a pattern on table t, or why not.
 */
static void
idxadv_decide_pattern(idxadvPattern *p, idxadvTable *t)
{
	if (t->relkind != RELKIND_RELATION &&
		t->relkind != RELKIND_PARTITIONED_TABLE &&
		t->relkind != RELKIND_MATVIEW)
	{
		p->rejected = "not a table or materialized view";
		return;
	}
	if (IsCatalogRelationOid(p->relid))
	{
		p->rejected = "system catalog";
		return;
	}
	if (t->pages < idxadv_min_table_pages)
	{
		p->rejected = psprintf("table has %.0f page%s, fewer than idxadvisor.min_table_pages (%d): a sequential scan of it is cheap",
							   t->pages, t->pages == 1 ? "" : "s",
							   idxadv_min_table_pages);
		return;
	}
	if (t->owner_problem != NULL)
	{
		p->rejected = t->owner_problem;
		return;
	}

	{
		idxadvCol	cols[IDXADV_MAX_COLS * 3 + IDXADV_MAX_ORDER + INDEX_MAX_KEYS];
		int			n = 0;

		memcpy(cols + n, p->eq, p->neq * sizeof(idxadvCol));
		n += p->neq;
		memcpy(cols + n, p->range, p->nrange * sizeof(idxadvCol));
		n += p->nrange;
		memcpy(cols + n, p->order, p->norder * sizeof(idxadvCol));
		n += p->norder;
		memcpy(cols + n, p->flag, p->nflag * sizeof(idxadvCol));
		n += p->nflag;
		p->rejected = idxadv_lock_table(p->relid, n, cols);
		if (p->rejected)
			return;
	}
	idxadv_decide_columns(p, t);
	UnlockRelationOid(p->relid, AccessShareLock);
}

/*
 * The part of idxadv_decide_pattern() that reads the table's columns,
 * statistics and indexes, with the table locked.
 */
static void
idxadv_decide_columns(idxadvPattern *p, idxadvTable *t)
{
	int			i;
	int			n;
	idxadvCol	best = {0, 0, 0};
	double		best_fraction = 2.0;

	/* a column whose type has no default btree opclass cannot be a key */
#define IDXADV_KEEP_BTREE(arr, cnt) \
	do { \
		n = 0; \
		for (i = 0; i < (cnt); i++) \
			if (OidIsValid(idxadv_btree_opclass(get_atttype(p->relid, (arr)[i].attnum)))) \
				(arr)[n++] = (arr)[i]; \
		(cnt) = n; \
	} while (0)

	IDXADV_KEEP_BTREE(p->eq, p->neq);
	IDXADV_KEEP_BTREE(p->range, p->nrange);
	IDXADV_KEEP_BTREE(p->order, p->norder);
#undef IDXADV_KEEP_BTREE

	/*
	 * Boolean and NULL tests: the rarest one that keeps a small share of the
	 * rows becomes the partial predicate; the others equality-like key
	 * columns (IS NOT NULL is useless as a key: dropped).
	 */
	for (i = 0; i < p->nflag; i++)
	{
		double		f = idxadv_clause_fraction(t, p->flag[i].attnum,
											   p->flag[i].kind);

		if (f <= IDXADV_PARTIAL_FRACTION && f < best_fraction)
		{
			best = p->flag[i];
			best_fraction = f;
		}
	}
	for (i = 0; i < p->nflag; i++)
	{
		if (p->flag[i].attnum == best.attnum)
			continue;
		if (p->flag[i].kind != IDXADV_CMP_NOTNULL &&
			OidIsValid(idxadv_btree_opclass(get_atttype(p->relid, p->flag[i].attnum))))
			p->eq[p->neq++] = p->flag[i];
	}
	p->nflag = 0;
	if (best.attnum != 0)
	{
		p->pred = best;
		p->pred_fraction = best_fraction;
	}

	/* at most one range column: the one ORDER BY also wants, else the first */
	if (p->nrange > 1)
	{
		int			keep = 0;

		for (i = 0; i < p->nrange; i++)
			if (p->norder > 0 && p->range[i].attnum == p->order[0].attnum)
				keep = i;
		p->range[0] = p->range[keep];
		p->nrange = 1;
	}
	/* a range column that ORDER BY leads with is the ORDER BY column */
	if (p->nrange == 1 && p->norder > 0 &&
		p->range[0].attnum == p->order[0].attnum)
		p->nrange = 0;

	if (p->neq == 0 && p->nrange == 0 && p->norder == 0 && p->pred.attnum == 0)
	{
		p->rejected = "no condition of the filter is one a btree index can use (only <>, LIKE, expressions or IS NOT NULL on a common value)";
		return;
	}

	/*
	 * Left with only ORDER BY columns and no LIMIT, an index could only
	 * return the whole table in order for the filter to sift: the sort of
	 * the rows that pass is cheaper.  (The representative query cannot say
	 * how few rows pass a filter no index can use, so the planner would be
	 * asked the wrong question.)  Under a LIMIT the index stops early.
	 */
	if (p->neq == 0 && p->nrange == 0 && p->pred.attnum == 0 &&
		!idxadv_pattern_limited(p))
	{
		p->rejected = "ORDER BY without LIMIT over a filter no btree index can use: an index would read the whole table in order, sorting the rows that pass is cheaper";
		return;
	}

	p->rejected = idxadv_served_by(p);
}

/*
 * Share of the rows of t that a boolean or NULL test on attnum keeps, as the
 * planner estimates it.
 */
static double
idxadv_clause_fraction(idxadvTable *t, AttrNumber attnum, uint8 kind)
{
	StringInfoData sql;
	idxadvHypoIndex *nohypo = NULL;
	idxadvPlanResult plan;

	if (t->tuples <= 0)
		return 1.0;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT 1 FROM %s%s WHERE %s",
					 t->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(t->nspid),
												t->relname),
					 idxadv_flag_sql(get_attname(t->relid, attnum, false),
									 kind));
	if (idxadv_plan(t, sql.data, 0, NULL, NULL, 1, &nohypo, &plan))
		return 1.0;				/* no estimate: no partial index */
	return Min(plan.rows / t->tuples, 1.0);
}

/*
 * If an existing valid index already serves the pattern, say which.
 *
 * The equality part follows DESIGN.md section 3, through the catalog
 * helper (operator family, collation, predicate implied by the
 * equalities).  Range and ORDER BY columns, and partial predicates, are
 * checked here, on plain btree indexes.
 */
static const char *
idxadv_served_by(idxadvPattern *p)
{
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	const char *result = NULL;

	if (p->neq > 0 && p->nrange == 0 && p->norder == 0 && p->pred.attnum == 0)
	{
		AttrNumber	attnums[INDEX_MAX_KEYS];
		Oid			indexoid;
		int			i;

		for (i = 0; i < p->neq && i < INDEX_MAX_KEYS; i++)
			attnums[i] = p->eq[i].attnum;
		indexoid = idxadv_find_serving_index(NULL, p->relid,
											 Min(p->neq, INDEX_MAX_KEYS),
											 attnums, NULL);
		if (OidIsValid(indexoid))
			return psprintf("already served by index %s",
							quote_identifier(get_rel_name(indexoid)));
	}

	rel = table_open(p->relid, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);

		if (idxadv_index_matches(index, p))
			result = psprintf("already served by index %s",
							  quote_identifier(RelationGetRelationName(index)));
		index_close(index, AccessShareLock);
		if (result)
			break;
	}
	list_free(indexes);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Does a btree index serve the pattern: its first key columns the equality
 * columns in any order, then the range column, then the ORDER BY columns
 * (all in the pattern's direction, or all reversed), with the column type's
 * default operator family and collation, and no predicate other than the
 * pattern's own?
 */
static bool
idxadv_index_matches(Relation index, idxadvPattern *p)
{
	Form_pg_index form = index->rd_index;
	int			nkeys = form->indnkeyatts;
	int			pos;
	int			i;
	int			dir = 0;		/* 1 same, -1 reversed, 0 undecided */
	List	   *pred;

	if (!form->indisvalid || !form->indisready || !form->indislive ||
		index->rd_rel->relam != BTREE_AM_OID ||
		nkeys < p->neq + p->nrange + p->norder)
		return false;

	for (i = 0; i < p->neq + p->nrange + p->norder; i++)
	{
		AttrNumber	att = form->indkey.values[i];
		Oid			type;
		Oid			opclass;

		if (att == 0)
			return false;
		type = get_atttype(p->relid, att);
		opclass = idxadv_btree_opclass(type);
		if (!OidIsValid(opclass) ||
			index->rd_opfamily[i] != get_opclass_family(opclass) ||
			index->rd_indcollation[i] != idxadv_attcollation(p->relid, att))
			return false;
	}

	/* equality columns: the first neq keys, in any order */
	for (i = 0; i < p->neq; i++)
	{
		bool		found = false;

		for (pos = 0; pos < p->neq; pos++)
			if (form->indkey.values[pos] == p->eq[i].attnum)
				found = true;
		if (!found)
			return false;
	}
	pos = p->neq;
	if (p->nrange == 1 && form->indkey.values[pos++] != p->range[0].attnum)
		return false;
	for (i = 0; i < p->norder; i++, pos++)
	{
		int16		opt = index->rd_indoption[pos];
		uint8		have = ((opt & INDOPTION_DESC) ? IDXADV_ORDER_DESC : 0) |
			((opt & INDOPTION_NULLS_FIRST) ? IDXADV_ORDER_NULLS_FIRST : 0);

		if (form->indkey.values[pos] != p->order[i].attnum ||
			!idxadv_same_direction(p->order[i].flags, have, &dir))
			return false;
	}

	/*
	 * The predicate: none, or exactly the pattern's.  As stored, not through
	 * the relcache, which would constant-fold it: that runs the table
	 * owner's functions with our caller's privileges.
	 */
	pred = NIL;
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
	{
		TupleDesc	desc;
		ListCell   *lc;

		foreach(lc, idxadv_table_indexes(NULL, p->relid, &desc))
		{
			HeapTuple	tup = (HeapTuple) lfirst(lc);

			if (((Form_pg_index) GETSTRUCT(tup))->indexrelid ==
				RelationGetRelid(index))
				pred = idxadv_index_predicate(tup, desc);
		}
		if (pred == NIL)
			return false;
	}
	if (pred != NIL)
	{
		Var		   *var;
		Expr	   *want;

		if (p->pred.attnum == 0 || list_length(pred) != 1)
			return false;
		var = makeVar(1, p->pred.attnum,
					  get_atttype(p->relid, p->pred.attnum), -1,
					  idxadv_attcollation(p->relid, p->pred.attnum), 0);
		want = idxadv_flag_clause(var, p->pred.kind);
		if (!equal(linitial(pred), want))
			return false;
	}
	return true;
}

/*
 * Does an index column sorted by "have" give the order "want", in the
 * direction *dir the earlier columns set (1 as is, -1 scanned backward, 0
 * not yet known)?  Updates *dir.
 */
static bool
idxadv_same_direction(uint8 want, uint8 have, int *dir)
{
	int			d;

	if (have == want)
		d = 1;
	else if ((have ^ want) == (IDXADV_ORDER_DESC | IDXADV_ORDER_NULLS_FIRST))
		d = -1;
	else
		return false;
	if (*dir != 0 && d != *dir)
		return false;
	*dir = d;
	return true;
}

/* ----------------------------------------------------------------
 * Step 3: merging
 * ----------------------------------------------------------------
 */

/*
 * Merge the live patterns into candidates: widest first, each pattern into
 * the first candidate of its table that can serve it, else a new one.
 */
static List *
idxadv_merge(List *patterns)
{
	List	   *sorted = list_copy(patterns);
	List	   *candidates = NIL;
	ListCell   *lc;

	list_sort(sorted, idxadv_pattern_cmp);

	foreach(lc, sorted)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);
		idxadvCandidate *c = NULL;
		idxadvTable *t;
		ListCell   *lc2;
		int			i;

		if (p->rejected)
			continue;

		t = idxadv_table_info(p->relid);
		foreach(lc2, t->candidates)
		{
			c = (idxadvCandidate *) lfirst(lc2);
			if (idxadv_absorb(c, p))
				break;
			c = NULL;
		}
		if (c != NULL)
			continue;

		c = palloc0(sizeof(idxadvCandidate));
		c->relid = p->relid;
		c->neq = Min(p->neq, INDEX_MAX_KEYS - p->nrange - p->norder);
		memcpy(c->eq, p->eq, c->neq * sizeof(idxadvCol));
		if (c->neq > 0)
			c->block_end[c->nblocks++] = c->neq;
		for (i = 0; i < p->nrange; i++)
			c->tail[c->ntail++] = p->range[i];
		for (i = 0; i < p->norder; i++)
			c->tail[c->ntail++] = p->order[i];
		c->pred = p->pred;
		c->pred_fraction = p->pred_fraction;
		if (c->neq == 0 && c->ntail == 0)
		{
			/*
			 * Only a partial predicate: the index needs some key; its own
			 * column is as good as any and adds no new column to maintain.
			 */
			c->eq[c->neq++] = p->pred;
			c->block_end[c->nblocks++] = 1;
		}
		c->patterns = list_make1(p);
		c->dominant = p;
		c->fk_name = p->fk_name;
		candidates = lappend(candidates, c);
		t->candidates = lappend(t->candidates, c);
	}
	return candidates;
}

/*
 * Can candidate c serve pattern p?  If so, make it so (splitting an
 * equality block if need be) and add p to it.
 *
 * p's equality columns must be the candidate's first equality columns, in
 * any order the candidate's blocks still allow; then p's range and ORDER BY
 * columns come next, in p's order: either more of the candidate's equality
 * columns (each then fixed in that place) or the start of its tail.  ORDER
 * BY columns must all run the index's way or all the opposite way.
 * Predicates must be the same.  So (a = $1 AND b = $2) and (a = $1 ORDER BY
 * b DESC) are one index (a, b).
 */
static bool
idxadv_absorb(idxadvCandidate *c, idxadvPattern *p)
{
	idxadvCandidate refined;
	idxadvCol	tail[IDXADV_MAX_ORDER + 1];
	AttrNumber	attnums[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
	int			ptail = 0;
	int			pos;
	int			dir = 0;
	int			i;

	if (c->relid != p->relid ||
		c->pred.attnum != p->pred.attnum || c->pred.kind != p->pred.kind ||
		p->neq > c->neq)
		return false;

	/* work on a copy: c changes only if p fits */
	memcpy(&refined, c, sizeof(idxadvCandidate));

	for (i = 0; i < p->neq; i++)
		attnums[i] = p->eq[i].attnum;
	pos = idxadv_refine_blocks(&refined, 0, attnums, p->neq);
	if (pos < 0)
		return false;

	for (i = 0; i < p->nrange; i++)
		tail[ptail++] = p->range[i];
	for (i = 0; i < p->norder; i++)
		tail[ptail++] = p->order[i];

	for (i = 0; i < ptail; i++, pos++)
	{
		bool		is_order = i >= p->nrange;
		uint8		have;

		if (pos < refined.neq)
		{
			/* one of c's remaining equality columns, ascending */
			if (idxadv_refine_blocks(&refined, pos, &tail[i].attnum, 1) < 0)
				return false;
			have = 0;
		}
		else if (pos - refined.neq < refined.ntail &&
				 refined.tail[pos - refined.neq].attnum == tail[i].attnum)
			have = refined.tail[pos - refined.neq].flags;
		else
			return false;

		/* a range column goes either way; ORDER BY ones all one way */
		if (is_order && !idxadv_same_direction(tail[i].flags, have, &dir))
			return false;
	}

	memcpy(c->eq, refined.eq, sizeof(c->eq));
	memcpy(c->block_end, refined.block_end, sizeof(c->block_end));
	c->nblocks = refined.nblocks;

	c->patterns = lappend(c->patterns, p);
	if (p->executions > c->dominant->executions)
		c->dominant = p;
	if (c->fk_name == NULL && p->fk_name != NULL)
		c->fk_name = p->fk_name;
	return true;
}

/*
 * Refine c's chain of equality blocks so that the columns from position pos
 * (a block boundary) on start with the set want[0..n-1], in any order: the
 * blocks the set covers whole stay as they are, the block where it ends is
 * split, its columns first.  Returns the position after them, or -1 if the
 * chain cannot have them there (a column not among c's equality columns,
 * or one whose place the chain already fixes elsewhere).
 */
static int
idxadv_refine_blocks(idxadvCandidate *c, int pos, const AttrNumber *want,
					 int n)
{
	int			b;
	int			start = 0;
	int			left = n;

	for (b = 0; b < c->nblocks && start < pos; b++)
		start = c->block_end[b];
	if (start != pos)
		return -1;

	for (; left > 0 && b < c->nblocks; b++)
	{
		int			end = c->block_end[b];
		int			in = 0;
		int			j;
		int			i;

		for (j = start; j < end; j++)
			for (i = 0; i < n; i++)
				if (c->eq[j].attnum == want[i])
					in++;
		if (in == end - start)
		{
			/* the whole block */
			left -= in;
			start = end;
			continue;
		}
		if (in != left)
			return -1;

		/* split the block: the wanted columns first */
		{
			idxadvCol	tmp[INDEX_MAX_KEYS];
			int			k;
			int			m = 0;

			for (k = 0; k < 2; k++)
				for (j = start; j < end; j++)
				{
					bool		mine = false;

					for (i = 0; i < n; i++)
						if (c->eq[j].attnum == want[i])
							mine = true;
					if (mine == (k == 0))
						tmp[m++] = c->eq[j];
				}
			memcpy(&c->eq[start], tmp, m * sizeof(idxadvCol));
			for (k = c->nblocks; k > b; k--)
				c->block_end[k] = c->block_end[k - 1];
			c->block_end[b] = start + in;
			c->nblocks++;
		}
		left = 0;
	}
	return left == 0 ? pos + n : -1;
}

/* ----------------------------------------------------------------
 * Step 4: column order, DDL and costs
 * ----------------------------------------------------------------
 */

/*
 * Order each equality block most selective column first (highest
 * n_distinct; ties by attnum, for stable output).
 */
static void
idxadv_order_columns(idxadvCandidate *c, idxadvTable *t)
{
	int			b;
	int			start = 0;

	for (b = 0; b < c->nblocks; b++)
	{
		int			i;
		int			j;

		for (i = start + 1; i < c->block_end[b]; i++)
		{
			idxadvCol	col = c->eq[i];
			double		nd = idxadv_ndistinct(t, col.attnum);

			for (j = i - 1; j >= start; j--)
			{
				double		ndj = idxadv_ndistinct(t, c->eq[j].attnum);

				if (ndj > nd || (ndj == nd && c->eq[j].attnum < col.attnum))
					break;
				c->eq[j + 1] = c->eq[j];
			}
			c->eq[j + 1] = col;
		}
		start = c->block_end[b];
	}
}

/*
 * Once ordered, two candidates of one table can come out with the same
 * columns and predicate (shapes that merging kept apart, such as a range
 * and an ORDER BY on one column).  Never suggest an index twice: fold c
 * into the earlier one, which then serves c's patterns too.  Returns true
 * if c was folded.
 */
static bool
idxadv_same_as_earlier(idxadvCandidate *c, idxadvTable *t)
{
	ListCell   *lc;

	foreach(lc, t->candidates)
	{
		idxadvCandidate *e = (idxadvCandidate *) lfirst(lc);
		ListCell   *lc2;
		int			n = c->neq + c->ntail;
		int			i;
		int			dir = 0;
		bool		same = true;

		if (e == c)
			break;
		if (e->merged || e->neq + e->ntail != n ||
			e->pred.attnum != c->pred.attnum || e->pred.kind != c->pred.kind)
			continue;

		/*
		 * Same columns in the same order; where either side orders by the
		 * column, directions all the same or all reversed (an equality
		 * column of both sides goes either way).
		 */
		for (i = 0; i < n && same; i++)
		{
			const idxadvCol *ec = i < e->neq ? &e->eq[i] : &e->tail[i - e->neq];
			const idxadvCol *cc = i < c->neq ? &c->eq[i] : &c->tail[i - c->neq];

			same = ec->attnum == cc->attnum &&
				((i < e->neq && i < c->neq) ||
				 idxadv_same_direction(cc->flags, ec->flags, &dir));
		}
		if (!same)
			continue;

		foreach(lc2, c->patterns)
			e->patterns = lappend(e->patterns, lfirst(lc2));
		if (c->dominant->executions > e->dominant->executions)
			e->dominant = c->dominant;
		if (e->fk_name == NULL)
			e->fk_name = c->fk_name;
		c->merged = true;
		return true;
	}
	return false;
}

/*
 * Number of distinct values of a column, from pg_statistic (inherited
 * statistics for a partitioned table).  Without statistics: booleans have
 * two, anything else counts as 200, the planner's own default.
 */
static double
idxadv_ndistinct(idxadvTable *t, AttrNumber attnum)
{
	HeapTuple	tup;
	double		nd = 0;

	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(t->relid),
						  Int16GetDatum(attnum),
						  BoolGetDatum(t->relkind == RELKIND_PARTITIONED_TABLE));
	if (HeapTupleIsValid(tup))
	{
		float4		d = ((Form_pg_statistic) GETSTRUCT(tup))->stadistinct;

		nd = d >= 0 ? d : -d * Max(t->tuples, 1);
		ReleaseSysCache(tup);
	}
	if (nd <= 0)
		nd = get_atttype(t->relid, attnum) == BOOLOID ? 2 : 200;
	return nd;
}

/*
 * Name, DDL, size and costs of a candidate; reject it if the planner would
 * not use it.  names collects the index names given out in this call.
 */
static void
idxadv_cost_candidate(idxadvCandidate *c, idxadvTable *t, HTAB *names)
{
	idxadvHypoIndex hypo;
	StringInfoData buf;
	StringInfoData colnames;
	char	   *name;
	char	   *sql;
	int			nparams;
	Oid		   *types;
	ParamListInfo params;
	idxadvHypoIndex *hypos[2];
	idxadvPlanResult plans[2];
	BlockNumber pages;
	int			height;
	int32		offset = 0;
	int			i;
	int			n = 0;
	ListCell   *lc;
	int64		scans = 0;
	double		writes = 0;
	char	   *error;

	memset(&hypo, 0, sizeof(hypo));
	for (i = 0; i < c->neq; i++)
	{
		hypo.colnames[n] = get_attname(c->relid, c->eq[i].attnum, false);
		hypo.colflags[n++] = 0;
		hypo.datawidth = idxadv_column_width(c->relid, c->eq[i].attnum, &offset);
	}
	for (i = 0; i < c->ntail; i++)
	{
		hypo.colnames[n] = get_attname(c->relid, c->tail[i].attnum, false);
		hypo.colflags[n++] = c->tail[i].flags;
		hypo.datawidth = idxadv_column_width(c->relid, c->tail[i].attnum, &offset);
	}
	hypo.ncols = n;
	if (c->pred.attnum != 0)
	{
		hypo.predname = get_attname(c->relid, c->pred.attnum, false);
		hypo.predkind = c->pred.kind;
		hypo.pred_fraction = c->pred_fraction;
	}

	/* the name PostgreSQL itself would choose, unique within this call too */
	initStringInfo(&colnames);
	for (i = 0; i < n; i++)
		appendStringInfo(&colnames, "%s%s", i > 0 ? "_" : "", hypo.colnames[i]);
	name = ChooseRelationName(t->relname, colnames.data, "idx", t->nspid, false);
	for (i = 1; hash_search(names, name, HASH_FIND, NULL) != NULL; i++)
	{
		char		suffix[16];

		snprintf(suffix, sizeof(suffix), "idx%d", i);
		name = ChooseRelationName(t->relname, colnames.data, suffix, t->nspid,
								  false);
	}
	(void) hash_search(names, name, HASH_ENTER, NULL);

	/*
	 * CREATE INDEX CONCURRENTLY does not work on a partitioned table in
	 * PostgreSQL 15: a plain CREATE INDEX there.
	 */
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE INDEX %s%s ON %s USING btree (",
					 t->relkind == RELKIND_PARTITIONED_TABLE ? "" : "CONCURRENTLY ",
					 quote_identifier(name),
					 quote_qualified_identifier(get_namespace_name(t->nspid),
												t->relname));
	for (i = 0; i < c->neq; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 idxadv_col_sql(c->relid, &c->eq[i], false));
	for (i = 0; i < c->ntail; i++)
		appendStringInfo(&buf, "%s%s", c->neq + i > 0 ? ", " : "",
						 idxadv_col_sql(c->relid, &c->tail[i], true));
	appendStringInfoChar(&buf, ')');
	if (hypo.predname)
		appendStringInfo(&buf, " WHERE %s",
						 idxadv_flag_sql(hypo.predname, hypo.predkind));
	c->ddl = buf.data;

	/* size */
	idxadv_index_size(t->tuples * (hypo.predname ? hypo.pred_fraction : 1.0),
					  hypo.datawidth, &pages, &height);
	c->index_bytes = (int64) pages * BLCKSZ;

	/* cost of the dominant pattern's query, without and with the index */
	sql = idxadv_rep_query(c, t, c->dominant, &nparams, &types, &params);
	hypos[0] = NULL;
	hypos[1] = &hypo;
	error = idxadv_plan(t, sql, nparams, types, params, 2, hypos, plans);
	if (error)
	{
		c->rejected = psprintf("could not be costed: %s", error);
		return;
	}
	c->cost_before = plans[0].cost;
	c->cost_after = plans[1].cost;
	if (!plans[1].used || c->cost_after >= c->cost_before)
	{
		c->rejected = psprintf("the planner would not use this index (estimated cost %.2f without it, %.2f with it)",
							   c->cost_before, Min(c->cost_after, c->cost_before));
		c->cost_after = Min(c->cost_after, c->cost_before);
		return;
	}

	foreach(lc, c->patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		scans += p->executions;
		writes += p->fk_parent_writes;
	}
	c->score = (scans > 0 ? (double) scans : writes) *
		(c->cost_before - c->cost_after);
}

/*
 * Build the representative query of pattern p on candidate c's table: the
 * equality columns compared with typed parameters of unknown value (the
 * planner then estimates an average value's selectivity), the range column
 * with a pg_statistic histogram bound chosen to keep the observed share of
 * rows, boolean and NULL tests as they were, and the ORDER BY with the
 * LIMIT the captured scans ran under, if any.
 */
static char *
idxadv_rep_query(idxadvCandidate *c, idxadvTable *t, idxadvPattern *p,
				 int *nparams, Oid **types, ParamListInfo *params)
{
	StringInfoData sql;
	const char *sep = " WHERE ";
	int			i;
	int			np = 0;
	Oid		   *ptypes = palloc(sizeof(Oid) * (p->neq + p->nrange + 1));
	ParamListInfo plist = makeParamList(p->neq + p->nrange + 1);

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s%s",
					 t->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(t->nspid),
												t->relname));
	for (i = 0; i < p->neq; i++)
	{
		char	   *col = get_attname(p->relid, p->eq[i].attnum, false);

		if (p->eq[i].kind == IDXADV_CMP_EQ)
		{
			ptypes[np] = get_atttype(p->relid, p->eq[i].attnum);
			plist->params[np].ptype = ptypes[np];
			plist->params[np].isnull = true;
			plist->params[np].pflags = 0;	/* unknown value: generic plan */
			np++;
			appendStringInfo(&sql, "%s%s %s $%d", sep, quote_identifier(col),
							 idxadv_operator_sql(ptypes[np - 1],
												 BTEqualStrategyNumber),
							 np);
		}
		else
			appendStringInfo(&sql, "%s%s", sep,
							 idxadv_flag_sql(col, p->eq[i].kind));
		sep = " AND ";
	}
	for (i = 0; i < p->nrange; i++)
	{
		AttrNumber	att = p->range[i].attnum;
		char	   *col = get_attname(p->relid, att, false);
		HeapTuple	tup;
		AttStatsSlot sslot;
		bool		have = false;
		double		want;

		/* share of rows the range keeps: observed, less the equalities' */
		want = p->rows_scanned > 0 ?
			(double) p->rows_matched / p->rows_scanned : 1.0 / 3;
		{
			int			k;

			for (k = 0; k < p->neq; k++)
				want *= idxadv_ndistinct(t, p->eq[k].attnum);
		}
		want = Max(Min(want, 1.0), 0.0001);

		ptypes[np] = get_atttype(p->relid, att);
		plist->params[np].ptype = ptypes[np];
		plist->params[np].isnull = true;
		plist->params[np].pflags = 0;

		tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(t->relid),
							  Int16GetDatum(att),
							  BoolGetDatum(t->relkind == RELKIND_PARTITIONED_TABLE));
		if (HeapTupleIsValid(tup))
		{
			if (get_attstatsslot(&sslot, tup, STATISTIC_KIND_HISTOGRAM,
								 InvalidOid, ATTSTATSSLOT_VALUES))
			{
				if (sslot.nvalues >= 2 && sslot.valuetype == ptypes[np])
				{
					int			k = (int) rint((1.0 - want) * (sslot.nvalues - 1));
					int16		typlen;
					bool		typbyval;

					get_typlenbyval(sslot.valuetype, &typlen, &typbyval);
					plist->params[np].value =
						datumCopy(sslot.values[k], typbyval, typlen);
					plist->params[np].isnull = false;
					plist->params[np].pflags = PARAM_FLAG_CONST;
					have = true;
				}
				free_attstatsslot(&sslot);
			}
			ReleaseSysCache(tup);
		}
		(void) have;
		np++;
		appendStringInfo(&sql, "%s%s %s $%d", sep, quote_identifier(col),
						 idxadv_operator_sql(ptypes[np - 1],
											 BTGreaterEqualStrategyNumber),
						 np);
		sep = " AND ";
	}
	if (p->pred.attnum != 0)
		appendStringInfo(&sql, "%s%s", sep,
						 idxadv_flag_sql(get_attname(p->relid, p->pred.attnum, false),
										 p->pred.kind));
	if (p->norder > 0)
	{
		appendStringInfoString(&sql, " ORDER BY ");
		for (i = 0; i < p->norder; i++)
			appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
							 idxadv_col_sql(p->relid, &p->order[i], true));
		/*
		 * A top-N query (most of its scans ran under a LIMIT) is costed with
		 * the largest LIMIT seen; an ORDER BY that returned every row without
		 * one, where an index must beat a sort of all the matching rows.
		 */
		if (idxadv_pattern_limited(p))
		{
			double		limit = (double) p->limit_max;

			/*
			 * Only ORDER BY columns: the filter is one the query cannot show,
			 * and the index scan must read as many rows as the share the
			 * capture saw pass it says, to return the first ones.
			 */
			if (p->neq == 0 && p->nrange == 0 && p->pred.attnum == 0 &&
				p->rows_matched > 0 && p->rows_matched < p->rows_scanned)
				limit = ceil(limit * p->rows_scanned / p->rows_matched);
			appendStringInfo(&sql, " LIMIT %.0f", Min(limit, 1e15));
		}
	}

	*nparams = np;
	*types = ptypes;
	*params = np > 0 ? plist : NULL;
	plist->numParams = np;
	return sql.data;
}

/*
 * Plan a query on table t nplans times, the i-th time with the hypothetical
 * index hypos[i] (none when NULL), and fill in results[i]: the plan's total
 * cost, its estimated rows and whether it uses the hypothetical index.  The
 * query is parsed and analyzed once; the hook is ours only while planning.
 *
 * Planning runs in one subtransaction that is rolled back, and in a memory
 * context reset afterwards: the locks that parse analysis and the planner
 * take on the table and its indexes are released at once (a database with
 * thousands of candidates would otherwise run out of lock table entries),
 * and no plan outlives its use.  An error while planning (say, a table
 * dropped concurrently) makes that one candidate unusable, not the whole
 * call: its message is returned, NULL on success.  Query cancel is not
 * caught.
 */
static char *
idxadv_plan(idxadvTable *t, const char *sql, int nparams, Oid *types,
			ParamListInfo params, int nplans, idxadvHypoIndex **hypos,
			idxadvPlanResult *results)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	idxadvPlanState state;
	idxadvPlanState *save_state = plan_state;
	idxadv_rel_hook_type save_hook = idxadv_rel_hook;
	char	   *volatile error = NULL;
	idxadvUserSwitch sw;

	if (!OidIsValid(t->owner) || t->owner_problem != NULL)
		return t->owner_problem ? t->owner_problem : "the table was dropped";

	memset(&state, 0, sizeof(state));
	state.leaves = t->leaves;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(plan_cxt);

	PG_TRY();
	{
		List	   *raw;
		ParseState *pstate;
		Query	   *query;
		int			i;

		/*
		 * Parse analysis and planning open the table and its partitions and
		 * indexes and evaluate their index expressions and predicates,
		 * partition keys and constraints (the relcache and the planner
		 * constant-fold them): code of the table's owner, run as that owner
		 * in a security-restricted operation, as ANALYZE does.  An error
		 * rolls the subtransaction back, which switches back.
		 */
		idxadv_switch_to_owner(t->owner, &sw);

		/*
		 * Parse analysis without post_parse_analyze_hook and without a query
		 * identifier, so that pg_stat_statements and the like never see
		 * these queries; and without the rewriter: a table has no SELECT
		 * rules, and its row security policies do not matter to an index.
		 */
		raw = pg_parse_query(sql);
		if (list_length(raw) != 1)
			elog(ERROR, "unexpected representative query \"%s\"", sql);
		pstate = make_parsestate(NULL);
		pstate->p_sourcetext = sql;
		if (nparams > 0)
			setup_parse_fixed_parameters(pstate, types, nparams);
		query = transformTopLevelStmt(pstate, linitial_node(RawStmt, raw));
		free_parsestate(pstate);

		for (i = 0; i < nplans; i++)
		{
			PlannedStmt *stmt;

			state.hypo = hypos[i];
			prev_get_relation_info_hook = save_hook;
			idxadv_rel_hook = idxadv_get_relation_info;
			plan_state = &state;
			/* the planner scribbles on its Query: a copy for all but the last */
			stmt = idxadv_planner(i < nplans - 1 ? copyObject(query) : query,
								  sql, 0, params);
			idxadv_rel_hook = save_hook;
			plan_state = save_state;

			results[i].cost = stmt->planTree->total_cost;
			results[i].rows = stmt->planTree->plan_rows;
			results[i].used = idxadv_plan_uses_hypo(stmt->planTree);
		}
		idxadv_switch_back(&sw);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		idxadv_rel_hook = save_hook;
		plan_state = save_state;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->elevel > ERROR)
			PG_RE_THROW();
		FlushErrorState();
		error = edata->message;
	}
	PG_END_TRY();

	MemoryContextSwitchTo(outer);
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(outer);
	CurrentResourceOwner = owner;
	MemoryContextReset(plan_cxt);

	return error;
}

/*
 * Does a plan tree scan the hypothetical index?
 */
static bool
idxadv_plan_uses_hypo(Plan *plan)
{
	ListCell   *lc;
	List	   *children = NIL;

	if (plan == NULL)
		return false;
	switch (nodeTag(plan))
	{
		case T_IndexScan:
			return ((IndexScan *) plan)->indexid == IDXADV_HYPO_INDEXOID;
		case T_IndexOnlyScan:
			return ((IndexOnlyScan *) plan)->indexid == IDXADV_HYPO_INDEXOID;
		case T_BitmapIndexScan:
			return ((BitmapIndexScan *) plan)->indexid == IDXADV_HYPO_INDEXOID;
		case T_Append:
			children = ((Append *) plan)->appendplans;
			break;
		case T_MergeAppend:
			children = ((MergeAppend *) plan)->mergeplans;
			break;
		case T_BitmapAnd:
			children = ((BitmapAnd *) plan)->bitmapplans;
			break;
		case T_BitmapOr:
			children = ((BitmapOr *) plan)->bitmapplans;
			break;
		default:
			break;
	}
	foreach(lc, children)
		if (idxadv_plan_uses_hypo((Plan *) lfirst(lc)))
			return true;
	return idxadv_plan_uses_hypo(plan->lefttree) ||
		idxadv_plan_uses_hypo(plan->righttree);
}

/*
 * get_relation_info hook (build_simple_rel_hook from 19: see
 * idxadvisor_compat.h), set only while idxadv_plan() plans: give the tables
 * planned on the hypothetical index.
 */
static void
idxadv_get_relation_info(IDXADV_REL_HOOK_PARAMS)
{
	Oid			relid = IDXADV_REL_HOOK_RELID;

	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(IDXADV_REL_HOOK_ARGS);

	if (plan_state == NULL || IDXADV_REL_HOOK_INH || !OidIsValid(relid) ||
		!list_member_oid(plan_state->leaves, relid))
		return;

	if (plan_state->hypo)
	{
		IndexOptInfo *info = idxadv_make_hypo_index(rel, relid,
													plan_state->hypo);

		if (info)
			rel->indexlist = lcons(info, rel->indexlist);
	}
}

/*
 * Build the IndexOptInfo of the hypothetical btree index on one table (a
 * leaf partition maps the columns by name), the way plancat.c describes a
 * real one.  Returns NULL if a column is missing there.
 */
static IndexOptInfo *
idxadv_make_hypo_index(RelOptInfo *rel, Oid relid, idxadvHypoIndex *hypo)
{
	IndexOptInfo *info = makeNode(IndexOptInfo);
	const IndexAmRoutine *amroutine = GetIndexAmRoutineByAmId(BTREE_AM_OID, false);
	int			n = hypo->ncols;
	int			i;
	BlockNumber pages;
	int			height;

	info->indexoid = IDXADV_HYPO_INDEXOID;
	info->reltablespace = rel->reltablespace;
	info->rel = rel;
	info->ncolumns = info->nkeycolumns = n;
	info->indexkeys = palloc(sizeof(int) * n);
	info->indexcollations = palloc(sizeof(Oid) * n);
	info->opfamily = palloc(sizeof(Oid) * n);
	info->opcintype = palloc(sizeof(Oid) * n);
	info->reverse_sort = palloc(sizeof(bool) * n);
	info->nulls_first = palloc(sizeof(bool) * n);
	info->canreturn = palloc(sizeof(bool) * n);
	info->opclassoptions = palloc0(sizeof(bytea *) * n);
	info->sortopfamily = info->opfamily;
	info->relam = BTREE_AM_OID;

	for (i = 0; i < n; i++)
	{
		Var		   *var = idxadv_leaf_var(rel, relid, hypo->colnames[i]);
		Oid			opclass;

		if (var == NULL)
			return NULL;
		opclass = idxadv_btree_opclass(var->vartype);
		if (!OidIsValid(opclass))
			return NULL;
		info->indexkeys[i] = var->varattno;
		info->indexcollations[i] = var->varcollid;
		info->opfamily[i] = get_opclass_family(opclass);
		info->opcintype[i] = get_opclass_input_type(opclass);
		info->reverse_sort[i] = (hypo->colflags[i] & IDXADV_ORDER_DESC) != 0;
		info->nulls_first[i] = (hypo->colflags[i] & IDXADV_ORDER_NULLS_FIRST) != 0;
		info->canreturn[i] = true;
		info->indextlist = lappend(info->indextlist,
								   makeTargetEntry((Expr *) var, i + 1, NULL,
												   false));
	}

	if (hypo->predname)
	{
		Var		   *var = idxadv_leaf_var(rel, relid, hypo->predname);

		if (var == NULL)
			return NULL;
		info->indpred = list_make1(idxadv_flag_clause(var, hypo->predkind));
	}

	info->unique = false;
	info->immediate = true;
	info->hypothetical = true;

	info->amcanorderbyop = amroutine->amcanorderbyop;
	info->amoptionalkey = amroutine->amoptionalkey;
	info->amsearcharray = amroutine->amsearcharray;
	info->amsearchnulls = amroutine->amsearchnulls;
	info->amcanparallel = amroutine->amcanparallel;
	info->amhasgettuple = (amroutine->amgettuple != NULL);
	info->amhasgetbitmap = (amroutine->amgetbitmap != NULL);
	info->amcanmarkpos = (amroutine->ammarkpos != NULL &&
						  amroutine->amrestrpos != NULL);
	info->amcostestimate = amroutine->amcostestimate;

	info->tuples = rel->tuples * (hypo->predname ? hypo->pred_fraction : 1.0);
	idxadv_index_size(info->tuples, hypo->datawidth, &pages, &height);
	info->pages = pages;
	info->tree_height = height;

	return info;
}

/*
 * A Var of the planner's relation for the column of that name in one of the
 * tables planned on (leaf partitions number their columns their own way),
 * or NULL if it has no such column.
 */
static Var *
idxadv_leaf_var(RelOptInfo *rel, Oid relid, const char *name)
{
	AttrNumber	att = get_attnum(relid, name);
	Oid			type;
	int32		typmod;
	Oid			coll;

	if (att == InvalidAttrNumber)
		return NULL;
	get_atttypetypmodcoll(relid, att, &type, &typmod, &coll);
	return makeVar(rel->relid, att, type, typmod, coll, 0);
}

/*
 * The boolean or NULL test on a column, as the parser makes it from the
 * SQL idxadv_flag_sql() writes.
 */
static Expr *
idxadv_flag_clause(Var *var, uint8 kind)
{
	NullTest   *nt;

	switch (kind)
	{
		case IDXADV_CMP_TRUE:
			return (Expr *) var;
		case IDXADV_CMP_FALSE:
			return make_notclause((Expr *) var);
		default:
			nt = makeNode(NullTest);
			nt->arg = (Expr *) var;
			nt->nulltesttype = kind == IDXADV_CMP_NULL ? IS_NULL : IS_NOT_NULL;
			nt->argisrow = false;
			nt->location = -1;
			return (Expr *) nt;
	}
}

/*
 * Estimate a new btree index's pages and height from its tuples and the
 * width of its key data: leaf tuples of header + MAXALIGNed data + line
 * pointer, leaves filled to the default fillfactor, internal levels to
 * 70%, plus the metapage.  Deduplication is ignored: an upper bound for
 * columns with many duplicates.
 */
static void
idxadv_index_size(double tuples, int32 datawidth, BlockNumber *pages,
				  int *height)
{
	double		usable = BLCKSZ - SizeOfPageHeaderData -
		MAXALIGN(sizeof(BTPageOpaqueData));
	double		itemsz = MAXALIGN(sizeof(IndexTupleData) + datawidth) +
		sizeof(ItemIdData);
	double		leaf_per_page = Max(floor(usable * IDXADV_LEAF_FILL / itemsz), 2);
	double		fanout = Max(floor(usable * IDXADV_INTERNAL_FILL / itemsz), 2);
	double		level = ceil(Max(tuples, 1) / leaf_per_page);
	double		total = level;
	int			h = 0;

	while (level > 1)
	{
		level = ceil(level / fanout);
		total += level;
		h++;
	}
	*pages = (BlockNumber) Min(total + 1, (double) MaxBlockNumber);
	*height = h;
}

/*
 * Add one key column to the running data width of an index tuple: the
 * column's average width from pg_statistic, else its type's, aligned.
 */
static int32
idxadv_column_width(Oid relid, AttrNumber attnum, int32 *offset)
{
	Oid			type = get_atttype(relid, attnum);
	int32		width = get_attavgwidth(relid, attnum);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	if (typlen > 0)
		width = typlen;
	else if (width <= 0)
		width = get_typavgwidth(type, -1);
	*offset = att_align_nominal(*offset, typalign) + width;
	return *offset;
}

/*
 * The operator of a type's default btree operator class for a strategy, as
 * OPERATOR(schema.name): the one the suggested index serves, whatever the
 * search_path says.
 */
static char *
idxadv_operator_sql(Oid type, int16 strategy)
{
	Oid			opclass = idxadv_btree_opclass(type);
	Oid			opno;
	HeapTuple	tup;
	Form_pg_operator form;
	char	   *result;

	opno = get_opfamily_member(get_opclass_family(opclass),
							   get_opclass_input_type(opclass),
							   get_opclass_input_type(opclass), strategy);
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "no btree operator of strategy %d for type %u",
			 strategy, type);
	form = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(form->oprnamespace)),
					  NameStr(form->oprname));
	ReleaseSysCache(tup);
	return result;
}

/*
 * Collation of a table column.
 */
static Oid
idxadv_attcollation(Oid relid, AttrNumber attnum)
{
	Oid			type;
	int32		typmod;
	Oid			coll;

	get_atttypetypmodcoll(relid, attnum, &type, &typmod, &coll);
	return coll;
}

/*
 * A boolean or NULL test on a quoted column, as SQL.
 */
static char *
idxadv_flag_sql(const char *colname, uint8 kind)
{
	const char *col = quote_identifier(colname);

	switch (kind)
	{
		case IDXADV_CMP_TRUE:
			return pstrdup(col);
		case IDXADV_CMP_FALSE:
			return psprintf("NOT %s", col);
		case IDXADV_CMP_NULL:
			return psprintf("%s IS NULL", col);
		default:
			return psprintf("%s IS NOT NULL", col);
	}
}

/*
 * A column as an index key or ORDER BY item: quoted, with DESC and NULLS
 * where they differ from the default.
 */
static char *
idxadv_col_sql(Oid relid, const idxadvCol *col, bool order)
{
	char	   *attname = get_attname(relid, col->attnum, true);
	const char *name;
	bool		desc = order && (col->flags & IDXADV_ORDER_DESC);
	bool		nf = order && (col->flags & IDXADV_ORDER_NULLS_FIRST);

	/* a table dropped since it was costed: the caller skips the row */
	if (attname == NULL)
		return NULL;
	name = quote_identifier(attname);

	return psprintf("%s%s%s", name, desc ? " DESC" : "",
					desc && !nf ? " NULLS LAST" :
					!desc && nf ? " NULLS FIRST" : "");
}

/* ----------------------------------------------------------------
 * Step 5: output
 * ----------------------------------------------------------------
 */

/*
 * One output row for a candidate.
 */
static void
idxadv_emit(ReturnSetInfo *rsinfo, idxadvCandidate *c)
{
	Datum		values[IDXADV_SUGGEST_COLS];
	bool		nulls[IDXADV_SUGGEST_COLS];
	Datum	   *cols = palloc(sizeof(Datum) * (c->neq + c->ntail));
	int64		scans = 0;
	int64		fkscans = 0;
	int64		rows_scanned = 0;
	int64		rows_matched = 0;
	double		writes = 0;
	ListCell   *lc;
	int			i;
	int			n = 0;
	int			col = 0;
	int			shapes = 0;
	char	   *predname = NULL;
	StringInfoData reason;

	memset(nulls, 0, sizeof(nulls));
	foreach(lc, c->patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		scans += p->executions;
		if (p->executions > 0)
			shapes++;
		fkscans += p->fk_executions;
		rows_scanned += p->rows_scanned;
		rows_matched += p->rows_matched;
		writes += p->fk_parent_writes;
	}
	/*
	 * The names are read without a lock: a table dropped since it was looked
	 * at has none left, and its row is left out.
	 */
	for (i = 0; i < c->neq + c->ntail; i++)
	{
		bool		order = i >= c->neq;
		char	   *sql = idxadv_col_sql(c->relid,
										 order ? &c->tail[i - c->neq] : &c->eq[i],
										 order);

		if (sql == NULL)
			return;
		cols[n++] = CStringGetTextDatum(sql);
	}
	if (c->pred.attnum != 0 &&
		(predname = get_attname(c->relid, c->pred.attnum, true)) == NULL)
		return;

	values[col++] = ObjectIdGetDatum(c->relid);
	values[col++] = PointerGetDatum(construct_array(cols, n, TEXTOID, -1, false,
													TYPALIGN_INT));
	if (c->pred.attnum != 0)
		values[col++] = CStringGetTextDatum(idxadv_flag_sql(predname,
															c->pred.kind));
	else
		nulls[col++] = true;
	values[col++] = CStringGetTextDatum(c->fk_name ? "foreign_key" : "filter");
	if (c->fk_name)
		values[col++] = DirectFunctionCall1(namein, CStringGetDatum(c->fk_name));
	else
		nulls[col++] = true;
	if (c->ddl && !c->rejected)
		values[col++] = CStringGetTextDatum(c->ddl);
	else
		nulls[col++] = true;
	values[col++] = Int64GetDatum(scans);
	values[col++] = Int64GetDatum(fkscans);
	if (scans > 0)
	{
		values[col++] = Float8GetDatum((double) rows_scanned / scans);
		values[col++] = Float8GetDatum(rows_scanned > 0 ?
									   (double) rows_matched / rows_scanned : 0);
	}
	else
	{
		nulls[col++] = true;
		nulls[col++] = true;
	}
	if (c->ddl)
	{
		values[col++] = Int64GetDatum(c->index_bytes);
		values[col++] = Float8GetDatum(c->cost_before);
		values[col++] = Float8GetDatum(c->cost_after);
	}
	else
	{
		/* rejected before it was costed */
		nulls[col++] = true;
		nulls[col++] = true;
		nulls[col++] = true;
	}
	if (c->rejected)
		nulls[col++] = true;
	else
		values[col++] = Float8GetDatum(c->score);

	initStringInfo(&reason);
	if (c->rejected)
		appendStringInfo(&reason, "rejected: %s", c->rejected);
	else
	{
		if (c->fk_name)
			appendStringInfo(&reason, "Foreign key %s has no index. ",
							 quote_identifier(c->fk_name));
		if (scans == 0)
			appendStringInfo(&reason,
							 "Each delete or key update on the referenced table seq-scans this table (%.0f deletes and updates there since statistics were reset).",
							 writes);
		else
		{
			appendStringInfo(&reason, INT64_FORMAT " sequential scan%s",
							 scans, scans == 1 ? "" : "s");
			if (fkscans > 0)
				appendStringInfo(&reason,
								 " (" INT64_FORMAT " run by foreign-key triggers on deletes or key updates of the referenced table)",
								 fkscans);
			appendStringInfo(&reason, " read %.0f rows %sand kept %.3g%% of them.",
							 (double) rows_scanned / scans,
							 scans == 1 ? "" : "per scan ",
							 rows_scanned > 0 ? 100.0 * rows_matched / rows_scanned : 0);
		}
		if (shapes > 1)
			appendStringInfo(&reason, " One index serves %d filter shapes.",
							 shapes);
		if (get_rel_relkind(c->relid) == RELKIND_PARTITIONED_TABLE)
			appendStringInfoString(&reason,
								   " Seen on every partition: PostgreSQL 15 cannot build an index concurrently on a partitioned table, so this CREATE INDEX blocks writes while it runs; to avoid that, build it concurrently on each partition, CREATE INDEX ON ONLY the parent, then ALTER INDEX ... ATTACH PARTITION each one.");
	}
	values[col++] = CStringGetTextDatum(reason.data);

	Assert(col == IDXADV_SUGGEST_COLS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * One output row (verbose only) for a pattern rejected before merging.
 */
static void
idxadv_emit_rejected(ReturnSetInfo *rsinfo, idxadvPattern *p)
{
	idxadvCandidate c;
	int			i;

	memset(&c, 0, sizeof(c));
	c.relid = p->relid;
	for (i = 0; i < p->neq && c.neq < INDEX_MAX_KEYS; i++)
		c.eq[c.neq++] = p->eq[i];
	for (i = 0; i < p->nflag && c.neq < INDEX_MAX_KEYS; i++)
		c.eq[c.neq++] = p->flag[i];
	for (i = 0; i < p->nrange; i++)
		c.tail[c.ntail++] = p->range[i];
	for (i = 0; i < p->norder && c.ntail < IDXADV_MAX_ORDER + 1; i++)
		c.tail[c.ntail++] = p->order[i];
	c.pred = p->pred;
	c.patterns = list_make1(p);
	c.fk_name = p->fk_name;
	c.rejected = p->rejected;
	idxadv_emit(rsinfo, &c);
}

/*
 * Sort patterns widest first: more equality columns, then longer tails,
 * then more scans; finally by table and columns, for stable output.
 */
static int
idxadv_pattern_cmp(const ListCell *a, const ListCell *b)
{
	idxadvPattern *pa = (idxadvPattern *) lfirst(a);
	idxadvPattern *pb = (idxadvPattern *) lfirst(b);
	int			i;

	if (pa->neq != pb->neq)
		return pb->neq - pa->neq;
	if (pa->nrange + pa->norder != pb->nrange + pb->norder)
		return (pb->nrange + pb->norder) - (pa->nrange + pa->norder);
	if (pa->executions != pb->executions)
		return pb->executions > pa->executions ? 1 : -1;
	if (pa->relid != pb->relid)
		return pa->relid < pb->relid ? -1 : 1;
	for (i = 0; i < pa->neq; i++)
		if (pa->eq[i].attnum != pb->eq[i].attnum)
			return pa->eq[i].attnum - pb->eq[i].attnum;
	return 0;
}

/*
 * Sort candidates best first; rejected ones last.
 */
static int
idxadv_candidate_cmp(const ListCell *a, const ListCell *b)
{
	idxadvCandidate *ca = (idxadvCandidate *) lfirst(a);
	idxadvCandidate *cb = (idxadvCandidate *) lfirst(b);

	if ((ca->rejected != NULL) != (cb->rejected != NULL))
		return ca->rejected ? 1 : -1;
	if (ca->score != cb->score)
		return ca->score > cb->score ? -1 : 1;
	if (ca->ddl && cb->ddl)
		return strcmp(ca->ddl, cb->ddl);
	return 0;
}

static int
idxadv_col_cmp(const void *a, const void *b)
{
	return ((const idxadvCol *) a)->attnum - ((const idxadvCol *) b)->attnum;
}

/* ----------------------------------------------------------------
 * SQL-callable function
 * ----------------------------------------------------------------
 */

/*
 * idxadvisor_suggest(verbose boolean DEFAULT false): the indexes worth
 * creating, best first; with verbose, also the candidates rejected and why
 * (index_ddl and score NULL, reason starting with "rejected:").
 */
Datum
idxadvisor_suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		verbose = PG_GETARG_BOOL(0);
	List	   *patterns;
	List	   *candidates;
	ListCell   *lc;
	HASHCTL		ctl;

	idxadv_require_preload("idxadvisor_suggest()");

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_SUGGEST_COLS)
		elog(ERROR, "incorrect number of output arguments");

	plan_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "idxadvisor_suggest planning",
									 ALLOCSET_DEFAULT_SIZES);
	ctl.hcxt = CurrentMemoryContext;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvTable);
	table_hash = hash_create("idxadvisor_suggest tables", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(idxadvOpclass);
	opclass_hash = hash_create("idxadvisor_suggest opclasses", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(idxadvName);
	name_hash = hash_create("idxadvisor_suggest names", 256, &ctl,
							HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	patterns = idxadv_collect_patterns();
	patterns = idxadv_fk_patterns(patterns);

	foreach(lc, patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		idxadv_decide_pattern(p, idxadv_table_info(p->relid));
	}

	candidates = idxadv_merge(patterns);
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		idxadvTable *t = idxadv_table_info(c->relid);

		idxadv_order_columns(c, t);
		if (idxadv_same_as_earlier(c, t))
			candidates = foreach_delete_current(candidates, lc);
	}
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		idxadvCol	cols[INDEX_MAX_KEYS + IDXADV_MAX_ORDER + 2];

		CHECK_FOR_INTERRUPTS();
		memcpy(cols, c->eq, c->neq * sizeof(idxadvCol));
		memcpy(cols + c->neq, c->tail, c->ntail * sizeof(idxadvCol));
		cols[c->neq + c->ntail] = c->pred;
		c->rejected = idxadv_lock_table(c->relid, c->neq + c->ntail + 1, cols);
		if (c->rejected)
			continue;
		idxadv_cost_candidate(c, idxadv_table_info(c->relid), name_hash);
		UnlockRelationOid(c->relid, AccessShareLock);
	}
	list_sort(candidates, idxadv_candidate_cmp);

	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);

		if (!c->rejected || verbose)
			idxadv_emit(rsinfo, c);
	}
	if (verbose)
	{
		foreach(lc, patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc);

			if (p->rejected)
				idxadv_emit_rejected(rsinfo, p);
		}
	}

	return (Datum) 0;
}

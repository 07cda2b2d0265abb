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
 *	  partitioned table when every leaf partition shows it (doc/design.md
 *	  section 3).  Unindexed foreign
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
 *	  most selective column first, by pg_statistic's n_distinct), cut where
 *	  no pattern it serves needs more (a near-unique column ends the key),
 *	  named, and costed by planning a representative query built from
 *	  catalog data (idxadvisor_repquery.c), whose equalities keep the share
 *	  of rows the capture saw, twice through the what-if planner
 *	  (idxadvisor_whatif.c): once as the
 *	  catalogs are, once with a hypothetical index for the candidate.  The
 *	  index is never built.  A candidate the planner would not use is
 *	  rejected.
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
 * dropped by then is left out.  The what-if planner releases the locks that
 * planning takes on indexes and partitions at once (see its header).
 *
 * idxadvisor_suggest_for() (idxadvisor_suggest_for.c) makes step 1's
 * patterns from one statement instead of the captured scans, and runs
 * steps 2 to 5 through the same idxadv_advise(), costing the statement
 * itself instead of a representative query.
 *
 * Which existing index serves a pattern, and which foreign keys no index
 * serves, come from idxadvisor_catalog.c (idxadv_find_serving_index,
 * idxadv_unindexed_foreign_keys), so the foreign-key report and the
 * suggestions judge them by one rule.
 *
 * Security: opening and planning a table runs code of its owner's (index
 * expressions and predicates, partition keys and constraints are
 * constant-folded), so a table is opened and planned as its owner in a
 * security-restricted operation, never as the caller; a partitioned table
 * with a partition of another owner is left out (the planner plans all
 * partitions as one role).
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
#include "catalog/pg_index.h"
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
#include "port/pg_bitutils.h"
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
#include "idxadvisor_suggest.h"
#include "idxadvisor_whatif.h"

/*---- Macros ----*/

/*
 * Number of output columns of idxadvisor_suggest() and
 * idxadvisor_suggest_for(); the 1.0 definition of idxadvisor_suggest() has
 * the first IDXADV_SUGGEST_COLS_V1_0 of them.
 */
#define IDXADV_SUGGEST_COLS		18
#define IDXADV_SUGGEST_COLS_V1_0	15

/*
 * A boolean / IS [NOT] NULL condition keeping at most this fraction of the
 * rows becomes a partial-index predicate: the index is then at least five
 * times smaller than a full one.
 */
#define IDXADV_PARTIAL_FRACTION 0.2

/* A column's bit in idxadvCounters.cols_read, 0 for one it cannot hold */
#define IDXADV_COL_BIT(att) \
	((att) >= 1 && (att) <= 63 ? UINT64CONST(1) << ((att) - 1) : UINT64CONST(0))


/*---- Data structures ----*/


/* Default btree operator class of a type, cached for this call */
typedef struct idxadvOpclass
{
	Oid			type;
	Oid			opclass;
} idxadvOpclass;

/*---- Local variables ----*/


/*
 * Lookup tables of one idxadvisor_suggest() call, so that a database with
 * thousands of tables costs linear time: tables by OID, index names given
 * out, default btree operator classes by type (GetDefaultOpClass() scans
 * pg_opclass each time).
 */
static HTAB *table_hash = NULL;
static idxadvUsedNames *used_names = NULL;	/* for the DDL */
static HTAB *opclass_hash = NULL;

/*
 * The memory context of the call: what outlives one candidate's costing
 * (table facts read lazily) is allocated there, while each candidate is
 * costed, and each row emitted, in a context reset after it (planning
 * 15,000 candidates would otherwise keep hundreds of megabytes)
 */
static MemoryContext advise_cxt = NULL;

/* Bytes the candidates' context may hold before it is reset */
#define IDXADV_WORK_CXT_MAX		(32 * 1024 * 1024)

/*
 * The statement of an idxadvisor_suggest_for() call, costed in place of the
 * representative query; NULL in idxadvisor_suggest().
 */
static const idxadvStatement *advise_stmt = NULL;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_suggest);

static void idxadv_measure_leaf(idxadvTable *t, Oid leaf);
static Oid	idxadv_rel_owner(Oid relid);
static void idxadv_check_partition_owner(idxadvTable *t, Oid child);
static void idxadv_decide_pattern(idxadvPattern *p, idxadvTable *t);
static void idxadv_decide_columns(idxadvPattern *p, idxadvTable *t);
static double idxadv_clause_fraction(idxadvTable *t, AttrNumber attnum,
									 uint8 kind);
static const char *idxadv_served_by(idxadvPattern *p);
static void idxadv_cost_candidate(idxadvCandidate *c, idxadvTable *t,
								  idxadvUsedNames **names);
static char *idxadv_candidate_ddl(idxadvCandidate *c,
								  const idxadvHypoIndex *hypo, idxadvUsedNames **names);
static void idxadv_try_covering(idxadvCandidate *c, idxadvTable *t,
								const idxadvHypoIndex *hypo, idxadvUsedNames **names);
static void idxadv_emit(ReturnSetInfo *rsinfo, idxadvCandidate *c);
static char *idxadv_emit_reason(idxadvCandidate *c, int64 scans,
								int64 fkscans, int64 rows_scanned,
								int64 rows_matched, double writes,
								int shapes);
static void idxadv_emit_rejected(ReturnSetInfo *rsinfo, idxadvPattern *p);
static void idxadv_table_read(idxadvTable *t, Oid relid);
static void idxadv_keep_results(idxadvCandidate *c);
static void idxadv_work_reset(MemoryContext work_cxt);
static bool idxadv_shape_evidence(StringInfo reason, idxadvCandidate *c);
static int	idxadv_candidate_cmp(const ListCell *a, const ListCell *b);

/*
 * Step 1 (patterns) and step 3 (merging, and the order of a candidate's
 * columns) are in idxadvisor_patterns.c.
 */

/* ----------------------------------------------------------------
 * Step 2: filtering
 * ----------------------------------------------------------------
 */

/*
 * Facts about a table, looked up once per call (in the call's memory
 * context, whichever context the first question comes from).
 */
idxadvTable *
idxadv_table_info(Oid relid)
{
	idxadvTable *t;
	bool		found;
	MemoryContext oldcxt;

	t = (idxadvTable *) hash_search(table_hash, &relid, HASH_ENTER, &found);
	if (found)
		return t;
	oldcxt = MemoryContextSwitchTo(advise_cxt);
	idxadv_table_read(t, relid);
	MemoryContextSwitchTo(oldcxt);
	return t;
}

/*
 * Fill in the facts of table relid, for idxadv_table_info().
 */
static void
idxadv_table_read(idxadvTable *t, Oid relid)
{
	ListCell   *lc2;
	List	   *unmeasured = NIL;
	double		unmeasured_pages = 0;

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
		return;
	}

	foreach(lc2, unmeasured)
		idxadv_measure_leaf(t, lfirst_oid(lc2));
}

/*
 * Add a never-analyzed leaf's pages and rows to t, estimated the way the
 * planner does.  The leaf is opened as its owner, like everything that
 * builds a relcache entry of a table we plan on (see idxadv_plan).  A leaf
 * behind a migration's lock is not waited for: its file's size will do.
 */
static void
idxadv_measure_leaf(idxadvTable *t, Oid leaf)
{
	Relation	rel;
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;
	idxadvUserSwitch sw;

	if (!ConditionalLockRelationOid(leaf, AccessShareLock))
	{
		t->pages += idxadv_heap_blocks(leaf);
		return;
	}
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
Oid
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
const char *
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
	/*
	 * A temporal foreign key's lookup tests its PERIOD column for overlap,
	 * which only a GiST index serves; what-if costing here knows btrees
	 * only, so the key is left to the foreign-key report, which writes the
	 * GiST index's DDL.  Said, never silently dropped.
	 */
	if (p->fk_period)
	{
		p->rejected = "a temporal foreign key (PERIOD) needs a GiST index, not a btree: idxadvisor_unindexed_foreign_keys() gives its DDL";
		return;
	}

	/*
	 * Scans run only by such a key's trigger ("a = $1 AND p && $2": the
	 * capture records the equalities) ask for the same GiST index; scans
	 * by other queries too make a btree worth costing for those.
	 */
	if (p->executions > 0 && p->fk_executions == p->executions &&
		p->nrange == 0 && p->norder == 0)
	{
		AttrNumber	attnums[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
		char	   *conname;
		int			i;

		for (i = 0; i < p->neq; i++)
			attnums[i] = p->eq[i].attnum;
		conname = idxadv_temporal_fk_of(p->relid, p->neq, attnums);
		if (conname != NULL)
		{
			p->rejected = psprintf("these scans are the lookups of temporal foreign key %s (PERIOD), which needs a GiST index, not a btree: idxadvisor_unindexed_foreign_keys() gives its DDL",
								   quote_identifier(conname));
			return;
		}
	}
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
		if (n < (cnt)) \
			p->inexact = true; \
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
		else
			p->cond[p->ncond++] = p->flag[i];	/* still a condition */
	}
	p->nflag = 0;
	if (p->ncond > 0)
		p->inexact = true;		/* the representative query leaves them out */
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
		p->inexact = true;
	}
	/* a range column that ORDER BY leads with is the ORDER BY column */
	if (p->nrange == 1 && p->norder > 0 &&
		p->range[0].attnum == p->order[0].attnum)
	{
		p->nrange = 0;
		p->inexact = true;
	}

	if (p->neq == 0 && p->nrange == 0 && p->norder == 0 && p->pred.attnum == 0 &&
		p->shape == IDXADV_SHAPE_JOIN_INNER)
	{
		p->rejected = "no column of the join's equality conditions is one a btree index can use (its type has no default btree operator class)";
		return;
	}
	if (p->neq == 0 && p->nrange == 0 && p->norder == 0 && p->pred.attnum == 0 &&
		p->nor > 0)
	{
		StringInfoData cols;

		initStringInfo(&cols);
		for (i = 0; i < p->nor; i++)
		{
			char	   *name = get_attname(p->relid, p->orcols[i].attnum, true);

			appendStringInfo(&cols, "%s%s", i > 0 ? ", " : "",
							 name ? quote_identifier(name) : "?");
		}
		p->rejected = psprintf("the filter's only conditions an index could use are joined by OR (on %s): a btree serves an OR only as one index per branch, which a BitmapOr combines, and idxadvisor does not suggest such sets yet: an index on the column of each branch may serve it (check with EXPLAIN)",
							   cols.data);
		p->btree_useless = true;
		return;
	}
	if (p->neq == 0 && p->nrange == 0 && p->norder == 0 && p->pred.attnum == 0)
	{
		p->rejected = "no condition of the filter is one a btree index can use (only <>, LIKE, expressions or IS NOT NULL on a common value)";
		p->btree_useless = true;
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
		p->btree_order_only = true;
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
 * If an existing valid index already serves the pattern, say which: the one
 * rule of idxadv_find_serving_index() (idxadvisor_catalog.c), which the
 * foreign-key report applies too.  The pattern's equality-like columns in
 * any order, then its range column, then its ORDER BY columns; its partial
 * predicate and other conditions count toward implying an index's
 * predicate.
 */
static const char *
idxadv_served_by(idxadvPattern *p)
{
	idxadvIndexLookup lookup;
	Oid			indexoid;
	int			n = 0;
	int			i;

	if (p->neq + p->nrange + p->norder > INDEX_MAX_KEYS)
		return NULL;			/* no index has that many keys */

	memset(&lookup, 0, sizeof(lookup));
	lookup.relid = p->relid;
	for (i = 0; i < p->neq; i++, n++)
	{
		lookup.cols[n].attnum = p->eq[i].attnum;
		lookup.cols[n].kind = p->eq[i].kind;
	}
	for (i = 0; i < p->nrange; i++, n++)
	{
		lookup.cols[n].attnum = p->range[i].attnum;
		lookup.cols[n].kind = IDXADV_CMP_RANGE;
	}
	for (i = 0; i < p->norder; i++, n++)
	{
		lookup.cols[n].attnum = p->order[i].attnum;
		lookup.cols[n].flags = p->order[i].flags;
	}
	if (p->pred.attnum != 0)
		lookup.cols[n++] = (idxadvLookupCol) {p->pred.attnum, p->pred.kind, 0, InvalidOid};
	for (i = 0; i < p->ncond && n < IDXADV_LOOKUP_MAX_COLS; i++)
		lookup.cols[n++] = (idxadvLookupCol) {p->cond[i].attnum, p->cond[i].kind, 0, InvalidOid};
	lookup.neq = p->neq;
	lookup.ntail = p->nrange + p->norder;
	lookup.nconds = n - lookup.neq - lookup.ntail;

	indexoid = idxadv_find_serving_index(NULL, &lookup);
	if (OidIsValid(indexoid))
		return psprintf("already served by index %s",
						quote_identifier(get_rel_name(indexoid)));

	/*
	 * A lookup on the first few equality columns, most selective first,
	 * that already finds about one row needs no more (idxadv_needed_eq, the
	 * rule that ends a suggestion's key there): an index serving that is
	 * enough.  Not for a foreign key, whose rule wants all its columns.
	 */
	if (p->fk_name == NULL && p->neq > 1)
	{
		idxadvCol	sorted[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
		int			k;

		memcpy(sorted, p->eq, p->neq * sizeof(idxadvCol));
		idxadv_sort_by_selectivity(idxadv_table_info(p->relid), sorted,
								   p->neq);
		k = idxadv_needed_eq(idxadv_table_info(p->relid), sorted, p->neq);
		if (k > 0 && k < p->neq)
		{
			idxadvIndexLookup narrow;

			memset(&narrow, 0, sizeof(narrow));
			narrow.relid = p->relid;
			for (i = 0; i < k; i++)
			{
				narrow.cols[i].attnum = sorted[i].attnum;
				narrow.cols[i].kind = sorted[i].kind;
			}
			narrow.neq = k;
			n = k;
			if (p->pred.attnum != 0)
				narrow.cols[n++] = (idxadvLookupCol) {p->pred.attnum, p->pred.kind, 0, InvalidOid};
			narrow.nconds = n - k;
			indexoid = idxadv_find_serving_index(NULL, &narrow);
			if (OidIsValid(indexoid))
				return psprintf("already served by index %s: its first columns find about one row per lookup",
								quote_identifier(get_rel_name(indexoid)));
		}
	}

	/*
	 * A unique index on some of the equality columns finds at most one row
	 * per lookup: a wider index could not read fewer.
	 */
	{
		const char *unique = idxadv_unique_within(idxadv_table_info(p->relid),
												  Min(p->neq, INDEX_MAX_KEYS),
												  p->eq);

		if (unique != NULL)
			return psprintf("already served by unique index %s: its columns are among the filter's equalities, so a lookup finds at most one row",
							quote_identifier(unique));
	}
	return NULL;
}

/*
 * The name of an existing valid, unique, non-partial index of table t
 * whose key columns (plain columns, no expressions) are all among the
 * equality (=) columns cols[0 .. ncols-1], or NULL if none.  Such an index
 * finds at most one row for the lookup, whatever else it compares.  The
 * table's unique indexes are read once per call, from pg_index
 * (idxadv_table_indexes(): nothing opened or locked).
 */
const char *
idxadv_unique_within(idxadvTable *t, int ncols, const idxadvCol *cols)
{
	Bitmapset  *have = NULL;
	ListCell   *lc;
	int			i;

	if (!t->uniques_read)
	{
		TupleDesc	desc;
		MemoryContext oldcxt = MemoryContextSwitchTo(advise_cxt);

		foreach(lc, idxadv_table_indexes(NULL, t->relid, &desc))
		{
			HeapTuple	tup = (HeapTuple) lfirst(lc);
			Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
			Bitmapset  *keys = NULL;
			char	   *name;
			int			k;

			if (!ind->indisunique || !ind->indisvalid || !ind->indislive ||
				ind->indnkeyatts == 0 ||
				!heap_attisnull(tup, Anum_pg_index_indpred, desc) ||
				(name = get_rel_name(ind->indexrelid)) == NULL)
				continue;
			for (k = 0; k < ind->indnkeyatts; k++)
			{
				if (ind->indkey.values[k] == 0)
				{
					bms_free(keys);
					keys = NULL;
					break;		/* an expression */
				}
				keys = bms_add_member(keys, ind->indkey.values[k]);
			}
			if (keys != NULL)
				t->uniques = lappend(lappend(t->uniques, keys), name);
		}
		t->uniques_read = true;
		MemoryContextSwitchTo(oldcxt);
	}
	if (t->uniques == NIL)
		return NULL;

	for (i = 0; i < ncols; i++)
		if (cols[i].kind == IDXADV_CMP_EQ)
			have = bms_add_member(have, cols[i].attnum);
	for (i = 0; i + 1 < list_length(t->uniques); i += 2)
		if (bms_is_subset((Bitmapset *) list_nth(t->uniques, i), have))
			return (const char *) list_nth(t->uniques, i + 1);
	return NULL;
}

/* ----------------------------------------------------------------
 * Step 4: DDL and costs
 * ----------------------------------------------------------------
 */

/*
 * Number of distinct values of a column, from pg_statistic (inherited
 * statistics for a partitioned table).  Without statistics: booleans have
 * two, anything else counts as 200, the planner's own default.
 */
double
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
idxadv_cost_candidate(idxadvCandidate *c, idxadvTable *t, idxadvUsedNames **names)
{
	idxadvHypoIndex hypo;
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
	double		lookups;
	char	   *error;

	memset(&hypo, 0, sizeof(hypo));
	for (i = 0; i < c->neq; i++)
	{
		hypo.colnames[n] = get_attname(c->relid, c->eq[i].attnum, false);
		hypo.opclasses[n] = idxadv_btree_opclass(get_atttype(c->relid, c->eq[i].attnum));
		hypo.colflags[n++] = 0;
		hypo.datawidth = idxadv_column_width(c->relid, c->eq[i].attnum, &offset);
	}
	for (i = 0; i < c->ntail; i++)
	{
		hypo.colnames[n] = get_attname(c->relid, c->tail[i].attnum, false);
		hypo.opclasses[n] = idxadv_btree_opclass(get_atttype(c->relid, c->tail[i].attnum));
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

	/* named and written as the foreign-key report writes it */
	c->ddl = idxadv_candidate_ddl(c, &hypo, names);
	if (c->ddl == NULL)
	{
		c->rejected = "a column was dropped while idxadvisor_suggest() ran";
		return;
	}

	/* size */
	idxadv_whatif_index_size(t->tuples * (hypo.predname ? hypo.pred_fraction : 1.0),
					  hypo.datawidth, &pages, &height);
	c->index_bytes = (int64) pages * BLCKSZ;

	/*
	 * Cost of the dominant pattern's query, without and with the index; for
	 * idxadvisor_suggest_for(), of the caller's statement itself, planned
	 * as the caller (as EXPLAIN plans it).
	 */
	hypos[0] = NULL;
	hypos[1] = &hypo;
	if (advise_stmt != NULL)
	{
		const idxadvPattern *d = c->dominant;

		c->share = d->rows_scanned > 0 ?
			(double) d->rows_matched / d->rows_scanned : 1.0;
		error = idxadv_whatif_plan_statement(advise_stmt->queries,
											 advise_stmt->sql, t->leaves, 2,
											 hypos, plans);
	}
	else
	{
		sql = idxadv_rep_query(c, t, c->dominant, &nparams, &types, &params,
							   &c->share);
		error = idxadv_plan(t, sql, nparams, types, params, 2, hypos, plans);
	}
	if (error)
	{
		c->rejected = psprintf("could not be costed: %s", error);
		return;
	}
	c->cost_before = plans[0].cost;
	c->cost_after = plans[1].cost;

	/*
	 * A join input read whole (a hash or merge join's scan) against a nested
	 * loop that looks up each row of the other input through the index: the
	 * lookup's cost times those rows, against one read of the table.
	 */
	lookups = idxadv_pattern_lookups(c->dominant);
	if (lookups > 1.0 && plans[1].used)
	{
		c->cost_after *= lookups;
		if (c->cost_after >= c->cost_before)
		{
			c->rejected = psprintf("a lookup through this index for each of the %.0f rows per join of the other input would cost %.2f, more than reading the table once (%.2f)",
								   lookups, c->cost_after, c->cost_before);
			c->cost_after = c->cost_before;
			return;
		}
	}

	if (!plans[1].used || c->cost_after >= c->cost_before)
	{
		const idxadvPattern *d = c->dominant;

		/*
		 * Say why when it is the usual reason: the equalities keep too many
		 * rows for an index to pay.
		 */
		if (d->neq > 0 && c->share >= 0.01)
			c->rejected = psprintf("the planner would not use this index (estimated cost %.2f without it, %.2f with it): its equalities keep about %.3g%% of the rows%s, too many to read through an index",
								   c->cost_before,
								   Min(c->cost_after, c->cost_before),
								   100.0 * c->share,
								   d->executions > 0 && d->rows_scanned > 0 &&
								   advise_stmt == NULL ?
								   psprintf(" (the captured scans kept %.3g%% of the rows they read)",
											100.0 * d->rows_matched / d->rows_scanned) : "");
		else
			c->rejected = psprintf("the planner would not use this index (estimated cost %.2f without it, %.2f with it)",
								   c->cost_before, Min(c->cost_after, c->cost_before));
		c->cost_after = Min(c->cost_after, c->cost_before);
		return;
	}

	idxadv_try_covering(c, t, &hypo, names);

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
 * Make a costed candidate a covering index when that pays: the captured
 * statements (plain SELECTs all) read at most IDXADV_MAX_INCLUDE columns
 * beyond its key and predicate, the key and those columns are a small part
 * of a wide row (IDXADV_COVERING_WIDTH, by the columns' average widths in
 * pg_statistic, as the index's own size is estimated), and the planner,
 * given the
 * representative query reading just those columns, answers it with an
 * index-only scan of the key + INCLUDE index that costs at most
 * IDXADV_COVERING_GAIN of the key alone.  The planner weighs the visibility
 * map (relallvisible / relpages): with few all-visible pages an index-only
 * scan reads the table anyway and does not pay.  Otherwise the candidate
 * stays as it was costed.
 */
static void
idxadv_try_covering(idxadvCandidate *c, idxadvTable *t,
					const idxadvHypoIndex *hypo, idxadvUsedNames **names)
{
	uint64		read = 0;
	uint64		extra;
	idxadvHypoIndex cov;
	idxadvHypoIndex *hypos[3];
	idxadvPlanResult plans[3];
	StringInfoData list;
	ListCell   *lc;
	int32		offset;
	double		rowwidth;
	char	   *sql;
	char	   *ddl;
	int			nparams;
	Oid		   *types;
	ParamListInfo params;
	double		share;
	int			att;
	int			i;
	BlockNumber pages;
	int			height;
	HeapTuple	tup;
	Form_pg_class form;
	int			natts;
	double		allvisible;

	if (t->relkind != RELKIND_RELATION || t->tuples <= 0 || t->pages <= 0 ||
		(OidIsValid(hypo->amoid) && hypo->amoid != BTREE_AM_OID))
		return;
	foreach(lc, c->patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		if (p->executions <= 0)
			continue;			/* a foreign key's lookup reads its key */
		if (p->cols_read == 0 || (p->cols_read & IDXADV_COLS_READ_OTHER))
			return;
		read |= p->cols_read;
	}
	if (read == 0)
		return;
	for (i = 0; i < hypo->ncols; i++)
		if (hypo->exprs[i] != NULL)
			return;				/* expression keys: not worked out */

	extra = read;
	for (i = 0; i < c->neq; i++)
		extra &= ~IDXADV_COL_BIT(c->eq[i].attnum);
	for (i = 0; i < c->ntail; i++)
		extra &= ~IDXADV_COL_BIT(c->tail[i].attnum);
	if (c->pred.attnum != 0)
		extra &= ~IDXADV_COL_BIT(c->pred.attnum);
	if (extra == 0 || pg_popcount64(extra) > IDXADV_MAX_INCLUDE ||
		hypo->ncols + pg_popcount64(extra) > INDEX_MAX_KEYS)
		return;

	/* the key + INCLUDE index tuple against the table's average row */
	memcpy(&cov, hypo, sizeof(cov));
	cov.nkeycols = hypo->ncols;
	offset = hypo->datawidth;
	for (att = 1; att <= 63; att++)
	{
		if (!(extra & (UINT64CONST(1) << (att - 1))))
			continue;
		if (!idxadv_column_live(c->relid, att))
			return;
		cov.colnames[cov.ncols] = get_attname(c->relid, att, false);
		cov.exprs[cov.ncols] = NULL;
		cov.opclasses[cov.ncols] = InvalidOid;
		cov.colflags[cov.ncols] = 0;
		cov.ncols++;
		cov.datawidth = idxadv_column_width(c->relid, att, &offset);
	}
	/* the row's data, as wide as pg_statistic says its columns are */
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(c->relid));
	if (!HeapTupleIsValid(tup))
		return;
	form = (Form_pg_class) GETSTRUCT(tup);
	natts = form->relnatts;
	allvisible = form->relpages > 0 ?
		Min((double) form->relallvisible / form->relpages, 1.0) : 0;
	ReleaseSysCache(tup);
	offset = 0;
	rowwidth = 0;
	for (att = 1; att <= natts; att++)
		if (idxadv_column_live(c->relid, att))
			rowwidth = idxadv_column_width(c->relid, att, &offset);
	if ((double) cov.datawidth * IDXADV_COVERING_WIDTH > rowwidth)
		return;

	/* the representative query, reading the columns the statements read */
	initStringInfo(&list);
	for (att = 1; att <= 63; att++)
		if (read & (UINT64CONST(1) << (att - 1)))
			appendStringInfo(&list, "%s%s", list.len > 0 ? ", " : "",
							 quote_identifier(get_attname(c->relid, att, false)));
	c->select_list = list.data;
	sql = idxadv_rep_query(c, t, c->dominant, &nparams, &types, &params,
						   &share);
	c->select_list = NULL;
	hypos[0] = NULL;
	hypos[1] = (idxadvHypoIndex *) hypo;
	hypos[2] = &cov;
	if (idxadv_plan(t, sql, nparams, types, params, 3, hypos, plans) != NULL)
		return;
	if (!plans[2].used || !plans[2].index_only ||
		plans[2].cost > plans[1].cost * IDXADV_COVERING_GAIN ||
		plans[2].cost >= plans[0].cost)
		return;

	ddl = idxadv_candidate_ddl(c, &cov, names);
	if (ddl == NULL)
		return;
	c->ddl = ddl;
	for (i = hypo->ncols; i < cov.ncols; i++)
		c->include[c->ninclude++] = cov.colnames[i];
	idxadv_whatif_index_size(t->tuples * (cov.predname ? cov.pred_fraction : 1.0),
							 cov.datawidth, &pages, &height);
	c->index_bytes = (int64) pages * BLCKSZ;
	c->cost_before = plans[0].cost;
	c->cost_after = plans[2].cost;
	c->allvisible = allvisible;
}

/*
 * The DDL of a candidate: idxadv_create_index_script() (idxadvisor_catalog.c),
 * so that the same index gets the same text, and the same name, as in the
 * foreign-key report.  names carries the names given out in this call.
 */
static char *
idxadv_candidate_ddl(idxadvCandidate *c, const idxadvHypoIndex *hypo,
					 idxadvUsedNames **names)
{
	idxadvIndexShape shape;
	int			i;

	memset(&shape, 0, sizeof(shape));
	shape.ncols = hypo->nkeycols > 0 ? hypo->nkeycols : hypo->ncols;
	for (i = shape.ncols; i < hypo->ncols; i++)
		shape.include[shape.ninclude++] = hypo->colnames[i];
	for (i = 0; i < shape.ncols; i++)
	{
		shape.colnames[i] = hypo->colnames[i];
		shape.indoption[i] =
			((hypo->colflags[i] & IDXADV_ORDER_DESC) ? INDOPTION_DESC : 0) |
			((hypo->colflags[i] & IDXADV_ORDER_NULLS_FIRST) ?
			 INDOPTION_NULLS_FIRST : 0);
	}
	shape.predcol = hypo->predname;
	shape.predkind = hypo->predkind;
	return idxadv_create_index_script(c->relid, &shape, names);
}

/*
 * Plan a query on table t through the what-if planner (idxadvisor_whatif.c),
 * as the table's owner; a table that cannot be planned as one role (see
 * idxadv_check_partition_owner) is not planned at all.
 */
char *
idxadv_plan(idxadvTable *t, const char *sql, int nparams, Oid *types,
			ParamListInfo params, int nplans, idxadvHypoIndex **hypos,
			idxadvPlanResult *results)
{
	if (t->owner_problem != NULL)
		return t->owner_problem;
	return idxadv_whatif_plan(t->owner, t->leaves, sql, nparams, types,
							  params, nplans, hypos, results);
}

/*
 * Add one key column to the running data width of an index tuple: the
 * column's average width from pg_statistic, else its type's, aligned.
 */
int32
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
 * A boolean or NULL test on a quoted column, as SQL.
 */
char *
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
char *
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
	Datum	   *cols = palloc(sizeof(Datum) * (c->neq + c->ntail + 1));
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
	if (c->expr_key != NULL)
		cols[n++] = CStringGetTextDatum(c->expr_key);
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
	values[col++] = CStringGetTextDatum(c->fk_name ? "foreign_key" :
										idxadv_shape_name(c->dominant->shape));
	if (c->fk_name)
		values[col++] = DirectFunctionCall1(namein, CStringGetDatum(c->fk_name));
	else
		nulls[col++] = true;
	if (c->ddl && !c->rejected)
		values[col++] = CStringGetTextDatum(c->ddl);
	else
		nulls[col++] = true;
	if (advise_stmt != NULL)
	{
		/* nothing was captured: the planner's estimates for the statement */
		nulls[col++] = true;
		nulls[col++] = true;
	}
	else
	{
		values[col++] = Int64GetDatum(scans);
		values[col++] = Int64GetDatum(fkscans);
	}
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

	values[col++] = CStringGetTextDatum(idxadv_emit_reason(c, scans, fkscans,
														   rows_scanned,
														   rows_matched,
														   writes, shapes));

	/* 1.1: the evidence a DBA acts on, and what the index costs to keep */
	if (rsinfo->setDesc->natts > IDXADV_SUGGEST_COLS_V1_0)
	{
		Datum	   *ids = palloc(sizeof(Datum) * Max(list_length(c->patterns), 1));
		int			nids = 0;
		idxadvTable *t = idxadv_table_info(c->relid);

		/* the query ids of the scans it serves, each once */
		foreach(lc, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc);

			for (i = 0; i < nids; i++)
				if (DatumGetInt64(ids[i]) == p->queryid)
					break;
			if (p->queryid != 0 && i == nids)
				ids[nids++] = Int64GetDatum(p->queryid);
		}
		if (nids > 0)
			values[col++] = PointerGetDatum(construct_array(ids, nids, INT8OID,
															8, FLOAT8PASSBYVAL,
															TYPALIGN_DOUBLE));
		else
			nulls[col++] = true;

		/* rows a scan would read through the index: what the lookup keeps */
		if (c->ddl && !c->rejected)
			values[col++] = Float8GetDatum(Max(t->tuples, 0) * c->share);
		else
			nulls[col++] = true;
		if (c->ddl && !c->rejected)
			values[col++] = Float8GetDatum(idxadv_write_overhead(t, c));
		else
			nulls[col++] = true;
	}

	Assert(col == rsinfo->setDesc->natts);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * The reason column of a candidate's row: why it was rejected, or the
 * evidence for it.
 */
static char *
idxadv_emit_reason(idxadvCandidate *c, int64 scans, int64 fkscans,
				   int64 rows_scanned, int64 rows_matched, double writes,
				   int shapes)
{
	StringInfoData reason;

	initStringInfo(&reason);
	if (c->rejected)
		appendStringInfo(&reason, "rejected: %s", c->rejected);
	else if (advise_stmt != NULL)
	{
		appendStringInfo(&reason,
						 "The statement reads about %.0f rows of this table and keeps about %.3g%% of them (planner estimates); with this index its estimated cost falls from %.2f to %.2f.",
						 scans > 0 ? (double) rows_scanned / scans : 0,
						 rows_scanned > 0 ? 100.0 * rows_matched / rows_scanned : 0,
						 c->cost_before, c->cost_after);
		if (shapes > 1)
			appendStringInfo(&reason, " One index serves %d of its scans.",
							 shapes);
	}
	else
	{
		if (c->fk_name)
			appendStringInfo(&reason, "Foreign key %s has no index. ",
							 quote_identifier(c->fk_name));
		if (scans == 0)
			appendStringInfo(&reason,
							 "Each delete or key update on the referenced table seq-scans this table (%.0f deletes and updates there since statistics were reset).",
							 writes);
		else if (!idxadv_shape_evidence(&reason, c))
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
		if (c->ninclude > 0)
		{
			int			i;

			appendStringInfoString(&reason, " INCLUDE (");
			for (i = 0; i < c->ninclude; i++)
				appendStringInfo(&reason, "%s%s", i > 0 ? ", " : "",
								 quote_identifier(c->include[i]));
			appendStringInfo(&reason,
							 ") holds the other columns the queries read, so an index-only scan answers them without reading the table's rows (%.0f%% of its pages are all-visible).",
							 100.0 * c->allvisible);
		}
		if (get_rel_relkind(c->relid) == RELKIND_PARTITIONED_TABLE)
			appendStringInfoString(&reason,
								   " Seen on every partition: PostgreSQL cannot build an index concurrently on a partitioned table, so the DDL queues the build with idxadvisor_create_concurrently(), which builds each partition's index without blocking writes and attaches them.");
	}
	return reason.data;
}

/*
 * The evidence of a candidate that serves other captured shapes than
 * filtered sequential scans: one sentence per shape, in the shapes' order,
 * each with its own totals (rows an index fetched are not rows a sequential
 * scan read).  Returns false, writing nothing, when it serves only filtered
 * sequential scans.
 */
static bool
idxadv_shape_evidence(StringInfo reason, idxadvCandidate *c)
{
	int			shape;
	const char *sep = "";
	bool		others = false;
	ListCell   *lc;

	foreach(lc, c->patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		if (p->shape != IDXADV_SHAPE_SEQ_FILTER && p->executions > 0)
			others = true;
	}
	if (!others)
		return false;

	for (shape = 0; shape <= IDXADV_SHAPE_LAST; shape++)
	{
		int64		scans = 0;
		int64		fkscans = 0;
		double		scanned = 0;
		double		matched = 0;
		double		outer = 0;
		int64		limit = 0;

		foreach(lc, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc);

			if (p->shape != shape || p->executions <= 0)
				continue;
			scans += p->executions;
			fkscans += p->fk_executions;
			scanned += p->rows_scanned;
			matched += p->rows_matched;
			outer += p->outer_rows;
			limit = Max(limit, p->limit_max);
		}
		if (scans == 0)
			continue;

		appendStringInfoString(reason, sep);
		sep = " ";
		switch ((idxadvScanShape) shape)
		{
			case IDXADV_SHAPE_SEQ_FILTER:
				appendStringInfo(reason, INT64_FORMAT " sequential scan%s",
								 scans, scans == 1 ? "" : "s");
				if (fkscans > 0)
					appendStringInfo(reason,
									 " (" INT64_FORMAT " run by foreign-key triggers on deletes or key updates of the referenced table)",
									 fkscans);
				appendStringInfo(reason, " read %.0f rows %sand kept %.3g%% of them.",
								 scanned / scans, scans == 1 ? "" : "per scan ",
								 scanned > 0 ? 100.0 * matched / scanned : 0);
				break;
			case IDXADV_SHAPE_SEQ_TOPN:
				appendStringInfo(reason,
								 INT64_FORMAT " sequential scan%s read %.0f rows %sto return the first " INT64_FORMAT " in ORDER BY order.",
								 scans, scans == 1 ? "" : "s", scanned / scans,
								 scans == 1 ? "" : "per scan ", limit);
				break;
			case IDXADV_SHAPE_INDEX_FILTER:
				appendStringInfo(reason,
								 INT64_FORMAT " index scan%s fetched %.0f rows %sand %s filter kept %.3g%% of them.",
								 scans, scans == 1 ? "" : "s", scanned / scans,
								 scans == 1 ? "" : "per scan ",
								 scans == 1 ? "its" : "their",
								 scanned > 0 ? 100.0 * matched / scanned : 0);
				break;
			case IDXADV_SHAPE_JOIN_INNER:
				appendStringInfo(reason,
								 INT64_FORMAT " join%s read this table whole (%.0f rows%s) to match %.0f row%s of the other input%s.",
								 scans, scans == 1 ? "" : "s", scanned / scans,
								 scans == 1 ? "" : " per join",
								 outer / scans, rint(outer / scans) == 1 ? "" : "s",
								 scans == 1 ? "" : " per join");
				break;
		}
	}
	return true;
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
	c.dominant = p;
	c.fk_name = p->fk_name;
	c.rejected = p->rejected;
	idxadv_emit(rsinfo, &c);
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

/* ----------------------------------------------------------------
 * SQL-callable function
 * ----------------------------------------------------------------
 */

/*
 * The statement of the idxadvisor_suggest_for() call being advised, NULL in
 * idxadvisor_suggest(): the expression candidates (idxadvisor_exprs.c) are
 * costed on it too.
 */
const idxadvStatement *
idxadv_advise_statement(void)
{
	return advise_stmt;
}

/*
 * Set up the lookup tables of one call of idxadvisor_suggest() or
 * idxadvisor_suggest_for(), in the current memory context.
 */
void
idxadv_advise_begin(void)
{
	HASHCTL		ctl;

	ctl.hcxt = CurrentMemoryContext;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvTable);
	table_hash = hash_create("idxadvisor_suggest tables", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(idxadvOpclass);
	opclass_hash = hash_create("idxadvisor_suggest opclasses", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	advise_cxt = CurrentMemoryContext;
	idxadv_whatif_begin();
	used_names = idxadv_used_names_create();
	advise_stmt = NULL;
}

/*
 * Steps 2 to 5 for the patterns of step 1: judge them, merge them into
 * candidates, cost and rank those, and put the rows into rsinfo's
 * tuplestore (with verbose, the rejected ones too).  stmt is the statement
 * of idxadvisor_suggest_for(), costed instead of each candidate's
 * representative query, or NULL.  A pattern already rejected is only shown.
 */
void
idxadv_advise(ReturnSetInfo *rsinfo, List *patterns, bool verbose,
			  const idxadvStatement *stmt)
{
	List	   *candidates;
	ListCell   *lc;
	MemoryContext work_cxt;

	if (rsinfo->setDesc->natts != IDXADV_SUGGEST_COLS &&
		rsinfo->setDesc->natts != IDXADV_SUGGEST_COLS_V1_0)
		elog(ERROR, "incorrect number of output arguments");
	advise_stmt = stmt;

	foreach(lc, patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (p->rejected == NULL)
			idxadv_decide_pattern(p, idxadv_table_info(p->relid));
	}

	candidates = idxadv_merge(patterns);
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		idxadvTable *t = idxadv_table_info(c->relid);

		idxadv_order_columns(c, t);
		idxadv_trim_key(c, t);
		if (idxadv_same_as_earlier(c, t))
			candidates = foreach_delete_current(candidates, lc);
	}

	/*
	 * The set of indexes that serves the captured workload at least cost
	 * (idxadvisor_select.c); a statement of idxadvisor_suggest_for() costs
	 * each of its candidates on itself instead.
	 */
	if (stmt == NULL)
		candidates = idxadv_select(candidates);

	/* each candidate costed in a context of its own, reset after it */
	work_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "idxadvisor candidate",
									 ALLOCSET_DEFAULT_SIZES);
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		idxadvCol	cols[INDEX_MAX_KEYS + IDXADV_MAX_ORDER + 2];
		MemoryContext oldcxt;

		CHECK_FOR_INTERRUPTS();
		if (c->rejected)
			continue;			/* not selected */
		memcpy(cols, c->eq, c->neq * sizeof(idxadvCol));
		memcpy(cols + c->neq, c->tail, c->ntail * sizeof(idxadvCol));
		cols[c->neq + c->ntail] = c->pred;
		c->rejected = idxadv_lock_table(c->relid, c->neq + c->ntail + 1, cols);
		if (c->rejected)
			continue;
		oldcxt = MemoryContextSwitchTo(work_cxt);
		idxadv_cost_candidate(c, idxadv_table_info(c->relid), &used_names);
		MemoryContextSwitchTo(oldcxt);
		idxadv_keep_results(c);
		idxadv_work_reset(work_cxt);
		UnlockRelationOid(c->relid, AccessShareLock);
	}

	/*
	 * Filters no btree candidate serves may be served by an expression,
	 * pattern or GIN index (idxadvisor_exprs.c)
	 */
	candidates = idxadv_expr_candidates(patterns, candidates, &used_names);
	list_sort(candidates, idxadv_candidate_cmp);

	/* the rows: the tuplestore keeps a copy of each */
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);

		if (!c->rejected || verbose)
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(work_cxt);

			idxadv_emit(rsinfo, c);
			MemoryContextSwitchTo(oldcxt);
			idxadv_work_reset(work_cxt);
		}
	}
	if (verbose)
	{
		foreach(lc, patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc);

			if (p->rejected && !p->expr_shown)
			{
				MemoryContext oldcxt = MemoryContextSwitchTo(work_cxt);

				idxadv_emit_rejected(rsinfo, p);
				MemoryContextSwitchTo(oldcxt);
				idxadv_work_reset(work_cxt);
			}
		}
	}
	MemoryContextDelete(work_cxt);
	advise_stmt = NULL;
}

/*
 * Free what the candidates costed, or rows emitted, in work_cxt used, once
 * it holds IDXADV_WORK_CXT_MAX bytes.  Not after each one: memory freed
 * and given back to the kernel after each plan over a thousand partitions
 * would be faulted in again by the next (what the whole call kept to the
 * end before cost fewer page faults, and 219 MB).
 */
static void
idxadv_work_reset(MemoryContext work_cxt)
{
	if (MemoryContextMemAllocated(work_cxt, true) >= IDXADV_WORK_CXT_MAX)
		MemoryContextReset(work_cxt);
}

/*
 * Copy what idxadv_cost_candidate() wrote into candidate c, in the
 * candidate's context of its own, into the current one.
 */
static void
idxadv_keep_results(idxadvCandidate *c)
{
	int			i;

	if (c->ddl)
		c->ddl = pstrdup(c->ddl);
	if (c->rejected)
		c->rejected = pstrdup(c->rejected);
	for (i = 0; i < c->ninclude; i++)
		c->include[i] = pstrdup(c->include[i]);
	Assert(c->select_list == NULL);
}

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

	idxadv_require_preload("idxadvisor_suggest()");

	InitMaterializedSRF(fcinfo, 0);

	idxadv_advise_begin();
	patterns = idxadv_collect_patterns();
	patterns = idxadv_fk_patterns(patterns);
	idxadv_advise(rsinfo, patterns, verbose, NULL);

	return (Datum) 0;
}

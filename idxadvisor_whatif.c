/*-------------------------------------------------------------------------
 *
 * idxadvisor_whatif.c
 *		What-if planning for idxadvisor_suggest(): the planner's cost of a
 *		query with and without a hypothetical btree index, which is never
 *		built.
 *
 * The hypothetical index is an IndexOptInfo made up from catalog data (the
 * columns, operator classes and sizes an index of that shape would have)
 * and added to each table planned on through get_relation_info_hook.  The
 * hook is ours only for the duration of our own planner() call: it is set
 * right before and restored right after (also on error), chained to the
 * hook that was there, so that no other query of the session ever meets it,
 * and another extension's hook still runs.  The hypothetical index has an
 * OID no relation has (IDXADV_HYPO_INDEXOID) and the "hypothetical" flag, so
 * the planner never looks it up in the catalogs; a plan uses it when one of
 * its scans names that OID.
 *
 * Locking and side effects: the query is parsed, analyzed and planned
 * (never run) in an internal subtransaction that is rolled back, so the
 * locks parse analysis and the planner take on the table, its partitions
 * and its indexes are released at once, and in a memory context deleted
 * afterwards.  The caller holds AccessShareLock on the table.  The query
 * gets no query identifier and skips post_parse_analyze_hook, so statistics
 * extensions never see it.  An error while planning is returned as a
 * message, except a query cancel or anything worse than ERROR.
 *
 * idxadvisor_suggest_for()'s statement is the exception: the caller's own
 * statement, planned as the caller like EXPLAIN plans it, without a
 * subtransaction (an error is the statement's), by
 * idxadv_whatif_plan_statement().
 *
 * Security: opening and planning a table evaluates its own code (the
 * relcache and the planner constant-fold index expressions and predicates,
 * partition keys and constraints), which its owner wrote.  All of it runs
 * as the owner the caller names, inside a security-restricted operation
 * (idxadv_switch_to_owner), never with the caller's privileges.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/itup.h"
#include "access/nbtree.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parse_param.h"
#include "rewrite/rewriteManip.h"
#include "storage/bufpage.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/selfuncs.h"

#include "idxadvisor.h"
#include "idxadvisor_whatif.h"

/*---- Macros ----*/

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

/*---- Typedefs ----*/

/* State of one planning call, seen by the get_relation_info hook */
typedef struct idxadvPlanState
{
	List	   *leaves;			/* OIDs of the tables planned on */
	idxadvHypoIndex *hypo;		/* to inject, or NULL */
} idxadvPlanState;

/*---- Local variables ----*/

/* The hook we chain to, and our state: set only while we plan */
static idxadv_rel_hook_type prev_get_relation_info_hook = NULL;
static get_index_stats_hook_type prev_get_index_stats_hook = NULL;
static idxadvPlanState *plan_state = NULL;

/*
 * The planning memory of one call of idxadvisor_suggest() or
 * idxadvisor_suggest_for() (idxadv_whatif_begin()), reset after each
 * planning; NULL outside one.  Its first block, kept across resets, holds
 * a planning over a thousand partitions: memory given back after each
 * planning would be given back to the kernel too, and faulted in again,
 * page by page, by the next one.
 */
static MemoryContext whatif_cxt = NULL;
#define IDXADV_WHATIF_BLOCK		(32 * 1024 * 1024)

/*---- Function declarations ----*/

static Query *idxadv_whatif_parse(const char *sql, int nparams, Oid *types);
static void idxadv_whatif_forget(void *arg);
static MemoryContext idxadv_plan_cxt_get(MemoryContext outer, bool *own);
static void idxadv_plan_cxt_done(MemoryContext cxt, bool own);
static bool idxadv_plan_uses_hypo(Plan *plan, bool *index_only);
static void idxadv_get_relation_info(IDXADV_REL_HOOK_PARAMS);
static bool idxadv_get_index_stats(PlannerInfo *root, Oid indexOid,
								   AttrNumber indexattnum,
								   VariableStatData *vardata);
static IndexOptInfo *idxadv_make_hypo_index(RelOptInfo *rel, Oid relid,
											idxadvHypoIndex *hypo);
static Var *idxadv_leaf_var(RelOptInfo *rel, Oid relid, const char *name);
static Node *idxadv_leaf_expr_mutator(Node *node, Oid *rels);

/*
 * idxadv_whatif_begin
 *		The planning memory of the plannings to come, until the current
 *		memory context is reset or deleted (one call of the caller).
 */
void
idxadv_whatif_begin(void)
{
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

	whatif_cxt = AllocSetContextCreate(CurrentMemoryContext,
									   "idxadvisor what-if planning",
									   0, IDXADV_WHATIF_BLOCK,
									   IDXADV_WHATIF_BLOCK);
	cb->func = idxadv_whatif_forget;
	cb->arg = NULL;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
}

static void
idxadv_whatif_forget(void *arg)
{
	whatif_cxt = NULL;
}

/*
 * The memory context of one planning (of both what-if functions): the
 * call's (idxadv_whatif_begin), emptied; or, outside a call or inside
 * another planning (a function the planner ran), one of its own, made
 * under outer (*own set), which idxadv_plan_cxt_done() deletes.
 */
static MemoryContext
idxadv_plan_cxt_get(MemoryContext outer, bool *own)
{
	*own = whatif_cxt == NULL || plan_state != NULL;
	if (*own)
		return AllocSetContextCreate(outer, "idxadvisor what-if planning",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextReset(whatif_cxt); /* after an error thrown on */
	return whatif_cxt;
}

static void
idxadv_plan_cxt_done(MemoryContext cxt, bool own)
{
	if (own)
		MemoryContextDelete(cxt);
	else
		MemoryContextReset(cxt);
}

/*
 * idxadv_whatif_plan
 *		Plan a query on the tables "leaves" (a table, or the leaf partitions
 *		of a partitioned one) nplans times, the i-th time with the
 *		hypothetical index hypos[i] (none when NULL), and fill in results[i]:
 *		the plan's total cost, its estimated rows and whether it uses the
 *		hypothetical index.  The query is parsed and analyzed once; the hook
 *		is ours only while planning.  Everything runs as "owner", the table's
 *		owner, in a security-restricted operation.
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
char *
idxadv_whatif_plan(Oid owner, List *leaves, const char *sql, int nparams,
				   Oid *types, ParamListInfo params, int nplans,
				   idxadvHypoIndex **hypos, idxadvPlanResult *results)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner resowner = CurrentResourceOwner;
	idxadvPlanState state;
	idxadvPlanState *save_state = plan_state;
	idxadv_rel_hook_type save_hook = idxadv_rel_hook;
	get_index_stats_hook_type save_stats_hook = get_index_stats_hook;
	char	   *volatile error = NULL;
	idxadvUserSwitch sw;
	MemoryContext plan_cxt;
	bool		own_cxt;

	if (!OidIsValid(owner))
		return "the table was dropped";

	memset(&state, 0, sizeof(state));
	state.leaves = leaves;

	plan_cxt = idxadv_plan_cxt_get(outer, &own_cxt);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(plan_cxt);

	PG_TRY();
	{
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
		idxadv_switch_to_owner(owner, &sw);

		query = idxadv_whatif_parse(sql, nparams, types);

		for (i = 0; i < nplans; i++)
		{
			PlannedStmt *stmt;

			state.hypo = hypos[i];
			prev_get_relation_info_hook = save_hook;
			idxadv_rel_hook = idxadv_get_relation_info;
			prev_get_index_stats_hook = save_stats_hook;
			get_index_stats_hook = idxadv_get_index_stats;
			plan_state = &state;
			/* the planner scribbles on its Query: a copy for all but the last */
			stmt = idxadv_planner(i < nplans - 1 ? copyObject(query) : query,
								  sql, 0, params);
			idxadv_rel_hook = save_hook;
			get_index_stats_hook = save_stats_hook;
			plan_state = save_state;

			results[i].cost = stmt->planTree->total_cost;
			results[i].rows = stmt->planTree->plan_rows;
			results[i].index_only = false;
			results[i].used = idxadv_plan_uses_hypo(stmt->planTree,
													&results[i].index_only);
		}
		idxadv_switch_back(&sw);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		idxadv_rel_hook = save_hook;
		get_index_stats_hook = save_stats_hook;
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
	CurrentResourceOwner = resowner;
	idxadv_plan_cxt_done(plan_cxt, own_cxt);

	return error;
}

/*
 * idxadv_whatif_plan_statement
 *		Plan the caller's statement of idxadvisor_suggest_for(), given as the
 *		queries the rewriter made of it, nplans times, the i-th time with the
 *		hypothetical index hypos[i] on the tables "leaves" (none when NULL),
 *		and fill in results[i] with the total cost and rows of all its
 *		queries, and whether one of their plans (subplans included) uses the
 *		index.
 *
 * Unlike idxadv_whatif_plan(), this plans as the current user, not as a
 * table's owner, exactly what EXPLAIN of the statement would plan: the
 * statement is the caller's, and the caller's privileges were checked on
 * it.  No subtransaction either: an error is the statement's and is
 * raised, and the locks that planning takes are held until the end of the
 * transaction, as EXPLAIN holds them.  The hook is ours only while
 * planning, also on error.
 */
char *
idxadv_whatif_plan_statement(List *queries, const char *sql, List *leaves,
							 int nplans, idxadvHypoIndex **hypos,
							 idxadvPlanResult *results)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext plan_cxt;
	bool		own_cxt;
	idxadvPlanState state;
	idxadvPlanState *save_state = plan_state;
	idxadv_rel_hook_type save_hook = idxadv_rel_hook;
	get_index_stats_hook_type save_stats_hook = get_index_stats_hook;
	int			i;

	memset(&state, 0, sizeof(state));
	state.leaves = leaves;
	plan_cxt = idxadv_plan_cxt_get(outer, &own_cxt);
	for (i = 0; i < nplans; i++)
	{
		ListCell   *lc;

		results[i].cost = 0;
		results[i].rows = 0;
		results[i].used = false;
		results[i].index_only = false;

		MemoryContextSwitchTo(plan_cxt);
		PG_TRY();
		{
			state.hypo = hypos[i];
			prev_get_relation_info_hook = save_hook;
			idxadv_rel_hook = idxadv_get_relation_info;
			prev_get_index_stats_hook = save_stats_hook;
			get_index_stats_hook = idxadv_get_index_stats;
			plan_state = &state;
			foreach(lc, queries)
			{
				Query	   *query = (Query *) lfirst(lc);
				PlannedStmt *stmt;
				ListCell   *lc2;

				/* the planner scribbles on its Query */
				stmt = idxadv_planner(copyObject(query), sql, 0, NULL);
				results[i].cost += stmt->planTree->total_cost;
				results[i].rows += stmt->planTree->plan_rows;
				if (idxadv_plan_uses_hypo(stmt->planTree,
										  &results[i].index_only))
					results[i].used = true;
				foreach(lc2, stmt->subplans)
					if (idxadv_plan_uses_hypo((Plan *) lfirst(lc2),
											  &results[i].index_only))
						results[i].used = true;
			}
		}
		PG_FINALLY();
		{
			idxadv_rel_hook = save_hook;
			get_index_stats_hook = save_stats_hook;
			plan_state = save_state;
			MemoryContextSwitchTo(outer);
		}
		PG_END_TRY();
		MemoryContextReset(plan_cxt);
	}
	idxadv_plan_cxt_done(plan_cxt, own_cxt);
	return NULL;
}

/*
 * Parse analysis of the query, without post_parse_analyze_hook and without
 * a query identifier, so that pg_stat_statements and the like never see
 * these queries; and without the rewriter: a table has no SELECT rules, and
 * its row security policies do not matter to an index.
 */
static Query *
idxadv_whatif_parse(const char *sql, int nparams, Oid *types)
{
	List	   *raw;
	ParseState *pstate;
	Query	   *query;

	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		elog(ERROR, "unexpected representative query \"%s\"", sql);
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = sql;
	if (nparams > 0)
		setup_parse_fixed_parameters(pstate, types, nparams);
	query = transformTopLevelStmt(pstate, linitial_node(RawStmt, raw));
	free_parsestate(pstate);
	return query;
}

/*
 * Does a plan tree scan the hypothetical index?  *index_only is set when
 * an index-only scan does.
 */
static bool
idxadv_plan_uses_hypo(Plan *plan, bool *index_only)
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
			if (((IndexOnlyScan *) plan)->indexid != IDXADV_HYPO_INDEXOID)
				return false;
			*index_only = true;
			return true;
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
		if (idxadv_plan_uses_hypo((Plan *) lfirst(lc), index_only))
			return true;
	return idxadv_plan_uses_hypo(plan->lefttree, index_only) ||
		idxadv_plan_uses_hypo(plan->righttree, index_only);
}

/*
 * get_relation_info hook (build_simple_rel_hook from 19: see
 * idxadvisor_compat.h), set only while idxadv_whatif_plan() plans: give the
 * tables planned on the hypothetical index.
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
 * get_index_stats hook, set only while we plan: the statistics of the
 * hypothetical index's boolean expression column, when the captured scans
 * tell the share of rows for which it is true (idxadvHypoIndex.boolcol).
 * A real index on the expression gets them from ANALYZE; without them the
 * planner takes a third of the rows for any boolean function and never
 * picks the index.  What ANALYZE would store: the two values as the most
 * common ones, with their shares, no NULLs.
 */
static bool
idxadv_get_index_stats(PlannerInfo *root, Oid indexOid,
					   AttrNumber indexattnum, VariableStatData *vardata)
{
	idxadvHypoIndex *hypo = plan_state ? plan_state->hypo : NULL;
	Relation	rel;
	Datum		values[Natts_pg_statistic];
	bool		nulls[Natts_pg_statistic];
	Datum		mcv[2];
	Datum		freq[2];
	int			n = 0;
	int			i;
	double		share;

	if (indexOid != IDXADV_HYPO_INDEXOID || hypo == NULL ||
		hypo->boolcol != indexattnum)
		return prev_get_index_stats_hook ?
			prev_get_index_stats_hook(root, indexOid, indexattnum, vardata) :
			false;

	share = Min(Max(hypo->booltrue, 0.0), 1.0);
	/* most common first, as ANALYZE sorts them; a share of 0 is no value */
	if (share >= 0.5)
	{
		mcv[n] = BoolGetDatum(true);
		freq[n++] = Float4GetDatum((float4) share);
		if (share < 1.0)
		{
			mcv[n] = BoolGetDatum(false);
			freq[n++] = Float4GetDatum((float4) (1.0 - share));
		}
	}
	else
	{
		mcv[n] = BoolGetDatum(false);
		freq[n++] = Float4GetDatum((float4) (1.0 - share));
		if (share > 0.0)
		{
			mcv[n] = BoolGetDatum(true);
			freq[n++] = Float4GetDatum((float4) share);
		}
	}

	memset(values, 0, sizeof(values));
	memset(nulls, true, sizeof(nulls));
	values[Anum_pg_statistic_starelid - 1] = ObjectIdGetDatum(indexOid);
	values[Anum_pg_statistic_staattnum - 1] = Int16GetDatum(indexattnum);
	values[Anum_pg_statistic_stainherit - 1] = BoolGetDatum(false);
	values[Anum_pg_statistic_stanullfrac - 1] = Float4GetDatum(0);
	values[Anum_pg_statistic_stawidth - 1] = Int32GetDatum(1);
	values[Anum_pg_statistic_stadistinct - 1] = Float4GetDatum((float4) n);
	for (i = Anum_pg_statistic_starelid; i < Anum_pg_statistic_stanumbers1; i++)
		nulls[i - 1] = false;
	values[Anum_pg_statistic_stakind1 - 1] = Int16GetDatum(STATISTIC_KIND_MCV);
	values[Anum_pg_statistic_staop1 - 1] = ObjectIdGetDatum(BooleanEqualOperator);
	values[Anum_pg_statistic_stanumbers1 - 1] =
		PointerGetDatum(construct_array(freq, n, FLOAT4OID, sizeof(float4),
										true, TYPALIGN_INT));
	nulls[Anum_pg_statistic_stanumbers1 - 1] = false;
	values[Anum_pg_statistic_stavalues1 - 1] =
		PointerGetDatum(construct_array(mcv, n, BOOLOID, 1, true,
										TYPALIGN_CHAR));
	nulls[Anum_pg_statistic_stavalues1 - 1] = false;

	rel = table_open(StatisticRelationId, AccessShareLock);
	vardata->statsTuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	table_close(rel, AccessShareLock);
	vardata->freefunc = heap_freetuple;
	/* planned as the table's owner, who may read its statistics */
	vardata->acl_ok = true;
	return true;
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
	Oid			amoid = OidIsValid(hypo->amoid) ? hypo->amoid : BTREE_AM_OID;
	const IndexAmRoutine *amroutine = GetIndexAmRoutineByAmId(amoid, false);
	int			n = hypo->ncols;
	int			nkey = hypo->nkeycols > 0 ? hypo->nkeycols : n;
	int			i;
	BlockNumber pages;
	int			height;

	info->indexoid = IDXADV_HYPO_INDEXOID;
	info->reltablespace = rel->reltablespace;
	info->rel = rel;
	info->ncolumns = n;
	info->nkeycolumns = nkey;
	info->indexkeys = palloc(sizeof(int) * n);
	info->indexcollations = palloc(sizeof(Oid) * nkey);
	info->opfamily = palloc(sizeof(Oid) * nkey);
	info->opcintype = palloc(sizeof(Oid) * nkey);
	info->reverse_sort = palloc(sizeof(bool) * nkey);
	info->nulls_first = palloc(sizeof(bool) * nkey);
	info->canreturn = palloc(sizeof(bool) * n);
	info->opclassoptions = palloc0(sizeof(bytea *) * n);
	info->sortopfamily = info->opfamily;
	info->relam = amoid;

	for (i = 0; i < n; i++)
	{
		Oid			opclass = hypo->opclasses[i];
		Expr	   *key;

		if (hypo->exprs[i] != NULL)
		{
			/*
			 * an expression: of the table itself, whose varno is 1; a leaf
			 * partition's columns found by name
			 */
			key = (Expr *) idxadv_leaf_expr(hypo->exprs[i],
											hypo->exprrelid, relid);
			if (key == NULL)
				return NULL;
			ChangeVarNodes((Node *) key, 1, rel->relid, 0);
			info->indexkeys[i] = 0;
			if (i < nkey)
				info->indexcollations[i] = exprCollation((Node *) key);
			info->indexprs = lappend(info->indexprs, key);
		}
		else
		{
			Var		   *var = idxadv_leaf_var(rel, relid, hypo->colnames[i]);

			if (var == NULL)
				return NULL;
			key = (Expr *) var;
			info->indexkeys[i] = var->varattno;
			if (i < nkey)
				info->indexcollations[i] = var->varcollid;
		}
		info->canreturn[i] = amroutine->amcanreturn != NULL;
		info->indextlist = lappend(info->indextlist,
								   makeTargetEntry(key, i + 1, NULL, false));
		/* INCLUDE columns have no operator class, collation nor order */
		if (i >= nkey)
			continue;
		if (!OidIsValid(opclass))
			return NULL;
		info->opfamily[i] = get_opclass_family(opclass);
		info->opcintype[i] = get_opclass_input_type(opclass);
		info->reverse_sort[i] = (hypo->colflags[i] & IDXADV_ORDER_DESC) != 0;
		info->nulls_first[i] = (hypo->colflags[i] & IDXADV_ORDER_NULLS_FIRST) != 0;
	}

	/* an access method that cannot order (GIN): as plancat.c leaves it */
	if (!amroutine->amcanorder)
	{
		info->sortopfamily = NULL;
		info->reverse_sort = NULL;
		info->nulls_first = NULL;
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
	idxadv_whatif_index_size(info->tuples, hypo->datawidth, &pages, &height);
	info->pages = hypo->pages > 0 ? hypo->pages : pages;
	info->tree_height = amoid == BTREE_AM_OID ? height : -1;

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
 * An expression of table "from"'s columns as one of table leaf's (a leaf
 * partition's, or a partitioned table's of its partition's): a copy with
 * each column found by name, or NULL when leaf lacks one or has it with
 * another type.  A plain copy when from is leaf or not given.
 */
Node *
idxadv_leaf_expr(Node *expr, Oid from, Oid leaf)
{
	Oid			rels[3] = {from, leaf, InvalidOid};
	Node	   *mapped;

	if (!OidIsValid(from) || from == leaf)
		return copyObject(expr);
	mapped = idxadv_leaf_expr_mutator(expr, rels);
	return OidIsValid(rels[2]) ? NULL : mapped;
}

/* rels: from, leaf, and set when a column is missing */
static Node *
idxadv_leaf_expr_mutator(Node *node, Oid *rels)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) copyObject(node);
		char	   *name = get_attname(rels[0], var->varattno, true);
		AttrNumber	att = name ? get_attnum(rels[1], name) : InvalidAttrNumber;
		Oid			type;
		int32		typmod;
		Oid			coll;

		if (att == InvalidAttrNumber)
		{
			rels[2] = rels[1];
			return (Node *) var;
		}
		get_atttypetypmodcoll(rels[1], att, &type, &typmod, &coll);
		if (type != var->vartype || typmod != var->vartypmod)
			rels[2] = rels[1];
		var->varattno = att;
		var->varattnosyn = att;
		return (Node *) var;
	}
	return expression_tree_mutator(node, idxadv_leaf_expr_mutator,
								   (void *) rels);
}

/*
 * Estimate a new btree index's pages and height from its tuples and the
 * width of its key data: leaf tuples of header + MAXALIGNed data + line
 * pointer, leaves filled to the default fillfactor, internal levels to
 * 70%, plus the metapage.  Deduplication is ignored: an upper bound for
 * columns with many duplicates.
 */
void
idxadv_whatif_index_size(double tuples, int32 datawidth, BlockNumber *pages,
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

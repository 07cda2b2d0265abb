/*-------------------------------------------------------------------------
 *
 * idxadvisor_suggest_for.c
 *		idxadvisor_suggest_for(query text): the indexes that would make one
 *		statement, given as text, cheaper.  What-if advice that needs no
 *		captured scans and no preloaded library.
 *
 * The statement is parsed the way PREPARE parses it ($n parameters allowed,
 * their types inferred), analyzed and rewritten (a view becomes its base
 * tables, row security policies apply), and planned once as it is, with a
 * generic plan: parameters are of unknown value.  While it is planned, a
 * set_rel_pathlist hook, ours only for that planner() call, reads what the
 * planner knows of each table the statement scans: its restriction
 * clauses, its join clauses (a column compared with a column of another
 * table is looked up with the other's value in a nested loop, as the
 * capture records an outer reference) and the ORDER BY and LIMIT that
 * apply to it.  These are classified by the capture's own rule
 * (idxadv_classify_filter) into the same keys the capture stores, so each
 * scan becomes a pattern exactly as a captured scan does, and steps 2 to 5
 * of idxadvisor_suggest() (idxadv_advise: judging, merging, key order and
 * length, DDL, costing, ranking, the reasons) do the rest: one rule in one
 * place.  The only difference is what is costed: the caller's statement
 * itself, planned without and with each candidate
 * (idxadv_whatif_plan_statement), instead of a representative query.
 *
 * What it never does: run the statement (it is only planned), or run code
 * with the caller's privileges that EXPLAIN of the statement would not run.
 * It plans as the caller, and checks the caller's privileges on every table
 * the plan reads as the executor (and EXPLAIN) would, before anything is
 * returned.  Utility statements and strings of several statements are
 * refused.  The statement's query identifier is not computed and
 * post_parse_analyze_hook is not called: statistics extensions never record
 * it.
 *
 * Locking: parse analysis and planning take the locks EXPLAIN of the
 * statement takes (ACCESS SHARE for a SELECT, ROW EXCLUSIVE on an UPDATE's
 * target), held until the end of the transaction, as EXPLAIN holds them;
 * they wait as EXPLAIN would (lock_timeout applies).
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "parser/analyze.h"
#include "parser/parse_param.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "idxadvisor.h"
#include "idxadvisor_suggest.h"
#include "idxadvisor_whatif.h"

/*---- Data structures ----*/

/* One scan of a table in the statement, as the planner sees it */
typedef struct idxadvStmtScan
{
	idxadvScanStat stat;		/* key and counters, as the capture's */
	double		selectivity;	/* the planner's estimate of the share of
								 * rows kept (a join column compared with
								 * one value of the other table) */
	bool		temp;			/* a temporary table */
} idxadvStmtScan;

/*---- Local variables ----*/

/* The hook we chain to, and where the scans go: set only while we plan */
static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;
static List *collected = NIL;
static MemoryContext collect_cxt = NULL;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_suggest_for);

static List *idxadv_sf_analyze(const char *sql);
static void idxadv_sf_refuse(Node *parsetree);
static List *idxadv_sf_scans(List *queries, const char *sql);
static void idxadv_sf_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel,
									   Index rti, RangeTblEntry *rte);
static void idxadv_sf_add_scan(PlannerInfo *root, RelOptInfo *rel,
							   RangeTblEntry *rte, List *clauses, bool order);
static void idxadv_sf_error_callback(void *arg);
static bool idxadv_sf_any_member(PlannerInfo *root, RelOptInfo *rel,
								 EquivalenceClass *ec, EquivalenceMember *em,
								 void *arg);
static void idxadv_sf_order(PlannerInfo *root, RelOptInfo *rel,
							idxadvScanStat *stat);

/*
 * Parse, analyze and rewrite the statement: the Query trees to plan.
 * Refuses what cannot be planned: no statement, several, a utility
 * statement, a parameter whose type cannot be inferred.
 */
static List *
idxadv_sf_analyze(const char *sql)
{
	List	   *raw;
	RawStmt    *rawstmt;
	ParseState *pstate;
	Query	   *query;
	Oid		   *types = NULL;
	int			ntypes = 0;
	int			i;
	List	   *queries = NIL;
	ListCell   *lc;

	raw = pg_parse_query(sql);
	if (raw == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query contains no statement"),
				 errhint("Pass one SELECT, INSERT, UPDATE, DELETE or MERGE statement.")));
	if (list_length(raw) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("idxadvisor_suggest_for() takes one statement, not %d",
						list_length(raw)),
				 errhint("Call it once per statement.")));
	rawstmt = linitial_node(RawStmt, raw);
	switch (nodeTag(rawstmt->stmt))
	{
		case T_SelectStmt:
			if (((SelectStmt *) rawstmt->stmt)->intoClause != NULL)
				idxadv_sf_refuse(rawstmt->stmt);
			break;
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_MergeStmt:
			break;
		default:
			idxadv_sf_refuse(rawstmt->stmt);
	}

	/*
	 * Parse analysis as PREPARE does it, with parameter types inferred, but
	 * without post_parse_analyze_hook and query identifier (the statement is
	 * not run, so it is no workload).
	 */
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = sql;
	setup_parse_variable_parameters(pstate, &types, &ntypes);
	query = transformTopLevelStmt(pstate, rawstmt);
	check_variable_parameters(pstate, query);
	free_parsestate(pstate);
	for (i = 0; i < ntypes; i++)
		if (types[i] == InvalidOid || types[i] == UNKNOWNOID)
			ereport(ERROR,
					(errcode(ERRCODE_INDETERMINATE_DATATYPE),
					 errmsg("could not determine data type of parameter $%d",
							i + 1),
					 errhint("Cast the parameter, as in $%d::integer.", i + 1)));
	if (query->commandType == CMD_UTILITY)
		idxadv_sf_refuse(query->utilityStmt);

	/* views become their tables, rules and row security policies apply */
	foreach(lc, QueryRewrite(query))
	{
		Query	   *q = lfirst_node(Query, lc);

		/* a rule's NOTIFY is not planned, and reads no table */
		if (q->commandType != CMD_UTILITY)
			queries = lappend(queries, q);
	}
	return queries;
}

/*
 * Refuse a statement that is not planned.
 */
static void
idxadv_sf_refuse(Node *parsetree)
{
	const char *tag = CreateCommandName(parsetree);

	if (IsA(parsetree, SelectStmt))
		tag = "SELECT INTO";	/* the only SELECT refused */
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("idxadvisor_suggest_for() cannot advise on %s", tag),
			 errdetail("Only SELECT, INSERT, UPDATE, DELETE and MERGE statements are planned, and only their plans can use an index."),
			 errhint("Pass the query the statement runs, for example the SELECT of a CREATE TABLE AS.")));
}

/*
 * Plan each query once as it is, as the caller, collecting the scans of
 * tables the planner sees (idxadv_sf_set_rel_pathlist), and check the
 * caller's privileges on what the plans read, as the executor would.
 * Returns the idxadvStmtScan list.
 */
static List *
idxadv_sf_scans(List *queries, const char *sql)
{
	ListCell   *lc;
	set_rel_pathlist_hook_type save_hook = set_rel_pathlist_hook;
	List	   *result;

	collected = NIL;
	collect_cxt = CurrentMemoryContext;
	foreach(lc, queries)
	{
		PlannedStmt *stmt;

		PG_TRY();
		{
			prev_set_rel_pathlist_hook = save_hook;
			set_rel_pathlist_hook = idxadv_sf_set_rel_pathlist;
			stmt = idxadv_planner(copyObject(lfirst_node(Query, lc)), sql,
								  0, NULL);
		}
		PG_FINALLY();
		{
			set_rel_pathlist_hook = save_hook;
		}
		PG_END_TRY();

		/* as EXPLAIN does at executor start; raises an error if not */
		idxadv_check_plan_permissions(stmt);
	}
	result = collected;
	collected = NIL;
	collect_cxt = NULL;
	return result;
}

/*
 * set_rel_pathlist hook, set only while idxadv_sf_scans() plans: record
 * what a table of the statement is asked for.  Called for every relation
 * the planner plans, after its restriction clauses and size estimates are
 * known; only tables, materialized views (and foreign tables, which the
 * advice then turns down with the reason) of this query level count, not
 * a partition the planner reaches through its parent.
 */
static void
idxadv_sf_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
						   RangeTblEntry *rte)
{
	MemoryContext old;
	List	   *clauses = NIL;
	List	   *joins;
	ListCell   *lc;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (collect_cxt == NULL || rel->reloptkind != RELOPT_BASEREL ||
		rte->rtekind != RTE_RELATION ||
		(rte->relkind != RELKIND_RELATION &&
		 rte->relkind != RELKIND_PARTITIONED_TABLE &&
		 rte->relkind != RELKIND_MATVIEW &&
		 rte->relkind != RELKIND_FOREIGN_TABLE))
		return;

	old = MemoryContextSwitchTo(collect_cxt);

	/*
	 * Two ways to read the table, two scans: as the table a plan starts
	 * from, with its own restrictions (and the ORDER BY and LIMIT that
	 * apply to it); and as the inner side of a nested loop, with its join
	 * clauses too, where the other table's column is what the loop passes
	 * in (those the planner keeps as equivalence classes are asked for per
	 * column, as the index paths ask for them).  One shape of both would
	 * make a filter on the table, plus its primary key as join column,
	 * look served by the primary key.
	 */
	foreach(lc, rel->baserestrictinfo)
		clauses = lappend(clauses, lfirst_node(RestrictInfo, lc)->clause);
	idxadv_sf_add_scan(root, rel, rte, clauses, true);

	joins = list_copy(clauses);
	foreach(lc, rel->joininfo)
		joins = lappend(joins, lfirst_node(RestrictInfo, lc)->clause);
	if (rel->has_eclass_joins)
		foreach(lc, generate_implied_equalities_for_column(root, rel,
														   idxadv_sf_any_member,
														   NULL, NULL))
			joins = lappend(joins, lfirst_node(RestrictInfo, lc)->clause);
	if (list_length(joins) > list_length(clauses))
		idxadv_sf_add_scan(root, rel, rte, joins, false);

	MemoryContextSwitchTo(old);
}

/*
 * Record one scan of a table: the key of the clauses, classified by the
 * capture's rule, and with order, the ORDER BY and LIMIT.  Nothing when no
 * clause compares a column and nothing orders it.
 */
static void
idxadv_sf_add_scan(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte,
				   List *clauses, bool order)
{
	idxadvStmtScan *scan = palloc0(sizeof(idxadvStmtScan));
	bool		found;

	found = idxadv_classify_filter_exprs(clauses, rel->relid, rte->relid,
										 rel->max_attr, &scan->stat.key,
										 scan->stat.exprs);
	if (order)
		idxadv_sf_order(root, rel, &scan->stat);
	if (!found && scan->stat.key.norder == 0)
	{
		pfree(scan);
		return;
	}
	scan->stat.key.relid = rte->relid;
	/* as the capture records an unfiltered scan under a bounded Sort */
	scan->stat.key.shape = found ? IDXADV_SHAPE_SEQ_FILTER :
		IDXADV_SHAPE_SEQ_TOPN;
	scan->stat.counters.executions = 1;
	scan->selectivity = clauselist_selectivity(root, clauses, rel->relid,
											   JOIN_INNER, NULL);
	scan->temp = get_rel_persistence(rte->relid) == RELPERSISTENCE_TEMP;
	collected = lappend(collected, scan);
}

/*
 * generate_implied_equalities_for_column() callback: every plain column of
 * the table is one an index could have.
 */
static bool
idxadv_sf_any_member(PlannerInfo *root, RelOptInfo *rel,
					 EquivalenceClass *ec, EquivalenceMember *em, void *arg)
{
	Node	   *expr = (Node *) em->em_expr;

	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	return expr && IsA(expr, Var) && ((Var *) expr)->varno == rel->relid &&
		((Var *) expr)->varlevelsup == 0 && ((Var *) expr)->varattno > 0;
}

/*
 * The ORDER BY columns of this query level that are plain columns of the
 * table, up to the first that is not, with their direction, as the capture
 * records a Sort above a scan; and the LIMIT (+ OFFSET) that bounds it.
 * Not when the rows are grouped, aggregated, made distinct or windowed
 * first: then ORDER BY sorts what those give, not the table's rows.
 */
static void
idxadv_sf_order(PlannerInfo *root, RelOptInfo *rel, idxadvScanStat *stat)
{
	Query	   *parse = root->parse;
	idxadvHashKey *key = &stat->key;
	ListCell   *lc;

	if (parse->sortClause == NIL || parse->groupClause != NIL ||
		parse->groupingSets != NIL || parse->hasAggs ||
		parse->hasWindowFuncs || parse->distinctClause != NIL ||
		parse->setOperations != NULL || parse->hasTargetSRFs)
		return;

	foreach(lc, parse->sortClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Node	   *expr = (Node *) get_sortgroupclause_expr(sgc,
															 parse->targetList);
		Oid			opfamily;
		Oid			opcintype;
		CompareType cmptype;
		uint8		flags = 0;

		if (key->norder >= IDXADV_MAX_ORDER)
			break;
		while (expr && IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		if (!expr || !IsA(expr, Var) || ((Var *) expr)->varno != rel->relid ||
			((Var *) expr)->varlevelsup != 0 || ((Var *) expr)->varattno <= 0 ||
			!idxadv_get_ordering_op_properties(sgc->sortop, &opfamily,
											   &opcintype, &cmptype))
			break;
		if (cmptype == COMPARE_GT)
			flags |= IDXADV_ORDER_DESC;
		if (sgc->nulls_first)
			flags |= IDXADV_ORDER_NULLS_FIRST;
		key->order_attnums[key->norder] = ((Var *) expr)->varattno;
		key->order_flags[key->norder] = flags;
		key->norder++;
	}
	if (key->norder == 0)
		return;

	/*
	 * A LIMIT the planner knows; a LIMIT $1 counts as a LIMIT too (the
	 * planner then plans for a tenth of the rows), LIMIT ALL or NULL not.
	 */
	if (root->limit_tuples > 0)
	{
		stat->counters.limited_executions = 1;
		stat->counters.limit_max = (int64) ceil(root->limit_tuples);
	}
	else if (parse->limitCount != NULL &&
			 !(IsA(parse->limitCount, Const) &&
			   ((Const *) parse->limitCount)->constisnull))
	{
		stat->counters.limited_executions = 1;
		stat->counters.limit_max = 1;
	}
}

/*
 * Error context while the statement is parsed and planned: a position in
 * an error refers to the statement's text, shown as the internal query
 * (as a SQL function's body is), not to the query that called us.
 */
static void
idxadv_sf_error_callback(void *arg)
{
	const char *sql = (const char *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(sql);
	}
	errcontext("statement given to idxadvisor_suggest_for()");
}

/* ----------------------------------------------------------------
 * SQL-callable function
 * ----------------------------------------------------------------
 */

/*
 * idxadvisor_suggest_for(query text, verbose boolean DEFAULT false): the
 * indexes that would make the statement cheaper, best first, with the
 * columns of idxadvisor_suggest(); seq_scans and fk_trigger_scans are NULL
 * (nothing was captured), rows_per_scan and selectivity the planner's
 * estimates, est_cost_before and est_cost_after the whole statement's
 * cost, score the cost saved.  With verbose, also what was turned down and
 * why.
 */
Datum
idxadvisor_suggest_for(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		verbose = false;
	char	   *sql;
	idxadvStatement stmt;
	List	   *scans;
	List	   *patterns = NIL;
	ListCell   *lc;
	ErrorContextCallback errcallback;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query must not be NULL")));
	if (PG_NARGS() > 1)
	{
		if (PG_ARGISNULL(1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("verbose must not be NULL")));
		verbose = PG_GETARG_BOOL(1);
	}
	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));

	InitMaterializedSRF(fcinfo, 0);

	/* errors in the statement point into its text, not the caller's */
	errcallback.callback = idxadv_sf_error_callback;
	errcallback.arg = sql;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	stmt.sql = sql;
	stmt.queries = idxadv_sf_analyze(sql);
	scans = idxadv_sf_scans(stmt.queries, sql);
	error_context_stack = errcallback.previous;

	idxadv_advise_begin();
	foreach(lc, scans)
	{
		idxadvStmtScan *scan = (idxadvStmtScan *) lfirst(lc);
		idxadvPattern *p = palloc0(sizeof(idxadvPattern));
		idxadvTable *t = idxadv_table_info(scan->stat.key.relid);

		/* the rows a scan reads, and keeps, as the planner estimates them */
		scan->stat.counters.rows_scanned = (int64) Max(t->tuples, 0);
		scan->stat.counters.rows_matched =
			(int64) rint(Max(t->tuples, 0) * scan->selectivity);
		idxadv_pattern_from_key(p, &scan->stat);
		if (scan->temp)
			p->rejected = "temporary table: an index on it would last only as long as the session that owns it, and idxadvisor_create_concurrently() refuses temporary tables (create it with CREATE INDEX in that session)";
		patterns = lappend(patterns, p);
	}
	idxadv_advise(rsinfo, patterns, verbose, &stmt);

	return (Datum) 0;
}

/*-------------------------------------------------------------------------
 *
 * idxadvisor_whatif.h
 *		What-if planning: the cost of a query with and without a
 *		hypothetical btree index that is never built
 *		(idxadvisor_whatif.c).  Used by idxadvisor_suggest().
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_WHATIF_H
#define IDXADVISOR_WHATIF_H

#include "nodes/params.h"
#include "nodes/pg_list.h"
#include "storage/block.h"

/*
 * A hypothetical btree index, by column name, so that it fits every leaf
 * partition of a partitioned table (their columns may be numbered
 * differently).  Operator classes are the caller's choice per column; they
 * must accept the column's type.
 */
typedef struct idxadvHypoIndex
{
	int			ncols;			/* key and INCLUDE columns */
	int			nkeycols;		/* key columns; 0: all ncols */
	char	   *colnames[INDEX_MAX_KEYS];
	Oid			opclasses[INDEX_MAX_KEYS];
	uint8		colflags[INDEX_MAX_KEYS];	/* IDXADV_ORDER_* */
	char	   *predname;		/* partial: the column tested, else NULL */
	uint8		predkind;		/* IDXADV_CMP_TRUE, _FALSE, _NULL, _NOTNULL */
	double		pred_fraction;	/* share of the rows the predicate keeps */
	int32		datawidth;		/* key data width of an index tuple */

	/* expression, pattern and GIN indexes (issue 11); zero: as above */
	Oid			amoid;			/* access method; InvalidOid: btree */
	Node	   *exprs[INDEX_MAX_KEYS];	/* an expression column (Vars of
										 * varno 1, the table itself, not a
										 * partition), else NULL */
	Oid			exprrelid;		/* the table whose columns exprs' Vars
								 * number: mapped by name to each leaf
								 * partition's */
	BlockNumber pages;			/* size, when not estimated as a btree's */
	/*
	 * A boolean expression key column (1-based; 0: none) and the share of
	 * the table's rows for which it is true, known from the captured scans:
	 * given to the planner as the statistics ANALYZE would gather for the
	 * expression of a real index, which a hypothetical one has none of.
	 */
	int			boolcol;
	double		booltrue;
} idxadvHypoIndex;

/* What one planning of a query tells */
typedef struct idxadvPlanResult
{
	double		cost;			/* the plan's total cost */
	double		rows;			/* its estimated rows */
	bool		used;			/* does it use the hypothetical index? */
	bool		index_only;		/* in an index-only scan? */
} idxadvPlanResult;

/*
 * Plan a query (one SELECT on the tables "leaves") nplans times, the i-th
 * time with hypos[i] added to each of them (none when NULL), as the role
 * "owner" in a security-restricted operation, and fill results[i].
 * Returns NULL, or the message of the error that made planning fail.
 */
extern void idxadv_whatif_begin(void);
extern char *idxadv_whatif_plan(Oid owner, List *leaves, const char *sql,
								int nparams, Oid *types,
								ParamListInfo params, int nplans,
								idxadvHypoIndex **hypos,
								idxadvPlanResult *results);

/*
 * Plan a caller's statement (the Query trees the rewriter gave) nplans
 * times, the i-th time with hypos[i] added to the tables "leaves", as the
 * caller, the way EXPLAIN plans it, and fill results[i] (the costs and rows
 * of all its queries added up).  Parameters are of unknown value (a generic
 * plan).  An error is the caller's statement's: it is raised.  Returns NULL.
 */
extern char *idxadv_whatif_plan_statement(List *queries, const char *sql,
										  List *leaves, int nplans,
										  idxadvHypoIndex **hypos,
										  idxadvPlanResult *results);

/* An expression of one table's columns as another's, by column name */
extern Node *idxadv_leaf_expr(Node *expr, Oid from, Oid leaf);

/* Estimated pages and height of a new btree index */
extern void idxadv_whatif_index_size(double tuples, int32 datawidth,
									 BlockNumber *pages, int *height);

#endif							/* IDXADVISOR_WHATIF_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor_suggest.h
 *		What the parts of idxadvisor_suggest() share: patterns, candidates
 *		and per-table facts.  Private to idxadvisor_suggest.c (steps 2, 4
 *		and 5, the SQL function) and idxadvisor_patterns.c (steps 1 and 3).
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_SUGGEST_H
#define IDXADVISOR_SUGGEST_H

#include "nodes/execnodes.h"
#include "nodes/params.h"

#include "idxadvisor.h"
#include "idxadvisor_whatif.h"

/* Is a comparison kind one that a btree key column serves like equality? */
#define IDXADV_EQ_LIKE(k) \
	((k) == IDXADV_CMP_EQ || (k) == IDXADV_CMP_TRUE || \
	 (k) == IDXADV_CMP_FALSE || (k) == IDXADV_CMP_NULL)

/*
 * Rows left per lookup at or below which further equality columns are not
 * worth a wider index: the lookup already finds about one row.
 */
#define IDXADV_NEAR_UNIQUE_ROWS 1.5

/*
 * Covering indexes: at most this many INCLUDE columns, and only where the
 * index tuple is at most 1 / IDXADV_COVERING_WIDTH of the table's row (a
 * wide table, whose rows an index-only scan avoids reading), and the
 * planner's index-only scan costs at most IDXADV_COVERING_GAIN of the
 * lookup through the key alone (which it does only when the visibility map
 * shows most pages all-visible).
 */
#define IDXADV_MAX_INCLUDE		2
#define IDXADV_COVERING_WIDTH	4
#define IDXADV_COVERING_GAIN	0.9

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
	int			nor;			/* columns an OR of conditions compares */
	idxadvCol	orcols[IDXADV_MAX_COLS];
	int			ncond;			/* boolean / NULL tests that are neither */
	idxadvCol	cond[IDXADV_MAX_COLS];	/* keys nor the predicate */
	bool		inexact;		/* the filter has conditions that the
								 * representative query does not show, so
								 * rows_matched / rows_scanned is only a
								 * lower bound of what its conditions keep */

	/* counters */
	int64		executions;
	int64		fk_executions;
	int64		rows_scanned;
	int64		rows_matched;
	int64		limited_executions; /* of which under a top-N sort */
	int64		limit_max;		/* the largest LIMIT (+ OFFSET) seen */
	int			npartitions;	/* lifted: partitions that showed it */
	uint8		shape;			/* idxadvScanShape of the captured entry */
	int64		outer_rows;		/* IDXADV_SHAPE_JOIN_INNER: rows of the
								 * join's other input, all executions */
	uint64		cols_read;		/* idxadvCounters.cols_read */

	/* an unindexed foreign key known from the catalog */
	Oid			fk_conoid;
	char	   *fk_name;
	double		fk_parent_writes;	/* deletes + updates on the parent */
	bool		fk_period;		/* temporal (18+): needs GiST, see suggest */

	int64		queryid;		/* the last query id of its scans, or 0 */

	bool		lifted;			/* merged into a partitioned parent */
	const char *rejected;		/* reason, or NULL */

	/* quals kept as expressions (idxadvisor_exprs.c, issue 11) */
	List	   *exprquals;		/* OpExpr / ScalarArrayOpExpr, varno 1 */
	int			exprs_lost;		/* quals the capture could not keep */
	bool		btree_useless;	/* rejected: no btree key serves the filter */
	bool		btree_order_only;	/* rejected: only ORDER BY, no LIMIT */
	bool		expr_shown;		/* an expression candidate has its row */
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

	/* covering: INCLUDE columns, after the key */
	int			ninclude;
	const char *include[IDXADV_MAX_INCLUDE];	/* column names, as in the
												 * DDL */
	double		allvisible;		/* relallvisible / relpages of the table */
	const char *select_list;	/* the representative query's, NULL: "*" */

	/* results */
	char	   *fk_name;
	char	   *ddl;
	int64		index_bytes;
	double		cost_before;
	double		cost_after;
	double		share;			/* of the rows the costed lookup keeps */
	double		score;
	const char *rejected;
	bool		merged;			/* identical to an earlier candidate */
	char	   *expr_key;		/* expression, pattern or GIN index: its key
								 * as the columns show it (issue 11) */
} idxadvCandidate;


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
	bool		uniques_read;	/* uniques below looked up yet? */
	List	   *uniques;		/* its valid unique indexes on plain
								 * columns, without predicate: a Bitmapset *
								 * of key attnums, then the index name */
} idxadvTable;

/*
 * A statement given to idxadvisor_suggest_for() (idxadvisor_suggest_for.c),
 * which costs its candidates in place of the representative query.
 */
typedef struct idxadvStatement
{
	const char *sql;			/* its text */
	List	   *queries;		/* Query trees the rewriter gave, planned as
								 * the caller; parameters of unknown value */
} idxadvStatement;

/* idxadvisor_patterns.c: step 1 */
extern List *idxadv_collect_patterns(void);
extern List *idxadv_fk_patterns(List *patterns);
extern bool idxadv_pattern_limited(const idxadvPattern *p);
extern void idxadv_pattern_from_key(idxadvPattern *p,
									const idxadvScanStat *s);
extern double idxadv_pattern_lookups(const idxadvPattern *p);
extern bool idxadv_column_live(Oid relid, AttrNumber attnum);

/* idxadvisor_patterns.c: step 3 */
extern List *idxadv_merge(List *patterns);
extern void idxadv_order_columns(idxadvCandidate *c, idxadvTable *t);
extern void idxadv_trim_key(idxadvCandidate *c, idxadvTable *t);
extern int	idxadv_needed_eq(idxadvTable *t, const idxadvCol *eq, int neq);
extern void idxadv_sort_by_selectivity(idxadvTable *t, idxadvCol *cols,
									   int n);
extern bool idxadv_same_as_earlier(idxadvCandidate *c, idxadvTable *t);

/* idxadvisor_suggest.c */
extern void idxadv_advise_begin(void);
extern void idxadv_advise(ReturnSetInfo *rsinfo, List *patterns, bool verbose,
						  const idxadvStatement *stmt);
extern const idxadvStatement *idxadv_advise_statement(void);
extern idxadvTable *idxadv_table_info(Oid relid);
extern double idxadv_ndistinct(idxadvTable *t, AttrNumber attnum);
extern const char *idxadv_unique_within(idxadvTable *t, int ncols,
										const idxadvCol *cols);
extern Oid	idxadv_btree_opclass(Oid type);
extern char *idxadv_flag_sql(const char *colname, uint8 kind);
extern char *idxadv_col_sql(Oid relid, const idxadvCol *col, bool order);
extern int32 idxadv_column_width(Oid relid, AttrNumber attnum,
								 int32 *offset);

/* idxadvisor_select.c: the workload-level selection, between steps 3 and 4 */
extern List *idxadv_select(List *candidates);
extern double idxadv_write_overhead(idxadvTable *t, idxadvCandidate *c);

/* idxadvisor_exprs.c: expression, pattern and GIN indexes (issue 11) */
extern void idxadv_pattern_exprs(idxadvPattern *p, const idxadvScanStat *s);
extern bool idxadv_exprs_to_root(idxadvPattern *p, Oid root);
extern bool idxadv_exprs_same(const idxadvPattern *a, const idxadvPattern *b);
extern List *idxadv_expr_candidates(List *patterns, List *candidates,
									idxadvUsedNames **names);
extern const char *idxadv_lock_table(Oid relid, int ncols,
									 const idxadvCol *cols);
extern char *idxadv_plan(idxadvTable *t, const char *sql, int nparams,
						 Oid *types, ParamListInfo params, int nplans,
						 idxadvHypoIndex **hypos, idxadvPlanResult *results);

/* idxadvisor_repquery.c: step 4's representative query */
extern char *idxadv_rep_query(idxadvCandidate *c, idxadvTable *t,
							  idxadvPattern *p, int *nparams, Oid **types,
							  ParamListInfo *params, double *share);

#endif							/* IDXADVISOR_SUGGEST_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor_patterns.c
 *		idxadvisor_suggest()'s patterns and candidates: step 1 (captured
 *		scans and unindexed foreign keys become patterns, partitions'
 *		patterns are lifted to their partitioned table) and step 3 (patterns
 *		are merged into the fewest candidate indexes, whose columns are then
 *		ordered).  idxadvisor_suggest.c's header describes all five steps.
 *
 * Locking: none of its own.  Step 1 reads the capture's snapshot, the
 * system caches and the foreign-key list of idxadvisor_catalog.c; a table
 * or column dropped meanwhile drops out.  Step 3 works on the patterns in
 * memory and the per-table facts of idxadv_table_info().
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "idxadvisor.h"
#include "idxadvisor_suggest.h"

static bool idxadv_columns_exist(const idxadvHashKey *key);
static List *idxadv_lift_partitions(List *patterns);
static bool idxadv_patterns_same_shape(const idxadvPattern *a,
									   const idxadvPattern *b);
static bool idxadv_map_to_root(idxadvPattern *p, Oid root);
static bool idxadv_absorb(idxadvCandidate *c, idxadvPattern *p);
static int	idxadv_refine_blocks(idxadvCandidate *c, int pos,
								 const AttrNumber *want, int n);
static int	idxadv_pattern_cmp(const ListCell *a, const ListCell *b);
static int	idxadv_col_cmp(const void *a, const void *b);

/* ----------------------------------------------------------------
 * Step 1: patterns
 * ----------------------------------------------------------------
 */

/*
 * Turn the captured entries of the current database that the caller may see
 * into patterns, and lift partitions' patterns to their partitioned table
 * where every leaf shows them.
 */
List *
idxadv_collect_patterns(void)
{
	idxadvScanStat *stats;
	int			nstats;
	int			i;
	List	   *patterns = NIL;
	Oid			userid = GetUserId();
	bool		see_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);

	stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);
	/* and the standbys' scans, collected by idxadvisor_collect() */
	stats = idxadv_add_node_scans(stats, &nstats);

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
bool
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
 * Fill a pattern from a statistics entry (or, for idxadvisor_suggest_for(),
 * from a scan of its statement, classified the same way).  ORDER BY columns
 * that the filter fixes by equality are left out: they do not order
 * anything.
 */
void
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
			case IDXADV_CMP_OR:
				/* no one btree key serves an OR: said in the reason */
				p->orcols[p->nor++] = col;
				p->inexact = true;
				break;
			default:
				/* LIKE, <>, expressions: no btree serves them */
				p->inexact = true;
				break;
		}
	}
	/* the capture keeps at most IDXADV_MAX_COLS columns of a filter */
	if (key->natts >= IDXADV_MAX_COLS)
		p->inexact = true;
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
	p->queryid = s->counters.queryid;
	p->shape = key->shape;
	p->outer_rows = s->counters.outer_rows;
	p->cols_read = s->counters.cols_read;
	idxadv_pattern_exprs(p, s);
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
		/* the columns read are a partition's attnums: no covering index */
		copy->cols_read = IDXADV_COLS_READ_OTHER;

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
				l->outer_rows += copy->outer_rows;
				l->inexact |= copy->inexact;
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
	idxadvCol  *arrays[5] = {p->eq, p->range, p->order, p->flag, p->orcols};
	int			counts[5] = {p->neq, p->nrange, p->norder, p->nflag, p->nor};
	int			a;
	int			i;

	/* expressions too: by column name (idxadvisor_exprs.c) */
	if (!idxadv_exprs_to_root(p, root))
		return false;
	for (a = 0; a < lengthof(arrays); a++)
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
	return a->relid == b->relid && a->shape == b->shape &&
		a->neq == b->neq && a->nrange == b->nrange &&
		a->norder == b->norder && a->nflag == b->nflag && a->nor == b->nor &&
		memcmp(a->eq, b->eq, a->neq * sizeof(idxadvCol)) == 0 &&
		memcmp(a->orcols, b->orcols, a->nor * sizeof(idxadvCol)) == 0 &&
		memcmp(a->range, b->range, a->nrange * sizeof(idxadvCol)) == 0 &&
		memcmp(a->order, b->order, a->norder * sizeof(idxadvCol)) == 0 &&
		memcmp(a->flag, b->flag, a->nflag * sizeof(idxadvCol)) == 0 &&
		idxadv_exprs_same(a, b);
}

/*
 * Is p a top-N pattern: did most of its scans run under a Sort bounded by a
 * LIMIT?
 */
bool
idxadv_pattern_limited(const idxadvPattern *p)
{
	return p->limit_max > 0 && p->limited_executions * 2 >= p->executions;
}

/*
 * A join input's pattern: the lookups per join that a nested loop through
 * the index would make instead of reading the table whole, the rows of the
 * join's other input (at least one).  1 for other patterns.
 */
double
idxadv_pattern_lookups(const idxadvPattern *p)
{
	if (p->shape != IDXADV_SHAPE_JOIN_INNER || p->executions <= 0)
		return 1.0;
	return Max((double) p->outer_rows / p->executions, 1.0);
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
List *
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
		p->fk_period = fk->period;
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
 * Step 3: merging
 * ----------------------------------------------------------------
 */

/*
 * Merge the live patterns into candidates: widest first, each pattern into
 * the first candidate of its table that can serve it, else a new one.
 */
List *
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

		/*
		 * An index read only for its order serves ORDER BY c DESC as well
		 * backwards: a top-N sort over a whole table whose columns all run
		 * DESC gets the plain index a DBA would create, (c) rather than (c
		 * DESC).
		 */
		if (p->shape == IDXADV_SHAPE_SEQ_TOPN && c->neq == 0 && c->ntail > 0)
		{
			bool		all_desc = true;

			for (i = 0; i < c->ntail; i++)
				if (!(c->tail[i].flags & IDXADV_ORDER_DESC))
					all_desc = false;
			for (i = 0; all_desc && i < c->ntail; i++)
				c->tail[i].flags ^= IDXADV_ORDER_DESC | IDXADV_ORDER_NULLS_FIRST;
		}
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

	/*
	 * p's equality columns must be among c's first p->neq ones: a cheap
	 * test first, since a table with thousands of shapes tries each
	 * against each candidate.
	 */
	for (i = 0; i < p->neq; i++)
	{
		int			j;

		for (j = 0; j < p->neq; j++)
			if (c->eq[j].attnum == p->eq[i].attnum)
				break;
		if (j == p->neq)
			return false;
	}

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

/*
 * Order each equality block most selective column first (highest
 * n_distinct; ties by attnum, for stable output).
 */
void
idxadv_order_columns(idxadvCandidate *c, idxadvTable *t)
{
	int			b;
	int			start = 0;

	for (b = 0; b < c->nblocks; b++)
	{
		idxadv_sort_by_selectivity(t, &c->eq[start], c->block_end[b] - start);
		start = c->block_end[b];
	}
}

/*
 * How many of the equality columns eq[0 .. neq-1], taken in that order, a
 * lookup needs on table t: walking them, the rows left per lookup are the
 * table's rows divided by each column's n_distinct (a boolean halves them,
 * an IS NULL test is not counted).  Once they are down to about one
 * (IDXADV_NEAR_UNIQUE_ROWS), or the columns so far hold every key of an
 * existing unique index, further columns cannot make the lookup read fewer
 * rows, and range and ORDER BY columns after them would order one row: the
 * lookup needs only the columns so far, and that count is returned.  -1
 * when it needs them all (and whatever follows them).
 */
int
idxadv_needed_eq(idxadvTable *t, const idxadvCol *eq, int neq)
{
	double		rows = Max(t->tuples, 1);
	int			k;

	for (k = 0; k < neq; k++)
	{
		if (eq[k].kind == IDXADV_CMP_EQ)
			rows /= idxadv_ndistinct(t, eq[k].attnum);
		else if (eq[k].kind != IDXADV_CMP_NULL)
			rows /= 2;			/* a boolean */
		if (rows <= IDXADV_NEAR_UNIQUE_ROWS ||
			idxadv_unique_within(t, k + 1, eq) != NULL)
			return k + 1;
	}
	return -1;
}

/*
 * Cut a candidate's key where no pattern it serves needs more (issue 12,
 * item 2): a near-unique column ends a pattern's key (idxadv_needed_eq).
 * A pattern's equality columns are the candidate's first columns (merging
 * makes it so), most selective first within each block.  The candidate
 * keeps the longest key any of its patterns needs, so every pattern merged
 * into it is still served by the narrower index.  A foreign key's pattern
 * needs all its columns: the foreign-key report, by the one rule of
 * doc/design.md section 3, counts only an index that leads with all of them.
 */
void
idxadv_trim_key(idxadvCandidate *c, idxadvTable *t)
{
	int			keep = 0;
	int			total = c->neq + c->ntail;
	ListCell   *lc;

	foreach(lc, c->patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);
		int			need = Min(p->neq + p->nrange + p->norder, total);

		if (p->fk_name == NULL)
		{
			int			k = idxadv_needed_eq(t, c->eq, Min(p->neq, c->neq));

			if (k > 0)
				need = k;
		}
		keep = Max(keep, need);
	}
	keep = Max(keep, 1);
	if (keep >= total)
		return;

	if (keep >= c->neq)
		c->ntail = keep - c->neq;
	else
	{
		int			b;

		c->ntail = 0;
		c->neq = keep;
		for (b = 0; b < c->nblocks; b++)
		{
			if (c->block_end[b] >= keep)
			{
				c->block_end[b] = keep;
				c->nblocks = b + 1;
				break;
			}
		}
	}
}

/*
 * Sort equality columns most selective first, the order
 * idxadv_order_columns() gives a block (highest n_distinct, ties by
 * attnum).
 */
void
idxadv_sort_by_selectivity(idxadvTable *t, idxadvCol *cols, int n)
{
	int			i;
	int			j;

	for (i = 1; i < n; i++)
	{
		idxadvCol	col = cols[i];
		double		nd = idxadv_ndistinct(t, col.attnum);

		for (j = i - 1; j >= 0; j--)
		{
			double		ndj = idxadv_ndistinct(t, cols[j].attnum);

			if (ndj > nd || (ndj == nd && cols[j].attnum < col.attnum))
				break;
			cols[j + 1] = cols[j];
		}
		cols[j + 1] = col;
	}
}

/*
 * Once ordered, two candidates of one table can come out with the same
 * columns and predicate (shapes that merging kept apart, such as a range
 * and an ORDER BY on one column).  Never suggest an index twice: fold c
 * into the earlier one, which then serves c's patterns too.  Returns true
 * if c was folded.
 */
bool
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

static int
idxadv_col_cmp(const void *a, const void *b)
{
	return ((const idxadvCol *) a)->attnum - ((const idxadvCol *) b)->attnum;
}

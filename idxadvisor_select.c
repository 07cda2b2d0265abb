/*-------------------------------------------------------------------------
 *
 * idxadvisor_select.c
 *		idxadvisor_suggest()'s workload-level selection (between steps 3 and
 *		4): of the candidate indexes of a table, the set that serves the
 *		captured workload at the least total cost (issue 12, mistake 3).
 *
 * Merging (idxadvisor_patterns.c) gives every pattern a candidate that
 * serves it whole; alone, that is one index per shape: four unique columns
 * queried in six pairs would get six two-column indexes where three
 * single-column ones serve all six, and 4,950 pairwise shapes over 100
 * columns 4,950 indexes.  The selection instead costs every shape of a
 * table against every candidate that could help it, and chooses greedily:
 *
 *	- the candidates are the merged ones plus, for each whose key has more
 *	  than one column, its first column alone (an index on a shape's most
 *	  selective column may serve many shapes well enough);
 *	- a shape's cost with a set of indexes is its cost with the best of them
 *	  (the planner uses one index per scan of a table, as a rule), and
 *	  without any, a sequential scan;
 *	- an index's gain is what it saves all shapes (times their scans) over
 *	  the indexes chosen so far, minus its upkeep, both per second: the
 *	  shapes' scans per second since the capture started times the cost
 *	  each saves; the table's row writes per second that add an index entry
 *	  (inserts and non-HOT updates, measured since its last ANALYZE, see
 *	  idxadv_write_rate) times the cost of adding one entry;
 *	- the candidate with the largest gain is chosen, and so on, until no
 *	  candidate gains anything (it would save less than it costs), or the
 *	  table has idxadvisor.max_new_indexes_per_table new indexes, or the
 *	  only gain left is speeding up shapes other chosen indexes serve
 *	  already and the index would take the table's new indexes past
 *	  idxadvisor.index_size_budget times its size;
 *	- an unindexed foreign key's candidate is always kept (the foreign-key
 *	  rule wants its whole key), first, and counts toward the limit; so is
 *	  the candidate of a shape other than a filtered sequential scan or a
 *	  top-N sort (the planner costs those its own way, IDXADV_SEL_KEEP);
 *	- a candidate the model finds no gain in, while a shape it was made for
 *	  is left unserved and it costs no upkeep, goes on to the planner,
 *	  which judges it and says why it would not use it.
 *
 * The cost model is the planner's, simplified so that 4,950 shapes times
 * their candidates cost microseconds, not plans: a sequential scan reads
 * every page and checks every row; an index scan descends the tree and
 * fetches the heap pages of the rows it finds (uncorrelated data,
 * the common case for a secondary index), in physical order as a bitmap
 * scan fetches them when they are many.  The rows an index finds for a
 * shape are the table's rows divided by the n_distinct of each leading
 * key column the shape compares by equality (pg_statistic), never fewer
 * than the rows the captured scans kept; a candidate that merging made for
 * the shape finds exactly those.  Only the chosen indexes are then costed
 * with the planner (step 4), each on its dominant shape.
 *
 * After the choice each shape is served by the chosen index that costs it
 * least, and that index's evidence (scans, rows, shapes) is made of the
 * shapes it serves.  Candidates not chosen are rejected, with the reason
 * (the limit, the budget, the upkeep, or that the chosen ones serve their
 * shapes as well).
 *
 * Locking: none of its own; reads the system caches and the cumulative
 * statistics.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/itup.h"
#include "access/nbtree.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "optimizer/cost.h"
#include "storage/bufpage.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "idxadvisor.h"
#include "idxadvisor_suggest.h"
#include "idxadvisor_whatif.h"

/*---- Macros ----*/

/*
 * Shapes that stay with the candidate merging made for them, which is kept:
 * an unindexed foreign key's (the foreign-key rule wants its whole key),
 * and shapes other than filtered sequential scans and top-N sorts (index
 * scans that filter, join inputs), which the planner costs its own way.
 */
#define IDXADV_SEL_KEEP(p) \
	((p)->fk_name != NULL || \
	 ((p)->shape != IDXADV_SHAPE_SEQ_FILTER && \
	  (p)->shape != IDXADV_SHAPE_SEQ_TOPN))

/* A column number as an array index, system columns (< 0) included */
#define IDXADV_ATT_SLOT(attnum) ((attnum) - FirstLowInvalidHeapAttributeNumber)

/* Shortest time since ANALYZE over which row changes make a write rate */
#define IDXADV_RATE_MIN_SECS	10.0

/*---- Data structures ----*/

/* A shape (pattern) of the table being selected for */
typedef struct idxadvSelShape
{
	idxadvPattern *p;
	double		weight;			/* scans (parent writes for an FK) */
	double		rows_min;		/* rows its whole filter keeps */
	double		cur;			/* its cost with the indexes chosen so far */
	struct idxadvSelCand *best; /* the chosen index that gives cur */
	int			owner;			/* the candidate merging gave it */
} idxadvSelShape;

/* A candidate of the table, and what it would cost each shape it helps */
typedef struct idxadvSelCand
{
	idxadvCandidate *c;
	bool		synthetic;		/* a first-column candidate made here */
	bool		chosen;
	int			npairs;
	int		   *shape;			/* index into the shapes array */
	double	   *cost;			/* that shape's cost with this index */
	double		upkeep;			/* row writes times cost of one entry */
	int64		bytes;			/* estimated size */
	double		saved;			/* last computed: cost saved per second */
	double		gain;			/* saved - upkeep */
} idxadvSelCand;

/* The candidates of one table (idxadv_select) */
typedef struct idxadvSelTable
{
	Oid			relid;			/* hash key */
	List	   *cands;
} idxadvSelTable;

/*---- Function declarations ----*/

static List *idxadv_select_table(idxadvTable *t, List *cands);
static idxadvCandidate *idxadv_first_column(idxadvCandidate *c);
static bool idxadv_column_indexed(Oid relid, AttrNumber attnum);
static int32 idxadv_safe_width(Oid relid, AttrNumber attnum, int32 *offset);
static double idxadv_cand_scan_rate(idxadvSelCand *x, idxadvSelShape *shapes);
static double idxadv_write_rate(idxadvTable *t, TimestampTz now);
static bool idxadv_stat_time(PGFunction fn, Oid relid, TimestampTz *ts);
static void idxadv_index_bytes_add(double *sum, Form_pg_class index, double entries);
static double idxadv_scan_cost(idxadvTable *t, double rows, double ipages);
static void idxadv_add_pair(idxadvTable *t, idxadvSelCand *x,
							idxadvSelShape *shapes, int j, double ipages);
static double idxadv_shape_rows(idxadvTable *t, idxadvSelShape *s,
								idxadvCandidate *c);
static void idxadv_candidate_size(idxadvCandidate *c, idxadvTable *t,
								  int64 *bytes, int32 *itemsz, int *height);
static void idxadv_reassign(idxadvTable *t, idxadvSelShape *shapes,
							int nshapes, idxadvSelCand *cands, int ncands);

/*
 * idxadv_select
 *		Choose, table by table, the candidates worth suggesting; the others
 *		are marked rejected with the reason, the first-column candidates
 *		made here and not chosen dropped.  Returns the candidates list,
 *		chosen ones and rejected ones, in their tables' order.
 */
List *
idxadv_select(List *candidates)
{
	List	   *result = NIL;
	List	   *tables = NIL;	/* idxadvSelTable *, in order */
	HTAB	   *by_rel;
	HASHCTL		ctl;
	ListCell   *lc;

	/*
	 * Each table's candidates, the tables in order of first appearance: a
	 * hash table, since there may be tens of thousands of both
	 */
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvSelTable);
	ctl.hcxt = CurrentMemoryContext;
	by_rel = hash_create("idxadvisor candidates by table", 256, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		bool		found;
		idxadvSelTable *e = hash_search(by_rel, &c->relid, HASH_ENTER,
										&found);

		if (!found)
		{
			e->cands = NIL;
			tables = lappend(tables, e);
		}
		e->cands = lappend(e->cands, c);
	}
	foreach(lc, tables)
	{
		idxadvSelTable *e = (idxadvSelTable *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		result = list_concat(result,
							 idxadv_select_table(idxadv_table_info(e->relid),
												 e->cands));
	}
	hash_destroy(by_rel);
	return result;
}

/*
 * The selection on one table: cands are its candidates, none rejected yet.
 */
static List *
idxadv_select_table(idxadvTable *t, List *cands)
{
	int			nshapes = 0;
	int			ncands = 0;
	idxadvSelShape *shapes;
	idxadvSelCand *sc;
	List	   *all = list_copy(cands);
	List	   *result = NIL;
	ListCell   *lc;
	double		writes;			/* row writes per second adding an entry */
	double		secs;			/* since the capture started */
	TimestampTz now;
	double		budget;
	int64		new_bytes = 0;
	int			nchosen = 0;
	int			i;
	int			j;
	int			maxatt = 0;
	List	  **by_col;			/* shapes comparing a column by equality,
								 * by IDXADV_ATT_SLOT() */
	bool	   *firsts;			/* columns with a one-column candidate */
	int		   *start;
	ListCell   *lc2;

	/* the shapes: every pattern of the table's candidates */
	foreach(lc, cands)
		nshapes += list_length(((idxadvCandidate *) lfirst(lc))->patterns);
	shapes = palloc0(sizeof(idxadvSelShape) * Max(nshapes, 1));
	nshapes = 0;
	start = palloc(sizeof(int) * (list_length(cands) + 1));
	foreach(lc, cands)
	{
		/* a candidate's own shapes are contiguous, from start[its index] */
		start[foreach_current_index(lc)] = nshapes;
		foreach(lc2, ((idxadvCandidate *) lfirst(lc))->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc2);
			idxadvSelShape *s = &shapes[nshapes++];

			s->p = p;
			s->owner = foreach_current_index(lc);
			s->weight = p->executions > 0 ? (double) p->executions :
				p->fk_parent_writes;
			s->rows_min = p->rows_scanned > 0 ?
				t->tuples * p->rows_matched / p->rows_scanned : 0;
			s->cur = idxadv_scan_cost(t, -1, 0);
		}
	}

	/*
	 * The shapes by the columns they compare by equality, and the columns
	 * that have a one-column candidate: arrays over the table's column
	 * numbers (a hash table per table costs more, over 10,000 tables)
	 */
	for (j = 0; j < nshapes; j++)
		for (i = 0; i < shapes[j].p->neq; i++)
			maxatt = Max(maxatt, shapes[j].p->eq[i].attnum);
	foreach(lc, cands)
		for (i = 0; i < ((idxadvCandidate *) lfirst(lc))->neq; i++)
			maxatt = Max(maxatt, ((idxadvCandidate *) lfirst(lc))->eq[i].attnum);
	by_col = palloc0(sizeof(List *) * IDXADV_ATT_SLOT(maxatt + 1));
	firsts = palloc0(sizeof(bool) * IDXADV_ATT_SLOT(maxatt + 1));
	for (j = 0; j < nshapes; j++)
	{
		idxadvPattern *p = shapes[j].p;

		if (IDXADV_SEL_KEEP(p))
			continue;
		for (i = 0; i < p->neq; i++)
		{
			int			slot = IDXADV_ATT_SLOT(p->eq[i].attnum);

			if (p->eq[i].kind != IDXADV_CMP_EQ)
				continue;
			by_col[slot] = lappend_int(by_col[slot], j);
		}
	}

	/* the first-column candidates, one per column not a candidate already */
	foreach(lc, cands)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);

		if (c->neq + c->ntail == 1 && c->neq == 1 && c->pred.attnum == 0)
			firsts[IDXADV_ATT_SLOT(c->eq[0].attnum)] = true;
	}
	foreach(lc, cands)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		int			slot;

		if (c->neq == 0 || c->neq + c->ntail < 2 || c->pred.attnum != 0 ||
			c->eq[0].kind != IDXADV_CMP_EQ)
			continue;
		slot = IDXADV_ATT_SLOT(c->eq[0].attnum);
		if (!firsts[slot] && !idxadv_column_indexed(c->relid, c->eq[0].attnum))
			all = lappend(all, idxadv_first_column(c));
		firsts[slot] = true;
	}

	/*
	 * What each candidate would cost each shape it can help: the shapes
	 * merged into it, and shapes that compare its first key column by
	 * equality (a partial index only its own).
	 */
	now = GetCurrentTimestamp();
	secs = Max((double) (now - idxadv_capture_reset_time()) / USECS_PER_SEC,
			   1.0);
	writes = idxadv_write_rate(t, now);
	for (j = 0; j < nshapes; j++)
		shapes[j].weight /= secs;	/* scans per second */
	ncands = list_length(all);
	sc = palloc0(sizeof(idxadvSelCand) * Max(ncands, 1));
	i = 0;
	foreach(lc, all)
	{
		idxadvSelCand *x = &sc[i];
		int32		itemsz;
		int			height;
		double		ipages;

		x->c = (idxadvCandidate *) lfirst(lc);
		x->synthetic = foreach_current_index(lc) >= list_length(cands);
		idxadv_candidate_size(x->c, t, &x->bytes, &itemsz, &height);
		ipages = (double) x->bytes / BLCKSZ;

		/*
		 * Upkeep per second: each insert and non-HOT update descends the
		 * tree and writes an entry: the CPU of the descent, and the random
		 * write of the share of a leaf page the entry takes.  Gains are per
		 * second too: scans per second times the cost each saves.
		 */
		x->upkeep = writes * ((height + 1) * cpu_index_tuple_cost +
							  random_page_cost * itemsz /
							  (BLCKSZ * BTREE_DEFAULT_FILLFACTOR / 100.0));

		/*
		 * The shapes it may help: those merged into it, and those that
		 * compare its first column by equality (found through by_col, so
		 * that thousands of shapes are not each tried).
		 */
		{
			List	   *mates = NIL;
			int			room;

			if (x->c->neq > 0 && x->c->pred.attnum == 0)
				mates = by_col[IDXADV_ATT_SLOT(x->c->eq[0].attnum)];
			room = list_length(mates) + list_length(x->c->patterns) + 1;
			x->shape = palloc(sizeof(int) * room);
			x->cost = palloc(sizeof(double) * room);
			foreach(lc2, mates)
				idxadv_add_pair(t, x, shapes, lfirst_int(lc2), ipages);
		}
		if (!x->synthetic)
			for (j = 0; j < list_length(x->c->patterns); j++)
				idxadv_add_pair(t, x, shapes, start[i] + j, ipages);
		i++;
	}

	/*
	 * Foreign keys' candidates first, always; and the candidates of shapes
	 * other than filtered sequential scans and top-N sorts, which the
	 * planner costs their own way (idxadv_cost_candidate).
	 */
	budget = idxadv_index_size_budget * t->pages * BLCKSZ;
	for (i = 0; i < ncands; i++)
	{
		bool		keep = sc[i].c->fk_name != NULL;

		foreach(lc, sc[i].c->patterns)
			if (IDXADV_SEL_KEEP((idxadvPattern *) lfirst(lc)))
				keep = true;
		if (!keep || sc[i].synthetic)
			continue;
		sc[i].chosen = true;
		nchosen++;
		new_bytes += sc[i].bytes;
		for (j = 0; j < sc[i].npairs; j++)
		{
			idxadvSelShape *s = &shapes[sc[i].shape[j]];

			if (sc[i].cost[j] < s->cur)
			{
				s->cur = sc[i].cost[j];
				s->best = &sc[i];
			}
		}
	}

	/* then greedily, the largest gain first */
	while (nchosen < idxadv_max_new_indexes_per_table)
	{
		idxadvSelCand *best = NULL;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < ncands; i++)
		{
			idxadvSelCand *x = &sc[i];
			double		saved = 0;
			bool		unserved = false;

			if (x->chosen)
				continue;
			for (j = 0; j < x->npairs; j++)
			{
				idxadvSelShape *s = &shapes[x->shape[j]];

				if (x->cost[j] < s->cur)
				{
					saved += s->weight * (s->cur - x->cost[j]);
					if (s->best == NULL)
						unserved = true;
				}
			}
			x->saved = saved;
			x->gain = saved - x->upkeep;

			/* refinements only within the size budget */
			if (!unserved && new_bytes + x->bytes > budget)
				continue;
			/* ties: the candidate made for the shapes, then the smaller */
			if (x->gain > 0 &&
				(best == NULL || x->gain > best->gain ||
				 (x->gain == best->gain &&
				  (best->synthetic > x->synthetic ||
				   (best->synthetic == x->synthetic && x->bytes < best->bytes)))))
				best = x;
		}
		if (best == NULL)
			break;
		best->chosen = true;
		nchosen++;
		new_bytes += best->bytes;
		for (j = 0; j < best->npairs; j++)
		{
			idxadvSelShape *s = &shapes[best->shape[j]];

			if (best->cost[j] < s->cur)
			{
				s->cur = best->cost[j];
				s->best = best;
			}
		}
	}

	idxadv_reassign(t, shapes, nshapes, sc, ncands);

	/*
	 * The others: rejected, with the reason; except one that the model
	 * finds no gain in while a shape it was made for is left unserved and
	 * its upkeep is nothing: the planner judges it (step 4), and says why
	 * when it would not use it.
	 */
	for (i = 0; i < ncands; i++)
	{
		idxadvSelCand *x = &sc[i];
		bool		unserved = false;

		if (x->chosen)
		{
			result = lappend(result, x->c);
			continue;
		}
		if (x->synthetic)
			continue;
		for (j = 0; j < nshapes; j++)
			if (shapes[j].owner == i && shapes[j].best == NULL)
				unserved = true;
		if (nchosen >= idxadv_max_new_indexes_per_table)
			x->c->rejected = psprintf("not selected: the %d indexes selected for this table (idxadvisor.max_new_indexes_per_table) serve its scans better",
									  nchosen);
		else if (x->gain > 0)
			x->c->rejected = psprintf("not selected: it would only speed up scans that the indexes selected for this table serve already, and take their size past idxadvisor.index_size_budget (%g of the table's size)",
									  idxadv_index_size_budget);
		else if (x->upkeep > 0 && x->saved > 0)
			x->c->rejected = psprintf("not selected: with the indexes selected for this table, it would save less than its upkeep (about %.3g row writes per second add an index entry, against %.3g scans per second of the shapes it serves)",
									  writes, idxadv_cand_scan_rate(x, shapes));
		else if (!unserved)
			x->c->rejected = "not selected: the indexes selected for this table serve its scans as well";
		result = lappend(result, x->c);
	}
	return result;
}

/*
 * idxadv_write_overhead
 *		est_write_overhead of candidate c on table t: the bytes its entries
 *		would add to what the table's row changes write, as a share of what
 *		they write now, from the changes since statistics were reset
 *		(pg_stat_user_tables):
 *
 *		  entry * (ins + upd - hot)
 *		  ----------------------------------------------------------------
 *		  row * (ins + upd) + sum over existing indexes of entry_i * (ins + upd - hot)
 *
 *		entry: the new index's tuple with its line pointer; row: the table's
 *		bytes per row (pages * BLCKSZ / rows); entry_i: an existing index's
 *		bytes per entry, the same way.  Inserts and non-HOT updates add an
 *		entry to every index, HOT updates and deletes none.  0 when the
 *		table had no row changes.  For a partitioned table the changes and
 *		the indexes of its leaves count.
 */
double
idxadv_write_overhead(idxadvTable *t, idxadvCandidate *c)
{
	int64		bytes;
	int32		itemsz;
	int			height;
	double		ins = 0;
	double		upd = 0;
	double		hot = 0;
	double		idxbytes = 0;
	double		now;
	ListCell   *lc;

	idxadv_candidate_size(c, t, &bytes, &itemsz, &height);
	foreach(lc, t->leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		ListCell   *lc2;
		TupleDesc	desc;
		double		i = (double) idxadv_sum_leaves(pg_stat_get_tuples_inserted,
												   leaf, RELKIND_RELATION, false);
		double		u = (double) idxadv_sum_leaves(pg_stat_get_tuples_updated,
												   leaf, RELKIND_RELATION, false);
		double		h = (double) idxadv_sum_leaves(pg_stat_get_tuples_hot_updated,
												   leaf, RELKIND_RELATION, false);

		ins += i;
		upd += u;
		hot += h;
		foreach(lc2, idxadv_table_indexes(NULL, leaf, &desc))
		{
			Form_pg_index ind = (Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc2));
			HeapTuple	tup = SearchSysCache1(RELOID,
											  ObjectIdGetDatum(ind->indexrelid));

			if (!HeapTupleIsValid(tup))
				continue;
			if (((Form_pg_class) GETSTRUCT(tup))->reltuples > 0)
				idxadv_index_bytes_add(&idxbytes, (Form_pg_class) GETSTRUCT(tup),
								i + u - h);
			ReleaseSysCache(tup);
		}
	}
	if (ins + upd - hot <= 0)
		return 0;
	now = (t->tuples > 0 ? t->pages * BLCKSZ / t->tuples : 0) * (ins + upd) +
		idxbytes;
	if (now <= 0)
		return 0;
	return itemsz * (ins + upd - hot) / now;
}

/*
 * Add to *sum an existing index's bytes per entry times the entries its
 * table's row changes added.
 */
static void
idxadv_index_bytes_add(double *sum, Form_pg_class index, double entries)
{
	*sum += (double) index->relpages * BLCKSZ / index->reltuples *
		Max(entries, 0);
}

/*
 * Scans per second of the shapes candidate x helps.
 */
static double
idxadv_cand_scan_rate(idxadvSelCand *x, idxadvSelShape *shapes)
{
	double		rate = 0;
	int			j;

	for (j = 0; j < x->npairs; j++)
		rate += shapes[x->shape[j]].weight;
	return rate;
}

/*
 * Row writes per second of table t that add an entry to every index:
 * inserts and non-HOT updates.  The rows changed since each leaf was last
 * analyzed (n_mod_since_analyze), over the time since then, so that the
 * load of a table analyzed since does not count as steady writes; of
 * those, the share that inserts and non-HOT updates make of all row
 * changes since statistics were reset (deletes add no index entry).
 *
 * No rate is known, and none counted, for a leaf never analyzed, or
 * analyzed less than IDXADV_RATE_MIN_SECS ago: its changes are then its
 * load, not a steady rate (the rows of a load analyzed at once may even
 * reach the statistics after the ANALYZE, and count as changed since).
 */
static double
idxadv_write_rate(idxadvTable *t, TimestampTz now)
{
	double		rate = 0;
	ListCell   *lc;

	foreach(lc, t->leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		double		mods = (double) idxadv_sum_leaves(pg_stat_get_mod_since_analyze,
													  leaf, RELKIND_RELATION,
													  false);
		double		ins = (double) idxadv_sum_leaves(pg_stat_get_tuples_inserted,
													 leaf, RELKIND_RELATION,
													 false);
		double		upd = (double) idxadv_sum_leaves(pg_stat_get_tuples_updated,
													 leaf, RELKIND_RELATION,
													 false);
		double		hot = (double) idxadv_sum_leaves(pg_stat_get_tuples_hot_updated,
													 leaf, RELKIND_RELATION,
													 false);
		double		del = (double) idxadv_sum_leaves(pg_stat_get_tuples_deleted,
													 leaf, RELKIND_RELATION,
													 false);
		TimestampTz since = 0;
		TimestampTz ts;
		double		secs;

		if (mods <= 0)
			continue;
		if (idxadv_stat_time(pg_stat_get_last_analyze_time, leaf, &ts))
			since = ts;
		if (idxadv_stat_time(pg_stat_get_last_autoanalyze_time, leaf, &ts) &&
			ts > since)
			since = ts;
		secs = (double) (now - since) / USECS_PER_SEC;
		if (since == 0 || secs < IDXADV_RATE_MIN_SECS)
			continue;			/* no steady rate known (see above) */
		rate += mods * Max(ins + upd - hot, 0) / Max(ins + upd + del, 1) / secs;
	}
	return rate;
}

/*
 * A timestamp of the cumulative statistics of a relation, through its SQL
 * function (which may return NULL: never happened).
 */
static bool
idxadv_stat_time(PGFunction fn, Oid relid, TimestampTz *ts)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(relid);
	fcinfo->args[0].isnull = false;
	result = fn(fcinfo);
	if (fcinfo->isnull)
		return false;
	*ts = DatumGetTimestampTz(result);
	return true;
}

/*
 * Note what candidate x would cost shape j, if it can help it at all (and
 * not twice).  A shape with ORDER BY that x was not made for also sorts
 * the rows it finds.
 */
static void
idxadv_add_pair(idxadvTable *t, idxadvSelCand *x, idxadvSelShape *shapes,
				int j, double ipages)
{
	double		rows;
	int			k;

	for (k = 0; k < x->npairs; k++)
		if (x->shape[k] == j)
			return;
	rows = idxadv_shape_rows(t, &shapes[j], x->c);
	if (rows < 0)
		return;
	x->shape[x->npairs] = j;
	x->cost[x->npairs] = idxadv_scan_cost(t, rows, ipages);
	if (shapes[j].p->norder > 0 && !list_member_ptr(x->c->patterns, shapes[j].p))
		x->cost[x->npairs] += 2.0 * cpu_operator_cost * rows * log2(Max(rows, 2));
	x->npairs++;
}

/*
 * Does an existing valid index serve "attnum = $1" on relid (the one rule,
 * idxadv_find_serving_index)?  Then a first-column candidate would only
 * duplicate it.
 */
static bool
idxadv_column_indexed(Oid relid, AttrNumber attnum)
{
	idxadvIndexLookup lookup;

	memset(&lookup, 0, sizeof(lookup));
	lookup.relid = relid;
	lookup.cols[0].attnum = attnum;
	lookup.cols[0].kind = IDXADV_CMP_EQ;
	lookup.neq = 1;
	return OidIsValid(idxadv_find_serving_index(NULL, &lookup));
}

/*
 * A candidate of c's first key column alone, with no shape yet.
 */
static idxadvCandidate *
idxadv_first_column(idxadvCandidate *c)
{
	idxadvCandidate *n = palloc0(sizeof(idxadvCandidate));

	n->relid = c->relid;
	n->neq = 1;
	n->eq[0] = c->eq[0];
	n->nblocks = 1;
	n->block_end[0] = 1;
	return n;
}

/*
 * The cost model's scan of table t: rows < 0 is a sequential scan, else an
 * index scan (of an index of ipages pages) that finds that many rows.
 */
static double
idxadv_scan_cost(idxadvTable *t, double rows, double ipages)
{
	double		seq = t->pages * seq_page_cost +
		t->tuples * (cpu_tuple_cost + cpu_operator_cost);
	double		frac;
	double		pages;
	double		per_page;

	if (rows < 0)
		return seq;
	frac = t->tuples > 0 ? Min(rows / t->tuples, 1.0) : 1.0;

	/*
	 * The heap pages the rows are on (spread at random), read in physical
	 * order as a bitmap scan reads them: each at random_page_cost when they
	 * are few, nearer seq_page_cost the more of the table they are.
	 */
	pages = t->pages * (1 - exp(-rows / Max(t->pages, 1)));
	per_page = random_page_cost -
		(random_page_cost - seq_page_cost) * sqrt(pages / Max(t->pages, 1));
	return Min(seq,
			   random_page_cost * (1 + ceil(frac * ipages)) +
			   pages * per_page +
			   rows * (cpu_tuple_cost + cpu_index_tuple_cost + cpu_operator_cost));
}

/*
 * Rows that index c finds for shape s, or -1 if c cannot help it.  The
 * shapes merged into c it serves whole: the rows their filter keeps.
 * Another shape that compares c's first key columns by equality: the
 * table's rows divided by each such column's n_distinct.
 */
static double
idxadv_shape_rows(idxadvTable *t, idxadvSelShape *s, idxadvCandidate *c)
{
	idxadvPattern *p = s->p;
	double		rows = Max(t->tuples, 1);
	int			k;
	int			i;

	if (list_member_ptr(c->patterns, p))
	{
		/*
		 * Under a LIMIT the index returns the rows in order and stops: it
		 * reads the LIMIT's rows, divided by the share the filter keeps.
		 */
		if (p->norder > 0 && idxadv_pattern_limited(p))
		{
			if (p->neq > 0 || p->nrange > 0)
				return Max(Min(s->rows_min, (double) p->limit_max), 1);
			if (p->rows_scanned > 0)
				return Max(Min(Max(t->tuples, 1),
							   (double) p->limit_max * p->rows_scanned /
							   Max(p->rows_matched, 1)), 1);
		}
		return Max(s->rows_min, 1);
	}
	if (c->pred.attnum != 0 || IDXADV_SEL_KEEP(p))
		return -1;
	for (k = 0; k < c->neq; k++)
	{
		bool		in = false;

		for (i = 0; i < p->neq && !in; i++)
			in = p->eq[i].attnum == c->eq[k].attnum &&
				p->eq[i].kind == IDXADV_CMP_EQ && c->eq[k].kind == IDXADV_CMP_EQ;
		if (!in)
			break;
		rows /= idxadv_ndistinct(t, c->eq[k].attnum);
	}
	if (k == 0)
		return -1;
	return Max(Max(rows, s->rows_min), 1);
}

/*
 * idxadv_column_width() of a column that may have been dropped since it
 * was captured: the selection looks at tables it has not locked (costing
 * locks each and checks its columns).  A dropped column has no type; it
 * counts as 8 bytes, and costing rejects its candidate.  No lock is taken
 * between the two lookups, so no invalidation comes between them.
 */
static int32
idxadv_safe_width(Oid relid, AttrNumber attnum, int32 *offset)
{
	if (!OidIsValid(get_atttype(relid, attnum)))
	{
		*offset = MAXALIGN(*offset) + 8;
		return *offset;
	}
	return idxadv_column_width(relid, attnum, offset);
}

/*
 * Estimated size, index tuple size and height of candidate c's index.
 */
static void
idxadv_candidate_size(idxadvCandidate *c, idxadvTable *t, int64 *bytes,
					  int32 *itemsz, int *height)
{
	int32		offset = 0;
	int32		width = 0;
	BlockNumber pages;
	int			i;

	for (i = 0; i < c->neq; i++)
		width = idxadv_safe_width(c->relid, c->eq[i].attnum, &offset);
	for (i = 0; i < c->ntail; i++)
		width = idxadv_safe_width(c->relid, c->tail[i].attnum, &offset);
	idxadv_whatif_index_size(t->tuples * (c->pred.attnum ? c->pred_fraction : 1.0),
							 width, &pages, height);
	*bytes = (int64) pages * BLCKSZ;
	*itemsz = MAXALIGN(sizeof(IndexTupleData) + width) + sizeof(ItemIdData);
}

/*
 * Give each shape to the chosen index that costs it least, so that an
 * index's evidence is the shapes it serves; its dominant shape (the one it
 * is costed on) is the one with most scans.  A foreign key's shape stays
 * with its own candidate, which the foreign-key rule requires.
 */
static void
idxadv_reassign(idxadvTable *t, idxadvSelShape *shapes, int nshapes,
				idxadvSelCand *cands, int ncands)
{
	int			i;

	for (i = 0; i < ncands; i++)
		if (cands[i].chosen)
		{
			List	   *keep = NIL;
			ListCell   *lc;

			/* a candidate keeps its FK and other-shape shapes */
			foreach(lc, cands[i].c->patterns)
				if (IDXADV_SEL_KEEP((idxadvPattern *) lfirst(lc)))
					keep = lappend(keep, lfirst(lc));
			cands[i].c->patterns = keep;
			cands[i].c->dominant = NULL;
		}
	for (i = 0; i < nshapes; i++)
	{
		idxadvSelShape *s = &shapes[i];
		idxadvCandidate *c;

		if (IDXADV_SEL_KEEP(s->p))
			continue;

		/*
		 * A shape no chosen index makes cheaper in the model stays with
		 * the candidate made for it, if chosen: the planner judges that.
		 */
		if (s->best == NULL)
		{
			if (!cands[s->owner].chosen)
				continue;
			c = cands[s->owner].c;
		}
		else
			c = s->best->c;
		c->patterns = lappend(c->patterns, s->p);
	}
	for (i = 0; i < ncands; i++)
	{
		idxadvCandidate *c = cands[i].c;
		ListCell   *lc;

		if (!cands[i].chosen)
			continue;
		foreach(lc, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc);

			if (c->dominant == NULL || p->executions > c->dominant->executions)
				c->dominant = p;
		}
		if (c->dominant == NULL)
		{
			/* it serves no shape best after all: not worth suggesting */
			cands[i].chosen = false;
			cands[i].gain = 0;
		}
	}
}

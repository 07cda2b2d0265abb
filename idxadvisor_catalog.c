/*-------------------------------------------------------------------------
 *
 * idxadvisor_catalog.c
 *		Catalog helpers shared by the reports, the suggestions and the builds:
 *
 *	- index trees (expressions, predicates) read from pg_index as stored;
 *	- a table's pg_index tuples, by one index scan or from a map of all of
 *	  pg_index read once;
 *	- the one rule for "does this index serve that lookup?"
 *	  (idxadv_index_serves: a foreign-key trigger's lookup, a captured
 *	  filter, a requested index);
 *	- relation sizes from the files, schema-qualified names, and which
 *	  relations the reports leave out;
 *	- the list of foreign keys that no index serves, used by the foreign-key
 *	  report and by the suggestions;
 *	- the DDL (through idxadvisor_ddl.c) that creates a suggested index, one
 *	  text for the foreign-key report and the suggestions alike;
 *	- switching to a table's owner to run the table's own code.
 *
 * Locking: everything here reads the catalogs through heap and index scans
 * of pg_index, pg_constraint and pg_depend and the system caches; no table
 * or index is opened and no lock is taken on one, so that the callers can
 * afford one call per foreign key of a database with tens of thousands of
 * tables, and never wait behind a migration's ACCESS EXCLUSIVE lock.  A
 * relation dropped concurrently simply stops matching.
 *
 * Security: nothing here runs code of the tables it reads about.  Index
 * expressions and predicates are never constant-folded (idxadv_index_node
 * says why); predicate proofs run only operators of btree operator families,
 * which only a superuser can create.  Code that must run a table's own code
 * (suggest's planning) switches to the owner first (idxadv_switch_to_owner).
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_tablespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "common/relpath.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "lib/stringinfo.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "idxadvisor.h"
#include "idxadvisor_queue.h"

/*---- Macros ----*/

/*
 * From this many foreign keys on, the foreign-key list reads pg_index once
 * into a map instead of one index scan per key.  Below it the map would cost
 * more than it saves on a database with many indexes and few foreign keys.
 */
#define IDXADV_INDEX_MAP_MIN_FKS	64

/*
 * Most index descents a skip scan (18+) may take per lookup for the index
 * to count as serving it: the product over the skipped leading columns of
 * their distinct values plus one.  The planner's own limit is the index's
 * page count (btcostestimate); past this one, each lookup already reads
 * hundreds of pages, which for a foreign-key trigger run once per deleted
 * parent row is not what "indexed" means to anyone.
 */
#define IDXADV_SKIP_SCAN_MAX_DESCENTS	100

/*---- Typedefs ----*/

/*
 * The pg_index tuples of every table, read in one sequential scan.  A caller
 * that asks about thousands of tables (the foreign-key report on a large
 * schema) builds one; thousands of index scans of pg_index, each through a
 * cold buffer and a lock, cost far more than one pass over the catalog.
 */
struct idxadvIndexMap
{
	HTAB	   *tables;			/* indrelid -> idxadvIndexMapEntry */
	TupleDesc	desc;			/* pg_index's tuple descriptor (a copy) */
};

typedef struct idxadvIndexMapEntry
{
	Oid			indrelid;		/* hash key */
	List	   *tuples;			/* copied pg_index tuples of its indexes */
} idxadvIndexMapEntry;

/*
 * What idxadv_index_serves() needs to know of a lookup beyond its columns:
 * the columns' types, typmods and collations, the operator each key column's
 * operator family must contain, and the lookup's conditions as clauses for
 * predicate proofs.  Filled only once some index has the right key columns:
 * most tables asked about have none, and on a cold cache each pg_attribute
 * lookup is an index scan.
 */
typedef struct idxadvLookupState
{
	const idxadvIndexLookup *lookup;
	bool		prepared;		/* are the arrays below filled? */
	bool		impossible;		/* a column gone, or no operator: nothing
								 * serves the lookup */
	Oid			types[IDXADV_LOOKUP_MAX_COLS];
	int32		typmods[IDXADV_LOOKUP_MAX_COLS];
	Oid			collations[IDXADV_LOOKUP_MAX_COLS];
	Oid			ops[IDXADV_LOOKUP_MAX_COLS];
	bool		have_clauses;
	List	   *clauses;		/* the lookup's conditions, implicitly ANDed */
} idxadvLookupState;


/* A name handed out by idxadv_create_index_script(), with its index's key */
typedef struct idxadvUsedName
{
	char		name[NAMEDATALEN];	/* hash key */
	char	   *key;			/* idxadv_index_ddl() without a name */
} idxadvUsedName;

/*
 * The names handed out in one call of the caller: a hash table, since
 * idxadvisor_suggest() names an index for each of thousands of tables
 */
struct idxadvUsedNames
{
	HTAB	   *names;			/* idxadvUsedName, by name */
	MemoryContext cxt;			/* where they live */
};

/* What idxadv_script_name_check() is asked with */
typedef struct idxadvNameCheck
{
	idxadvUsedNames *used;
	const char *key;			/* of the definition being named */
} idxadvNameCheck;

/*---- Function declarations ----*/

static Node *idxadv_index_node(HeapTuple indtup, TupleDesc inddesc,
							   AttrNumber attnum);
static bool idxadv_index_serves(HeapTuple indtup, TupleDesc inddesc,
								idxadvLookupState *state);
static int	idxadv_index_keys_at(Form_pg_index idx,
								 const idxadvIndexLookup *lookup, int skip,
								 int *perm);
static bool idxadv_skip_scan_ok(Form_pg_index idx, int skip);
static bool idxadv_index_keys_fit(HeapTuple indtup, TupleDesc inddesc,
								  idxadvLookupState *state, int skip,
								  const int *perm, int *dir);
static void idxadv_lookup_prepare(idxadvLookupState *state);
static List *idxadv_lookup_clauses(idxadvLookupState *state);
static int64 idxadv_call_int8(PGFunction fn, Oid relid);
static bool idxadv_shape_def(Oid relid, const idxadvIndexShape *shape,
							 bool only, idxadvIndexDef *def);
static char *idxadv_script_name(const idxadvIndexDef *def,
								idxadvUsedNames **used);
static idxadvNameUse idxadv_script_name_check(const char *name, Oid existing,
											  bool same, void *arg);
static idxadvForeignKey *idxadv_fk_from_tuple(HeapTuple tup, TupleDesc desc,
											  char relkind);
static bool idxadv_fk_served(idxadvIndexMap *map, Oid relid, int ncols,
							 const AttrNumber *attnums, const Oid *eqops,
							 bool period, const List *except);
static bool idxadv_fk_leaves_served(idxadvIndexMap *map, Oid relid, int ncols,
									const AttrNumber *attnums, const Oid *eqops,
									bool period, const List *except,
									bool *some_served);

/* ----------------------------------------------------------------
 * Index trees and a table's pg_index tuples
 * ----------------------------------------------------------------
 */

/*
 * idxadv_index_node
 *		A node-tree column of a pg_index tuple (indexprs or indpred) as it is
 *		stored, or NULL when null.
 *
 * Unlike the relcache (RelationGetIndexExpressions/Predicate), this does not
 * run eval_const_expressions(): folding evaluates every immutable function
 * whose arguments are constants, and such a function is code of whoever
 * created the index, the table's owner, who may have written an "IMMUTABLE"
 * function that does anything (ALTER ROLE ... SUPERUSER, COPY ... TO
 * PROGRAM).  Folding it here would run it with our caller's privileges,
 * often a superuser's.  Trees compared as stored are compared as CREATE
 * INDEX wrote them (the parser already made literals constants), so two
 * indexes defined alike still compare equal; what is lost is only the proof
 * that differently written constant expressions are the same (a > 1 + 1
 * versus a > 2, b = false versus NOT b).
 */
static Node *
idxadv_index_node(HeapTuple indtup, TupleDesc inddesc, AttrNumber attnum)
{
	Datum		d;
	bool		isnull;

	d = heap_getattr(indtup, attnum, inddesc, &isnull);
	if (isnull)
		return NULL;
	return (Node *) stringToNode(TextDatumGetCString(d));
}

/*
 * idxadv_index_predicate
 *		The predicate of an index as an implicitly-ANDed list, canonicalised
 *		the way the relcache prepares it for the planner (qual flattened,
 *		Vars with varno 1) but not constant-folded (see idxadv_index_node),
 *		or NIL for a full index.
 *
 * Works on a pg_index tuple, so the index relation is not opened.
 * canonicalize_qual() and make_ands_implicit() only rearrange the tree;
 * fix_opfuncids() only looks up pg_operator: nothing is evaluated.
 */
List *
idxadv_index_predicate(HeapTuple indtup, TupleDesc inddesc)
{
	Node	   *pred;
	List	   *result;

	pred = idxadv_index_node(indtup, inddesc, Anum_pg_index_indpred);
	if (pred == NULL)
		return NIL;
	pred = (Node *) canonicalize_qual((Expr *) pred, false);
	result = make_ands_implicit((Expr *) pred);
	fix_opfuncids((Node *) result);
	return result;
}

/*
 * idxadv_index_expressions
 *		The expression key (and INCLUDE) columns of an index, one per zero in
 *		indkey, in order, as stored (not constant-folded: see
 *		idxadv_index_node); NIL when none.
 */
List *
idxadv_index_expressions(HeapTuple indtup, TupleDesc inddesc)
{
	Node	   *exprs;

	exprs = idxadv_index_node(indtup, inddesc, Anum_pg_index_indexprs);
	if (exprs == NULL)
		return NIL;
	fix_opfuncids(exprs);
	return (List *) exprs;
}

/*
 * idxadv_index_map_create
 *		Read all of pg_index into a map by table, in the current memory
 *		context.  The map is a snapshot: an index created later is not in it,
 *		which is what a report running under one snapshot expects anyway.
 */
idxadvIndexMap *
idxadv_index_map_create(void)
{
	idxadvIndexMap *map = palloc(sizeof(idxadvIndexMap));
	HASHCTL		ctl;
	Relation	pg_index;
	SysScanDesc scan;
	HeapTuple	tup;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvIndexMapEntry);
	ctl.hcxt = CurrentMemoryContext;
	map->tables = hash_create("idxadvisor index map", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	pg_index = table_open(IndexRelationId, AccessShareLock);
	map->desc = CreateTupleDescCopy(RelationGetDescr(pg_index));
	scan = systable_beginscan(pg_index, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			indrelid = ((Form_pg_index) GETSTRUCT(tup))->indrelid;
		idxadvIndexMapEntry *entry;
		bool		found;

		entry = hash_search(map->tables, &indrelid, HASH_ENTER, &found);
		if (!found)
			entry->tuples = NIL;
		entry->tuples = lappend(entry->tuples, heap_copytuple(tup));
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);

	return map;
}

/*
 * idxadv_table_indexes
 *		The pg_index tuples of relid's indexes (NIL when none), and the
 *		descriptor to read them with: from the map when there is one, else
 *		from one index scan of pg_index on indrelid, copied into the current
 *		memory context.
 */
List *
idxadv_table_indexes(idxadvIndexMap *map, Oid relid, TupleDesc *desc)
{
	static TupleDesc pg_index_desc = NULL;
	List	   *result = NIL;
	Relation	pg_index;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	if (map != NULL)
	{
		idxadvIndexMapEntry *entry;

		*desc = map->desc;
		entry = hash_search(map->tables, &relid, HASH_FIND, NULL);
		return entry ? entry->tuples : NIL;
	}

	pg_index = table_open(IndexRelationId, AccessShareLock);
	/* pg_index's row type is fixed: one copy serves the whole session */
	if (pg_index_desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		pg_index_desc = CreateTupleDescCopy(RelationGetDescr(pg_index));
		MemoryContextSwitchTo(old);
	}
	*desc = pg_index_desc;
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		result = lappend(result, heap_copytuple(tup));
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return result;
}

/* ----------------------------------------------------------------
 * Does an index serve a lookup?
 * ----------------------------------------------------------------
 */

/*
 * idxadv_find_serving_index
 *		A valid, ready index of lookup->relid that serves the lookup, by the
 *		rule of idxadv_index_serves(); InvalidOid if none.
 *
 * The table's pg_index tuples come from idxadv_table_indexes() (map may be
 * NULL).  Nothing is locked or opened, and no code of the table's runs.
 */
Oid
idxadv_find_serving_index(idxadvIndexMap *map,
						  const idxadvIndexLookup *lookup)
{
	return idxadv_find_serving_index_except(map, lookup, NIL);
}

/*
 * idxadv_find_serving_index_except
 *		The same, as if the indexes in except (OIDs) were not there: which
 *		index would serve the lookup once they are dropped.
 */
Oid
idxadv_find_serving_index_except(idxadvIndexMap *map,
								 const idxadvIndexLookup *lookup,
								 const List *except)
{
	idxadvLookupState state;
	TupleDesc	desc;
	ListCell   *lc;

	if (lookup->neq < 0 || lookup->ntail < 0 || lookup->nconds < 0 ||
		lookup->neq + lookup->ntail + lookup->nconds == 0 ||
		lookup->neq + lookup->ntail > INDEX_MAX_KEYS ||
		lookup->neq + lookup->ntail + lookup->nconds > IDXADV_LOOKUP_MAX_COLS)
		return InvalidOid;

	memset(&state, 0, sizeof(state));
	state.lookup = lookup;

	foreach(lc, idxadv_table_indexes(map, lookup->relid, &desc))
	{
		HeapTuple	tup = (HeapTuple) lfirst(lc);
		Oid			indexrelid = ((Form_pg_index) GETSTRUCT(tup))->indexrelid;

		if (except != NIL && list_member_oid(except, indexrelid))
			continue;
		if (idxadv_index_serves(tup, desc, &state))
			return indexrelid;
	}
	return InvalidOid;
}

/*
 * idxadv_index_serves
 *		Does the index of this pg_index tuple serve the lookup?  The one rule
 *		(doc/design.md section 3) that the reports and the suggestions
 *		share:
 *
 *	- the index is valid, ready and live;
 *	- its first neq key columns are exactly the lookup's equality-like
 *	  columns, in any order, and the next ntail key columns are the range
 *	  and ORDER BY columns in the lookup's order (INCLUDE columns and
 *	  expression columns never count);
 *	- it is a btree, or a hash when the lookup is one "col = $1" alone;
 *	  for a temporal foreign key's lookup ("a = $1 AND p && $2", 18+) it
 *	  is a GiST index, never a btree: a btree can test only the
 *	  equalities and would filter the period row by row;
 *	- each of those key columns' operator family contains the operator the
 *	  lookup uses there: its equality operator (a foreign key's own, else
 *	  the type's default one), boolean equality for "col" and "NOT col",
 *	  the type's default "<" for range and ORDER BY columns; an IS NULL
 *	  column needs only a btree key column (btree finds NULLs in any
 *	  operator family);
 *	- its collation there is the column's (IS NULL columns excepted);
 *	- ORDER BY columns are all in the index's direction or all in the
 *	  opposite one (a backward scan);
 *	- its predicate, if any, is implied by the lookup's conditions: the
 *	  equalities, "col IS NOT NULL" for a range column (a strict comparison)
 *	  and the further conditions (so WHERE fk IS NOT NULL serves a foreign
 *	  key's lookup, and WHERE deleted IS NULL a filter that has it);
 *	- a lookup with conditions only (WHERE NOT done) is served by a btree
 *	  index whose predicate they imply, whatever its keys; a full index
 *	  does not serve it (it would be read whole);
 *	- from 18, where the planner skip-scans a btree: the key columns
 *	  above may follow leading key columns that the lookup does not
 *	  constrain, when those are plain columns whose distinct values the
 *	  statistics know (ANALYZE, or a boolean) and few: the product of
 *	  (n_distinct + 1) over them, the index descents per lookup, is at
 *	  most the index's pages (the planner's limit) and at most
 *	  IDXADV_SKIP_SCAN_MAX_DESCENTS; never with ORDER BY columns (a skip
 *	  scan returns them in order only within each skipped value), for a
 *	  temporal foreign key (GiST) or a hash index.
 *
 * The key columns are compared first, from the tuple alone; catalog lookups
 * follow only for an index that passes.
 */
static bool
idxadv_index_serves(HeapTuple indtup, TupleDesc inddesc,
					idxadvLookupState *state)
{
	const idxadvIndexLookup *lookup = state->lookup;
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(indtup);
	int			nkeys = lookup->neq + lookup->ntail;
	int			perm[INDEX_MAX_KEYS];
	HeapTuple	classtup;
	Oid			amoid;
	int			dir = 0;
	int			skip;
	int			j;

	if (!idx->indisvalid || !idx->indisready || !idx->indislive ||
		idx->indnkeyatts < nkeys)
		return false;
	if (nkeys == 0 && heap_attisnull(indtup, Anum_pg_index_indpred, inddesc))
		return false;

	/*
	 * The lookup's key columns from the first key position; else, where a
	 * skip scan may bridge a gap (18+; no ORDER BY column), from the first
	 * later position that fits.
	 */
	skip = idxadv_index_keys_at(idx, lookup, 0, perm);
	if (skip < 0 && IDXADV_HAVE_SKIP_SCAN && nkeys > 0 && !lookup->period)
	{
		for (j = lookup->neq; j < nkeys; j++)
			if (lookup->cols[j].kind != IDXADV_CMP_RANGE)
				return false;	/* ORDER BY: no skipping */
		for (j = 1; skip < 0 && j + nkeys <= idx->indnkeyatts; j++)
			skip = idxadv_index_keys_at(idx, lookup, j, perm);
	}
	if (skip < 0)
		return false;

	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(classtup))
		return false;
	amoid = ((Form_pg_class) GETSTRUCT(classtup))->relam;
	ReleaseSysCache(classtup);
	if (lookup->period ? amoid != GIST_AM_OID :
		!(amoid == BTREE_AM_OID ||
		  (amoid == HASH_AM_OID && nkeys == 1 &&
		   lookup->cols[0].kind == IDXADV_CMP_EQ)))
		return false;
	if (skip > 0 && (amoid != BTREE_AM_OID || !idxadv_skip_scan_ok(idx, skip)))
		return false;

	if (!state->prepared)
		idxadv_lookup_prepare(state);
	if (state->impossible)
		return false;

	if (!idxadv_index_keys_fit(indtup, inddesc, state, skip, perm, &dir))
		return false;

	/*
	 * A partial index serves only if the lookup's conditions imply its
	 * predicate.  predicate_implied_by() evaluates nothing of the
	 * predicate's own: the only code it may run is a btree comparison
	 * operator that it looks up in an operator family to compare two
	 * constants (predtest.c, operator_predicate_proof), and only a superuser
	 * can create an operator family or add an operator to one.
	 */
	if (heap_attisnull(indtup, Anum_pg_index_indpred, inddesc))
		return true;
	if (!state->have_clauses)
	{
		state->clauses = idxadv_lookup_clauses(state);
		state->have_clauses = true;
	}
	return predicate_implied_by(idxadv_index_predicate(indtup, inddesc),
								state->clauses, false);
}

/*
 * idxadv_index_keys_at
 *		The column part of idxadv_index_serves(): do the index's key
 *		columns from position skip on hold the lookup's equality-like
 *		columns (any order, plain columns), then its range and ORDER BY
 *		columns in order?  If so, perm[j] is the lookup column at key
 *		position skip + j, and skip is returned; else -1.
 */
static int
idxadv_index_keys_at(Form_pg_index idx, const idxadvIndexLookup *lookup,
					 int skip, int *perm)
{
	int			neq = lookup->neq;
	int			nkeys = lookup->neq + lookup->ntail;
	bool		used[INDEX_MAX_KEYS];
	int			i,
				j;

	if (skip + nkeys > idx->indnkeyatts)
		return -1;
	/* the first neq key columns: the equality columns, any order */
	memset(used, 0, sizeof(used));
	for (j = 0; j < neq; j++)
	{
		AttrNumber	k = idx->indkey.values[skip + j];

		for (i = 0; i < neq; i++)
			if (!used[i] && k != 0 && lookup->cols[i].attnum == k)
				break;
		if (i == neq)
			return -1;			/* another column, or an expression */
		used[i] = true;
		perm[j] = i;
	}
	/* then the range and ORDER BY columns, in order */
	for (j = neq; j < nkeys; j++)
	{
		AttrNumber	k = idx->indkey.values[skip + j];

		if (k == 0 || k != lookup->cols[j].attnum)
			return -1;
		perm[j] = j;
	}
	return skip;
}

/*
 * idxadv_skip_scan_ok
 *		May a skip scan (18+) bridge the index's first skip key columns,
 *		as the planner would?  Each must be a plain column whose number of
 *		distinct values the statistics know: pg_statistic's stadistinct
 *		(ANALYZE; a negative one is a fraction of pg_class.reltuples) or 2
 *		for a boolean; the planner assumes no skipping for a default
 *		estimate.  The descents, the product of (n_distinct + 1), must stay
 *		within the index's pages (the planner's limit, past which it costs
 *		the scan as reading the whole index) and within
 *		IDXADV_SKIP_SCAN_MAX_DESCENTS.  Reads the system caches only.
 */
static bool
idxadv_skip_scan_ok(Form_pg_index idx, int skip)
{
	HeapTuple	tup;
	double		relpages;
	double		reltuples;
	double		descents = 1;
	int			j;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(tup))
		return false;
	relpages = ((Form_pg_class) GETSTRUCT(tup))->relpages;
	ReleaseSysCache(tup);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indrelid));
	if (!HeapTupleIsValid(tup))
		return false;
	reltuples = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	ReleaseSysCache(tup);

	for (j = 0; j < skip; j++)
	{
		AttrNumber	k = idx->indkey.values[j];
		double		ndistinct = 0;

		if (k <= 0)
			return false;		/* an expression: left to the planner */
		if (get_atttype(idx->indrelid, k) == BOOLOID)
			ndistinct = 2;
		else
		{
			tup = SearchSysCache3(STATRELATTINH,
								  ObjectIdGetDatum(idx->indrelid),
								  Int16GetDatum(k), BoolGetDatum(false));
			if (HeapTupleIsValid(tup))
			{
				float4		stadistinct = ((Form_pg_statistic) GETSTRUCT(tup))->stadistinct;

				if (stadistinct > 0)
					ndistinct = stadistinct;
				else if (stadistinct < 0 && reltuples > 0)
					ndistinct = -stadistinct * reltuples;
				ReleaseSysCache(tup);
			}
		}
		if (ndistinct < 1)
			return false;		/* unknown: no skipping, as the planner */
		descents *= rint(ndistinct) + 1;
	}
	return descents <= relpages && descents <= IDXADV_SKIP_SCAN_MAX_DESCENTS;
}

/*
 * idxadv_index_keys_fit
 *		The operator family, collation and direction part of
 *		idxadv_index_serves(): key position skip + j holds lookup column
 *		perm[j].  *dir tracks the ORDER BY direction (see
 *		idxadv_same_direction).
 */
static bool
idxadv_index_keys_fit(HeapTuple indtup, TupleDesc inddesc,
					  idxadvLookupState *state, int skip, const int *perm,
					  int *dir)
{
	const idxadvIndexLookup *lookup = state->lookup;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	int2vector *indoption;
	int			j;

	d = heap_getattr(indtup, Anum_pg_index_indclass, inddesc, &isnull);
	Assert(!isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(indtup, Anum_pg_index_indcollation, inddesc, &isnull);
	Assert(!isnull);
	indcoll = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(indtup, Anum_pg_index_indoption, inddesc, &isnull);
	Assert(!isnull);
	indoption = (int2vector *) DatumGetPointer(d);

	for (j = 0; j < lookup->neq + lookup->ntail; j++)
	{
		int			i = perm[j];
		int			pos = skip + j;
		const idxadvLookupCol *col = &lookup->cols[i];

		if (col->kind == IDXADV_CMP_NULL)
			continue;
		if (indcoll->values[pos] != state->collations[i] ||
			!op_in_opfamily(state->ops[i],
							get_opclass_family(indclass->values[pos])))
			return false;
		if (j >= lookup->neq && col->kind != IDXADV_CMP_RANGE)
		{
			int16		opt = indoption->values[pos];
			uint8		have = ((opt & INDOPTION_DESC) ? IDXADV_ORDER_DESC : 0) |
				((opt & INDOPTION_NULLS_FIRST) ? IDXADV_ORDER_NULLS_FIRST : 0);

			if (!idxadv_same_direction(col->flags, have, dir))
				return false;
		}
	}
	return true;
}

/*
 * idxadv_lookup_prepare
 *		Fill in the columns' types, typmods and collations, and the operators
 *		their key columns must support.  Marks the lookup impossible when a
 *		column is gone (dropped meanwhile) or its type has no such operator.
 */
static void
idxadv_lookup_prepare(idxadvLookupState *state)
{
	const idxadvIndexLookup *lookup = state->lookup;
	int			ncols = lookup->neq + lookup->ntail + lookup->nconds;
	int			i;

	state->prepared = true;
	for (i = 0; i < ncols; i++)
	{
		const idxadvLookupCol *col = &lookup->cols[i];
		HeapTuple	atttup;
		Form_pg_attribute att;
		TypeCacheEntry *tce;

		atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(lookup->relid),
								 Int16GetDatum(col->attnum));
		if (!HeapTupleIsValid(atttup))
		{
			state->impossible = true;
			return;
		}
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		state->types[i] = att->atttypid;
		state->typmods[i] = att->atttypmod;
		state->collations[i] = att->attcollation;
		if (att->attisdropped)
			state->impossible = true;
		ReleaseSysCache(atttup);
		if (state->impossible)
			return;

		state->ops[i] = InvalidOid;
		if (i >= lookup->neq + lookup->ntail)
			continue;			/* a condition: no key column */
		if (col->kind == IDXADV_CMP_NULL)
			continue;			/* any btree key column */
		if (col->kind == IDXADV_CMP_TRUE || col->kind == IDXADV_CMP_FALSE)
			state->ops[i] = BooleanEqualOperator;
		else if (i < lookup->neq && OidIsValid(col->op))
			state->ops[i] = col->op;
		else
		{
			tce = lookup_type_cache(state->types[i],
									i < lookup->neq ? TYPECACHE_EQ_OPR :
									TYPECACHE_LT_OPR);
			state->ops[i] = i < lookup->neq ? tce->eq_opr : tce->lt_opr;
		}
		if (!OidIsValid(state->ops[i]))
		{
			state->impossible = true;
			return;
		}
	}
}

/*
 * idxadv_lookup_clauses
 *		The lookup's conditions as an implicitly-ANDed list over relation 1
 *		(the varno index predicates use): "$i = col" for an equality, as the
 *		foreign-key trigger writes its lookup (a parameter of the operator's
 *		left input type), the boolean or NULL test for the other
 *		equality-like columns and the further conditions, and "col IS NOT
 *		NULL" for a range column.  ORDER BY columns add nothing.
 */
static List *
idxadv_lookup_clauses(idxadvLookupState *state)
{
	const idxadvIndexLookup *lookup = state->lookup;
	int			ncols = lookup->neq + lookup->ntail + lookup->nconds;
	List	   *result = NIL;
	int			i;

	for (i = 0; i < ncols; i++)
	{
		const idxadvLookupCol *col = &lookup->cols[i];
		Var		   *var;

		var = makeVar(1, col->attnum, state->types[i], state->typmods[i],
					  state->collations[i], 0);
		if (col->kind == IDXADV_CMP_EQ && i < lookup->neq)
		{
			Oid			lefttype;
			Oid			righttype;
			Param	   *param = makeNode(Param);

			op_input_types(state->ops[i], &lefttype, &righttype);
			param->paramkind = PARAM_EXTERN;
			param->paramid = i + 1;
			param->paramtype = lefttype;
			param->paramtypmod = -1;
			param->paramcollid = get_typcollation(lefttype);
			param->location = -1;
			result = lappend(result,
							 make_opclause(state->ops[i], BOOLOID, false,
										   (Expr *) param, (Expr *) var,
										   InvalidOid, state->collations[i]));
		}
		else if (col->kind == IDXADV_CMP_RANGE)
			result = lappend(result,
							 idxadv_flag_clause(var, IDXADV_CMP_NOTNULL));
		else if (col->kind == IDXADV_CMP_TRUE ||
				 col->kind == IDXADV_CMP_FALSE ||
				 col->kind == IDXADV_CMP_NULL ||
				 col->kind == IDXADV_CMP_NOTNULL)
			result = lappend(result, idxadv_flag_clause(var, col->kind));
	}
	fix_opfuncids((Node *) result);
	return result;
}

/*
 * idxadv_flag_clause
 *		The boolean or NULL test of a kind (IDXADV_CMP_TRUE, _FALSE, _NULL,
 *		_NOTNULL) on a Var, as the parser makes it from "col", "NOT col",
 *		"col IS NULL", "col IS NOT NULL".
 */
Expr *
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
 * idxadv_same_direction
 *		Does an index column sorted by "have" give the order "want"
 *		(IDXADV_ORDER_* flags), in the direction *dir the earlier columns set
 *		(1 as is, -1 scanned backward, 0 not yet known)?  Updates *dir.
 */
bool
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
 * Sizes, names, and the relations the reports leave out
 * ----------------------------------------------------------------
 */

/*
 * idxadv_oid_hash
 *		A hash table keyed by an OID (the first member of the entry), in the
 *		current memory context, so it goes with the report's query.
 */
HTAB *
idxadv_oid_hash(const char *name, Size entrysize, long nelem)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, nelem, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * idxadv_filter_init
 *		Prepare the test of which relations the reports leave out.
 */
void
idxadv_filter_init(idxadvReportFilter *filter)
{
	Oid			extoid;

	filter->infoschema = get_namespace_oid("information_schema", true);
	filter->extmembers = idxadv_oid_hash("idxadvisor extension members",
										 sizeof(Oid), 64);

	/* The relations that are members of this extension */
	extoid = get_extension_oid("idxadvisor", true);
	if (OidIsValid(extoid))
	{
		Relation	depRel;
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tup;

		depRel = table_open(DependRelationId, AccessShareLock);
		ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
		ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(extoid));
		scan = systable_beginscan(depRel, DependReferenceIndexId, true,
								  NULL, 2, key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);

			if (dep->deptype == DEPENDENCY_EXTENSION &&
				dep->classid == RelationRelationId)
				(void) hash_search(filter->extmembers, &dep->objid,
								   HASH_ENTER, NULL);
		}
		systable_endscan(scan);
		table_close(depRel, AccessShareLock);
	}
}

/*
 * idxadv_filter_skip
 *		Is this table left out of the reports?  System catalogs, TOAST,
 *		information_schema, other sessions' temporary tables, the extension's
 *		own tables, and relations that are not tables.
 */
bool
idxadv_filter_skip(idxadvReportFilter *filter, Oid relid,
				   Form_pg_class classform)
{
	Oid			nsp = classform->relnamespace;

	if (classform->relkind != RELKIND_RELATION &&
		classform->relkind != RELKIND_PARTITIONED_TABLE &&
		classform->relkind != RELKIND_MATVIEW)
		return true;
	if (IsCatalogNamespace(nsp) || IsToastNamespace(nsp) ||
		nsp == filter->infoschema || isOtherTempNamespace(nsp))
		return true;
	if (hash_search(filter->extmembers, &relid, HASH_FIND, NULL) != NULL)
		return true;
	return false;
}

/*
 * idxadv_call_int8
 *		Call a SQL-callable function of one OID argument returning bigint
 *		(pg_stat_get_numscans, pg_stat_get_tuples_deleted ...); NULL counts
 *		as 0, so that a relation dropped meanwhile does not fail the report.
 */
static int64
idxadv_call_int8(PGFunction fn, Oid relid)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(relid);
	fcinfo->args[0].isnull = false;
	result = (*fn) (fcinfo);
	if (fcinfo->isnull)
		return 0;
	return DatumGetInt64(result);
}

/*
 * idxadv_relation_bytes
 *		On-disk size of a relation, all forks, found by stat() of its files
 *		the way pg_relation_size() does, but from the pg_class row alone: the
 *		relation is neither opened nor locked, which on a catalog of 10,000
 *		tables is the difference between building 10,000 relcache entries and
 *		not.  with_toast adds the TOAST table and its index, which makes it
 *		pg_table_size(); main_only counts the main fork alone.  A relation
 *		dropped meanwhile counts 0.
 */
int64
idxadv_relation_bytes(Oid relid, bool with_toast, bool main_only)
{
	HeapTuple	tup;
	Form_pg_class classform;
	Oid			spcoid;
	Oid			dboid;
	Oid			relnumber;
	bool		temp;
	Oid			toastrelid;
	char		persistence;
	int64		total = 0;
	ForkNumber	fork;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return 0;
	classform = (Form_pg_class) GETSTRUCT(tup);
	if (!RELKIND_HAS_STORAGE(classform->relkind) ||
		!OidIsValid(classform->relfilenode) ||
		(classform->relpersistence == RELPERSISTENCE_TEMP &&
		 !isTempOrTempToastNamespace(classform->relnamespace)))
	{
		/* no storage, a mapped catalog, or another session's temp table */
		ReleaseSysCache(tup);
		return 0;
	}
	spcoid = OidIsValid(classform->reltablespace) ?
		classform->reltablespace : MyDatabaseTableSpace;
	dboid = spcoid == GLOBALTABLESPACE_OID ? InvalidOid : MyDatabaseId;
	relnumber = classform->relfilenode;
	temp = classform->relpersistence == RELPERSISTENCE_TEMP;
	toastrelid = classform->reltoastrelid;
	persistence = classform->relpersistence;
	ReleaseSysCache(tup);

	/*
	 * stat() is most of the report's cost on a large schema, so none is
	 * wasted: only an unlogged relation has an init fork, and a segment
	 * shorter than RELSEG_SIZE blocks is the last one with data (md.c keeps
	 * every segment but the last full; segments past a truncation are left
	 * empty).
	 */
	for (fork = 0; fork <= MAX_FORKNUM; fork++)
	{
		char	   *path;
		unsigned int segno;

		if ((fork == INIT_FORKNUM &&
			 persistence != RELPERSISTENCE_UNLOGGED) ||
			(main_only && fork != MAIN_FORKNUM))
			continue;
		path = idxadv_relpath(spcoid, dboid, relnumber, temp, fork);
		for (segno = 0;; segno++)
		{
			char		pathname[MAXPGPATH + 16];
			struct stat fst;

			if (segno == 0)
				snprintf(pathname, sizeof(pathname), "%s", path);
			else
				snprintf(pathname, sizeof(pathname), "%s.%u", path, segno);
			if (stat(pathname, &fst) < 0)
			{
				if (errno == ENOENT)
					break;
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not stat file \"%s\": %m", pathname)));
			}
			total += fst.st_size;
			if (fst.st_size < (off_t) RELSEG_SIZE * BLCKSZ)
				break;
		}
		pfree(path);
	}

	if (with_toast && OidIsValid(toastrelid))
	{
		TupleDesc	desc;
		ListCell   *lc;

		total += idxadv_relation_bytes(toastrelid, false, false);
		foreach(lc, idxadv_table_indexes(NULL, toastrelid, &desc))
			total += idxadv_relation_bytes(((Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc)))->indexrelid,
										   false, false);
	}
	return total;
}

/*
 * idxadv_heap_blocks
 *		Blocks in the main fork of a relation, counted from its files: what
 *		idxadvisor_suggest() needs to know of a table never vacuumed nor
 *		analyzed (pg_class knows nothing of it yet) to tell whether it is
 *		big enough to matter, without building its relcache entry.
 */
BlockNumber
idxadv_heap_blocks(Oid relid)
{
	return (BlockNumber) (idxadv_relation_bytes(relid, false, true) / BLCKSZ);
}

/*
 * idxadv_sum_leaves
 *		A number of the relation, summed over its leaf partitions when it is a
 *		partitioned table or index (which have no storage or statistics of
 *		their own): fn's result, or, when fn is NULL, its size
 *		(idxadv_relation_bytes, with_toast passed on).
 */
int64
idxadv_sum_leaves(PGFunction fn, Oid relid, char relkind, bool with_toast)
{
	List	   *rels;
	ListCell   *lc;
	int64		sum = 0;

	if (relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_PARTITIONED_INDEX)
		rels = find_all_inheritors(relid, NoLock, NULL);
	else
		rels = list_make1_oid(relid);
	foreach(lc, rels)
	{
		Oid			rel = lfirst_oid(lc);
		char		kind = get_rel_relkind(rel);

		if (kind == RELKIND_PARTITIONED_TABLE ||
			kind == RELKIND_PARTITIONED_INDEX || kind == '\0')
			continue;
		sum += fn ? idxadv_call_int8(fn, rel) :
			idxadv_relation_bytes(rel, with_toast, false);
	}
	return sum;
}

/*
 * idxadv_index_last_scan
 *		When the index, or the latest of its leaf partitions' indexes, was
 *		last scanned (pg_stat_get_lastscan(), from 16); 0 for none.  *known
 *		says whether this server version keeps the time at all.
 */
TimestampTz
idxadv_index_last_scan(Oid indexrelid, bool *known)
{
	PGFunction	fn = IDXADV_LASTSCAN_FN;
	char		relkind = get_rel_relkind(indexrelid);
	List	   *rels;
	ListCell   *lc;
	TimestampTz last = 0;

	*known = (fn != NULL);
	if (fn == NULL || relkind == '\0')
		return 0;
	if (relkind == RELKIND_PARTITIONED_INDEX)
		rels = find_all_inheritors(indexrelid, NoLock, NULL);
	else
		rels = list_make1_oid(indexrelid);
	foreach(lc, rels)
	{
		LOCAL_FCINFO(fcinfo, 1);
		Datum		result;
		TimestampTz ts;

		InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = ObjectIdGetDatum(lfirst_oid(lc));
		fcinfo->args[0].isnull = false;
		result = (*fn) (fcinfo);
		if (fcinfo->isnull)
			continue;
		ts = DatumGetTimestampTz(result);
		if (ts > last)
			last = ts;
	}
	return last;
}

/* ----------------------------------------------------------------
 * Foreign keys that no index serves
 * ----------------------------------------------------------------
 */

/*
 * idxadv_fk_served
 *		Does an index of relid serve the lookup a foreign-key trigger runs on
 *		these columns with these operators (conpfeqop)?
 */
static bool
idxadv_fk_served(idxadvIndexMap *map, Oid relid, int ncols,
				 const AttrNumber *attnums, const Oid *eqops, bool period,
				 const List *except)
{
	idxadvIndexLookup lookup;
	int			i;

	memset(&lookup, 0, sizeof(lookup));
	lookup.relid = relid;
	lookup.period = period;
	lookup.neq = Min(ncols, INDEX_MAX_KEYS);
	for (i = 0; i < lookup.neq; i++)
	{
		lookup.cols[i].attnum = attnums[i];
		lookup.cols[i].kind = IDXADV_CMP_EQ;
		lookup.cols[i].op = eqops[i];
	}
	return OidIsValid(idxadv_find_serving_index_except(map, &lookup, except));
}

/*
 * idxadv_fk_leaves_served
 *		For a partitioned referencing table without a partitioned index that
 *		serves the foreign key: does every leaf partition have its own index
 *		that serves the lookup the trigger runs on it?  Columns are matched by
 *		name, since a partition's attribute numbers may differ.
 *		*some_served says whether at least one leaf has one.
 */
static bool
idxadv_fk_leaves_served(idxadvIndexMap *map, Oid relid, int ncols,
						const AttrNumber *attnums, const Oid *eqops,
						bool period, const List *except, bool *some_served)
{
	List	   *rels = find_all_inheritors(relid, NoLock, NULL);
	ListCell   *lc;
	int			nleaves = 0;
	int			nserved = 0;

	foreach(lc, rels)
	{
		Oid			child = lfirst_oid(lc);
		AttrNumber	childatts[INDEX_MAX_KEYS];
		char		kind = get_rel_relkind(child);
		int			i;

		if (kind != RELKIND_RELATION)
			continue;
		nleaves++;
		for (i = 0; i < ncols; i++)
		{
			char	   *attname = get_attname(relid, attnums[i], true);

			childatts[i] = attname ? get_attnum(child, attname) : InvalidAttrNumber;
			if (childatts[i] == InvalidAttrNumber)
				break;
		}
		if (i == ncols &&
			idxadv_fk_served(map, child, ncols, childatts, eqops, period,
							 except))
			nserved++;
	}
	*some_served = nserved > 0;
	return nleaves > 0 && nserved == nleaves;
}

/*
 * idxadv_fk_from_tuple
 *		A foreign key's facts from its pg_constraint tuple: the referencing
 *		table (of that relkind), the actions, and conkey and conpfeqop, the
 *		columns and the operators the trigger's lookup uses.
 */
static idxadvForeignKey *
idxadv_fk_from_tuple(HeapTuple tup, TupleDesc desc, char relkind)
{
	Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
	idxadvForeignKey *fk;
	Datum		d;
	bool		isnull;
	ArrayType  *arr;
	int			ncols;
	int			i;

	fk = palloc(sizeof(idxadvForeignKey));
	fk->conoid = con->oid;
	fk->conname = con->conname;
	fk->conrelid = con->conrelid;
	fk->relkind = relkind;
	fk->confrelid = con->confrelid;
	fk->confdeltype = con->confdeltype;
	fk->confupdtype = con->confupdtype;
	fk->period = idxadv_constraint_period(con);
	fk->some_leaves_served = false;

	/* conkey and conpfeqop: the FK's columns and the trigger's operators */
	d = heap_getattr(tup, Anum_pg_constraint_conkey, desc, &isnull);
	if (isnull)
		elog(ERROR, "null conkey for constraint %u", con->oid);
	arr = DatumGetArrayTypeP(d);
	ncols = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (ncols <= 0 || ncols > INDEX_MAX_KEYS || ARR_HASNULL(arr) ||
		ARR_ELEMTYPE(arr) != INT2OID)
		elog(ERROR, "conkey is not a 1-D smallint array");
	fk->ncols = ncols;
	for (i = 0; i < ncols; i++)
		fk->attnums[i] = ((int16 *) ARR_DATA_PTR(arr))[i];
	d = heap_getattr(tup, Anum_pg_constraint_conpfeqop, desc, &isnull);
	if (isnull)
		elog(ERROR, "null conpfeqop for constraint %u", con->oid);
	arr = DatumGetArrayTypeP(d);
	if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != ncols ||
		ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != OIDOID)
		elog(ERROR, "conpfeqop is not a 1-D oid array");
	for (i = 0; i < ncols; i++)
		fk->eqops[i] = ((Oid *) ARR_DATA_PTR(arr))[i];
	return fk;
}

/*
 * idxadv_unindexed_foreign_keys
 *		The top-level foreign keys whose referencing side has no index that
 *		serves the trigger's lookup, in pg_constraint order, as a List of
 *		idxadvForeignKey in the current memory context.  Shared by the report
 *		below and by idxadvisor_suggest(), which wants only the keys and the
 *		columns: the report's sizes and DDL are the report's business.
 *
 * Two passes, so that the cost stays flat on schemas with tens of thousands
 * of foreign keys: first pg_constraint is read (one sequential scan) and the
 * foreign keys of reported tables collected; then, when there are enough of
 * them that one pass over pg_index beats one index scan per key, pg_index is
 * read once into a map.  *map_out, when not NULL, receives that map (or NULL)
 * for the caller's own questions.
 */
List *
idxadv_unindexed_foreign_keys(idxadvIndexMap **map_out)
{
	idxadvReportFilter filter;
	idxadvIndexMap *map = NULL;
	List	   *fkeys = NIL;
	List	   *result = NIL;
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;
	MemoryContext fkcxt;
	MemoryContext oldcxt;
	ListCell   *lc;

	idxadv_filter_init(&filter);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		idxadvForeignKey *fk;
		HeapTuple	classtup;
		Form_pg_class classform;
		char		relkind;

		/* a NOT ENFORCED key (18) has no trigger to look the table up */
		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid) ||
			!idxadv_constraint_enforced(con))
			continue;

		classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(con->conrelid));
		if (!HeapTupleIsValid(classtup))
			continue;
		classform = (Form_pg_class) GETSTRUCT(classtup);
		relkind = classform->relkind;
		if (idxadv_filter_skip(&filter, con->conrelid, classform))
		{
			ReleaseSysCache(classtup);
			continue;
		}
		ReleaseSysCache(classtup);

		fk = idxadv_fk_from_tuple(tup, RelationGetDescr(conrel), relkind);

		fkeys = lappend(fkeys, fk);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	if (list_length(fkeys) >= IDXADV_INDEX_MAP_MIN_FKS)
		map = idxadv_index_map_create();

	/* predicates proved along the way are garbage once a key is judged */
	fkcxt = AllocSetContextCreate(CurrentMemoryContext,
								  "idxadvisor foreign key",
								  ALLOCSET_DEFAULT_SIZES);
	foreach(lc, fkeys)
	{
		idxadvForeignKey *fk = (idxadvForeignKey *) lfirst(lc);
		bool		served;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(fkcxt);
		served = idxadv_fk_served(map, fk->conrelid, fk->ncols, fk->attnums,
								  fk->eqops, fk->period, NIL) ||
			(fk->relkind == RELKIND_PARTITIONED_TABLE &&
			 idxadv_fk_leaves_served(map, fk->conrelid, fk->ncols,
									 fk->attnums, fk->eqops, fk->period, NIL,
									 &fk->some_leaves_served));
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(fkcxt);
		if (served)
			pfree(fk);
		else
			result = lappend(result, fk);
	}
	MemoryContextDelete(fkcxt);
	list_free(fkeys);

	if (map_out)
		*map_out = map;
	return result;
}

/*
 * idxadv_fk_parent_writes
 *		Deletes plus updates on the referenced table (all its leaves) since
 *		statistics were reset: the statements whose foreign-key triggers look
 *		up the referencing table.  Updates count whole, since the statistics
 *		do not say which of them changed the key: an upper bound.
 */
void
idxadv_fk_parent_writes(const idxadvForeignKey *fk, int64 *deletes,
						int64 *updates)
{
	char		relkind = get_rel_relkind(fk->confrelid);

	*deletes = idxadv_sum_leaves(pg_stat_get_tuples_deleted, fk->confrelid,
								 relkind, false);
	*updates = idxadv_sum_leaves(pg_stat_get_tuples_updated, fk->confrelid,
								 relkind, false);
}

/*
 * idxadv_fk_gist_problem
 *		Why the GiST index a temporal foreign key needs cannot be created as
 *		the report writes it (every column with its type's default GiST
 *		operator class), or NULL.  Scalar types get theirs from btree_gist.
 */
char *
idxadv_fk_gist_problem(const idxadvForeignKey *fk)
{
	int			i;

	if (!fk->period)
		return NULL;
	for (i = 0; i < fk->ncols; i++)
	{
		Oid			type = get_atttype(fk->conrelid, fk->attnums[i]);

		if (!OidIsValid(type) || OidIsValid(GetDefaultOpClass(type, GIST_AM_OID)))
			continue;
		if (!OidIsValid(get_extension_oid("btree_gist", true)))
			return psprintf("column %s is of type %s, which has no default GiST operator class: "
							"the btree_gist extension provides one for the common scalar types, and it is not installed in this database",
							quote_identifier(get_attname(fk->conrelid, fk->attnums[i], false)),
							format_type_be(type));
		return psprintf("column %s is of type %s, which has no default GiST operator class, not even from btree_gist",
						quote_identifier(get_attname(fk->conrelid, fk->attnums[i], false)),
						format_type_be(type));
	}
	return NULL;
}

/*
 * idxadv_temporal_fk_of
 *		See idxadvisor.h.  One index scan of pg_constraint by conrelid; a
 *		partition's clone of its parent's key counts, since the trigger
 *		looks up each partition.
 */
char *
idxadv_temporal_fk_of(Oid relid, int n, const AttrNumber *attnums)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	char	   *result = NULL;

	if (n <= 0 || n >= INDEX_MAX_KEYS)
		return NULL;
	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (result == NULL && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		idxadvForeignKey *fk;
		int			i,
					j;

		if (con->contype != CONSTRAINT_FOREIGN ||
			!idxadv_constraint_enforced(con) ||
			!idxadv_constraint_period(con))
			continue;
		fk = idxadv_fk_from_tuple(tup, RelationGetDescr(conrel),
								  get_rel_relkind(relid));
		if (fk->ncols - 1 != n)
			continue;
		for (i = 0; i < n; i++)
		{
			for (j = 0; j < n; j++)
				if (fk->attnums[j] == attnums[i])
					break;
			if (j == n)
				break;
		}
		if (i == n)
			result = pstrdup(NameStr(fk->conname));
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/*
 * idxadv_fks_served_only_by
 *		The foreign keys (constraint OIDs) of an index's table whose trigger
 *		lookup some index serves now and none would once the index is dropped
 *		together with the indexes in also_dropped (NIL, or the other indexes
 *		a report proposes to drop).  A partitioned index takes the partition
 *		indexes attached to it along.  Every foreign key whose lookup runs on
 *		the table counts, a partition's clone of its parent's too, since the
 *		lookup runs per partition.  By the one rule (idxadv_find_serving_index);
 *		locks nothing, runs no code of the table's.
 */
List *
idxadv_fks_served_only_by(idxadvIndexMap *map, Oid indexoid,
						  const List *also_dropped)
{
	Oid			relid = IndexGetRelation(indexoid, true);
	char		relkind;
	List	   *except;
	List	   *result = NIL;
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;

	if (!OidIsValid(relid))
		return NIL;
	relkind = get_rel_relkind(relid);
	if (get_rel_relkind(indexoid) == RELKIND_PARTITIONED_INDEX)
		except = find_all_inheritors(indexoid, NoLock, NULL);
	else
		except = list_make1_oid(indexoid);
	except = list_concat_copy(except, also_dropped);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		idxadvForeignKey *fk;
		bool		some;

		if (con->contype != CONSTRAINT_FOREIGN ||
			!idxadv_constraint_enforced(con))
			continue;
		fk = idxadv_fk_from_tuple(tup, RelationGetDescr(conrel), relkind);
		if (!(idxadv_fk_served(map, relid, fk->ncols, fk->attnums,
							   fk->eqops, fk->period, NIL) ||
			  (relkind == RELKIND_PARTITIONED_TABLE &&
			   idxadv_fk_leaves_served(map, relid, fk->ncols, fk->attnums,
									   fk->eqops, fk->period, NIL, &some))))
			continue;			/* not served now: the drop changes nothing */
		if (idxadv_fk_served(map, relid, fk->ncols, fk->attnums,
							 fk->eqops, fk->period, except) ||
			(relkind == RELKIND_PARTITIONED_TABLE &&
			 idxadv_fk_leaves_served(map, relid, fk->ncols, fk->attnums,
									 fk->eqops, fk->period, except, &some)))
			continue;
		result = lappend_oid(result, fk->conoid);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return result;
}

/* ----------------------------------------------------------------
 * The DDL that creates a suggested index
 * ----------------------------------------------------------------
 */

/*
 * idxadv_create_index_script
 *		The DDL that creates an index of this shape on relid, written by
 *		idxadvisor_ddl.c and named by its chooser, the same text for every
 *		function that suggests the index (the foreign-key report,
 *		idxadvisor_suggest()); NULL when the table or a column is gone.
 *
 * A plain table gets one "CREATE INDEX CONCURRENTLY name ON ...;".
 * PostgreSQL cannot build an index on a partitioned table concurrently, and
 * a plain CREATE INDEX there blocks writes to every partition for the whole
 * build; idxadvisor_create_concurrently() can (a queued job that builds each
 * partition's index concurrently, then attaches them), so a partitioned
 * table gets one "SELECT schema.idxadvisor_create_concurrently('CREATE INDEX
 * name ON ...');": one statement too, that runs anywhere, also in a
 * transaction.
 *
 * *used (NULL at first; made in the current memory context) carries the
 * names handed out by one call of the caller: a name given to another definition is not
 * given again, and the same definition gets the same name.
 */
char *
idxadv_create_index_script(Oid relid, const idxadvIndexShape *shape,
						   idxadvUsedNames **used)
{
	idxadvIndexDef def;

	if (get_rel_relkind(relid) == '\0' ||
		!idxadv_shape_def(relid, shape, false, &def))
		return NULL;			/* dropped meanwhile */
	return idxadv_create_index_script_def(&def, used);
}

/*
 * idxadv_create_index_script_def
 *		The same for a definition the caller filled in (expression, operator
 *		class, access method: issue 11's shapes).
 */
char *
idxadv_create_index_script_def(const idxadvIndexDef *def,
							   idxadvUsedNames **used)
{
	StringInfoData buf;
	char		relkind = get_rel_relkind(def->relid);
	char	   *name;

	if (relkind == '\0')
		return NULL;			/* dropped meanwhile */

	initStringInfo(&buf);
	name = idxadv_script_name(def, used);
	if (relkind != RELKIND_PARTITIONED_TABLE)
		appendStringInfo(&buf, "%s;",
						 idxadv_index_ddl(def, name,
										  IDXADV_DDL_CONCURRENTLY));
	else
	{
		idxadvExtInfo ext;
		char	   *nspname = NULL;

		if (idxadv_get_extension(&ext))
			nspname = get_namespace_name(ext.schema);
		if (nspname == NULL)
			return NULL;		/* the extension was dropped meanwhile */
		appendStringInfo(&buf, "SELECT %s.idxadvisor_create_concurrently(%s);",
						 quote_identifier(nspname),
						 quote_literal_cstr(idxadv_index_ddl(def, name, 0)));
	}
	return buf.data;
}

/*
 * idxadv_shape_def
 *		The definition of an index of this shape on relid (columns found by
 *		name: partitions may number them differently); ON ONLY when only.
 *		False when a column is gone.
 */
static bool
idxadv_shape_def(Oid relid, const idxadvIndexShape *shape, bool only,
				 idxadvIndexDef *def)
{
	int			i;

	if (get_rel_name(relid) == NULL || shape->ncols <= 0 ||
		shape->ncols > INDEX_MAX_KEYS)
		return false;
	idxadv_index_def_init(def, relid);
	def->only = only;
	if (OidIsValid(shape->amoid))
		def->amoid = shape->amoid;
	for (i = 0; i < shape->ncols; i++)
	{
		AttrNumber	att = get_attnum(relid, shape->colnames[i]);

		if (att == InvalidAttrNumber)
			return false;
		idxadv_index_def_add_column(def, att);
		def->cols[i].indoption = shape->indoption[i];
	}
	if (shape->ncols + shape->ninclude > INDEX_MAX_KEYS)
		return false;
	for (i = 0; i < shape->ninclude; i++)
	{
		AttrNumber	att = get_attnum(relid, shape->include[i]);

		if (att == InvalidAttrNumber)
			return false;
		/* an INCLUDE column: no operator class, collation or options */
		def->cols[def->ncols++].attnum = att;
	}
	if (shape->predcol != NULL)
	{
		AttrNumber	att = get_attnum(relid, shape->predcol);
		Oid			type;
		int32		typmod;
		Oid			coll;

		if (att == InvalidAttrNumber)
			return false;
		get_atttypetypmodcoll(relid, att, &type, &typmod, &coll);
		def->predicate = (Node *) idxadv_flag_clause(makeVar(1, att, type,
															 typmod, coll, 0),
													 shape->predkind);
	}
	return true;
}

/*
 * idxadv_used_names_create
 *		An empty set of names handed out, in the current memory context (a
 *		caller that names indexes in short-lived contexts makes it first)
 */
idxadvUsedNames *
idxadv_used_names_create(void)
{
	idxadvUsedNames *used = palloc(sizeof(idxadvUsedNames));
	HASHCTL		ctl;

	used->cxt = CurrentMemoryContext;
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(idxadvUsedName);
	ctl.hcxt = CurrentMemoryContext;
	used->names = hash_create("idxadvisor index names", 256, &ctl,
							  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return used;
}

/*
 * idxadv_script_name
 *		The name idxadvisor_ddl.c chooses for def, among the names that *used
 *		does not give to another definition; remembered in *used.
 */
static char *
idxadv_script_name(const idxadvIndexDef *def, idxadvUsedNames **used)
{
	idxadvUsedName *entry;
	idxadvNameCheck check;
	Oid			existing;
	char	   *name;
	bool		found;

	if (*used == NULL)
		*used = idxadv_used_names_create();
	check.used = *used;
	check.key = idxadv_index_ddl(def, NULL, 0);
	name = idxadv_ddl_choose_name(def, idxadv_script_name_check,
								  (void *) &check, &existing);
	/* makeObjectName() keeps names shorter than NAMEDATALEN */
	entry = hash_search((*used)->names, name, HASH_ENTER, &found);
	if (!found)
		entry->key = MemoryContextStrdup((*used)->cxt, check.key);
	return name;
}

/*
 * idxadv_script_name_check
 *		The name chooser's question for idxadv_script_name(): a name this
 *		call gave out is ours for the same definition, taken for another;
 *		otherwise an existing relation of that name is ours when it is an
 *		index with the same definition (a re-run after a failed build must
 *		not make an "_idx1" sibling), else taken.
 */
static idxadvNameUse
idxadv_script_name_check(const char *name, Oid existing, bool same, void *arg)
{
	idxadvNameCheck *check = (idxadvNameCheck *) arg;
	idxadvUsedName *u = hash_search(check->used->names, name, HASH_FIND,
									NULL);

	if (u != NULL)
		return strcmp(u->key, check->key) == 0 ?
			IDXADV_NAME_OURS : IDXADV_NAME_TAKEN;
	if (!OidIsValid(existing))
		return IDXADV_NAME_FREE;
	return same ? IDXADV_NAME_OURS : IDXADV_NAME_TAKEN;
}

/* ----------------------------------------------------------------
 * Running a table's own code as its owner
 * ----------------------------------------------------------------
 */

/*
 * idxadv_switch_to_owner
 *		Become a relation's owner, inside a security-restricted operation,
 *		until idxadv_switch_back(): the way ANALYZE and CREATE INDEX run the
 *		code a table carries (index expressions and predicates, partition key
 *		expressions, constraints), so that a table owner's function never
 *		runs with the caller's privileges.  The GUC nest level undoes any SET
 *		that code makes.  An error in between needs no cleanup: aborting the
 *		(sub)transaction restores the user and the settings.
 */
void
idxadv_switch_to_owner(Oid owner, idxadvUserSwitch *sw)
{
	GetUserIdAndSecContext(&sw->save_userid, &sw->save_sec);
	SetUserIdAndSecContext(owner, sw->save_sec |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	sw->nestlevel = NewGUCNestLevel();
}

/*
 * idxadv_switch_back
 *		Undo idxadv_switch_to_owner().
 */
void
idxadv_switch_back(idxadvUserSwitch *sw)
{
	AtEOXact_GUC(false, sw->nestlevel);
	SetUserIdAndSecContext(sw->save_userid, sw->save_sec);
}

/*-------------------------------------------------------------------------
 *
 * idxadvisor_catalog.c
 *		Catalog helpers shared by the reports and the suggestions: does an
 *		existing index serve an equality lookup, such as the one a foreign-key
 *		trigger runs on the referencing table?
 *
 * Everything here reads the catalogs through pg_index scans and the system
 * caches; no index relation is opened and no lock is taken on the tables, so
 * that the callers can afford one call per foreign key of a database with
 * tens of thousands of tables.  A caller with that many questions reads
 * pg_index once into an idxadvIndexMap first.  A relation dropped
 * concurrently simply stops matching.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "idxadvisor.h"

/*
 * The equality lookup idxadv_find_serving_index() asks about.  The columns'
 * types, collations and operators are looked up only once some index has
 * the right key columns: most tables asked about have none, and on a cold
 * cache each pg_attribute lookup is an index scan.
 */
typedef struct idxadvLookup
{
	Oid			relid;
	int			ncols;
	const AttrNumber *attnums;
	const Oid  *eqops;			/* the caller's, or NULL: default equality */
	bool		prepared;		/* are the arrays below filled? */
	Oid			ops[INDEX_MAX_KEYS];
	Oid			collations[INDEX_MAX_KEYS];
	Oid			atttypes[INDEX_MAX_KEYS];
	int32		atttypmods[INDEX_MAX_KEYS];
	List	   *clauses;		/* "$i = col", built for the first partial
								 * index that matches */
} idxadvLookup;

static bool idxadv_lookup_columns(idxadvLookup *lookup);
static bool idxadv_index_serves(HeapTuple indtup, TupleDesc inddesc,
								idxadvLookup *lookup);
static Node *idxadv_index_node(HeapTuple indtup, TupleDesc inddesc,
							   AttrNumber attnum);
static List *idxadv_equality_clauses(int ncols, const AttrNumber *attnums,
									 const Oid *eqops, const Oid *atttypes,
									 const int32 *atttypmods,
									 const Oid *collations);

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
 * idxadv_find_serving_index
 *		Find a valid, ready index of relid that serves an equality lookup on
 *		the given columns (see idxadvisor.h and DESIGN.md section 3).
 *
 * The table's pg_index tuples come from idxadv_table_indexes().  Per
 * candidate index only system-cache lookups follow; a
 * predicate is deparsed and proved only for an index whose columns, operator
 * families and collations already match.
 */
Oid
idxadv_find_serving_index(idxadvIndexMap *map, Oid relid, int ncols,
						  const AttrNumber *attnums, const Oid *eqops)
{
	idxadvLookup lookup;
	TupleDesc	desc;
	ListCell   *lc;

	if (ncols <= 0 || ncols > INDEX_MAX_KEYS || attnums == NULL)
		return InvalidOid;

	lookup.relid = relid;
	lookup.ncols = ncols;
	lookup.attnums = attnums;
	lookup.eqops = eqops;
	lookup.prepared = false;
	lookup.clauses = NIL;

	foreach(lc, idxadv_table_indexes(map, relid, &desc))
	{
		HeapTuple	tup = (HeapTuple) lfirst(lc);

		if (idxadv_index_serves(tup, desc, &lookup))
			return ((Form_pg_index) GETSTRUCT(tup))->indexrelid;
	}
	return InvalidOid;
}

/*
 * idxadv_lookup_columns
 *		Fill in the columns' types, typmods and collations, and the equality
 *		operators.  False when a column is gone (dropped meanwhile) or its
 *		type has no default equality operator: then nothing serves.
 */
static bool
idxadv_lookup_columns(idxadvLookup *lookup)
{
	int			i;

	for (i = 0; i < lookup->ncols; i++)
	{
		HeapTuple	atttup;
		Form_pg_attribute att;

		atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(lookup->relid),
								 Int16GetDatum(lookup->attnums[i]));
		if (!HeapTupleIsValid(atttup))
			return false;
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		if (att->attisdropped)
		{
			ReleaseSysCache(atttup);
			return false;
		}
		lookup->atttypes[i] = att->atttypid;
		lookup->atttypmods[i] = att->atttypmod;
		lookup->collations[i] = att->attcollation;
		ReleaseSysCache(atttup);

		if (lookup->eqops != NULL)
			lookup->ops[i] = lookup->eqops[i];
		else
		{
			TypeCacheEntry *tce = lookup_type_cache(lookup->atttypes[i],
													TYPECACHE_EQ_OPR);

			lookup->ops[i] = tce->eq_opr;
		}
		if (!OidIsValid(lookup->ops[i]))
			return false;
	}
	lookup->prepared = true;
	return true;
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

/*
 * idxadv_index_serves
 *		Does the index of this pg_index tuple serve the equality lookup?
 *
 * The key columns are compared first, from the tuple alone; the catalog
 * lookups follow only for an index that passes.
 */
static bool
idxadv_index_serves(HeapTuple indtup, TupleDesc inddesc, idxadvLookup *lookup)
{
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(indtup);
	int			ncols = lookup->ncols;
	int			perm[INDEX_MAX_KEYS];
	bool		used[INDEX_MAX_KEYS];
	HeapTuple	classtup;
	Oid			amoid;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	List	   *pred;
	int			i,
				j;

	if (!idx->indisvalid || !idx->indisready || !idx->indislive)
		return false;
	if (idx->indnkeyatts < ncols)
		return false;

	/* The first ncols key columns are exactly these columns, any order */
	memset(used, 0, sizeof(used));
	for (j = 0; j < ncols; j++)
	{
		AttrNumber	k = idx->indkey.values[j];

		if (k == 0)
			return false;		/* an expression never matches */
		for (i = 0; i < ncols; i++)
			if (!used[i] && lookup->attnums[i] == k)
				break;
		if (i == ncols)
			return false;
		used[i] = true;
		perm[j] = i;
	}

	/* btree, or hash for a single column */
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(classtup))
		return false;
	amoid = ((Form_pg_class) GETSTRUCT(classtup))->relam;
	ReleaseSysCache(classtup);
	if (!(amoid == BTREE_AM_OID || (amoid == HASH_AM_OID && ncols == 1)))
		return false;

	if (!lookup->prepared && !idxadv_lookup_columns(lookup))
		return false;

	/* operator families contain the equality operators; collations match */
	d = heap_getattr(indtup, Anum_pg_index_indclass, inddesc, &isnull);
	Assert(!isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(indtup, Anum_pg_index_indcollation, inddesc, &isnull);
	Assert(!isnull);
	indcoll = (oidvector *) DatumGetPointer(d);
	for (j = 0; j < ncols; j++)
	{
		i = perm[j];
		if (indcoll->values[j] != lookup->collations[i])
			return false;
		if (!op_in_opfamily(lookup->ops[i],
							get_opclass_family(indclass->values[j])))
			return false;
	}

	/*
	 * A partial index serves only if the equalities imply its predicate.
	 * predicate_implied_by() evaluates nothing of the predicate's own: the
	 * only code it may run is a btree comparison operator that it looks up
	 * in an operator family to compare two constants (predtest.c,
	 * operator_predicate_proof), and only a superuser can create an
	 * operator family or add an operator to one.
	 */
	if (heap_attisnull(indtup, Anum_pg_index_indpred, inddesc))
		return true;
	pred = idxadv_index_predicate(indtup, inddesc);
	if (lookup->clauses == NIL)
		lookup->clauses = idxadv_equality_clauses(ncols, lookup->attnums,
												  lookup->ops,
												  lookup->atttypes,
												  lookup->atttypmods,
												  lookup->collations);
	return predicate_implied_by(pred, lookup->clauses, false);
}

/*
 * idxadv_equality_clauses
 *		"$i = col" for each column, as the foreign-key trigger writes its
 *		lookup: a parameter of the operator's left input type compared with a
 *		Var of relation 1, the varno index predicates use.
 */
static List *
idxadv_equality_clauses(int ncols, const AttrNumber *attnums,
						const Oid *eqops, const Oid *atttypes,
						const int32 *atttypmods, const Oid *collations)
{
	List	   *result = NIL;
	int			i;

	for (i = 0; i < ncols; i++)
	{
		Oid			lefttype;
		Oid			righttype;
		Param	   *param;
		Var		   *var;
		Expr	   *clause;

		op_input_types(eqops[i], &lefttype, &righttype);
		param = makeNode(Param);
		param->paramkind = PARAM_EXTERN;
		param->paramid = i + 1;
		param->paramtype = lefttype;
		param->paramtypmod = -1;
		param->paramcollid = get_typcollation(lefttype);
		param->location = -1;
		var = makeVar(1, attnums[i], atttypes[i], atttypmods[i],
					  collations[i], 0);
		clause = make_opclause(eqops[i], BOOLOID, false, (Expr *) param,
							   (Expr *) var, InvalidOid, collations[i]);
		result = lappend(result, clause);
	}
	fix_opfuncids((Node *) result);
	return result;
}

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

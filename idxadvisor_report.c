/*-------------------------------------------------------------------------
 *
 * idxadvisor_report.c
 *		Catalog reports: duplicate, redundant and invalid indexes, unindexed
 *		foreign keys.  They read only the catalogs and statistics views, so they
 *		work without shared_preload_libraries.
 *
 * idxadvisor_unindexed_foreign_keys() scans pg_constraint once and asks
 * idxadv_find_serving_index() (idxadvisor_catalog.c) about each top-level
 * foreign key (conparentid = 0): a foreign key on a partitioned table is
 * reported once, on the parent, and counts as indexed when the partitioned
 * index serves it or, failing that, when every leaf partition has an index
 * that serves the lookup the trigger runs on it.
 *
 * idxadvisor_duplicates() scans pg_index once, groups the indexes by table
 * and compares every pair of valid indexes of a table on catalog data only:
 * key columns, expressions per key position (equal()), operator classes,
 * collations, indoption, INCLUDE columns, predicates (predicate_implied_by,
 * both ways for duplicates), uniqueness.  Which member of a pair stays
 * follows DESIGN.md section 5; the comments at idxadv_rank_cmp() and
 * idxadv_covers() say how.
 *
 * Neither report runs any code of the tables it reads about: index
 * expressions and predicates are compared as stored, never constant-folded
 * (idxadvisor_catalog.c, idxadv_index_node), because folding would run the
 * table owner's "IMMUTABLE" functions with the caller's privileges, and a
 * superuser is the usual caller.
 *
 * Neither report opens or locks the tables and indexes it reads about: sizes
 * come from stat() of the relation files (idxadv_relation_bytes), catalog
 * data from scans of pg_constraint and pg_index and the system caches.  So a
 * report never waits behind a migration's ACCESS EXCLUSIVE lock, and a
 * relation dropped meanwhile just drops out.  Every role may call them: they
 * show what the catalogs already show to everyone.  System catalogs, TOAST
 * tables, other sessions' temporary tables and the extension's own objects
 * are left out.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_tablespace.h"
#include "common/relpath.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "commands/progress.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "idxadvisor.h"

/*---- Macros ----*/

#define IDXADV_FK_COLS			11	/* columns of idxadvisor_unindexed_foreign_keys */
#define IDXADV_DUP_COLS			8	/* columns of idxadvisor_duplicates */

/*
 * From this many foreign keys on, the foreign-key report reads pg_index once
 * into a map instead of one index scan per key.  Below it the map would cost
 * more than it saves on a database with many indexes and few foreign keys.
 */
#define IDXADV_INDEX_MAP_MIN_FKS	64

/* indoption bits that a backward scan inverts */
#define IDXADV_INDOPTION_ORDER	(INDOPTION_DESC | INDOPTION_NULLS_FIRST)

/*---- Typedefs ----*/

/* Which relations the reports leave out */
typedef struct idxadvReportFilter
{
	Oid			infoschema;		/* information_schema, or InvalidOid */
	HTAB	   *extmembers;		/* relations that belong to idxadvisor */
} idxadvReportFilter;

/* Why an index must stay: the constraint-related facts of one index */
typedef struct idxadvIndexCon
{
	Oid			indexrelid;		/* hash key */
	char		contype;		/* 'p', 'u', 'x' of the constraint it backs */
	Oid			conoid;			/* that constraint, or InvalidOid */
	List	   *fkeys;			/* OIDs of foreign keys depending on it */
} idxadvIndexCon;

/* One index of the table being compared */
typedef struct idxadvIndex
{
	Oid			indexrelid;
	Oid			amoid;
	char		relkind;		/* RELKIND_INDEX or RELKIND_PARTITIONED_INDEX */
	bool		attached;		/* attached to an index of a partitioned parent */
	char	   *name;			/* unquoted index name */
	int			nkeys;
	int			natts;
	AttrNumber	attnums[INDEX_MAX_KEYS];
	Oid			opclass[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
	int16		option[INDEX_MAX_KEYS];
	Node	   *keyexpr[INDEX_MAX_KEYS];	/* expression of a zero in attnums */
	List	   *pred;			/* implicitly-ANDed predicate; NIL if none */
	bool		unique;
	bool		nulls_not_distinct;
	bool		immediate;		/* uniqueness checked at once, not deferred */
	bool		primary;
	bool		exclusion;
	bool		valid;			/* indisvalid && indisready && indislive */
	bool		live;
	bool		ready;
	bool		clustered;
	bool		replident;
	idxadvIndexCon *con;		/* NULL when no constraint involves it */
	/* outcome */
	bool		removed;
} idxadvIndex;

/* What the partitioned-table index script needs at every level */
typedef struct idxadvIndexScript
{
	int			ncols;
	char	   *names[INDEX_MAX_KEYS];	/* column names, unquoted */
	const char *collist;		/* quoted, comma-separated */
	const char *colnames;		/* for index names: a_b */
	List	   *used;			/* index names the script already uses */
} idxadvIndexScript;

/* A pg_index tuple copied out of the scan, for sorting by table */
typedef struct idxadvIndexTuple
{
	Oid			indrelid;
	Oid			indexrelid;
	HeapTuple	tuple;
} idxadvIndexTuple;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_unindexed_foreign_keys);
PG_FUNCTION_INFO_V1(idxadvisor_duplicates);

static HTAB *idxadv_oid_hash(const char *name, Size entrysize, long nelem);
static void idxadv_filter_init(idxadvReportFilter *filter);
static bool idxadv_filter_skip(idxadvReportFilter *filter, Oid relid,
							   Form_pg_class classform);
static char *idxadv_qualified_name(Oid relid);
static int64 idxadv_call_int8(PGFunction fn, Oid relid);
static int64 idxadv_relation_bytes(Oid relid, bool with_toast,
								   bool main_only);
static int64 idxadv_sum_leaves(PGFunction fn, Oid relid, char relkind,
							   bool with_toast);
static const char *idxadv_fk_action_name(char action);
static bool idxadv_fk_leaves_served(idxadvIndexMap *map, Oid relid, int ncols,
									const AttrNumber *attnums,
									const Oid *eqops, bool *some_served);
static bool idxadv_fk_partly_covered(idxadvIndexMap *map, Oid relid, int ncols,
									 const AttrNumber *attnums);
static char *idxadv_fk_suggested_ddl(Oid relid, char relkind, int ncols,
									 const AttrNumber *attnums);
static Oid	idxadv_attachable_index(Oid leaf, idxadvIndexScript *script);
static void idxadv_partitioned_index_script(StringInfo buf, Oid relid,
											const char *parentindex,
											idxadvIndexScript *script);
static char *idxadv_choose_index_name(Oid relid, const char *colnames,
									  List **used);
static HTAB *idxadv_index_constraints(void);
static HTAB *idxadv_busy_tables(void);
static int	idxadv_index_tuple_cmp(const void *a, const void *b);
static bool idxadv_load_index(idxadvIndex *ix, HeapTuple tup, TupleDesc desc,
							  HTAB *cons);
static int	idxadv_covers(const idxadvIndex *x, const idxadvIndex *y);
static int	idxadv_rank_cmp(const idxadvIndex *a, const idxadvIndex *b);
static bool idxadv_must_stay(const idxadvIndex *x);
static const char *idxadv_keep_reason(const idxadvIndex *y,
									  const idxadvIndex *x, bool mutual);
static void idxadv_report_table(Tuplestorestate *tupstore, TupleDesc tupdesc,
								Oid relid, idxadvIndex *ix, int nix);
static char *idxadv_drop_ddl(Oid relid, idxadvIndex *x, idxadvIndex *y,
							 StringInfo caveats);
static void idxadv_report_invalid(Tuplestorestate *tupstore,
								  TupleDesc tupdesc, Oid relid,
								  idxadvIndex *x);
static void idxadv_put_dup_row(Tuplestorestate *tupstore, TupleDesc tupdesc,
							   Oid relid, idxadvIndex *x, const char *kind,
							   idxadvIndex *y, const char *reason,
							   const char *ddl);

/*
 * idxadv_oid_hash
 *		A hash table keyed by an OID (the first member of the entry), in the
 *		current memory context, so it goes with the report's query.
 */
static HTAB *
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
static void
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
static bool
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
 * idxadv_qualified_name
 *		Schema-qualified, quoted name of a relation, for DDL.
 */
static char *
idxadv_qualified_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	/* nothing is locked: the relation may be dropped while a report runs */
	if (relname == NULL || nspname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation %u was dropped while the report ran", relid),
				 errhint("Run the report again.")));
	return quote_qualified_identifier(nspname, relname);
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
static int64
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
static int64
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

/* The SQL words of a pg_constraint confdeltype / confupdtype */
static const char *
idxadv_fk_action_name(char action)
{
	switch (action)
	{
		case FKCONSTR_ACTION_NOACTION:
			return "NO ACTION";
		case FKCONSTR_ACTION_RESTRICT:
			return "RESTRICT";
		case FKCONSTR_ACTION_CASCADE:
			return "CASCADE";
		case FKCONSTR_ACTION_SETNULL:
			return "SET NULL";
		case FKCONSTR_ACTION_SETDEFAULT:
			return "SET DEFAULT";
	}
	return "unknown";
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
						bool *some_served)
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
			OidIsValid(idxadv_find_serving_index(map, child, ncols, childatts,
												 eqops)))
			nserved++;
	}
	*some_served = nserved > 0;
	return nleaves > 0 && nserved == nleaves;
}

/*
 * idxadv_fk_partly_covered
 *		Does some valid index of relid have at least one of the columns in any
 *		position (key or INCLUDE)?  That is the "partial" coverage: an index
 *		that helps the lookup a little, or not in the way the trigger needs.
 */
static bool
idxadv_fk_partly_covered(idxadvIndexMap *map, Oid relid, int ncols,
						 const AttrNumber *attnums)
{
	TupleDesc	desc;
	ListCell   *lc;

	foreach(lc, idxadv_table_indexes(map, relid, &desc))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc));
		int			i,
					j;

		if (!idx->indisvalid || !idx->indisready || !idx->indislive)
			continue;
		for (j = 0; j < idx->indnatts; j++)
			for (i = 0; i < ncols; i++)
				if (idx->indkey.values[j] == attnums[i])
					return true;
	}
	return false;
}

/*
 * idxadv_choose_index_name
 *		A name for a new index on relid that no relation of its schema has and
 *		that this script has not used yet, made the way PostgreSQL names an
 *		index (table_columns_idx, then idx1, idx2 ...).
 */
static char *
idxadv_choose_index_name(Oid relid, const char *colnames, List **used)
{
	Oid			nsp = get_rel_namespace(relid);
	char	   *relname = get_rel_name(relid);
	int			pass = 0;

	for (;;)
	{
		char		label[NAMEDATALEN];
		char	   *name;
		ListCell   *lc;
		bool		taken = false;

		if (pass == 0)
			strlcpy(label, "idx", sizeof(label));
		else
			snprintf(label, sizeof(label), "idx%d", pass);
		pass++;
		name = makeObjectName(relname, colnames, label);
		if (OidIsValid(get_relname_relid(name, nsp)))
			continue;
		foreach(lc, *used)
			if (strcmp((char *) lfirst(lc), name) == 0)
				taken = true;
		if (taken)
			continue;
		*used = lappend(*used, name);
		return name;
	}
}

/*
 * idxadv_attachable_index
 *		An existing index of the leaf partition that ATTACH PARTITION accepts
 *		for the parent's new index "ON ONLY parent (cols)": valid, plain btree
 *		on exactly these columns in this order, default operator classes, the
 *		columns' collations, no expression, predicate, INCLUDE column or
 *		ordering option, not unique, not already attached.  Attaching it
 *		saves building a second index that would duplicate it.
 */
static Oid
idxadv_attachable_index(Oid leaf, idxadvIndexScript *script)
{
	AttrNumber	atts[INDEX_MAX_KEYS];
	Oid			colls[INDEX_MAX_KEYS];
	Oid			families[INDEX_MAX_KEYS];
	Relation	pg_index;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Oid			result = InvalidOid;
	int			i;

	for (i = 0; i < script->ncols; i++)
	{
		Oid			typid;
		int32		typmod;
		Oid			opclass;

		atts[i] = get_attnum(leaf, script->names[i]);
		if (atts[i] == InvalidAttrNumber)
			return InvalidOid;
		get_atttypetypmodcoll(leaf, atts[i], &typid, &typmod, &colls[i]);
		opclass = GetDefaultOpClass(typid, BTREE_AM_OID);
		if (!OidIsValid(opclass))
			return InvalidOid;
		families[i] = get_opclass_family(opclass);
	}

	pg_index = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(leaf));
	scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true,
							  NULL, 1, &key);
	while (!OidIsValid(result) &&
		   HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		TupleDesc	desc = RelationGetDescr(pg_index);
		HeapTuple	classtup;
		Form_pg_class classform;
		bool		plain;
		bool		isnull;
		oidvector  *indclass;
		oidvector  *indcoll;
		int2vector *indoption;

		if (!idx->indisvalid || !idx->indisready || !idx->indislive ||
			idx->indisunique || idx->indisexclusion ||
			idx->indnatts != script->ncols ||
			idx->indnkeyatts != script->ncols ||
			!heap_attisnull(tup, Anum_pg_index_indexprs, desc) ||
			!heap_attisnull(tup, Anum_pg_index_indpred, desc))
			continue;
		classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
		if (!HeapTupleIsValid(classtup))
			continue;
		classform = (Form_pg_class) GETSTRUCT(classtup);
		plain = classform->relam == BTREE_AM_OID && !classform->relispartition;
		ReleaseSysCache(classtup);
		if (!plain)
			continue;
		indclass = (oidvector *) DatumGetPointer(heap_getattr(tup, Anum_pg_index_indclass,
															  desc, &isnull));
		indcoll = (oidvector *) DatumGetPointer(heap_getattr(tup, Anum_pg_index_indcollation,
															 desc, &isnull));
		indoption = (int2vector *) DatumGetPointer(heap_getattr(tup, Anum_pg_index_indoption,
																desc, &isnull));
		for (i = 0; i < script->ncols; i++)
			if (idx->indkey.values[i] != atts[i] ||
				indcoll->values[i] != colls[i] ||
				indoption->values[i] != 0 ||
				get_opclass_family(indclass->values[i]) != families[i])
				break;
		if (i == script->ncols)
			result = idx->indexrelid;
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return result;
}

/*
 * idxadv_partitioned_index_script
 *		Append, for every partition of relid, what gives it an index without
 *		blocking writes and attaches that to parentindex: a leaf that already
 *		has a fitting index (idxadv_attachable_index) just gets ALTER INDEX
 *		... ATTACH PARTITION; any other leaf CREATE INDEX CONCURRENTLY first;
 *		a sub-partitioned partition gets its own CREATE INDEX ON ONLY,
 *		attached, then the same for its partitions.  Foreign-table partitions
 *		cannot have indexes and are skipped.
 */
static void
idxadv_partitioned_index_script(StringInfo buf, Oid relid,
								const char *parentindex,
								idxadvIndexScript *script)
{
	List	   *children = find_inheritance_children(relid, NoLock);
	ListCell   *lc;

	foreach(lc, children)
	{
		Oid			child = lfirst_oid(lc);
		char		kind = get_rel_relkind(child);
		Oid			existing;
		char	   *name;
		char	   *qname;

		if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
			continue;
		if (kind == RELKIND_RELATION &&
			OidIsValid(existing = idxadv_attachable_index(child, script)))
		{
			appendStringInfo(buf, "ALTER INDEX %s ATTACH PARTITION %s;\n",
							 parentindex, idxadv_qualified_name(existing));
			continue;
		}
		name = idxadv_choose_index_name(child, script->colnames,
										&script->used);
		qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(child)),
										   name);
		appendStringInfo(buf, "CREATE INDEX %s%s ON %s%s (%s);\n",
						 kind == RELKIND_RELATION ? "CONCURRENTLY " : "",
						 quote_identifier(name),
						 kind == RELKIND_RELATION ? "" : "ONLY ",
						 idxadv_qualified_name(child), script->collist);
		appendStringInfo(buf, "ALTER INDEX %s ATTACH PARTITION %s;\n",
						 parentindex, qname);
		if (kind == RELKIND_PARTITIONED_TABLE)
			idxadv_partitioned_index_script(buf, child, qname, script);
	}
}

/*
 * idxadv_fk_suggested_ddl
 *		The DDL that indexes the foreign key's columns without blocking
 *		writes.  A plain table gets one CREATE INDEX CONCURRENTLY.  PostgreSQL
 *		15 cannot build an index on a partitioned table concurrently, and a
 *		plain CREATE INDEX on the parent blocks writes to every partition for
 *		the whole build; so a partitioned table gets the documented recipe:
 *		an index ON ONLY the parent (invalid, instant), one CREATE INDEX
 *		CONCURRENTLY per partition, each attached; the parent index becomes
 *		valid when the last partition is attached.  That is a script of
 *		several statements, to be run one statement at a time (psql does).
 *		NULL when the table or a column is gone (dropped meanwhile).
 */
static char *
idxadv_fk_suggested_ddl(Oid relid, char relkind, int ncols,
						const AttrNumber *attnums)
{
	StringInfoData buf;
	StringInfoData collist;
	StringInfoData colnames;
	idxadvIndexScript script;
	int			i;

	/* a table dropped meanwhile: NULL, for the caller to skip */
	if (get_rel_name(relid) == NULL ||
		get_namespace_name(get_rel_namespace(relid)) == NULL)
		return NULL;

	initStringInfo(&collist);
	initStringInfo(&colnames);
	for (i = 0; i < ncols; i++)
	{
		char	   *attname = get_attname(relid, attnums[i], true);

		if (attname == NULL)
			return NULL;
		script.names[i] = attname;
		appendStringInfo(&collist, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(attname));
		appendStringInfo(&colnames, "%s%s", i > 0 ? "_" : "", attname);
	}

	initStringInfo(&buf);
	if (relkind != RELKIND_PARTITIONED_TABLE)
		appendStringInfo(&buf, "CREATE INDEX CONCURRENTLY ON %s (%s);",
						 idxadv_qualified_name(relid), collist.data);
	else
	{
		char	   *name;
		char	   *qname;

		script.ncols = ncols;
		script.collist = collist.data;
		script.colnames = colnames.data;
		script.used = NIL;
		name = idxadv_choose_index_name(relid, colnames.data, &script.used);
		qname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										   name);
		appendStringInfo(&buf, "CREATE INDEX %s ON ONLY %s (%s);\n",
						 quote_identifier(name), idxadv_qualified_name(relid),
						 collist.data);
		idxadv_partitioned_index_script(&buf, relid, qname, &script);
		/* no trailing newline */
		if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
			buf.data[--buf.len] = '\0';
	}
	return buf.data;
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
		Datum		d;
		bool		isnull;
		ArrayType  *arr;
		int			ncols;
		int			i;

		if (con->contype != CONSTRAINT_FOREIGN || OidIsValid(con->conparentid))
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

		fk = palloc(sizeof(idxadvForeignKey));
		fk->conoid = con->oid;
		fk->conname = con->conname;
		fk->conrelid = con->conrelid;
		fk->relkind = relkind;
		fk->confrelid = con->confrelid;
		fk->confdeltype = con->confdeltype;
		fk->confupdtype = con->confupdtype;
		fk->some_leaves_served = false;

		/* conkey and conpfeqop: the FK's columns and the trigger's operators */
		d = heap_getattr(tup, Anum_pg_constraint_conkey,
						 RelationGetDescr(conrel), &isnull);
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
		d = heap_getattr(tup, Anum_pg_constraint_conpfeqop,
						 RelationGetDescr(conrel), &isnull);
		if (isnull)
			elog(ERROR, "null conpfeqop for constraint %u", con->oid);
		arr = DatumGetArrayTypeP(d);
		if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) != ncols ||
			ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != OIDOID)
			elog(ERROR, "conpfeqop is not a 1-D oid array");
		for (i = 0; i < ncols; i++)
			fk->eqops[i] = ((Oid *) ARR_DATA_PTR(arr))[i];

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
		served = OidIsValid(idxadv_find_serving_index(map, fk->conrelid,
													  fk->ncols, fk->attnums,
													  fk->eqops)) ||
			(fk->relkind == RELKIND_PARTITIONED_TABLE &&
			 idxadv_fk_leaves_served(map, fk->conrelid, fk->ncols,
									 fk->attnums, fk->eqops,
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
 * idxadvisor_unindexed_foreign_keys
 *		One row per foreign key whose referencing side has no index that
 *		serves the foreign-key trigger's lookup.
 */
Datum
idxadvisor_unindexed_foreign_keys(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvIndexMap *map;
	List	   *fkeys;
	ListCell   *lc;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_FK_COLS)
		elog(ERROR, "incorrect number of output arguments");

	fkeys = idxadv_unindexed_foreign_keys(&map);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "idxadvisor foreign key row",
								   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, fkeys)
	{
		idxadvForeignKey *fk = (idxadvForeignKey *) lfirst(lc);
		Datum		values[IDXADV_FK_COLS];
		bool		nulls[IDXADV_FK_COLS];
		Datum	   *colnames;
		char	   *ddl;
		bool		partly;
		int64		deletes;
		int64		updates;
		int			i;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);

		/*
		 * Nothing is locked: a table dropped since the list was made has no
		 * names left, and no row.
		 */
		ddl = idxadv_fk_suggested_ddl(fk->conrelid, fk->relkind, fk->ncols,
									  fk->attnums);
		colnames = palloc(sizeof(Datum) * fk->ncols);
		for (i = 0; ddl != NULL && i < fk->ncols; i++)
		{
			char	   *attname = get_attname(fk->conrelid, fk->attnums[i],
											  true);

			if (attname == NULL)
				ddl = NULL;
			else
				colnames[i] = CStringGetTextDatum(attname);
		}
		if (ddl == NULL)
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(rowcxt);
			continue;
		}

		partly = fk->some_leaves_served ||
			idxadv_fk_partly_covered(map, fk->conrelid, fk->ncols,
									 fk->attnums);
		idxadv_fk_parent_writes(fk, &deletes, &updates);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(fk->conrelid);
		values[1] = NameGetDatum(&fk->conname);
		values[2] = PointerGetDatum(construct_array(colnames, fk->ncols,
													TEXTOID, -1, false,
													TYPALIGN_INT));
		values[3] = ObjectIdGetDatum(fk->confrelid);
		values[4] = CStringGetTextDatum(partly ? "partial" : "none");
		values[5] = CStringGetTextDatum(idxadv_fk_action_name(fk->confdeltype));
		values[6] = CStringGetTextDatum(idxadv_fk_action_name(fk->confupdtype));
		values[7] = Int64GetDatum(idxadv_sum_leaves(NULL, fk->conrelid,
													fk->relkind, true));
		values[8] = Int64GetDatum(deletes);
		values[9] = Int64GetDatum(updates);
		values[10] = CStringGetTextDatum(ddl);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}

	return (Datum) 0;
}

/*
 * idxadv_index_constraints
 *		Map index OID -> the constraint facts that keep it: the PK, UNIQUE or
 *		EXCLUDE constraint it backs, and the foreign keys that depend on it
 *		(pg_constraint.conindid of a foreign key is the referenced side's
 *		unique index).  One scan of pg_constraint.
 */
static HTAB *
idxadv_index_constraints(void)
{
	HTAB	   *cons;
	Relation	conrel;
	SysScanDesc scan;
	HeapTuple	tup;

	cons = idxadv_oid_hash("idxadvisor index constraints",
						   sizeof(idxadvIndexCon), 1024);

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(conrel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);
		idxadvIndexCon *entry;
		bool		found;

		if (!OidIsValid(con->conindid))
			continue;
		if (con->contype != CONSTRAINT_PRIMARY &&
			con->contype != CONSTRAINT_UNIQUE &&
			con->contype != CONSTRAINT_EXCLUSION &&
			con->contype != CONSTRAINT_FOREIGN)
			continue;
		entry = hash_search(cons, &con->conindid, HASH_ENTER, &found);
		if (!found)
		{
			entry->contype = '\0';
			entry->conoid = InvalidOid;
			entry->fkeys = NIL;
		}
		if (con->contype == CONSTRAINT_FOREIGN)
		{
			/* the partition-level clones follow their parent constraint */
			if (!OidIsValid(con->conparentid))
				entry->fkeys = lappend_oid(entry->fkeys, con->oid);
		}
		else
		{
			entry->contype = con->contype;
			entry->conoid = con->oid;
		}
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
	return cons;
}

/*
 * idxadv_busy_tables
 *		Tables with a CREATE INDEX [CONCURRENTLY] or REINDEX running now, from
 *		the backends' progress reports: their not-yet-valid indexes are being
 *		built, not left over, so they are not reported.
 */
static HTAB *
idxadv_busy_tables(void)
{
	HTAB	   *busy;
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	busy = idxadv_oid_hash("idxadvisor busy tables", sizeof(Oid), 16);

	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_get_local_beentry_by_index(i);
		PgBackendStatus *be;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_databaseid != MyDatabaseId ||
			be->st_progress_command != PROGRESS_COMMAND_CREATE_INDEX)
			continue;
		(void) hash_search(busy, &be->st_progress_command_target,
						   HASH_ENTER, NULL);
	}
	return busy;
}

/* qsort comparator: by table, then by index OID */
static int
idxadv_index_tuple_cmp(const void *a, const void *b)
{
	const idxadvIndexTuple *ta = (const idxadvIndexTuple *) a;
	const idxadvIndexTuple *tb = (const idxadvIndexTuple *) b;

	if (ta->indrelid != tb->indrelid)
		return ta->indrelid < tb->indrelid ? -1 : 1;
	if (ta->indexrelid != tb->indexrelid)
		return ta->indexrelid < tb->indexrelid ? -1 : 1;
	return 0;
}

/*
 * idxadv_load_index
 *		Fill an idxadvIndex from its pg_index tuple and the system caches;
 *		false when the index was dropped since pg_index was read.
 */
static bool
idxadv_load_index(idxadvIndex *ix, HeapTuple tup, TupleDesc desc, HTAB *cons)
{
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
	HeapTuple	classtup;
	Form_pg_class classform;
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	int2vector *indoption;
	List	   *exprs;
	ListCell   *lc;
	int			i;

	memset(ix, 0, sizeof(*ix));
	ix->indexrelid = idx->indexrelid;
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(classtup))
		return false;			/* dropped since pg_index was read */
	classform = (Form_pg_class) GETSTRUCT(classtup);
	ix->amoid = classform->relam;
	ix->relkind = classform->relkind;
	ix->attached = classform->relispartition;
	ix->name = pstrdup(NameStr(classform->relname));
	ReleaseSysCache(classtup);

	ix->nkeys = idx->indnkeyatts;
	ix->natts = idx->indnatts;
	ix->unique = idx->indisunique;
	ix->nulls_not_distinct = idx->indnullsnotdistinct;
	ix->immediate = idx->indimmediate;
	ix->primary = idx->indisprimary;
	ix->exclusion = idx->indisexclusion;
	ix->live = idx->indislive;
	ix->ready = idx->indisready;
	ix->valid = idx->indisvalid && idx->indisready && idx->indislive;
	ix->clustered = idx->indisclustered;
	ix->replident = idx->indisreplident;
	ix->con = hash_search(cons, &ix->indexrelid, HASH_FIND, NULL);

	d = heap_getattr(tup, Anum_pg_index_indclass, desc, &isnull);
	indclass = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(tup, Anum_pg_index_indcollation, desc, &isnull);
	indcoll = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(tup, Anum_pg_index_indoption, desc, &isnull);
	indoption = (int2vector *) DatumGetPointer(d);

	exprs = idxadv_index_expressions(tup, desc);
	lc = list_head(exprs);
	for (i = 0; i < ix->natts; i++)
	{
		ix->attnums[i] = idx->indkey.values[i];
		if (ix->attnums[i] == 0 && lc != NULL)
		{
			ix->keyexpr[i] = (Node *) lfirst(lc);
			lc = lnext(exprs, lc);
		}
		if (i < ix->nkeys)
		{
			ix->opclass[i] = indclass->values[i];
			ix->collation[i] = indcoll->values[i];
			ix->option[i] = indoption->values[i];
		}
	}
	ix->pred = idxadv_index_predicate(tup, desc);
	return true;
}

/*
 * idxadv_covers
 *		Can index y do the job of index x?  Returns 2 when x is a duplicate of
 *		y, 1 when x is redundant to y, 0 otherwise.
 *
 * Duplicate: same access method, every key position the same column (or an
 * equal() expression), operator class and collation, and the same ordering
 * options at every position or all of them inverted (a backward scan gives
 * the other order); predicates that imply each other; x's INCLUDE columns
 * among y's columns.  Redundant: the same, but x's keys a proper prefix of
 * y's (btree only: only a btree serves a lookup on leading columns) and x's
 * predicate implies y's.  x's uniqueness must survive: a unique x is only
 * covered by a unique y on the same keys and predicate, a NULLS NOT
 * DISTINCT one only by another, and one checked immediately not by a
 * DEFERRABLE one (ON CONFLICT and foreign keys need immediate checks); an
 * exclusion constraint's index is covered by nothing (dropping it would drop
 * the constraint).
 */
static int
idxadv_covers(const idxadvIndex *x, const idxadvIndex *y)
{
	bool		same_opts = true;
	bool		inverted_opts = true;
	bool		dup;
	int			i,
				j;

	if (x == y || !x->valid || !y->valid || x->amoid != y->amoid)
		return 0;
	if (x->nkeys > y->nkeys)
		return 0;
	dup = (x->nkeys == y->nkeys);
	if (!dup && x->amoid != BTREE_AM_OID)
		return 0;
	if (x->exclusion)
		return 0;
	if (x->unique &&
		(!dup || !y->unique ||
		 (x->nulls_not_distinct && !y->nulls_not_distinct) ||
		 (x->immediate && !y->immediate)))
		return 0;

	for (i = 0; i < x->nkeys; i++)
	{
		if (x->attnums[i] != y->attnums[i])
			return 0;
		if (x->attnums[i] == 0 && !equal(x->keyexpr[i], y->keyexpr[i]))
			return 0;
		if (x->opclass[i] != y->opclass[i] || x->collation[i] != y->collation[i])
			return 0;
		if (x->option[i] != y->option[i])
			same_opts = false;
		if (x->option[i] != (y->option[i] ^ IDXADV_INDOPTION_ORDER))
			inverted_opts = false;
	}
	if (!same_opts && !(inverted_opts && x->amoid == BTREE_AM_OID))
		return 0;

	/* x's INCLUDE columns must be among y's columns */
	for (i = x->nkeys; i < x->natts; i++)
	{
		for (j = 0; j < y->natts; j++)
			if (y->attnums[j] != 0 && y->attnums[j] == x->attnums[i])
				break;
		if (j == y->natts)
			return 0;
	}

	/*
	 * x's rows must be among y's: x's predicate implies y's.  The proofs
	 * run no code of the table's (see idxadv_find_serving_index).
	 */
	if (y->pred != NIL && !predicate_implied_by(y->pred, x->pred, false))
		return 0;
	if (dup)
	{
		/* and for a duplicate (or a unique x) y's implies x's */
		if (x->pred != NIL && !predicate_implied_by(x->pred, y->pred, false))
			return 0;
		return 2;
	}
	return 1;
}

/*
 * idxadv_rank_cmp
 *		Which of two mutual duplicates stays (DESIGN.md section 5): the
 *		primary key, then an index a foreign key depends on, then one that
 *		backs a constraint, then the replica identity, then one attached to a
 *		partitioned parent, then NULLS NOT DISTINCT unique over unique over
 *		non-unique, then the older one.  "Older" is the lower OID: OIDs are
 *		assigned in increasing order until the OID counter wraps around
 *		(after 4 billion objects), which is rare enough for a tie-breaker.
 *		Returns > 0 when a stays rather than b.
 */
static int
idxadv_rank_cmp(const idxadvIndex *a, const idxadvIndex *b)
{
#define IDXADV_RANK_BOOL(expr_a, expr_b) \
	do { \
		if ((expr_a) != (expr_b)) \
			return (expr_a) ? 1 : -1; \
	} while (0)

	IDXADV_RANK_BOOL(a->primary, b->primary);
	IDXADV_RANK_BOOL(a->con != NULL && a->con->fkeys != NIL,
					 b->con != NULL && b->con->fkeys != NIL);
	IDXADV_RANK_BOOL(a->con != NULL && OidIsValid(a->con->conoid),
					 b->con != NULL && OidIsValid(b->con->conoid));
	IDXADV_RANK_BOOL(a->replident, b->replident);
	IDXADV_RANK_BOOL(a->attached, b->attached);
	IDXADV_RANK_BOOL(a->unique && a->nulls_not_distinct,
					 b->unique && b->nulls_not_distinct);
	IDXADV_RANK_BOOL(a->unique, b->unique);
	if (a->indexrelid != b->indexrelid)
		return a->indexrelid < b->indexrelid ? 1 : -1;
	return 0;
#undef IDXADV_RANK_BOOL
}

/*
 * idxadv_must_stay
 *		Has x a reason to stay that only a mutual duplicate of higher rank can
 *		override?  Such an x is never reported as merely redundant.
 */
static bool
idxadv_must_stay(const idxadvIndex *x)
{
	return x->primary || x->replident || x->attached ||
		(x->con != NULL && (OidIsValid(x->con->conoid) || x->con->fkeys != NIL));
}

/*
 * Why y stays rather than x, for the reason column.  When the two are not
 * mutual duplicates and nothing above tells them apart, y is the one with
 * more INCLUDE columns.
 */
static const char *
idxadv_keep_reason(const idxadvIndex *y, const idxadvIndex *x, bool mutual)
{
	if (y->primary && !x->primary)
		return "it is the primary key";
	if ((y->con && y->con->fkeys) && !(x->con && x->con->fkeys))
		return "a foreign key depends on it";
	if ((y->con && OidIsValid(y->con->conoid)) &&
		!(x->con && OidIsValid(x->con->conoid)))
		return "it backs a constraint";
	if (y->replident && !x->replident)
		return "it is the replica identity";
	if (y->attached && !x->attached)
		return "it is attached to an index of the partitioned parent";
	if (y->unique && y->nulls_not_distinct &&
		!(x->unique && x->nulls_not_distinct))
		return "it is unique with NULLS NOT DISTINCT";
	if (y->unique && !x->unique)
		return "it is unique";
	if (!mutual)
		return "it also has all of its INCLUDE columns";
	return "it is the older one (lower OID)";
}

/*
 * idxadv_put_dup_row
 *		Emit one row of idxadvisor_duplicates.
 */
static void
idxadv_put_dup_row(Tuplestorestate *tupstore, TupleDesc tupdesc, Oid relid,
				   idxadvIndex *x, const char *kind, idxadvIndex *y,
				   const char *reason, const char *ddl)
{
	Datum		values[IDXADV_DUP_COLS];
	bool		nulls[IDXADV_DUP_COLS];

	memset(nulls, 0, sizeof(nulls));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = ObjectIdGetDatum(x->indexrelid);
	values[2] = CStringGetTextDatum(kind);
	if (y)
		values[3] = ObjectIdGetDatum(y->indexrelid);
	else
		nulls[3] = true;
	values[4] = CStringGetTextDatum(reason);
	values[5] = CStringGetTextDatum(ddl);
	values[6] = Int64GetDatum(idxadv_sum_leaves(NULL, x->indexrelid,
												x->relkind, false));
	values[7] = Int64GetDatum(idxadv_sum_leaves(pg_stat_get_numscans,
												x->indexrelid, x->relkind,
												false));
	tuplestore_putvalues(tupstore, tupdesc, values, nulls);
}

/*
 * idxadv_report_invalid
 *		Row for an index that is not valid.  A partitioned index is invalid
 *		while some partition lacks an attached index (CREATE INDEX ON ONLY
 *		without every ATTACH PARTITION); any other index because a CREATE
 *		INDEX CONCURRENTLY or REINDEX CONCURRENTLY failed.  Either way it is
 *		never used by queries, and a plain one is still updated on every write.
 */
static void
idxadv_report_invalid(Tuplestorestate *tupstore, TupleDesc tupdesc,
					  Oid relid, idxadvIndex *x)
{
	const char *reason;
	char	   *ddl;

	if (x->relkind == RELKIND_PARTITIONED_INDEX)
	{
		reason = "partitioned index is not valid because not every partition has an attached index; "
			"attach the missing ones (ALTER INDEX ... ATTACH PARTITION) or drop it; "
			"DROP INDEX on a partitioned index cannot be CONCURRENTLY and locks every partition";
		ddl = psprintf("DROP INDEX %s;", idxadv_qualified_name(x->indexrelid));
	}
	else
	{
		reason = x->ready ?
			"not valid: a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY left it; "
			"queries never use it but every write still updates it; drop it, or rebuild it with REINDEX INDEX CONCURRENTLY" :
			"not valid and not ready: a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY left it; "
			"queries never use it; drop it, or rebuild it with REINDEX INDEX CONCURRENTLY";
		ddl = psprintf("DROP INDEX CONCURRENTLY %s;",
					   idxadv_qualified_name(x->indexrelid));
	}
	idxadv_put_dup_row(tupstore, tupdesc, relid, x, "invalid", NULL, reason,
					   ddl);
}

/*
 * idxadv_drop_ddl
 *		What removes x when y stays, and the caveats for the reason.  A plain
 *		index: DROP INDEX CONCURRENTLY (plain DROP INDEX on a partitioned
 *		index, which cannot be dropped concurrently).  An index that backs a
 *		constraint: ALTER TABLE ... DROP CONSTRAINT.  When something else must
 *		happen first (foreign keys that depend on x are dropped and re-created,
 *		the replica identity moves to y), the statements form one transaction
 *		that runs as one query string, so the drop is the non-concurrent kind.
 */
static char *
idxadv_drop_ddl(Oid relid, idxadvIndex *x, idxadvIndex *y, StringInfo caveats)
{
	StringInfoData pre;
	StringInfoData post;
	StringInfoData buf;
	bool		multi = false;
	ListCell   *lc;

	initStringInfo(&pre);
	initStringInfo(&post);
	initStringInfo(&buf);

	if (x->con != NULL && x->con->fkeys != NIL)
	{
		multi = true;
		appendStringInfoString(caveats,
							   "; foreign keys depend on it and are dropped and re-created, "
							   "which checks every referencing row while holding locks");
		foreach(lc, x->con->fkeys)
		{
			Oid			fkoid = lfirst_oid(lc);
			HeapTuple	contup = SearchSysCache1(CONSTROID,
												 ObjectIdGetDatum(fkoid));
			Form_pg_constraint fk;
			char	   *def;

			if (!HeapTupleIsValid(contup))
				continue;
			fk = (Form_pg_constraint) GETSTRUCT(contup);
			def = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
														  ObjectIdGetDatum(fkoid)));
			appendStringInfo(&pre, "ALTER TABLE %s DROP CONSTRAINT %s;\n",
							 idxadv_qualified_name(fk->conrelid),
							 quote_identifier(NameStr(fk->conname)));
			appendStringInfo(&post, "\nALTER TABLE %s ADD CONSTRAINT %s %s;",
							 idxadv_qualified_name(fk->conrelid),
							 quote_identifier(NameStr(fk->conname)), def);
			ReleaseSysCache(contup);
		}
	}
	if (x->replident)
	{
		multi = true;
		appendStringInfoString(caveats,
							   "; it is the replica identity, which moves to the index that stays");
		if (y->primary)
			appendStringInfo(&pre, "ALTER TABLE %s REPLICA IDENTITY DEFAULT;\n",
							 idxadv_qualified_name(relid));
		else
			appendStringInfo(&pre, "ALTER TABLE %s REPLICA IDENTITY USING INDEX %s;\n",
							 idxadv_qualified_name(relid),
							 quote_identifier(y->name));
	}
	if (x->clustered)
		appendStringInfo(caveats,
						 "; it is the table's CLUSTER index: re-cluster on %s (ALTER TABLE ... CLUSTER ON %s)",
						 quote_identifier(y->name), quote_identifier(y->name));
	if (x->relkind == RELKIND_PARTITIONED_INDEX)
		appendStringInfoString(caveats,
							   "; an index of a partitioned table cannot be dropped concurrently: "
							   "DROP INDEX locks every partition for a moment");

	appendStringInfoString(&buf, pre.data);
	if (x->con != NULL && OidIsValid(x->con->conoid))
	{
		char	   *conname = get_constraint_name(x->con->conoid);

		appendStringInfo(caveats, "; it backs constraint %s, so the fix is to drop that constraint",
						 quote_identifier(conname));
		appendStringInfo(&buf, "ALTER TABLE %s DROP CONSTRAINT %s;",
						 idxadv_qualified_name(relid), quote_identifier(conname));
	}
	else if (multi || x->relkind == RELKIND_PARTITIONED_INDEX)
		appendStringInfo(&buf, "DROP INDEX %s;",
						 idxadv_qualified_name(x->indexrelid));
	else
		appendStringInfo(&buf, "DROP INDEX CONCURRENTLY %s;",
						 idxadv_qualified_name(x->indexrelid));
	appendStringInfoString(&buf, post.data);
	return buf.data;
}

/*
 * idxadv_report_table
 *		Compare the indexes of one table and emit the rows.
 *
 * An index x goes when some index y covers it (idxadv_covers) and either
 * they are mutual duplicates and y ranks higher (idxadv_rank_cmp), or the
 * cover is one-way and x has no reason of its own to stay.  An index
 * attached to a partitioned parent never goes: the parent's report covers
 * it.  Each index that goes is reported against an index that stays and
 * covers it (preferring a duplicate, then the one with fewest keys), so
 * that the reported pairs can all be acted on at once.
 */
static void
idxadv_report_table(Tuplestorestate *tupstore, TupleDesc tupdesc, Oid relid,
					idxadvIndex *ix, int nix)
{
	int			i,
				j;

	for (i = 0; i < nix; i++)
	{
		idxadvIndex *x = &ix[i];

		if (!x->valid || x->attached)
			continue;
		for (j = 0; j < nix && !x->removed; j++)
		{
			idxadvIndex *y = &ix[j];
			int			c = idxadv_covers(x, y);

			if (c == 0)
				continue;
			if (c == 2 && idxadv_covers(y, x) == 2)
			{
				if (idxadv_rank_cmp(y, x) > 0)
					x->removed = true;
			}
			else if (!idxadv_must_stay(x))
				x->removed = true;
		}
	}

	for (i = 0; i < nix; i++)
	{
		idxadvIndex *x = &ix[i];
		idxadvIndex *best = NULL;
		int			bestkind = 0;
		StringInfoData reason;
		char	   *ddl;

		if (!x->removed)
			continue;
		for (j = 0; j < nix; j++)
		{
			idxadvIndex *y = &ix[j];
			int			c;

			if (y->removed)
				continue;
			c = idxadv_covers(x, y);
			if (c == 0)
				continue;
			if (best == NULL || c > bestkind ||
				(c == bestkind && y->nkeys < best->nkeys))
			{
				best = y;
				bestkind = c;
			}
		}
		if (best == NULL)
			continue;			/* its covers all go too; keep it */

		initStringInfo(&reason);
		if (bestkind == 2)
			appendStringInfo(&reason,
							 "same keys, operator classes, collations, ordering and predicate as %s, which stays because %s",
							 quote_identifier(best->name),
							 idxadv_keep_reason(best, x,
												idxadv_covers(best, x) == 2));
		else
			appendStringInfo(&reason,
							 "its keys are a leading part of the keys of %s, which serves the same lookups",
							 quote_identifier(best->name));
		ddl = idxadv_drop_ddl(relid, x, best, &reason);
		idxadv_put_dup_row(tupstore, tupdesc, relid, x,
						   bestkind == 2 ? "duplicate" : "redundant",
						   best, reason.data, ddl);
	}
}

/*
 * idxadvisor_duplicates
 *		One row per index that can go (a duplicate of, or redundant to,
 *		another index of its table), plus one per invalid index.
 */
Datum
idxadvisor_duplicates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvReportFilter filter;
	HTAB	   *cons;
	HTAB	   *busy;
	Relation	pg_index;
	SysScanDesc scan;
	HeapTuple	tup;
	idxadvIndexTuple *tuples;
	int			ntuples = 0;
	int			maxtuples = 1024;
	MemoryContext tablecxt;
	MemoryContext oldcxt;
	int			start;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_DUP_COLS)
		elog(ERROR, "incorrect number of output arguments");

	idxadv_filter_init(&filter);
	cons = idxadv_index_constraints();
	busy = idxadv_busy_tables();

	/* Every pg_index row, sorted by table */
	tuples = palloc(sizeof(idxadvIndexTuple) * maxtuples);
	pg_index = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);

		/* system catalogs' indexes are never reported */
		if (IsCatalogRelationOid(idx->indrelid))
			continue;
		if (ntuples == maxtuples)
		{
			maxtuples *= 2;
			tuples = repalloc_huge(tuples, sizeof(idxadvIndexTuple) * maxtuples);
		}
		tuples[ntuples].indrelid = idx->indrelid;
		tuples[ntuples].indexrelid = idx->indexrelid;
		tuples[ntuples].tuple = heap_copytuple(tup);
		ntuples++;
	}
	systable_endscan(scan);
	if (ntuples > 1)
		qsort(tuples, ntuples, sizeof(idxadvIndexTuple), idxadv_index_tuple_cmp);

	tablecxt = AllocSetContextCreate(CurrentMemoryContext,
									 "idxadvisor duplicates table",
									 ALLOCSET_DEFAULT_SIZES);
	for (start = 0; start < ntuples;)
	{
		Oid			relid = tuples[start].indrelid;
		int			end = start;
		HeapTuple	classtup;
		Form_pg_class classform;
		idxadvIndex *ix;
		int			nix;
		int			n;
		int			i;

		while (end < ntuples && tuples[end].indrelid == relid)
			end++;
		nix = end - start;

		classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(classtup))
		{
			start = end;
			continue;
		}
		classform = (Form_pg_class) GETSTRUCT(classtup);
		if (idxadv_filter_skip(&filter, relid, classform))
		{
			ReleaseSysCache(classtup);
			start = end;
			continue;
		}

		/* tables with one valid index and nothing invalid: nothing to say */
		if (nix == 1)
		{
			Form_pg_index idx = (Form_pg_index) GETSTRUCT(tuples[start].tuple);

			if (idx->indisvalid && idx->indisready)
			{
				ReleaseSysCache(classtup);
				start = end;
				continue;
			}
		}

		oldcxt = MemoryContextSwitchTo(tablecxt);
		ix = palloc(sizeof(idxadvIndex) * nix);
		n = 0;
		for (i = 0; i < nix; i++)
			if (idxadv_load_index(&ix[n], tuples[start + i].tuple,
								  RelationGetDescr(pg_index), cons))
				n++;
		nix = n;

		for (i = 0; i < nix; i++)
		{
			/* a dying index (DROP INDEX CONCURRENTLY) or one being built */
			if (ix[i].valid || !ix[i].live || ix[i].attached)
				continue;
			if (hash_search(busy, &relid, HASH_FIND, NULL) != NULL)
				continue;
			idxadv_report_invalid(rsinfo->setResult, rsinfo->setDesc, relid,
								  &ix[i]);
		}
		if (nix > 1)
			idxadv_report_table(rsinfo->setResult, rsinfo->setDesc, relid,
								ix, nix);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(tablecxt);
		ReleaseSysCache(classtup);
		start = end;
	}
	table_close(pg_index, AccessShareLock);

	return (Datum) 0;
}

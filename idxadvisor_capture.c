/*-------------------------------------------------------------------------
 *
 * idxadvisor_capture.c
 *		Recording of filtered sequential scans, and of the other plan
 *		shapes index suggestions come from, in shared memory.
 *
 * At ExecutorStart (see idxadvisor.c) we walk the statement's plan-state
 * tree.  Every sequential scan that has a filter gets row-count
 * instrumentation, unless it has it already: only those nodes, not the whole
 * statement, so that statements without such a scan pay nothing but the
 * walk.  At ExecutorEnd we walk the tree again and, for each such scan that
 * ran, classify its filter: which columns of the scanned table it compares
 * with a constant, a parameter or an outer reference, and how (equality,
 * range, IS [NOT] NULL, boolean, other).  Whether a Sort on columns of the
 * same table sits directly above the scan is part of what we record, for
 * ORDER BY ... LIMIT suggestions.  Classification costs a few syscache
 * lookups per scan node, only for scans that ran.
 *
 * Three more plan shapes are recorded the same way, each in entries of its
 * own shape (idxadvHashKey.shape): an unfiltered sequential scan under a
 * Sort that a LIMIT bounded (a top-N over a whole table), an index or
 * bitmap heap scan whose filter removed most of what it fetched (the wrong
 * index), and a join input that reads a table whole, with the rows of the
 * join's other input (a join column without an index).  See "Other plan
 * shapes" below.
 *
 * Not recorded: scans of system catalogs, of temporary tables, and of the
 * extension's own tables (its job table), which the build queue, the
 * workers and the idxadvisor_builds view read: that is idxadvisor at work,
 * not the application, and no index the user could build would help it.
 * Membership in the extension is looked up in pg_depend once per relation
 * and backend, only for a scan that qualifies otherwise, and kept in a
 * backend-local hash that relcache invalidations of the relation clear.
 * Creating or dropping a table sends one, so CREATE and DROP EXTENSION are
 * seen at once; ALTER EXTENSION ADD or DROP TABLE sends none, and the other
 * backends see that at the table's next invalidation (ANALYZE, any ALTER).
 *
 * Statistics live in a shared hash table keyed by database, relation,
 * filtered columns with their kind of comparison, and ORDER BY columns.  The
 * table holds at most idxadvisor.max entries; when it is full the least used
 * 5% are evicted, so recording never fails a query.
 *
 * Locking protocol: the hash table is protected by one LWLock.  Recording
 * takes it shared to find an existing entry and updates the entry's counters
 * under the entry's spinlock, so that concurrent recorders of the same entry
 * do not lose updates.  Creating an entry, evicting, resetting and loading
 * take the LWLock exclusive; an entry is only ever removed under the
 * exclusive lock, so holding the lock shared keeps entry pointers valid.
 * Readers copy entries under the shared lock and each entry's spinlock.
 *
 * Persistence: the postmaster writes the table to pg_stat/idxadvisor.stat
 * at a clean shutdown, a hot standby's too (not after a crash or an
 * immediate shutdown, and not when idxadvisor.save is off), and reads and
 * removes that file when it creates the shared memory, so a crash leaves
 * nothing stale behind.  The file carries a magic number, a format
 * version, the layout sizes and a CRC; a file that fails any check is
 * ignored with a LOG message.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_control.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/controldata_utils.h"
#include "common/hashfn.h"
#include "executor/instrument.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/nodeFuncs.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "pgstat.h"
#include "port/pg_crc32c.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "idxadvisor.h"

/*---- Macros ----*/

/* Location of the statistics file, relative to the data directory */
#define IDXADV_DUMP_FILE	PGSTAT_STAT_PERMANENT_DIRECTORY "/idxadvisor.stat"

/* Magic number and version of the file format */
#define IDXADV_FILE_MAGIC	0x49445841	/* "IDXA" */
#define IDXADV_FILE_VERSION 3

/* Share of entries evicted when the table is full, and the least evicted */
#define IDXADV_EVICT_PERCENT	5
#define IDXADV_EVICT_MIN		10

/* Usage decay applied to every entry at each eviction */
#define IDXADV_USAGE_DECAY	0.99

/*
 * An index or bitmap heap scan is recorded when its filter removed more
 * than half of the rows it fetched, and at least this many per scan.
 */
#define IDXADV_INDEX_FILTER_MIN_REMOVED	10

/*---- Data structures ----*/

/* One statistics entry in shared memory */
typedef struct idxadvEntry
{
	idxadvHashKey key;			/* hash key of entry - MUST BE FIRST */
	idxadvCounters counters;	/* protected by mutex */
	slock_t		mutex;
	char		exprs[IDXADV_EXPR_TEXT_LEN];	/* the key's expression quals,
												 * written at creation only */
} idxadvEntry;

/* Global shared state */
typedef struct idxadvSharedState
{
	LWLock	   *lock;			/* protects the hash table */
	slock_t		mutex;			/* protects stats_reset */
	TimestampTz stats_reset;
} idxadvSharedState;

/* Header of the statistics file */
typedef struct idxadvFileHeader
{
	uint32		magic;
	uint32		version;
	uint32		key_size;
	uint32		counters_size;	/* and the expression text after them */
	int32		nentries;
} idxadvFileHeader;

/* A statement whose scans we instrumented, until its ExecutorEnd */
typedef struct idxadvTracked
{
	QueryDesc  *queryDesc;
	bool		fk_trigger;
	struct idxadvTracked *next;
	MemoryContextCallback callback;
} idxadvTracked;

/* State of the plan-state walks */
/* An entry of the statistics file, by usage, for loading the most used */
typedef struct idxadvLoadOrder
{
	double		usage;
	int			index;			/* position in the file */
} idxadvLoadOrder;

/* Is a relation a member of the idxadvisor extension?  Backend-local cache */
typedef struct idxadvMemberEntry
{
	Oid			relid;			/* hash key - MUST BE FIRST */
	bool		member;
} idxadvMemberEntry;

/*
 * The expression quals of one scan filter, as classification finds them:
 * the indexed side (an expression of the scanned table's columns, or a
 * column under an operator no btree key serves), the other side
 * (pseudo-constant), and the operator with the indexed side on its left.
 */
typedef struct idxadvExprQual
{
	Node	   *expr;
	Node	   *other;
	Oid			opno;
	bool		any;			/* expr op ANY (array) */
	uint32		hash;			/* of expr (and "any") */
} idxadvExprQual;

typedef struct idxadvExprQuals
{
	int			n;
	idxadvExprQual quals[IDXADV_MAX_EXPRS];
} idxadvExprQuals;

typedef struct idxadvWalkContext
{
	PlanState  *parent;			/* parent of the node visited */
	QueryDesc  *queryDesc;
	bool		fk_trigger;
	int			nscans;			/* qualifying scans found */
} idxadvWalkContext;

/*---- Local variables ----*/

static idxadvSharedState *idxadv_shared = NULL;
static HTAB *idxadv_hash = NULL;

/* Statements instrumented and not yet ended, in this backend */
static idxadvTracked *tracked_queries = NULL;

/*
 * Relations known to be, or not to be, the extension's, in this backend;
 * and the last one asked about, which a statement asks about twice (start
 * and end) and a workload often again, answered without hashing.
 */
static HTAB *member_cache = NULL;
static Oid	member_last_relid = InvalidOid;
static bool member_last = false;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_scan_stats);
PG_FUNCTION_INFO_V1(idxadvisor_reset);

static Size idxadv_capture_memsize(void);
static int	idxadv_load_order_cmp(const void *a, const void *b);
static void idxadv_capture_shutdown(int code, Datum arg);
static void idxadv_load_file(void);
static void idxadv_untrack(void *arg);
static bool idxadv_start_walker(PlanState *planstate, void *context);
static bool idxadv_end_walker(PlanState *planstate, void *context);
static bool idxadv_scan_qualifies(SeqScanState *node);
static bool idxadv_rel_qualifies(Relation rel);
static void idxadv_instrument(PlanState *planstate);
static bool idxadv_start_shapes(PlanState *planstate);
static void idxadv_end_shapes(PlanState *planstate, idxadvWalkContext *ctx);
static SeqScanState *idxadv_topn_scan(PlanState *sort);
static void idxadv_record_topn(SeqScanState *node, PlanState *parent,
							   idxadvWalkContext *ctx);
static void idxadv_record_index_filter(ScanState *node,
									   idxadvWalkContext *ctx);
static SeqScanState *idxadv_join_side_scan(PlanState *side);
static List *idxadv_join_clauses(PlanState *join);
static int	idxadv_side_column(PlanState *side, Node *expr, int varno);
static void idxadv_record_join_side(PlanState *join, bool outer,
									idxadvWalkContext *ctx);
static bool idxadv_classify_quals(List *clauses, Index scanrelid, Oid relid,
								  int natts, idxadvHashKey *key,
								  idxadvExprQuals *quals);
static void idxadv_key_from_kinds(idxadvHashKey *key, Oid relid, int natts,
								  uint8 *kinds);
static int64 idxadv_scan_pages(ScanState *node, int64 executions);
static uint64 idxadv_cols_read(QueryDesc *queryDesc, Index scanrelid);
static bool idxadv_is_extension_member(Oid relid);
static void idxadv_member_cache_inval(Datum arg, Oid relid);
static bool idxadv_classify_scan(SeqScanState *node, PlanState *parent,
								 idxadvHashKey *key, idxadvExprQuals *quals);
static void idxadv_classify_clause(Node *clause, Index scanrelid,
								   uint8 *kinds, idxadvExprQuals *quals);
static void idxadv_note_bool(Node *clause, Index scanrelid,
							 idxadvExprQuals *quals);
static void idxadv_note_expr(Node *left, Node *right, Oid opno, bool any,
							 Index scanrelid, idxadvExprQuals *quals);
static bool idxadv_expr_hash(Node *node, Index scanrelid, uint32 *hash);
static int	idxadv_expr_qual_cmp(const void *a, const void *b);
static void idxadv_exprs_text(const idxadvExprQuals *quals, Index scanrelid,
							  char *buf);
static Node *idxadv_expr_clause(const idxadvExprQual *q, Node *expr,
								Node *other);
static void idxadv_note_vars(Node *node, Index scanrelid, uint8 *kinds,
							 idxadvCmpKind kind);
static int	idxadv_column_of(Node *node, Index scanrelid);
static bool idxadv_is_pseudo_constant(Node *node, Index scanrelid);
static bool idxadv_references_rel(Node *node, Index *scanrelid);
static void idxadv_sort_bound(PlanState *parent, idxadvCounters *delta);
static void idxadv_classify_order(PlanState *parent, SeqScanState *node,
								  idxadvHashKey *key);
static void idxadv_store(const idxadvHashKey *key,
						 const idxadvCounters *delta,
						 const idxadvExprQuals *quals, Index scanrelid);
static idxadvEntry *idxadv_entry_alloc(const idxadvHashKey *key,
									   const char *exprs);
static void idxadv_entry_dealloc(void);
static int	idxadv_usage_cmp(const void *a, const void *b);
static bool idxadv_expr_catalog_ok(Node *node, void *context);
static bool idxadv_expr_catalog_bad(Node *node, void *context);
static char *idxadv_qual_sql(Node *clause, List *context);
static int	idxadv_qual_text_cmp(const void *a, const void *b);
static Datum idxadv_exprs_datum(const idxadvScanStat *stat, bool *isnull);

/*
 * Precedence of comparison kinds when one column appears in several clauses:
 * the kind an index can use best wins.  Indexed by idxadvCmpKind.
 */
static const int cmp_rank[] = {
	0,							/* unused */
	7,							/* EQ */
	4,							/* RANGE */
	6,							/* NULL */
	3,							/* NOTNULL */
	5,							/* TRUE */
	5,							/* FALSE */
	1,							/* OTHER */
	2							/* OR: said apart from OTHER */
};

/* ----------------------------------------------------------------
 * Shared memory
 * ----------------------------------------------------------------
 */

static Size
idxadv_capture_memsize(void)
{
	return add_size(MAXALIGN(sizeof(idxadvSharedState)),
					hash_estimate_size(idxadv_max, sizeof(idxadvEntry)));
}

/*
 * Set up what the capture needs in every backend; called from _PG_init when
 * preloading.  The relcache callback is registered here, in the postmaster,
 * rather than at a backend's first scan: the few callback slots are then
 * taken at server start, never in the middle of a query.
 */
void
idxadv_capture_init(void)
{
	CacheRegisterRelcacheCallback(idxadv_member_cache_inval, (Datum) 0);
}

/*
 * Request the capture's shared memory and its LWLock tranche.
 */
void
idxadv_capture_shmem_request(void)
{
	RequestAddinShmemSpace(idxadv_capture_memsize());
	RequestNamedLWLockTranche("idxadvisor", 1);
}

/*
 * Create or attach to the capture's shared memory.  The postmaster, which
 * creates it, also loads the saved statistics and arranges to save them at
 * shutdown.
 */
void
idxadv_capture_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	/* reset in case this is a restart within the postmaster */
	idxadv_shared = NULL;
	idxadv_hash = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	idxadv_shared = ShmemInitStruct("idxadvisor",
									sizeof(idxadvSharedState),
									&found);
	if (!found)
	{
		idxadv_shared->lock = &(GetNamedLWLockTranche("idxadvisor"))->lock;
		SpinLockInit(&idxadv_shared->mutex);
		idxadv_shared->stats_reset = GetCurrentTimestamp();
	}

	info.keysize = sizeof(idxadvHashKey);
	info.entrysize = sizeof(idxadvEntry);
	idxadv_hash = idxadv_ShmemInitHash("idxadvisor scan statistics",
									   idxadv_max, &info,
									   HASH_ELEM | HASH_BLOBS);

	LWLockRelease(AddinShmemInitLock);

	/* Only the postmaster loads and saves the file */
	if (IsUnderPostmaster)
		return;

	on_shmem_exit(idxadv_capture_shutdown, (Datum) 0);

	if (!found)
		idxadv_load_file();
}

/*
 * Is the capture's shared memory there?
 */
bool
idxadv_capture_available(void)
{
	return idxadv_shared != NULL && idxadv_hash != NULL;
}

/*
 * Raise the error of a function that needs shared memory when the library
 * was not preloaded.  The shared memory is only ever created by the
 * shmem_startup hook, which _PG_init installs only when preloading.
 */
void
idxadv_require_preload(const char *funcname)
{
	if (!idxadv_capture_available())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires idxadvisor to be loaded via shared_preload_libraries",
						funcname),
				 errhint("Add idxadvisor to the shared_preload_libraries configuration parameter and restart the server.")));
}

/*
 * Read the statistics saved by the last clean shutdown, then remove the
 * file, so that statistics of a server that crashes later are not revived.
 * Anything wrong with the file is logged and the file ignored: a bad
 * statistics file must never stop the server from starting.
 */
static void
idxadv_load_file(void)
{
	FILE	   *file;
	idxadvFileHeader header;
	char	   *buf = NULL;
	Size		entsize = sizeof(idxadvHashKey) + sizeof(idxadvCounters) +
		IDXADV_EXPR_TEXT_LEN;
	Size		datasize;
	pg_crc32c	crc;
	pg_crc32c	filecrc;
	const char *problem = NULL;
	int			i;

	if (!idxadv_save)
	{
		unlink(IDXADV_DUMP_FILE);
		return;
	}

	file = AllocateFile(IDXADV_DUMP_FILE, PG_BINARY_R);
	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read idxadvisor file \"%s\": %m",
							IDXADV_DUMP_FILE)));
		return;
	}

	if (fread(&header, sizeof(header), 1, file) != 1)
		problem = "file is too short";
	else if (header.magic != IDXADV_FILE_MAGIC)
		problem = "not an idxadvisor statistics file";
	else if (header.version != IDXADV_FILE_VERSION ||
			 header.key_size != sizeof(idxadvHashKey) ||
			 header.counters_size != sizeof(idxadvCounters) + IDXADV_EXPR_TEXT_LEN)
		problem = "file was written by an incompatible version";
	else if (header.nentries < 0 || header.nentries > INT_MAX / 2 / entsize)
		problem = "invalid number of entries";

	if (problem == NULL)
	{
		datasize = (Size) header.nentries * entsize;
		buf = palloc(datasize + 1);
		if (fread(buf, 1, datasize, file) != datasize ||
			fread(&filecrc, sizeof(filecrc), 1, file) != 1)
			problem = "file is truncated";
		else if (fread(buf + datasize, 1, 1, file) != 0)
			problem = "file has trailing data";
		else
		{
			INIT_CRC32C(crc);
			COMP_CRC32C(crc, &header, sizeof(header));
			COMP_CRC32C(crc, buf, datasize);
			FIN_CRC32C(crc);
			if (!EQ_CRC32C(crc, filecrc))
				problem = "checksum mismatch";
		}
	}

	FreeFile(file);

	if (problem == NULL)
	{
		idxadvLoadOrder *order = NULL;

		/*
		 * The file may hold more entries than idxadvisor.max now allows:
		 * then the most used ones are kept, as eviction would have kept them.
		 */
		if (header.nentries > idxadv_max)
		{
			order = palloc(header.nentries * sizeof(idxadvLoadOrder));
			for (i = 0; i < header.nentries; i++)
			{
				idxadvCounters counters;

				memcpy(&counters, buf + i * entsize + sizeof(idxadvHashKey),
					   sizeof(counters));
				order[i].usage = counters.usage;
				order[i].index = i;
			}
			qsort(order, header.nentries, sizeof(idxadvLoadOrder),
				  idxadv_load_order_cmp);
		}

		for (i = 0; i < header.nentries; i++)
		{
			int			n = order ? order[i].index : i;
			idxadvHashKey key;
			idxadvCounters counters;
			char	   *exprs = buf + n * entsize + sizeof(key) + sizeof(counters);
			idxadvEntry *entry;

			memcpy(&key, buf + n * entsize, sizeof(key));
			memcpy(&counters, buf + n * entsize + sizeof(key),
				   sizeof(counters));
			if (key.natts > IDXADV_MAX_COLS || key.norder > IDXADV_MAX_ORDER ||
				key.shape > IDXADV_SHAPE_LAST ||
				key.nexprs > IDXADV_MAX_EXPRS ||
				exprs[IDXADV_EXPR_TEXT_LEN - 1] != '\0')
			{
				problem = "invalid entry";
				break;
			}
			if (hash_get_num_entries(idxadv_hash) >= idxadv_max)
				break;
			entry = idxadv_entry_alloc(&key, exprs);
			if (entry)
				entry->counters = counters;
		}
		if (order)
			pfree(order);
		if (problem != NULL)
		{
			/* drop what a bad file put in */
			HASH_SEQ_STATUS hash_seq;
			idxadvEntry *entry;

			hash_seq_init(&hash_seq, idxadv_hash);
			while ((entry = hash_seq_search(&hash_seq)) != NULL)
				hash_search(idxadv_hash, &entry->key, HASH_REMOVE, NULL);
		}
	}

	if (problem != NULL)
		ereport(LOG,
				(errmsg("ignoring idxadvisor statistics file \"%s\": %s",
						IDXADV_DUMP_FILE, problem)));

	if (buf)
		pfree(buf);
	unlink(IDXADV_DUMP_FILE);
}

/*
 * qsort comparator: most used first, then file order, so that loading is
 * deterministic.
 */
static int
idxadv_load_order_cmp(const void *a, const void *b)
{
	const idxadvLoadOrder *la = (const idxadvLoadOrder *) a;
	const idxadvLoadOrder *lb = (const idxadvLoadOrder *) b;

	if (la->usage != lb->usage)
		return la->usage > lb->usage ? -1 : 1;
	return la->index - lb->index;
}

/*
 * on_shmem_exit callback of the postmaster: save the statistics, but only
 * after a clean shutdown, which is when pg_control says "shut down".
 */
static void
idxadv_capture_shutdown(int code, Datum arg)
{
	FILE	   *file;
	HASH_SEQ_STATUS hash_seq;
	idxadvEntry *entry;
	idxadvFileHeader header;
	pg_crc32c	crc;
	ControlFileData *control;
	bool		crc_ok;

	/* Don't save during a crash, nor with nothing to save */
	if (code != 0 || !idxadv_capture_available())
		return;

	if (!idxadv_save)
	{
		unlink(IDXADV_DUMP_FILE);
		return;
	}

	/*
	 * An immediate shutdown also ends the postmaster with code 0; it is a
	 * crash to us, as to the rest of the server.  A hot standby's clean
	 * shutdown says "shut down in recovery": its scans are kept too.
	 */
	control = get_controlfile(DataDir, &crc_ok);
	if (!crc_ok || (control->state != DB_SHUTDOWNED &&
					control->state != DB_SHUTDOWNED_IN_RECOVERY))
		return;

	file = AllocateFile(IDXADV_DUMP_FILE ".tmp", PG_BINARY_W);
	if (file == NULL)
		goto error;

	memset(&header, 0, sizeof(header));
	header.magic = IDXADV_FILE_MAGIC;
	header.version = IDXADV_FILE_VERSION;
	header.key_size = sizeof(idxadvHashKey);
	header.counters_size = sizeof(idxadvCounters) + IDXADV_EXPR_TEXT_LEN;
	header.nentries = hash_get_num_entries(idxadv_hash);

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, &header, sizeof(header));
	if (fwrite(&header, sizeof(header), 1, file) != 1)
		goto error;

	/* no other process is left, so no locks are needed */
	hash_seq_init(&hash_seq, idxadv_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
	{
		COMP_CRC32C(crc, &entry->key, sizeof(idxadvHashKey));
		COMP_CRC32C(crc, &entry->counters, sizeof(idxadvCounters));
		COMP_CRC32C(crc, entry->exprs, IDXADV_EXPR_TEXT_LEN);
		if (fwrite(&entry->key, sizeof(idxadvHashKey), 1, file) != 1 ||
			fwrite(&entry->counters, sizeof(idxadvCounters), 1, file) != 1 ||
			fwrite(entry->exprs, IDXADV_EXPR_TEXT_LEN, 1, file) != 1)
		{
			hash_seq_term(&hash_seq);
			goto error;
		}
	}
	FIN_CRC32C(crc);
	if (fwrite(&crc, sizeof(crc), 1, file) != 1)
		goto error;

	if (FreeFile(file))
	{
		file = NULL;
		goto error;
	}

	(void) durable_rename(IDXADV_DUMP_FILE ".tmp", IDXADV_DUMP_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write idxadvisor file \"%s\": %m",
					IDXADV_DUMP_FILE ".tmp")));
	if (file)
		FreeFile(file);
	unlink(IDXADV_DUMP_FILE ".tmp");
}

/* ----------------------------------------------------------------
 * Executor side
 * ----------------------------------------------------------------
 */

/*
 * Called after standard_ExecutorStart for a statement that is to be
 * recorded: instrument its qualifying scans and remember the statement.
 */
void
idxadv_capture_query_start(QueryDesc *queryDesc, int eflags, bool fk_trigger)
{
	idxadvWalkContext ctx;
	MemoryContext oldcxt;
	idxadvTracked *tracked;

	if (queryDesc->planstate == NULL || queryDesc->estate == NULL)
		return;

	memset(&ctx, 0, sizeof(ctx));
	ctx.queryDesc = queryDesc;

	/* Instrumentation must live as long as the executor state */
	oldcxt = MemoryContextSwitchTo(queryDesc->estate->es_query_cxt);

	(void) idxadv_start_walker(queryDesc->planstate, &ctx);

	if (ctx.nscans > 0)
	{
		/*
		 * Remember the statement until its ExecutorEnd.  If it fails instead,
		 * the executor's memory goes away and the callback forgets it.
		 */
		tracked = palloc0(sizeof(idxadvTracked));
		tracked->queryDesc = queryDesc;
		tracked->fk_trigger = fk_trigger;
		tracked->next = tracked_queries;
		tracked->callback.func = idxadv_untrack;
		tracked->callback.arg = tracked;
		MemoryContextRegisterResetCallback(queryDesc->estate->es_query_cxt,
										   &tracked->callback);
		tracked_queries = tracked;
	}

	MemoryContextSwitchTo(oldcxt);
}

/*
 * Forget a tracked statement; also the memory context callback.
 */
static void
idxadv_untrack(void *arg)
{
	idxadvTracked *tracked = (idxadvTracked *) arg;
	idxadvTracked **p;

	for (p = &tracked_queries; *p != NULL; p = &(*p)->next)
	{
		if (*p == tracked)
		{
			*p = tracked->next;
			break;
		}
	}
}

/*
 * Called before standard_ExecutorEnd: record the scans of a statement we
 * instrumented.
 */
void
idxadv_capture_query_end(QueryDesc *queryDesc)
{
	idxadvTracked *tracked;
	idxadvWalkContext ctx;

	for (tracked = tracked_queries; tracked != NULL; tracked = tracked->next)
	{
		if (tracked->queryDesc == queryDesc)
			break;
	}
	if (tracked == NULL)
		return;

	idxadv_untrack(tracked);

	if (!idxadv_capture_available())
		return;

	memset(&ctx, 0, sizeof(ctx));
	ctx.queryDesc = queryDesc;
	ctx.fk_trigger = tracked->fk_trigger;
	(void) idxadv_end_walker(queryDesc->planstate, &ctx);
}

/*
 * Is this a sequential scan we record: one with a filter, on a table that
 * is neither a system catalog nor temporary?
 */
static bool
idxadv_scan_qualifies(SeqScanState *node)
{
	if (node->ss.ps.plan->qual == NIL)
		return false;
	return idxadv_rel_qualifies(node->ss.ss_currentRelation);
}

/*
 * Is rel a table whose scans we record: neither a system catalog, nor
 * temporary, nor one of the extension's own?
 */
static bool
idxadv_rel_qualifies(Relation rel)
{
	if (rel == NULL)
		return false;
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		return false;
	if (IsCatalogRelation(rel))
		return false;
	if (idxadv_is_extension_member(RelationGetRelid(rel)))
		return false;
	return true;
}

/*
 * Is relid one of the idxadvisor extension's own relations?  Answered from
 * the backend's cache, or from pg_depend (then remembered).
 */
static bool
idxadv_is_extension_member(Oid relid)
{
	idxadvMemberEntry *entry;
	Oid			extoid;
	bool		member;

	if (member_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(idxadvMemberEntry);
		ctl.hcxt = TopMemoryContext;
		member_cache = hash_create("idxadvisor extension members", 64, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	if (relid == member_last_relid)
		return member_last;

	entry = (idxadvMemberEntry *) hash_search(member_cache, &relid,
											  HASH_FIND, NULL);
	if (entry != NULL)
	{
		member_last_relid = relid;
		member_last = entry->member;
		return member_last;
	}

	/*
	 * The catalog lookups may process invalidations that change the cache:
	 * enter the entry only after them.
	 */
	extoid = getExtensionOfObject(RelationRelationId, relid);
	member = OidIsValid(extoid) &&
		extoid == get_extension_oid("idxadvisor", true);

	entry = (idxadvMemberEntry *) hash_search(member_cache, &relid,
											  HASH_ENTER, NULL);
	entry->member = member;
	member_last_relid = relid;
	member_last = member;
	return member;
}

/*
 * Relcache invalidation callback: forget what we know of the relation, or
 * of all relations.  Does no catalog access, as callbacks must not.
 */
static void
idxadv_member_cache_inval(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	idxadvMemberEntry *entry;

	if (!OidIsValid(relid) || relid == member_last_relid)
		member_last_relid = InvalidOid;
	if (member_cache == NULL)
		return;
	if (OidIsValid(relid))
	{
		(void) hash_search(member_cache, &relid, HASH_REMOVE, NULL);
		return;
	}
	hash_seq_init(&status, member_cache);
	while ((entry = (idxadvMemberEntry *) hash_seq_search(&status)) != NULL)
		(void) hash_search(member_cache, &entry->relid, HASH_REMOVE, NULL);
}

/*
 * Plan-state walker of ExecutorStart: give qualifying scans row counts.
 */
static bool
idxadv_start_walker(PlanState *planstate, void *context)
{
	idxadvWalkContext *ctx = (idxadvWalkContext *) context;

	if (planstate == NULL)
		return false;

	if (IsA(planstate, SeqScanState))
	{
		if (idxadv_scan_qualifies((SeqScanState *) planstate))
		{
			idxadv_instrument(planstate);
			ctx->nscans++;
		}
	}
	else if (idxadv_start_shapes(planstate))
		ctx->nscans++;

	return planstate_tree_walker(planstate, idxadv_start_walker, context);
}

/*
 * Plan-state walker of ExecutorEnd: record each qualifying scan that ran.
 */
static bool
idxadv_end_walker(PlanState *planstate, void *context)
{
	idxadvWalkContext *ctx = (idxadvWalkContext *) context;
	PlanState  *save_parent;
	bool		result;

	if (planstate == NULL)
		return false;

	if (IsA(planstate, SeqScanState) && planstate->instrument != NULL &&
		idxadv_scan_qualifies((SeqScanState *) planstate))
	{
		SeqScanState *node = (SeqScanState *) planstate;
		NodeInstrumentation *instr = planstate->instrument;
		idxadvHashKey key;
		idxadvExprQuals quals;

		/* fold the last loop into the totals */
		InstrEndLoop(instr);

		if (instr->nloops > 0 &&
			idxadv_classify_scan(node, ctx->parent, &key, &quals))
		{
			idxadvCounters delta;

			memset(&delta, 0, sizeof(delta));

			/*
			 * A parallel scan is one scan however many processes share it:
			 * the leader's counters already include the workers'.
			 */
			delta.executions = planstate->plan->parallel_aware ?
				1 : (int64) instr->nloops;
			if (ctx->fk_trigger)
				delta.fk_trigger_executions = delta.executions;
			delta.rows_matched = (int64) instr->ntuples;
			delta.rows_scanned = (int64) (instr->ntuples + instr->nfiltered1);

			delta.pages_scanned = idxadv_scan_pages(&node->ss,
													delta.executions);
			delta.cols_read = idxadv_cols_read(ctx->queryDesc,
											   ((Scan *) planstate->plan)->scanrelid);

			if (key.norder > 0)
				idxadv_sort_bound(ctx->parent, &delta);

			delta.last_seen = GetCurrentTimestamp();
			delta.queryid = (int64) ctx->queryDesc->plannedstmt->queryId;
			delta.usage = (double) delta.executions;

			idxadv_store(&key, &delta, &quals,
						 ((Scan *) planstate->plan)->scanrelid);
		}
	}
	else if (IsA(planstate, SeqScanState))
	{
		/* an unfiltered scan: a top-N sort's input? */
		if (ctx->parent != NULL && planstate->instrument != NULL &&
			idxadv_topn_scan(ctx->parent) == (SeqScanState *) planstate)
			idxadv_record_topn((SeqScanState *) planstate, ctx->parent, ctx);
	}
	else
		idxadv_end_shapes(planstate, ctx);

	save_parent = ctx->parent;
	ctx->parent = planstate;
	result = planstate_tree_walker(planstate, idxadv_end_walker, context);
	ctx->parent = save_parent;
	return result;
}

/*
 * Build the statistics key of a scan: the columns its filter compares and
 * how, and the ORDER BY columns directly above it.  Returns false when the
 * filter compares no column of the scanned table.
 */
static bool
idxadv_classify_scan(SeqScanState *node, PlanState *parent,
					 idxadvHashKey *key, idxadvExprQuals *quals)
{
	Scan	   *scan = (Scan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;

	if (!idxadv_classify_quals(scan->plan.qual, scan->scanrelid,
							   RelationGetRelid(rel),
							   RelationGetNumberOfAttributes(rel), key, quals))
		return false;

	idxadv_classify_order(parent, node, key);
	return true;
}

/*
 * Build the filter part of a statistics key (no ORDER BY columns) of table
 * relid, range table index scanrelid, with natts columns, from the clauses
 * that restrict it: the columns they compare with something constant while
 * the table is scanned, and how.  Returns false when they compare no column
 * of it.  The capture calls it with a scan's filter; idxadvisor_suggest_for()
 * with the planner's restriction and join clauses of a table, where a column
 * of another table counts as constant (a nested loop passes it as a
 * parameter), so that both classify by this one rule.  Expression quals are
 * kept only through idxadv_classify_filter_exprs() and the capture.
 */
bool
idxadv_classify_filter(List *clauses, Index scanrelid, Oid relid, int natts,
					   idxadvHashKey *key)
{
	return idxadv_classify_quals(clauses, scanrelid, relid, natts, key, NULL);
}

/*
 * idxadv_classify_filter() with the expression quals too, written into
 * exprs (IDXADV_EXPR_TEXT_LEN bytes) as the capture stores them: so that
 * idxadvisor_suggest_for() gives suggest's expression, pattern and GIN
 * candidates (idxadvisor_exprs.c) what a captured scan gives them.
 */
bool
idxadv_classify_filter_exprs(List *clauses, Index scanrelid, Oid relid,
							 int natts, idxadvHashKey *key, char *exprs)
{
	idxadvExprQuals quals;
	bool		found;

	found = idxadv_classify_quals(clauses, scanrelid, relid, natts, key,
								  &quals);
	if (key->nexprs > 0)
		idxadv_exprs_text(&quals, scanrelid, exprs);
	else
		exprs[0] = '\0';
	return found;
}

static bool
idxadv_classify_quals(List *clauses, Index scanrelid, Oid relid, int natts,
					  idxadvHashKey *key, idxadvExprQuals *quals)
{
	uint8	   *kinds;
	ListCell   *lc;
	int			n;

	/* kinds[attno - 1]: best comparison seen on that column, 0 if none */
	kinds = palloc0(natts * sizeof(uint8));
	if (quals)
		quals->n = 0;

	foreach(lc, clauses)
		idxadv_classify_clause((Node *) lfirst(lc), scanrelid, kinds, quals);

	idxadv_key_from_kinds(key, relid, natts, kinds);
	pfree(kinds);

	/* expression quals in a fixed order, so that AND's order does not count */
	if (quals)
	{
		if (quals->n > 1)
			qsort(quals->quals, quals->n, sizeof(idxadvExprQual),
				  idxadv_expr_qual_cmp);
		for (n = 0; n < quals->n; n++)
		{
			key->expr_hashes[n] = quals->quals[n].hash;
			key->expr_ops[n] = quals->quals[n].opno;
		}
		key->nexprs = (uint8) quals->n;
	}

	return key->natts > 0;
}

/*
 * Start a statistics key of rel from the best comparison kind seen on each
 * of its columns (kinds[attno - 1], 0 if none; overwritten): at most
 * IDXADV_MAX_COLS columns, the best-ranked ones (equality first), in attnum
 * order.
 */
static void
idxadv_key_from_kinds(idxadvHashKey *key, Oid relid, int natts, uint8 *kinds)
{
	int			attno;
	int			n;

	memset(key, 0, sizeof(idxadvHashKey));
	key->dbid = MyDatabaseId;
	key->relid = relid;

	n = 0;
	for (attno = 1; attno <= natts; attno++)
		if (kinds[attno - 1] != 0)
			n++;
	while (n > IDXADV_MAX_COLS)
	{
		int			worst = -1;

		for (attno = natts; attno >= 1; attno--)
			if (kinds[attno - 1] != 0 &&
				(worst < 0 || cmp_rank[kinds[attno - 1]] < cmp_rank[kinds[worst - 1]]))
				worst = attno;
		kinds[worst - 1] = 0;
		n--;
	}
	for (attno = 1; attno <= natts; attno++)
	{
		if (kinds[attno - 1] == 0)
			continue;
		key->attnums[key->natts] = (int16) attno;
		key->kinds[key->natts] = kinds[attno - 1];
		key->natts++;
	}
}

/*
 * Note what one top-level clause of a scan filter does to the scanned
 * table's columns.
 */
static void
idxadv_classify_clause(Node *clause, Index scanrelid, uint8 *kinds,
					   idxadvExprQuals *quals)
{
	int			attno = 0;
	idxadvCmpKind kind = IDXADV_CMP_OTHER;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);

		attno = idxadv_column_of(left, scanrelid);
		if (attno > 0 && idxadv_is_pseudo_constant(right, scanrelid))
			;
		else if ((attno = idxadv_column_of(right, scanrelid)) > 0 &&
				 idxadv_is_pseudo_constant(left, scanrelid))
			;
		else
			attno = 0;

		if (attno > 0)
		{
			/*
			 * The restriction estimator tells equality from ranges the way the
			 * planner itself does, for every data type.
			 */
			switch (get_oprrest(op->opno))
			{
				case F_EQSEL:
					kind = IDXADV_CMP_EQ;
					break;
				case F_SCALARLTSEL:
				case F_SCALARLESEL:
				case F_SCALARGTSEL:
				case F_SCALARGESEL:
					kind = IDXADV_CMP_RANGE;
					break;
				default:
					kind = IDXADV_CMP_OTHER;
					break;
			}
		}

		/*
		 * What no btree key column serves (an expression, or a column under
		 * LIKE, @>, &&, @@ and the like) is kept with its operator, for an
		 * expression, pattern or GIN index.  The plain col = $1 of most
		 * filters never gets here.
		 */
		if (attno == 0 || kind == IDXADV_CMP_OTHER)
			idxadv_note_expr(left, right, op->opno, false, scanrelid, quals);
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		attno = idxadv_column_of(linitial(saop->args), scanrelid);
		if (attno > 0 && idxadv_is_pseudo_constant(lsecond(saop->args), scanrelid))
			kind = (saop->useOr && get_oprrest(saop->opno) == F_EQSEL) ?
				IDXADV_CMP_EQ : IDXADV_CMP_OTHER;
		else
			attno = 0;
		if (saop->useOr && (attno == 0 || kind == IDXADV_CMP_OTHER))
			idxadv_note_expr(linitial(saop->args), lsecond(saop->args),
							 saop->opno, true, scanrelid, quals);
	}
	else if (IsA(clause, NullTest) && !((NullTest *) clause)->argisrow)
	{
		NullTest   *nt = (NullTest *) clause;

		attno = idxadv_column_of((Node *) nt->arg, scanrelid);
		kind = nt->nulltesttype == IS_NULL ?
			IDXADV_CMP_NULL : IDXADV_CMP_NOTNULL;
	}
	else if (IsA(clause, BooleanTest))
	{
		BooleanTest *bt = (BooleanTest *) clause;

		attno = idxadv_column_of((Node *) bt->arg, scanrelid);
		kind = bt->booltesttype == IS_TRUE ? IDXADV_CMP_TRUE :
			bt->booltesttype == IS_FALSE ? IDXADV_CMP_FALSE :
			IDXADV_CMP_OTHER;
	}
	else if (IsA(clause, Var))
	{
		/* a bare boolean column */
		attno = idxadv_column_of(clause, scanrelid);
		kind = IDXADV_CMP_TRUE;
	}
	else if (is_notclause(clause))
	{
		attno = idxadv_column_of((Node *) get_notclausearg((Expr *) clause),
								 scanrelid);
		kind = IDXADV_CMP_FALSE;
	}

	if (attno > 0)
	{
		if (kinds[attno - 1] == 0 || cmp_rank[kind] > cmp_rank[kinds[attno - 1]])
			kinds[attno - 1] = (uint8) kind;
	}
	else if (is_orclause(clause))
	{
		/*
		 * An OR: no one btree key serves it (a BitmapOr of one index per
		 * branch may); its columns are told apart from "other" so that
		 * suggest can say so
		 */
		idxadv_note_vars(clause, scanrelid, kinds, IDXADV_CMP_OR);
	}
	else
	{
		/* not a comparison we understand: its columns count as "other" */
		idxadv_note_vars(clause, scanrelid, kinds, IDXADV_CMP_OTHER);
		/* but a bare boolean expression is kept (exprpart, issue 11) */
		if (quals != NULL)
			idxadv_note_bool(clause, scanrelid, quals);
	}
}

/*
 * Keep a filter clause that is a boolean expression of the scanned table's
 * columns (is_archived(doc), (attrs->>'active')::boolean), or NOT of one,
 * or one IS TRUE / IS FALSE, as "expr = true" (false for NOT and IS
 * FALSE): the planner matches a btree on the expression to such a clause
 * (match_boolean_index_clause), so suggest may find an expression index
 * for it.  Only function calls and casts: an operator's result is one
 * only an odd index would hold.  expr = true and expr = false are told
 * apart by the hash, so that their counters stay apart.
 */
static void
idxadv_note_bool(Node *clause, Index scanrelid, idxadvExprQuals *quals)
{
	Node	   *expr = clause;
	bool		value = true;
	uint32		hash;
	idxadvExprQual *q;
	int			i;

	if (quals->n >= IDXADV_MAX_EXPRS)
		return;
	if (is_notclause(expr))
	{
		expr = (Node *) get_notclausearg((Expr *) expr);
		value = false;
	}
	else if (IsA(expr, BooleanTest))
	{
		BooleanTest *bt = (BooleanTest *) expr;

		if (bt->booltesttype != IS_TRUE && bt->booltesttype != IS_FALSE)
			return;
		value = bt->booltesttype == IS_TRUE;
		expr = (Node *) bt->arg;
	}
	if (expr == NULL || (!IsA(expr, FuncExpr) && !IsA(expr, CoerceViaIO)) ||
		exprType(expr) != BOOLOID)
		return;
	hash = value ? 0x2545f491 : 0x4f1bbcdd;
	if (!idxadv_expr_hash(expr, scanrelid, &hash))
		return;
	for (i = 0; i < quals->n; i++)
		if (quals->quals[i].hash == hash &&
			quals->quals[i].opno == BooleanEqualOperator)
			return;

	q = &quals->quals[quals->n++];
	q->expr = expr;
	q->other = makeBoolConst(value, false);
	q->opno = BooleanEqualOperator;
	q->any = false;
	q->hash = hash;
}

/*
 * Keep a filter qual "left op right" (for "any", "left op ANY (right)") whose
 * one side is an expression of the scanned table's columns, or a column that
 * the operator compares in a way no btree key serves, and whose other side
 * is constant for the scan: suggest may find an expression, pattern or GIN
 * index for it.  Only the expressions idxadv_expr_hash() can tell apart are
 * kept; the qual's columns count as "other" either way, as before.
 */
static void
idxadv_note_expr(Node *left, Node *right, Oid opno, bool any,
				 Index scanrelid, idxadvExprQuals *quals)
{
	idxadvExprQual *q;
	uint32		hash = any ? 0x9e3779b9 : 0;
	int			i;

	/* (the other plan shapes keep no expressions) */
	if (quals == NULL || quals->n >= IDXADV_MAX_EXPRS)
		return;

	if (idxadv_expr_hash(left, scanrelid, &hash) &&
		idxadv_is_pseudo_constant(right, scanrelid))
		;
	else if (!any && (hash = 0, idxadv_expr_hash(right, scanrelid, &hash)) &&
			 idxadv_is_pseudo_constant(left, scanrelid) &&
			 OidIsValid(opno = get_commutator(opno)))
	{
		Node	   *tmp = left;

		left = right;
		right = tmp;
	}
	else
		return;

	/* the same qual twice (a = 1 AND a = 2 on one expression) counts once */
	for (i = 0; i < quals->n; i++)
		if (quals->quals[i].hash == hash && quals->quals[i].opno == opno)
			return;

	q = &quals->quals[quals->n++];
	q->expr = left;
	q->other = right;
	q->opno = opno;
	q->any = any;
	q->hash = hash;
}

/*
 * Hash an expression of the scanned table's columns into *hash, ignoring
 * parse locations; false when node is not one we keep: it must name a
 * column of the scanned table (and no other relation's, no system or
 * whole-row column) and be built only of the nodes below, which the hash
 * tells apart completely, so that two expressions with one hash are, but
 * for the rarest collisions, the same expression.  Cheap: one walk, no
 * allocation, no catalog access.
 */
static bool
idxadv_expr_hash(Node *node, Index scanrelid, uint32 *hash)
{
	uint32		h = *hash;
	ListCell   *lc;
	List	   *args = NIL;

	if (node == NULL)
		return false;
	h = hash_combine(h, (uint32) nodeTag(node));
	switch (nodeTag(node))
	{
		case T_Var:
			{
				Var		   *var = (Var *) node;

				if (var->varno != scanrelid || var->varlevelsup != 0 ||
					var->varattno <= 0)
					return false;
				h = hash_combine(h, (uint32) var->varattno);
				h = hash_combine(h, var->vartype);
				h = hash_combine(h, var->varcollid);
				*hash = h;
				return true;
			}
		case T_Const:
			{
				Const	   *c = (Const *) node;

				h = hash_combine(h, c->consttype);
				h = hash_combine(h, c->constcollid);
				if (c->constisnull)
					h = hash_combine(h, 1);
				else if (c->constbyval)
					h = hash_combine(h, murmurhash32((uint32) c->constvalue));
				else if (c->constlen == -1)
				{
					struct varlena *v = (struct varlena *) DatumGetPointer(c->constvalue);

					if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
						return false;	/* compressed or toasted: not kept */
					h = hash_combine(h, hash_bytes((unsigned char *) VARDATA_ANY(v),
												   VARSIZE_ANY_EXHDR(v)));
				}
				else if (c->constlen > 0)
					h = hash_combine(h, hash_bytes((unsigned char *) DatumGetPointer(c->constvalue),
												   c->constlen));
				else
					return false;
				/* a constant alone is not an expression of the table */
				*hash = h;
				return false;
			}
		case T_FuncExpr:
			if (((FuncExpr *) node)->funcretset)
				return false;
			h = hash_combine(h, ((FuncExpr *) node)->funcid);
			h = hash_combine(h, ((FuncExpr *) node)->inputcollid);
			args = ((FuncExpr *) node)->args;
			break;
		case T_OpExpr:
			if (((OpExpr *) node)->opretset)
				return false;
			h = hash_combine(h, ((OpExpr *) node)->opno);
			h = hash_combine(h, ((OpExpr *) node)->inputcollid);
			args = ((OpExpr *) node)->args;
			break;
		case T_RelabelType:
			h = hash_combine(h, ((RelabelType *) node)->resulttype);
			h = hash_combine(h, ((RelabelType *) node)->resultcollid);
			args = list_make1(((RelabelType *) node)->arg);
			break;
		case T_CoerceViaIO:
			h = hash_combine(h, ((CoerceViaIO *) node)->resulttype);
			h = hash_combine(h, ((CoerceViaIO *) node)->resultcollid);
			args = list_make1(((CoerceViaIO *) node)->arg);
			break;
		case T_CollateExpr:
			h = hash_combine(h, ((CollateExpr *) node)->collOid);
			args = list_make1(((CollateExpr *) node)->arg);
			break;
		default:
			return false;
	}

	/* an expression: of at least one column, and only of kept nodes */
	{
		bool		has_column = false;

		foreach(lc, args)
		{
			Node	   *arg = (Node *) lfirst(lc);

			if (idxadv_expr_hash(arg, scanrelid, &h))
				has_column = true;
			else if (!IsA(arg, Const))
				return false;
			h = hash_combine(h, 0x5bd1e995);	/* argument boundary */
		}
		if (!has_column)
			return false;
	}
	*hash = h;
	return true;
}

/*
 * qsort comparator of expression quals: by hash, then operator.
 */
static int
idxadv_expr_qual_cmp(const void *a, const void *b)
{
	const idxadvExprQual *qa = (const idxadvExprQual *) a;
	const idxadvExprQual *qb = (const idxadvExprQual *) b;

	if (qa->hash != qb->hash)
		return qa->hash < qb->hash ? -1 : 1;
	if (qa->opno != qb->opno)
		return qa->opno < qb->opno ? -1 : 1;
	return 0;
}

/*
 * The text an entry keeps of its expression quals: nodeToString() of a List
 * of OpExpr (ScalarArrayOpExpr for "any"), indexed side first, in key order,
 * its columns renumbered to varno 1 (the table, as in an index expression).
 * The other side is kept when it is a short constant (a LIKE pattern, a
 * JSON value), else becomes a parameter $n of its type: suggest costs with
 * the constant when it has one.  What does not fit IDXADV_EXPR_TEXT_LEN
 * loses its constants, then its last quals ("" or fewer quals than the key
 * names: suggest counts them as lost).  Runs only when an entry is created,
 * outside the lock.
 */
static void
idxadv_exprs_text(const idxadvExprQuals *quals, Index scanrelid, char *buf)
{
	char	   *with[IDXADV_MAX_EXPRS];
	char	   *without[IDXADV_MAX_EXPRS];
	char	   *use[IDXADV_MAX_EXPRS];
	int			n = quals->n;
	int			i;
	Size		total;
	StringInfoData str;

	/* each qual as a node string, with its constant and with a parameter */
	for (i = 0; i < n; i++)
	{
		const idxadvExprQual *q = &quals->quals[i];
		Node	   *expr = copyObject(q->expr);
		Node	   *other = q->other;
		Param	   *param = makeNode(Param);
		bool		keep_const;

		ChangeVarNodes(expr, scanrelid, 1, 0);
		param->paramkind = PARAM_EXTERN;
		param->paramid = i + 1;
		param->paramtype = exprType(other);
		param->paramtypmod = exprTypmod(other);
		param->paramcollid = exprCollation(other);
		param->location = -1;
		keep_const = IsA(other, Const) &&
			(((Const *) other)->constlen > 0 ||
			 (((Const *) other)->constlen == -1 &&
			  !((Const *) other)->constisnull &&
			  VARSIZE_ANY(DatumGetPointer(((Const *) other)->constvalue)) <= 64));
		/* packed (idxadv_exprs_pack): more quals fit */
		without[i] = idxadv_exprs_pack(nodeToString(idxadv_expr_clause(q, expr, (Node *) param)));
		with[i] = keep_const ?
			idxadv_exprs_pack(nodeToString(idxadv_expr_clause(q, expr, other))) :
			without[i];
		use[i] = with[i];
	}

	/*
	 * What does not fit: constants first become parameters, from the last
	 * qual back; then the last quals are left out.
	 */
	for (;;)
	{
		total = 2;
		for (i = 0; i < n; i++)
			total += strlen(use[i]) + 1;
		if (total < IDXADV_EXPR_TEXT_LEN)
			break;
		for (i = n - 1; i >= 0 && use[i] == without[i]; i--)
			;
		if (i >= 0)
			use[i] = without[i];
		else if (--n == 0)
			break;
	}

	/* as nodeToString() writes a List */
	initStringInfo(&str);
	appendStringInfoChar(&str, '(');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&str, ' ');
		appendStringInfoString(&str, use[i]);
	}
	appendStringInfoChar(&str, ')');
	if (n > 0 && str.len < IDXADV_EXPR_TEXT_LEN)
		strcpy(buf, str.data);
	else
		buf[0] = '\0';
}

/*
 * The clause of an expression qual: "expr op other", or "expr op ANY
 * (other)", with the operator's function and collations filled in.
 */
static Node *
idxadv_expr_clause(const idxadvExprQual *q, Node *expr, Node *other)
{
	if (q->any)
	{
		ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);

		saop->opno = q->opno;
		saop->opfuncid = get_opcode(q->opno);
		saop->useOr = true;
		saop->inputcollid = exprCollation(q->expr);
		saop->args = list_make2(expr, other);
		saop->location = -1;
		return (Node *) saop;
	}
	else
	{
		OpExpr	   *op = (OpExpr *) make_opclause(q->opno, BOOLOID, false,
												  (Expr *) expr,
												  (Expr *) other, InvalidOid,
												  exprCollation(q->expr));

		op->opfuncid = get_opcode(q->opno);
		return (Node *) op;
	}
}

/*
 * Mark every column of the scanned table that appears in node with kind
 * (IDXADV_CMP_OTHER or _OR), unless a better kind is known.
 */
static void
idxadv_note_vars(Node *node, Index scanrelid, uint8 *kinds,
				 idxadvCmpKind kind)
{
	List	   *vars = pull_var_clause(node, PVC_RECURSE_AGGREGATES |
									   PVC_RECURSE_WINDOWFUNCS |
									   PVC_RECURSE_PLACEHOLDERS);
	ListCell   *lc;

	foreach(lc, vars)
	{
		Var		   *var = (Var *) lfirst(lc);

		if (IsA(var, Var) && var->varno == scanrelid &&
			var->varlevelsup == 0 && var->varattno > 0 &&
			(kinds[var->varattno - 1] == 0 ||
			 cmp_rank[kind] > cmp_rank[kinds[var->varattno - 1]]))
			kinds[var->varattno - 1] = (uint8) kind;
	}
	list_free(vars);
}

/*
 * If node is a plain column of the scanned table, perhaps under a
 * binary-compatible cast, return its attnum, else 0.
 */
static int
idxadv_column_of(Node *node, Index scanrelid)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;

	if (node && IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varno == scanrelid && var->varlevelsup == 0 &&
			var->varattno > 0)
			return var->varattno;
	}
	return 0;
}

/*
 * Is node constant for the duration of one scan: a constant, a parameter,
 * an outer reference, or a stable expression of those?  In a plan's scan
 * filter every column is the scanned table's; among the planner's join
 * clauses a column of another table is an outer reference.
 */
static bool
idxadv_is_pseudo_constant(Node *node, Index scanrelid)
{
	return !idxadv_references_rel(node, &scanrelid) &&
		!contain_volatile_functions(node);
}

/*
 * Does node contain a column of the range table entry *scanrelid of this
 * query level?
 */
static bool
idxadv_references_rel(Node *node, Index *scanrelid)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return ((Var *) node)->varno == *scanrelid &&
			((Var *) node)->varlevelsup == 0;
	return expression_tree_walker(node, idxadv_references_rel,
								  (void *) scanrelid);
}

/*
 * If a Sort (or Incremental Sort) sits directly above the scan and sorts on
 * plain columns of the scanned table, record those columns in the key, with
 * their direction, up to the first key that is not such a column.
 */
static void
idxadv_classify_order(PlanState *parent, SeqScanState *node,
					  idxadvHashKey *key)
{
	Sort	   *sort;
	Plan	   *scanplan = node->ss.ps.plan;
	Index		scanrelid = ((Scan *) scanplan)->scanrelid;
	int			i;

	if (parent == NULL || outerPlanState(parent) != (PlanState *) node)
		return;

	if (IsA(parent, SortState))
		sort = (Sort *) parent->plan;
	else if (IsA(parent, IncrementalSortState))
		sort = &((IncrementalSort *) parent->plan)->sort;
	else
		return;

	for (i = 0; i < sort->numCols && key->norder < IDXADV_MAX_ORDER; i++)
	{
		TargetEntry *tle;
		Node	   *expr;
		Oid			opfamily;
		Oid			opcintype;
		CompareType cmptype;
		uint8		flags = 0;
		int			attno;

		tle = get_tle_by_resno(sort->plan.targetlist, sort->sortColIdx[i]);
		if (tle == NULL)
			break;
		expr = (Node *) tle->expr;

		/* the sort's columns point into the scan's target list */
		if (IsA(expr, Var) && ((Var *) expr)->varno == OUTER_VAR)
		{
			tle = get_tle_by_resno(scanplan->targetlist,
								   ((Var *) expr)->varattno);
			if (tle == NULL)
				break;
			expr = (Node *) tle->expr;
		}

		attno = idxadv_column_of(expr, scanrelid);
		if (attno == 0 ||
			!idxadv_get_ordering_op_properties(sort->sortOperators[i],
											   &opfamily, &opcintype,
											   &cmptype))
			break;

		if (cmptype == COMPARE_GT)
			flags |= IDXADV_ORDER_DESC;
		if (sort->nullsFirst[i])
			flags |= IDXADV_ORDER_NULLS_FIRST;

		key->order_attnums[key->norder] = (int16) attno;
		key->order_flags[key->norder] = flags;
		key->norder++;
	}
}

/*
 * The Sort above a scan whose ORDER BY columns the key holds: was it bounded
 * by a LIMIT above it (a top-N sort)?  ExecLimit passes its bound down when
 * it starts, so at ExecutorEnd the Sort knows it.  An ORDER BY that returns
 * every row is costed very differently from one that returns the first ten:
 * idxadvisor_suggest() must know which.
 */
static void
idxadv_sort_bound(PlanState *parent, idxadvCounters *delta)
{
	bool		bounded = false;
	int64		bound = 0;

	if (parent == NULL)
		return;
	if (IsA(parent, SortState))
	{
		bounded = ((SortState *) parent)->bounded;
		bound = ((SortState *) parent)->bound;
	}
	else if (IsA(parent, IncrementalSortState))
	{
		bounded = ((IncrementalSortState *) parent)->bounded;
		bound = ((IncrementalSortState *) parent)->bound;
	}
	if (bounded && bound > 0)
	{
		delta->limited_executions = delta->executions;
		delta->limit_max = bound;
	}
}

/* ----------------------------------------------------------------
 * Other plan shapes: top-N sorts over unfiltered scans, index scans whose
 * filter removes most of what they fetch, join inputs read whole
 *
 * A top-N sort or a join input over a table smaller than
 * idxadvisor.min_table_pages (as set where the statement runs) is not
 * recorded: suggest passes such tables over, and the many joins on small
 * lookup tables of a busy server would otherwise push the entries that
 * matter out of the table.
 *
 * These cost the statements that have none of them one node-tag test per
 * plan node at start and at end: an index scan without a filter (pgbench
 * -S's) is passed over on its tag and qual alone.
 * ----------------------------------------------------------------
 */

/*
 * Give a plan node row counts, unless it has them already (EXPLAIN ANALYZE,
 * auto_explain).
 */
static void
idxadv_instrument(PlanState *planstate)
{
	if (planstate->instrument == NULL)
		planstate->instrument = InstrAllocNode(INSTRUMENT_ROWS, false);
}

/*
 * ExecutorStart part of the other shapes: instrument what the node needs
 * recorded at its end.  Returns true if it did.
 */
static bool
idxadv_start_shapes(PlanState *planstate)
{
	switch (nodeTag(planstate))
	{
		case T_SortState:
		case T_IncrementalSortState:
			{
				SeqScanState *scan = idxadv_topn_scan(planstate);

				if (scan == NULL)
					return false;
				idxadv_instrument((PlanState *) scan);
				return true;
			}
		case T_IndexScanState:
		case T_BitmapHeapScanState:
			/* a bitmap heap scan's recheck can remove rows too */
			if (IsA(planstate, IndexScanState) &&
				planstate->plan->qual == NIL)
				return false;
			if (!idxadv_rel_qualifies(((ScanState *) planstate)->ss_currentRelation))
				return false;
			idxadv_instrument(planstate);
			return true;
		case T_HashJoinState:
		case T_MergeJoinState:
		case T_NestLoopState:
			{
				bool		found = false;
				int			side;

				for (side = 0; side < 2; side++)
				{
					PlanState  *mine = side == 0 ? outerPlanState(planstate) :
						innerPlanState(planstate);
					PlanState  *other = side == 0 ? innerPlanState(planstate) :
						outerPlanState(planstate);
					SeqScanState *scan = idxadv_join_side_scan(mine);

					if (scan == NULL || other == NULL)
						continue;
					idxadv_instrument((PlanState *) scan);
					idxadv_instrument(other);
					found = true;
				}
				return found;
			}
		default:
			return false;
	}
}

/*
 * ExecutorEnd part of the other shapes.
 */
static void
idxadv_end_shapes(PlanState *planstate, idxadvWalkContext *ctx)
{
	switch (nodeTag(planstate))
	{
		case T_IndexScanState:
		case T_BitmapHeapScanState:
			if (planstate->instrument != NULL &&
				idxadv_rel_qualifies(((ScanState *) planstate)->ss_currentRelation))
				idxadv_record_index_filter((ScanState *) planstate, ctx);
			break;
		case T_HashJoinState:
		case T_MergeJoinState:
		case T_NestLoopState:
			idxadv_record_join_side(planstate, true, ctx);
			idxadv_record_join_side(planstate, false, ctx);
			break;
		default:
			break;
	}
}

/*
 * The unfiltered sequential scan of a qualifying table directly below a
 * Sort (or Incremental Sort), or NULL.  Whether a LIMIT bounds the Sort is
 * known only once it runs: at ExecutorEnd.
 */
static SeqScanState *
idxadv_topn_scan(PlanState *sort)
{
	PlanState  *child;

	if (!IsA(sort, SortState) && !IsA(sort, IncrementalSortState))
		return NULL;
	child = outerPlanState(sort);
	if (child == NULL || !IsA(child, SeqScanState) ||
		child->plan->qual != NIL ||
		!idxadv_rel_qualifies(((ScanState *) child)->ss_currentRelation))
		return NULL;
	return (SeqScanState *) child;
}

/*
 * Record an unfiltered scan read whole to return the first rows of a
 * top-N sort on its columns ("ORDER BY c DESC LIMIT 10"): the key has no
 * filtered columns, only the ORDER BY ones.  A Sort that no LIMIT bounded
 * returned every row, which an index would not make cheaper: not recorded.
 */
static void
idxadv_record_topn(SeqScanState *node, PlanState *parent,
				   idxadvWalkContext *ctx)
{
	NodeInstrumentation *instr = node->ss.ps.instrument;
	idxadvHashKey key;
	idxadvCounters delta;

	InstrEndLoop(instr);
	if (instr->nloops <= 0 ||
		idxadv_scan_pages(&node->ss, 1) < idxadv_min_table_pages)
		return;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.relid = RelationGetRelid(node->ss.ss_currentRelation);
	key.shape = IDXADV_SHAPE_SEQ_TOPN;
	idxadv_classify_order(parent, node, &key);
	if (key.norder == 0)
		return;

	memset(&delta, 0, sizeof(delta));
	delta.executions = node->ss.ps.plan->parallel_aware ?
		1 : (int64) instr->nloops;
	idxadv_sort_bound(parent, &delta);
	if (delta.limited_executions == 0)
		return;
	if (ctx->fk_trigger)
		delta.fk_trigger_executions = delta.executions;
	delta.rows_matched = (int64) instr->ntuples;
	delta.rows_scanned = (int64) instr->ntuples;
	delta.pages_scanned = idxadv_scan_pages(&node->ss, delta.executions);
	delta.cols_read = idxadv_cols_read(ctx->queryDesc,
									   ((Scan *) node->ss.ps.plan)->scanrelid);
	delta.last_seen = GetCurrentTimestamp();
	delta.queryid = (int64) ctx->queryDesc->plannedstmt->queryId;
	delta.usage = (double) delta.executions;
	idxadv_store(&key, &delta, NULL, 0);
}

/*
 * Record an index scan or bitmap heap scan whose filter (or recheck) removed
 * most of the rows it fetched: the index finds the rows of its conditions,
 * the filter throws most of them away, and an index on the columns of both
 * ("the wrong index": (status) where (tenant_id, status) is wanted) would
 * fetch only the rows kept.  The key holds the columns of the index
 * conditions and of the filter together, classified as a filter's.  Scans
 * that removed at most half of what they fetched, or fewer than
 * IDXADV_INDEX_FILTER_MIN_REMOVED rows per scan, are not recorded: a hot
 * lookup with a cheap filter must not push the real candidates out of the
 * table.
 */
static void
idxadv_record_index_filter(ScanState *node, idxadvWalkContext *ctx)
{
	NodeInstrumentation *instr = node->ps.instrument;
	Scan	   *scan = (Scan *) node->ps.plan;
	Relation	rel = node->ss_currentRelation;
	List	   *conds;
	double		removed;
	double		fetched;
	uint8	   *kinds;
	ListCell   *lc;
	idxadvHashKey key;
	idxadvCounters delta;

	InstrEndLoop(instr);
	if (instr->nloops <= 0)
		return;

	/* nfiltered1: the filter; nfiltered2: the index conditions' recheck */
	removed = instr->nfiltered1 + instr->nfiltered2;
	fetched = instr->ntuples + removed;
	if (removed * 2 <= fetched ||
		removed < IDXADV_INDEX_FILTER_MIN_REMOVED * instr->nloops)
		return;

	if (IsA(node, IndexScanState))
		conds = ((IndexScan *) scan)->indexqualorig;
	else
		conds = ((BitmapHeapScan *) scan)->bitmapqualorig;

	kinds = palloc0(RelationGetNumberOfAttributes(rel) * sizeof(uint8));
	foreach(lc, conds)
		idxadv_classify_clause((Node *) lfirst(lc), scan->scanrelid, kinds,
							   NULL);
	foreach(lc, scan->plan.qual)
		idxadv_classify_clause((Node *) lfirst(lc), scan->scanrelid, kinds,
							   NULL);
	idxadv_key_from_kinds(&key, RelationGetRelid(rel),
						  RelationGetNumberOfAttributes(rel), kinds);
	pfree(kinds);
	if (key.natts == 0)
		return;
	key.shape = IDXADV_SHAPE_INDEX_FILTER;

	memset(&delta, 0, sizeof(delta));
	delta.executions = scan->plan.parallel_aware ? 1 : (int64) instr->nloops;
	if (ctx->fk_trigger)
		delta.fk_trigger_executions = delta.executions;
	delta.rows_scanned = (int64) fetched;
	delta.rows_matched = (int64) instr->ntuples;
	delta.cols_read = idxadv_cols_read(ctx->queryDesc, scan->scanrelid);
	delta.last_seen = GetCurrentTimestamp();
	delta.queryid = (int64) ctx->queryDesc->plannedstmt->queryId;
	delta.usage = (double) delta.executions;
	idxadv_store(&key, &delta, NULL, 0);
}

/*
 * The sequential scan of a qualifying table that one input of a join reads
 * whole, through the nodes that only pass its rows on (Hash, Sort,
 * Material), or NULL.  A parallel scan is left out: its rows are spread
 * over processes whose counts the leader does not see.
 */
static SeqScanState *
idxadv_join_side_scan(PlanState *side)
{
	while (side != NULL &&
		   (IsA(side, HashState) || IsA(side, SortState) ||
			IsA(side, MaterialState)))
		side = outerPlanState(side);
	if (side == NULL || !IsA(side, SeqScanState) ||
		side->plan->parallel_aware ||
		!idxadv_rel_qualifies(((ScanState *) side)->ss_currentRelation))
		return NULL;
	return (SeqScanState *) side;
}

/*
 * The equality conditions of a join: a hash join's hash clauses, a merge
 * join's merge clauses, a nested loop's join filter.
 */
static List *
idxadv_join_clauses(PlanState *join)
{
	switch (nodeTag(join))
	{
		case T_HashJoinState:
			return ((HashJoin *) join->plan)->hashclauses;
		case T_MergeJoinState:
			return ((MergeJoin *) join->plan)->mergeclauses;
		case T_NestLoopState:
			return ((Join *) join->plan)->joinqual;
		default:
			return NIL;
	}
}

/*
 * If expr, one argument of a join condition, is a column of the join's
 * input side (a Var of varno OUTER_VAR or INNER_VAR, perhaps under a
 * binary-compatible cast), follow it down through the pass-through nodes
 * to the column of the table the side's sequential scan reads; else 0.
 */
static int
idxadv_side_column(PlanState *side, Node *expr, int varno)
{
	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr == NULL || !IsA(expr, Var) || ((Var *) expr)->varno != varno)
		return 0;

	for (;;)
	{
		TargetEntry *tle = get_tle_by_resno(side->plan->targetlist,
											((Var *) expr)->varattno);

		if (tle == NULL)
			return 0;
		expr = (Node *) tle->expr;
		if (IsA(side, SeqScanState))
			return idxadv_column_of(expr, ((Scan *) side->plan)->scanrelid);
		/* Hash, Sort, Material: their columns are their input's */
		if (!IsA(expr, Var) || ((Var *) expr)->varno != OUTER_VAR)
			return 0;
		side = outerPlanState(side);
		if (side == NULL)
			return 0;
	}
}

/*
 * Record one input of a join that reads a whole table, keyed by the
 * table's columns in the join's equality conditions ("l.sku = p.sku": an
 * index on order_lines (sku) would let a nested loop look up each row of
 * the other input instead).  Counters: the scan's executions and rows, and
 * in outer_rows the rows the other input produced, the lookups a
 * parameterized nested loop would make instead.
 */
static void
idxadv_record_join_side(PlanState *join, bool outer, idxadvWalkContext *ctx)
{
	PlanState  *mine = outer ? outerPlanState(join) : innerPlanState(join);
	PlanState  *other = outer ? innerPlanState(join) : outerPlanState(join);
	int			varno = outer ? OUTER_VAR : INNER_VAR;
	SeqScanState *scan;
	NodeInstrumentation *instr;
	Relation	rel;
	uint8	   *kinds;
	ListCell   *lc;
	idxadvHashKey key;
	idxadvCounters delta;

	scan = idxadv_join_side_scan(mine);
	if (scan == NULL || other == NULL || other->instrument == NULL ||
		scan->ss.ps.instrument == NULL)
		return;
	instr = scan->ss.ps.instrument;
	InstrEndLoop(instr);
	InstrEndLoop(other->instrument);
	if (instr->nloops <= 0 ||
		idxadv_scan_pages(&scan->ss, 1) < idxadv_min_table_pages)
		return;

	rel = scan->ss.ss_currentRelation;
	kinds = palloc0(RelationGetNumberOfAttributes(rel) * sizeof(uint8));
	foreach(lc, idxadv_join_clauses(join))
	{
		OpExpr	   *op = (OpExpr *) lfirst(lc);
		int			attno;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2 ||
			get_oprrest(op->opno) != F_EQSEL)
			continue;
		/* this side's column against anything of the other side */
		attno = idxadv_side_column(mine, linitial(op->args), varno);
		if (attno == 0)
			attno = idxadv_side_column(mine, lsecond(op->args), varno);
		if (attno > 0)
			kinds[attno - 1] = IDXADV_CMP_EQ;
	}
	idxadv_key_from_kinds(&key, RelationGetRelid(rel),
						  RelationGetNumberOfAttributes(rel), kinds);
	pfree(kinds);
	if (key.natts == 0)
		return;
	key.shape = IDXADV_SHAPE_JOIN_INNER;

	memset(&delta, 0, sizeof(delta));
	delta.executions = (int64) instr->nloops;
	if (ctx->fk_trigger)
		delta.fk_trigger_executions = delta.executions;
	delta.rows_scanned = (int64) (instr->ntuples + instr->nfiltered1);
	delta.rows_matched = (int64) instr->ntuples;
	delta.pages_scanned = idxadv_scan_pages(&scan->ss, delta.executions);
	delta.outer_rows = (int64) other->instrument->ntuples;
	delta.cols_read = IDXADV_COLS_READ_OTHER;	/* not worked out for joins */
	delta.last_seen = GetCurrentTimestamp();
	delta.queryid = (int64) ctx->queryDesc->plannedstmt->queryId;
	delta.usage = (double) delta.executions;
	idxadv_store(&key, &delta, NULL, 0);
}

/*
 * The columns a statement reads from the table its scan scanrelid reads,
 * for covering indexes (idxadvCounters.cols_read): the columns the query
 * selects from that range table entry, wherever it uses them.  A statement
 * that is not a plain SELECT, or locks rows, needs the heap tuple whatever
 * the index holds: IDXADV_COLS_READ_OTHER, as for a column that the bits
 * cannot hold.
 */
static uint64
idxadv_cols_read(QueryDesc *queryDesc, Index scanrelid)
{
	Bitmapset  *cols;
	uint64		bits = 0;
	int			x = -1;

	if (queryDesc->operation != CMD_SELECT ||
		queryDesc->plannedstmt->rowMarks != NIL)
		return IDXADV_COLS_READ_OTHER;
	cols = idxadv_rte_selected_cols(queryDesc->estate, scanrelid);
	if (cols == NULL)
		return IDXADV_COLS_READ_OTHER;
	while ((x = bms_next_member(cols, x)) >= 0)
	{
		int			att = x + FirstLowInvalidHeapAttributeNumber;

		if (att >= 1 && att <= 63)
			bits |= UINT64CONST(1) << (att - 1);
		else
			bits |= IDXADV_COLS_READ_OTHER;
	}
	return bits;
}

/*
 * Pages a sequential scan read, executions times: the heap scan knows the
 * size it started with; other table AMs give us the planner's figure.
 * Either way an estimate: a scan stopped early by LIMIT read less.
 */
static int64
idxadv_scan_pages(ScanState *node, int64 executions)
{
	Relation	rel = node->ss_currentRelation;
	TableScanDesc scan = node->ss_currentScanDesc;
	BlockNumber nblocks;

	if (scan != NULL && rel->rd_tableam == GetHeapamTableAmRoutine())
		nblocks = ((HeapScanDesc) scan)->rs_nblocks;
	else
		nblocks = (BlockNumber) Max(rel->rd_rel->relpages, 0);
	return (int64) nblocks * executions;
}

/* ----------------------------------------------------------------
 * The hash table
 * ----------------------------------------------------------------
 */

/*
 * Add delta to the entry of key, creating it if need be.  Never raises an
 * error for want of room: a full table evicts, and if even that leaves no
 * room the scan goes unrecorded.
 */
static void
idxadv_store(const idxadvHashKey *key, const idxadvCounters *delta,
			 const idxadvExprQuals *quals, Index scanrelid)
{
	idxadvEntry *entry;

	LWLockAcquire(idxadv_shared->lock, LW_SHARED);

	entry = (idxadvEntry *) hash_search(idxadv_hash, key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		char		exprs[IDXADV_EXPR_TEXT_LEN];

		/*
		 * Need exclusive lock to make a new entry; the text of its
		 * expression quals is written before, not under it.
		 */
		LWLockRelease(idxadv_shared->lock);
		if (key->nexprs > 0)
			idxadv_exprs_text(quals, scanrelid, exprs);
		else
			exprs[0] = '\0';
		LWLockAcquire(idxadv_shared->lock, LW_EXCLUSIVE);
		entry = idxadv_entry_alloc(key, exprs);
	}

	if (entry != NULL)
	{
		volatile idxadvEntry *e = (volatile idxadvEntry *) entry;

		SpinLockAcquire(&e->mutex);
		e->counters.executions += delta->executions;
		e->counters.fk_trigger_executions += delta->fk_trigger_executions;
		e->counters.rows_scanned += delta->rows_scanned;
		e->counters.rows_matched += delta->rows_matched;
		e->counters.pages_scanned += delta->pages_scanned;
		e->counters.limited_executions += delta->limited_executions;
		e->counters.outer_rows += delta->outer_rows;
		e->counters.cols_read |= delta->cols_read;
		if (delta->limit_max > e->counters.limit_max)
			e->counters.limit_max = delta->limit_max;
		e->counters.usage += delta->usage;
		if (delta->last_seen > e->counters.last_seen)
			e->counters.last_seen = delta->last_seen;
		if (delta->queryid != 0)
			e->counters.queryid = delta->queryid;
		SpinLockRelease(&e->mutex);
	}

	LWLockRelease(idxadv_shared->lock);
}

/*
 * Find or create the entry of key.  Caller must hold the lock exclusive.
 * Returns NULL only when the table has no room even after eviction.
 */
static idxadvEntry *
idxadv_entry_alloc(const idxadvHashKey *key, const char *exprs)
{
	idxadvEntry *entry;
	bool		found;

	while (hash_get_num_entries(idxadv_hash) >= idxadv_max)
		idxadv_entry_dealloc();

	entry = (idxadvEntry *) hash_search(idxadv_hash, key, HASH_ENTER_NULL,
										&found);
	if (entry != NULL && !found)
	{
		memset(&entry->counters, 0, sizeof(idxadvCounters));
		SpinLockInit(&entry->mutex);
		strlcpy(entry->exprs, exprs, IDXADV_EXPR_TEXT_LEN);
	}
	return entry;
}

/*
 * Evict the least used entries.  Caller must hold the lock exclusive.
 */
static void
idxadv_entry_dealloc(void)
{
	HASH_SEQ_STATUS hash_seq;
	idxadvEntry **entries;
	idxadvEntry *entry;
	int			nentries = 0;
	int			nvictims;
	int			i;

	entries = palloc(hash_get_num_entries(idxadv_hash) * sizeof(idxadvEntry *));

	hash_seq_init(&hash_seq, idxadv_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
	{
		entries[nentries++] = entry;
		entry->counters.usage *= IDXADV_USAGE_DECAY;
	}

	qsort(entries, nentries, sizeof(idxadvEntry *), idxadv_usage_cmp);

	nvictims = Max(IDXADV_EVICT_MIN, nentries * IDXADV_EVICT_PERCENT / 100);
	nvictims = Min(nvictims, nentries);

	for (i = 0; i < nvictims; i++)
		hash_search(idxadv_hash, &entries[i]->key, HASH_REMOVE, NULL);

	pfree(entries);
}

/*
 * qsort comparator: least used first; among equals, least recently seen.
 */
static int
idxadv_usage_cmp(const void *a, const void *b)
{
	const idxadvEntry *ea = *(idxadvEntry *const *) a;
	const idxadvEntry *eb = *(idxadvEntry *const *) b;

	if (ea->counters.usage < eb->counters.usage)
		return -1;
	if (ea->counters.usage > eb->counters.usage)
		return 1;
	if (ea->counters.last_seen < eb->counters.last_seen)
		return -1;
	if (ea->counters.last_seen > eb->counters.last_seen)
		return 1;
	return 0;
}

/*
 * Copy the entries of one database (all if dbid is InvalidOid) out of
 * shared memory, in palloc'd memory of the current context.
 */
idxadvScanStat *
idxadv_capture_snapshot(Oid dbid, int *nentries)
{
	HASH_SEQ_STATUS hash_seq;
	idxadvEntry *entry;
	idxadvScanStat *result;
	int			n = 0;

	LWLockAcquire(idxadv_shared->lock, LW_SHARED);

	result = palloc(Max(hash_get_num_entries(idxadv_hash), 1) *
					sizeof(idxadvScanStat));

	hash_seq_init(&hash_seq, idxadv_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
	{
		volatile idxadvEntry *e = (volatile idxadvEntry *) entry;

		if (OidIsValid(dbid) && entry->key.dbid != dbid)
			continue;
		result[n].key = entry->key;
		/* written once, at creation, under the exclusive lock */
		strlcpy(result[n].exprs, entry->exprs, IDXADV_EXPR_TEXT_LEN);
		SpinLockAcquire(&e->mutex);
		result[n].counters = e->counters;
		SpinLockRelease(&e->mutex);
		n++;
	}

	LWLockRelease(idxadv_shared->lock);

	*nentries = n;
	return result;
}

/*
 * When the capture started counting: the last idxadvisor_reset(), or the
 * server start (counters loaded from the statistics file may be older).
 * Used by idxadvisor_lifecycle.c for rates per hour, and by the
 * workload-level selection of idxadvisor_suggest() for scans per second.
 */
TimestampTz
idxadv_capture_reset_time(void)
{
	TimestampTz result;

	SpinLockAcquire(&idxadv_shared->mutex);
	result = idxadv_shared->stats_reset;
	SpinLockRelease(&idxadv_shared->mutex);
	return result;
}

/*
 * Name of a comparison kind, as the SQL functions show it.
 */
const char *
idxadv_cmp_kind_name(idxadvCmpKind kind)
{
	switch (kind)
	{
		case IDXADV_CMP_EQ:
			return "eq";
		case IDXADV_CMP_RANGE:
			return "range";
		case IDXADV_CMP_NULL:
			return "null";
		case IDXADV_CMP_NOTNULL:
			return "notnull";
		case IDXADV_CMP_TRUE:
			return "true";
		case IDXADV_CMP_FALSE:
			return "false";
		case IDXADV_CMP_OTHER:
			return "other";
		case IDXADV_CMP_OR:
			return "or";
	}
	return "other";
}

/*
 * Name of a plan shape, as idxadvisor_scans' shape and idxadvisor_suggest()'s
 * kind show it.
 */
const char *
idxadv_shape_name(uint8 shape)
{
	switch ((idxadvScanShape) shape)
	{
		case IDXADV_SHAPE_SEQ_FILTER:
			return "filter";
		case IDXADV_SHAPE_SEQ_TOPN:
			return "top_n";
		case IDXADV_SHAPE_INDEX_FILTER:
			return "index_filter";
		case IDXADV_SHAPE_JOIN_INNER:
			return "join";
	}
	return "filter";
}

/* ----------------------------------------------------------------
 * SQL-callable functions
 * ----------------------------------------------------------------
 */

/*
 * Does the entry's table still exist with all the entry's columns, and may
 * the user see it?  The visibility rule of idxadvisor_scans, also for the
 * scans collected from standbys (idxadvisor_collect.c).
 */
bool
idxadv_entry_visible(const idxadvHashKey *key, Oid userid, bool see_all)
{
	bool		is_missing = false;
	int			j;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(key->relid)))
		return false;
	if (!see_all &&
		pg_class_aclcheck_ext(key->relid, userid,
							  ACL_SELECT | ACL_INSERT | ACL_UPDATE |
							  ACL_DELETE | ACL_REFERENCES,
							  &is_missing) != ACLCHECK_OK)
		return false;
	if (is_missing)
		return false;

	for (j = 0; j < key->natts + key->norder; j++)
	{
		int16		attnum = j < key->natts ? key->attnums[j] :
			key->order_attnums[j - key->natts];
		HeapTuple	tuple = SearchSysCacheAttNum(key->relid, attnum);

		/* SearchSysCacheAttNum returns NULL for dropped columns too */
		if (!HeapTupleIsValid(tuple))
			return false;
		ReleaseSysCache(tuple);
	}
	return true;
}

/*
 * Does every catalog object the node names still exist: the columns of the
 * table (varno 1), the types, collations, functions and operators?  A kept
 * qual outlives them (DROP FUNCTION, DROP TYPE of a constant's type), and
 * deparsing one that is gone would fail the whole query.  Only the node
 * kinds the capture keeps (see idxadv_expr_hash) and those of a clause.
 */
static bool
idxadv_expr_catalog_ok(Node *node, void *context)
{
	Oid			relid = *(Oid *) context;
	Oid			type;
	Oid			coll;

	if (node == NULL)
		return true;
	if (IsA(node, List))
		return !expression_tree_walker(node, idxadv_expr_catalog_bad, context);
	type = exprType(node);
	coll = exprCollation(node);
	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(type)) ||
		(OidIsValid(coll) &&
		 !SearchSysCacheExists1(COLLOID, ObjectIdGetDatum(coll))))
		return false;
	switch (nodeTag(node))
	{
		case T_Var:
			{
				HeapTuple	tuple;

				tuple = SearchSysCacheAttNum(relid, ((Var *) node)->varattno);
				if (!HeapTupleIsValid(tuple))
					return false;
				ReleaseSysCache(tuple);
				return true;
			}
		case T_Const:
		case T_Param:
			return true;
		case T_FuncExpr:
			if (!SearchSysCacheExists1(PROCOID,
									   ObjectIdGetDatum(((FuncExpr *) node)->funcid)))
				return false;
			break;
		case T_OpExpr:
			if (!SearchSysCacheExists1(OPEROID,
									   ObjectIdGetDatum(((OpExpr *) node)->opno)))
				return false;
			break;
		case T_ScalarArrayOpExpr:
			if (!SearchSysCacheExists1(OPEROID,
									   ObjectIdGetDatum(((ScalarArrayOpExpr *) node)->opno)))
				return false;
			break;
		case T_CollateExpr:
			if (!SearchSysCacheExists1(COLLOID,
									   ObjectIdGetDatum(((CollateExpr *) node)->collOid)))
				return false;
			break;
		case T_RelabelType:
		case T_CoerceViaIO:
			break;
		default:
			return false;
	}
	return !expression_tree_walker(node, idxadv_expr_catalog_bad, context);
}

/* expression_tree_walker() callback: true when a node fails the above */
static bool
idxadv_expr_catalog_bad(Node *node, void *context)
{
	return !idxadv_expr_catalog_ok(node, context);
}

/*
 * Does every catalog object a kept qual of relid names still exist?  For
 * idxadvisor_scans and for suggest (idxadvisor_exprs.c), which must not
 * deparse, plan or check the volatility of a function dropped since.
 */
bool
idxadv_qual_catalog_ok(Node *clause, Oid relid)
{
	return idxadv_expr_catalog_ok(clause, &relid);
}

/*
 * A kept qual as SQL, without the outer parentheses deparse_expression()
 * puts around an operator clause (only pretty-printing leaves them out).
 */
static char *
idxadv_qual_sql(Node *clause, List *context)
{
	char	   *sql = deparse_expression(clause, context, false, false);
	size_t		len = strlen(sql);

	if (len >= 2 && sql[0] == '(' && sql[len - 1] == ')')
		sql = pnstrdup(sql + 1, len - 2);
	return sql;
}

/* One element of the expressions column, while it is put together */
typedef struct idxadvQualText
{
	char	   *text;			/* NULL: not shown */
	Param	   *param;			/* the compared value, if text is the qual */
	Node	   *clause;
} idxadvQualText;

/* qsort comparator of idxadvQualText: by text, NULL last */
static int
idxadv_qual_text_cmp(const void *a, const void *b)
{
	const idxadvQualText *qa = (const idxadvQualText *) a;
	const idxadvQualText *qb = (const idxadvQualText *) b;

	if (qa->text == NULL || qb->text == NULL)
		return (qa->text == NULL) - (qb->text == NULL);
	return strcmp(qa->text, qb->text);
}

/*
 * The expressions column of idxadvisor_scan_stats(): each kept qual of the
 * entry as SQL, the value it is compared with shown as $n (the workload's
 * data, which the view does not show, as pg_stat_statements does not), or
 * NULL for a qual not kept (too long, a standby's) or naming something
 * dropped since.  A qual of a column the caller may not read (SELECT on the
 * table or the column, as suggest checks it) shows as "(expression of
 * col)".  Sorted by text (the key's order depends on OIDs), NULLs last.
 * Written under the DDL writer's settings, so that every function and
 * operator outside pg_catalog comes out schema-qualified, as in
 * idxadvisor_suggest()'s columns.  NULL when the entry has no such quals.
 */
static Datum
idxadv_exprs_datum(const idxadvScanStat *stat, bool *isnull)
{
	const idxadvHashKey *key = &stat->key;
	idxadvQualText quals[IDXADV_MAX_EXPRS];
	Datum		elems[IDXADV_MAX_EXPRS];
	bool		enulls[IDXADV_MAX_EXPRS];
	int			dims[1];
	int			lbs[1] = {1};
	List	   *list = NIL;
	char	   *relname;
	List	   *context = NIL;
	bool		table_select;
	Oid			relid = key->relid;
	int			nestlevel;
	int			i;

	*isnull = (key->nexprs == 0);
	if (*isnull)
		return (Datum) 0;

	relname = get_rel_name(relid);
	if (stat->exprs[0] != '\0' && relname != NULL)
	{
		list = (List *) stringToNode(idxadv_exprs_unpack(stat->exprs));
		if (list == NULL || !IsA(list, List))
			list = NIL;
		context = deparse_context_for(relname, relid);
	}
	table_select = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;

	nestlevel = idxadv_ddl_settings_begin();
	for (i = 0; i < key->nexprs; i++)
	{
		Node	   *clause = i < list_length(list) ? list_nth(list, i) : NULL;
		List	   *args;
		Node	   *other;
		Param	   *param;
		List	   *vars;
		ListCell   *lc;
		StringInfoData denied;

		memset(&quals[i], 0, sizeof(idxadvQualText));
		if (clause == NULL ||
			!(IsA(clause, OpExpr) || IsA(clause, ScalarArrayOpExpr)) ||
			!idxadv_expr_catalog_ok(clause, &relid))
			continue;

		/* the caller's right to read the columns of the indexed side */
		initStringInfo(&denied);
		vars = pull_var_clause(clause, 0);
		foreach(lc, vars)
		{
			Var		   *var = (Var *) lfirst(lc);

			if (!table_select &&
				pg_attribute_aclcheck(relid, var->varattno, GetUserId(),
									  ACL_SELECT) != ACLCHECK_OK)
				appendStringInfo(&denied, "%s%s", denied.len > 0 ? ", " : "",
								 quote_identifier(get_attname(relid, var->varattno,
															  false)));
		}
		if (denied.len > 0)
		{
			quals[i].text = psprintf("(expression of %s)", denied.data);
			continue;
		}

		/* the compared value as a parameter, numbered once sorted */
		args = IsA(clause, OpExpr) ? ((OpExpr *) clause)->args :
			((ScalarArrayOpExpr *) clause)->args;
		other = lsecond(args);
		param = makeNode(Param);
		param->paramkind = PARAM_EXTERN;
		param->paramid = 1;
		param->paramtype = exprType(other);
		param->paramtypmod = exprTypmod(other);
		param->paramcollid = exprCollation(other);
		param->location = -1;
		lsecond(args) = param;
		quals[i].text = idxadv_qual_sql(clause, context);
		quals[i].param = param;
		quals[i].clause = clause;
	}

	qsort(quals, key->nexprs, sizeof(idxadvQualText), idxadv_qual_text_cmp);
	for (i = 0; i < key->nexprs; i++)
	{
		if (quals[i].param != NULL && i > 0)
		{
			quals[i].param->paramid = i + 1;
			quals[i].text = idxadv_qual_sql(quals[i].clause, context);
		}
		enulls[i] = (quals[i].text == NULL);
		elems[i] = enulls[i] ? (Datum) 0 : CStringGetTextDatum(quals[i].text);
	}
	idxadv_ddl_settings_end(nestlevel);

	dims[0] = key->nexprs;
	return PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
											  TEXTOID, -1, false,
											  TYPALIGN_INT));
}

/*
 * The columns of idxadvisor_scan_stats() for one entry, into values[] and
 * nulls[]: the first ncols of them, which must be IDXADV_SCAN_STATS_COLS or,
 * for the 1.0 definition, IDXADV_SCAN_STATS_COLS_1_0; returns ncols.  Also
 * the columns of idxadvisor_node_scan_stats() after its node column
 * (idxadvisor_collect.c), so that both views show an entry alike.
 */
int
idxadv_scan_stat_datums(const idxadvScanStat *stat, Datum *values,
						bool *nulls, int ncols)
{
	const idxadvHashKey *key = &stat->key;
	const idxadvCounters *c = &stat->counters;
	Datum		elems[64];		/* columns: IDXADV_MAX_COLS, or 63 read */
	Datum		descs[IDXADV_MAX_ORDER];
	Datum		nullsfirst[IDXADV_MAX_ORDER];
	int			j;
	int			col = 0;

	if (ncols != IDXADV_SCAN_STATS_COLS &&
		ncols != IDXADV_SCAN_STATS_COLS_1_0)
		elog(ERROR, "incorrect number of output arguments");
	memset(nulls, 0, ncols * sizeof(bool));

	values[col++] = ObjectIdGetDatum(key->relid);

	for (j = 0; j < key->natts; j++)
		elems[j] = Int16GetDatum(key->attnums[j]);
	values[col++] = PointerGetDatum(construct_array(elems, key->natts,
													INT2OID, 2, true,
													TYPALIGN_SHORT));
	for (j = 0; j < key->natts; j++)
		elems[j] = CStringGetTextDatum(idxadv_cmp_kind_name(key->kinds[j]));
	values[col++] = PointerGetDatum(construct_array(elems, key->natts,
													TEXTOID, -1, false,
													TYPALIGN_INT));

	if (key->norder > 0)
	{
		for (j = 0; j < key->norder; j++)
		{
			elems[j] = Int16GetDatum(key->order_attnums[j]);
			descs[j] = BoolGetDatum((key->order_flags[j] & IDXADV_ORDER_DESC) != 0);
			nullsfirst[j] = BoolGetDatum((key->order_flags[j] & IDXADV_ORDER_NULLS_FIRST) != 0);
		}
		values[col++] = PointerGetDatum(construct_array(elems, key->norder,
														INT2OID, 2, true,
														TYPALIGN_SHORT));
		values[col++] = PointerGetDatum(construct_array(descs, key->norder,
														BOOLOID, 1, true,
														TYPALIGN_CHAR));
		values[col++] = PointerGetDatum(construct_array(nullsfirst, key->norder,
														BOOLOID, 1, true,
														TYPALIGN_CHAR));
	}
	else
	{
		nulls[col++] = true;
		nulls[col++] = true;
		nulls[col++] = true;
	}

	values[col++] = Int64GetDatum(c->executions);
	values[col++] = Int64GetDatum(c->fk_trigger_executions);
	values[col++] = Int64GetDatum(c->rows_scanned);
	values[col++] = Int64GetDatum(c->rows_matched);
	values[col++] = Int64GetDatum(c->pages_scanned);
	values[col++] = TimestampTzGetDatum(c->last_seen);
	if (c->queryid != 0)
		values[col++] = Int64GetDatum(c->queryid);
	else
		nulls[col++] = true;

	if (ncols == IDXADV_SCAN_STATS_COLS_1_0)
	{
		Assert(col == ncols);
		return col;
	}

	/* 1.1: what the shapes other than a filter, and expressions, recorded */
	values[col++] = CStringGetTextDatum(idxadv_shape_name(key->shape));
	values[col] = idxadv_exprs_datum(stat, &nulls[col]);
	col++;
	if (key->shape == IDXADV_SHAPE_JOIN_INNER)
		values[col++] = Int64GetDatum(c->outer_rows);
	else
		nulls[col++] = true;
	values[col++] = Int64GetDatum(c->limited_executions);
	if (c->limited_executions > 0)
		values[col++] = Int64GetDatum(c->limit_max);
	else
		nulls[col++] = true;
	/* the columns read, unless unknown (0) or not all in the bits */
	if (c->cols_read != 0 && (c->cols_read & IDXADV_COLS_READ_OTHER) == 0)
	{
		int			n = 0;

		for (j = 0; j < 63; j++)
			if (c->cols_read & (UINT64CONST(1) << j))
				elems[n++] = Int16GetDatum(j + 1);
		values[col++] = PointerGetDatum(construct_array(elems, n,
														INT2OID, 2, true,
														TYPALIGN_SHORT));
	}
	else
		nulls[col++] = true;

	Assert(col == IDXADV_SCAN_STATS_COLS);
	return col;
}

/*
 * idxadvisor_scan_stats(): the raw statistics of the current database, one
 * row per entry, for the tables the caller has any privilege on (members of
 * pg_read_all_stats see all).  The idxadvisor_scans view puts names on it.
 */
Datum
idxadvisor_scan_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvScanStat *stats;
	int			nstats;
	int			ncols;
	int			i;
	Oid			userid = GetUserId();
	bool		see_all;

	idxadv_require_preload("idxadvisor_scan_stats()");

	/* the 1.1 definition, or 1.0's until ALTER EXTENSION UPDATE */
	InitMaterializedSRF(fcinfo, 0);
	ncols = rsinfo->setDesc->natts;
	if (ncols != IDXADV_SCAN_STATS_COLS &&
		ncols != IDXADV_SCAN_STATS_COLS_1_0)
		elog(ERROR, "incorrect number of output arguments");

	see_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);
	stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);

	for (i = 0; i < nstats; i++)
	{
		Datum		values[IDXADV_SCAN_STATS_COLS];
		bool		nulls[IDXADV_SCAN_STATS_COLS];

		/*
		 * Entries of dropped tables, or naming dropped columns, vanish here;
		 * and the caller sees only tables it has some privilege on.
		 */
		if (!idxadv_entry_visible(&stats[i].key, userid, see_all))
			continue;

		idxadv_scan_stat_datums(&stats[i], values, nulls, ncols);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 values, nulls);
	}

	return (Datum) 0;
}

/*
 * idxadvisor_reset(): forget every recorded scan, of every database.
 */
Datum
idxadvisor_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS hash_seq;
	idxadvEntry *entry;

	idxadv_require_preload("idxadvisor_reset()");

	LWLockAcquire(idxadv_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&hash_seq, idxadv_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
		hash_search(idxadv_hash, &entry->key, HASH_REMOVE, NULL);
	LWLockRelease(idxadv_shared->lock);

	SpinLockAcquire(&idxadv_shared->mutex);
	idxadv_shared->stats_reset = GetCurrentTimestamp();
	SpinLockRelease(&idxadv_shared->mutex);

	PG_RETURN_VOID();
}

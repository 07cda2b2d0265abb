/*-------------------------------------------------------------------------
 *
 * idxadvisor.h
 *		Declarations shared by the parts of the idxadvisor extension.
 *
 * idxadvisor.c is the entry point: module magic, GUCs and hook
 * registration.  Each part lives in its own file:
 *
 *	idxadvisor_capture.c	executor hooks' work: recording filtered
 *							sequential scans in shared memory, persistence
 *	idxadvisor_report.c		catalog reports: duplicate, redundant and
 *							invalid indexes, unindexed foreign keys
 *	idxadvisor_suggest.c	ranked index suggestions
 *	idxadvisor_build.c		index builds: job queue, background workers
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_H
#define IDXADVISOR_H

#include "executor/execdesc.h"
#include "utils/timestamp.h"

/* ----------
 * Version-specific shims live here, and only here, so that the code below
 * reads as one version.
 * ----------
 */
#if PG_VERSION_NUM < 130000
#error "idxadvisor needs PostgreSQL 13 or later"
#endif

#if PG_VERSION_NUM < 150000
#define IDXADV_NO_SHMEM_REQUEST_HOOK 1
#endif

/* ----------
 * GUC variables (defined in idxadvisor.c unless said otherwise)
 * ----------
 */
typedef enum
{
	IDXADV_TRACK_TOP,			/* top-level statements and FK-trigger scans */
	IDXADV_TRACK_ALL			/* every statement, nested ones too */
} idxadvTrackLevel;

extern bool idxadv_enabled;
extern int	idxadv_max;
extern int	idxadv_track;
extern double idxadv_sample_rate;
extern bool idxadv_save;

/* ----------
 * Capture (idxadvisor_capture.c)
 * ----------
 */

/* Most filtered columns, and ORDER BY columns, one statistics entry keeps */
#define IDXADV_MAX_COLS		8
#define IDXADV_MAX_ORDER	4

/* How a filter compares a column; stored in idxadvHashKey.kinds */
typedef enum idxadvCmpKind
{
	IDXADV_CMP_EQ = 1,			/* col = c, col IN (...), col = ANY(...) */
	IDXADV_CMP_RANGE,			/* col < c, <=, >, >=, BETWEEN */
	IDXADV_CMP_NULL,			/* col IS NULL */
	IDXADV_CMP_NOTNULL,			/* col IS NOT NULL */
	IDXADV_CMP_TRUE,			/* boolean col, col IS TRUE */
	IDXADV_CMP_FALSE,			/* NOT col, col IS FALSE */
	IDXADV_CMP_OTHER			/* anything else that names the column */
} idxadvCmpKind;

/* Flags of an ORDER BY column in idxadvHashKey.order_flags */
#define IDXADV_ORDER_DESC			0x01
#define IDXADV_ORDER_NULLS_FIRST	0x02

/*
 * Key of a statistics entry.  Must contain no padding that is not zeroed:
 * it is hashed and compared as bytes.
 */
typedef struct idxadvHashKey
{
	Oid			dbid;
	Oid			relid;
	uint8		natts;			/* filtered columns, attnum order */
	uint8		norder;			/* ORDER BY columns directly above the scan */
	int16		attnums[IDXADV_MAX_COLS];
	uint8		kinds[IDXADV_MAX_COLS]; /* idxadvCmpKind per column */
	int16		order_attnums[IDXADV_MAX_ORDER];
	uint8		order_flags[IDXADV_MAX_ORDER];
} idxadvHashKey;

/* Counters of one entry, as copied out of shared memory */
typedef struct idxadvCounters
{
	int64		executions;		/* scans started (parallel: once) */
	int64		fk_trigger_executions;	/* of which run by FK triggers */
	int64		rows_scanned;	/* rows read by the scans */
	int64		rows_matched;	/* rows that passed the filter */
	int64		pages_scanned;	/* estimate: relation blocks per scan */
	TimestampTz last_seen;
	int64		queryid;		/* last non-zero query identifier */
	double		usage;			/* for eviction; decays */
} idxadvCounters;

/* A copy of one entry, for the SQL functions */
typedef struct idxadvScanStat
{
	idxadvHashKey key;
	idxadvCounters counters;
} idxadvScanStat;

extern void idxadv_capture_shmem_request(void);
extern void idxadv_capture_shmem_startup(void);
extern bool idxadv_capture_available(void);
extern void idxadv_capture_query_start(QueryDesc *queryDesc, int eflags,
									   bool fk_trigger);
extern void idxadv_capture_query_end(QueryDesc *queryDesc);
extern idxadvScanStat *idxadv_capture_snapshot(Oid dbid, int *nentries);
extern const char *idxadv_cmp_kind_name(idxadvCmpKind kind);

/* ----------
 * Build (idxadvisor_build.c)
 * ----------
 */
extern void idxadv_build_init(bool preloading);
extern void idxadv_build_shmem_request(void);
extern void idxadv_build_shmem_startup(void);

/* ----------
 * Catalog helpers (idxadvisor_catalog.c), shared by the reports and the
 * suggestions
 * ----------
 */

/*
 * Find a valid, ready index of relid that serves an equality lookup on the
 * given columns, the way a foreign-key trigger looks up referencing rows
 * (DESIGN.md section 3): a btree (or hash, for one column) whose first ncols
 * key columns are exactly these columns in any order (INCLUDE columns do not
 * count), whose operator families contain the equality operators, whose
 * collations match the columns', and whose predicate, if any, is implied by
 * the equalities.  eqops may be NULL: then each column type's default btree
 * equality operator is used.  Returns the index's OID, or InvalidOid.
 */
extern Oid	idxadv_find_serving_index(Oid relid, int ncols,
									  const AttrNumber *attnums,
									  const Oid *eqops);

/* ---- report part (idxadvisor_catalog.c): pg_index tuple helpers ---- */

/*
 * An index's predicate (implicitly ANDed list, NIL for a full index) and its
 * expression columns (one per zero in indkey), read from a pg_index tuple and
 * prepared the way the relcache prepares them, without opening the index.
 */
extern List *idxadv_index_predicate(HeapTuple indtup, TupleDesc inddesc);
extern List *idxadv_index_expressions(HeapTuple indtup, TupleDesc inddesc);

/* ---- end of report part ---- */

/* ----------
 * Suggestions (idxadvisor_suggest.c)
 * ----------
 */

/* idxadvisor.min_table_pages: smaller tables get no suggestion */
extern int	idxadv_min_table_pages;

/* ----------
 * Shared helpers
 * ----------
 */
extern void idxadv_require_preload(const char *funcname);

#endif							/* IDXADVISOR_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor.h
 *		Declarations shared by the parts of the idxadvisor extension.
 *
 * idxadvisor.c is the entry point: module magic, every GUC and the hook
 * registration; idxadvisor_compat.h holds every difference between
 * PostgreSQL versions.  Each part lives in its own file:
 *
 *	idxadvisor_capture.c	capture: recording filtered sequential scans in
 *							shared memory, persistence
 *	idxadvisor_suggest.c	advise: idxadvisor_suggest(), filtering, costing,
 *							ranking (idxadvisor_suggest.h is its private
 *							header)
 *	idxadvisor_patterns.c	advise: patterns and candidates (steps 1 and 3)
 *	idxadvisor_suggest_for.c	advise: idxadvisor_suggest_for(), one
 *							statement's scans as patterns
 *	idxadvisor_select.c		advise: the set of indexes that serves the
 *							workload at least cost
 *	idxadvisor_repquery.c	advise: the representative query of step 4
 *	idxadvisor_whatif.c		advise: hypothetical indexes and the planner
 *	idxadvisor_exprs.c		advise: expression, pattern and GIN indexes
 *	idxadvisor_build.c		build: SQL functions and their call-time checks
 *	idxadvisor_queue.c		build: job states, job table, shared slots
 *	idxadvisor_worker.c		build: launcher and background workers
 *	idxadvisor_partbuild.c	build: a job on a partitioned table
 *	idxadvisor_report.c		report: duplicate, redundant and invalid
 *							indexes, unindexed foreign keys
 *	idxadvisor_lifecycle.c	report: unused and bloated indexes, outcomes of
 *							builds
 *	idxadvisor_catalog.c	shared: the serving rule, the foreign-key list,
 *							sizes
 *	idxadvisor_ddl.c		shared: index definitions, names and DDL text
 *
 * doc/design.md describes the parts, their rules and their locking.
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_H
#define IDXADVISOR_H

/* Every PG_VERSION_NUM difference, and the supported range */
#include "idxadvisor_compat.h"

#include "catalog/pg_class.h"
#include "executor/execdesc.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

/* ----------
 * GUC variables, all defined in _PG_init (idxadvisor.c)
 * ----------
 */
typedef enum
{
	IDXADV_TRACK_TOP,			/* top-level statements and FK-trigger scans */
	IDXADV_TRACK_ALL			/* every statement, nested ones too */
} idxadvTrackLevel;

/* capture */
extern bool idxadv_enabled;
extern int	idxadv_max;
extern int	idxadv_track;
extern double idxadv_sample_rate;
extern bool idxadv_save;

/* suggestions: tables smaller than this get no suggestion */
extern int	idxadv_min_table_pages;
/* suggestions: the workload-level selection's bounds (idxadvisor_select.c) */
extern int	idxadv_max_new_indexes_per_table;
extern double idxadv_index_size_budget;

/* builds */
extern int	idxadv_build_lock_timeout;
extern int	idxadv_build_lock_retries;
extern int	idxadv_build_statement_timeout;
extern int	idxadv_max_builds;

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
	IDXADV_CMP_OTHER,			/* anything else that names the column */
	IDXADV_CMP_OR				/* named in an OR of conditions (1.1) */
} idxadvCmpKind;

/*
 * Filter quals kept as expressions (adviceexpr, issue 11): a comparison of an
 * expression of the scanned table's columns (lower(email) = $1), or of a
 * column with an operator no btree key serves (LIKE, @>, &&, ?, @@), with a
 * constant, a parameter or an outer reference.  The key holds a hash of the
 * indexed side and the operator; the entry holds the quals themselves as a
 * node string of IDXADV_EXPR_TEXT_LEN bytes at most, written once, when the
 * entry is created.
 */
#define IDXADV_MAX_EXPRS		4
#define IDXADV_EXPR_TEXT_LEN	1024

/*
 * (exprpart, issue 11) The node strings are kept packed: the commonest
 * field names of the nodes kept are one byte each (idxadvisor_exprs.c), so
 * that the quals of a filter fit on versions whose nodes have more fields.
 * Text without those bytes (written before) unpacks to itself.
 */
extern char *idxadv_exprs_pack(const char *text);
extern char *idxadv_exprs_unpack(const char *text);

/*
 * What kind of plan node an entry was recorded from; stored in
 * idxadvHashKey.shape.  Entries of different shapes never merge: the same
 * columns mean different things to suggest (rows a filter removed from a
 * whole table, from what an index fetched, or a join's hash build).
 */
typedef enum idxadvScanShape
{
	IDXADV_SHAPE_SEQ_FILTER = 0,	/* a sequential scan with a filter */
	IDXADV_SHAPE_SEQ_TOPN,		/* an unfiltered sequential scan under a
								 * Sort bounded by a LIMIT */
	IDXADV_SHAPE_INDEX_FILTER,	/* an index or bitmap heap scan whose
								 * filter or recheck removed rows it fetched */
	IDXADV_SHAPE_JOIN_INNER		/* the inner side of a hash or merge join,
								 * keyed by its join columns */
} idxadvScanShape;

#define IDXADV_SHAPE_LAST	IDXADV_SHAPE_JOIN_INNER

/*
 * idxadvCounters.cols_read: bit (attnum - 1) for columns 1 to 63, and this
 * bit for any other (a later column, a whole-row reference), which rules
 * out an index that covers the statements.
 */
#define IDXADV_COLS_READ_OTHER	(UINT64CONST(1) << 63)

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
	uint8		shape;			/* idxadvScanShape */
	/* filter quals kept as expressions (adviceexpr), sorted */
	uint8		nexprs;
	uint32		expr_hashes[IDXADV_MAX_EXPRS];	/* of the indexed side */
	Oid			expr_ops[IDXADV_MAX_EXPRS]; /* operator, indexed side left */
} idxadvHashKey;

/* Counters of one entry, as copied out of shared memory */
typedef struct idxadvCounters
{
	int64		executions;		/* scans started (parallel: once) */
	int64		fk_trigger_executions;	/* of which run by FK triggers */
	int64		rows_scanned;	/* rows read by the scans */
	int64		rows_matched;	/* rows that passed the filter */
	int64		pages_scanned;	/* estimate: relation blocks per scan */
	int64		limited_executions; /* of which under a Sort that a LIMIT
									 * bounded (top-N) */
	int64		limit_max;		/* the largest such bound (LIMIT + OFFSET) */
	int64		outer_rows;		/* IDXADV_SHAPE_JOIN_INNER: rows of the
								 * join's other input, all executions */
	uint64		cols_read;		/* columns the statements read from the
								 * table: bit attnum - 1, and
								 * IDXADV_COLS_READ_OTHER; 0 if unknown */
	TimestampTz last_seen;
	int64		queryid;		/* last non-zero query identifier */
	double		usage;			/* for eviction; decays */
} idxadvCounters;

/* A copy of one entry, for the SQL functions */
typedef struct idxadvScanStat
{
	idxadvHashKey key;
	idxadvCounters counters;
	char		exprs[IDXADV_EXPR_TEXT_LEN];	/* the key's expression quals:
												 * nodeToString() of a List, or
												 * "" (see idxadvisor_capture.c) */
} idxadvScanStat;

extern void idxadv_capture_init(void);
extern void idxadv_capture_shmem_request(void);
extern void idxadv_capture_shmem_startup(void);
extern bool idxadv_capture_available(void);
extern void idxadv_capture_query_start(QueryDesc *queryDesc, int eflags,
									   bool fk_trigger);
extern void idxadv_capture_query_end(QueryDesc *queryDesc);
extern idxadvScanStat *idxadv_capture_snapshot(Oid dbid, int *nentries);
extern const char *idxadv_cmp_kind_name(idxadvCmpKind kind);
extern const char *idxadv_shape_name(uint8 shape);
extern bool idxadv_classify_filter(List *clauses, Index scanrelid, Oid relid,
								   int natts, idxadvHashKey *key);
extern bool idxadv_classify_filter_exprs(List *clauses, Index scanrelid,
										 Oid relid, int natts,
										 idxadvHashKey *key, char *exprs);
extern bool idxadv_entry_visible(const idxadvHashKey *key, Oid userid,
								 bool see_all);
extern bool idxadv_qual_catalog_ok(Node *clause, Oid relid);
/*
 * Output columns of idxadvisor_scan_stats(): as the 1.1 SQL defines it, and
 * as 1.0 did (before shape, expressions, outer_rows, limited_executions,
 * limit_max, columns_read), which the library still serves.
 */
#define IDXADV_SCAN_STATS_COLS		19
#define IDXADV_SCAN_STATS_COLS_1_0	13
extern int	idxadv_scan_stat_datums(const idxadvScanStat *stat, Datum *values,
									bool *nulls, int ncols);
extern TimestampTz idxadv_capture_reset_time(void);

/*
 * Raise the error of a SQL function that needs the capture's shared memory
 * (the library in shared_preload_libraries) when it is not there.
 */
extern void idxadv_require_preload(const char *funcname);

/* ----------
 * Build (idxadvisor_build.c: SQL functions; idxadvisor_queue.c: the queue
 * and its shared memory; idxadvisor_worker.c: launcher and workers).  The
 * queue's types and functions are private to those files:
 * idxadvisor_queue.h.
 * ----------
 */
extern void idxadv_build_shmem_request(void);
extern void idxadv_build_shmem_startup(void);

/* Most queued or running jobs, all databases (idxadvisor.max_builds' max) */
#define IDXADV_JOB_SLOTS	64

/* Register the launcher (idxadvisor_worker.c); called from _PG_init */
extern void idxadv_register_launcher(void);

/* Guard the job table against being dropped with unfinished jobs (queue) */
extern void idxadv_queue_init(void);

/* ERROR: a partitioned table's build meets a foreign partition (partbuild) */
extern void idxadv_refuse_foreign_partition(Oid parted, Oid partition);

/* ----------
 * Index definitions, names and DDL text (idxadvisor_ddl.c).  Every CREATE,
 * DROP and REINDEX INDEX text the extension shows or runs is written here.
 *
 * Fill an idxadvIndexDef (idxadv_index_def_init + _add_column for plain
 * columns; zero means "the default" for opclass, collation, indoption,
 * options and tablespace), or get one from a request
 * (idxadv_index_def_from_stmt: checked as CREATE INDEX checks it) or from an
 * existing index (idxadv_index_def_from_index: evaluates nothing).  Then:
 *
 *	name = idxadv_ddl_choose_name(&def, NULL, NULL, &existing);
 *	sql = idxadv_index_ddl(&def, name, IDXADV_DDL_CONCURRENTLY);
 *
 * gives the name CREATE INDEX would choose, except that an index with the
 * same definition is reused (existing != InvalidOid) instead of getting an
 * "_idx1" sibling, and the named, schema-qualified, quoted statement.  The
 * text is written under fixed settings (idxadv_ddl_settings_begin) and must
 * be run under them too, so that every constant reads back as written.
 * ----------
 */
typedef struct idxadvIndexColumn
{
	AttrNumber	attnum;			/* table column, or 0 for an expression */
	Node	   *expr;			/* analyzed expression when attnum is 0 */
	const char *colname;		/* part of the index name; NULL: the column's
								 * name, or "expr" */
	Oid			opclass;		/* InvalidOid: the type's default for the AM */
	Datum		opclassopts;	/* text[] of "name=value", or (Datum) 0 */
	Oid			collation;		/* InvalidOid or the column's own: none */
	int16		indoption;		/* INDOPTION_DESC, INDOPTION_NULLS_FIRST */
} idxadvIndexColumn;

typedef struct idxadvIndexDef
{
	Oid			relid;			/* the table */
	Oid			amoid;			/* access method */
	bool		unique;
	bool		nulls_not_distinct;
	bool		only;			/* ON ONLY (partitioned tables) */
	int			nkeycols;		/* key columns: cols[0 .. nkeycols - 1] */
	int			ncols;			/* key and INCLUDE columns */
	idxadvIndexColumn cols[INDEX_MAX_KEYS];
	Datum		reloptions;		/* WITH: text[] of "name=value", or 0 */
	Oid			tablespace;		/* InvalidOid: the database's default */
	Node	   *predicate;		/* analyzed WHERE clause, or NULL */
} idxadvIndexDef;

/* flags of the DDL writers */
#define IDXADV_DDL_CONCURRENTLY		0x01
#define IDXADV_DDL_IF_NOT_EXISTS	0x02
#define IDXADV_DDL_IF_EXISTS		0x04

/* What a candidate index name is to the caller of the name chooser */
typedef enum idxadvNameUse
{
	IDXADV_NAME_FREE,			/* nothing has it: choose it */
	IDXADV_NAME_OURS,			/* it holds (or will hold) this index */
	IDXADV_NAME_TAKEN			/* something else has it: try the next */
} idxadvNameUse;

typedef idxadvNameUse (*idxadv_name_check_fn) (const char *name,
											   Oid existing, bool same,
											   void *arg);

extern int	idxadv_ddl_settings_begin(void);
extern void idxadv_ddl_settings_end(int nestlevel);
extern void idxadv_ddl_settings_session(void);
extern void idxadv_index_def_init(idxadvIndexDef *def, Oid relid);
extern void idxadv_index_def_add_column(idxadvIndexDef *def,
										AttrNumber attnum);
extern void idxadv_index_def_from_stmt(IndexStmt *stmt, Oid relid,
									   idxadvIndexDef *def);
extern void idxadv_index_def_from_index(Oid indexoid, idxadvIndexDef *def);
extern void idxadv_index_def_for_partition(const idxadvIndexDef *def,
										   Oid partid, idxadvIndexDef *part);
extern bool idxadv_index_def_equal(const idxadvIndexDef *a,
								   const idxadvIndexDef *b);
extern char *idxadv_index_ddl(const idxadvIndexDef *def, const char *name,
							  int flags);
extern char *idxadv_drop_index_ddl(Oid nspid, const char *name, int flags);
extern char *idxadv_reindex_ddl(Oid indexoid, int flags);
extern char *idxadv_attach_partition_ddl(Oid parent_nspid, const char *parent,
										 Oid child_nspid, const char *child);
extern char *idxadv_ddl_relation_name(Oid relid);
extern char *idxadv_ddl_choose_name(const idxadvIndexDef *def,
									  idxadv_name_check_fn check, void *arg,
									  Oid *existing);

/* ----------
 * Catalog helpers (idxadvisor_catalog.c), shared by the reports and the
 * suggestions
 * ----------
 */

/*
 * All of pg_index read once, by table, for callers that ask about many tables
 * (the foreign-key report); NULL in the functions below means "look it up".
 * idxadv_table_indexes() gives one table's pg_index tuples either way.
 */
typedef struct idxadvIndexMap idxadvIndexMap;

extern idxadvIndexMap *idxadv_index_map_create(void);
extern List *idxadv_table_indexes(idxadvIndexMap *map, Oid relid,
								  TupleDesc *desc);

/*
 * A lookup an index may serve: a foreign-key trigger's "fk = $1", a captured
 * filter "a = $1 AND b > $2 ORDER BY c", a requested index.  cols[] holds
 * neq equality-like columns (kind IDXADV_CMP_EQ, _TRUE, _FALSE, _NULL; any
 * order), then ntail columns that must follow them in the index in this
 * order (one IDXADV_CMP_RANGE column, then ORDER BY columns: kind 0 with
 * IDXADV_ORDER_* flags), then nconds further conditions the lookup applies
 * (kind _TRUE, _FALSE, _NULL, _NOTNULL), which count only for proving a
 * partial index's predicate.
 */
#define IDXADV_LOOKUP_MAX_COLS	(2 * INDEX_MAX_KEYS)

typedef struct idxadvLookupCol
{
	AttrNumber	attnum;
	uint8		kind;			/* idxadvCmpKind, or 0 for ORDER BY */
	uint8		flags;			/* ORDER BY: IDXADV_ORDER_* */
	Oid			op;				/* IDXADV_CMP_EQ: the equality operator, or
								 * InvalidOid for the type's default one */
} idxadvLookupCol;

typedef struct idxadvIndexLookup
{
	Oid			relid;
	int			neq;
	int			ntail;
	int			nconds;
	bool		period;			/* a temporal foreign key's lookup (18+):
								 * its equalities' operators include an
								 * overlap (&&), and only GiST serves it */
	idxadvLookupCol cols[IDXADV_LOOKUP_MAX_COLS];
} idxadvIndexLookup;

/*
 * A valid, ready index of lookup->relid that serves the lookup, or
 * InvalidOid.  The one rule (doc/design.md section 3), stated in full at
 * idxadv_index_serves() in idxadvisor_catalog.c: leading key columns in any
 * order for the equalities, then the range and ORDER BY columns; btree (hash
 * for one equality alone); operator families that contain the lookup's
 * operators; the columns' collations; a predicate the lookup's conditions
 * imply; INCLUDE columns never count.  map may be NULL.  Locks nothing and
 * runs no code of the table's.
 */
extern Oid	idxadv_find_serving_index(idxadvIndexMap *map,
									  const idxadvIndexLookup *lookup);
extern Oid	idxadv_find_serving_index_except(idxadvIndexMap *map,
											 const idxadvIndexLookup *lookup,
											 const List *except);
extern bool idxadv_same_direction(uint8 want, uint8 have, int *dir);
extern Expr *idxadv_flag_clause(Var *var, uint8 kind);

/*
 * An index's predicate (implicitly ANDed list, NIL for a full index) and its
 * expression columns (one per zero in indkey), read from a pg_index tuple
 * without opening the index, as stored: never constant-folded, so that no
 * function of the table owner's runs with the caller's privileges.
 */
extern List *idxadv_index_predicate(HeapTuple indtup, TupleDesc inddesc);
extern List *idxadv_index_expressions(HeapTuple indtup, TupleDesc inddesc);

/*
 * Run a table's own code (what planning or opening it may evaluate) as the
 * table's owner in a security-restricted operation, never as the caller.
 */
typedef struct idxadvUserSwitch
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
} idxadvUserSwitch;

extern void idxadv_switch_to_owner(Oid owner, idxadvUserSwitch *sw);
extern void idxadv_switch_back(idxadvUserSwitch *sw);

/* A foreign key that no index of its referencing table serves */
typedef struct idxadvForeignKey
{
	Oid			conoid;
	NameData	conname;
	Oid			conrelid;		/* referencing table */
	char		relkind;		/* its relkind */
	Oid			confrelid;		/* referenced table */
	char		confdeltype;	/* ON DELETE action */
	char		confupdtype;	/* ON UPDATE action */
	int			ncols;
	AttrNumber	attnums[INDEX_MAX_KEYS];	/* referencing columns */
	Oid			eqops[INDEX_MAX_KEYS];	/* the trigger's operators */
	bool		period;			/* temporal (18+): the last column is the
								 * PERIOD, its operator an overlap test */
	bool		some_leaves_served; /* partitioned: some leaf has an index */
} idxadvForeignKey;

extern List *idxadv_unindexed_foreign_keys(idxadvIndexMap **map_out);

/*
 * For a temporal foreign key: NULL when every column's type has a default
 * GiST operator class (the GiST index it needs can be created), else a
 * sentence naming the first column that has none and whether the
 * btree_gist extension, which provides them for scalar types, is installed.
 */
extern char *idxadv_fk_gist_problem(const idxadvForeignKey *fk);

/*
 * The name of an enforced temporal foreign key of relid whose columns other
 * than its PERIOD column are exactly attnums[0 .. n-1] (any order), or
 * NULL: what a captured scan by its trigger looks like (the overlap test
 * is not an equality the capture records).
 */
extern char *idxadv_temporal_fk_of(Oid relid, int n,
								   const AttrNumber *attnums);
extern void idxadv_fk_parent_writes(const idxadvForeignKey *fk,
									int64 *deletes, int64 *updates);

/*
 * The foreign keys whose lookups only this index (with also_dropped) serves:
 * what idxadvisor_drop*() refuse without force, and what the duplicates
 * report never proposes to drop.
 */
extern List *idxadv_fks_served_only_by(idxadvIndexMap *map, Oid indexoid,
									   const List *also_dropped);

/*
 * A suggested index, by column name (partitions may number columns
 * differently), and the DDL that creates it: one text for the foreign-key
 * report and the suggestions (see idxadvisor_catalog.c).
 */
typedef struct idxadvIndexShape
{
	int			ncols;
	const char *colnames[INDEX_MAX_KEYS];
	int16		indoption[INDEX_MAX_KEYS];	/* INDOPTION_DESC, _NULLS_FIRST */
	const char *predcol;		/* partial: the column tested, or NULL */
	uint8		predkind;		/* IDXADV_CMP_TRUE, _FALSE, _NULL, _NOTNULL */
	int			ninclude;		/* INCLUDE columns, after the key */
	const char *include[INDEX_MAX_KEYS];
	Oid			amoid;			/* InvalidOid: btree; GIST_AM_OID for a
								 * temporal foreign key */
} idxadvIndexShape;

/*
 * The names idxadv_create_index_script() handed out in one call of its
 * caller (idxadvisor_catalog.c; NULL before the first)
 */
typedef struct idxadvUsedNames idxadvUsedNames;

extern idxadvUsedNames *idxadv_used_names_create(void);
extern char *idxadv_create_index_script(Oid relid,
										const idxadvIndexShape *shape,
										idxadvUsedNames **used);
extern char *idxadv_create_index_script_def(const idxadvIndexDef *def,
											idxadvUsedNames **used);

/* Sizes, names, and the relations the reports leave out */
typedef struct idxadvReportFilter
{
	Oid			infoschema;		/* information_schema, or InvalidOid */
	HTAB	   *extmembers;		/* relations that belong to idxadvisor */
} idxadvReportFilter;

extern void idxadv_filter_init(idxadvReportFilter *filter);
extern bool idxadv_filter_skip(idxadvReportFilter *filter, Oid relid,
							   Form_pg_class classform);
extern HTAB *idxadv_oid_hash(const char *name, Size entrysize, long nelem);
extern int64 idxadv_relation_bytes(Oid relid, bool with_toast,
								   bool main_only);
extern BlockNumber idxadv_heap_blocks(Oid relid);
extern int64 idxadv_sum_leaves(PGFunction fn, Oid relid, char relkind,
							   bool with_toast);

/*
 * When an index (a partitioned one: any of its partitions) was last scanned,
 * as pg_stat_all_indexes.last_idx_scan shows it; 0 when no scan is recorded
 * since the statistics were reset.  *known is false in a server version
 * that does not keep the time (before 16): the result is then 0 and means
 * nothing.  Locks nothing.
 */
extern TimestampTz idxadv_index_last_scan(Oid indexrelid, bool *known);

/* ----------
 * Catalog reports (idxadvisor_report.c).  The rows of a report are
 * collected so that they come out biggest win first (README "Catalog
 * reports"): sort_key descending, then the table's and the row's names, so
 * that the order is the same on every run.  idxadvisor_lifecycle.c's
 * reports use the same.
 * ----------
 */
typedef struct idxadvReportRow
{
	double		sort_key;
	char	   *relname;		/* schema-qualified table */
	char	   *name;			/* the index or constraint */
	HeapTuple	tuple;
} idxadvReportRow;

typedef struct idxadvReportRows
{
	MemoryContext cxt;			/* where rows live: the call's context */
	TupleDesc	desc;
	List	   *rows;			/* of idxadvReportRow */
} idxadvReportRows;

extern void idxadv_report_rows_init(idxadvReportRows *out,
									ReturnSetInfo *rsinfo);
extern void idxadv_add_row(idxadvReportRows *out, double sort_key,
						   Oid relid, const char *name, Datum *values,
						   bool *nulls);
extern void idxadv_put_rows(idxadvReportRows *out,
							ReturnSetInfo *rsinfo);

/*
 * Schema-qualified, quoted name of a relation; a row that names a relation
 * dropped meanwhile is left out by idxadv_add_row.
 */
extern char *idxadv_qualified_name(Oid relid);

/* ----------
 * Index lifecycle reports (idxadvisor_lifecycle.c): unused and bloated
 * indexes, outcomes of builds.  The build worker records an outcome
 * baseline when a create job succeeds.
 * ----------
 */
struct idxadvExtInfo;
extern void idxadv_outcome_baseline(const struct idxadvExtInfo *ext,
									int64 jobid, Oid nspid,
									const char *index_name);

/*
 * How long before "now" a time was, for people: "less than a minute ago",
 * "5 minutes ago", "3 hours ago", "12 days ago", rounded down.  The one
 * writer of such texts (drop warnings, the lifecycle reports' reasons).
 */
extern char *idxadv_time_ago(TimestampTz when, TimestampTz now);

/* ----------
 * Read replicas (idxadvisor_collect.c): what idxadvisor_collect() gathered
 * from standbys, per node, in the extension's tables
 * ----------
 */

/*
 * A capture snapshot (idxadv_capture_snapshot) with the scans collected from
 * every node added, entry by entry: what suggest counts.  Frees nothing.
 */
extern idxadvScanStat *idxadv_add_node_scans(idxadvScanStat *stats,
											 int *nstats);

/*
 * Index scans counted on other nodes since their collection began, summed
 * over nodes: indexrelid -> idxadvNodeIndexScans, or NULL when nothing was
 * collected.  idxadv_node_index_usage() looks one index up (a partitioned
 * one: its leaves).
 */
typedef struct idxadvNodeIndexScans
{
	Oid			indexrelid;		/* hash key - MUST BE FIRST */
	int64		idx_scan;
	TimestampTz last_grown;		/* last collection that found more, or 0 */
} idxadvNodeIndexScans;

extern HTAB *idxadv_node_index_scans(void);
extern int64 idxadv_node_index_usage(HTAB *map, Oid indexoid, char relkind,
									 TimestampTz *last_grown);

/*
 * The scans of one index on every standby collected, as a PGFunction of one
 * OID returning bigint, for idxadv_sum_leaves() (like pg_stat_get_numscans)
 */
extern Datum idxadv_node_numscans(PG_FUNCTION_ARGS);


#endif							/* IDXADVISOR_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor_compat.h
 *		The PostgreSQL versions idxadvisor builds on, and every difference
 *		between them.
 *
 * Supported: PostgreSQL 15 to 19.  The code uses 15's APIs without guards
 * (shmem_request_hook, MarkGUCPrefixReserved, InitMaterializedSRF,
 * pg_prng, pg_class_aclcheck_ext ...), so an older server is refused here
 * with a clear message rather than by a compiler error further down; so is
 * a newer one, whose API changes nobody has checked yet.  A function that
 * a version removed would otherwise compile, with a warning only, to a
 * library that fails to load: -Werror=implicit-function-declaration in the
 * Makefile makes that a build error.
 *
 * The rule for a new version: function bodies, parameter lists and
 * structs never contain "#if PG_VERSION_NUM".  Every .c file gets this
 * header through idxadvisor.h and is written against one API, the newest
 * supported version's; for each older version this file supplies that API,
 * as a macro or a static inline function, in a section per version, in
 * ascending order, that names the PostgreSQL commit which made the change.
 * When old and new cannot share a name (a hook whose signature changed, a
 * struct field that changed type), the code calls an idxadv_* shim defined
 * here for every version.  Regress output that differs between versions is
 * made stable in the tests (VERBOSITY terse, BUFFERS OFF, filters), not by
 * an expected file per version, where that can be avoided.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_COMPAT_H
#define IDXADVISOR_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "idxadvisor requires PostgreSQL 15"
#endif

#if PG_VERSION_NUM >= 200000
#error "idxadvisor supports PostgreSQL 15 to 19"
#endif

/* What the shims below name */
#include "access/amapi.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_tablespace.h"
#include "common/relpath.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "optimizer/optimizer.h"
#include "storage/shmem.h"
#include "tcop/pquery.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/tuplestore.h"

#if PG_VERSION_NUM >= 190000
#include "optimizer/pathnode.h"
#else
#include "optimizer/plancat.h"
#endif
#if PG_VERSION_NUM >= 160000
#include "storage/relfilelocator.h"
#else
#include "storage/relfilenode.h"
#endif
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#else
#include "storage/backendid.h"
#endif
#if PG_VERSION_NUM >= 180000
#include "access/cmptype.h"
#endif


/* ---------------------------------------------------------------------
 * 16 (afbfc02983, c727f511bd): pg_class_ownercheck() and the
 * pg_<object>_aclcheck() functions of other classes became
 * object_ownercheck() and object_aclcheck() with a catalog OID.  Only the
 * classes idxadvisor checks have a 15 counterpart here; any other is a
 * programming error, reported as such rather than checked wrongly.
 * (pg_class_aclcheck() and pg_class_aclcheck_ext() stay in every version.)
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM < 160000
static inline bool
idxadv_object_ownercheck_15(Oid classid, Oid objectid, Oid roleid)
{
	if (classid != RelationRelationId)
		elog(ERROR, "idxadvisor: no ownership check for catalog %u", classid);
	return pg_class_ownercheck(objectid, roleid);
}

static inline AclResult
idxadv_object_aclcheck_15(Oid classid, Oid objectid, Oid roleid, AclMode mode)
{
	switch (classid)
	{
		case RelationRelationId:
			return pg_class_aclcheck(objectid, roleid, mode);
		case NamespaceRelationId:
			return pg_namespace_aclcheck(objectid, roleid, mode);
		case TableSpaceRelationId:
			return pg_tablespace_aclcheck(objectid, roleid, mode);
		default:
			elog(ERROR, "idxadvisor: no privilege check for catalog %u", classid);
	}
	return ACLCHECK_NO_PRIV;	/* keep the compiler quiet */
}

#define object_ownercheck(classid, objectid, roleid) \
	idxadv_object_ownercheck_15((classid), (objectid), (roleid))
#define object_aclcheck(classid, objectid, roleid, mode) \
	idxadv_object_aclcheck_15((classid), (objectid), (roleid), (mode))
#endif

/* ---------------------------------------------------------------------
 * 16: build_attrmap_by_name() gained its missing_ok argument (15 behaves
 * as missing_ok = false).
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM < 160000
#include "access/attmap.h"
#define build_attrmap_by_name(indesc, outdesc, missing_ok) \
	build_attrmap_by_name((indesc), (outdesc))
#endif

/* ---------------------------------------------------------------------
 * 16 (858e776c84): stringToQualifiedNameList() takes an error context for
 * soft errors (NULL: throw them).  The 15 declaration is read above, before
 * the macro exists.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM < 160000
#define stringToQualifiedNameList(string, escontext) \
	stringToQualifiedNameList(string)
#endif

/* ---------------------------------------------------------------------
 * 16 (b0a55e4329): RelFileNode became RelFileLocator; 17 (024c521117):
 * BackendId became ProcNumber; 18 (37c87e63f9): relpath*() return a
 * RelPathStr instead of a palloc'd string.  idxadv_relpath() is the path of
 * one fork of a relation's first segment, palloc'd, in every version.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 180000
#define IDXADV_RELPATH_STRING(relpathstr) pstrdup((relpathstr).str)
#else
#define IDXADV_RELPATH_STRING(path) (path)
#endif
#if PG_VERSION_NUM >= 170000
#define IDXADV_TEMP_BACKEND(temp) \
	((temp) ? ProcNumberForTempRelations() : INVALID_PROC_NUMBER)
#else
#define IDXADV_TEMP_BACKEND(temp) \
	((temp) ? BackendIdForTempRelations() : InvalidBackendId)
#endif

#if PG_VERSION_NUM >= 160000
static inline char *
idxadv_relpath(Oid spcoid, Oid dboid, Oid relnumber, bool temp,
			   ForkNumber fork)
{
	RelFileLocator locator;

	locator.spcOid = spcoid;
	locator.dbOid = dboid;
	locator.relNumber = relnumber;
	return IDXADV_RELPATH_STRING(relpathbackend(locator,
												IDXADV_TEMP_BACKEND(temp),
												fork));
}
#else
static inline char *
idxadv_relpath(Oid spcoid, Oid dboid, Oid relnumber, bool temp,
			   ForkNumber fork)
{
	RelFileNode locator;

	locator.spcNode = spcoid;
	locator.dbNode = dboid;
	locator.relNode = relnumber;
	return relpathbackend(locator, IDXADV_TEMP_BACKEND(temp), fork);
}
#endif

/* ---------------------------------------------------------------------
 * 16 (a61b1f7482): the executor's privilege check of a plan's range table
 * takes the RTEPermissionInfo list (ExecCheckPermissions); before, the
 * range table entries held the privileges (ExecCheckRTPerms).
 * idxadv_check_plan_permissions() raises the error the executor raises.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 160000
#define idxadv_check_plan_permissions(stmt) \
	((void) ExecCheckPermissions((stmt)->rtable, (stmt)->permInfos, true))
#else
#define idxadv_check_plan_permissions(stmt) \
	((void) ExecCheckRTPerms((stmt)->rtable, true))
#endif

/* ---------------------------------------------------------------------
 * 16: the statistics keep when a relation or index was last
 * scanned (pg_stat_all_indexes.last_idx_scan, pg_stat_get_lastscan()).
 * IDXADV_LASTSCAN_FN is that SQL-callable function, or NULL in a version
 * that does not keep it; idxadv_index_last_scan() (idxadvisor_catalog.c)
 * is the one caller.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 160000
#define IDXADV_LASTSCAN_FN pg_stat_get_lastscan
#else
#define IDXADV_LASTSCAN_FN NULL
#endif

/* ---------------------------------------------------------------------
 * 16 (a61b1f7482): the columns a query reads from a relation moved from its
 * range table entry to an RTEPermissionInfo, which an inheritance child
 * does not have (NULL then).  idxadv_rte_selected_cols() is the shim.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 160000
#include "parser/parse_relation.h"

static inline Bitmapset *
idxadv_rte_selected_cols(EState *estate, Index rti)
{
	RangeTblEntry *rte = exec_rt_fetch(rti, estate);

	if (rte->perminfoindex == 0)
		return NULL;
	return getRTEPermissionInfo(estate->es_rteperminfos, rte)->selectedCols;
}
#else
static inline Bitmapset *
idxadv_rte_selected_cols(EState *estate, Index rti)
{
	return exec_rt_fetch(rti, estate)->selectedCols;
}
#endif

/* ---------------------------------------------------------------------
 * 17 (3d51cb5197): pgstat_fetch_stat_local_beentry() renamed
 * pgstat_get_local_beentry_by_index(), same 1-based index.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM < 170000
#define pgstat_get_local_beentry_by_index(idx) \
	pgstat_fetch_stat_local_beentry(idx)
#endif

/* ---------------------------------------------------------------------
 * 18 (3eea7a0c97): the ExecutorRun hook and PortalRun() lost the run-once
 * flag.  Our ExecutorRun hook is declared with IDXADV_EXECUTORRUN_PARAMS
 * and passes IDXADV_EXECUTORRUN_ARGS on; before 18 they carry
 * execute_once through unchanged.  idxadv_PortalRun() runs a portal to
 * completion once.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 180000
#define IDXADV_EXECUTORRUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define IDXADV_EXECUTORRUN_ARGS queryDesc, direction, count
#define idxadv_PortalRun(portal, count, isTopLevel, dest, altdest, qc) \
	PortalRun((portal), (count), (isTopLevel), (dest), (altdest), (qc))
#else
#define IDXADV_EXECUTORRUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, \
	bool execute_once
#define IDXADV_EXECUTORRUN_ARGS queryDesc, direction, count, execute_once
#define idxadv_PortalRun(portal, count, isTopLevel, dest, altdest, qc) \
	PortalRun((portal), (count), (isTopLevel), true, (dest), (altdest), (qc))
#endif

/* ---------------------------------------------------------------------
 * 18 (a8025f5448): get_ordering_op_properties() reports a CompareType
 * where it reported a btree strategy number (an int16: passing an int16 *
 * to 18's would be a memory bug, not a warning).  The code calls
 * idxadv_get_ordering_op_properties() with a CompareType; before 18 the
 * type is supplied here with the values 18 gives it, which are the btree
 * strategy numbers.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 180000
#define idxadv_get_ordering_op_properties(opno, opfamily, opcintype, cmptype) \
	get_ordering_op_properties((opno), (opfamily), (opcintype), (cmptype))
#else
#include "access/stratnum.h"

typedef enum CompareType
{
	COMPARE_INVALID = 0,
	COMPARE_LT = BTLessStrategyNumber,
	COMPARE_LE = BTLessEqualStrategyNumber,
	COMPARE_EQ = BTEqualStrategyNumber,
	COMPARE_GE = BTGreaterEqualStrategyNumber,
	COMPARE_GT = BTGreaterStrategyNumber,
	COMPARE_NE = 6,
	COMPARE_OVERLAP,
	COMPARE_CONTAINED_BY,
} CompareType;

static inline bool
idxadv_get_ordering_op_properties(Oid opno, Oid *opfamily, Oid *opcintype,
								  CompareType *cmptype)
{
	int16		strategy;

	if (!get_ordering_op_properties(opno, opfamily, opcintype, &strategy))
		return false;
	*cmptype = (CompareType) strategy;
	return true;
}
#endif

/* ---------------------------------------------------------------------
 * 18 (eec0040c4b): NOT ENFORCED foreign keys, which have no triggers and so
 * never look up the referencing table.  idxadv_constraint_enforced() of a
 * pg_constraint row: always true before 18.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 180000
#define idxadv_constraint_enforced(conform) ((conform)->conenforced)
#else
#define idxadv_constraint_enforced(conform) ((void) (conform), true)
#endif

/* ---------------------------------------------------------------------
 * 18: temporal foreign keys, FOREIGN KEY (a, PERIOD p), whose
 * trigger looks the referencing table up with "$1 = a AND $2 && p" (the
 * operators in conpfeqop come from the referenced key's GiST operator
 * families).  idxadv_constraint_period() of a pg_constraint row: always
 * false before 18.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 180000
#define idxadv_constraint_period(conform) ((conform)->conperiod)
#else
#define idxadv_constraint_period(conform) ((void) (conform), false)
#endif

/* ---------------------------------------------------------------------
 * 18: btree skip scan.  An index on (a, b) serves "b = $1"
 * when the planner can skip over the values of a; idxadv_index_serves()
 * follows it where IDXADV_HAVE_SKIP_SCAN is true (a constant, tested in
 * an ordinary "if").
 * ---------------------------------------------------------------------
 */
#define IDXADV_HAVE_SKIP_SCAN (PG_VERSION_NUM >= 180000)

/* ---------------------------------------------------------------------
 * 19 (91f33a2ae9): get_relation_info_hook gave way to
 * build_simple_rel_hook(root, rel, rte), called for every base relation
 * (not only tables) at the same point: after the catalog information,
 * indexes included, is in the RelOptInfo.  Our hook is declared with
 * IDXADV_REL_HOOK_PARAMS and chains with IDXADV_REL_HOOK_ARGS;
 * IDXADV_REL_HOOK_RELID is the table planned (InvalidOid for another kind
 * of relation) and IDXADV_REL_HOOK_INH whether it stands for its
 * inheritance tree.  idxadv_rel_hook is the hook variable.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 190000
typedef build_simple_rel_hook_type idxadv_rel_hook_type;
#define idxadv_rel_hook build_simple_rel_hook
#define IDXADV_REL_HOOK_PARAMS \
	PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte
#define IDXADV_REL_HOOK_ARGS root, rel, rte
#define IDXADV_REL_HOOK_RELID \
	(rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid)
#define IDXADV_REL_HOOK_INH (rte->inh)
#else
typedef get_relation_info_hook_type idxadv_rel_hook_type;
#define idxadv_rel_hook get_relation_info_hook
#define IDXADV_REL_HOOK_PARAMS \
	PlannerInfo *root, Oid relationObjectId, bool inhparent, RelOptInfo *rel
#define IDXADV_REL_HOOK_ARGS root, relationObjectId, inhparent, rel
#define IDXADV_REL_HOOK_RELID (relationObjectId)
#define IDXADV_REL_HOOK_INH (inhparent)
#endif

/* ---------------------------------------------------------------------
 * 19 (c83ac02ec7): planner() takes the ExplainState of an EXPLAIN (NULL
 * otherwise).  idxadv_planner() plans outside EXPLAIN in every version.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 190000
#define idxadv_planner(parse, query_string, cursorOptions, boundParams) \
	planner((parse), (query_string), (cursorOptions), (boundParams), NULL)
#else
#define idxadv_planner(parse, query_string, cursorOptions, boundParams) \
	planner((parse), (query_string), (cursorOptions), (boundParams))
#endif

/* ---------------------------------------------------------------------
 * 19 (9ebe1c4f2c): ShmemInitHash() takes one size, the table being fixed.
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM >= 190000
#define idxadv_ShmemInitHash(name, nelems, infoP, hash_flags) \
	ShmemInitHash((name), (nelems), (infoP), (hash_flags))
#else
#define idxadv_ShmemInitHash(name, nelems, infoP, hash_flags) \
	ShmemInitHash((name), (nelems), (nelems), (infoP), (hash_flags))
#endif

/* ---------------------------------------------------------------------
 * 19 (5a79e78501): a plan node's instrumentation is a NodeInstrumentation
 * from InstrAllocNode(); before, an Instrumentation with the same counters
 * from InstrAlloc(1, ...).
 * ---------------------------------------------------------------------
 */
#if PG_VERSION_NUM < 190000
typedef Instrumentation NodeInstrumentation;

#define InstrAllocNode(instrument_options, async_mode) \
	InstrAlloc(1, (instrument_options), (async_mode))
#endif

/* ---------------------------------------------------------------------
 * 19 (8354b9d6b6): PGXS builds with -Wimplicit-fallthrough=5, which only
 * the attribute satisfies; c.h defines pg_fallthrough for it from 19.
 * ---------------------------------------------------------------------
 */
#ifndef pg_fallthrough
#if defined(__has_attribute)
#if __has_attribute(fallthrough)
#define pg_fallthrough __attribute__((fallthrough))
#endif
#endif
#ifndef pg_fallthrough
#define pg_fallthrough ((void) 0)
#endif
#endif

#endif							/* IDXADVISOR_COMPAT_H */

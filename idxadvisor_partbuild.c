/*-------------------------------------------------------------------------
 *
 * idxadvisor_partbuild.c
 *		A build job on a partitioned table, which CREATE INDEX CONCURRENTLY
 *		refuses: a concurrent build (or a reused index) per leaf partition,
 *		then one short transaction that creates the index ON ONLY the
 *		partitioned tables and attaches the partitions' indexes.
 *
 * Runs in the job worker (idxadvisor_worker.c), which calls
 * idxadv_job_build_partitioned() for a job whose table is partitioned and
 * lends it its transaction, DDL and retry helpers (idxadvisor_worker.h).
 * Every step looks at what is there first, so a resumed job goes on where
 * the last attempt stopped.
 *
 * Locking: each leaf's build takes the locks CREATE INDEX CONCURRENTLY takes,
 * with the worker's table-lock retries; the attach transaction takes SHARE on
 * each partitioned table for a moment and ACCESS EXCLUSIVE on each attached
 * index, waited for with idxadvisor.build_lock_timeout and retried.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_utilcmd.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "idxadvisor.h"
#include "idxadvisor_worker.h"

struct idxadvPartStep;
static void idxadv_partition_leaves(idxadvJob *job, const idxadvIndexDef *def,
									Oid parent, List **steps);
static void idxadv_partition_leaf_index(idxadvJob *job,
										struct idxadvPartStep *step);
static void idxadv_partition_attach(idxadvJob *job, List *steps);
static void idxadv_spi_ddl(const char *sql);

/*
 * One table of the partition tree of a partitioned job, parents before
 * their partitions: a partitioned table gets an index ON ONLY it, a leaf an
 * index built concurrently or reused.
 */
typedef struct idxadvPartStep
{
	Oid			relid;
	Oid			parent;			/* InvalidOid for the job's table */
	bool		partitioned;
	idxadvIndexDef def;			/* the index on this table */
	Oid			indexoid;		/* leaf: its index, once there */
	char	   *index_name;		/* partitioned: its index, once named */
} idxadvPartStep;

/*
 * Build the index of a partitioned table without blocking writes, as one
 * job.  PostgreSQL cannot CREATE INDEX CONCURRENTLY on a partitioned table,
 * so:
 *
 *	1. each leaf partition gets its index: a valid index of the same
 *	   definition (idxadv_index_def_equal) that is not attached to anything
 *	   is reused; else one is built with CREATE INDEX CONCURRENTLY, under the
 *	   name CREATE INDEX would choose (an invalid index of that name and
 *	   definition, left by an interrupted attempt, is dropped first);
 *	2. then one short transaction creates the index ON ONLY the table (and
 *	   ON ONLY each sub-partitioned partition) and attaches the partitions'
 *	   indexes.  The partitioned index is valid when it commits: no one ever
 *	   sees it invalid.  Its locks (SHARE on the table for a moment, ACCESS
 *	   EXCLUSIVE on each attached index) are waited for with
 *	   idxadvisor.build_lock_timeout and retried, like the table lock of a
 *	   build.
 *
 * Every step looks first at what is there, so a restarted job goes on where
 * the last attempt stopped.  A failed job drops the invalid index of the
 * build that failed; the valid partition indexes it built stay (a new
 * request reuses them).
 */
void
idxadv_job_build_partitioned(idxadvJob *job)
{
	idxadvIndexDef def;
	List	   *steps = NIL;
	ListCell   *lc;
	bool		valid = false;

	/* the definition, from the job's command, as the request checked it */
	idxadv_job_xact_begin();
	{
		List	   *raw = pg_parse_query(job->command);
		IndexStmt  *stmt;

		if (list_length(raw) != 1 ||
			!IsA(linitial_node(RawStmt, raw)->stmt, IndexStmt))
			elog(ERROR, "job command is not a single index statement");
		stmt = (IndexStmt *) linitial_node(RawStmt, raw)->stmt;
		if (RangeVarGetRelid(stmt->relation, AccessShareLock, true) != job->relid)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("the table of the job was dropped or renamed since it was queued")));
		stmt = transformIndexStmt(job->relid, stmt, job->command);
		idxadv_index_def_from_stmt(stmt, job->relid, &def);
		def.only = true;
	}
	idxadv_job_xact_end();

	/* the tree, and each leaf's index (own transactions) */
	idxadv_partition_leaves(job, &def, InvalidOid, &steps);

	/* the partitioned indexes, attached, in one transaction */
	idxadv_partition_attach(job, steps);

	(void) idxadv_job_existing_index(job, &valid);
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the build of index \"%s\" ended without a valid index",
						job->index_name)));
	foreach(lc, steps)
		pfree(lfirst(lc));
}

/*
 * The error for a partition that is a foreign table: it can have no index,
 * so the partitioned table's index would never become valid.  Raised when
 * the build is requested (idxadvisor_build.c) and again by the worker for a
 * partition attached after that.
 */
void
idxadv_refuse_foreign_partition(Oid parted, Oid partition)
{
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("cannot build an index of partitioned table \"%s\": partition \"%s\" is a foreign table",
					get_rel_name(parted), get_rel_name(partition)),
			 errdetail("A foreign table has no indexes, so an index of the partitioned table built partition by partition would never become valid."),
			 errhint("Build the index on each of the other partitions with idxadvisor_create_concurrently(), or run CREATE INDEX on the partitioned table, which skips foreign partitions but blocks writes while it runs.")));
}

/*
 * Append the steps of the partitioned table def->relid (under parent) and of
 * its partitions to *steps, building each leaf's index on the way.
 */
static void
idxadv_partition_leaves(idxadvJob *job, const idxadvIndexDef *def,
						Oid parent, List **steps)
{
	idxadvPartStep *step = palloc0(sizeof(idxadvPartStep));
	List	   *children = NIL;
	ListCell   *lc;

	step->relid = def->relid;
	step->parent = parent;
	step->partitioned = true;
	step->def = *def;
	*steps = lappend(*steps, step);

	idxadv_job_xact_begin();
	foreach(lc, find_inheritance_children(def->relid, AccessShareLock))
	{
		Oid			child = lfirst_oid(lc);
		char		kind = get_rel_relkind(child);
		idxadvPartStep *cstep;

		/* attached after the request was checked */
		if (kind == RELKIND_FOREIGN_TABLE)
			idxadv_refuse_foreign_partition(job->relid, child);
		cstep = palloc0(sizeof(idxadvPartStep));
		cstep->relid = child;
		cstep->parent = def->relid;
		cstep->partitioned = kind == RELKIND_PARTITIONED_TABLE;
		idxadv_index_def_for_partition(def, child, &cstep->def);
		children = lappend(children, cstep);
	}
	idxadv_job_xact_end();

	foreach(lc, children)
	{
		idxadvPartStep *cstep = (idxadvPartStep *) lfirst(lc);

		if (cstep->partitioned)
		{
			idxadv_partition_leaves(job, &cstep->def, def->relid, steps);
			pfree(cstep);
			continue;
		}
		idxadv_partition_leaf_index(job, cstep);
		*steps = lappend(*steps, cstep);
	}
	list_free(children);
}

/*
 * Give a leaf partition its index (step->indexoid): reuse a valid one of the
 * same definition that is attached to nothing, else build it concurrently.
 */
static void
idxadv_partition_leaf_index(idxadvJob *job, idxadvPartStep *step)
{
	idxadvJob  *leaf;
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	Oid			existing = InvalidOid;
	char	   *name;
	bool		valid = false;

	idxadv_job_xact_begin();
	rel = table_open(step->relid, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	table_close(rel, NoLock);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		idxadvIndexDef other;
		bool		usable;

		if (!HeapTupleIsValid(tup))
			continue;
		usable = ((Form_pg_index) GETSTRUCT(tup))->indisvalid &&
			((Form_pg_index) GETSTRUCT(tup))->indisready &&
			!get_rel_relispartition(indexoid);
		ReleaseSysCache(tup);
		if (!usable)
			continue;
		idxadv_index_def_from_index(indexoid, &other);
		if (idxadv_index_def_equal(&step->def, &other))
		{
			step->indexoid = indexoid;
			break;
		}
	}
	name = step->indexoid ? NULL :
		idxadv_ddl_choose_name(&step->def, NULL, NULL, &existing);
	idxadv_job_xact_end();
	if (OidIsValid(step->indexoid))
		return;

	/* the leaf's build runs as a job of its own, for the lock and retries */
	leaf = palloc(sizeof(idxadvJob));
	*leaf = *job;
	leaf->relid = step->relid;
	idxadv_job_xact_begin();
	leaf->nspid = get_rel_namespace(step->relid);
	leaf->qualified_name =
		MemoryContextStrdup(idxadv_job_cxt,
							quote_qualified_identifier(get_namespace_name(leaf->nspid),
													   name));
	leaf->command = MemoryContextStrdup(idxadv_job_cxt,
										idxadv_index_ddl(&step->def, name,
														 IDXADV_DDL_CONCURRENTLY));
	idxadv_job_xact_end();
	leaf->index_name = name;
	leaf->indexrelid = InvalidOid;

	idxadv_partition_job = leaf;
	if (OidIsValid(existing))
	{
		(void) idxadv_job_existing_index(leaf, &valid);
		if (!valid)
			idxadv_run_ddl(leaf, idxadv_job_drop_sql(leaf), true);
	}
	if (!valid)
		idxadv_run_ddl(leaf, leaf->command, false);
	step->indexoid = idxadv_job_existing_index(leaf, &valid);
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the build of index \"%s\" ended without a valid index",
						name)));
	idxadv_partition_job = NULL;
}

/*
 * Create the index ON ONLY each partitioned table of the steps (unless the
 * job's table has it already) and attach each partition's index to its
 * parent's, in one transaction; waits for the locks as a build waits for
 * its table lock.
 */
static void
idxadv_partition_attach(idxadvJob *job, List *steps)
{
	volatile int attempt;

	for (attempt = 0;; attempt++)
	{
		volatile bool retry = false;
		char		timeout[32];

		snprintf(timeout, sizeof(timeout), "%d", idxadv_build_lock_timeout);
		SetConfigOption("lock_timeout", timeout, PGC_SUSET, PGC_S_OVERRIDE);
		PG_TRY();
		{
			ListCell   *lc;

			idxadv_job_xact_begin();
			foreach(lc, steps)
			{
				idxadvPartStep *step = (idxadvPartStep *) lfirst(lc);
				idxadvPartStep *parent = NULL;
				ListCell   *lc2;
				const char *child_name;

				if (step->partitioned)
				{
					Oid			existing = InvalidOid;

					if (!OidIsValid(step->parent))
						step->index_name = job->index_name;
					else
						step->index_name =
							idxadv_ddl_choose_name(&step->def, NULL, NULL,
												   &existing);
					if (!OidIsValid(existing))
						idxadv_spi_ddl(idxadv_index_ddl(&step->def,
														step->index_name, 0));
				}
				if (!OidIsValid(step->parent))
					continue;
				foreach(lc2, steps)
					if (((idxadvPartStep *) lfirst(lc2))->relid == step->parent)
						parent = (idxadvPartStep *) lfirst(lc2);
				Assert(parent != NULL && parent->index_name != NULL);
				child_name = step->partitioned ? step->index_name :
					get_rel_name(step->indexoid);
				if (child_name == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_OBJECT),
							 errmsg("the index of partition \"%s\" was dropped while the job ran",
									get_rel_name(step->relid))));
				idxadv_spi_ddl(idxadv_attach_partition_ddl(get_rel_namespace(parent->relid),
														   parent->index_name,
														   get_rel_namespace(step->relid),
														   child_name));
			}
			SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
			idxadv_job_xact_end();
		}
		PG_CATCH();
		{
			MemoryContext ecxt = MemoryContextSwitchTo(idxadv_job_cxt);
			ErrorData  *edata = CopyErrorData();
			int			code = edata->sqlerrcode;
			char	   *msg;

			MemoryContextSwitchTo(ecxt);

			/*
			 * A lock wait that timed out, or a deadlock with a writer (one
			 * that wrote to a partition, then to the table): release
			 * everything and try again, as a build does.
			 */
			if (code != ERRCODE_LOCK_NOT_AVAILABLE && !idxadv_job_backs_off(code))
				PG_RE_THROW();
			msg = idxadv_catch_error(NULL);
			if (idxadv_build_lock_retries >= 0 &&
				attempt >= idxadv_build_lock_retries)
				ereport(ERROR,
						(errcode(code),
						 errmsg("%s", msg),
						 errdetail("Gave up waiting for the locks to attach the partitions' indexes after %d attempts.",
								   attempt + 1)));
			retry = true;
		}
		PG_END_TRY();
		SetConfigOption("lock_timeout", "0", PGC_SUSET, PGC_S_OVERRIDE);
		if (!retry)
			return;
		idxadv_job_retry_pause(job);
	}
}

/* Run one statement of idxadvisor_ddl.c's through SPI (in a transaction) */
static void
idxadv_spi_ddl(const char *sql)
{
	int			rc;

	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);
	rc = SPI_execute(sql, false, 0);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	pgstat_report_activity(STATE_IDLE, NULL);
	debug_query_string = NULL;
}

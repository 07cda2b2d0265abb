/*-------------------------------------------------------------------------
 *
 * idxadvisor_lifecycle.c
 *		What happens to indexes after the build: the reports of unused and
 *		bloated indexes, and the outcome of each finished build.
 *
 * idxadvisor_unused_indexes() lists the valid indexes with no scan in the
 * window the statistics have watched (pg_stat_database.stats_reset until
 * now; PostgreSQL 16 and later also record each index's last scan, so an
 * index whose last scan is older than min_window counts too).  Indexes that
 * must stay are listed with no drop_ddl and a reason that starts "keep:":
 * an index that backs a constraint or enforces uniqueness, the replica
 * identity, and the last index that serves a foreign key's lookup (by the
 * one serving rule, idxadv_fks_served_only_by in idxadvisor_catalog.c).
 * Indexes watched for less than min_window are "too new to judge".
 *
 * idxadvisor_index_bloat() sizes each btree index as a fresh build would
 * make it, from statistics alone (reltuples, pg_statistic's widths, null
 * fractions and distinct counts, fillfactor, page and tuple overheads,
 * deduplication), and with exact => true from pgstattuple's pgstatindex(),
 * which reads the whole index and is called with the caller's privileges.
 *
 * idxadvisor_index_served_scans() sums the captured sequential scans of the
 * scan shapes an index serves (the one serving rule again); the build
 * worker calls idxadv_outcome_baseline() when a create job succeeds, which
 * stores those sums in idxadvisor_outcome_baselines, and the view
 * idxadvisor_outcomes compares them with the sums since.
 *
 * Locking: the two reports read the catalogs, the cumulative statistics and
 * the relation files' sizes (stat()), as idxadvisor_report.c does: no table
 * or index is opened or locked, nothing of a table's code runs, and a
 * relation dropped meanwhile drops out of the report.  The one exception is
 * exact => true: pgstatindex() takes an ACCESS SHARE lock on each index and
 * reads every page, so it waits behind a migration's ACCESS EXCLUSIVE lock.
 * idxadvisor_index_served_scans() takes the capture's LWLock shared, through
 * idxadv_capture_snapshot().  The baseline is written in the worker's
 * transaction that records "done", as the extension owner.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/resowner.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/pg_locale.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "idxadvisor.h"
#include "idxadvisor_queue.h"

/*---- Macros ----*/

#define IDXADV_UNUSED_COLS		9	/* columns of idxadvisor_unused_indexes */
#define IDXADV_BLOAT_COLS		9	/* columns of idxadvisor_index_bloat */
#define IDXADV_SERVED_COLS		5	/* idxadvisor_index_served_scans */

/* The order of idxadvisor_unused_indexes' rows: what can go first */
#define IDXADV_UNUSED_DROP		2.0
#define IDXADV_UNUSED_TOO_NEW	1.0
#define IDXADV_UNUSED_KEEP		0.0

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_unused_indexes);
PG_FUNCTION_INFO_V1(idxadvisor_index_bloat);
PG_FUNCTION_INFO_V1(idxadvisor_index_served_scans);

static TimestampTz idxadv_stats_reset_time(void);
static char *idxadv_keep_reason(Oid indexoid, Form_pg_index idx);
static char *idxadv_fk_keep_reason(List *fkeys, bool stale);
static HTAB *idxadv_built_indexes(void);
static bool idxadv_index_listed(Oid indexoid, Form_pg_index idx,
								idxadvReportFilter *filter, bool leaves,
								Oid *amoid, char *relkind);
static double idxadv_fresh_btree_bytes(HeapTuple indtup, TupleDesc inddesc,
									   bool *known);
static bool idxadv_btree_dedups(Form_pg_index idx, HeapTuple indtup,
								TupleDesc inddesc, Datum reloptions,
								bool reloptions_null);
static Oid	idxadv_extension_schema(const char *extname);
static bool idxadv_index_serves_key(Oid indexoid, const idxadvHashKey *key);
static void idxadv_served_sums(Oid indexoid, int *shapes, int64 *seq_scans,
							   int64 *rows_read);
static int	idxadv_btree_fillfactor(Datum reloptions, bool isnull);
static bool idxadv_pgstatindex(Oid nspid, Oid indexoid, double *fresh_bytes,
							   double *leaf_density, int fillfactor);

/* ----------------------------------------------------------------
 * Shared pieces
 * ----------------------------------------------------------------
 */

/*
 * When this database's statistics were last reset, or 0 when never (they
 * then count from the database's first use, or from the last crash or
 * pg_upgrade, which start them anew and set the reset time, except
 * pg_upgrade).
 */
static TimestampTz
idxadv_stats_reset_time(void)
{
	PgStat_StatDBEntry *db = pgstat_fetch_stat_dbentry(MyDatabaseId);

	return db ? db->stat_reset_timestamp : 0;
}

/*
 * How long before "now" a time was, for a person deciding about an index:
 * "less than a minute ago", "5 minutes ago", "3 hours ago", "12 days ago",
 * always rounded down to the largest whole unit, so that "7 days ago" never
 * means less than 7 days (design: last-scan times are rounded down).  The
 * one writer of these texts: the drop warnings (idxadvisor_build.c) and the
 * reasons of the lifecycle reports use it.  Wherever the exact time matters
 * it stands beside the text (the reasons) or in pg_stat_all_indexes; the
 * text says what matters, whatever IntervalStyle, and reads the same in a
 * test run today and tomorrow.  A time after "now" (clocks of two servers)
 * counts as just now.
 */
char *
idxadv_time_ago(TimestampTz when, TimestampTz now)
{
	int64		secs = when < now ? (now - when) / USECS_PER_SEC : 0;

	if (secs < SECS_PER_MINUTE)
		return pstrdup("less than a minute ago");
	if (secs < SECS_PER_HOUR)
		return psprintf(ngettext("%lld minute ago", "%lld minutes ago",
								 secs / SECS_PER_MINUTE),
						(long long) (secs / SECS_PER_MINUTE));
	if (secs < SECS_PER_DAY)
		return psprintf(ngettext("%lld hour ago", "%lld hours ago",
								 secs / SECS_PER_HOUR),
						(long long) (secs / SECS_PER_HOUR));
	return psprintf(ngettext("%lld day ago", "%lld days ago",
							 secs / SECS_PER_DAY),
					(long long) (secs / SECS_PER_DAY));
}

/*
 * Is this index one the lifecycle reports list?  Valid, ready, live, of a
 * table the reports do not leave out (idxadv_filter_skip: no system
 * catalogs, no other session's temporary tables, not the extension's own).
 * Unless leaves, not attached to a partitioned parent's index (the
 * parent's row covers it).
 */
static bool
idxadv_index_listed(Oid indexoid, Form_pg_index idx,
					idxadvReportFilter *filter, bool leaves, Oid *amoid,
					char *relkind)
{
	HeapTuple	classtup;
	bool		skip;

	if (IsCatalogRelationOid(idx->indrelid))
		return false;
	if (!idx->indisvalid || !idx->indisready || !idx->indislive)
		return false;			/* idxadvisor_duplicates() reports those */
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indrelid));
	if (!HeapTupleIsValid(classtup))
		return false;
	skip = idxadv_filter_skip(filter, idx->indrelid,
							  (Form_pg_class) GETSTRUCT(classtup));
	ReleaseSysCache(classtup);
	if (skip)
		return false;
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(classtup))
		return false;
	*amoid = ((Form_pg_class) GETSTRUCT(classtup))->relam;
	*relkind = ((Form_pg_class) GETSTRUCT(classtup))->relkind;
	ReleaseSysCache(classtup);
	if (!leaves && has_superclass(indexoid))
		return false;			/* attached to a partitioned index */
	return true;
}

/* ----------------------------------------------------------------
 * idxadvisor_unused_indexes
 * ----------------------------------------------------------------
 */

/*
 * Why an index must stay whatever its scans, or NULL: it backs a
 * constraint, enforces uniqueness, or is the replica identity.  The last
 * index that serves a foreign key is idxadv_fk_keep_reason's.
 */
static char *
idxadv_keep_reason(Oid indexoid, Form_pg_index idx)
{
	Oid			conoid = get_index_constraint(indexoid);

	if (OidIsValid(conoid))
	{
		HeapTuple	contup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));

		if (HeapTupleIsValid(contup))
		{
			Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);
			char	   *reason;

			reason = psprintf("keep: it backs %s constraint %s; it checks every write even when no query reads it",
							  con->contype == CONSTRAINT_PRIMARY ? "primary key" :
							  con->contype == CONSTRAINT_UNIQUE ? "unique" :
							  con->contype == CONSTRAINT_EXCLUSION ? "exclusion" :
							  "a", quote_identifier(NameStr(con->conname)));
			ReleaseSysCache(contup);
			return reason;
		}
	}
	if (idx->indisreplident)
		return pstrdup("keep: it is the table's replica identity, which logical replication uses to find updated and deleted rows");
	if (idx->indisunique)
		return pstrdup("keep: it is unique, and enforces that on every write even when no query reads it");
	return NULL;
}

/*
 * "keep:" reason for the last index that serves foreign keys (constraint
 * OIDs): names the first one, its parent, and the parent's writes since the
 * statistics reset.  Each such write ran the trigger's lookup, which counts
 * as a scan of the index; none ran in the window.
 */
static char *
idxadv_fk_keep_reason(List *fkeys, bool stale)
{
	HeapTuple	contup = SearchSysCache1(CONSTROID,
										 ObjectIdGetDatum(linitial_oid(fkeys)));
	Form_pg_constraint con;
	char	   *child;
	char	   *parent;
	char	   *more = "";
	char	   *reason;
	idxadvForeignKey fk;
	int64		deletes;
	int64		updates;

	if (!HeapTupleIsValid(contup))
		return pstrdup("keep: it is the last index that serves a foreign key");
	con = (Form_pg_constraint) GETSTRUCT(contup);
	child = idxadv_qualified_name(con->conrelid);
	parent = idxadv_qualified_name(con->confrelid);
	if (list_length(fkeys) > 1)
		more = psprintf(" (and %d more foreign keys)", list_length(fkeys) - 1);
	fk.confrelid = con->confrelid;
	idxadv_fk_parent_writes(&fk, &deletes, &updates);
	reason = psprintf("keep: it is the last index that serves foreign key %s of %s%s: "
					  "without it, each DELETE on %s and each update of its key reads the whole of %s%s "
					  "(the parent had %lld deletes and %lld updates of any column since the statistics reset)",
					  quote_identifier(NameStr(con->conname)), child, more,
					  parent, child,
					  stale ? "" : "; no such delete or key update ran in the window",
					  (long long) deletes, (long long) updates);
	ReleaseSysCache(contup);
	return reason;
}

/* An index a create job of idxadvisor built, and when */
typedef struct idxadvBuiltIndex
{
	Oid			indexoid;		/* hash key */
	int64		job;
	TimestampTz built_at;
} idxadvBuiltIndex;

/*
 * The indexes that idxadvisor's create jobs built (the job table, read as
 * the extension owner, who alone may read it), by OID, with their latest
 * build: such an index has been watched since its build only.  Empty when
 * the extension or its job table is not there.
 */
static HTAB *
idxadv_built_indexes(void)
{
	HTAB	   *built = idxadv_oid_hash("idxadvisor built indexes",
										sizeof(idxadvBuiltIndex), 64);
	idxadvExtInfo ext;
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	MemoryContext cxt = CurrentMemoryContext;
	uint64		i;
	int			ret;

	if (!idxadv_get_extension(&ext) ||
		!OidIsValid(get_relname_relid("idxadvisor_build_jobs", ext.schema)))
		return built;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	idxadv_owner_spi_begin(&ext, &save_userid, &save_sec, &nestlevel);
	ret = SPI_execute(psprintf("SELECT index_schema, index_name::pg_catalog.text, id, finished_at"
							   "  FROM %s"
							   " WHERE kind OPERATOR(pg_catalog.=) 'create'"
							   "   AND state OPERATOR(pg_catalog.=) 'done'"
							   " ORDER BY id",
							   ext.jobs_table), true, 0);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the job table: %s",
			 SPI_result_code_string(ret));
	MemoryContextSwitchTo(cxt);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			nspid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *name = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		int64		job = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		Datum		finished = SPI_getbinval(tup, desc, 4, &isnull);
		Oid			indexoid = get_relname_relid(name, nspid);
		idxadvBuiltIndex *entry;

		if (!OidIsValid(indexoid) || isnull)
			continue;
		/* in id order: the latest build of that index wins */
		entry = hash_search(built, &indexoid, HASH_ENTER, NULL);
		entry->job = job;
		entry->built_at = DatumGetTimestampTz(finished);
	}
	SPI_finish();
	MemoryContextSwitchTo(cxt);
	return built;
}

/*
 * idxadvisor_unused_indexes
 *		One row per valid index with no scan in the window the statistics
 *		have watched, most space reclaimed first; the indexes that must stay
 *		or are too new to judge after those, with no drop_ddl.
 */
Datum
idxadvisor_unused_indexes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Interval   *min_window;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz reset = idxadv_stats_reset_time();
	int64		min_usecs;
	char	   *min_window_text;
	idxadvReportFilter filter;
	idxadvReportRows out;
	idxadvIndexMap *map;
	Relation	pg_index;
	SysScanDesc scan;
	HeapTuple	tup;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	char	   *since;
	HTAB	   *built;
	HTAB	   *nodemap;
	const char *standby_note;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("min_window must not be null"),
				 errhint("Pass how long an index must have been watched to be judged, e.g. '7 days', or leave the argument out.")));
	min_window = PG_GETARG_INTERVAL_P(0);
	min_usecs = min_window->time +
		(int64) min_window->day * USECS_PER_DAY +
		(int64) min_window->month * DAYS_PER_MONTH * USECS_PER_DAY;
	if (min_usecs < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_window must not be negative")));
	/* the argument as given: it is not a "how long ago" */
	min_window_text = DatumGetCString(DirectFunctionCall1(interval_out,
														  IntervalPGetDatum(min_window)));

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_UNUSED_COLS)
		elog(ERROR, "incorrect number of output arguments");
	idxadv_report_rows_init(&out, rsinfo);
	idxadv_filter_init(&filter);
	map = idxadv_index_map_create();
	built = idxadv_built_indexes();
	/* the standbys' scans, as idxadvisor_collect() gathered them */
	nodemap = idxadv_node_index_scans();
	standby_note = nodemap != NULL ?
		"scans on read replicas (standbys) count as far as idxadvisor_collect() gathered them" :
		"scans on read replicas (standbys) are not counted here";

	since = reset != 0 ?
		psprintf("since the statistics were reset at %s (%s)",
				 timestamptz_to_str(reset), idxadv_time_ago(reset, now)) :
		pstrdup("since the statistics began (never reset: the window is unknown)");

	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "idxadvisor unused index row",
								   ALLOCSET_DEFAULT_SIZES);
	pg_index = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		Oid			indexoid = idx->indexrelid;
		Oid			relid = idx->indrelid;
		Datum		values[IDXADV_UNUSED_COLS];
		bool		nulls[IDXADV_UNUSED_COLS];
		Oid			amoid;
		char		relkind;
		char		tablekind;
		int64		scans;
		int64		node_scans;
		TimestampTz node_last;
		int64		bytes;
		int64		writes;
		TimestampTz last;
		char	   *reason;
		char	   *idxname;
		char	   *ddl = NULL;
		double		order;
		List	   *fkeys;
		bool		stale = false;
		bool		last_known;
		idxadvBuiltIndex *job;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		if (!idxadv_index_listed(indexoid, idx, &filter, false, &amoid,
								 &relkind) ||
			(idxname = get_rel_name(indexoid)) == NULL)
			goto next;

		scans = idxadv_sum_leaves(pg_stat_get_numscans, indexoid, relkind,
								  false);
		last = idxadv_index_last_scan(indexoid, &last_known);

		/*
		 * Scanned on a standby within the window (the collection that found
		 * the scans stands for their time): used, whatever the primary saw.
		 */
		node_scans = idxadv_node_index_usage(nodemap, indexoid, relkind,
											 &node_last);
		if (node_scans > 0 &&
			(min_usecs == 0 || now - node_last < min_usecs))
			goto next;

		/*
		 * Unused: no scan in the window; where the server records the last
		 * scan, also one whose last scan is older than min_window.
		 */
		if (scans > 0)
		{
			if (last == 0 || now - last < min_usecs || min_usecs == 0)
				goto next;
			stale = true;
		}

		tablekind = get_rel_relkind(relid);
		bytes = idxadv_sum_leaves(NULL, indexoid, relkind, false);
		writes = idxadv_sum_leaves(pg_stat_get_tuples_inserted, relid,
								   tablekind, false) +
			idxadv_sum_leaves(pg_stat_get_tuples_updated, relid,
							  tablekind, false) +
			idxadv_sum_leaves(pg_stat_get_tuples_deleted, relid,
							  tablekind, false);

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(relid);
		values[1] = ObjectIdGetDatum(indexoid);
		values[2] = Int64GetDatum(bytes);
		values[3] = Int64GetDatum(scans);
		if (last != 0)
			values[4] = TimestampTzGetDatum(last);
		else
			nulls[4] = true;
		if (reset != 0)
		{
			values[5] = DirectFunctionCall2(timestamp_mi,
											TimestampTzGetDatum(now),
											TimestampTzGetDatum(reset));
			if (now > reset)
				values[6] = Float8GetDatum((double) writes * USECS_PER_DAY /
										   (double) (now - reset));
			else
				nulls[6] = true;
		}
		else
			nulls[5] = nulls[6] = true;

		reason = idxadv_keep_reason(indexoid, idx);
		if (reason == NULL &&
			(fkeys = idxadv_fks_served_only_by(map, indexoid, NIL)) != NIL)
			reason = idxadv_fk_keep_reason(fkeys, stale);
		job = hash_search(built, &indexoid, HASH_FIND, NULL);
		if (job != NULL && job->built_at <= reset)
			job = NULL;			/* built before the window began */
		if (reason != NULL)
			order = IDXADV_UNUSED_KEEP;
		else if (!stale && job != NULL && now - job->built_at < min_usecs)
		{
			/* built by idxadvisor since the reset: watched since the build */
			order = IDXADV_UNUSED_TOO_NEW;
			reason = psprintf("too new to judge: built by idxadvisor job %lld at %s (%s), less than min_window (%s); %s",
							  (long long) job->job,
							  timestamptz_to_str(job->built_at),
							  idxadv_time_ago(job->built_at, now),
							  min_window_text, standby_note);
		}
		else if (!stale && reset != 0 && now - reset < min_usecs)
		{
			/* watched for less than min_window: no verdict yet */
			order = IDXADV_UNUSED_TOO_NEW;
			reason = psprintf("too new to judge: no scan %s, less than min_window (%s); %s",
							  since, min_window_text, standby_note);
		}
		else
		{
			StringInfoData buf;

			order = IDXADV_UNUSED_DROP;
			initStringInfo(&buf);
			if (stale)
				appendStringInfo(&buf, "last scanned at %s (%s; %lld scans %s)",
								 timestamptz_to_str(last),
								 idxadv_time_ago(last, now),
								 (long long) scans, since);
			else if (job != NULL)
				appendStringInfo(&buf, "no scan since it was built by idxadvisor job %lld at %s (%s)",
								 (long long) job->job,
								 timestamptz_to_str(job->built_at),
								 idxadv_time_ago(job->built_at, now));
			else
				appendStringInfo(&buf, "no scan %s", since);
			appendStringInfo(&buf, "; each insert into %s and each update that is not HOT writes it",
							 idxadv_qualified_name(relid));
			appendStringInfoString(&buf, nodemap != NULL ?
								   "; scans on read replicas (standbys) count as far as idxadvisor_collect() gathered them: collect every standby before dropping it" :
								   "; scans on read replicas (standbys) are not counted here: check idx_scan there before dropping it");
			if (relkind == RELKIND_PARTITIONED_INDEX)
				appendStringInfoString(&buf,
									   "; an index of a partitioned table cannot be dropped concurrently: DROP INDEX locks every partition for a moment");
			reason = buf.data;
			ddl = psprintf("%s;",
						   idxadv_drop_index_ddl(get_rel_namespace(indexoid),
												 idxname,
												 relkind == RELKIND_PARTITIONED_INDEX ?
												 0 : IDXADV_DDL_CONCURRENTLY));
		}
		values[7] = ddl ? CStringGetTextDatum(ddl) : (Datum) 0;
		nulls[7] = (ddl == NULL);
		values[8] = CStringGetTextDatum(reason);

		/* the row is left out if the index was dropped meanwhile */
		(void) idxadv_qualified_name(indexoid);
		idxadv_add_row(&out, order * 1e18 + (double) bytes, relid, idxname,
					   values, nulls);
next:
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	idxadv_put_rows(&out, rsinfo);

	return (Datum) 0;
}

/* ----------------------------------------------------------------
 * idxadvisor_index_bloat
 * ----------------------------------------------------------------
 */

/* fillfactor of a btree index, from its pg_class.reloptions */
static int
idxadv_btree_fillfactor(Datum reloptions, bool isnull)
{
	ListCell   *lc;

	if (isnull)
		return BTREE_DEFAULT_FILLFACTOR;
	foreach(lc, untransformRelOptions(reloptions))
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "fillfactor") == 0)
			return pg_strtoint32(defGetString(def));
	}
	return BTREE_DEFAULT_FILLFACTOR;
}

/*
 * Does a fresh build of this btree deduplicate equal keys into posting
 * lists?  As _bt_load decides: not for a unique index, nor with
 * deduplicate_items off, nor unless every key column's operator class says
 * equal keys are images of each other (its BTEQUALIMAGE_PROC, which only a
 * superuser can create, as _bt_allequalimage calls it), nor with INCLUDE
 * columns.
 */
static bool
idxadv_btree_dedups(Form_pg_index idx, HeapTuple indtup, TupleDesc inddesc,
					Datum reloptions, bool reloptions_null)
{
	Datum		d;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcollation;
	ListCell   *lc;
	int			i;

	if (idx->indisunique || idx->indnkeyatts != idx->indnatts)
		return false;
	if (!reloptions_null)
		foreach(lc, untransformRelOptions(reloptions))
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "deduplicate_items") == 0 &&
				!defGetBoolean(def))
				return false;
		}
	d = heap_getattr(indtup, Anum_pg_index_indclass, inddesc, &isnull);
	if (isnull)
		return false;
	indclass = (oidvector *) DatumGetPointer(d);
	d = heap_getattr(indtup, Anum_pg_index_indcollation, inddesc, &isnull);
	if (isnull)
		return false;
	indcollation = (oidvector *) DatumGetPointer(d);
	for (i = 0; i < idx->indnkeyatts; i++)
	{
		Oid			opfamily = get_opclass_family(indclass->values[i]);
		Oid			opcintype = get_opclass_input_type(indclass->values[i]);
		Oid			proc;

		proc = get_opfamily_proc(opfamily, opcintype, opcintype,
								 BTEQUALIMAGE_PROC);
		if (!OidIsValid(proc) ||
			!DatumGetBool(OidFunctionCall1Coll(proc, indcollation->values[i],
											   ObjectIdGetDatum(opcintype))))
			return false;
	}
	return true;
}

/*
 * idxadv_fresh_btree_bytes
 *		The size a fresh build (REINDEX) of this btree would have, from
 *		statistics only: the rows it holds (the table's reltuples, or the
 *		index's own for a partial index), each column's average width and
 *		null fraction (pg_statistic: the table's for a column, the index's
 *		for an expression; the type's width without statistics), the tuple
 *		and line pointer overheads, deduplication of equal keys into posting
 *		lists (by n_distinct), leaves filled to fillfactor, inner pages to
 *		70%, and the metapage, as nbtsort.c builds it.  *known is false when
 *		the table was never analyzed nor vacuumed.  The index is not opened.
 */
static double
idxadv_fresh_btree_bytes(HeapTuple indtup, TupleDesc inddesc, bool *known)
{
	Form_pg_index idx = (Form_pg_index) GETSTRUCT(indtup);
	HeapTuple	classtup;
	Datum		reloptions;
	bool		reloptions_null;
	double		ntuples;
	double		index_tuples;
	double		data = 0;
	double		keydata = 0;
	double		nullfrac = 0;
	double		ndistinct = 1;
	bool		distinct_known = true;
	double		itemsz;
	double		pivotsz;
	double		leaf_bytes;
	double		usable;
	double		leaf_cap;
	double		inner_per_page;
	double		pages;
	double		total;
	int			fillfactor;
	int			i;

	*known = false;
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indrelid));
	if (!HeapTupleIsValid(classtup))
		return 0;
	ntuples = ((Form_pg_class) GETSTRUCT(classtup))->reltuples;
	ReleaseSysCache(classtup);
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(idx->indexrelid));
	if (!HeapTupleIsValid(classtup))
		return 0;
	index_tuples = ((Form_pg_class) GETSTRUCT(classtup))->reltuples;
	reloptions = SysCacheGetAttr(RELOID, classtup, Anum_pg_class_reloptions,
								 &reloptions_null);
	if (!reloptions_null)
		reloptions = PointerGetDatum(PG_DETOAST_DATUM_COPY(reloptions));
	ReleaseSysCache(classtup);

	/* a partial index holds the rows its predicate keeps */
	if (!heap_attisnull(indtup, Anum_pg_index_indpred, NULL))
		ntuples = index_tuples;
	if (ntuples < 0)
		return 0;				/* never analyzed nor vacuumed */
	*known = true;
	if (ntuples == 0)
		return BLCKSZ;			/* an empty index is its metapage alone */
	*known = false;

	for (i = 0; i < idx->indnatts; i++)
	{
		AttrNumber	attnum = idx->indkey.values[i];
		HeapTuple	atttup;
		HeapTuple	stattup;
		Form_pg_attribute att;
		double		width;
		double		colnull = 0;
		double		coldistinct = 0;

		atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(idx->indexrelid),
								 Int16GetDatum(i + 1));
		if (!HeapTupleIsValid(atttup))
			return 0;
		att = (Form_pg_attribute) GETSTRUCT(atttup);
		stattup = attnum != 0 ?
			SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(idx->indrelid),
							Int16GetDatum(attnum), BoolGetDatum(false)) :
			SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(idx->indexrelid),
							Int16GetDatum(i + 1), BoolGetDatum(false));
		if (HeapTupleIsValid(stattup))
		{
			Form_pg_statistic st = (Form_pg_statistic) GETSTRUCT(stattup);

			width = st->stawidth;
			colnull = st->stanullfrac;
			coldistinct = st->stadistinct;
			ReleaseSysCache(stattup);
		}
		else
			width = att->attlen > 0 ? att->attlen :
				get_typavgwidth(att->atttypid, att->atttypmod);

		/*
		 * Fixed-width columns are aligned; a varlena of less than 127 bytes
		 * gets a 1-byte header in an index tuple and no alignment.
		 */
		if (att->attlen > 0 || width > 126)
			data = att_align_nominal((Size) ceil(data), att->attalign);
		data += width * (1.0 - colnull);
		nullfrac = Max(nullfrac, colnull);
		if (i < idx->indnkeyatts)
		{
			keydata = data;
			if (coldistinct > 0)
				ndistinct *= coldistinct;
			else if (coldistinct < 0)
				ndistinct *= -coldistinct * ntuples;
			else
				distinct_known = false;
		}
		ReleaseSysCache(atttup);
	}

	/* IndexTupleData, a null bitmap when some column is null, MAXALIGN */
	itemsz = MAXALIGN((Size) ceil(sizeof(IndexTupleData) +
								  (nullfrac > 0 ? sizeof(IndexAttributeBitMapData) : 0) +
								  data)) + sizeof(ItemIdData);
	pivotsz = MAXALIGN((Size) ceil(sizeof(IndexTupleData) + keydata)) +
		sizeof(ItemIdData);

	leaf_bytes = ntuples * itemsz;
	if (distinct_known && ntuples > 0 &&
		idxadv_btree_dedups(idx, indtup, inddesc, reloptions,
							reloptions_null))
	{
		double		groups = Min(Max(ndistinct, 1.0), ntuples);
		double		per_group = ntuples / groups;
		double		max_posting = MAXALIGN_DOWN(BLCKSZ * 10 / 100) -
			sizeof(ItemIdData);
		double		max_tids = floor((max_posting - itemsz) /
									 sizeof(ItemPointerData));

		/*
		 * Each group of equal keys becomes posting list tuples of up to
		 * max_tids heap TIDs: the key once per tuple, 6 bytes per row.
		 */
		if (per_group >= 2 && max_tids >= 2)
			leaf_bytes = groups *
				(ceil(per_group / max_tids) * (itemsz + MAXIMUM_ALIGNOF / 2) +
				 per_group * sizeof(ItemPointerData));
	}

	fillfactor = idxadv_btree_fillfactor(reloptions, reloptions_null);
	usable = BLCKSZ - SizeOfPageHeaderData - MAXALIGN(sizeof(BTPageOpaqueData));
	/* nbtsort.c starts a new leaf when less than (100 - fillfactor)% is free */
	leaf_cap = usable - (double) BLCKSZ * (100 - fillfactor) / 100 - itemsz;
	pages = Max(1.0, ceil(leaf_bytes / leaf_cap));
	total = pages;
	inner_per_page = floor((usable - (double) BLCKSZ *
							(100 - BTREE_NONLEAF_FILLFACTOR) / 100) / pivotsz);
	inner_per_page = Max(inner_per_page, 2.0);
	while (pages > 1)
	{
		pages = ceil(pages / inner_per_page);
		total += pages;
	}
	*known = true;
	return (total + 1) * BLCKSZ;	/* and the metapage */
}

/*
 * The schema of an installed extension, or InvalidOid.  (PostgreSQL 15
 * exports no get_extension_schema().)
 */
static Oid
idxadv_extension_schema(const char *extname)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nspid = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(extname));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nspid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nspid;
}

/*
 * idxadv_pgstatindex
 *		The size a fresh build would have, measured: pgstatindex() of
 *		pgstattuple (in schema nspid) reads every page; its live leaf content
 *		(leaf pages times average leaf density) repacked at fillfactor, the
 *		inner pages shrunk alike, and the metapage.  It does not know what
 *		deduplication would gain, nor that dead entries not yet vacuumed
 *		would go.  Called through SPI with the caller's privileges, so
 *		pgstattuple's own checks apply.  False when the index went away.
 */
static bool
idxadv_pgstatindex(Oid nspid, Oid indexoid, double *fresh_bytes,
				   double *leaf_density, int fillfactor)
{
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		values[1];
	char	   *sql;
	bool		isnull;
	double		leaf_pages;
	double		inner_pages;
	double		density;
	double		ratio;
	int			ret;

	values[0] = ObjectIdGetDatum(indexoid);
	sql = psprintf("SELECT leaf_pages::pg_catalog.float8, internal_pages::pg_catalog.float8,"
				   " avg_leaf_density FROM %s.pgstatindex($1)",
				   quote_identifier(get_namespace_name(nspid)));
	ret = SPI_execute_with_args(sql, 1, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	leaf_pages = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1,
											  &isnull));
	inner_pages = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 2,
											   &isnull));
	density = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 3,
										   &isnull));
	if (isnull || isnan(density))
		density = 0;			/* no leaf page: an empty index */
	ratio = density / fillfactor;
	*leaf_density = density;
	/* an empty index is its metapage alone */
	*fresh_bytes = leaf_pages <= 0 ? BLCKSZ :
		(Max(1.0, ceil(leaf_pages * ratio)) +
		 ceil(inner_pages * Min(ratio, 1.0)) + 1) * BLCKSZ;
	return true;
}

/*
 * idxadvisor_index_bloat
 *		One row per btree index: its size, the size a fresh build would
 *		have, the difference, and the DDL that rebuilds it without blocking
 *		writes.  Most space reclaimed first.
 */
Datum
idxadvisor_index_bloat(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		exact;
	Oid			pgstattuple_nsp = InvalidOid;
	char	   *extnsp = NULL;
	idxadvExtInfo ext;
	idxadvReportFilter filter;
	idxadvReportRows out;
	Relation	pg_index;
	SysScanDesc scan;
	HeapTuple	tup;
	MemoryContext rowcxt;
	MemoryContext oldcxt;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("exact must not be null"),
				 errhint("Pass true to measure each index with pgstattuple's pgstatindex(), false (the default) to estimate from statistics.")));
	exact = PG_GETARG_BOOL(0);
	if (exact)
	{
		pgstattuple_nsp = idxadv_extension_schema("pgstattuple");
		if (!OidIsValid(pgstattuple_nsp))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("exact => true needs the pgstattuple extension, which is not installed in this database"),
					 errhint("Run CREATE EXTENSION pgstattuple; or call idxadvisor_index_bloat() without exact for the estimate from statistics.")));
	}

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_BLOAT_COLS)
		elog(ERROR, "incorrect number of output arguments");
	idxadv_report_rows_init(&out, rsinfo);
	idxadv_filter_init(&filter);
	if (idxadv_get_extension(&ext))
		extnsp = get_namespace_name(ext.schema);
	if (exact && SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	rowcxt = AllocSetContextCreate(CurrentMemoryContext,
								   "idxadvisor index bloat row",
								   ALLOCSET_DEFAULT_SIZES);
	pg_index = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tup);
		Oid			indexoid = idx->indexrelid;
		Datum		values[IDXADV_BLOAT_COLS];
		bool		nulls[IDXADV_BLOAT_COLS];
		Oid			amoid;
		char		relkind;
		char	   *idxname;
		int64		bytes;
		double		fresh;
		double		density = 0;
		bool		known;
		const char *source;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(rowcxt);
		if (!idxadv_index_listed(indexoid, idx, &filter, true, &amoid,
								 &relkind) ||
			amoid != BTREE_AM_OID || relkind != RELKIND_INDEX ||
			(idxname = get_rel_name(indexoid)) == NULL)
			goto next;

		bytes = idxadv_relation_bytes(indexoid, false, true);
		fresh = idxadv_fresh_btree_bytes(tup, RelationGetDescr(pg_index),
										 &known);
		source = known ? "statistics" :
			"no statistics: the table was never analyzed nor vacuumed";
		if (exact)
		{
			HeapTuple	classtup = SearchSysCache1(RELOID,
												   ObjectIdGetDatum(indexoid));
			Datum		relopts;
			bool		isnull;
			int			fillfactor;

			if (!HeapTupleIsValid(classtup))
				goto next;
			relopts = SysCacheGetAttr(RELOID, classtup,
									  Anum_pg_class_reloptions, &isnull);
			fillfactor = idxadv_btree_fillfactor(relopts, isnull);
			ReleaseSysCache(classtup);
			MemoryContextSwitchTo(oldcxt);
			known = idxadv_pgstatindex(pgstattuple_nsp, indexoid, &fresh,
									   &density, fillfactor);
			MemoryContextSwitchTo(rowcxt);
			if (!known)
				goto next;		/* dropped meanwhile */
			source = "pgstattuple";
		}

		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(idx->indrelid);
		values[1] = ObjectIdGetDatum(indexoid);
		values[2] = Int64GetDatum(bytes);
		if (known)
		{
			double		bloat = Max(0.0, (double) bytes - fresh);

			values[3] = Int64GetDatum((int64) fresh);
			values[4] = Int64GetDatum((int64) bloat);
			values[5] = Float8GetDatum(bytes > 0 ? 100.0 * bloat / bytes : 0);
		}
		else
			nulls[3] = nulls[4] = nulls[5] = true;
		if (exact)
			values[6] = Float8GetDatum(density);
		else
			nulls[6] = true;
		values[7] = CStringGetTextDatum(source);
		if (extnsp != NULL)
			values[8] = CStringGetTextDatum(psprintf("SELECT %s.idxadvisor_reindex_concurrently(%s);",
													 quote_identifier(extnsp),
													 quote_literal_cstr(idxadv_qualified_name(indexoid))));
		else
			nulls[8] = true;
		idxadv_add_row(&out, known ? DatumGetInt64(values[4]) : -1.0,
					   idx->indrelid, idxname, values, nulls);
next:
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	if (exact)
		SPI_finish();
	idxadv_put_rows(&out, rsinfo);

	return (Datum) 0;
}

/* ----------------------------------------------------------------
 * Outcomes of builds: the captured scans an index serves
 * ----------------------------------------------------------------
 */

/*
 * Does this index serve the lookup of a captured scan shape, by the one
 * serving rule (idxadv_find_serving_index, asked with every other index of
 * the table excepted)?  The shape's "=" columns lead, then its first range
 * column, then its ORDER BY columns that no "=" fixes; its boolean and NULL
 * tests count either as leading columns or as conditions that may imply a
 * partial index's predicate.  Other conditions (LIKE, <>) are no lookup.
 */
static bool
idxadv_index_serves_key(Oid indexoid, const idxadvHashKey *key)
{
	List	   *except = NIL;
	TupleDesc	desc;
	ListCell   *lc;
	int			pass;

	foreach(lc, idxadv_table_indexes(NULL, key->relid, &desc))
	{
		Oid			other = ((Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc)))->indexrelid;

		if (other != indexoid)
			except = lappend_oid(except, other);
	}

	/* pass 0: flags as leading columns; pass 1: flags as conditions */
	for (pass = 0; pass < 2; pass++)
	{
		idxadvIndexLookup lookup;
		int			n = 0;
		int			i;
		bool		range = false;

		memset(&lookup, 0, sizeof(lookup));
		lookup.relid = key->relid;
		for (i = 0; i < key->natts; i++)
		{
			uint8		kind = key->kinds[i];

			if (kind == IDXADV_CMP_EQ ||
				(pass == 0 && (kind == IDXADV_CMP_TRUE ||
							   kind == IDXADV_CMP_FALSE ||
							   kind == IDXADV_CMP_NULL)))
				lookup.cols[n++] = (idxadvLookupCol) {key->attnums[i], kind, 0, InvalidOid};
		}
		lookup.neq = n;
		for (i = 0; i < key->natts && !range; i++)
			if (key->kinds[i] == IDXADV_CMP_RANGE)
			{
				lookup.cols[n++] = (idxadvLookupCol) {key->attnums[i], IDXADV_CMP_RANGE, 0, InvalidOid};
				range = true;
			}
		for (i = 0; i < key->norder; i++)
		{
			int			j;
			bool		fixed = false;

			for (j = 0; j < lookup.neq; j++)
				if (lookup.cols[j].attnum == key->order_attnums[i] &&
					lookup.cols[j].kind == IDXADV_CMP_EQ)
					fixed = true;
			if (!fixed)
				lookup.cols[n++] = (idxadvLookupCol) {key->order_attnums[i], 0, key->order_flags[i], InvalidOid};
		}
		lookup.ntail = n - lookup.neq;
		for (i = 0; i < key->natts; i++)
		{
			uint8		kind = key->kinds[i];

			if (kind == IDXADV_CMP_NOTNULL ||
				(pass == 1 && (kind == IDXADV_CMP_TRUE ||
							   kind == IDXADV_CMP_FALSE ||
							   kind == IDXADV_CMP_NULL)))
				lookup.cols[n++] = (idxadvLookupCol) {key->attnums[i], kind, 0, InvalidOid};
		}
		lookup.nconds = n - lookup.neq - lookup.ntail;
		if (n == 0)
			return false;
		if (idxadv_find_serving_index_except(NULL, &lookup, except) == indexoid)
			return true;
	}
	return false;
}

/*
 * The captured sequential scans of this database (count, rows read) whose
 * shapes the index serves, and how many shapes; a partitioned index serves
 * its leaves' tables through its leaves' indexes.
 */
static void
idxadv_served_sums(Oid indexoid, int *shapes, int64 *seq_scans,
				   int64 *rows_read)
{
	idxadvScanStat *stats;
	int			nstats;
	List	   *indexes;
	ListCell   *lc;

	*shapes = 0;
	*seq_scans = 0;
	*rows_read = 0;
	stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);
	if (get_rel_relkind(indexoid) == RELKIND_PARTITIONED_INDEX)
		indexes = find_all_inheritors(indexoid, NoLock, NULL);
	else
		indexes = list_make1_oid(indexoid);
	foreach(lc, indexes)
	{
		Oid			leaf = lfirst_oid(lc);
		Oid			relid = IndexGetRelation(leaf, true);
		int			i;

		if (!OidIsValid(relid) ||
			get_rel_relkind(leaf) != RELKIND_INDEX)
			continue;
		for (i = 0; i < nstats; i++)
		{
			/* sequential scans only: filtered, or under a top-N sort */
			if (stats[i].key.relid != relid ||
				(stats[i].key.shape != IDXADV_SHAPE_SEQ_FILTER &&
				 stats[i].key.shape != IDXADV_SHAPE_SEQ_TOPN) ||
				!idxadv_index_serves_key(leaf, &stats[i].key))
				continue;
			(*shapes)++;
			*seq_scans += stats[i].counters.executions;
			*rows_read += stats[i].counters.rows_scanned;
		}
	}
}

/*
 * idxadvisor_index_served_scans
 *		For one index: its scans (its leaves' for a partitioned one), the
 *		captured scan shapes it serves, their sequential scans and rows read
 *		so far, and when the capture started counting.  What
 *		idxadvisor_outcomes compares with the baseline of the build.  The
 *		caller needs some privilege on the table, as for idxadvisor_scans,
 *		or pg_read_all_stats.
 */
Datum
idxadvisor_index_served_scans(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	TupleDesc	tupdesc;
	Datum		values[IDXADV_SERVED_COLS];
	bool		nulls[IDXADV_SERVED_COLS];
	char		relkind = get_rel_relkind(indexoid);
	Oid			relid;
	int			shapes;
	int64		seq_scans;
	int64		rows_read;

	idxadv_require_preload("idxadvisor_index_served_scans()");
	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index with OID %u does not exist", indexoid)));
	if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(indexoid))));
	relid = IndexGetRelation(indexoid, false);
	if (IsCatalogRelationOid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is an index of a system catalog", get_rel_name(indexoid)),
				 errdetail("Scans of system catalogs are never captured.")));
	if (pg_class_aclmask(relid, GetUserId(), ACL_ALL_RIGHTS_RELATION,
						 ACLMASK_ANY) == 0 &&
		!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(relid)),
				 errdetail("Its captured scans are shown to roles with a privilege on the table and to members of pg_read_all_stats.")));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != IDXADV_SERVED_COLS)
		elog(ERROR, "incorrect number of output arguments");

	idxadv_served_sums(indexoid, &shapes, &seq_scans, &rows_read);
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(idxadv_sum_leaves(pg_stat_get_numscans,
												indexoid, relkind, false));
	values[1] = Int32GetDatum(shapes);
	values[2] = Int64GetDatum(seq_scans);
	values[3] = Int64GetDatum(rows_read);
	values[4] = TimestampTzGetDatum(idxadv_capture_reset_time());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/*
 * idxadv_outcome_baseline
 *		Called by the build worker in the transaction that records a create
 *		job as done (SPI connected): store what the captured scans the new
 *		index serves amount to now, the "before" of idxadvisor_outcomes.  A
 *		database whose extension is older than 1.1 has no baseline table:
 *		nothing to do.  A failure here never undoes the job's outcome: it
 *		runs in a subtransaction and becomes a WARNING.
 */
void
idxadv_outcome_baseline(const idxadvExtInfo *ext, int64 jobid, Oid nspid,
						const char *index_name)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Oid			indexoid = get_relname_relid(index_name, nspid);
	char	   *table;

	if (!OidIsValid(indexoid) || !idxadv_capture_available() ||
		!OidIsValid(get_relname_relid("idxadvisor_outcome_baselines",
									  ext->schema)))
		return;
	table = psprintf("%s.idxadvisor_outcome_baselines",
					 quote_identifier(get_namespace_name(ext->schema)));

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		Oid			argtypes[6] = {INT8OID, OIDOID, TIMESTAMPTZOID, INT4OID,
		INT8OID, INT8OID};
		Datum		values[6];
		int			shapes;
		int64		seq_scans;
		int64		rows_read;
		Oid			save_userid;
		int			save_sec;
		int			nestlevel;
		int			ret;

		idxadv_served_sums(indexoid, &shapes, &seq_scans, &rows_read);
		values[0] = Int64GetDatum(jobid);
		values[1] = ObjectIdGetDatum(indexoid);
		values[2] = TimestampTzGetDatum(idxadv_capture_reset_time());
		values[3] = Int32GetDatum(shapes);
		values[4] = Int64GetDatum(seq_scans);
		values[5] = Int64GetDatum(rows_read);
		idxadv_owner_spi_begin(ext, &save_userid, &save_sec, &nestlevel);
		ret = SPI_execute_with_args(psprintf("INSERT INTO %s (job, indexrelid, taken_at,"
											 " capture_since, shapes, seq_scans, rows_read)"
											 " VALUES ($1, $2, pg_catalog.clock_timestamp(),"
											 " $3, $4, $5, $6)"
											 " ON CONFLICT (job) DO NOTHING",
											 table),
									6, argtypes, values, NULL, false, 0);
		idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not store the outcome baseline: %s",
				 SPI_result_code_string(ret));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ereport(WARNING,
				(errmsg("could not record the outcome baseline of job %lld: %s",
						(long long) jobid, edata->message)));
	}
	PG_END_TRY();
}

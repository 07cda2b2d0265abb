/*-------------------------------------------------------------------------
 *
 * idxadvisor_collect.c
 *		Read replicas: the scans of hot standbys, gathered on the primary.
 *
 * A hot standby captures its own scans like any server (shared memory
 * only; nothing is written there), but its workload is invisible to the
 * primary, where suggestions are made and indexes are built and dropped.
 * idxadvisor_collect(conninfo) connects to a standby with libpq, reads its
 * captured scans (idxadvisor_export_scans() there) and its index scan
 * counts (pg_stat_user_indexes), and merges them into three tables of the
 * extension on the primary, per node:
 *
 *	idxadvisor_nodes			one row per node: when it was collected
 *	idxadvisor_node_scan_data	its scans, by capture key, summed over the
 *								collections, and the node's own counters as
 *								last read (raw_*)
 *	idxadvisor_node_index_data	its index scans, the same way
 *
 * Deltas, not copies: a collection adds to the sums what the node's
 * counters grew by since the last one, so collecting twice never counts a
 * scan twice.  A counter lower than last time means the node lost or reset
 * it (restart after a crash, idxadvisor_reset() or pg_stat_reset() there,
 * an evicted entry): its whole value counts as new.  A node's entry that
 * is gone there gets raw counters of zero, so that it counts in full when
 * it comes back.  The one case that undercounts: counters reset and grown
 * past their old value between two collections; never does one count
 * twice.  Two collections of one node are serialised by the lock on its
 * idxadvisor_nodes row, taken before the node's counters are read.
 *
 * The tables replicate like any table, so a standby can read what the
 * primary collected; only the primary writes them (idxadvisor_collect()
 * and idxadvisor_forget_node() refuse to run on a standby).  They are owned
 * by the extension owner and not accessible to PUBLIC; every statement on
 * them runs through SPI as the extension owner (idxadv_owner_spi_begin of
 * the build queue), with search_path pg_catalog.  idxadvisor_suggest()
 * adds every node's scans to the capture's (idxadv_add_node_scans) and the
 * reports may count every node's index scans (idxadv_node_index_scans).
 *
 * Security.  The function is revoked from PUBLIC.  A caller that is not a
 * superuser must put a password in the connection string, and the
 * connection must have used it: otherwise it could connect with the
 * server's own credentials (its password file, trust or peer
 * authentication), as dblink refuses too.  The connection string is never
 * shown: errors name the node.  On the standby, the role needs the
 * privileges of pg_read_all_stats (idxadvisor_export_scans() checks them),
 * so that it sees every table's scans and none are taken for gone.
 *
 * Waits on the connection are interruptible (a latch and the socket), so a
 * query cancel or a statement_timeout ends a collection from an
 * unresponsive standby.  Nothing is kept in shared memory; locking is the
 * tables' own.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "libpq-fe.h"

#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "idxadvisor.h"
#include "idxadvisor_queue.h"

/*---- Macros ----*/

/* The node name of this server's own scans in idxadvisor_node_scans */
#define IDXADV_LOCAL_NODE	"local"

/* Output columns of idxadvisor_export_scans() and idxadvisor_collect() */
#define IDXADV_EXPORT_COLS	11
#define IDXADV_COLLECT_COLS 4
#define IDXADV_NODE_INDEX_COLS	4

/*
 * Counters summed as deltas, in the order of the tables' columns:
 * executions, fk_trigger_executions, rows_scanned, rows_matched,
 * pages_scanned, limited_executions, outer_rows
 */
#define IDXADV_NODE_NCOUNTERS	7

/*---- Data structures ----*/

/* One scan entry as read from a node */
typedef struct idxadvNodeScan
{
	idxadvHashKey key;
	int64		counters[IDXADV_NODE_NCOUNTERS];
	int64		limit_max;
	TimestampTz last_seen;
	int64		queryid;		/* 0: none */
} idxadvNodeScan;

/* The node's counters as last read, by key (the delta base) */
typedef struct idxadvNodeRaw
{
	idxadvHashKey key;			/* hash key - MUST BE FIRST */
	int64		raw[IDXADV_NODE_NCOUNTERS];
} idxadvNodeRaw;

typedef struct idxadvNodeIndexRaw
{
	Oid			indexrelid;		/* hash key - MUST BE FIRST */
	int64		raw;
} idxadvNodeIndexRaw;

/* What a collection read from a node */
typedef struct idxadvNodeRead
{
	char	   *node;			/* its name */
	idxadvNodeScan *scans;
	int			nscans;
	Oid		   *indexes;		/* pg_stat_user_indexes */
	int64	   *idx_scans;
	int			nindexes;
	bool		has_reset;		/* its pg_stat_database.stats_reset */
	TimestampTz stats_reset;
	bool		reset_since;	/* changed since the last collection */
} idxadvNodeRead;

/* The extension's tables, quoted and schema-qualified */
typedef struct idxadvNodeTables
{
	idxadvExtInfo ext;
	char	   *schema;			/* quoted schema name */
	char	   *nodes;
	char	   *scans;
	char	   *indexes;
} idxadvNodeTables;

/*---- Function declarations ----*/

PG_FUNCTION_INFO_V1(idxadvisor_export_scans);
PG_FUNCTION_INFO_V1(idxadvisor_collect);
PG_FUNCTION_INFO_V1(idxadvisor_forget_node);
PG_FUNCTION_INFO_V1(idxadvisor_node_scan_stats);
PG_FUNCTION_INFO_V1(idxadvisor_node_index_scans);

static bool idxadv_node_tables(idxadvNodeTables *t);
static void idxadv_node_check_writable(const char *funcname);
static int	idxadv_node_spi(const idxadvNodeTables *t, const char *sql,
							int nargs, Oid *argtypes, Datum *values,
							const char *nulls);
static void idxadv_node_check_name(const char *node);
static void idxadv_node_check_conninfo(PQconninfoOption *opts);
static void idxadv_node_wait(PGconn *conn, bool for_write);
static void idxadv_node_connect(PGconn *conn);
static PGresult *idxadv_node_query(PGconn *conn, const char *node,
								   const char *sql, int ncols);
static int64 idxadv_text_int8(const char *s);
static TimestampTz idxadv_text_epoch(const char *s);
static bool idxadv_key_from_bytes(const char *hex, idxadvHashKey *key);
static bool idxadv_node_lock(const idxadvNodeTables *t, const char *node,
							 TimestampTz *stats_reset);
static int64 idxadv_node_merge_scans(const idxadvNodeTables *t,
									 const char *node, idxadvNodeScan *scans,
									 int nscans, int64 *changed);
static int64 idxadv_node_merge_indexes(const idxadvNodeTables *t,
									   const char *node, Oid *indexes,
									   int64 *idx_scans, int nindexes,
									   bool restarted);
static idxadvScanStat *idxadv_node_scans_read(char ***nodes, int *nstats);

/* ----------------------------------------------------------------
 * The extension's tables
 * ----------------------------------------------------------------
 */

/*
 * Look up the extension and its node tables.  False when the extension is
 * not installed, or installed at a version without the tables (1.0).
 */
static bool
idxadv_node_tables(idxadvNodeTables *t)
{
	if (!idxadv_get_extension(&t->ext))
		return false;
	if (!OidIsValid(get_relname_relid("idxadvisor_node_scan_data",
									  t->ext.schema)))
		return false;
	t->schema = (char *) quote_identifier(get_namespace_name(t->ext.schema));
	t->nodes = psprintf("%s.idxadvisor_nodes", t->schema);
	t->scans = psprintf("%s.idxadvisor_node_scan_data", t->schema);
	t->indexes = psprintf("%s.idxadvisor_node_index_data", t->schema);
	return true;
}

/*
 * Run one statement on the node tables as the extension owner; SPI must be
 * connected.  Returns SPI_processed; the rows are in SPI_tuptable.
 */
static int
idxadv_node_spi(const idxadvNodeTables *t, const char *sql, int nargs,
				Oid *argtypes, Datum *values, const char *nulls)
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	int			ret;
	MemoryContext cxt = CurrentMemoryContext;

	idxadv_owner_spi_begin(&t->ext, &save_userid, &save_sec, &nestlevel);
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, nulls,
								false, 0);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	MemoryContextSwitchTo(cxt);
	if (ret < 0)
		elog(ERROR, "could not access the node tables: %s",
			 SPI_result_code_string(ret));
	return (int) SPI_processed;
}

/*
 * Refuse to change the node tables on a standby: they replicate from the
 * primary, which is where the standbys' scans are gathered.
 */
static void
idxadv_node_check_writable(const char *funcname)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("%s cannot run during recovery", funcname),
				 errdetail("This server is a hot standby: the scans of standbys are gathered on the primary, and the standbys get them by replication."),
				 errhint("Run it on the primary server.")));
}

/*
 * A node name a caller gave: not empty, not the name of this server's own
 * scans, short enough to read.
 */
static void
idxadv_node_check_name(const char *node)
{
	if (node[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("node name must not be empty")));
	if (strcmp(node, IDXADV_LOCAL_NODE) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("node name \"%s\" is reserved", node),
				 errdetail("\"%s\" names this server's own scans.",
						   IDXADV_LOCAL_NODE),
				 errhint("Give the standby another name.")));
	if (strlen(node) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("node name is too long"),
				 errdetail("A node name has at most %d bytes.",
						   NAMEDATALEN - 1)));
}

/* ----------------------------------------------------------------
 * Connections (libpq)
 * ----------------------------------------------------------------
 */

/*
 * Check a connection string before connecting: it parses, and a caller
 * that is not a superuser gives a password (see the file header).  The
 * string itself never appears in an error: libpq's parse error may quote
 * a piece of it, so it is shown only when the string holds no password.
 */
static void
idxadv_node_check_conninfo(PQconninfoOption *opts)
{
	PQconninfoOption *o;

	if (superuser())
		return;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 &&
			o->val != NULL && o->val[0] != '\0')
			return;
	ereport(ERROR,
			(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
			 errmsg("password is required"),
			 errdetail("A role that is not a superuser must give a password in the connection string."),
			 errhint("Add password=... to the connection string, or ask a superuser to run idxadvisor_collect().")));
}

/*
 * Wait until the connection's socket is ready, or for an interrupt (which
 * is served, and may end the wait with an error).
 */
static void
idxadv_node_wait(PGconn *conn, bool for_write)
{
	int			io = for_write ? WL_SOCKET_WRITEABLE : WL_SOCKET_READABLE;
	int			rc;

	rc = WaitLatchOrSocket(MyLatch,
						   WL_EXIT_ON_PM_DEATH | WL_LATCH_SET | io,
						   PQsocket(conn), -1L, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Finish a connection PQconnectStartParams() began, waiting
 * interruptibly.  The caller checks PQstatus() and frees the connection.
 */
static void
idxadv_node_connect(PGconn *conn)
{
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;

	if (PQstatus(conn) == CONNECTION_BAD)
		return;
	for (;;)
	{
		if (status == PGRES_POLLING_OK || status == PGRES_POLLING_FAILED)
			return;
		idxadv_node_wait(conn, status == PGRES_POLLING_WRITING);
		status = PQconnectPoll(conn);
	}
}

/*
 * Run one query on a node and return its result, which must have ncols
 * columns.  The wait is interruptible; a failure is raised with the node's
 * own SQLSTATE and message.  The caller PQclear()s the result.
 */
static PGresult *
idxadv_node_query(PGconn *conn, const char *node, const char *sql,
				  int ncols)
{
	PGresult   *res = NULL;
	PGresult   *next;

	if (!PQsendQuery(conn, sql))
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not send a query to node \"%s\"", node),
				 errdetail_internal("%s", pchomp(PQerrorMessage(conn)))));

	/* read every result; the last one is the query's */
	for (;;)
	{
		while (PQisBusy(conn))
		{
			idxadv_node_wait(conn, false);
			if (!PQconsumeInput(conn))
			{
				if (res)
					PQclear(res);
				ereport(ERROR,
						(errcode(ERRCODE_CONNECTION_FAILURE),
						 errmsg("lost the connection to node \"%s\"", node),
						 errdetail_internal("%s",
											pchomp(PQerrorMessage(conn)))));
			}
		}
		next = PQgetResult(conn);
		if (next == NULL)
			break;
		if (res)
			PQclear(res);
		res = next;
	}

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		char	   *msg = NULL;
		char	   *detail = NULL;
		char	   *hint = NULL;
		int			code = ERRCODE_CONNECTION_FAILURE;

		if (res)
		{
			const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (s && strlen(s) == 5)
				code = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
			if ((s = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)))
				msg = pstrdup(s);
			if ((s = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)))
				detail = pstrdup(s);
			if ((s = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)))
				hint = pstrdup(s);
			PQclear(res);
		}
		if (msg == NULL)
			msg = pchomp(PQerrorMessage(conn));
		ereport(ERROR,
				(errcode(code),
				 errmsg("could not read the scans of node \"%s\": %s",
						node, msg),
				 detail ? errdetail_internal("%s", detail) : 0,
				 hint ? errhint("%s", hint) : 0));
	}
	if (PQnfields(res) != ncols)
	{
		int			nfields = PQnfields(res);

		PQclear(res);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("node \"%s\" answered with %d columns where %d were expected",
						node, nfields, ncols),
				 errhint("Run the same version of idxadvisor on the primary and its standbys.")));
	}
	return res;
}

/* A number a node sent as text */
static int64
idxadv_text_int8(const char *s)
{
	return DatumGetInt64(DirectFunctionCall1(int8in, CStringGetDatum(s)));
}

/* A timestamp a node sent as seconds since 1970 (extract(epoch ...)) */
static TimestampTz
idxadv_text_epoch(const char *s)
{
	double		secs = strtod(s, NULL);

	return (TimestampTz) rint(secs * USECS_PER_SEC) -
		((TimestampTz) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
		 SECS_PER_DAY * USECS_PER_SEC);
}

/*
 * A capture key a node sent (bytea in text form), checked: false if it is
 * not one this library could have made.
 */
static bool
idxadv_key_from_bytes(const char *text, idxadvHashKey *key)
{
	bytea	   *b = DatumGetByteaPP(DirectFunctionCall1(byteain,
														CStringGetDatum(text)));
	int			i;

	if (VARSIZE_ANY_EXHDR(b) != sizeof(idxadvHashKey))
		return false;
	memcpy(key, VARDATA_ANY(b), sizeof(idxadvHashKey));
	if (key->natts > IDXADV_MAX_COLS || key->norder > IDXADV_MAX_ORDER ||
		key->shape > IDXADV_SHAPE_LAST || !OidIsValid(key->relid))
		return false;
	for (i = 0; i < key->natts; i++)
		if (key->kinds[i] < IDXADV_CMP_EQ || key->kinds[i] > IDXADV_CMP_OR)
			return false;
	/* the same database on a physical replica: its OID is ours */
	key->dbid = MyDatabaseId;
	return true;
}

/* ----------------------------------------------------------------
 * Merging a node's counters
 * ----------------------------------------------------------------
 */

/*
 * Create the node's row if it has none, and lock it until the end of the
 * transaction: a concurrent collection of the same node waits here, before
 * it reads the node's counters, and then sees this one's raw counters.
 * Returns the node's statistics reset time as last read (false: none).
 */
static bool
idxadv_node_lock(const idxadvNodeTables *t, const char *node,
				 TimestampTz *stats_reset)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(node)};
	bool		isnull;

	idxadv_node_spi(t, psprintf("INSERT INTO %s AS n (node, first_collected, collections) "
								"VALUES ($1, pg_catalog.now(), 0) "
								"ON CONFLICT (node) DO UPDATE SET node = n.node "
								"RETURNING stats_reset",
								t->nodes),
					1, argtypes, values, NULL);
	*stats_reset = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc,
													 1, &isnull));
	return !isnull;
}

/*
 * Add what each of the node's scan entries grew by since its last
 * collection.  Returns the scans added; *changed gets the entries written.
 */
static int64
idxadv_node_merge_scans(const idxadvNodeTables *t, const char *node,
						idxadvNodeScan *scans, int nscans, int64 *changed)
{
	HASHCTL		ctl;
	HTAB	   *prev;
	int			n;
	int			i;
	int64		added = 0;
	Datum		nodedatum = CStringGetTextDatum(node);
	Datum	   *keys;
	SPIPlanPtr	plan;
	Oid			argtypes[20];
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(idxadvHashKey);
	ctl.entrysize = sizeof(idxadvNodeRaw);
	ctl.hcxt = CurrentMemoryContext;
	prev = hash_create("idxadvisor node scans", Max(nscans, 16), &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* the node's counters as last read */
	{
		Oid			types[1] = {TEXTOID};
		Datum		vals[1] = {nodedatum};

		n = idxadv_node_spi(t, psprintf("SELECT key, raw_executions, raw_fk_trigger_executions, "
										"raw_rows_scanned, raw_rows_matched, raw_pages_scanned, "
										"raw_limited_executions, raw_outer_rows FROM %s WHERE node OPERATOR(pg_catalog.=) $1",
										t->scans),
							1, types, vals, NULL);
		for (i = 0; i < n; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			bytea	   *b = DatumGetByteaPP(SPI_getbinval(tup, desc, 1, &isnull));
			idxadvHashKey key;
			idxadvNodeRaw *r;
			int			k;

			/* a row of another library's layout is left as it is */
			if (VARSIZE_ANY_EXHDR(b) != sizeof(idxadvHashKey))
				continue;
			memcpy(&key, VARDATA_ANY(b), sizeof(key));
			key.dbid = MyDatabaseId;
			r = hash_search(prev, &key, HASH_ENTER, NULL);
			for (k = 0; k < IDXADV_NODE_NCOUNTERS; k++)
				r->raw[k] = DatumGetInt64(SPI_getbinval(tup, desc, k + 2,
														&isnull));
		}
	}

	for (i = 0; i < 3; i++)
		argtypes[i] = i == 0 ? TEXTOID : i == 1 ? OIDOID : BYTEAOID;
	for (i = 3; i < 20; i++)
		argtypes[i] = INT8OID;
	argtypes[11] = TIMESTAMPTZOID;

	idxadv_owner_spi_begin(&t->ext, &save_userid, &save_sec, &nestlevel);
	plan = SPI_prepare(psprintf("INSERT INTO %s AS s (node, relid, key, "
								"executions, fk_trigger_executions, rows_scanned, rows_matched, "
								"pages_scanned, limited_executions, outer_rows, limit_max, last_seen, queryid, "
								"raw_executions, raw_fk_trigger_executions, raw_rows_scanned, "
								"raw_rows_matched, raw_pages_scanned, raw_limited_executions, "
								"raw_outer_rows, collected_at) "
								"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
								"$13, $14, $15, $16, $17, $18, $19, $20, pg_catalog.now()) "
								"ON CONFLICT (node, key) DO UPDATE SET "
								"executions = s.executions OPERATOR(pg_catalog.+) EXCLUDED.executions, "
								"fk_trigger_executions = s.fk_trigger_executions OPERATOR(pg_catalog.+) EXCLUDED.fk_trigger_executions, "
								"rows_scanned = s.rows_scanned OPERATOR(pg_catalog.+) EXCLUDED.rows_scanned, "
								"rows_matched = s.rows_matched OPERATOR(pg_catalog.+) EXCLUDED.rows_matched, "
								"pages_scanned = s.pages_scanned OPERATOR(pg_catalog.+) EXCLUDED.pages_scanned, "
								"limited_executions = s.limited_executions OPERATOR(pg_catalog.+) EXCLUDED.limited_executions, "
								"outer_rows = s.outer_rows OPERATOR(pg_catalog.+) EXCLUDED.outer_rows, "
								"limit_max = GREATEST(s.limit_max, EXCLUDED.limit_max), "
								"last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen), "
								"queryid = COALESCE(EXCLUDED.queryid, s.queryid), "
								"raw_executions = EXCLUDED.raw_executions, "
								"raw_fk_trigger_executions = EXCLUDED.raw_fk_trigger_executions, "
								"raw_rows_scanned = EXCLUDED.raw_rows_scanned, "
								"raw_rows_matched = EXCLUDED.raw_rows_matched, "
								"raw_pages_scanned = EXCLUDED.raw_pages_scanned, "
								"raw_limited_executions = EXCLUDED.raw_limited_executions, "
								"raw_outer_rows = EXCLUDED.raw_outer_rows, "
								"collected_at = EXCLUDED.collected_at",
								t->scans),
					   20, argtypes);
	idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
	if (plan == NULL)
		elog(ERROR, "could not prepare the node scan merge: %s",
			 SPI_result_code_string(SPI_result));

	keys = palloc(Max(nscans, 1) * sizeof(Datum));
	*changed = 0;
	for (i = 0; i < nscans; i++)
	{
		idxadvNodeScan *s = &scans[i];
		idxadvNodeRaw *r = hash_search(prev, &s->key, HASH_FIND, NULL);
		bool		restarted = (r == NULL);
		bool		grew = false;
		int64		delta[IDXADV_NODE_NCOUNTERS];
		Datum		values[20];
		char		nulls[20];
		bytea	   *b;
		int			k;
		int			ret;

		b = palloc(VARHDRSZ + sizeof(idxadvHashKey));
		SET_VARSIZE(b, VARHDRSZ + sizeof(idxadvHashKey));
		memcpy(VARDATA(b), &s->key, sizeof(idxadvHashKey));
		keys[i] = PointerGetDatum(b);

		/* a counter lower than last time: the node lost or reset it */
		for (k = 0; r != NULL && k < IDXADV_NODE_NCOUNTERS; k++)
			if (s->counters[k] < r->raw[k])
				restarted = true;
		for (k = 0; k < IDXADV_NODE_NCOUNTERS; k++)
		{
			delta[k] = restarted ? s->counters[k] : s->counters[k] - r->raw[k];
			if (delta[k] != 0 || restarted)
				grew = true;
		}
		if (!grew)
			continue;			/* nothing new: no write */

		memset(nulls, ' ', sizeof(nulls));
		values[0] = nodedatum;
		values[1] = ObjectIdGetDatum(s->key.relid);
		values[2] = PointerGetDatum(b);
		for (k = 0; k < IDXADV_NODE_NCOUNTERS; k++)
		{
			values[3 + k] = Int64GetDatum(delta[k]);
			values[13 + k] = Int64GetDatum(s->counters[k]);
		}
		values[10] = Int64GetDatum(s->limit_max);
		values[11] = TimestampTzGetDatum(s->last_seen);
		values[12] = Int64GetDatum(s->queryid);
		if (s->queryid == 0)
			nulls[12] = 'n';

		idxadv_owner_spi_begin(&t->ext, &save_userid, &save_sec, &nestlevel);
		ret = SPI_execute_plan(plan, values, nulls, false, 0);
		idxadv_owner_spi_end(save_userid, save_sec, nestlevel);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not merge the scans of node \"%s\": %s",
				 node, SPI_result_code_string(ret));
		added += delta[0];
		(*changed)++;
	}

	/*
	 * Entries the node no longer has: their counters there are gone, so the
	 * next time they appear they count in full.
	 */
	{
		Oid			types[2] = {TEXTOID, BYTEAARRAYOID};
		Datum		vals[2];

		vals[0] = nodedatum;
		vals[1] = PointerGetDatum(construct_array(keys, nscans, BYTEAOID,
												  -1, false, TYPALIGN_INT));
		idxadv_node_spi(t, psprintf("UPDATE %s SET raw_executions = 0, "
									"raw_fk_trigger_executions = 0, raw_rows_scanned = 0, "
									"raw_rows_matched = 0, raw_pages_scanned = 0, "
									"raw_limited_executions = 0, raw_outer_rows = 0 "
									"WHERE node OPERATOR(pg_catalog.=) $1 "
									"AND key OPERATOR(pg_catalog.<>) ALL ($2) "
									"AND (raw_executions, raw_fk_trigger_executions, raw_rows_scanned, "
									"raw_rows_matched, raw_pages_scanned, raw_limited_executions, raw_outer_rows) "
									"OPERATOR(pg_catalog.<>) (0, 0, 0, 0, 0, 0, 0)",
									t->scans),
						2, types, vals, NULL);
	}

	hash_destroy(prev);
	return added;
}

/*
 * The same for the node's index scan counts; restarted when the node's
 * statistics were reset (pg_stat_reset()) since the last collection, which
 * resets every index's count.  Returns the scans added.
 */
static int64
idxadv_node_merge_indexes(const idxadvNodeTables *t, const char *node,
						  Oid *indexes, int64 *idx_scans, int nindexes,
						  bool restarted)
{
	HASHCTL		ctl;
	HTAB	   *prev;
	int			n;
	int			i;
	int64		added = 0;
	Datum		nodedatum = CStringGetTextDatum(node);
	Datum	   *oids;
	Oid			types[2] = {TEXTOID, OIDARRAYOID};
	Datum		vals[2];

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvNodeIndexRaw);
	ctl.hcxt = CurrentMemoryContext;
	prev = hash_create("idxadvisor node index scans", Max(nindexes, 16), &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	vals[0] = nodedatum;
	n = idxadv_node_spi(t, psprintf("SELECT indexrelid, raw_idx_scan FROM %s "
									"WHERE node OPERATOR(pg_catalog.=) $1",
									t->indexes),
						1, types, vals, NULL);
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 1, &isnull));
		idxadvNodeIndexRaw *r = hash_search(prev, &oid, HASH_ENTER, NULL);

		r->raw = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
											 SPI_tuptable->tupdesc, 2,
											 &isnull));
	}

	oids = palloc(Max(nindexes, 1) * sizeof(Datum));
	for (i = 0; i < nindexes; i++)
	{
		idxadvNodeIndexRaw *r = hash_search(prev, &indexes[i], HASH_FIND,
											NULL);
		int64		delta;
		Oid			argtypes[4] = {TEXTOID, OIDOID, INT8OID, INT8OID};
		Datum		values[4];

		oids[i] = ObjectIdGetDatum(indexes[i]);
		if (restarted)
			r = NULL;
		if (r != NULL && idx_scans[i] == r->raw)
			continue;			/* nothing new: no write */
		delta = (r == NULL || idx_scans[i] < r->raw) ?
			idx_scans[i] : idx_scans[i] - r->raw;

		values[0] = nodedatum;
		values[1] = ObjectIdGetDatum(indexes[i]);
		values[2] = Int64GetDatum(delta);
		values[3] = Int64GetDatum(idx_scans[i]);
		idxadv_node_spi(t, psprintf("INSERT INTO %s AS x (node, indexrelid, idx_scan, raw_idx_scan, collected_at) "
									"VALUES ($1, $2, $3, $4, pg_catalog.now()) "
									"ON CONFLICT (node, indexrelid) DO UPDATE SET "
									"idx_scan = x.idx_scan OPERATOR(pg_catalog.+) EXCLUDED.idx_scan, "
									"raw_idx_scan = EXCLUDED.raw_idx_scan, "
									"collected_at = EXCLUDED.collected_at",
									t->indexes),
						4, argtypes, values, NULL);
		added += delta;
	}

	vals[1] = PointerGetDatum(construct_array(oids, nindexes, OIDOID,
											  sizeof(Oid), true,
											  TYPALIGN_INT));
	idxadv_node_spi(t, psprintf("UPDATE %s SET raw_idx_scan = 0 "
								"WHERE node OPERATOR(pg_catalog.=) $1 "
								"AND indexrelid OPERATOR(pg_catalog.<>) ALL ($2) "
								"AND raw_idx_scan OPERATOR(pg_catalog.<>) 0",
								t->indexes),
					2, types, vals, NULL);

	hash_destroy(prev);
	return added;
}

/* ----------------------------------------------------------------
 * SQL-callable functions
 * ----------------------------------------------------------------
 */

/*
 * idxadvisor_export_scans(): this server's captured scans of the current
 * database, with their keys as the library lays them out, for
 * idxadvisor_collect() on the primary.  Needs the privileges of
 * pg_read_all_stats: a collection must see every table's scans.
 */
Datum
idxadvisor_export_scans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvScanStat *stats;
	int			nstats;
	int			i;

	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to export the captured scans"),
				 errdetail("Only roles with privileges of the \"%s\" role may export them.",
						   "pg_read_all_stats"),
				 errhint("GRANT pg_read_all_stats TO the role idxadvisor_collect() connects as, on the standby.")));
	idxadv_require_preload("idxadvisor_export_scans()");

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_EXPORT_COLS)
		elog(ERROR, "incorrect number of output arguments");

	stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);
	for (i = 0; i < nstats; i++)
	{
		idxadvCounters *c = &stats[i].counters;
		Datum		values[IDXADV_EXPORT_COLS];
		bool		nulls[IDXADV_EXPORT_COLS];
		bytea	   *b;

		if (!SearchSysCacheExists1(RELOID,
								   ObjectIdGetDatum(stats[i].key.relid)))
			continue;
		memset(nulls, 0, sizeof(nulls));
		b = palloc(VARHDRSZ + sizeof(idxadvHashKey));
		SET_VARSIZE(b, VARHDRSZ + sizeof(idxadvHashKey));
		memcpy(VARDATA(b), &stats[i].key, sizeof(idxadvHashKey));
		values[0] = PointerGetDatum(b);
		values[1] = Int64GetDatum(c->executions);
		values[2] = Int64GetDatum(c->fk_trigger_executions);
		values[3] = Int64GetDatum(c->rows_scanned);
		values[4] = Int64GetDatum(c->rows_matched);
		values[5] = Int64GetDatum(c->pages_scanned);
		values[6] = Int64GetDatum(c->limited_executions);
		values[7] = Int64GetDatum(c->outer_rows);
		values[8] = Int64GetDatum(c->limit_max);
		values[9] = TimestampTzGetDatum(c->last_seen);
		values[10] = Int64GetDatum(c->queryid);
		if (c->queryid == 0)
			nulls[10] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 values, nulls);
	}
	return (Datum) 0;
}

/*
 * idxadvisor_collect(conninfo, node) -> (node, entries, scans_added,
 * index_scans_added): gather a standby's scans into the node tables.
 */
Datum
idxadvisor_collect(PG_FUNCTION_ARGS)
{
	idxadvNodeTables t;
	char	   *conninfo;
	idxadvNodeRead read = {0};
	idxadvNodeRead *rd = &read;	/* not clobbered by PG_TRY's longjmp */
	char	   *errmsg_parse = NULL;
	PQconninfoOption *opts;
	PQconninfoOption *o;
	const char **keywords;
	const char **values;
	int			nopts = 0;
	bool		has_dbname = false;
	PGconn	   *volatile conn = NULL;
	PGresult   *volatile res = NULL;
	bool		fd_acquired = false;
	int64		scans_added;
	int64		changed;
	bool		had_reset;
	TimestampTz prev_reset;
	int64		index_scans_added;
	TupleDesc	tupdesc;
	Datum		result[IDXADV_COLLECT_COLS];
	bool		result_nulls[IDXADV_COLLECT_COLS] = {0};
	MemoryContext fcxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("conninfo must not be NULL")));
	conninfo = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
	{
		rd->node = text_to_cstring(PG_GETARG_TEXT_PP(1));
		idxadv_node_check_name(rd->node);
	}
	idxadv_node_check_writable("idxadvisor_collect()");
	if (!idxadv_node_tables(&t))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("idxadvisor_collect() needs version 1.1 of the extension"),
				 errhint("Run ALTER EXTENSION idxadvisor UPDATE.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		tupdesc->natts != IDXADV_COLLECT_COLS)
		elog(ERROR, "incorrect number of output arguments");

	opts = PQconninfoParse(conninfo, &errmsg_parse);
	if (opts == NULL)
	{
		bool		secret = strstr(conninfo, "password") != NULL ||
			strchr(conninfo, '@') != NULL;

		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid connection string"),
				 (errmsg_parse && !secret) ?
				 errdetail_internal("%s", pchomp(errmsg_parse)) : 0));
	}
	idxadv_node_check_conninfo(opts);

	/* the connection string's settings, the current database by default */
	for (o = opts; o->keyword != NULL; o++)
		nopts++;
	keywords = palloc0((nopts + 3) * sizeof(char *));
	values = palloc0((nopts + 3) * sizeof(char *));
	nopts = 0;
	for (o = opts; o->keyword != NULL; o++)
	{
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "dbname") == 0)
			has_dbname = true;
		keywords[nopts] = pstrdup(o->keyword);
		values[nopts++] = pstrdup(o->val);
	}
	PQconninfoFree(opts);
	if (!has_dbname)
	{
		keywords[nopts] = "dbname";
		values[nopts++] = get_database_name(MyDatabaseId);
	}
	keywords[nopts] = "fallback_application_name";
	values[nopts++] = "idxadvisor_collect";

	SPI_connect();

	if (!AcquireExternalFD())
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not connect to the standby: too many open files"),
				 errhint("Raise max_files_per_process or close connections.")));
	fd_acquired = true;

	PG_TRY();
	{
		char	   *where;
		PGresult   *r;
		int			i;

		conn = PQconnectStartParams(keywords, values, false);
		if (conn == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		idxadv_node_connect(conn);

		where = rd->node ? pstrdup(rd->node) :
			psprintf("%s:%s", PQhost(conn) ? PQhost(conn) : "",
					 PQport(conn) ? PQport(conn) : "");
		if (PQstatus(conn) != CONNECTION_OK)
			ereport(ERROR,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not connect to node \"%s\"", where),
					 errdetail_internal("%s", pchomp(PQerrorMessage(conn))),
					 errhint("Nothing was collected; the scans collected before are unchanged.")));
		if (!superuser() && !PQconnectionUsedPassword(conn))
			ereport(ERROR,
					(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
					 errmsg("password is required"),
					 errdetail("The standby did not ask for the password: a role that is not a superuser may only connect with a password the standby checks."),
					 errhint("Make the standby authenticate this connection by password, or ask a superuser to run idxadvisor_collect().")));

		/* is it a standby of ours, on this database? */
		res = idxadv_node_query(conn, where,
								"SELECT pg_catalog.pg_is_in_recovery(), s.system_identifier, d.oid, "
								"pg_catalog.current_setting('cluster_name'), "
								"pg_catalog.date_part('epoch', pg_catalog.pg_stat_get_db_stat_reset_time(d.oid)) "
								"FROM pg_catalog.pg_control_system() s, pg_catalog.pg_database d "
								"WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()",
								5);
		r = res;
		if (PQntuples(r) != 1)
			elog(ERROR, "node \"%s\" did not find its own database", where);
		if (rd->node == NULL)
		{
			rd->node = MemoryContextStrdup(fcxt, PQgetvalue(r, 0, 3)[0] != '\0' ?
									   PQgetvalue(r, 0, 3) : where);
			idxadv_node_check_name(rd->node);
		}
		if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("node \"%s\" is not a standby", rd->node),
					 errdetail("idxadvisor_collect() gathers the scans of hot standbys of this server; a primary's scans are its own."),
					 errhint("Connect to a hot standby that replicates from this server.")));
		if ((uint64) idxadv_text_int8(PQgetvalue(r, 0, 1)) !=
			GetSystemIdentifier())
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("node \"%s\" is not a replica of this server", rd->node),
					 errdetail("Its system identifier is %s, this server's is " UINT64_FORMAT ".",
							   PQgetvalue(r, 0, 1), GetSystemIdentifier()),
					 errhint("Connect to a hot standby that replicates from this server.")));
		if (DatumGetObjectId(DirectFunctionCall1(oidin,
												 CStringGetDatum(PQgetvalue(r, 0, 2)))) !=
			MyDatabaseId)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("node \"%s\" is connected to another database", rd->node),
					 errdetail("Scans are collected per database."),
					 errhint("Connect to database \"%s\" on the standby, or leave dbname out.",
							 get_database_name(MyDatabaseId))));
		rd->has_reset = !PQgetisnull(r, 0, 4);
		if (rd->has_reset)
			rd->stats_reset = idxadv_text_epoch(PQgetvalue(r, 0, 4));
		PQclear(res);
		res = NULL;

		/* wait for a concurrent collection of this node, then read it */
		had_reset = idxadv_node_lock(&t, rd->node, &prev_reset);
		rd->reset_since = rd->has_reset != had_reset ||
			(had_reset && prev_reset != rd->stats_reset);

		res = idxadv_node_query(conn, rd->node,
								psprintf("SELECT e.key, e.executions, e.fk_trigger_executions, "
										 "e.rows_scanned, e.rows_matched, e.pages_scanned, "
										 "e.limited_executions, e.outer_rows, e.limit_max, "
										 "pg_catalog.date_part('epoch', e.last_seen), e.queryid "
										 "FROM %s.idxadvisor_export_scans() e",
										 t.schema),
								IDXADV_EXPORT_COLS);
		r = res;
		rd->scans = palloc0(Max(PQntuples(r), 1) * sizeof(idxadvNodeScan));
		for (i = 0; i < PQntuples(r); i++)
		{
			idxadvNodeScan *s = &rd->scans[rd->nscans];
			int			k;

			if (!idxadv_key_from_bytes(PQgetvalue(r, i, 0), &s->key))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("node \"%s\" sent a scan this library cannot read", rd->node),
						 errhint("Run the same version of idxadvisor on the primary and its standbys.")));
			for (k = 0; k < IDXADV_NODE_NCOUNTERS; k++)
				s->counters[k] = idxadv_text_int8(PQgetvalue(r, i, k + 1));
			s->limit_max = idxadv_text_int8(PQgetvalue(r, i, 8));
			s->last_seen = idxadv_text_epoch(PQgetvalue(r, i, 9));
			s->queryid = PQgetisnull(r, i, 10) ? 0 :
				idxadv_text_int8(PQgetvalue(r, i, 10));
			rd->nscans++;
		}
		PQclear(res);
		res = NULL;

		res = idxadv_node_query(conn, rd->node,
								"SELECT indexrelid, COALESCE(idx_scan, 0) "
								"FROM pg_catalog.pg_stat_user_indexes",
								2);
		r = res;
		rd->indexes = palloc(Max(PQntuples(r), 1) * sizeof(Oid));
		rd->idx_scans = palloc(Max(PQntuples(r), 1) * sizeof(int64));
		for (i = 0; i < PQntuples(r); i++)
		{
			rd->indexes[rd->nindexes] = DatumGetObjectId(DirectFunctionCall1(oidin,
																	 CStringGetDatum(PQgetvalue(r, i, 0))));
			rd->idx_scans[rd->nindexes++] = idxadv_text_int8(PQgetvalue(r, i, 1));
		}
		PQclear(res);
		res = NULL;
	}
	PG_FINALLY();
	{
		if (res != NULL)
			PQclear(res);
		if (conn != NULL)
			PQfinish(conn);
		if (fd_acquired)
			ReleaseExternalFD();
	}
	PG_END_TRY();

	scans_added = idxadv_node_merge_scans(&t, rd->node, rd->scans, rd->nscans, &changed);
	index_scans_added = idxadv_node_merge_indexes(&t, rd->node, rd->indexes,
												  rd->idx_scans, rd->nindexes,
												  rd->reset_since);
	{
		Oid			types[2] = {TEXTOID, TIMESTAMPTZOID};
		Datum		vals[2];
		char		nulls[2] = {' ', rd->has_reset ? ' ' : 'n'};

		vals[0] = CStringGetTextDatum(rd->node);
		vals[1] = TimestampTzGetDatum(rd->stats_reset);
		idxadv_node_spi(&t, psprintf("UPDATE %s SET last_collected = pg_catalog.now(), "
									 "collections = collections OPERATOR(pg_catalog.+) 1, "
									 "stats_reset = $2 "
									 "WHERE node OPERATOR(pg_catalog.=) $1",
									 t.nodes),
						2, types, vals, nulls);
	}
	SPI_finish();

	result[0] = CStringGetTextDatum(rd->node);
	result[1] = Int64GetDatum(rd->nscans);
	result[2] = Int64GetDatum(scans_added);
	result[3] = Int64GetDatum(index_scans_added);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, result,
													  result_nulls)));
}

/*
 * idxadvisor_forget_node(node) -> bool: remove what was collected from a
 * node (a standby taken out of service).  False if nothing was.
 */
Datum
idxadvisor_forget_node(PG_FUNCTION_ARGS)
{
	idxadvNodeTables t;
	Oid			types[1] = {TEXTOID};
	Datum		vals[1];
	int			n;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node must not be NULL")));
	idxadv_node_check_writable("idxadvisor_forget_node()");
	if (!idxadv_node_tables(&t))
		elog(ERROR, "the node tables of idxadvisor are missing");
	vals[0] = PG_GETARG_DATUM(0);

	SPI_connect();
	idxadv_node_spi(&t, psprintf("DELETE FROM %s WHERE node OPERATOR(pg_catalog.=) $1",
								 t.scans), 1, types, vals, NULL);
	idxadv_node_spi(&t, psprintf("DELETE FROM %s WHERE node OPERATOR(pg_catalog.=) $1",
								 t.indexes), 1, types, vals, NULL);
	n = idxadv_node_spi(&t, psprintf("DELETE FROM %s WHERE node OPERATOR(pg_catalog.=) $1",
									 t.nodes), 1, types, vals, NULL);
	SPI_finish();

	PG_RETURN_BOOL(n > 0);
}

/*
 * The scans collected from every node, as capture entries, with their node
 * names (palloc'd in the caller's context).  Empty without the tables.
 */
static idxadvScanStat *
idxadv_node_scans_read(char ***nodes, int *nstats)
{
	idxadvNodeTables t;
	MemoryContext cxt = CurrentMemoryContext;
	idxadvScanStat *stats;
	char	  **names;
	int			n;
	int			i;
	int			m = 0;

	*nstats = 0;
	*nodes = NULL;
	if (!idxadv_node_tables(&t))
		return NULL;

	SPI_connect();
	n = idxadv_node_spi(&t, psprintf("SELECT node, key, executions, fk_trigger_executions, "
									 "rows_scanned, rows_matched, pages_scanned, "
									 "limited_executions, outer_rows, limit_max, last_seen, queryid "
									 "FROM %s ORDER BY node, relid", t.scans),
						0, NULL, NULL, NULL);
	stats = MemoryContextAllocZero(cxt, Max(n, 1) * sizeof(idxadvScanStat));
	names = MemoryContextAlloc(cxt, Max(n, 1) * sizeof(char *));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bytea	   *b = DatumGetByteaPP(SPI_getbinval(tup, desc, 2, &isnull));
		idxadvCounters *c = &stats[m].counters;

		/* rows of another library's layout are not read */
		if (VARSIZE_ANY_EXHDR(b) != sizeof(idxadvHashKey))
			continue;
		memcpy(&stats[m].key, VARDATA_ANY(b), sizeof(idxadvHashKey));
		stats[m].key.dbid = MyDatabaseId;
		c->executions = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
		c->fk_trigger_executions = DatumGetInt64(SPI_getbinval(tup, desc, 4, &isnull));
		c->rows_scanned = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		c->rows_matched = DatumGetInt64(SPI_getbinval(tup, desc, 6, &isnull));
		c->pages_scanned = DatumGetInt64(SPI_getbinval(tup, desc, 7, &isnull));
		c->limited_executions = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
		c->outer_rows = DatumGetInt64(SPI_getbinval(tup, desc, 9, &isnull));
		c->limit_max = DatumGetInt64(SPI_getbinval(tup, desc, 10, &isnull));
		c->last_seen = DatumGetTimestampTz(SPI_getbinval(tup, desc, 11, &isnull));
		c->queryid = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
		if (isnull)
			c->queryid = 0;
		names[m] = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 1));
		m++;
	}
	SPI_finish();

	*nodes = names;
	*nstats = m;
	return stats;
}

/*
 * Add the scans collected from every node to a capture snapshot: an entry
 * that a node shares with the snapshot adds its counters to it, the others
 * are appended.  What idxadvisor_suggest() counts.
 */
idxadvScanStat *
idxadv_add_node_scans(idxadvScanStat *stats, int *nstats)
{
	idxadvScanStat *nodestats;
	char	  **nodes;
	int			nnode;
	idxadvScanStat *result;
	int			n = *nstats;
	HASHCTL		ctl;
	HTAB	   *pos;
	int			i;

	/*
	 * On a standby the tables hold what the primary collected, this
	 * standby's own scans among them, which its capture already counts.
	 */
	if (RecoveryInProgress())
		return stats;

	nodestats = idxadv_node_scans_read(&nodes, &nnode);
	if (nnode == 0)
		return stats;

	result = palloc((n + nnode) * sizeof(idxadvScanStat));
	memcpy(result, stats, n * sizeof(idxadvScanStat));

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(idxadvHashKey);
	ctl.entrysize = sizeof(idxadvHashKey) + sizeof(int);
	ctl.hcxt = CurrentMemoryContext;
	pos = hash_create("idxadvisor merged scans", n + nnode, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < n; i++)
	{
		bool		found;
		char	   *e = hash_search(pos, &result[i].key, HASH_ENTER, &found);

		*(int *) (e + sizeof(idxadvHashKey)) = i;
	}

	for (i = 0; i < nnode; i++)
	{
		bool		found;
		char	   *e = hash_search(pos, &nodestats[i].key, HASH_ENTER, &found);
		idxadvCounters *to;
		const idxadvCounters *from = &nodestats[i].counters;

		if (!found)
		{
			*(int *) (e + sizeof(idxadvHashKey)) = n;
			result[n++] = nodestats[i];
			continue;
		}
		to = &result[*(int *) (e + sizeof(idxadvHashKey))].counters;
		to->executions += from->executions;
		to->fk_trigger_executions += from->fk_trigger_executions;
		to->rows_scanned += from->rows_scanned;
		to->rows_matched += from->rows_matched;
		to->pages_scanned += from->pages_scanned;
		to->limited_executions += from->limited_executions;
		to->outer_rows += from->outer_rows;
		/* columns a standby's statements read are not collected: unknown */
		to->cols_read |= from->cols_read != 0 ? from->cols_read :
			IDXADV_COLS_READ_OTHER;
		to->limit_max = Max(to->limit_max, from->limit_max);
		to->last_seen = Max(to->last_seen, from->last_seen);
		if (to->queryid == 0)
			to->queryid = from->queryid;
	}
	hash_destroy(pos);

	*nstats = n;
	return result;
}

/*
 * idxadvisor_node_scan_stats(): the scans of every node, this server's own
 * ("local") and those collected from standbys, one row per node and entry,
 * with idxadvisor_scan_stats()'s columns and visibility.
 */
Datum
idxadvisor_node_scan_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			userid = GetUserId();
	bool		see_all = has_privs_of_role(userid, ROLE_PG_READ_ALL_STATS);
	idxadvScanStat *stats;
	char	  **nodes;
	int			nstats;
	int			pass;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_SCAN_STATS_COLS + 1)
		elog(ERROR, "incorrect number of output arguments");

	for (pass = 0; pass < 2; pass++)
	{
		if (pass == 0)
		{
			/* this server's own, where the library is preloaded */
			if (!idxadv_capture_available())
				continue;
			stats = idxadv_capture_snapshot(MyDatabaseId, &nstats);
			nodes = NULL;
		}
		else
			stats = idxadv_node_scans_read(&nodes, &nstats);

		for (i = 0; i < nstats; i++)
		{
			Datum		values[IDXADV_SCAN_STATS_COLS + 1];
			bool		nulls[IDXADV_SCAN_STATS_COLS + 1];

			if (!idxadv_entry_visible(&stats[i].key, userid, see_all))
				continue;
			values[0] = CStringGetTextDatum(nodes ? nodes[i] : IDXADV_LOCAL_NODE);
			nulls[0] = false;
			idxadv_scan_stat_datums(&stats[i], values + 1, nulls + 1,
									IDXADV_SCAN_STATS_COLS);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * Index scans counted on the standbys, summed over nodes, for the reports
 * (see idxadvisor.h).  Indexes dropped since are left out by the callers'
 * own catalog lookups.
 */
HTAB *
idxadv_node_index_scans(void)
{
	idxadvNodeTables t;
	HASHCTL		ctl;
	HTAB	   *result;
	int			n;
	int			i;

	if (!idxadv_node_tables(&t))
		return NULL;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(idxadvNodeIndexScans);
	ctl.hcxt = CurrentMemoryContext;
	result = hash_create("idxadvisor node index scans", 64, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	SPI_connect();
	n = idxadv_node_spi(&t, psprintf("SELECT indexrelid, pg_catalog.sum(idx_scan)::pg_catalog.int8, "
									 "pg_catalog.max(collected_at) FILTER (WHERE idx_scan OPERATOR(pg_catalog.>) 0) "
									 "FROM %s GROUP BY indexrelid", t.indexes),
						0, NULL, NULL, NULL);
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 1, &isnull));
		idxadvNodeIndexScans *e = hash_search(result, &oid, HASH_ENTER, NULL);

		e->idx_scan = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												  SPI_tuptable->tupdesc, 2,
												  &isnull));
		e->last_grown = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc,
														  3, &isnull));
		if (isnull)
			e->last_grown = 0;
	}
	SPI_finish();

	if (n == 0)
	{
		hash_destroy(result);
		return NULL;
	}
	return result;
}

/*
 * An index's scans on the standbys from a map of idxadv_node_index_scans()
 * (NULL: none), its leaves' for a partitioned index; *last_grown gets the
 * last collection that found more of them (0: none).
 */
int64
idxadv_node_index_usage(HTAB *map, Oid indexoid, char relkind,
						TimestampTz *last_grown)
{
	List	   *leaves;
	ListCell   *lc;
	int64		sum = 0;

	*last_grown = 0;
	if (map == NULL)
		return 0;
	leaves = relkind == RELKIND_PARTITIONED_INDEX ?
		find_all_inheritors(indexoid, NoLock, NULL) :
		list_make1_oid(indexoid);
	foreach(lc, leaves)
	{
		Oid			oid = lfirst_oid(lc);
		idxadvNodeIndexScans *e = hash_search(map, &oid, HASH_FIND, NULL);

		if (e == NULL)
			continue;
		sum += e->idx_scan;
		*last_grown = Max(*last_grown, e->last_grown);
	}
	return sum;
}

/*
 * idxadv_node_numscans(oid) -> bigint: the scans of one index on every
 * standby collected, for idxadv_sum_leaves() beside pg_stat_get_numscans
 * (the drop warnings, the unused-index report).  Not SQL-callable.
 */
Datum
idxadv_node_numscans(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	idxadvNodeTables t;
	Oid			types[1] = {OIDOID};
	Datum		vals[1] = {ObjectIdGetDatum(indexoid)};
	int64		result = 0;
	bool		isnull;

	if (!idxadv_node_tables(&t))
		PG_RETURN_INT64(0);
	SPI_connect();
	if (idxadv_node_spi(&t, psprintf("SELECT pg_catalog.sum(idx_scan)::pg_catalog.int8 FROM %s "
									 "WHERE indexrelid OPERATOR(pg_catalog.=) $1",
									 t.indexes),
						1, types, vals, NULL) == 1)
	{
		result = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1,
											 &isnull));
		if (isnull)
			result = 0;
	}
	SPI_finish();
	PG_RETURN_INT64(result);
}

/*
 * idxadvisor_node_index_scans(): the index scans collected from each
 * standby, per node and index, for indexes that still exist.  Like
 * pg_stat_user_indexes, every role may read it.
 */
Datum
idxadvisor_node_index_scans(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	idxadvNodeTables t;
	MemoryContext cxt = CurrentMemoryContext;
	int			n;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != IDXADV_NODE_INDEX_COLS)
		elog(ERROR, "incorrect number of output arguments");
	if (!idxadv_node_tables(&t))
		return (Datum) 0;

	SPI_connect();
	n = idxadv_node_spi(&t, psprintf("SELECT node, indexrelid, idx_scan, collected_at "
									 "FROM %s ORDER BY node, indexrelid", t.indexes),
						0, NULL, NULL, NULL);
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum		values[IDXADV_NODE_INDEX_COLS];
		bool		nulls[IDXADV_NODE_INDEX_COLS];
		MemoryContext old;
		int			k;

		for (k = 0; k < IDXADV_NODE_INDEX_COLS; k++)
			values[k] = SPI_getbinval(tup, desc, k + 1, &nulls[k]);
		if (!SearchSysCacheExists1(RELOID, values[1]))
			continue;
		old = MemoryContextSwitchTo(cxt);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 values, nulls);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return (Datum) 0;
}

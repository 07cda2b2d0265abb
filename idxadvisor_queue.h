/*-------------------------------------------------------------------------
 *
 * idxadvisor_queue.h
 *		The build queue: job states, the job table's accessors and the
 *		shared job slots (idxadvisor_queue.c).
 *
 * Private to the build part: included by idxadvisor_build.c (the SQL
 * functions), idxadvisor_worker.c (the launcher and the workers) and
 * idxadvisor_queue.c.  Nothing else reads or writes the job table or the
 * slots; everything goes through the functions below.
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_QUEUE_H
#define IDXADVISOR_QUEUE_H

#include "idxadvisor.h"

/* ----------
 * Job states and kinds.  The job table stores them as text; the text is
 * only ever made by idxadv_job_state_name() / idxadv_job_kind_name() and
 * read back by idxadv_job_state_from_name().
 * ----------
 */
typedef enum idxadvJobState
{
	IDXADV_JOB_QUEUED = 0,		/* committed, waiting for a worker */
	IDXADV_JOB_RUNNING,			/* claimed by a worker (or interrupted) */
	IDXADV_JOB_DONE,
	IDXADV_JOB_FAILED,
	IDXADV_JOB_CANCELLED
} idxadvJobState;

#define IDXADV_JOB_STATE_COUNT	(IDXADV_JOB_CANCELLED + 1)

/* Sets of states, for idxadv_job_find() */
#define IDXADV_JOB_MASK(state)	(1 << (state))
#define IDXADV_JOB_UNFINISHED	(IDXADV_JOB_MASK(IDXADV_JOB_QUEUED) | \
								 IDXADV_JOB_MASK(IDXADV_JOB_RUNNING))

typedef enum idxadvJobKind
{
	IDXADV_JOB_CREATE = 0,
	IDXADV_JOB_DROP,
	IDXADV_JOB_REINDEX			/* 1.1: REINDEX INDEX CONCURRENTLY */
} idxadvJobKind;

#define IDXADV_JOB_KIND_COUNT	(IDXADV_JOB_REINDEX + 1)

extern const char *idxadv_job_state_name(idxadvJobState state);
extern idxadvJobState idxadv_job_state_from_name(const char *name);
extern const char *idxadv_job_kind_name(idxadvJobKind kind);
extern idxadvJobKind idxadv_job_kind_from_name(const char *name);

/* ----------
 * The job table.  All accessors run their statement as the extension
 * owner (idxadv_owner_spi_begin) with SPI already connected, in the
 * caller's transaction, and allocate what they return in
 * CurrentMemoryContext.
 * ----------
 */

/* The extension in the current database, as the build code needs it */
typedef struct idxadvExtInfo
{
	Oid			owner;			/* extension owner: writes the job table */
	Oid			schema;			/* the extension's schema */
	char	   *jobs_table;		/* quoted, schema-qualified job table name */
} idxadvExtInfo;

/* A job row, as a worker claimed it */
typedef struct idxadvJob
{
	int64		id;
	idxadvJobKind kind;
	Oid			relid;
	Oid			indexrelid;
	Oid			nspid;
	char	   *index_name;
	char	   *qualified_name; /* quoted, schema-qualified index name */
	char	   *command;
	Oid			requested_by;
	int			attempts;
	bool		cancel_requested;
} idxadvJob;

/* An unfinished job, as a scan worker lists it */
typedef struct idxadvJobRef
{
	int64		id;
	Oid			session_role;
	Oid			requested_by;
} idxadvJobRef;

/* A job as idxadvisor_restore() looks at it (idxadv_job_lock_info) */
typedef struct idxadvJobInfo
{
	int64		id;
	idxadvJobKind kind;
	idxadvJobState state;
	Oid			relid;
	Oid			nspid;
	char	   *index_name;
	Oid			requested_by;
	char	   *index_definition;	/* drops: the CREATE INDEX, or NULL */
} idxadvJobInfo;

/* A job's state, as idxadvisor_wait() polls it */
typedef struct idxadvJobStatus
{
	int64		id;
	idxadvJobState state;
	char	   *error;			/* NULL if none */
	int			sqlerrcode;		/* of a failed job; 0 if not known */
} idxadvJobStatus;

extern bool idxadv_get_extension(idxadvExtInfo *info);
extern void idxadv_owner_spi_begin(const idxadvExtInfo *info,
								   Oid *save_userid, int *save_sec,
								   int *nestlevel);
extern void idxadv_owner_spi_end(Oid save_userid, int save_sec,
								 int nestlevel);

/* request side (idxadvisor_build.c) */
extern int64 idxadv_job_insert(const idxadvExtInfo *ext, idxadvJobKind kind,
							   Oid relid, Oid indexrelid, Oid nspid,
							   const char *idxname, const char *command,
							   const char *key, idxadvJobState state);
extern bool idxadv_job_find(const idxadvExtInfo *ext, int statemask,
							Oid nspid, const char *idxname, Oid relid,
							const char *key, int64 *jobid);
extern char *idxadv_job_index_name(const idxadvExtInfo *ext, int64 jobid);
extern bool idxadv_job_drop_pending(const idxadvExtInfo *ext, Oid indexoid);
extern bool idxadv_job_latest_drop(const idxadvExtInfo *ext, Oid nspid,
								   const char *idxname, int64 *jobid);
extern bool idxadv_job_lock(const idxadvExtInfo *ext, int64 jobid,
							Oid *requested_by, idxadvJobState *state);
extern void idxadv_job_mark_cancelled(const idxadvExtInfo *ext, int64 jobid);
extern void idxadv_job_request_cancel(const idxadvExtInfo *ext, int64 jobid);
extern bool idxadv_job_lock_info(const idxadvExtInfo *ext, int64 jobid,
								 idxadvJobInfo *info);
extern int	idxadv_job_statuses(const idxadvExtInfo *ext, Oid viewer,
								const int64 *onejob, const int64 *ids,
								int nids, idxadvJobStatus **statuses);

/* worker side (idxadvisor_worker.c) */
extern bool idxadv_job_claim(const idxadvExtInfo *ext, int64 jobid,
							 idxadvJob *job);
extern bool idxadv_job_fetch(const idxadvExtInfo *ext, int64 jobid,
							 idxadvJob *job);
extern bool idxadv_job_cancel_requested(const idxadvExtInfo *ext,
										int64 jobid);
extern void idxadv_job_record(const idxadvExtInfo *ext, int64 jobid,
							  idxadvJobState outcome, const char *error);
extern void idxadv_job_record_sqlstate(const idxadvExtInfo *ext, int64 jobid,
									   int sqlerrcode);
extern int	idxadv_job_list_unfinished(const idxadvExtInfo *ext,
									   idxadvJobRef **jobs);

/* both sides: a drop job keeps the definition of the index it drops */
extern void idxadv_job_set_definition(const idxadvExtInfo *ext, int64 jobid,
									  const char *definition);

/* ----------
 * Shared job slots.  The job table in each database is the truth; a slot
 * is a hint that lets the launcher start a worker for a committed job at
 * once.  See idxadvisor_queue.c for the locking protocol.
 * ----------
 */
#define IDXADV_SCAN_SLOTS	16		/* databases whose job table needs a scan */

typedef enum idxadvSlotState
{
	IDXADV_SLOT_FREE = 0,
	IDXADV_SLOT_QUEUED,			/* committed, no worker yet */
	IDXADV_SLOT_STARTING,		/* worker registered, not yet attached */
	IDXADV_SLOT_RUNNING			/* worker attached (pid set) */
} idxadvSlotState;

/*
 * How many times a job's worker may stop without recording an outcome
 * before the job is failed; also how many times a job may be claimed
 * (interrupted by crashes or restarts) before it is failed.
 */
#define IDXADV_MAX_ATTEMPTS		3

/*
 * How many times a job may be claimed in all: IDXADV_MAX_ATTEMPTS runs,
 * then as many tries at cleaning up after them (dropping the INVALID index,
 * or a REINDEX's _ccnew/_ccold copies).  A worker that dies in its cleanup
 * (kill -9, a crash) takes the server through a crash restart, which
 * forgets the stops counted in the shared slots; the claims, counted in
 * the job row before each attempt, survive it.  Past this many the job is
 * failed at once, touching nothing, instead of crashing the server again
 * and again.
 */
#define IDXADV_MAX_CLAIMS		(2 * IDXADV_MAX_ATTEMPTS)

#define IDXADV_SLOT_ERROR_LEN	256

typedef struct idxadvJobSlot
{
	idxadvSlotState state;
	Oid			dbid;
	int64		jobid;
	Oid			roleid;			/* session user the worker connects as */
	pid_t		pid;			/* worker, once attached */
	bool		finished;		/* the worker recorded the job's outcome */
	bool		cleanup;		/* the next worker only records the outcome */
	bool		yield;			/* the launcher asked the worker to back off */
	int			exits;			/* worker stops without an outcome */
	TimestampTz not_before;		/* back-off: start no worker before this */
	char		last_error[IDXADV_SLOT_ERROR_LEN];	/* why the worker stopped */
} idxadvJobSlot;

/* What idxadv_queue_release() did with a stopped worker's slot */
typedef enum idxadvSlotRelease
{
	IDXADV_RELEASE_DONE,		/* outcome recorded: slot freed */
	IDXADV_RELEASE_RETRY,		/* no outcome: the job waits to be retried */
	IDXADV_RELEASE_GIVE_UP		/* no outcome even in cleanup: slot freed */
} idxadvSlotRelease;

typedef struct idxadvBuildShared
{
	LWLock	   *lock;			/* protects everything below */
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	bool		rescan_all;		/* scan every database (slots overflowed) */
	Oid			scan_dbs[IDXADV_SCAN_SLOTS];	/* InvalidOid = free */
	idxadvJobSlot slots[IDXADV_JOB_SLOTS];
} idxadvBuildShared;

/* request side */
extern bool idxadv_queue_available(void);
extern void idxadv_queue_after_commit(int64 jobid);
extern void idxadv_queue_cancel_after_commit(int64 jobid);
extern void idxadv_queue_request_scan(Oid dbid);

/* scan worker */
extern bool idxadv_queue_submit(Oid dbid, int64 jobid, Oid roleid);

/* launcher */
extern void idxadv_queue_launcher_attach(void);
extern bool idxadv_queue_take_scans(List **todo);
extern bool idxadv_queue_slot_busy(int slotno, pid_t *pid);
extern idxadvSlotRelease idxadv_queue_release(int slotno,
											  idxadvJobSlot *copy);
extern void idxadv_queue_yield(int slotno, pid_t pid);
extern int	idxadv_queue_start_next(int max_running, idxadvJobSlot *slot);
extern void idxadv_queue_unstart(int slotno);

/* job worker */
extern bool idxadv_queue_claim(int slotno, Oid dbid, int64 jobid,
							   idxadvJobSlot *copy);
extern void idxadv_queue_note_error(int slotno, const char *message);
extern bool idxadv_queue_take_yield(int slotno);
extern void idxadv_queue_finish(int slotno);

/* ----------
 * Workers (idxadvisor_worker.c)
 * ----------
 */
extern PGDLLEXPORT void idxadv_launcher_main(Datum main_arg);
extern PGDLLEXPORT void idxadv_scan_main(Datum main_arg);
extern PGDLLEXPORT void idxadv_job_main(Datum main_arg);

#endif							/* IDXADVISOR_QUEUE_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor_worker.h
 *		What the job worker (idxadvisor_worker.c) shares with its partitioned
 *		builds (idxadvisor_partbuild.c).  Private to those two files.
 *
 * Everything here runs in a job worker process, on its own job: no shared
 * state, no locks beyond those the DDL takes.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDXADVISOR_WORKER_H
#define IDXADVISOR_WORKER_H

#include "idxadvisor_queue.h"

/* the job worker's long-lived memory, for what outlives a transaction */
extern MemoryContext idxadv_job_cxt;

/*
 * A partitioned job: the leaf whose index is being built, if any, so that
 * a failure drops that leaf's invalid index.
 */
extern idxadvJob *idxadv_partition_job;

/* idxadvisor_worker.c */
extern void idxadv_job_xact_begin(void);
extern void idxadv_job_xact_end(void);
extern Oid	idxadv_job_existing_index(idxadvJob *job, bool *valid);
extern void idxadv_run_ddl(idxadvJob *job, const char *sql, bool is_drop);
extern void idxadv_job_retry_pause(idxadvJob *job);
extern char *idxadv_job_drop_sql(idxadvJob *job);
extern bool idxadv_job_backs_off(int sqlerrcode);
extern char *idxadv_catch_error(int *sqlerrcode);

/* idxadvisor_partbuild.c */
extern void idxadv_job_build_partitioned(idxadvJob *job);

#endif							/* IDXADVISOR_WORKER_H */

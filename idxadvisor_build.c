/*-------------------------------------------------------------------------
 *
 * idxadvisor_build.c
 *		Index builds from SQL: idxadvisor_create*(), idxadvisor_drop*(), the
 *		build queue and its background workers.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "idxadvisor.h"

/*
 * Define the build GUCs and, when preloading, register the launcher.
 * Called from _PG_init, also when not preloaded; PGC_POSTMASTER variables
 * can only be defined when preloading is true.
 */
void
idxadv_build_init(bool preloading)
{
}

void
idxadv_build_shmem_request(void)
{
}

void
idxadv_build_shmem_startup(void)
{
}

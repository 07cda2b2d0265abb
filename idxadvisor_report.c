/*-------------------------------------------------------------------------
 *
 * idxadvisor_report.c
 *		Catalog reports: duplicate, redundant and invalid indexes, unindexed
 *		foreign keys.  They read only the catalogs and statistics views, so they
 *		work without shared_preload_libraries.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "idxadvisor.h"

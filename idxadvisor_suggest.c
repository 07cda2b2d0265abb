/*-------------------------------------------------------------------------
 *
 * idxadvisor_suggest.c
 *		idxadvisor_suggest(): ranked index suggestions from the captured scans,
 *		the catalogs and the planner's statistics.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "idxadvisor.h"

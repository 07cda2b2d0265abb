/*-------------------------------------------------------------------------
 *
 * idxadvisor_compat.h
 *		The PostgreSQL versions idxadvisor builds on, and every difference
 *		between them.
 *
 * Supported: PostgreSQL 15.  The code uses 15's APIs without guards
 * (shmem_request_hook, MarkGUCPrefixReserved, InitMaterializedSRF,
 * pg_prng, pg_class_aclcheck_ext ...), so an older server is refused here
 * with a clear message rather than by a compiler error further down; so is
 * a newer one, whose API changes have no shim yet: built against 16's
 * headers the code would otherwise compile, with warnings only, to a library
 * that fails to load (-Werror=implicit-function-declaration in the Makefile
 * makes that a build error as well).
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

#if PG_VERSION_NUM >= 160000
#error "idxadvisor does not support PostgreSQL 16 or later yet: it requires PostgreSQL 15"
#endif

/*
 * Shims, one section per version that changed an API we use, go here.  With
 * PostgreSQL 15 as the only supported version there are none.
 */

#endif							/* IDXADVISOR_COMPAT_H */

/*-------------------------------------------------------------------------
 *
 * idxadvisor_exprs.c
 *		idxadvisor_suggest()'s expression, pattern and GIN indexes (issue
 *		11): for the filters no btree key column serves, an index on the
 *		expression a filter compares (lower(email) = $1, (doc->>'k') = $1),
 *		a btree with a pattern operator class for LIKE 'prefix%' in a
 *		collation other than C, and GIN for containment (jsonb, arrays),
 *		full text and, when pg_trgm is installed, substring search.
 *
 * The capture (idxadvisor_capture.c) keeps each filter qual that compares
 * an expression of the scanned table's columns, or a column under an
 * operator no btree key serves, with a pseudo-constant: the key holds a
 * hash of the indexed side and the operator, the entry the quals as a node
 * string.  Here:
 *
 *	idxadv_pattern_exprs() reads them back into a pattern (step 1);
 *
 *	idxadv_expr_candidates() runs after the btree candidates are costed
 *	(step 4).  A pattern gets expression candidates when no btree candidate
 *	serves it: it was rejected because no condition of its filter is one a
 *	btree key serves (or only its ORDER BY, without a LIMIT), or its btree
 *	candidate was rejected by the planner.
 *	Its quals are grouped by indexed expression, and each expression of a
 *	table is one candidate, whatever patterns it comes from.  A candidate is
 *	checked (its columns unchanged and readable by the caller, its functions
 *	IMMUTABLE), given an access method and operator class
 *	(idxadv_expr_opclass), checked against the table's indexes, written by
 *	the DDL writer, and costed like a btree candidate: the what-if planner
 *	plans a query of the dominant pattern's quals on that expression with
 *	and without a hypothetical index of that access method; the planner must
 *	use it and it must cost less.
 *
 * So nothing suggested before changes: a pattern a btree candidate serves
 * gets no expression candidate, and a rejected expression candidate is
 * shown (verbose) only in place of its pattern's own "no condition a btree
 * serves" row.
 *
 * Locking: as idxadvisor_suggest.c: each candidate's table is locked
 * (AccessShareLock, only tried) while it is judged and costed.  Everything
 * else reads the system caches.  No code of the table's runs here: the
 * what-if planner runs as the table's owner (see idxadvisor_whatif.c), and
 * existing index expressions are compared as stored.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_database.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "idxadvisor.h"
#include "idxadvisor_suggest.h"
#include "idxadvisor_whatif.h"

/*---- Typedefs ----*/

/* One expression of one table that some patterns' quals compare */
typedef struct idxadvExprCand
{
	Oid			relid;
	Node	   *expr;			/* the indexed side as the quals have it */
	Node	   *key;			/* the index key: expr without a
								 * binary-compatible cast */
	List	   *clauses;		/* every qual on it, all patterns */
	Oid			amoid;
	Oid			opclass;
	idxadvCandidate *c;			/* the output row */
	idxadvCandidate *better;	/* another one that serves its filters */
} idxadvExprCand;

/*---- Function declarations ----*/

static bool idxadv_unserved(idxadvPattern *p, List *served);
static List *idxadv_mixed_keys(List *candidates, idxadvUsedNames **names);
static bool idxadv_cost_mixed(idxadvExprCand *ec, idxadvCandidate *c,
							  idxadvPattern *p, idxadvTable *t,
							  idxadvPlanResult *plans, int64 *bytes);
static Node *idxadv_clause_expr(Node *clause);
static Node *idxadv_clause_other(Node *clause);
static Oid	idxadv_clause_op(Node *clause);
static const char *idxadv_expr_check(idxadvExprCand *ec, char **shown);
static bool idxadv_mutable_func(Oid funcid, void *context);
static const char *idxadv_expr_opclass(idxadvExprCand *ec);
static bool idxadv_like_prefix(Node *other);
static bool idxadv_is_pattern_op(Oid opno);
static bool idxadv_collation_is_c(Oid collid);
static Oid	idxadv_gin_opclass(Oid type, List *ops);
static const char *idxadv_expr_served_by(idxadvExprCand *ec);
static Node *idxadv_expr_index_key(Node *expr);
static char *idxadv_operator_name(Oid opno);
static char *idxadv_expr_sql(Oid relid, Node *expr);
static char *idxadv_expr_key_text(idxadvExprCand *ec);
static const char *idxadv_expr_colname(Oid relid, Node *key);
static void idxadv_cost_expr(idxadvExprCand *ec, idxadvTable *t,
							 idxadvUsedNames **names);
static char *idxadv_expr_query(idxadvExprCand *ec, idxadvTable *t,
							   int *nparams, Oid **types,
							   ParamListInfo *params);
static double idxadv_bool_share(idxadvExprCand *ec, idxadvPattern *d);
static void idxadv_append_expr_quals(StringInfo sql, const char *sep,
									 idxadvPattern *d, Oid relid, Node *expr,
									 Oid *ptypes, ParamListInfo plist);

/* The function idxadv_mutable_func() found */
static Oid	mutable_funcid = InvalidOid;

/* ----------------------------------------------------------------
 * Step 1: the quals of a pattern
 * ----------------------------------------------------------------
 */

/*
 * The words idxadv_exprs_pack() writes as the bytes 1 to 31: field names
 * (with the value when it is nearly always the same) of the nodes the
 * capture keeps (OpExpr, ScalarArrayOpExpr, FuncExpr, Var, Const, Param,
 * RelabelType, CoerceViaIO), as nodeToString() writes them on every
 * supported version.  A word that is a prefix of another comes after it.
 * Never reorder: entries persist across restarts.
 */
static const char *const idxadv_pack_words[] = {
	" :location -1",
	" :location ",
	" :inputcollid ",
	" :opresulttype ",
	" :opretset false",
	" :opcollid ",
	" :opfuncid ",
	" :opno ",
	" :funcresulttype ",
	" :funcretset false",
	" :funcvariadic false",
	" :funcformat ",
	" :funccollid ",
	" :funcid ",
	" :args ",
	" :varno ",
	" :varattno ",
	" :vartype ",
	" :vartypmod -1",
	" :varcollid ",
	" :varnullingrels (b)",
	" :varlevelsup 0",
	" :varreturningtype 0",
	" :varnosyn ",
	" :varattnosyn ",
	" :consttype ",
	" :consttypmod -1",
	" :constcollid ",
	" :constlen ",
	" :constbyval ",
	" :constisnull false",
};

#define IDXADV_PACK_WORDS lengthof(idxadv_pack_words)

/*
 * Pack a node string for an entry (the capture, idxadvisor_capture.c): each
 * word of idxadv_pack_words as one byte.  A text that already holds such
 * bytes (no node string does) is kept as it is.
 */
char *
idxadv_exprs_pack(const char *text)
{
	StringInfoData buf;
	const char *p;

	StaticAssertStmt(lengthof(idxadv_pack_words) <= 31,
					 "at most 31 packed words");
	for (p = text; *p; p++)
		if ((unsigned char) *p <= IDXADV_PACK_WORDS)
			return pstrdup(text);
	initStringInfo(&buf);
	for (p = text; *p;)
	{
		int			i;
		bool		found = false;

		if (*p == ' ')
		{
			for (i = 0; i < IDXADV_PACK_WORDS; i++)
			{
				size_t		len = strlen(idxadv_pack_words[i]);

				if (strncmp(p, idxadv_pack_words[i], len) == 0)
				{
					appendStringInfoChar(&buf, (char) (i + 1));
					p += len;
					found = true;
					break;
				}
			}
		}
		if (!found)
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/* Unpack an entry's text back into node strings */
char *
idxadv_exprs_unpack(const char *text)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = text; *p; p++)
	{
		unsigned char ch = (unsigned char) *p;

		if (ch >= 1 && ch <= IDXADV_PACK_WORDS)
			appendStringInfoString(&buf, idxadv_pack_words[ch - 1]);
		else
			appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

/*
 * Read back the expression quals of a captured entry into its pattern.  A
 * qual whose columns are gone or changed type since is dropped: the query
 * that made it cannot run any more.  Quals the capture could not keep
 * (too long) are counted.
 */
void
idxadv_pattern_exprs(idxadvPattern *p, const idxadvScanStat *s)
{
	List	   *list;
	ListCell   *lc;

	if (s->key.nexprs == 0)
		return;
	if (s->exprs[0] == '\0')
	{
		p->exprs_lost = s->key.nexprs;
		return;
	}
	list = (List *) stringToNode(idxadv_exprs_unpack(s->exprs));
	if (list == NULL || !IsA(list, List))
	{
		p->exprs_lost = s->key.nexprs;
		return;
	}
	p->exprs_lost = s->key.nexprs - list_length(list);

	foreach(lc, list)
	{
		Node	   *clause = (Node *) lfirst(lc);
		List	   *vars = pull_var_clause(idxadv_clause_expr(clause), 0);
		ListCell   *lc2;
		bool		ok = true;

		foreach(lc2, vars)
		{
			Var		   *var = (Var *) lfirst(lc2);
			Oid			type;
			int32		typmod;
			Oid			coll;

			if (!idxadv_column_live(p->relid, var->varattno))
			{
				ok = false;
				break;
			}
			get_atttypetypmodcoll(p->relid, var->varattno, &type, &typmod,
								  &coll);
			if (type != var->vartype || typmod != var->vartypmod ||
				coll != var->varcollid)
				ok = false;
		}
		/* nor one calling a function (operator, type) dropped since */
		if (ok && !idxadv_qual_catalog_ok(clause, p->relid))
			ok = false;
		if (ok)
			p->exprquals = lappend(p->exprquals, clause);
	}
}

/*
 * A leaf partition's pattern's expression quals as its root partitioned
 * table's, the columns found by name, before idxadv_map_to_root gives the
 * pattern to the root: one expression index on the root serves every leaf.
 * False when the root lacks a column (or has it with another type).
 */
bool
idxadv_exprs_to_root(idxadvPattern *p, Oid root)
{
	List	   *mapped = NIL;
	ListCell   *lc;

	foreach(lc, p->exprquals)
	{
		Node	   *clause = idxadv_leaf_expr((Node *) lfirst(lc), p->relid,
											  root);

		if (clause == NULL)
			return false;
		mapped = lappend(mapped, clause);
	}
	p->exprquals = mapped;
	return true;
}

/*
 * Do two patterns compare the same expressions with the same operators,
 * whatever the constants?  (Partitions' patterns merged into their root's.)
 */
bool
idxadv_exprs_same(const idxadvPattern *a, const idxadvPattern *b)
{
	ListCell   *lc;

	if (list_length(a->exprquals) != list_length(b->exprquals))
		return false;
	foreach(lc, a->exprquals)
	{
		Node	   *qa = (Node *) lfirst(lc);
		ListCell   *lc2;
		bool		found = false;

		foreach(lc2, b->exprquals)
		{
			Node	   *qb = (Node *) lfirst(lc2);

			if (nodeTag(qa) == nodeTag(qb) &&
				idxadv_clause_op(qa) == idxadv_clause_op(qb) &&
				equal(idxadv_clause_expr(qa), idxadv_clause_expr(qb)))
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The indexed side, other side and operator of a kept qual */
static Node *
idxadv_clause_expr(Node *clause)
{
	if (IsA(clause, ScalarArrayOpExpr))
		return linitial(((ScalarArrayOpExpr *) clause)->args);
	return linitial(((OpExpr *) clause)->args);
}

static Node *
idxadv_clause_other(Node *clause)
{
	if (IsA(clause, ScalarArrayOpExpr))
		return lsecond(((ScalarArrayOpExpr *) clause)->args);
	return lsecond(((OpExpr *) clause)->args);
}

static Oid
idxadv_clause_op(Node *clause)
{
	if (IsA(clause, ScalarArrayOpExpr))
		return ((ScalarArrayOpExpr *) clause)->opno;
	return ((OpExpr *) clause)->opno;
}

/* ----------------------------------------------------------------
 * Step 4: expression candidates
 * ----------------------------------------------------------------
 */

/*
 * Does no btree candidate serve p, so that an expression candidate may?
 * served lists the patterns of the btree candidates the planner accepted.
 */
static bool
idxadv_unserved(idxadvPattern *p, List *served)
{
	if (p->exprquals == NIL || p->lifted || p->fk_name != NULL)
		return false;
	if (p->rejected != NULL)
		return p->btree_useless || p->btree_order_only;
	return !list_member_ptr(served, p);
}

/*
 * Make, check and cost the expression candidates of the patterns no btree
 * candidate serves, and return candidates with those to show added.
 */
List *
idxadv_expr_candidates(List *patterns, List *candidates, idxadvUsedNames **names)
{
	List	   *served = NIL;
	List	   *excands = NIL;
	ListCell   *lc;

	candidates = idxadv_mixed_keys(candidates, names);
	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);

		if (c->rejected == NULL)
			served = list_concat(served, c->patterns);
	}

	/* one candidate per indexed expression of a table */
	foreach(lc, patterns)
	{
		idxadvPattern *p = (idxadvPattern *) lfirst(lc);
		ListCell   *lc2;

		/* never silently: expressions the capture could not keep */
		if (p->exprs_lost > 0 && p->rejected != NULL && p->btree_useless)
			p->rejected = psprintf("%s; the capture could not keep %d of its expression conditions (longer than %d bytes as node trees)",
								   p->rejected, p->exprs_lost,
								   IDXADV_EXPR_TEXT_LEN);
		if (!idxadv_unserved(p, served))
			continue;
		foreach(lc2, p->exprquals)
		{
			Node	   *clause = (Node *) lfirst(lc2);
			Node	   *expr = idxadv_clause_expr(clause);
			idxadvExprCand *ec = NULL;
			ListCell   *lc3;

			/*
			 * <> is in no operator family: it stays a filter over what an
			 * index finds for the other quals (alone, the pattern keeps its
			 * own reason)
			 */
			if (get_oprrest(idxadv_clause_op(clause)) == F_NEQSEL)
				continue;

			foreach(lc3, excands)
			{
				ec = (idxadvExprCand *) lfirst(lc3);
				if (ec->relid == p->relid && equal(ec->expr, expr))
					break;
				ec = NULL;
			}
			if (ec == NULL)
			{
				ec = palloc0(sizeof(idxadvExprCand));
				ec->relid = p->relid;
				ec->expr = expr;
				ec->key = idxadv_expr_index_key(expr);
				ec->c = palloc0(sizeof(idxadvCandidate));
				ec->c->relid = p->relid;
				ec->c->dominant = p;
				excands = lappend(excands, ec);
			}
			ec->clauses = lappend(ec->clauses, clause);
			if (!list_member_ptr(ec->c->patterns, p))
			{
				ec->c->patterns = lappend(ec->c->patterns, p);
				if (p->executions > ec->c->dominant->executions)
					ec->c->dominant = p;
			}
		}
	}

	foreach(lc, excands)
	{
		idxadvExprCand *ec = (idxadvExprCand *) lfirst(lc);
		idxadvCandidate *c = ec->c;
		char	   *shown = NULL;
		idxadvCol	nocols[1];

		CHECK_FOR_INTERRUPTS();
		c->rejected = idxadv_lock_table(ec->relid, 0, nocols);
		if (c->rejected == NULL)
		{
			c->rejected = idxadv_expr_check(ec, &shown);
			c->expr_key = shown;
			if (c->rejected == NULL)
				c->rejected = idxadv_expr_opclass(ec);
			if (c->expr_key == NULL)
				c->expr_key = idxadv_expr_key_text(ec);
			if (c->rejected == NULL)
				c->rejected = idxadv_expr_served_by(ec);
			if (c->rejected == NULL)
				idxadv_cost_expr(ec, idxadv_table_info(ec->relid), names);
			UnlockRelationOid(ec->relid, AccessShareLock);
		}

	}

	/*
	 * One index per filter: where two expressions of one filter each get an
	 * index (lower(email) = $1 AND attrs @> $2), only the cheaper one is
	 * suggested, unless the other is the best for another filter.
	 */
	foreach(lc, excands)
	{
		idxadvExprCand *ec = (idxadvExprCand *) lfirst(lc);
		idxadvCandidate *c = ec->c;
		idxadvCandidate *better = NULL;
		bool		best_somewhere = false;
		ListCell   *lc2;

		if (c->rejected != NULL)
			continue;
		foreach(lc2, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc2);
			idxadvCandidate *best = NULL;
			ListCell   *lc3;

			foreach(lc3, excands)
			{
				idxadvCandidate *o = ((idxadvExprCand *) lfirst(lc3))->c;

				if (o->rejected == NULL && list_member_ptr(o->patterns, p) &&
					(best == NULL || o->cost_after < best->cost_after))
					best = o;
			}
			if (best == c)
				best_somewhere = true;
			else if (better == NULL)
				better = best;
		}
		if (!best_somewhere && better != NULL)
			ec->better = better;
	}
	foreach(lc, excands)
	{
		idxadvExprCand *ec = (idxadvExprCand *) lfirst(lc);
		idxadvCandidate *c = ec->c;
		bool		replaces = false;
		ListCell   *lc2;

		if (ec->better != NULL)
			c->rejected = psprintf("the index on %s serves the same filter at a lower cost",
								   ec->better->expr_key);

		/*
		 * A rejected one is shown in place of its patterns' own "no condition
		 * a btree serves" rows, never beside another row of its patterns.
		 */
		foreach(lc2, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc2);

			if (p->rejected != NULL && p->btree_useless)
			{
				p->expr_shown = true;
				replaces = true;
			}
		}
		/*
		 * The one that lost to a cheaper index of the same filter is shown
		 * too, whichever of the two won: which wins may change with the
		 * planner's version, and a DBA asking with verbose wants both.  So
		 * is one rejected for a reason of its own (the planner would not
		 * use it) where another expression index serves its filter: on
		 * some versions the planner rejects it before the other can win.
		 */
		if (c->rejected != NULL && !replaces && ec->better == NULL)
		{
			ListCell   *lc3;

			foreach(lc3, excands)
			{
				idxadvCandidate *o = ((idxadvExprCand *) lfirst(lc3))->c;

				foreach(lc2, c->patterns)
					if (o != c && o->rejected == NULL &&
						list_member_ptr(o->patterns, lfirst(lc2)))
						replaces = true;
			}
		}
		if (c->rejected == NULL || replaces || ec->better != NULL)
			candidates = lappend(candidates, c);
	}
	return candidates;
}

/*
 * Keys mixing columns and an expression (tenant_id = $1 AND lower(email) =
 * $2): a btree candidate the planner accepted on a filter's equality
 * columns gets one of the filter's expressions as its next key, when the
 * planner uses that index and it makes the filter cheaper than the
 * columns alone do.  One index (tenant_id, lower(email)) rather than
 * (tenant_id) now and (lower(email)) beside it later: it serves every
 * lookup the columns alone served, and those filters better.  The
 * candidate is changed in place (its row shows the columns, then the
 * expression); of several expressions, the one that saves the most.
 *
 * Only a candidate of equality columns alone: a range or ORDER BY tail,
 * a partial or covering index is left as it is.  An expression the caller
 * may not read leaves the candidate as it is, and shows (verbose) a
 * rejected row that says why, without the expression.
 */
static List *
idxadv_mixed_keys(List *candidates, idxadvUsedNames **names)
{
	List	   *denied = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		idxadvCandidate *c = (idxadvCandidate *) lfirst(lc);
		idxadvTable *t;
		idxadvExprCand *best = NULL;
		idxadvPattern *best_p = NULL;
		idxadvPlanResult best_plans[3] = {{0}};
		int64		best_bytes = 0;
		double		best_gain = 0;
		List	   *denied_exprs = NIL;
		ListCell   *lc2;

		if (c->rejected != NULL || c->expr_key != NULL ||
			c->fk_name != NULL || c->neq == 0 || c->neq >= INDEX_MAX_KEYS ||
			c->ntail > 0 || c->pred.attnum != 0 || c->ninclude > 0)
			continue;
		foreach(lc2, c->patterns)
			if (((idxadvPattern *) lfirst(lc2))->exprquals != NIL)
				break;
		if (lc2 == NULL)
			continue;
		t = idxadv_table_info(c->relid);
		if (t->relkind != RELKIND_RELATION && t->relkind != RELKIND_MATVIEW &&
			t->relkind != RELKIND_PARTITIONED_TABLE)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (idxadv_lock_table(c->relid, c->neq, c->eq) != NULL)
			continue;			/* stays as it was costed */

		foreach(lc2, c->patterns)
		{
			idxadvPattern *p = (idxadvPattern *) lfirst(lc2);
			List	   *tried = NIL;
			ListCell   *lc3;

			/* (its representative query ends with the ORDER BY) */
			if (p->norder > 0)
				continue;
			foreach(lc3, p->exprquals)
			{
				Node	   *expr = idxadv_clause_expr((Node *) lfirst(lc3));
				idxadvExprCand *ec;
				idxadvPlanResult plans[3];
				char	   *shown = NULL;
				const char *reason;
				int64		bytes;
				ListCell   *lc4;
				double		gain;

				if (get_oprrest(idxadv_clause_op((Node *) lfirst(lc3))) == F_NEQSEL ||
					list_member(tried, expr))
					continue;
				tried = lappend(tried, expr);

				ec = palloc0(sizeof(idxadvExprCand));
				ec->relid = c->relid;
				ec->expr = expr;
				ec->key = idxadv_expr_index_key(expr);
				foreach(lc4, p->exprquals)
					if (equal(idxadv_clause_expr((Node *) lfirst(lc4)), expr))
						ec->clauses = lappend(ec->clauses, lfirst(lc4));

				reason = idxadv_expr_check(ec, &shown);
				if (reason != NULL && shown != NULL &&
					!list_member(denied_exprs, expr))
				{
					/* said, without the expression, never silently */
					idxadvCandidate *d = palloc(sizeof(idxadvCandidate));

					memcpy(d, c, sizeof(idxadvCandidate));
					d->expr_key = shown;
					d->ddl = NULL;
					d->score = 0;
					d->rejected = reason;
					denied = lappend(denied, d);
					denied_exprs = lappend(denied_exprs, expr);
				}
				if (reason != NULL || idxadv_expr_opclass(ec) != NULL ||
					ec->amoid != BTREE_AM_OID ||
					!idxadv_cost_mixed(ec, c, p, t, plans, &bytes))
					continue;
				gain = (double) Max(p->executions, 1) *
					(plans[1].cost - plans[2].cost);
				if (best == NULL || gain > best_gain)
				{
					best = ec;
					best_p = p;
					best_gain = gain;
					best_bytes = bytes;
					memcpy(best_plans, plans, sizeof(plans));
				}
			}
		}

		if (best != NULL)
		{
			idxadvIndexDef def;
			char	   *ddl;
			int			i;

			idxadv_index_def_init(&def, c->relid);
			def.amoid = BTREE_AM_OID;
			for (i = 0; i < c->neq; i++)
				def.cols[i].attnum = c->eq[i].attnum;
			def.cols[i].attnum = 0;
			def.cols[i].expr = best->key;
			def.cols[i].colname = idxadv_expr_colname(c->relid, best->key);
			def.cols[i].opclass =
				best->opclass == GetDefaultOpClass(exprType(best->key),
												   BTREE_AM_OID) ?
				InvalidOid : best->opclass;
			def.ncols = def.nkeycols = c->neq + 1;
			ddl = idxadv_create_index_script_def(&def, names);
			if (ddl != NULL)
			{
				c->ddl = ddl;
				c->expr_key = idxadv_expr_key_text(best);
				c->index_bytes = best_bytes;
				/* the filter it was costed on is the row's, if the dominant */
				if (best_p == c->dominant)
				{
					c->cost_before = best_plans[0].cost;
					c->cost_after = best_plans[2].cost;
				}
				c->score += best_gain;
			}
		}
		UnlockRelationOid(c->relid, AccessShareLock);
	}
	return list_concat(candidates, denied);
}

/*
 * Cost candidate c's equality columns followed by ec's expression on the
 * filter of pattern p (its representative query, and its quals on the
 * expression): plans[0] without an index, [1] with c's columns alone, [2]
 * with the columns and the expression.  True when the planner uses the
 * mixed index and it costs less than both; *bytes is its size.
 */
static bool
idxadv_cost_mixed(idxadvExprCand *ec, idxadvCandidate *c, idxadvPattern *p,
				  idxadvTable *t, idxadvPlanResult *plans, int64 *bytes)
{
	idxadvHypoIndex cols;
	idxadvHypoIndex mixed;
	idxadvHypoIndex *hypos[3];
	StringInfoData sql;
	char	   *rep;
	int			nparams;
	Oid		   *types;
	ParamListInfo params;
	Oid		   *ptypes;
	ParamListInfo plist;
	double		share;
	int32		offset = 0;
	int32		width;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	BlockNumber pages;
	int			height;
	int			i;
	char	   *error;

	memset(&cols, 0, sizeof(cols));
	for (i = 0; i < c->neq; i++)
	{
		cols.colnames[i] = get_attname(c->relid, c->eq[i].attnum, false);
		cols.opclasses[i] = idxadv_btree_opclass(get_atttype(c->relid,
															 c->eq[i].attnum));
		cols.datawidth = idxadv_column_width(c->relid, c->eq[i].attnum,
											 &offset);
	}
	cols.ncols = c->neq;
	memcpy(&mixed, &cols, sizeof(mixed));
	mixed.exprs[i] = ec->key;
	mixed.exprrelid = ec->relid;
	mixed.colnames[i] = NULL;
	mixed.opclasses[i] = ec->opclass;
	mixed.ncols = c->neq + 1;
	get_typlenbyvalalign(exprType(ec->key), &typlen, &typbyval, &typalign);
	width = typlen > 0 ? typlen :
		get_typavgwidth(exprType(ec->key), exprTypmod(ec->key));
	mixed.datawidth = att_align_nominal(offset, typalign) + width;
	idxadv_whatif_index_size(t->tuples, mixed.datawidth, &pages, &height);
	*bytes = (int64) pages * BLCKSZ;

	/* the representative query of p, and its quals on the expression */
	rep = idxadv_rep_query(c, t, p, &nparams, &types, &params, &share);
	ptypes = palloc(sizeof(Oid) * (nparams + list_length(p->exprquals)));
	plist = makeParamList(nparams + list_length(p->exprquals));
	for (i = 0; i < nparams; i++)
	{
		ptypes[i] = types[i];
		plist->params[i] = params->params[i];
	}
	plist->numParams = nparams;
	initStringInfo(&sql);
	appendStringInfoString(&sql, rep);
	idxadv_append_expr_quals(&sql,
							 p->neq > 0 || p->nrange > 0 ||
							 p->pred.attnum != 0 ? " AND " : " WHERE ",
							 p, ec->relid, ec->expr, ptypes, plist);

	hypos[0] = NULL;
	hypos[1] = &cols;
	hypos[2] = &mixed;
	{
		int			nestlevel = idxadv_ddl_settings_begin();

		error = idxadv_plan(t, sql.data, plist->numParams, ptypes, plist, 3,
							hypos, plans);
		idxadv_ddl_settings_end(nestlevel);
	}
	return error == NULL && plans[2].used &&
		plans[2].cost < plans[1].cost && plans[2].cost < plans[0].cost;
}

/*
 * Checks before anything of the expression is shown or planned: its
 * columns readable by the caller, its functions IMMUTABLE.  Returns the
 * reason it is rejected, or NULL; *shown is what the row shows instead of
 * an expression the caller may not see.
 */
static const char *
idxadv_expr_check(idxadvExprCand *ec, char **shown)
{
	List	   *vars = pull_var_clause(ec->expr, 0);
	ListCell   *lc;
	StringInfoData names;
	bool		denied = false;
	Oid			userid = GetUserId();
	bool		table_select;

	/* SELECT on the table, else on each column, as the executor checks */
	table_select = pg_class_aclcheck(ec->relid, userid, ACL_SELECT) == ACLCHECK_OK;
	initStringInfo(&names);
	foreach(lc, vars)
	{
		Var		   *var = (Var *) lfirst(lc);
		char	   *attname = get_attname(ec->relid, var->varattno, true);

		if (attname == NULL)
			return "a column was dropped while idxadvisor_suggest() ran";
		if (!table_select &&
			pg_attribute_aclcheck(ec->relid, var->varattno, userid,
								  ACL_SELECT) != ACLCHECK_OK)
		{
			appendStringInfo(&names, "%s%s", denied ? ", " : "",
							 quote_identifier(attname));
			denied = true;
		}
	}
	if (denied)
	{
		*shown = psprintf("(expression of %s)", names.data);
		return psprintf("the filter compares an expression of column %s, which your role may not read (SELECT privilege): the expression is not shown and no index on it is suggested to this role",
						names.data);
	}

	mutable_funcid = InvalidOid;
	if (check_functions_in_node(ec->expr, idxadv_mutable_func, NULL))
	{
		char		vol = func_volatile(mutable_funcid);

		return psprintf("the expression calls %s, which is %s, not IMMUTABLE: an index cannot hold a value that may change (index an immutable form of the expression)",
						format_procedure(mutable_funcid),
						vol == PROVOLATILE_STABLE ? "STABLE" : "VOLATILE");
	}
	return NULL;
}

/* check_functions_in_node() callback: a function that is not IMMUTABLE */
static bool
idxadv_mutable_func(Oid funcid, void *context)
{
	if (func_volatile(funcid) != PROVOLATILE_IMMUTABLE)
	{
		mutable_funcid = funcid;
		return true;
	}
	return false;
}

/*
 * Choose the candidate's access method and operator class, or say why there
 * is none.
 *
 * A btree when every operator is in the opfamily of the key type's default
 * btree operator class (an expression compared with =, <, IN), or is a
 * LIKE 'prefix%' (or ^@) with a known prefix: then in a collation other than
 * C a pattern operator class (text_pattern_ops, varchar_pattern_ops,
 * bpchar_pattern_ops), which the planner needs to turn the prefix into a
 * range.  Otherwise GIN: of the GIN operator classes for the key's type
 * whose opfamily holds every operator, the one whose opfamily has the
 * fewest operators, the most specialised and the smallest index
 * (jsonb_path_ops when the filters only use @>, jsonb_ops when they use ?
 * too), the default first among equals.  Substring patterns with no GIN
 * operator class ask for pg_trgm.
 */
static const char *
idxadv_expr_opclass(idxadvExprCand *ec)
{
	Oid			type = exprType(ec->key);
	Oid			btree = GetDefaultOpClass(type, BTREE_AM_OID);
	Oid			btfamily = OidIsValid(btree) ? get_opclass_family(btree) : InvalidOid;
	bool		btree_ok = OidIsValid(btree);
	bool		like = false;
	bool		pattern = false;
	List	   *ops = NIL;
	ListCell   *lc;
	Oid			gin;

	foreach(lc, ec->clauses)
	{
		Node	   *clause = (Node *) lfirst(lc);
		Oid			op = idxadv_clause_op(clause);

		ops = list_append_unique_oid(ops, op);
		if (idxadv_is_pattern_op(op))
			pattern = true;
		if (!btree_ok || (OidIsValid(btfamily) && op_in_opfamily(op, btfamily)))
			continue;
		if (!IsA(clause, ScalarArrayOpExpr) &&
			(get_oprrest(op) == F_LIKESEL || get_oprrest(op) == F_PREFIXSEL) &&
			idxadv_like_prefix(idxadv_clause_other(clause)))
			like = true;
		else
			btree_ok = false;
	}

	if (btree_ok && like &&
		!idxadv_collation_is_c(exprCollation(ec->key)))
	{
		Oid			pattern_opclass = InvalidOid;

		switch (type)
		{
			case TEXTOID:
				pattern_opclass = TEXT_BTREE_PATTERN_OPS_OID;
				break;
			case VARCHAROID:
				pattern_opclass = VARCHAR_BTREE_PATTERN_OPS_OID;
				break;
			case BPCHAROID:
				pattern_opclass = BPCHAR_BTREE_PATTERN_OPS_OID;
				break;
		}
		btree_ok = OidIsValid(pattern_opclass);
		foreach(lc, ec->clauses)
		{
			Oid			op = idxadv_clause_op((Node *) lfirst(lc));

			if (btree_ok && get_oprrest(op) != F_LIKESEL &&
				get_oprrest(op) != F_PREFIXSEL &&
				!op_in_opfamily(op, get_opclass_family(pattern_opclass)))
				btree_ok = false;
		}
		btree = pattern_opclass;
	}
	if (btree_ok)
	{
		ec->amoid = BTREE_AM_OID;
		ec->opclass = btree;
		return NULL;
	}

	gin = idxadv_gin_opclass(type, ops);
	if (OidIsValid(gin))
	{
		ec->amoid = GIN_AM_OID;
		ec->opclass = gin;
		return NULL;
	}

	if (pattern && !OidIsValid(get_extension_oid("pg_trgm", true)))
		return "a pattern match without a fixed prefix (LIKE '%...%', ILIKE, a regular expression) needs a trigram index: install pg_trgm (CREATE EXTENSION pg_trgm) and run idxadvisor_suggest() again";
	return psprintf("no btree or GIN operator class for type %s supports operator %s",
					format_type_be(type),
					idxadv_operator_name(linitial_oid(ops)));
}

/*
 * Does a LIKE pattern (or a ^@ prefix) constant start with a fixed prefix?
 * A parameter of unknown value does not.
 */
static bool
idxadv_like_prefix(Node *other)
{
	Const	   *c;
	char	   *s;

	if (!IsA(other, Const))
		return false;
	c = (Const *) other;
	if (c->constisnull ||
		(c->consttype != TEXTOID && c->consttype != BPCHAROID &&
		 c->consttype != VARCHAROID))
		return false;
	s = TextDatumGetCString(c->constvalue);
	/* %, _ and \ are special in LIKE; a non-empty prefix before them */
	return s[0] != '\0' && s[0] != '%' && s[0] != '_' && s[0] != '\\';
}

/*
 * Does a collation sort by bytes, so that a default btree operator class
 * turns a LIKE prefix into a range?  The C and POSIX collations, and the
 * database's default when its libc locale is C or POSIX.  Read from the
 * catalogs, the same way in every supported version.
 */
static bool
idxadv_collation_is_c(Oid collid)
{
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	char		provider;
	char	   *collate = NULL;

	if (collid == C_COLLATION_OID)
		return true;
	if (collid == DEFAULT_COLLATION_OID)
	{
		tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
		if (!HeapTupleIsValid(tup))
			return false;
		provider = ((Form_pg_database) GETSTRUCT(tup))->datlocprovider;
		d = SysCacheGetAttr(DATABASEOID, tup, Anum_pg_database_datcollate,
							&isnull);
		if (!isnull)
			collate = TextDatumGetCString(d);
	}
	else
	{
		tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collid));
		if (!HeapTupleIsValid(tup))
			return false;
		provider = ((Form_pg_collation) GETSTRUCT(tup))->collprovider;
		d = SysCacheGetAttr(COLLOID, tup, Anum_pg_collation_collcollate,
							&isnull);
		if (!isnull)
			collate = TextDatumGetCString(d);
	}
	ReleaseSysCache(tup);
	return provider == COLLPROVIDER_LIBC && collate != NULL &&
		(strcmp(collate, "C") == 0 || strcmp(collate, "POSIX") == 0);
}

/* Is an operator a pattern match (LIKE, ILIKE, regular expression)? */
static bool
idxadv_is_pattern_op(Oid opno)
{
	switch (get_oprrest(opno))
	{
		case F_LIKESEL:
		case F_ICLIKESEL:
		case F_REGEXEQSEL:
		case F_ICREGEXEQSEL:
			return true;
	}
	return false;
}

/*
 * The GIN operator class for type whose opfamily holds every operator of
 * ops, with the fewest operators in its opfamily; the default first among
 * equals, then the lowest OID.  InvalidOid if none.
 */
static Oid
idxadv_gin_opclass(Oid type, List *ops)
{
	CatCList   *list;
	Oid			best = InvalidOid;
	int			best_nops = 0;
	bool		best_default = false;
	int			i;

	list = SearchSysCacheList1(CLAAMNAMENSP, ObjectIdGetDatum(GIN_AM_OID));
	for (i = 0; i < list->n_members; i++)
	{
		Form_pg_opclass opc = (Form_pg_opclass) GETSTRUCT(&list->members[i]->tuple);
		ListCell   *lc;
		bool		all = true;
		CatCList   *amops;
		int			nops;

		if (!IsBinaryCoercible(type, opc->opcintype))
			continue;
		foreach(lc, ops)
			if (!op_in_opfamily(lfirst_oid(lc), opc->opcfamily))
				all = false;
		if (!all)
			continue;
		amops = SearchSysCacheList1(AMOPSTRATEGY,
									ObjectIdGetDatum(opc->opcfamily));
		nops = amops->n_members;
		ReleaseSysCacheList(amops);
		if (!OidIsValid(best) || nops < best_nops ||
			(nops == best_nops && opc->opcdefault && !best_default) ||
			(nops == best_nops && opc->opcdefault == best_default &&
			 opc->oid < best))
		{
			best = opc->oid;
			best_nops = nops;
			best_default = opc->opcdefault;
		}
	}
	ReleaseSysCacheList(list);
	return best;
}

/*
 * An existing valid index that already serves the candidate: one whose key
 * (its first for a btree, any for other access methods) is the candidate's
 * expression or column, as stored (never constant-folded: see
 * idxadv_index_expressions), with an operator family that holds every
 * operator of the candidate's quals.  A partial index does not count.
 */
static const char *
idxadv_expr_served_by(idxadvExprCand *ec)
{
	TupleDesc	desc;
	ListCell   *lc;
	List	   *ops = NIL;

	foreach(lc, ec->clauses)
		ops = list_append_unique_oid(ops, idxadv_clause_op((Node *) lfirst(lc)));

	foreach(lc, idxadv_table_indexes(NULL, ec->relid, &desc))
	{
		HeapTuple	tup = (HeapTuple) lfirst(lc);
		Form_pg_index ind = (Form_pg_index) GETSTRUCT(tup);
		List	   *exprs;
		ListCell   *next;
		oidvector  *indclass;
		Datum		d;
		bool		isnull;
		Oid			amoid;
		int			k;

		if (!ind->indisvalid || !ind->indisready || !ind->indislive ||
			!heap_attisnull(tup, Anum_pg_index_indpred, desc))
			continue;
		{
			HeapTuple	reltup = SearchSysCache1(RELOID,
												 ObjectIdGetDatum(ind->indexrelid));

			if (!HeapTupleIsValid(reltup))
				continue;
			amoid = ((Form_pg_class) GETSTRUCT(reltup))->relam;
			ReleaseSysCache(reltup);
		}
		d = heap_getattr(tup, Anum_pg_index_indclass, desc, &isnull);
		if (isnull || !OidIsValid(amoid))
			continue;
		indclass = (oidvector *) DatumGetPointer(d);
		exprs = idxadv_index_expressions(tup, desc);
		next = list_head(exprs);
		for (k = 0; k < ind->indnkeyatts; k++)
		{
			Node	   *key = NULL;
			bool		same;
			ListCell   *lc2;

			if (ind->indkey.values[k] == 0)
			{
				if (next == NULL)
					break;
				key = (Node *) lfirst(next);
				next = lnext(exprs, next);
			}
			if (k > 0 && amoid == BTREE_AM_OID)
				break;
			while (key != NULL && IsA(key, RelabelType))
				key = (Node *) ((RelabelType *) key)->arg;
			if (key == NULL)
				same = IsA(ec->key, Var) &&
					((Var *) ec->key)->varattno == ind->indkey.values[k];
			else
				same = equal(key, ec->key);
			if (!same)
				continue;
			foreach(lc2, ops)
				if (!op_in_opfamily(lfirst_oid(lc2),
									get_opclass_family(indclass->values[k])))
					same = false;
			if (same)
				return psprintf("already served by index %s",
								quote_identifier(get_rel_name(ind->indexrelid)));
		}
	}
	return NULL;
}

/*
 * The key of an index on a filter's indexed side.  A binary-compatible
 * relabelling is stripped (the planner matches an index on the column
 * through it).  A cast the parser added is made explicit: deparsing hides
 * an implicit cast at the top of an expression, so the (weight)::numeric
 * that an int column compared with a numeric becomes would be written
 * "(weight)", and CREATE INDEX would index the plain column, which that
 * filter cannot use.  equal() ignores coercion forms, so the planner and
 * the served-by checks see the same key.
 */
static Node *
idxadv_expr_index_key(Node *expr)
{
	while (IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (IsA(expr, FuncExpr) &&
		((FuncExpr *) expr)->funcformat == COERCE_IMPLICIT_CAST)
	{
		FuncExpr   *f = copyObject((FuncExpr *) expr);

		f->funcformat = COERCE_EXPLICIT_CAST;
		expr = (Node *) f;
	}
	else if (IsA(expr, CoerceViaIO) &&
			 ((CoerceViaIO *) expr)->coerceformat == COERCE_IMPLICIT_CAST)
	{
		CoerceViaIO *c = copyObject((CoerceViaIO *) expr);

		c->coerceformat = COERCE_EXPLICIT_CAST;
		expr = (Node *) c;
	}
	else if (IsA(expr, ArrayCoerceExpr) &&
			 ((ArrayCoerceExpr *) expr)->coerceformat == COERCE_IMPLICIT_CAST)
	{
		ArrayCoerceExpr *c = copyObject((ArrayCoerceExpr *) expr);

		c->coerceformat = COERCE_EXPLICIT_CAST;
		expr = (Node *) c;
	}
	return expr;
}

/*
 * An operator's name for a reason, written under the DDL writer's fixed
 * settings like the expressions: one outside pg_catalog comes out
 * schema-qualified, whatever the caller's search_path (a schema before
 * pg_catalog with its own "=" would otherwise read as the built-in one).
 */
static char *
idxadv_operator_name(Oid opno)
{
	int			nestlevel = idxadv_ddl_settings_begin();
	char	   *name = format_operator(opno);

	idxadv_ddl_settings_end(nestlevel);
	return name;
}

/*
 * An expression of relid's columns (Vars of varno 1) as SQL, written under
 * the DDL writer's fixed settings, so that every function and operator
 * outside pg_catalog comes out schema-qualified.
 */
static char *
idxadv_expr_sql(Oid relid, Node *expr)
{
	int			nestlevel = idxadv_ddl_settings_begin();
	char	   *sql;

	sql = deparse_expression(expr,
							 deparse_context_for(get_rel_name(relid), relid),
							 false, false);
	idxadv_ddl_settings_end(nestlevel);
	return sql;
}

/*
 * The candidate's key as its row's columns show it: the expression as
 * deparsed, then the operator class when it is not the default.
 */
static char *
idxadv_expr_key_text(idxadvExprCand *ec)
{
	char	   *sql = idxadv_expr_sql(ec->relid, ec->key);
	Oid			amoid = OidIsValid(ec->amoid) ? ec->amoid : BTREE_AM_OID;

	if (OidIsValid(ec->opclass) &&
		ec->opclass != GetDefaultOpClass(exprType(ec->key), amoid))
	{
		HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(ec->opclass));

		if (HeapTupleIsValid(tup))
		{
			sql = psprintf("%s %s", sql,
						   quote_identifier(NameStr(((Form_pg_opclass) GETSTRUCT(tup))->opcname)));
			ReleaseSysCache(tup);
		}
	}
	return sql;
}

/*
 * The name CREATE INDEX gives an expression column (FigureIndexColname):
 * a function call's name, a column's name through casts, else "expr".
 */
static const char *
idxadv_expr_colname(Oid relid, Node *key)
{
	while (key != NULL)
	{
		if (IsA(key, Var))
			return get_attname(relid, ((Var *) key)->varattno, false);
		if (IsA(key, FuncExpr) &&
			((FuncExpr *) key)->funcformat == COERCE_EXPLICIT_CALL)
			return get_func_name(((FuncExpr *) key)->funcid);
		if (IsA(key, RelabelType))
			key = (Node *) ((RelabelType *) key)->arg;
		else if (IsA(key, CoerceViaIO))
			key = (Node *) ((CoerceViaIO *) key)->arg;
		else if (IsA(key, FuncExpr) && list_length(((FuncExpr *) key)->args) == 1)
			key = linitial(((FuncExpr *) key)->args);
		else
			break;
	}
	return NULL;
}

/*
 * DDL, size and costs of an expression candidate; rejected when the planner
 * would not use it or it costs no less.
 */
static void
idxadv_cost_expr(idxadvExprCand *ec, idxadvTable *t, idxadvUsedNames **names)
{
	idxadvCandidate *c = ec->c;
	idxadvIndexDef def;
	idxadvHypoIndex hypo;
	idxadvHypoIndex *hypos[2];
	idxadvPlanResult plans[2];
	char	   *sql;
	int			nparams;
	Oid		   *types;
	ParamListInfo params;
	char	   *error;
	int32		width;
	BlockNumber pages;
	int			height;
	int64		scans = 0;
	ListCell   *lc;
	bool		is_col = IsA(ec->key, Var);
	double		kept;
	const idxadvStatement *stmt;

	if (t->relkind != RELKIND_RELATION && t->relkind != RELKIND_MATVIEW &&
		t->relkind != RELKIND_PARTITIONED_TABLE)
	{
		c->rejected = "expression, pattern and GIN indexes are suggested for tables, partitioned tables and materialized views only";
		return;
	}

	/* the DDL, by the DDL writer, named as CREATE INDEX would name it */
	idxadv_index_def_init(&def, ec->relid);
	def.amoid = ec->amoid;
	def.ncols = def.nkeycols = 1;
	def.cols[0].attnum = is_col ? ((Var *) ec->key)->varattno : 0;
	def.cols[0].expr = is_col ? NULL : ec->key;
	def.cols[0].colname = is_col ? NULL : idxadv_expr_colname(ec->relid, ec->key);
	def.cols[0].opclass =
		ec->opclass == GetDefaultOpClass(exprType(ec->key), ec->amoid) ?
		InvalidOid : ec->opclass;
	c->ddl = idxadv_create_index_script_def(&def, names);
	if (c->ddl == NULL)
	{
		c->rejected = "the table was dropped while idxadvisor_suggest() ran";
		return;
	}

	/* size: a btree's estimate; GIN about the size of the data it indexes */
	if (is_col)
		width = get_attavgwidth(ec->relid, ((Var *) ec->key)->varattno);
	else
		width = 0;
	if (width <= 0)
		width = get_typavgwidth(exprType(ec->key), exprTypmod(ec->key));
	memset(&hypo, 0, sizeof(hypo));
	hypo.ncols = 1;
	hypo.colnames[0] = is_col ? get_attname(ec->relid, ((Var *) ec->key)->varattno, false) : NULL;
	hypo.exprs[0] = is_col ? NULL : ec->key;
	hypo.exprrelid = ec->relid;
	hypo.opclasses[0] = ec->opclass;
	hypo.amoid = ec->amoid;
	hypo.datawidth = MAXALIGN(width);
	idxadv_whatif_index_size(t->tuples, hypo.datawidth, &pages, &height);
	if (ec->amoid != BTREE_AM_OID)
	{
		double		gin_pages = ceil(Max(t->tuples, 1) * width / (BLCKSZ * 0.9)) + 1;

		pages = (BlockNumber) Min(gin_pages, (double) MaxBlockNumber);
		hypo.pages = pages;
	}
	c->index_bytes = (int64) pages * BLCKSZ;
	kept = idxadv_bool_share(ec, c->dominant);
	if (kept >= 0)
	{
		hypo.boolcol = 1;
		hypo.booltrue = kept;
	}

	/*
	 * Planned with the dominant pattern's quals on the expression; for
	 * idxadvisor_suggest_for(), the caller's statement itself, as its btree
	 * candidates are (planned as the caller, as EXPLAIN plans it).
	 */
	hypos[0] = NULL;
	hypos[1] = &hypo;
	stmt = idxadv_advise_statement();
	if (stmt != NULL)
		error = idxadv_whatif_plan_statement(stmt->queries, stmt->sql,
											 t->leaves, 2, hypos, plans);
	else
	{
		int			nestlevel = idxadv_ddl_settings_begin();

		sql = idxadv_expr_query(ec, t, &nparams, &types, &params);
		error = idxadv_plan(t, sql, nparams, types, params, 2, hypos, plans);
		idxadv_ddl_settings_end(nestlevel);
	}
	if (error)
	{
		c->rejected = psprintf("could not be costed: %s", error);
		return;
	}
	c->cost_before = plans[0].cost;
	c->cost_after = plans[1].cost;
	if (!plans[1].used || c->cost_after >= c->cost_before)
	{
		if (kept >= 0)
			c->rejected = psprintf("the planner would not use this index (estimated cost %.2f without it, %.2f with it): the captured scans kept %.3g%% of the rows, too many to read through an index",
								   c->cost_before,
								   Min(c->cost_after, c->cost_before),
								   100.0 * c->dominant->rows_matched /
								   c->dominant->rows_scanned);
		else
			c->rejected = psprintf("the planner would not use this index (estimated cost %.2f without it, %.2f with it)",
								   c->cost_before, Min(c->cost_after, c->cost_before));
		c->cost_after = Min(c->cost_after, c->cost_before);
		return;
	}

	foreach(lc, c->patterns)
		scans += ((idxadvPattern *) lfirst(lc))->executions;
	c->score = (double) scans * (c->cost_before - c->cost_after);
}

/*
 * A bare boolean expression (is_archived(doc), kept as "expr = true", or
 * false under NOT): the share of the table's rows for which it is true,
 * when the captured scans of pattern d tell it, that is when their filter
 * is that one condition, as far as the capture can tell; else -1.  The
 * planner has no statistics for an expression no index holds yet and
 * takes a third of the rows for any boolean function: this is what ANALYZE
 * would find once the index exists (see idxadv_get_index_stats).
 */
static double
idxadv_bool_share(idxadvExprCand *ec, idxadvPattern *d)
{
	Node	   *clause;
	Node	   *other;
	double		share;

	if (exprType(ec->key) != BOOLOID || list_length(d->exprquals) != 1 ||
		d->exprs_lost > 0 || d->neq > 0 || d->nrange > 0 ||
		d->nflag > 0 || d->ncond > 0 || d->pred.attnum != 0 ||
		d->rows_scanned <= 0)
		return -1;
	clause = (Node *) linitial(d->exprquals);
	if (!IsA(clause, OpExpr) ||
		((OpExpr *) clause)->opno != BooleanEqualOperator ||
		!equal(idxadv_clause_expr(clause), ec->expr))
		return -1;
	other = idxadv_clause_other(clause);
	if (!IsA(other, Const) || ((Const *) other)->constisnull)
		return -1;
	share = (double) d->rows_matched / d->rows_scanned;
	return DatumGetBool(((Const *) other)->constvalue) ? share : 1.0 - share;
}

/*
 * The query the candidate is costed with: the dominant pattern's quals on
 * the candidate's expression, on the table alone.
 */
static char *
idxadv_expr_query(idxadvExprCand *ec, idxadvTable *t, int *nparams,
				  Oid **types, ParamListInfo *params)
{
	StringInfoData sql;
	idxadvPattern *d = ec->c->dominant;
	int			max = list_length(d->exprquals);
	Oid		   *ptypes = palloc(sizeof(Oid) * Max(max, 1));
	ParamListInfo plist = makeParamList(Max(max, 1));

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT * FROM %s%s WHERE ",
					 t->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(t->nspid),
												t->relname));
	plist->numParams = 0;
	idxadv_append_expr_quals(&sql, "", d, ec->relid, ec->expr, ptypes, plist);
	*nparams = plist->numParams;
	*types = ptypes;
	*params = plist;
	return sql.data;
}

/*
 * Append pattern d's quals on expr to a query: "(expr) OPERATOR(schema.op)
 * $n" (ANY ($n) for IN lists), the first after sep, the others after AND,
 * their parameters numbered after the plist->numParams already there.  A
 * constant the capture kept is passed as the parameter's value, so that the
 * planner sees the LIKE prefix or the JSON value; one it did not keep is a
 * parameter of unknown value.  ptypes and plist have room for every qual
 * of d.
 */
static void
idxadv_append_expr_quals(StringInfo sql, const char *sep, idxadvPattern *d,
						 Oid relid, Node *expr, Oid *ptypes,
						 ParamListInfo plist)
{
	int			n = plist->numParams;
	ListCell   *lc;
	char	   *exprsql = NULL;

	foreach(lc, d->exprquals)
	{
		Node	   *clause = (Node *) lfirst(lc);
		Node	   *other = idxadv_clause_other(clause);
		Oid			op = idxadv_clause_op(clause);
		ParamExternData *prm = &plist->params[n];
		HeapTuple	optup;
		Form_pg_operator opform;

		if (!equal(idxadv_clause_expr(clause), expr))
			continue;
		if (exprsql == NULL)
			exprsql = idxadv_expr_sql(relid, expr);
		optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
		if (!HeapTupleIsValid(optup))
			continue;
		opform = (Form_pg_operator) GETSTRUCT(optup);

		ptypes[n] = exprType(other);
		prm->ptype = ptypes[n];
		if (IsA(other, Const))
		{
			prm->value = ((Const *) other)->constvalue;
			prm->isnull = ((Const *) other)->constisnull;
			prm->pflags = PARAM_FLAG_CONST;
		}
		else
		{
			prm->value = (Datum) 0;
			prm->isnull = true;
			prm->pflags = 0;
		}
		appendStringInfo(sql, "%s(%s) OPERATOR(%s.%s) %s$%d%s",
						 sep, exprsql,
						 quote_identifier(get_namespace_name(opform->oprnamespace)),
						 NameStr(opform->oprname),
						 IsA(clause, ScalarArrayOpExpr) ? "ANY (" : "",
						 n + 1,
						 IsA(clause, ScalarArrayOpExpr) ? ")" : "");
		ReleaseSysCache(optup);
		sep = " AND ";
		n++;
	}
	plist->numParams = n;
}

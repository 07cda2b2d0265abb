/*-------------------------------------------------------------------------
 *
 * idxadvisor_repquery.c
 *		idxadvisor_suggest()'s representative query (step 4): the SELECT on a
 *		candidate's table that stands for a captured pattern when the
 *		planner costs the candidate.
 *
 * The query is built from catalog data only, never from captured text:
 * equality columns compared with values from pg_statistic that keep the
 * share of rows the capture saw kept, the range column against a histogram
 * bound, boolean and NULL tests as they were, ORDER BY with the LIMIT the
 * scans ran under.  Operators are written as OPERATOR(schema.name) of the
 * type's default btree operator class, so the search_path chooses nothing.
 * Values are passed as typed parameters, never as text in the query.
 *
 * Locking: none of its own; the caller (idxadvisor_suggest.c) holds its
 * short ACCESS SHARE lock on the table while the query is built and
 * planned, and everything here reads the system caches.
 *
 * Copyright (c) 2026, the idxadvisor developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/params.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "idxadvisor.h"
#include "idxadvisor_suggest.h"

static void idxadv_eq_targets(idxadvTable *t, idxadvPattern *p,
							  double *want);
static double idxadv_eq_value(idxadvTable *t, AttrNumber att, Oid type,
							  double want, ParamExternData *param,
							  double *typical);
static void idxadv_range_param(idxadvTable *t, idxadvPattern *p,
							   double eqshare, AttrNumber att, Oid type,
							   ParamExternData *param);
static char *idxadv_operator_sql(Oid type, int16 strategy);

/*
 * Build the representative query of pattern p on candidate c's table: the
 * equality columns compared with values from pg_statistic that keep the
 * share of rows the capture saw kept (idxadv_eq_targets; *share is what
 * they keep together, as the planner estimates it), the range column
 * with a pg_statistic histogram bound chosen to keep the observed share of
 * rows, boolean and NULL tests as they were, and the ORDER BY with the
 * LIMIT the captured scans ran under, if any.
 */
char *
idxadv_rep_query(idxadvCandidate *c, idxadvTable *t, idxadvPattern *p,
				 int *nparams, Oid **types, ParamListInfo *params,
				 double *share)
{
	StringInfoData sql;
	const char *sep = " WHERE ";
	int			i;
	int			np = 0;
	Oid		   *ptypes = palloc(sizeof(Oid) * (p->neq + p->nrange + 1));
	ParamListInfo plist = makeParamList(p->neq + p->nrange + 1);
	double		want[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
	double		eqshare;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s FROM %s%s",
					 c->select_list ? c->select_list : "*",
					 t->relkind == RELKIND_PARTITIONED_TABLE ? "" : "ONLY ",
					 quote_qualified_identifier(get_namespace_name(t->nspid),
												t->relname));
	/*
	 * The equalities' values.  A parameter of unknown value would do for a
	 * generic plan, but the planner is given the parameters' values (the
	 * range column needs one), and would then cost an equality whose value
	 * is NULL as finding no row: every equality would look selective.  So
	 * each equality gets a real value from pg_statistic, chosen to keep the
	 * share of rows the captured scans kept (see idxadv_eq_targets).
	 */
	idxadv_eq_targets(t, p, want);
	eqshare = 1.0;
	for (i = 0; i < p->neq; i++)
	{
		char	   *col = get_attname(p->relid, p->eq[i].attnum, false);

		if (p->eq[i].kind == IDXADV_CMP_EQ)
		{
			ptypes[np] = get_atttype(p->relid, p->eq[i].attnum);
			eqshare *= idxadv_eq_value(t, p->eq[i].attnum, ptypes[np],
									   want[i], &plist->params[np], NULL);
			np++;
			appendStringInfo(&sql, "%s%s %s $%d", sep, quote_identifier(col),
							 idxadv_operator_sql(ptypes[np - 1],
												 BTEqualStrategyNumber),
							 np);
		}
		else
			appendStringInfo(&sql, "%s%s", sep,
							 idxadv_flag_sql(col, p->eq[i].kind));
		sep = " AND ";
	}
	for (i = 0; i < p->nrange; i++)
	{
		AttrNumber	att = p->range[i].attnum;
		char	   *col = get_attname(p->relid, att, false);

		ptypes[np] = get_atttype(p->relid, att);
		idxadv_range_param(t, p, eqshare, att, ptypes[np],
						   &plist->params[np]);
		np++;
		appendStringInfo(&sql, "%s%s %s $%d", sep, quote_identifier(col),
						 idxadv_operator_sql(ptypes[np - 1],
											 BTGreaterEqualStrategyNumber),
						 np);
		sep = " AND ";
	}
	if (p->pred.attnum != 0)
		appendStringInfo(&sql, "%s%s", sep,
						 idxadv_flag_sql(get_attname(p->relid, p->pred.attnum, false),
										 p->pred.kind));
	if (p->norder > 0)
	{
		appendStringInfoString(&sql, " ORDER BY ");
		for (i = 0; i < p->norder; i++)
			appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
							 idxadv_col_sql(p->relid, &p->order[i], true));
		/*
		 * A top-N query (most of its scans ran under a LIMIT) is costed with
		 * the largest LIMIT seen; an ORDER BY that returned every row without
		 * one, where an index must beat a sort of all the matching rows.
		 */
		if (idxadv_pattern_limited(p))
		{
			double		limit = (double) p->limit_max;

			/*
			 * Only ORDER BY columns: the filter is one the query cannot show,
			 * and the index scan must read as many rows as the share the
			 * capture saw pass it says, to return the first ones.
			 */
			if (p->neq == 0 && p->nrange == 0 && p->pred.attnum == 0 &&
				p->rows_matched > 0 && p->rows_matched < p->rows_scanned)
				limit = ceil(limit * p->rows_scanned / p->rows_matched);
			appendStringInfo(&sql, " LIMIT %.0f", Min(limit, 1e15));
		}
	}

	*nparams = np;
	*types = ptypes;
	*params = np > 0 ? plist : NULL;
	*share = eqshare;
	plist->numParams = np;
	return sql.data;
}

/*
 * The share of the rows each equality (=) column of pattern p should keep
 * in the representative query, want[i] for p->eq[i] (other kinds: unused).
 *
 * Together they keep what the captured scans kept (rows_matched /
 * rows_scanned) when the query shows the whole filter: equalities only,
 * nothing p->inexact.  Otherwise that share is only a lower bound of what
 * the equalities keep (the rest of the filter kept fewer), and they keep
 * what pg_statistic says typical values keep, but no less than the
 * captured share.  An unindexed foreign key, never captured, keeps the
 * typical share, and so does a join input's pattern: each lookup of a
 * nested loop through the index looks up one value of the other input.
 * The total is spread over the columns in proportion to
 * their typical shares (geometrically), so a column with few distinct
 * values still keeps more than a column with many.
 */
static void
idxadv_eq_targets(idxadvTable *t, idxadvPattern *p, double *want)
{
	double		typical[IDXADV_MAX_COLS + INDEX_MAX_KEYS];
	double		all = 1.0;
	double		target;
	double		factor;
	int			n = 0;
	int			i;

	for (i = 0; i < p->neq; i++)
	{
		want[i] = -1;
		if (p->eq[i].kind != IDXADV_CMP_EQ)
			continue;
		idxadv_eq_value(t, p->eq[i].attnum,
						get_atttype(p->relid, p->eq[i].attnum), -1, NULL,
						&typical[i]);
		all *= typical[i];
		n++;
	}
	if (n == 0)
		return;

	target = all;
	if (p->executions > 0 && p->rows_scanned > 0 &&
		p->shape != IDXADV_SHAPE_JOIN_INNER)
	{
		double		seen = (double) p->rows_matched / p->rows_scanned;

		/*
		 * An index scan's rows read are what its index fetched, not the
		 * table: what the whole filter keeps is a share of the table's rows.
		 */
		if (p->shape == IDXADV_SHAPE_INDEX_FILTER)
			seen = (double) p->rows_matched /
				((double) p->executions * Max(t->tuples, 1));

		if (!p->inexact && p->nrange == 0 && p->pred.attnum == 0 &&
			n == p->neq)
			target = seen;
		else
			target = Max(all, seen);
	}
	target = Max(target, 1.0 / Max(t->tuples, 1));
	factor = pow(target / Max(all, 1e-300), 1.0 / n);
	for (i = 0; i < p->neq; i++)
		if (p->eq[i].kind == IDXADV_CMP_EQ)
			want[i] = Min(typical[i] * factor, 1.0);
}

/*
 * An equality's value for the representative query, from pg_statistic: of
 * the column's most common values, and one value that is not among them (a
 * histogram bound), the one whose share of the rows, as the planner
 * estimates it (var_eq_const), is closest to "want" (on a log scale).  Its
 * share is returned and the value put in *param (as a constant: the plan is
 * a custom plan for that value).  Without statistics, or without a value of
 * the column's type in them, *param is a parameter of unknown value, which
 * the planner costs with 1 / n_distinct, as in a generic plan.
 *
 * *typical (if not NULL) is set to the share that a typical value keeps:
 * the share of a value picked by picking a row at random (the most common
 * values weighted by how common they are), which a workload looking up
 * the values it stored sees on average.  want < 0 means that share.
 */
static double
idxadv_eq_value(idxadvTable *t, AttrNumber att, Oid type, double want,
				ParamExternData *param, double *typical)
{
	HeapTuple	tup;
	AttStatsSlot mcv;
	AttStatsSlot hist;
	bool		have_mcv = false;
	bool		have_hist = false;
	double		nd = idxadv_ndistinct(t, att);
	double		nullfrac;
	double		sumf = 0;
	double		sumsq = 0;
	double		other;
	double		other_share;
	double		typ;
	double		best_dist = -1;
	double		chosen;
	Datum		value = (Datum) 0;
	int			i;

	if (param != NULL)
	{
		/* a parameter of unknown value, unless a value is found below */
		param->ptype = InvalidOid;
		param->isnull = true;
		param->pflags = 0;
		param->value = (Datum) 0;
	}

	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(t->relid),
						  Int16GetDatum(att),
						  BoolGetDatum(t->relkind == RELKIND_PARTITIONED_TABLE));
	if (!HeapTupleIsValid(tup))
	{
		if (typical)
			*typical = 1.0 / nd;
		return 1.0 / nd;
	}
	nullfrac = ((Form_pg_statistic) GETSTRUCT(tup))->stanullfrac;

	if (get_attstatsslot(&mcv, tup, STATISTIC_KIND_MCV, InvalidOid,
						 ATTSTATSSLOT_VALUES | ATTSTATSSLOT_NUMBERS))
	{
		have_mcv = mcv.valuetype == type && mcv.nvalues > 0 &&
			mcv.nvalues == mcv.nnumbers;
		if (!have_mcv)
			free_attstatsslot(&mcv);
	}
	if (get_attstatsslot(&hist, tup, STATISTIC_KIND_HISTOGRAM, InvalidOid,
						 ATTSTATSSLOT_VALUES))
	{
		have_hist = hist.valuetype == type && hist.nvalues > 0;
		if (!have_hist)
			free_attstatsslot(&hist);
	}

	/* a value that is not a common one keeps what var_eq_const says */
	for (i = 0; have_mcv && i < mcv.nvalues; i++)
	{
		sumf += mcv.numbers[i];
		sumsq += mcv.numbers[i] * mcv.numbers[i];
	}
	other = Max(1.0 - sumf - nullfrac, 0.0);
	other_share = other;
	if (nd - (have_mcv ? mcv.nvalues : 0) > 1)
		other_share /= nd - (have_mcv ? mcv.nvalues : 0);
	if (have_mcv)
		other_share = Min(other_share, mcv.numbers[mcv.nvalues - 1]);

	typ = sumsq + other * other_share;
	if (nullfrac < 1.0)
		typ /= 1.0 - nullfrac;
	if (typ <= 0)
		typ = 1.0 / nd;
	if (typical)
		*typical = typ;
	if (want < 0)
		want = typ;
	want = Max(want, 1e-12);
	chosen = typ;

	for (i = 0; have_mcv && i < mcv.nvalues; i++)
	{
		double		dist = fabs(log(Max(mcv.numbers[i], 1e-12) / want));

		if (best_dist < 0 || dist < best_dist)
		{
			best_dist = dist;
			chosen = mcv.numbers[i];
			value = mcv.values[i];
		}
	}
	if (have_hist && other_share > 0)
	{
		double		dist = fabs(log(other_share / want));

		if (best_dist < 0 || dist < best_dist)
		{
			best_dist = dist;
			chosen = other_share;
			value = hist.values[hist.nvalues / 2];
		}
	}

	if (best_dist >= 0 && param != NULL)
	{
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(type, &typlen, &typbyval);
		param->ptype = type;
		param->isnull = false;
		param->pflags = PARAM_FLAG_CONST;
		param->value = datumCopy(value, typbyval, typlen);
	}
	if (best_dist < 0)
		chosen = (1.0 - nullfrac) / nd;	/* var_eq_non_const */

	if (have_mcv)
		free_attstatsslot(&mcv);
	if (have_hist)
		free_attstatsslot(&hist);
	ReleaseSysCache(tup);
	return chosen;
}

/*
 * The parameter a range column is compared with in the representative
 * query: a pg_statistic histogram bound chosen to keep the share of rows
 * the captured scans kept (less what the equalities keep), or, without a
 * histogram, a NULL of unknown value (the planner's default selectivity).
 */
static void
idxadv_range_param(idxadvTable *t, idxadvPattern *p, double eqshare,
				   AttrNumber att, Oid type, ParamExternData *param)
{
	HeapTuple	tup;
	AttStatsSlot sslot;
	double		want;
	int			k;

	want = p->rows_scanned > 0 ?
		(double) p->rows_matched / p->rows_scanned : 1.0 / 3;
	want /= Max(eqshare, 1e-12);
	want = Max(Min(want, 1.0), 0.0001);

	param->ptype = type;
	param->isnull = true;
	param->pflags = 0;

	tup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(t->relid),
						  Int16GetDatum(att),
						  BoolGetDatum(t->relkind == RELKIND_PARTITIONED_TABLE));
	if (!HeapTupleIsValid(tup))
		return;
	if (get_attstatsslot(&sslot, tup, STATISTIC_KIND_HISTOGRAM,
						 InvalidOid, ATTSTATSSLOT_VALUES))
	{
		if (sslot.nvalues >= 2 && sslot.valuetype == type)
		{
			int16		typlen;
			bool		typbyval;

			k = (int) rint((1.0 - want) * (sslot.nvalues - 1));
			get_typlenbyval(sslot.valuetype, &typlen, &typbyval);
			param->value = datumCopy(sslot.values[k], typbyval, typlen);
			param->isnull = false;
			param->pflags = PARAM_FLAG_CONST;
		}
		free_attstatsslot(&sslot);
	}
	ReleaseSysCache(tup);
}

/*
 * The operator of a type's default btree operator class for a strategy, as
 * OPERATOR(schema.name): the one the suggested index serves, whatever the
 * search_path says.
 */
static char *
idxadv_operator_sql(Oid type, int16 strategy)
{
	Oid			opclass = idxadv_btree_opclass(type);
	Oid			opno;
	HeapTuple	tup;
	Form_pg_operator form;
	char	   *result;

	opno = get_opfamily_member(get_opclass_family(opclass),
							   get_opclass_input_type(opclass),
							   get_opclass_input_type(opclass), strategy);
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "no btree operator of strategy %d for type %u",
			 strategy, type);
	form = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(form->oprnamespace)),
					  NameStr(form->oprname));
	ReleaseSysCache(tup);
	return result;
}

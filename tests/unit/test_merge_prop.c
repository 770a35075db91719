/*
 * A seeded property test of the merge of one document (sync/merge.h).
 *
 * Each scenario takes the example document of a type as the base (or no
 * base: concurrent creation), lets 2 to 4 replicas edit copies of it at
 * random and sign them with distinct clocks, then merges every pair of
 * replicas, the pair merges with each other, and folds all the replicas
 * in every order (the running result merged with the next replica, always
 * against the base), and checks:
 *
 *   symmetry     merge(b, x, y) and merge(b, y, x) give the same bytes;
 *   idempotence  merge(b, x, x), merge(b, x, b) and merge(b, b, x) are x;
 *   no loss      every value or removal a replica wrote is in the result at
 *                its path, or in `_conflicts`;
 *   edit wins    what one replica removed and another changed stays;
 *   clean        replicas whose edits do not overlap merge with no conflict;
 *   conflicts    each names the clock of a version; merging two replicas,
 *                each sits where the kept value is and holds what the side
 *                of its clock has there;
 *   _merge       only when no side as it is will do; it names both parents
 *                and the later clock, and its clocks are the versions';
 *   order        every fold of three or more replicas, and the merge of
 *                two merges of disjoint pairs, give the same document but
 *                for `_merge.from` (which names the versions merged);
 *   append-only  two different contents are refused, naming the document,
 *                in every pair and every fold that meets them; one content
 *                signed several times keeps its first signature.
 *
 * SANSHE_PROP_SEED, SANSHE_PROP_RUNS and SANSHE_PROP_SCENARIO choose the
 * scenarios (prop.h); a failure prints the line that replays it.
 *
 * Known gap (counted, not failed, unless SANSHE_PROP_STRICT=1): the order
 * of merges still matters in about one scenario in ten, all through the
 * clocks of what a merge version holds without a writer's own clock: a
 * removal it took (a later conflict records it with the version's clock),
 * a list or object it kept (judged by the version's clock, not by those of
 * the values inside), a list it emptied.  More rarely (one scenario in
 * tens of thousands) a removal is lost: its conflict entry goes while the
 * document has nothing there, and a later merge brings the path back.
 * Make it strict once they are fixed.
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "merge.h"
#include "prop.h"
#include "registry.h"

/* About 2 ms a scenario, and seven times as much under AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_RUNS 1000
#else
#define DEFAULT_RUNS 2000
#endif
#define MAX_REPLICAS 4
#define MAX_ORDERS 12 /* 4! / 2 */
#define MAX_PAIRS (MAX_REPLICAS * (MAX_REPLICAS - 1) / 2)
#define BASE_AT "2026-11-01T00:00:00.000Z/0000"

static struct {
	unsigned long fields, append_only, no_base, merges, ties;
	unsigned long agreeing; /* results of all the replicas compared */
	unsigned long records_agreeing; /* the same, the record alone */
	unsigned long append_refused;
} stats;

/* ---- versions and clocks ---- */

/* Plausible fingerprints (SHA256 of 32 bytes, unpadded base64). */
static const char *const keys[] = {
	"SHA256:UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOaE",
	"SHA256:oJXyD5OVZQz5OAuO2yJKaySKHpJOj9CuLhqUkqMwXxg",
	"SHA256:jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+4Fc",
	"SHA256:unJJm/oSHoNrKsFXJu59awr2qxPDjpLK4NFQV7FZmH8",
};

/* `v` holds `doc` (NULL: none), whose canonical text is `text` (NULL: work it out). */
static void version_set_text(sanshe_merge_version *v, cJSON *doc, const char *text)
{
	char *own = NULL;

	memset(v, 0, sizeof(*v));
	if (!(v->doc = doc))
		return;
	if (!text)
		text = own = prop_canon(doc);
	assert_int_equal(git_odb_hash(&v->blob, text, strlen(text), GIT_OBJECT_BLOB), 0);
	free(own);
}

static void version_set(sanshe_merge_version *v, cJSON *doc)
{
	version_set_text(v, doc, NULL);
}

static void version_copy(sanshe_merge_version *dst, const sanshe_merge_version *src)
{
	*dst = *src;
	if (src->doc)
		dst->doc = prop_must(cJSON_Duplicate(src->doc, 1));
}

static void version_free(sanshe_merge_version *v)
{
	cJSON_Delete((cJSON *)v->doc);
	memset(v, 0, sizeof(*v));
}

/* The clock a version is ordered by: its _sig or _merge, or its removal. */
static sanshe_merge_clock clock_of(const sanshe_merge_version *v)
{
	sanshe_merge_clock c = v->removed;

	if (v->doc)
		assert_int_equal(sanshe_merge_clock_of(v->doc, &c), 0);
	return c;
}

static bool clock_equal(const sanshe_merge_clock *a, const sanshe_merge_clock *b)
{
	return sanshe_merge_clock_compare(a, b) == 0;
}

/* Sign `doc` (the merge does not check signatures). */
static void sign(cJSON *doc, const sanshe_merge_clock *clock)
{
	char at[SANSHE_HLC_MAX];
	cJSON *sig;

	sanshe_hlc_format(at, clock->at);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_merge");
	sig = prop_must(cJSON_AddObjectToObject(doc, "_sig"));
	prop_must(cJSON_AddStringToObject(sig, "at", at));
	prop_must(cJSON_AddStringToObject(sig, "key", clock->key));
	prop_must(cJSON_AddStringToObject(sig, "sig", "AAAA"));
}

/* ---- scenarios ---- */

typedef struct example {
	const char *name;
	const sanshe_type *type;
	cJSON *doc;
} example;

static example examples[] = {
	{ "case", NULL, NULL },	  { "case-note", NULL, NULL }, { "ledger-entry", NULL, NULL },
	{ "member", NULL, NULL }, { "org", NULL, NULL },       { "project", NULL, NULL },
	{ "roster", NULL, NULL },
};

typedef struct scenario {
	const example *ex;
	prop_rng r;
	sanshe_merge_version base;
	sanshe_merge_version rep[MAX_REPLICAS];
	int n;
	sanshe_merge_clock clocks[3 * MAX_REPLICAS]; /* every clock given out */
	size_t nclocks;
	prop_writes w; /* what the replicas wrote; w.by is the replica */
} scenario;

static const scenario *current; /* for failure reports */

static void dump_version(const char *label, const sanshe_merge_version *v)
{
	char at[SANSHE_HLC_MAX], *text = v->doc ? prop_canon(v->doc) : NULL;

	sanshe_hlc_format(at, v->removed.at);
	if (text)
		fprintf(stderr, "  %s: %s\n", label, text);
	else
		fprintf(stderr, "  %s: %s%s%s%s\n", label, *v->removed.key ? "removed at " : "never written",
			*v->removed.key ? at : "", *v->removed.key ? " by " : "", v->removed.key);
	free(text);
}

static void dump_scenario(void)
{
	fprintf(stderr, "  type %s\n", current->ex->name);
	dump_version("base", &current->base);
	for (int i = 0; i < current->n; i++)
		dump_version((const char *[]){ "replica 0", "replica 1", "replica 2", "replica 3" }[i],
			     &current->rep[i]);
}

static bool clock_given_out(const scenario *sc, const sanshe_merge_clock *c)
{
	for (size_t i = 0; i < sc->nclocks; i++)
		if (clock_equal(c, &sc->clocks[i]))
			return true;
	return false;
}

/* A clock no version of the scenario has yet; few times, so that equal times come up. */
static sanshe_merge_clock new_clock(scenario *sc)
{
	char text[SANSHE_HLC_MAX];
	sanshe_merge_clock c;

	do {
		snprintf(text, sizeof(text), "2026-11-0%uT%02u:%02u:00.000Z/%04u",
			 2 + prop_below(&sc->r, 3), 8 + prop_below(&sc->r, 2),
			 30 * prop_below(&sc->r, 2), prop_below(&sc->r, 2));
		assert_int_equal(sanshe_hlc_parse(&c.at, text), 0);
		strcpy(c.key, keys[prop_below(&sc->r, SANSHE_ARRAY_SIZE(keys))]);
	} while (clock_given_out(sc, &c));
	assert_true(sc->nclocks < SANSHE_ARRAY_SIZE(sc->clocks));
	sc->clocks[sc->nclocks++] = c;
	return c;
}

/* A copy of `from` with 1 to 4 edits, signed with a new clock. */
static void edited_version(scenario *sc, sanshe_merge_version *v, const cJSON *from)
{
	cJSON *doc = prop_must(cJSON_Duplicate(from, 1));
	sanshe_merge_clock c = new_clock(sc);

	for (unsigned i = 1 + prop_below(&sc->r, 4); i > 0; i--)
		prop_edit(&sc->r, doc);
	sign(doc, &c);
	version_set(v, doc);
}

/* ---- merging, checked ---- */

/* The document merge(b, ours, theirs) gave (NULL: none). */
static const cJSON *result_doc(const sanshe_merge_result *res, const sanshe_merge_version *ours,
			       const sanshe_merge_version *theirs)
{
	const cJSON *docs[] = { [SANSHE_MERGE_ABSENT] = NULL, [SANSHE_MERGE_OURS] = ours->doc,
				[SANSHE_MERGE_THEIRS] = theirs->doc, [SANSHE_MERGE_NEW] = res->doc };

	return docs[res->outcome];
}

/* Is `x` ahead of `y`: the greater clock, then the greater blob id. */
static bool ahead(const sanshe_merge_version *x, const sanshe_merge_version *y)
{
	sanshe_merge_clock cx = clock_of(x), cy = clock_of(y);
	int c = sanshe_merge_clock_compare(&cx, &cy);

	return c ? c > 0 : git_oid_cmp(&x->blob, &y->blob) > 0;
}

/* The clock {at, key} of `holder` (a conflict entry, a field's): false when it has none. */
static bool clock_in(const cJSON *holder, sanshe_merge_clock *c)
{
	const char *at = cJSON_GetStringValue(prop_get(holder, "at"));
	const char *key = cJSON_GetStringValue(prop_get(holder, "key"));

	if (!at || !key || sanshe_hlc_parse(&c->at, at) != 0 || strlen(key) >= sizeof(c->key))
		return false;
	strcpy(c->key, key);
	return true;
}

/* Every clock in `doc`'s `_merge` and `_conflicts` is one a version was given. */
static void check_clocks(const scenario *sc, const cJSON *doc)
{
	const cJSON *e;
	sanshe_merge_clock c;

	cJSON_ArrayForEach(e, prop_get(prop_get(doc, "_merge"), "fields"))
	{
		PROP_CHECK(clock_in(e, &c) && clock_given_out(sc, &c),
			   "_merge.fields['%s'] is not the clock of a version", e->string);
	}
	cJSON_ArrayForEach(e, prop_get(doc, "_conflicts"))
	{
		const char *path = cJSON_GetStringValue(prop_get(e, "path"));

		PROP_CHECK(path && clock_in(e, &c), "a malformed conflict entry");
		PROP_CHECK(clock_given_out(sc, &c), "conflict at '%s' names a clock of no version",
			   path);
	}
}

/* Would side `s` as it is do for the new version `doc`: same content, clock and clocks? */
static bool side_would_do(const cJSON *doc, const sanshe_merge_version *s)
{
	sanshe_merge_clock mine, theirs = clock_of(s);

	assert_int_equal(sanshe_merge_clock_of(doc, &mine), 0);
	return s->doc && prop_same_record(doc, s->doc) && clock_equal(&mine, &theirs) &&
	       sanshe_json_equal(prop_get(prop_get(doc, "_merge"), "fields"),
				 prop_get(prop_get(s->doc, "_merge"), "fields"));
}

/* A new version: `_merge`, not `_sig`, naming both parents and the later clock. */
static void check_new_version(const scenario *sc, const cJSON *doc,
			      const sanshe_merge_version *x, const sanshe_merge_version *y)
{
	const cJSON *from = prop_get(prop_get(doc, "_merge"), "from");
	/* a removed side is named by the version it removed */
	const git_oid *px = x->doc ? &x->blob : &sc->base.blob;
	const git_oid *py = y->doc ? &y->blob : &sc->base.blob;
	sanshe_merge_clock got, want = clock_of(ahead(x, y) ? x : y);
	char lo[GIT_OID_HEXSZ + 1], hi[GIT_OID_HEXSZ + 1];

	PROP_CHECK(!prop_get(doc, "_sig"), "a merge version with _sig");
	PROP_CHECK(sanshe_merge_clock_of(doc, &got) == 0 && clock_equal(&got, &want),
		   "_merge has not the later clock of its sides");
	git_oid_tostr(lo, sizeof(lo), git_oid_cmp(px, py) < 0 ? px : py);
	git_oid_tostr(hi, sizeof(hi), git_oid_cmp(px, py) < 0 ? py : px);
	PROP_CHECK(cJSON_GetArraySize(from) == 2 &&
			   !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(from, 0)), lo) &&
			   !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(from, 1)), hi),
		   "_merge.from does not name the two parents %s and %s, sorted", lo, hi);
	PROP_CHECK(!side_would_do(doc, x) && !side_would_do(doc, y),
		   "a new version where a side as it is would do");
}

/* One merge: 0, or SANSHE_ECONFLICT naming the document. */
static int merge_once(const scenario *sc, const sanshe_merge_version *x,
		      const sanshe_merge_version *y, sanshe_merge_result *res)
{
	const char *id = cJSON_GetStringValue(prop_get(x->doc ? x->doc : y->doc, "id"));
	int rc = sanshe_merge_doc(sc->ex->type, &sc->base, x, y, res);

	stats.merges++;
	PROP_CHECK(rc == 0 || rc == SANSHE_ECONFLICT, "merge failed: %s", sanshe_error_last());
	PROP_CHECK(rc == 0 || (id && strstr(sanshe_error_last(), id)),
		   "the refusal does not name document %s: %s", id ? id : "?", sanshe_error_last());
	return rc;
}

/*
 * merge(base, x, y), checked against merge(base, y, x); the result in `out`
 * (a copy).  An absent result keeps the later removal of its sides.
 */
static int merge_pair(const scenario *sc, const sanshe_merge_version *x,
		      const sanshe_merge_version *y, sanshe_merge_version *out)
{
	sanshe_merge_result r1, r2;
	int rc1 = merge_once(sc, x, y, &r1), rc2 = merge_once(sc, y, x, &r2);
	const cJSON *d1, *d2;
	char *t1, *t2;

	memset(out, 0, sizeof(*out));
	PROP_CHECK(rc1 == rc2, "merge(b, x, y) returns %d, merge(b, y, x) %d", rc1, rc2);
	if (rc1)
		return rc1;
	d1 = result_doc(&r1, x, y);
	d2 = result_doc(&r2, y, x);
	t1 = d1 ? prop_canon(d1) : NULL;
	t2 = d2 ? prop_canon(d2) : NULL;
	PROP_CHECK(t1 ? t2 && !strcmp(t1, t2) : !t2,
		   "not symmetric:\n  merge(b, x, y): %s\n  merge(b, y, x): %s", t1 ? t1 : "(none)",
		   t2 ? t2 : "(none)");
	version_set_text(out, d1 ? prop_must(cJSON_Duplicate(d1, 1)) : NULL, t1);
	if (r1.outcome == SANSHE_MERGE_NEW)
		check_new_version(sc, r1.doc, x, y);
	if (d1)
		check_clocks(sc, d1);
	else
		out->removed = !x->doc && (y->doc || ahead(x, y)) ? x->removed : y->removed;
	free(t1);
	free(t2);
	cJSON_Delete(r1.doc);
	cJSON_Delete(r2.doc);
	return 0;
}

/* Is merge(b, ours, theirs) `x` as it is (not a new version equal to it)? */
static bool merges_to(const scenario *sc, const sanshe_merge_version *ours,
		      const sanshe_merge_version *theirs, const sanshe_merge_version *x)
{
	sanshe_merge_result res;
	const sanshe_merge_version *took[] = { NULL, ours, theirs, NULL };

	if (merge_once(sc, ours, theirs, &res) != 0)
		return false;
	cJSON_Delete(res.doc);
	if (res.outcome == SANSHE_MERGE_ABSENT)
		return !x->doc;
	return took[res.outcome] && x->doc && git_oid_equal(&took[res.outcome]->blob, &x->blob);
}

/* merge(b, x, x) is x; for fields, merge(b, x, b) and merge(b, b, x) too. */
static void check_idempotent(const scenario *sc, const sanshe_merge_version *x)
{
	const sanshe_merge_version *b = &sc->base;

	PROP_CHECK(merges_to(sc, x, x, x), "merge(b, x, x) is not x");
	if (!b->doc || sc->ex->type->merge == SANSHE_MERGE_APPEND_ONLY)
		return;
	PROP_CHECK(merges_to(sc, x, b, x), "merge(b, x, b) is not x");
	PROP_CHECK(merges_to(sc, b, x, x), "merge(b, b, x) is not x");
}

/* ---- conflicts ---- */

/*
 * A merge of two versions that carry no conflicts records each one where
 * the kept value is in the result, with the clock of the side it comes
 * from and what that side has there: its value, or nothing for a removal.
 */
static void check_attribution(const cJSON *doc, const sanshe_merge_version *x,
			      const sanshe_merge_version *y)
{
	sanshe_merge_clock cx = clock_of(x), cy = clock_of(y), c;
	prop_step path[PROP_PATH_MAX];
	size_t depth = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, prop_get(doc, "_conflicts"))
	{
		const char *ptr = cJSON_GetStringValue(prop_get(e, "path"));
		const cJSON *value = prop_get(e, "value"), *there;
		const sanshe_merge_version *side;

		PROP_CHECK(ptr && prop_pointer_steps(doc, ptr, path, &depth),
			   "conflict path '%s' does not lead through the result", ptr ? ptr : "?");
		PROP_CHECK(clock_in(e, &c) && (clock_equal(&c, &cx) || clock_equal(&c, &cy)),
			   "conflict at '%s' has the clock of neither side", ptr);
		side = clock_equal(&c, &cx) ? x : y;
		there = prop_resolve(side->doc, path, depth);
		PROP_CHECK(value ? sanshe_json_equal(there, value) : !there,
			   "conflict at '%s' is not what the side of its clock has there", ptr);
	}
}

/* ---- the order of merges ---- */

/* The results that must agree, whatever the order of merges that made them. */
typedef struct agreement {
	char *text[MAX_ORDERS + MAX_PAIRS];
	char *values[MAX_ORDERS + MAX_PAIRS]; /* the record alone: no _merge, no _conflicts */
	char label[MAX_ORDERS + MAX_PAIRS][40];
	int n;
} agreement;

/* Add a result (rc: the merge's return), as far as it must agree: all but _merge.from. */
static void agree_add(agreement *ag, const sanshe_merge_version *v, int rc, const char *label)
{
	cJSON *copy;

	assert_true(ag->n < (int)SANSHE_ARRAY_SIZE(ag->text));
	snprintf(ag->label[ag->n], sizeof(ag->label[0]), "%s", label);
	if (rc || !v->doc) {
		ag->values[ag->n] = strdup(rc ? "(refused)" : "(none)");
		ag->text[ag->n++] = strdup(rc ? "(refused)" : "(none)");
		return;
	}
	copy = prop_must(cJSON_Duplicate(v->doc, 1));
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(copy, "_merge"),
						"from");
	ag->text[ag->n] = prop_canon(copy);
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "_merge");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "_conflicts");
	ag->values[ag->n++] = prop_canon(copy);
	cJSON_Delete(copy);
}

static void agree_check(agreement *ag)
{
	int k = 1;

	prop_doing("comparing the records of every order of merges");
	while (k < ag->n && !strcmp(ag->values[0], ag->values[k]))
		k++;
	PROP_KNOWN(k == ag->n, "the order of merges changes the record:\n  %s: %s\n  %s: %s",
		   ag->label[0], ag->values[0], ag->label[k % ag->n], ag->values[k % ag->n]);
	stats.records_agreeing += k == ag->n && ag->n > 2;
	prop_doing("comparing the results of every order of merges");
	k = 1;
	while (k < ag->n && !strcmp(ag->text[0], ag->text[k]))
		k++;
	PROP_KNOWN(k == ag->n, "the order of merges matters:\n  %s: %s\n  %s: %s", ag->label[0],
		   ag->text[0], ag->label[k % ag->n], ag->text[k % ag->n]);
	stats.agreeing += k == ag->n && ag->n > 2;
	for (k = 0; k < ag->n; k++) {
		free(ag->text[k]);
		free(ag->values[k]);
	}
	ag->n = 0;
}

/*
 * The orders of 0 .. n-1 that begin with the smaller of their first two
 * (the others give the same bytes: every merge is checked symmetric), in
 * `out`; how many.
 */
static int orders_of(int n, int out[][MAX_REPLICAS])
{
	int count = 0;

	for (unsigned code = 0; code < 1u << 2 * n; code++) { /* n digits of 2 bits */
		int order[MAX_REPLICAS];
		unsigned seen = 0;

		for (int i = 0; i < n; i++) {
			order[i] = (int)(code >> 2 * i & 3);
			seen |= 1u << order[i];
		}
		if (seen == (1u << n) - 1 && order[0] < order[1])
			memcpy(out[count++], order, sizeof(order));
	}
	return count;
}

/* Fold the replicas in `order` into `out`: 0, or the refusal that stopped it. */
static int fold(const scenario *sc, const int *order, sanshe_merge_version *out)
{
	sanshe_merge_version next;
	int rc = 0;

	version_copy(out, &sc->rep[order[0]]);
	for (int i = 1; i < sc->n && !rc; i++) {
		if ((rc = merge_pair(sc, out, &sc->rep[order[i]], &next)) == 0) {
			version_free(out);
			*out = next;
		}
	}
	return rc;
}

/* Fold the replicas in every order: each a good merge of them all, all alike. */
static void check_folds(const scenario *sc, agreement *ag)
{
	int orders[MAX_ORDERS][MAX_REPLICAS], count = orders_of(sc->n, orders);
	char label[40];
	sanshe_merge_version f;

	for (int k = 0; k < count; k++) {
		int rc, len = snprintf(label, sizeof(label), "fold");

		for (int i = 0; i < sc->n; i++)
			len += snprintf(label + len, sizeof(label) - (size_t)len, " %d", orders[k][i]);
		prop_doing("%s", label);
		rc = fold(sc, orders[k], &f);
		if (!rc && sc->ex->type->merge != SANSHE_MERGE_APPEND_ONLY)
			prop_check_merged(&sc->w, f.doc, (1u << sc->n) - 1);
		if (!rc && k == 0)
			check_idempotent(sc, &f);
		agree_add(ag, &f, rc, label);
		version_free(&f);
	}
	agree_check(ag);
}

/* ---- fields ---- */

/* A replica of a fields document: removed, as the base, or edited. */
static void fields_replica(scenario *sc, int i)
{
	const cJSON *b = sc->base.doc;

	if (prop_chance(&sc->r, 10)) { /* removed; with no base: never written */
		memset(&sc->rep[i], 0, sizeof(sc->rep[i]));
		if (b)
			sc->rep[i].removed = new_clock(sc);
	} else if (b && prop_chance(&sc->r, 10)) {
		version_copy(&sc->rep[i], &sc->base);
	} else {
		edited_version(sc, &sc->rep[i], b ? b : sc->ex->doc);
		/* edits that undo each other leave the base: signing it again is no edit */
		if (b && prop_same_record(sc->rep[i].doc, b)) {
			version_free(&sc->rep[i]);
			version_copy(&sc->rep[i], &sc->base);
		}
	}
	prop_diff(&sc->w, i, b, sc->rep[i].doc);
}

/* Every pair of replicas, merged; the merges in `pm`, the replicas of each in `mask`. */
static int check_pairs(const scenario *sc, sanshe_merge_version *pm, unsigned *mask)
{
	int np = 0;

	for (int i = 0; i < sc->n; i++) {
		prop_doing("merging replica %d with itself and the base", i);
		check_idempotent(sc, &sc->rep[i]);
		for (int j = i + 1; j < sc->n; j++, np++) {
			prop_doing("merging replicas %d and %d", i, j);
			PROP_CHECK(merge_pair(sc, &sc->rep[i], &sc->rep[j], &pm[np]) == 0, "refused");
			mask[np] = 1u << i | 1u << j;
			prop_check_merged(&sc->w, pm[np].doc, mask[np]);
			check_attribution(pm[np].doc, &sc->rep[i], &sc->rep[j]);
			prop_check_edit_wins(&sc->w, pm[np].doc, i, j);
			prop_check_edit_wins(&sc->w, pm[np].doc, j, i);
		}
	}
	return np;
}

/*
 * Merges of the pair merges with each other.  Two that share a replica
 * both made its changes; two of disjoint pairs of four replicas are one
 * more order of merging them all, and agree with the folds.
 */
static void check_pair_merges(const scenario *sc, const sanshe_merge_version *pm,
			      const unsigned *mask, int np, agreement *ag)
{
	sanshe_merge_version m;
	char label[40];

	for (int p = 0; p < np; p++) {
		for (int q = p + 1; q < np; q++) {
			sanshe_merge_clock cp = clock_of(&pm[p]), cq = clock_of(&pm[q]);

			stats.ties += pm[p].doc && pm[q].doc && clock_equal(&cp, &cq);
			snprintf(label, sizeof(label), "merge of merges 0x%x and 0x%x", mask[p],
				 mask[q]);
			prop_doing("%s", label);
			PROP_CHECK(merge_pair(sc, &pm[p], &pm[q], &m) == 0, "refused");
			check_idempotent(sc, &m);
			prop_check_merged(&sc->w, m.doc, mask[p] | mask[q]);
			if (sc->n == 4 && !(mask[p] & mask[q]))
				agree_add(ag, &m, 0, label);
			version_free(&m);
		}
	}
}

static void fields_scenario(scenario *sc)
{
	sanshe_merge_version pm[MAX_PAIRS];
	unsigned mask[MAX_PAIRS];
	agreement ag = { .n = 0 };
	int np;

	stats.fields++;
	for (int i = 0; i < sc->n; i++)
		fields_replica(sc, i);
	np = check_pairs(sc, pm, mask);
	check_pair_merges(sc, pm, mask, np, &ag);
	for (int p = 0; p < np; p++)
		version_free(&pm[p]);
	check_folds(sc, &ag);
}

/* ---- append-only ---- */

/*
 * What merging the present versions of `set` (n of them) must give: NULL
 * for a refusal (two contents), else the first signature of the one
 * content there is (`*none`: there is no version at all).
 */
static const sanshe_merge_version *append_expected(const sanshe_merge_version *const *set, int n,
						   bool *none)
{
	const sanshe_merge_version *first = NULL;

	*none = true;
	for (int i = 0; i < n; i++) {
		if (!set[i]->doc)
			continue;
		if (first && !prop_same_record(first->doc, set[i]->doc))
			return NULL;
		if (!first || ahead(first, set[i]))
			first = set[i];
		*none = false;
	}
	return first;
}

/* A merge of append-only versions: refused, nothing, or the expected version as it is. */
static void check_append(const sanshe_merge_version *const *set, int n,
			 const sanshe_merge_version *got, int rc)
{
	bool none;
	const sanshe_merge_version *want = append_expected(set, n, &none);

	if (!want && !none) {
		PROP_CHECK(rc == SANSHE_ECONFLICT, "two contents of a written-once document merge");
		stats.append_refused++;
	} else {
		PROP_CHECK(rc == 0, "refused: %s", sanshe_error_last());
		PROP_CHECK(none ? !got->doc : got->doc && git_oid_equal(&got->blob, &want->blob),
			   "not the first signature of the one content there is");
	}
}

/* `src` signed again, with a new clock. */
static void resigned(scenario *sc, sanshe_merge_version *dst, const sanshe_merge_version *src)
{
	sanshe_merge_clock c = new_clock(sc);
	cJSON *doc = prop_must(cJSON_Duplicate(src->doc, 1));

	sign(doc, &c);
	version_set(dst, doc);
}

/*
 * Append-only replicas are never edited: each keeps the base, has none,
 * or writes the same id with content of its own, drawn from two contents
 * each signed twice; most scenarios have one content only.
 */
static void append_replicas(scenario *sc)
{
	sanshe_merge_version pool[4];
	unsigned versions = prop_chance(&sc->r, 65) ? 2 : 4;

	if (sc->base.doc)
		version_copy(&pool[0], &sc->base);
	else
		edited_version(sc, &pool[0], sc->ex->doc);
	resigned(sc, &pool[1], &pool[0]);
	edited_version(sc, &pool[2], pool[0].doc);
	resigned(sc, &pool[3], &pool[2]);
	for (int i = 0; i < sc->n; i++) {
		if (prop_chance(&sc->r, 10)) {
			memset(&sc->rep[i], 0, sizeof(sc->rep[i]));
			if (sc->base.doc)
				sc->rep[i].removed = new_clock(sc);
		} else {
			version_copy(&sc->rep[i], &pool[prop_below(&sc->r, versions)]);
		}
	}
	for (int i = 0; i < 4; i++)
		version_free(&pool[i]);
}

static void append_scenario(scenario *sc)
{
	const sanshe_merge_version *all[MAX_REPLICAS];
	sanshe_merge_version m;
	agreement ag = { .n = 0 };

	stats.append_only++;
	append_replicas(sc);
	for (int i = 0; i < sc->n; i++) {
		all[i] = &sc->rep[i];
		prop_doing("merging replica %d with itself", i);
		check_idempotent(sc, &sc->rep[i]);
		for (int j = i + 1; j < sc->n; j++) {
			const sanshe_merge_version *two[2] = { &sc->rep[i], &sc->rep[j] };

			prop_doing("merging replicas %d and %d", i, j);
			check_append(two, 2, &m, merge_pair(sc, two[0], two[1], &m));
			version_free(&m);
		}
	}
	check_folds(sc, &ag);
	prop_doing("folding in order 0 1 ...");
	check_append(all, sc->n, &m, fold(sc, (int[]){ 0, 1, 2, 3 }, &m));
	version_free(&m);
}

/* ---- the test ---- */

static void scenario_run(unsigned long number)
{
	scenario sc;

	memset(&sc, 0, sizeof(sc));
	sc.r = prop_rng_for(number);
	current = &sc;
	sc.ex = &examples[prop_below(&sc.r, SANSHE_ARRAY_SIZE(examples))];
	sc.n = 2 + (int)prop_below(&sc.r, MAX_REPLICAS - 1);
	if (prop_chance(&sc.r, 80)) {
		cJSON *doc = prop_must(cJSON_Duplicate(sc.ex->doc, 1));

		assert_int_equal(sanshe_hlc_parse(&sc.clocks[0].at, BASE_AT), 0);
		strcpy(sc.clocks[0].key, keys[0]);
		sc.nclocks = 1;
		sign(doc, &sc.clocks[0]);
		version_set(&sc.base, doc);
	} else {
		stats.no_base++;
	}
	if (sc.ex->type->merge == SANSHE_MERGE_APPEND_ONLY)
		append_scenario(&sc);
	else
		fields_scenario(&sc);
	for (int i = 0; i < sc.n; i++)
		version_free(&sc.rep[i]);
	version_free(&sc.base);
	prop_writes_free(&sc.w);
}

static void test_merge_prop_documents(void **state)
{
	(void)state;
	prop_each(scenario_run);
	printf("# seed 0x%016" PRIx64 ": %lu fields and %lu append-only scenarios "
	       "(%lu without a base), %lu merges\n",
	       prop.seed, stats.fields, stats.append_only, stats.no_base, stats.merges);
	printf("# %lu scenarios of three or four replicas merged alike in every order "
	       "(%lu the same record, conflicts aside); %lu merges of two versions with one clock\n",
	       stats.agreeing, stats.records_agreeing, stats.ties);
	printf("# append-only: %lu refusals of two contents\n", stats.append_refused);
	prop_known_report();
}

static int setup(void **state)
{
	(void)state;
	prop_init(DEFAULT_RUNS);
	prop.dump = dump_scenario;
	assert_int_equal(sanshe_registry_init(), 0);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(examples); i++) {
		examples[i].type = sanshe_registry_find(examples[i].name);
		examples[i].doc = prop_example(examples[i].name);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(examples); i++)
		cJSON_Delete(examples[i].doc);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_prop_documents),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

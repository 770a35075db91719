/*
 * The merge of one document's versions: each rule of sync/merge.h on small
 * hand-made versions, both ways round (the merge must be symmetric).
 */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "canon.h"
#include "json.h"
#include "merge.h"
#include "registry.h"

#define K1 "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define K2 "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA"

/* A version from JSON text; `clock` "at|key" becomes its _sig (sig not checked here). */
static void version(sanshe_merge_version *v, const char *json, const char *at, const char *key)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *doc = NULL;

	memset(v, 0, sizeof(*v));
	if (!json)
		return;
	assert_int_equal(sanshe_json_parse(&doc, json, strlen(json), "test", NULL), 0);
	if (at) {
		cJSON *sig = cJSON_AddObjectToObject(doc, "_sig");

		cJSON_AddStringToObject(sig, "at", at);
		cJSON_AddStringToObject(sig, "key", key);
		cJSON_AddStringToObject(sig, "sig", "x");
	}
	assert_int_equal(sanshe_canon_write(&text, doc), 0);
	assert_int_equal(git_odb_hash(&v->blob, text.ptr, text.size, GIT_OBJECT_BLOB), 0);
	v->doc = doc;
	sanshe_buf_dispose(&text);
}

static void removed(sanshe_merge_version *v, const char *at, const char *key)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(sanshe_hlc_parse(&v->removed.at, at), 0);
	strcpy(v->removed.key, key);
}

static void drop(sanshe_merge_version *v)
{
	cJSON_Delete((cJSON *)v->doc);
	v->doc = NULL;
}

static char *canon(const cJSON *doc)
{
	sanshe_buf text = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_canon_write(&text, doc), 0);
	return sanshe_buf_detach(&text);
}

/* Merge both ways; they must agree; return the result's canonical text (NULL: absent). */
static char *merge2(const char *type, sanshe_merge_version *b, sanshe_merge_version *o,
		    sanshe_merge_version *t, sanshe_merge_outcome *outcome)
{
	const sanshe_type *ty;
	sanshe_merge_result r1, r2;
	const cJSON *d1, *d2;
	char *s1, *s2;

	assert_int_equal(sanshe_registry_init(), 0);
	assert_non_null(ty = sanshe_registry_find(type));
	assert_int_equal(sanshe_merge_doc(ty, b, o, t, &r1), 0);
	assert_int_equal(sanshe_merge_doc(ty, b, t, o, &r2), 0);
	*outcome = r1.outcome;
	d1 = r1.outcome == SANSHE_MERGE_NEW ? r1.doc : r1.outcome == SANSHE_MERGE_OURS ? o->doc
					       : r1.outcome == SANSHE_MERGE_THEIRS ? t->doc : NULL;
	d2 = r2.outcome == SANSHE_MERGE_NEW ? r2.doc : r2.outcome == SANSHE_MERGE_OURS ? t->doc
					       : r2.outcome == SANSHE_MERGE_THEIRS ? o->doc : NULL;
	assert_int_equal(!d1, !d2);
	if (!d1)
		return NULL;
	s1 = canon(d1);
	s2 = canon(d2);
	assert_string_equal(s1, s2);
	free(s2);
	cJSON_Delete(r1.doc);
	cJSON_Delete(r2.doc);
	return s1;
}

#define T1 "2026-11-01T08:00:00.000Z/0000"
#define T2 "2026-11-02T08:00:00.000Z/0000"
#define T3 "2026-11-03T08:00:00.000Z/0000"

static void different_fields_both_apply(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\",\"addr\":\"A\"}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"high\",\"addr\":\"A\"}", T2, K1);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\",\"addr\":\"B\"}", T3, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_int_equal(out, SANSHE_MERGE_NEW);
	assert_non_null(strstr(r, "\"risk\":\"high\""));
	assert_non_null(strstr(r, "\"addr\":\"B\""));
	assert_null(strstr(r, "_conflicts"));
	assert_null(strstr(r, "_sig"));
	/* the document's clock is T3; risk was written at T2, and says so */
	assert_non_null(strstr(r, "\"_merge\":{\"at\":\"" T3 "\",\"fields\":{\"/risk\":{\"at\":\"" T2
				  "\",\"key\":\"" K1 "\"}},\"from\":["));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void same_field_later_wins_other_kept(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\"}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"high\"}", T3, K1);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"medium\"}", T2, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_int_equal(out, SANSHE_MERGE_NEW);
	assert_non_null(strstr(r, "\"risk\":\"high\""));
	assert_non_null(strstr(r, "\"_conflicts\":[{\"at\":\"" T2 "\",\"key\":\"" K2
				  "\",\"path\":\"/risk\",\"value\":\"medium\"}]"));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void one_side_unchanged_takes_other(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\"}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\"}", T1, K1);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"high\"}", T2, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_int_equal(out, SANSHE_MERGE_THEIRS);
	free(r);
	/* idempotent: merge(b, x, x) is x */
	r = merge2("case", &b, &t, &t, &out);
	assert_int_equal(out, SANSHE_MERGE_OURS);
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void edit_beats_removal(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\"}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"high\"}", T2, K1);
	removed(&t, T3, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_int_equal(out, SANSHE_MERGE_NEW);
	assert_non_null(strstr(r, "\"risk\":\"high\""));
	assert_non_null(strstr(r, "{\"at\":\"" T3 "\",\"key\":\"" K2 "\",\"path\":\"\"}"));
	free(r);
	/* a removal against no change: removed */
	drop(&o);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"risk\":\"low\"}", T1, K1);
	r = merge2("case", &b, &o, &t, &out);
	assert_null(r);
	assert_int_equal(out, SANSHE_MERGE_ABSENT);
	drop(&b), drop(&o);
}

static void member_removed_against_edit(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"phone\":\"1\",\"x\":1}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"x\":1}", T3, K1);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"phone\":\"2\",\"x\":1}", T2, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_non_null(strstr(r, "\"phone\":\"2\""));
	assert_non_null(strstr(r, "{\"at\":\"" T3 "\",\"key\":\"" K1 "\",\"path\":\"/phone\"}"));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void keyed_arrays_merge_as_sets(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":1}]}",
		T1, K1);
	/* ours adds c and removes b; theirs adds d and edits a */
	version(&o, "{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"a\",\"n\":1},{\"id\":\"c\",\"n\":1}]}",
		T2, K1);
	version(&t,
		"{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"a\",\"n\":2},{\"id\":\"b\",\"n\":1},"
		"{\"id\":\"d\",\"n\":1}]}",
		T3, K2);
	r = merge2("roster", &b, &o, &t, &out);
	/* both sides changed the list: by id, whichever side merges */
	assert_non_null(strstr(r, "\"v\":[{\"id\":\"a\",\"n\":2},{\"id\":\"c\",\"n\":1},{\"id\":\"d\",\"n\":1}]"));
	assert_null(strstr(r, "_conflicts"));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void plain_arrays_are_values(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"tags\":[1]}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"tags\":[1,2]}", T2, K1);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"tags\":[1,3]}", T3, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_non_null(strstr(r, "\"tags\":[1,3]"));
	assert_non_null(strstr(r, "\"path\":\"/tags\",\"value\":[1,2]"));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void conflicts_stay_until_resolved(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	char *r;
	(void)state;

	/* base has a conflict; ours resolved it (removed the entry); theirs edited another field */
	version(&b,
		"{\"type\":\"case\",\"id\":\"c1\",\"a\":1,\"b\":1,\"_conflicts\":[{\"at\":\"" T1
		"\",\"key\":\"" K2 "\",\"path\":\"/a\",\"value\":0}]}",
		T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"a\":1,\"b\":1}", T2, K1);
	version(&t,
		"{\"type\":\"case\",\"id\":\"c1\",\"a\":1,\"b\":2,\"_conflicts\":[{\"at\":\"" T1
		"\",\"key\":\"" K2 "\",\"path\":\"/a\",\"value\":0}]}",
		T3, K2);
	r = merge2("case", &b, &o, &t, &out);
	assert_non_null(strstr(r, "\"b\":2"));
	assert_null(strstr(r, "_conflicts")); /* the resolution holds */
	free(r);
	drop(&o);
	/* ours did not resolve it but edited b the same way: still there */
	version(&o,
		"{\"type\":\"case\",\"id\":\"c1\",\"a\":5,\"b\":1,\"_conflicts\":[{\"at\":\"" T1
		"\",\"key\":\"" K2 "\",\"path\":\"/a\",\"value\":0}]}",
		T2, K1);
	r = merge2("case", &b, &o, &t, &out);
	assert_non_null(strstr(r, "\"path\":\"/a\",\"value\":0"));
	assert_non_null(strstr(r, "\"a\":5"));
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void append_only_two_versions_refused(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_result r;
	(void)state;

	assert_int_equal(sanshe_registry_init(), 0);
	version(&b, NULL, NULL, NULL);
	version(&o, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"a\"}", T2, K1);
	version(&t, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"b\"}", T3, K2);
	assert_int_equal(sanshe_merge_doc(sanshe_registry_find("case-note"), &b, &o, &t, &r),
			 SANSHE_ECONFLICT);
	assert_non_null(strstr(sanshe_error_last(), "n1"));
	/* a removal never wins for append-only */
	drop(&t);
	version(&b, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"a\"}", T2, K1);
	removed(&t, T3, K2);
	assert_int_equal(sanshe_merge_doc(sanshe_registry_find("case-note"), &b, &b, &t, &r), 0);
	assert_int_equal(r.outcome, SANSHE_MERGE_OURS);
	drop(&b), drop(&o);
}

static void no_clock_refused(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_result r;
	(void)state;

	assert_int_equal(sanshe_registry_init(), 0);
	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"a\":0}", T1, K1);
	version(&o, "{\"type\":\"case\",\"id\":\"c1\",\"a\":1}", NULL, NULL);
	version(&t, "{\"type\":\"case\",\"id\":\"c1\",\"a\":2}", T3, K2);
	assert_int_equal(sanshe_merge_doc(sanshe_registry_find("case"), &b, &o, &t, &r),
			 SANSHE_EINVALID);
	drop(&b), drop(&o), drop(&t);
}

#define T4 "2026-11-04T08:00:00.000Z/0000"

/* The version `text` (a merge result, canonical) stands for. */
static void from_text(sanshe_merge_version *v, const char *text)
{
	version(v, text, NULL, NULL);
}

/*
 * merge(b, merge(b, p, q), r): the canonical text without _merge/from,
 * which names the versions merged and so tells the order apart.
 */
static char *fold(const char *type, sanshe_merge_version *b, sanshe_merge_version *p,
		  sanshe_merge_version *q, sanshe_merge_version *r)
{
	sanshe_merge_version m;
	sanshe_merge_outcome out;
	char *first = merge2(type, b, p, q, &out), *last;

	from_text(&m, first);
	last = merge2(type, b, &m, r, &out);
	free(first);
	drop(&m);
	from_text(&m, last);
	cJSON_DeleteItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive((cJSON *)m.doc, "_merge"), "from");
	free(last);
	last = canon(m.doc);
	drop(&m);
	return last;
}

/*
 * Three offices edit one record; however their versions meet, the result
 * is the same: each value is judged by the clock of the version that
 * wrote it, not by the latest clock of the document that carries it.
 */
static void any_order_same_result(void **state)
{
	sanshe_merge_version b, r1, r2, r3;
	char *x, *y, *z;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"p\":0,\"q\":0}", T1, K1);
	version(&r1, "{\"type\":\"case\",\"id\":\"c1\",\"p\":1,\"q\":0}", T2, K1);
	version(&r2, "{\"type\":\"case\",\"id\":\"c1\",\"p\":0,\"q\":1}", T4, K2);
	version(&r3, "{\"type\":\"case\",\"id\":\"c1\",\"p\":3,\"q\":0}", T3, K2);
	x = fold("case", &b, &r1, &r2, &r3);
	y = fold("case", &b, &r2, &r3, &r1);
	z = fold("case", &b, &r1, &r3, &r2);
	assert_string_equal(x, y);
	assert_string_equal(x, z);
	assert_non_null(strstr(x, "\"p\":3"));	/* written at T3, after p=1 at T2 */
	assert_non_null(strstr(x, "\"q\":1"));
	assert_non_null(strstr(x, "\"path\":\"/p\",\"value\":1"));
	free(x), free(y), free(z);
	drop(&b), drop(&r1), drop(&r2), drop(&r3);
}

/* One value written twice, and a later other one: one entry, with the later writer. */
static void same_value_recorded_once(void **state)
{
	sanshe_merge_version b, r1, r3, r4;
	char *x, *y;
	(void)state;

	version(&b, "{\"type\":\"case\",\"id\":\"c1\",\"p\":0}", T1, K1);
	version(&r1, "{\"type\":\"case\",\"id\":\"c1\",\"p\":1}", T2, K1);
	version(&r3, "{\"type\":\"case\",\"id\":\"c1\",\"p\":1}", T3, K2);
	version(&r4, "{\"type\":\"case\",\"id\":\"c1\",\"p\":4}", T4, K1);
	x = fold("case", &b, &r1, &r4, &r3);
	y = fold("case", &b, &r1, &r3, &r4);
	assert_string_equal(x, y);
	assert_non_null(strstr(x, "\"_conflicts\":[{\"at\":\"" T3 "\",\"key\":\"" K2
				  "\",\"path\":\"/p\",\"value\":1}]"));
	free(x), free(y);
	drop(&b), drop(&r1), drop(&r3), drop(&r4);
}

/* A conflict inside a list of records names the record by id, not by its place. */
static void conflict_path_names_record(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_outcome out;
	cJSON *doc;
	char *r;
	(void)state;

	version(&b, "{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":1}]}",
		T1, K1);
	version(&o, "{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"a\",\"n\":1},{\"id\":\"b\",\"n\":2}]}",
		T2, K1);
	version(&t, "{\"type\":\"roster\",\"id\":\"r\",\"v\":[{\"id\":\"b\",\"n\":3}]}", T3, K2);
	r = merge2("roster", &b, &o, &t, &out);
	assert_non_null(strstr(r, "\"path\":\"/v/b/n\",\"value\":2"));
	assert_int_equal(sanshe_json_parse(&doc, r, strlen(r), "test", NULL), 0);
	assert_int_equal(sanshe_json_pointer_get(doc, "/v/b/n")->valueint, 3);
	cJSON_Delete(doc);
	free(r);
	drop(&b), drop(&o), drop(&t);
}

static void append_only_change_refused(void **state)
{
	sanshe_merge_version b, o, t;
	sanshe_merge_result r;
	const sanshe_type *note;
	(void)state;

	assert_int_equal(sanshe_registry_init(), 0);
	note = sanshe_registry_find("case-note");
	/* one side changed what was written once: refused, however unchanged the other is */
	version(&b, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"a\"}", T2, K1);
	version(&t, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"b\"}", T3, K2);
	assert_int_equal(sanshe_merge_doc(note, &b, &b, &t, &r), SANSHE_ECONFLICT);
	assert_int_equal(sanshe_merge_doc(note, &b, &t, &b, &r), SANSHE_ECONFLICT);
	drop(&t);
	/* the same record signed twice: the first signature stays, both ways */
	version(&o, NULL, NULL, NULL);
	version(&t, "{\"type\":\"case-note\",\"id\":\"n1\",\"text\":\"a\"}", T3, K2);
	assert_int_equal(sanshe_merge_doc(note, &o, &b, &t, &r), 0);
	assert_int_equal(r.outcome, SANSHE_MERGE_OURS);
	assert_int_equal(sanshe_merge_doc(note, &o, &t, &b, &r), 0);
	assert_int_equal(r.outcome, SANSHE_MERGE_THEIRS);
	drop(&b), drop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(different_fields_both_apply),
	    cmocka_unit_test(same_field_later_wins_other_kept),
	    cmocka_unit_test(one_side_unchanged_takes_other),
	    cmocka_unit_test(edit_beats_removal),
	    cmocka_unit_test(member_removed_against_edit),
	    cmocka_unit_test(keyed_arrays_merge_as_sets),
	    cmocka_unit_test(plain_arrays_are_values),
	    cmocka_unit_test(conflicts_stay_until_resolved),
	    cmocka_unit_test(append_only_two_versions_refused),
	    cmocka_unit_test(no_clock_refused),
	    cmocka_unit_test(any_order_same_result),
	    cmocka_unit_test(same_value_recorded_once),
	    cmocka_unit_test(conflict_path_names_record),
	    cmocka_unit_test(append_only_change_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

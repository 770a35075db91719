/*
 * Unit tests for the JSON helpers of core/json_util.c: code point counts,
 * RFC 6901 pointers (escapes, following, setting, removing) and JSON value
 * equality.
 */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static cJSON *parse(const char *text)
{
	cJSON *v = cJSON_ParseWithOpts(text, NULL, 1);

	assert_non_null(v);
	return v;
}

static int equal_text(const char *a, const char *b)
{
	cJSON *x = parse(a), *y = parse(b);
	int eq = sanshe_json_equal(x, y);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return eq;
}

static void test_utf8_length_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(sanshe_utf8_length(""), 0);
	assert_int_equal(sanshe_utf8_length("abc"), 3);
	assert_int_equal(sanshe_utf8_length("\xcf\x80"), 1); /* π */
	assert_int_equal(sanshe_utf8_length("\xe4\xb8\x89\xe7\xa4\xbe"),
			 2); /* 三社 */
	assert_int_equal(sanshe_utf8_length("\xf0\x9f\x92\xa9x"),
			 2); /* U+1F4A9 x */
}

static void test_json_pointer_push_escapes_tilde_and_slash(void **state)
{
	sanshe_buf p = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(sanshe_json_pointer_push(&p, "client"), 0);
	assert_int_equal(sanshe_json_pointer_push(&p, "a/b~c"), 0);
	assert_int_equal(sanshe_json_pointer_push(&p, ""), 0);
	assert_int_equal(sanshe_json_pointer_push(&p, "~/"), 0);
	assert_string_equal(p.ptr, "/client/a~1b~0c//~0~1");
	sanshe_buf_dispose(&p);
}

static void test_json_pointer_push_index_appends_decimal(void **state)
{
	sanshe_buf p = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(sanshe_json_pointer_push(&p, "notes"), 0);
	assert_int_equal(sanshe_json_pointer_push_index(&p, 0), 0);
	assert_int_equal(sanshe_json_pointer_push_index(&p, 12), 0);
	assert_string_equal(p.ptr, "/notes/0/12");
	sanshe_buf_dispose(&p);
}

/* Is `v` equal, as JSON, to the value written `text`? */
static int json_is(const cJSON *v, const char *text)
{
	cJSON *want = parse(text);
	int eq = sanshe_json_equal(v, want);

	cJSON_Delete(want);
	return eq;
}

static const char pointer_doc[] =
	"{\"client\":{\"name\":\"Ma\",\"a/b\":1,\"m~n\":2,\"\":3},"
	"\"visits\":[{\"id\":\"v1\"},{\"id\":\"v2\"}]}";

static void test_json_pointer_get_follows_members_and_elements(void **state)
{
	cJSON *doc = parse(pointer_doc);

	(void)state;
	assert_ptr_equal(sanshe_json_pointer_get(doc, ""), doc);
	assert_string_equal(sanshe_json_pointer_get(doc, "/client/name")->valuestring, "Ma");
	assert_int_equal(sanshe_json_pointer_get(doc, "/client/a~1b")->valueint, 1);
	assert_int_equal(sanshe_json_pointer_get(doc, "/client/m~0n")->valueint, 2);
	assert_int_equal(sanshe_json_pointer_get(doc, "/client/")->valueint, 3);
	assert_string_equal(sanshe_json_pointer_get(doc, "/visits/1/id")->valuestring, "v2");
	cJSON_Delete(doc);
}

static void test_json_pointer_get_names_nothing_for_bad_or_missing_paths(void **state)
{
	cJSON *doc = parse(pointer_doc);

	(void)state;
	assert_null(sanshe_json_pointer_get(doc, "client"));
	assert_null(sanshe_json_pointer_get(doc, "/nobody"));
	assert_null(sanshe_json_pointer_get(doc, "/client/name/x"));
	assert_null(sanshe_json_pointer_get(doc, "/visits/2"));
	assert_null(sanshe_json_pointer_get(doc, "/visits/-"));
	assert_null(sanshe_json_pointer_get(doc, "/visits/01"));
	assert_null(sanshe_json_pointer_get(doc, "/visits/99999999999999999999999"));
	assert_null(sanshe_json_pointer_get(doc, "/client/m~2n"));
	assert_null(sanshe_json_pointer_get(doc, "/client/m~"));
	cJSON_Delete(doc);
}

static void test_json_pointer_set_replaces_or_adds(void **state)
{
	cJSON *doc = parse(pointer_doc);

	(void)state;
	assert_int_equal(sanshe_json_pointer_set(doc, "/client/name", cJSON_CreateString("Li")), 0);
	assert_int_equal(sanshe_json_pointer_set(doc, "/client/phone", cJSON_CreateNumber(5)), 0);
	assert_int_equal(sanshe_json_pointer_set(doc, "/visits/0", cJSON_CreateNull()), 0);
	assert_true(json_is(doc,
		"{\"client\":{\"name\":\"Li\",\"a/b\":1,\"m~n\":2,\"\":3,\"phone\":5},"
		"\"visits\":[null,{\"id\":\"v2\"}]}"));
	cJSON_Delete(doc);
}

static void test_json_pointer_set_refuses_what_has_no_holder(void **state)
{
	cJSON *doc = parse(pointer_doc), *before = parse(pointer_doc);

	(void)state;
	assert_int_equal(sanshe_json_pointer_set(doc, "/nobody/name", cJSON_CreateTrue()),
			 SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "'/nobody/name'"));
	assert_int_equal(sanshe_json_pointer_set(doc, "/visits/2", cJSON_CreateTrue()),
			 SANSHE_ENOTFOUND);
	assert_int_equal(sanshe_json_pointer_set(doc, "/client/name/x", cJSON_CreateTrue()),
			 SANSHE_ENOTFOUND);
	assert_int_equal(sanshe_json_pointer_set(doc, "", cJSON_CreateTrue()), SANSHE_EINVALID);
	assert_int_equal(sanshe_json_pointer_set(doc, "name", cJSON_CreateTrue()), SANSHE_EINVALID);
	assert_true(sanshe_json_equal(doc, before));
	cJSON_Delete(doc);
	cJSON_Delete(before);
}

static void test_json_pointer_remove_takes_members_and_elements_out(void **state)
{
	cJSON *doc = parse(pointer_doc);

	(void)state;
	assert_int_equal(sanshe_json_pointer_remove(doc, "/client/a~1b"), 0);
	assert_int_equal(sanshe_json_pointer_remove(doc, "/visits/0"), 0);
	assert_int_equal(sanshe_json_pointer_remove(doc, "/visits/1"), SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "'/visits/1'"));
	assert_int_equal(sanshe_json_pointer_remove(doc, ""), SANSHE_EINVALID);
	assert_true(json_is(doc,
		"{\"client\":{\"name\":\"Ma\",\"m~n\":2,\"\":3},\"visits\":[{\"id\":\"v2\"}]}"));
	cJSON_Delete(doc);
}

static void test_json_equal_compares_numbers_by_value(void **state)
{
	(void)state;
	assert_true(equal_text("1", "1.0"));
	assert_true(equal_text("-0", "0"));
	assert_true(equal_text("1e2", "100"));
	assert_false(equal_text("1", "1.5"));
	assert_false(equal_text("1", "true"));
	assert_false(equal_text("0", "false"));
	assert_false(equal_text("null", "false"));
}

static void test_json_equal_ignores_member_order(void **state)
{
	(void)state;
	assert_true(equal_text("{\"a\":1,\"b\":[1,{\"c\":null}]}",
			       "{\"b\":[1.0,{\"c\":null}],\"a\":1}"));
	assert_false(equal_text("{\"a\":1}", "{\"a\":1,\"b\":2}"));
	assert_false(equal_text("{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":2}"));
	assert_true(equal_text("{}", "{}"));
}

static void test_json_equal_keeps_array_order(void **state)
{
	(void)state;
	assert_true(equal_text("[1,\"x\",[]]", "[1,\"x\",[]]"));
	assert_false(equal_text("[1,2]", "[2,1]"));
	assert_false(equal_text("[1]", "[1,1]"));
	assert_false(equal_text("[]", "{}"));
	assert_false(equal_text("\"a\"", "\"b\""));
}

static void test_json_equal_refuses_repeated_keys_trick(void **state)
{
	(void)state;
	/* cJSON keeps both members of a repeated key. */
	assert_false(equal_text("{\"a\":1,\"a\":1}", "{\"a\":1,\"b\":1}"));
	assert_false(equal_text("{\"a\":1,\"b\":1}", "{\"a\":1,\"a\":1}"));
}

static void test_utf8_prefix_never_cuts_a_character(void **state)
{
	(void)state;
	assert_int_equal(sanshe_utf8_prefix("abc", 5), 3);
	assert_int_equal(sanshe_utf8_prefix("abc", 3), 3);
	assert_int_equal(sanshe_utf8_prefix("abc", 2), 2);
	/* "a" then U+00E9 (2 bytes) then U+1F602 (4 bytes) */
	assert_int_equal(sanshe_utf8_prefix("a\xc3\xa9\xf0\x9f\x98\x82", 2), 1);
	assert_int_equal(sanshe_utf8_prefix("a\xc3\xa9\xf0\x9f\x98\x82", 3), 3);
	assert_int_equal(sanshe_utf8_prefix("a\xc3\xa9\xf0\x9f\x98\x82", 6), 3);
	assert_int_equal(sanshe_utf8_prefix("a\xc3\xa9\xf0\x9f\x98\x82", 7), 7);
	assert_int_equal(sanshe_utf8_prefix("\xe5\x90\x8d", 0), 0);
}

static void test_error_messages_are_cut_on_character_boundaries(void **state)
{
	char long_text[3000];
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i + 3 < sizeof(long_text); i += 3)
		memcpy(long_text + i, "\xe5\x90\x8d", 3); /* 名 */
	long_text[2997] = '\0';
	sanshe_error_set(SANSHE_EINVALID, "x%s", long_text);
	assert_true(strlen(sanshe_error_last()) < 1024);
	assert_true(sanshe_utf8_valid(sanshe_error_last(), strlen(sanshe_error_last()), &bad));
	sanshe_error_prefix("y%s", long_text);
	assert_true(sanshe_utf8_valid(sanshe_error_last(), strlen(sanshe_error_last()), &bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_prefix_never_cuts_a_character),
		cmocka_unit_test(test_error_messages_are_cut_on_character_boundaries),
	    cmocka_unit_test(test_utf8_length_counts_code_points),
	    cmocka_unit_test(test_json_pointer_push_escapes_tilde_and_slash),
	    cmocka_unit_test(test_json_pointer_push_index_appends_decimal),
	    cmocka_unit_test(test_json_pointer_get_follows_members_and_elements),
	    cmocka_unit_test(test_json_pointer_get_names_nothing_for_bad_or_missing_paths),
	    cmocka_unit_test(test_json_pointer_set_replaces_or_adds),
	    cmocka_unit_test(test_json_pointer_set_refuses_what_has_no_holder),
	    cmocka_unit_test(test_json_pointer_remove_takes_members_and_elements_out),
	    cmocka_unit_test(test_json_equal_compares_numbers_by_value),
	    cmocka_unit_test(test_json_equal_ignores_member_order),
	    cmocka_unit_test(test_json_equal_keeps_array_order),
	    cmocka_unit_test(test_json_equal_refuses_repeated_keys_trick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

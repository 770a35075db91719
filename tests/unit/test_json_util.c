/*
 * Unit tests for the JSON helpers of core/json_util.c: code point counts,
 * RFC 6901 pointer escapes and JSON value equality.
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
	    cmocka_unit_test(test_json_equal_compares_numbers_by_value),
	    cmocka_unit_test(test_json_equal_ignores_member_order),
	    cmocka_unit_test(test_json_equal_keeps_array_order),
	    cmocka_unit_test(test_json_equal_refuses_repeated_keys_trick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

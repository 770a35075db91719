/* The strict parser: what it accepts, what it refuses, and where it says. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "json.h"

static int parse(const char *text, cJSON **out, sanshe_json_pos *pos)
{
	return sanshe_json_parse(out, text, strlen(text), "t.json", pos);
}

static void assert_refused(const char *text, int line, int column, const char *reason)
{
	sanshe_json_pos pos = { 0, 0 };
	cJSON *v = NULL;

	assert_int_equal(parse(text, &v, &pos), SANSHE_EPARSE);
	assert_null(v);
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.column, column);
	if (!strstr(sanshe_error_last(), reason))
		fail_msg("'%s': message '%s' lacks '%s'", text, sanshe_error_last(), reason);
	assert_non_null(strstr(sanshe_error_last(), "t.json:"));
}

static void test_json_parses_all_value_kinds(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}} ", &v, NULL), 0);
	assert_true(cJSON_IsObject(v));
	cJSON *a = cJSON_GetObjectItemCaseSensitive(v, "a");
	assert_int_equal(cJSON_GetArraySize(a), 6);
	assert_true(cJSON_GetArrayItem(a, 1)->valuedouble == -2500.0);
	assert_string_equal(cJSON_GetArrayItem(a, 5)->valuestring, "x");
	cJSON_Delete(v);
}

static void test_json_refuses_duplicate_member_at_second_occurrence(void **state)
{
	(void)state;
	assert_refused("{\"a\": 1,\n \"b\": 2,\n  \"a\": 3}", 3, 3, "duplicate member name \"a\"");
}

static void test_json_refuses_non_json_numbers(void **state)
{
	(void)state;
	assert_refused("[01]", 1, 2, "leading zeros");
	assert_refused("[1.]", 1, 2, "decimal point");
	assert_refused("[+1]", 1, 2, "'+'");
	assert_refused("[NaN]", 1, 2, "NaN");
	assert_refused("[Infinity]", 1, 2, "Infinity");
	assert_refused("[.5]", 1, 2, "unexpected character '.'");
	assert_refused("[1e]", 1, 2, "exponent");
	assert_refused("[-]", 1, 2, "digits");
	assert_refused("[1e400]", 1, 2, "too large");
}

static void test_json_refuses_integers_a_double_cannot_hold(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_refused("[9007199254740993]", 1, 2, "exactly");
	assert_refused("[-12345678901234567890]", 1, 2, "exactly");
	assert_int_equal(parse("[9007199254740992, 18446744073709551616, 1e30]", &v, NULL), 0);
	cJSON_Delete(v);
}

/* Found by tests/fuzz/fuzz_json.c: 2^64 was accepted, its canonical form not. */
static void test_json_reads_back_the_canonical_form_of_large_integers(void **state)
{
	const char *inputs[] = { "[18446744073709551616]", "[-1.8446744073709552e19]",
				 "[123456789012345678901e-2]", "[9007199254740994]" };
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *v = NULL, *again = NULL;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(inputs); i++) {
		assert_int_equal(parse(inputs[i], &v, NULL), 0);
		sanshe_buf_clear(&text);
		assert_int_equal(sanshe_canon_write(&text, v), 0);
		if (parse(text.ptr, &again, NULL) != 0)
			fail_msg("'%s' (from '%s') does not parse: %s", text.ptr, inputs[i],
				 sanshe_error_last());
		assert_true(sanshe_json_equal(v, again));
		cJSON_Delete(again);
		cJSON_Delete(v);
	}
	assert_int_equal(parse("[18446744073709552000]", &v, NULL), 0);
	assert_true(cJSON_GetArrayItem(v, 0)->valuedouble == 18446744073709551616.0);
	cJSON_Delete(v);
	assert_refused("[18446744073709552001]", 1, 2, "exactly");
	assert_refused("[18446744073709551617]", 1, 2, "exactly");
	sanshe_buf_dispose(&text);
}

static void test_json_refuses_inexact_integers_however_written(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_refused("[9007199254740993.0]", 1, 2, "exactly");
	assert_refused("[9007199254740993e0]", 1, 2, "exactly");
	assert_refused("[90071992547409930e-1]", 1, 2, "exactly");
	assert_refused("[1e-400]", 1, 2, "too small");
	assert_int_equal(parse("[1.5e300, 9007199254740992.0, 0e-400, 1e-320, 0.1]", &v, NULL), 0);
	assert_true(cJSON_GetArrayItem(v, 0)->valuedouble == 1.5e300);
	assert_true(cJSON_GetArrayItem(v, 2)->valuedouble == 0);
	cJSON_Delete(v);
}

static void test_json_refuses_bad_strings(void **state)
{
	(void)state;
	assert_refused("[\"a\\u0000b\"]", 1, 4, "NUL");
	assert_refused("[\"\\ud800\"]", 1, 3, "lone high surrogate");
	assert_refused("[\"\\udc00\"]", 1, 3, "lone low surrogate");
	assert_refused("[\"\\ud800\\u0041\"]", 1, 3, "lone high surrogate");
	assert_refused("[\"\xc3\x28\"]", 1, 3, "invalid UTF-8");
	assert_refused("[\"\xed\xa0\x80\"]", 1, 3, "invalid UTF-8");    /* encoded surrogate */
	assert_refused("[\"\xc0\xaf\"]", 1, 3, "invalid UTF-8");        /* overlong */
	assert_refused("[\"\xf4\x90\x80\x80\"]", 1, 3, "invalid UTF-8"); /* > U+10FFFF */
	assert_refused("[\"a\tb\"]", 1, 4, "control character");
	assert_refused("[\"\\x\"]", 1, 3, "unknown escape");
	assert_refused("[\"abc", 1, 2, "not closed");
	assert_refused("['a']", 1, 2, "double quotes");
}

static void test_json_refuses_structural_errors(void **state)
{
	(void)state;
	assert_refused("", 1, 1, "empty");
	assert_refused("[1] x", 1, 5, "after the JSON value");
	assert_refused("{\"a\" 1}", 1, 6, "':'");
	assert_refused("{\"a\": 1,}", 1, 9, "member name");
	assert_refused("[1,]", 1, 4, "unexpected character ']'");
	assert_refused("[1 2]", 1, 4, "',' or ']'");
	assert_refused("{a: 1}", 1, 2, "member name");
	assert_refused("[tru]", 1, 2, "unexpected character 't'");
}

static void test_json_column_counts_characters_not_bytes(void **state)
{
	(void)state;
	/* "名字" is six bytes but two characters */
	assert_refused("{\"名字\": 01}", 1, 8, "leading zeros");
}

static void test_json_refuses_deep_nesting(void **state)
{
	char text[1024];
	cJSON *v = NULL;
	int i;

	(void)state;
	for (i = 0; i < SANSHE_JSON_MAX_DEPTH; i++)
		text[i] = '[';
	for (int j = 0; j < SANSHE_JSON_MAX_DEPTH; j++)
		text[i++] = ']';
	text[i] = '\0';
	assert_int_equal(parse(text, &v, NULL), 0);
	cJSON_Delete(v);
	memmove(text + 1, text, strlen(text) + 1);
	text[0] = '[';
	strcat(text, "]");
	assert_refused(text, 1, SANSHE_JSON_MAX_DEPTH + 1, "nesting deeper");
}

static void test_json_refuses_more_values_than_a_document_holds(void **state)
{
	size_t n = SANSHE_JSON_MAX_VALUES; /* the array itself is one more */
	char *text = malloc(2 * n + 2);
	cJSON *v = NULL;

	(void)state;
	assert_non_null(text);
	text[0] = '[';
	for (size_t i = 0; i < n - 1; i++)
		memcpy(text + 1 + 2 * i, "0,", 2);
	memcpy(text + 1 + 2 * (n - 1), "0]", 3);
	assert_int_equal(parse(text, &v, NULL), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "too large for a document"));
	text[2 * n - 2] = ']'; /* one value fewer: accepted */
	text[2 * n - 1] = '\0';
	assert_int_equal(parse(text, &v, NULL), 0);
	assert_int_equal(cJSON_GetArraySize(v), (int)n - 1);
	cJSON_Delete(v);
	free(text);
}

static void test_json_decodes_escapes_and_surrogate_pairs(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(parse("[\"\\ud83d\\ude02\\u20ac\\n\\/\"]", &v, NULL), 0);
	assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "\xf0\x9f\x98\x82\xe2\x82\xac\n/");
	cJSON_Delete(v);
}

static void test_json_skips_a_byte_order_mark(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBF{}", &v, NULL), 0);
	cJSON_Delete(v);
}

static void test_json_minus_zero_is_kept(void **state)
{
	cJSON *v = NULL;

	(void)state;
	assert_int_equal(parse("-0", &v, NULL), 0);
	assert_true(signbit(v->valuedouble));
	cJSON_Delete(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_parses_all_value_kinds),
		cmocka_unit_test(test_json_refuses_duplicate_member_at_second_occurrence),
		cmocka_unit_test(test_json_refuses_non_json_numbers),
		cmocka_unit_test(test_json_refuses_integers_a_double_cannot_hold),
		cmocka_unit_test(test_json_reads_back_the_canonical_form_of_large_integers),
		cmocka_unit_test(test_json_refuses_inexact_integers_however_written),
		cmocka_unit_test(test_json_refuses_bad_strings),
		cmocka_unit_test(test_json_refuses_structural_errors),
		cmocka_unit_test(test_json_column_counts_characters_not_bytes),
		cmocka_unit_test(test_json_refuses_deep_nesting),
		cmocka_unit_test(test_json_refuses_more_values_than_a_document_holds),
		cmocka_unit_test(test_json_decodes_escapes_and_surrogate_pairs),
		cmocka_unit_test(test_json_skips_a_byte_order_mark),
		cmocka_unit_test(test_json_minus_zero_is_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

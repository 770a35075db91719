/* RFC 8785: the official vectors, ECMAScript numbers, member order, escapes. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "json.h"

static char *canon_of(const char *text)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	cJSON *v = NULL;

	if (sanshe_json_parse(&v, text, strlen(text), NULL, NULL) != 0)
		fail_msg("parse: %s", sanshe_error_last());
	assert_int_equal(sanshe_canon_write(&out, v), 0);
	cJSON_Delete(v);
	return sanshe_buf_detach(&out);
}

static void test_canon_matches_every_rfc8785_vector(void **state)
{
	static const char *names[] = { "arrays", "french", "structures", "unicode", "values", "weird" };
	char path[256];

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(names); i++) {
		size_t len;
		char *input, *expected, *got;

		snprintf(path, sizeof(path), "jcs/input/%s.json", names[i]);
		input = scratch_read(testdata_path(path), NULL);
		snprintf(path, sizeof(path), "jcs/output/%s.json", names[i]);
		expected = scratch_read(testdata_path(path), &len);
		got = canon_of(input);
		if (strlen(got) != len || memcmp(got, expected, len) != 0)
			fail_msg("vector %s:\n got %s\nwant %s", names[i], got, expected);
		free(input), free(expected), free(got);
	}
	printf("# %zu of %zu RFC 8785 vectors byte-exact\n", SANSHE_ARRAY_SIZE(names),
	       SANSHE_ARRAY_SIZE(names));
}

static double double_of_bits(uint64_t bits)
{
	double x;

	memcpy(&x, &bits, sizeof(x));
	return x;
}

/* tests/data/numbers.golden: "<hex bits> <JSON.stringify>" made with node. */
static void test_canon_numbers_match_ecmascript(void **state)
{
	char *golden = scratch_read(project_path("tests/data/numbers.golden"), NULL);
	char out[SANSHE_CANON_NUMBER_MAX];
	size_t checked = 0, wrong = 0;

	(void)state;
	for (char *line = strtok(golden, "\n"); line; line = strtok(NULL, "\n")) {
		char *space = strchr(line, ' ');
		double x = double_of_bits(strtoull(line, NULL, 16));

		assert_non_null(space);
		assert_int_equal(sanshe_canon_number(out, x), 0);
		if (strcmp(out, space + 1) != 0 && wrong++ < 10)
			print_message("# %s: got %s\n", line, out);
		checked++;
	}
	free(golden);
	printf("# %zu numbers checked against ECMAScript, %zu differ\n", checked, wrong);
	assert_true(checked >= 100000);
	assert_int_equal(wrong, 0);
}

static void test_canon_number_edge_cases(void **state)
{
	static const struct {
		double x;
		const char *text;
	} cases[] = {
		{ 0.0, "0" }, { -0.0, "0" }, { 1e21, "1e+21" }, { 1e20, "100000000000000000000" },
		{ 1e-6, "0.000001" }, { 1e-7, "1e-7" }, { 0.30000000000000004, "0.30000000000000004" },
		{ 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ -1.5, "-1.5" }, { 123456789012345680000.0, "123456789012345680000" },
		{ 9007199254740992.0, "9007199254740992" },
	};
	char out[SANSHE_CANON_NUMBER_MAX];

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(cases); i++) {
		assert_int_equal(sanshe_canon_number(out, cases[i].x), 0);
		assert_string_equal(out, cases[i].text);
	}
	assert_int_equal(sanshe_canon_number(out, NAN), SANSHE_EINVALID);
	assert_int_equal(sanshe_canon_number(out, INFINITY), SANSHE_EINVALID);
}

static void test_canon_orders_members_by_utf16_code_units(void **state)
{
	(void)state;
	/* U+1F602 (a surrogate pair) sorts before U+FB33, unlike in UTF-8 */
	assert_true(sanshe_canon_keycmp("\xf0\x9f\x98\x82", "\xef\xac\xb3") < 0);
	assert_true(sanshe_canon_keycmp("\xef\xac\xb3", "\xf0\x9f\x98\x82") > 0);
	assert_true(sanshe_canon_keycmp("a", "ab") < 0);
	assert_true(sanshe_canon_keycmp("", "") == 0);
	assert_true(sanshe_canon_keycmp("\xd7\xbf", "\xf0\x90\x80\x80") < 0); /* U+05FF < U+10000 */
	assert_true(sanshe_canon_keycmp("\xed\x9f\xbf", "\xf0\x90\x80\x80") < 0); /* U+D7FF < pair */
}

static void test_canon_escapes_only_what_the_rfc_requires(void **state)
{
	char *got;

	(void)state;
	got = canon_of("[\"\\u001f\\u007f\\u2028\\b\\t\\n\\f\\r\\\"\\\\\\/\"]");
	assert_string_equal(got, "[\"\\u001f\x7f\xe2\x80\xa8\\b\\t\\n\\f\\r\\\"\\\\/\"]");
	free(got);
}

static void test_canon_is_idempotent_and_sorts_nested_objects(void **state)
{
	char *once, *twice;

	(void)state;
	once = canon_of("{ \"b\": [ {\"z\": 1, \"a\": 2} ], \"a\": { \"d\": null, \"c\": 1.50 } }");
	assert_string_equal(once, "{\"a\":{\"c\":1.5,\"d\":null},\"b\":[{\"a\":2,\"z\":1}]}");
	twice = canon_of(once);
	assert_string_equal(once, twice);
	free(once), free(twice);
}

static void test_canon_pretty_form_reads_back_to_the_same_canonical_form(void **state)
{
	const char *text = "{\"b\":[1,{\"y\":[],\"x\":{}}],\"a\":\"\\u001f名\",\"c\":0.30000000000000004}";
	sanshe_buf pretty = SANSHE_BUF_INIT;
	char *once, *again;
	cJSON *v = NULL;

	(void)state;
	once = canon_of(text);
	assert_int_equal(sanshe_json_parse(&v, text, strlen(text), NULL, NULL), 0);
	assert_int_equal(sanshe_canon_write_pretty(&pretty, v), 0);
	assert_string_equal(pretty.ptr, "{\n  \"a\": \"\\u001f名\",\n  \"b\": [\n    1,\n    {\n"
					"      \"x\": {},\n      \"y\": []\n    }\n  ],\n"
					"  \"c\": 0.30000000000000004\n}\n");
	again = canon_of(pretty.ptr);
	assert_string_equal(once, again);
	free(once), free(again);
	cJSON_Delete(v);
	sanshe_buf_dispose(&pretty);
}

static void test_canon_refuses_trees_with_duplicate_names(void **state)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	cJSON *o = cJSON_CreateObject();

	(void)state;
	cJSON_AddNumberToObject(o, "a", 1);
	cJSON_AddNumberToObject(o, "a", 2);
	assert_int_equal(sanshe_canon_write(&out, o), SANSHE_EINVALID);
	cJSON_Delete(o);
	sanshe_buf_dispose(&out);
}

/* Cutting the bytes marked for member `name` (of member `parent`, or of the top) removes it. */
static void assert_marking_cuts(const char *text, const char *parent, const char *name)
{
	sanshe_buf out = SANSHE_BUF_INIT, expect = SANSHE_BUF_INIT;
	cJSON *v = NULL, *object;
	size_t at = 99, len = 99;

	assert_int_equal(sanshe_json_parse(&v, text, strlen(text), NULL, NULL), 0);
	object = parent ? cJSON_GetObjectItemCaseSensitive(v, parent) : v;
	assert_int_equal(sanshe_canon_write_marking(&out, v,
						    cJSON_GetObjectItemCaseSensitive(object, name),
						    &at, &len),
			 0);
	assert_true(len > 0 && at + len <= out.size);
	memmove(out.ptr + at, out.ptr + at + len, out.size - at - len + 1);
	cJSON_DeleteItemFromObjectCaseSensitive(object, name);
	assert_int_equal(sanshe_canon_write(&expect, v), 0);
	if (strcmp(out.ptr, expect.ptr) != 0)
		fail_msg("%s without %s: got %s, want %s", text, name, out.ptr, expect.ptr);
	cJSON_Delete(v);
	sanshe_buf_dispose(&out);
	sanshe_buf_dispose(&expect);
}

static void test_canon_marking_a_member_gives_the_bytes_without_it(void **state)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	cJSON *v = NULL, *other = cJSON_CreateString("x");
	size_t at = 99, len = 99;

	(void)state;
	assert_marking_cuts("{\"c\":3,\"a\":1,\"b\":2}", NULL, "a");
	assert_marking_cuts("{\"c\":3,\"a\":1,\"b\":2}", NULL, "b");
	assert_marking_cuts("{\"c\":3,\"a\":1,\"b\":2}", NULL, "c");
	assert_marking_cuts("{\"only\":[1,{\"x\":2}]}", NULL, "only");
	assert_marking_cuts("{\"id\":\"1\",\"_sig\":{\"sig\":\"z\",\"key\":\"y\",\"at\":\"x\"}}",
			    "_sig", "sig");
	assert_marking_cuts("{\"id\":\"1\",\"_sig\":{\"sig\":\"z\",\"key\":\"y\",\"at\":\"x\"}}",
			    "_sig", "at");
	assert_marking_cuts("{\"id\":\"1\",\"_sig\":{\"sig\":\"z\"}}", "_sig", "sig");
	/* a member that is not in the value: nothing marked */
	assert_int_equal(sanshe_json_parse(&v, "{\"a\":\"x\"}", 9, NULL, NULL), 0);
	assert_int_equal(sanshe_canon_write_marking(&out, v, other, &at, &len), 0);
	assert_true(at == 0 && len == 0);
	assert_string_equal(out.ptr, "{\"a\":\"x\"}");
	cJSON_Delete(v);
	cJSON_Delete(other);
	sanshe_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_matches_every_rfc8785_vector),
		cmocka_unit_test(test_canon_numbers_match_ecmascript),
		cmocka_unit_test(test_canon_number_edge_cases),
		cmocka_unit_test(test_canon_orders_members_by_utf16_code_units),
		cmocka_unit_test(test_canon_escapes_only_what_the_rfc_requires),
		cmocka_unit_test(test_canon_is_idempotent_and_sorts_nested_objects),
		cmocka_unit_test(test_canon_pretty_form_reads_back_to_the_same_canonical_form),
		cmocka_unit_test(test_canon_refuses_trees_with_duplicate_names),
		cmocka_unit_test(test_canon_marking_a_member_gives_the_bytes_without_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

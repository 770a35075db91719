/*
 * Unit tests for the schema module: what compiling refuses and says, and
 * the violations validation reports (pointer and message).  The official
 * suite is run by test_schema_suite.c; these tests pin sanshe's own
 * choices.  JSON in this file is written with ' for " to stay readable.
 */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"

/* Parse `text`, reading ' as ". */
static cJSON *json(const char *text)
{
	char *copy = strdup(text), *p;
	cJSON *tree;

	assert_non_null(copy);
	for (p = copy; *p; p++)
		if (*p == '\'')
			*p = '"';
	tree = cJSON_ParseWithOpts(copy, NULL, 1);
	free(copy);
	assert_non_null(tree);
	return tree;
}

static sanshe_schema *compile(const char *text)
{
	cJSON *tree = json(text);
	sanshe_schema *schema = NULL;
	int rc = sanshe_schema_compile(&schema, tree, "case");

	cJSON_Delete(tree);
	if (rc != 0)
		fail_msg("compile failed: %s", sanshe_error_last());
	return schema;
}

static void compile_fails(const char *text, const char *message)
{
	cJSON *tree = json(text);
	sanshe_schema *schema = (sanshe_schema *)tree; /* must be reset */
	int rc = sanshe_schema_compile(&schema, tree, "case");

	cJSON_Delete(tree);
	assert_int_equal(rc, SANSHE_EINVALID);
	assert_null(schema);
	assert_string_equal(sanshe_error_last(), message);
}

static int validate(const sanshe_schema *schema, const char *instance,
		    sanshe_schema_errors *errors)
{
	cJSON *tree = json(instance);
	int rc = sanshe_schema_validate(schema, tree, errors);

	cJSON_Delete(tree);
	return rc;
}

static void assert_error(const sanshe_schema_errors *errors, size_t i,
			 const char *pointer, const char *message)
{
	assert_true(i < errors->count);
	assert_string_equal(errors->items[i].pointer, pointer);
	assert_string_equal(errors->items[i].message, message);
}

/* `instance` breaks `schema` in exactly one way. */
static void one_error(const char *schema_text, const char *instance,
		      const char *pointer, const char *message)
{
	sanshe_schema *schema = compile(schema_text);
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	assert_int_equal(validate(schema, instance, &errors), SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 1);
	assert_error(&errors, 0, pointer, message);
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
}

static void valid(const char *schema_text, const char *instance)
{
	sanshe_schema *schema = compile(schema_text);
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	assert_int_equal(validate(schema, instance, &errors), 0);
	assert_int_equal(errors.count, 0);
	sanshe_schema_free(schema);
}

static void test_schema_rejects_unknown_keyword(void **state)
{
	(void)state;
	compile_fails("{'properties': {'x': {'unevaluatedProperties': false}}}",
		      "schema 'case': /properties/x: unsupported keyword "
		      "'unevaluatedProperties'");
	compile_fails("{'requried': ['name']}",
		      "schema 'case': unsupported keyword 'requried'");
	compile_fails("{'$defs': {'a~b/c': {'$anchor': 'x'}}}",
		      "schema 'case': /$defs/a~0b~1c: unsupported keyword "
		      "'$anchor'");
	compile_fails(
	    "{'items': {'$dynamicRef': '#x'}}",
	    "schema 'case': /items: unsupported keyword '$dynamicRef'");
	compile_fails("{'definitions': {}}",
		      "schema 'case': unsupported keyword 'definitions'");
	compile_fails("{'items': {'pattern': 'a', 'pattern': 'b'}}",
		      "schema 'case': /items: keyword 'pattern' appears twice");
}

static void test_schema_rejects_id_below_root(void **state)
{
	(void)state;
	compile_fails(
	    "{'$defs': {'a': {'$id': 'a.json'}}}",
	    "schema 'case': /$defs/a: unsupported keyword '$id' (only "
	    "allowed at the root)");
	compile_fails("{'$id': 'https://x.example/s.json#frag'}",
		      "schema 'case': '$id' must be an identifier without '#'");
}

static void test_schema_rejects_other_dialect(void **state)
{
	(void)state;
	compile_fails("{'$schema': 'http://json-schema.org/draft-07/schema#'}",
		      "schema 'case': unsupported dialect in '$schema' (only "
		      "'https://json-schema.org/draft/2020-12/schema')");
}

static void test_schema_rejects_bad_keyword_values(void **state)
{
	(void)state;
	compile_fails("{'properties': {'n': {'minLength': '3'}}}",
		      "schema 'case': /properties/n: 'minLength' must be a "
		      "non-negative integer");
	compile_fails(
	    "{'maxItems': 1.5}",
	    "schema 'case': 'maxItems' must be a non-negative integer");
	compile_fails("{'type': 'text'}",
		      "schema 'case': 'type' must be a type "
		      "name or an array of different ones");
	compile_fails(
	    "{'type': ['string', 'string']}",
	    "schema 'case': 'type' must be a type name or an array of "
	    "different ones");
	compile_fails(
	    "{'multipleOf': 0}",
	    "schema 'case': 'multipleOf' must be a number greater than 0");
	compile_fails("{'required': 'name'}",
		      "schema 'case': 'required' must be an array of strings");
	compile_fails(
	    "{'anyOf': []}",
	    "schema 'case': 'anyOf' must be a non-empty array of schemas");
	compile_fails("{'title': 3}",
		      "schema 'case': 'title' must be a string");
	compile_fails("{'items': 3}",
		      "schema 'case': /items: a schema must be an "
		      "object or true or false");
}

static void test_schema_rejects_non_schema(void **state)
{
	sanshe_schema *schema = NULL;
	cJSON *number = cJSON_CreateNumber(42);

	(void)state;
	assert_int_equal(sanshe_schema_compile(&schema, number, "case"),
			 SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(),
			    "schema 'case': a schema must be an object or true "
			    "or false");
	assert_int_equal(sanshe_schema_compile(&schema, NULL, "case"),
			 SANSHE_EINVALID);
	assert_null(schema);
	cJSON_Delete(number);
}

static void test_schema_rejects_bad_pattern(void **state)
{
	cJSON *tree = json("{'properties': {'id': {'pattern': '(c-'}}}");
	sanshe_schema *schema = NULL;

	(void)state;
	assert_int_equal(sanshe_schema_compile(&schema, tree, "case"),
			 SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(),
			       "schema 'case': /properties/id: 'pattern': "
			       "invalid pattern '(c-': "));
	cJSON_Delete(tree);
}

static void test_schema_rejects_refs_it_cannot_resolve(void **state)
{
	(void)state;
	compile_fails(
	    "{'$ref': 'https://x.example/other.json'}",
	    "schema 'case': $ref 'https://x.example/other.json': only "
	    "references within the schema ('#/...') are supported");
	compile_fails("{'items': {'$ref': '#node'}}",
		      "schema 'case': /items: $ref '#node': anchors are not "
		      "supported, use a JSON pointer");
	compile_fails(
	    "{'$ref': '#/$defs/missing'}",
	    "schema 'case': $ref '#/$defs/missing' does not lead to a "
	    "schema");
	compile_fails(
	    "{'$defs': {}, '$ref': '#/$defs'}",
	    "schema 'case': $ref '#/$defs' does not lead to a schema");
	compile_fails("{'$ref': '#/%zz'}",
		      "schema 'case': $ref '#/%zz': bad %-escape");
}

static void test_schema_resolves_escaped_pointers_and_root_id(void **state)
{
	const char *text =
	    "{'$id': 'urn:sanshe:case', '$defs': {'a/b': {'type': "
	    "'integer'}, 'c~d': {'$ref': 'urn:sanshe:case#/$defs/a~1b'}, "
	    "'e%f': {'$ref': '#/$defs/c~0d'}}, 'items': {'$ref': "
	    "'#/$defs/e%25f'}}";

	(void)state;
	valid(text, "[1, 2]");
	one_error(text, "[1, 'x']", "/1", "expected integer, got string");
}

static void test_schema_rejects_ref_loop_without_input(void **state)
{
	(void)state;
	compile_fails("{'$defs': {'a': {'$ref': '#/$defs/b'}, 'b': {'allOf': "
		      "[{'$ref': '#/$defs/a'}]}}}",
		      "schema 'case': /$defs/a: $ref loop that never reaches "
		      "into the instance: /$defs/a -> /$defs/b -> "
		      "/$defs/b/allOf/0 -> /$defs/a");
	compile_fails("{'not': {'$ref': '#'}}",
		      "schema 'case': $ref loop that never reaches into the "
		      "instance: # -> /not -> #");
}

static void test_schema_follows_recursion_through_members(void **state)
{
	const char *tree = "{'type': 'object', 'properties': {'name': {'type': "
			   "'string'}, 'children': {'type': 'array', 'items': "
			   "{'$ref': '#'}}}}";

	(void)state;
	valid(tree,
	      "{'name': 'a', 'children': [{'name': 'b', 'children': []}]}");
	one_error(tree, "{'children': [{'children': [{'name': 7}]}]}",
		  "/children/0/children/0/name", "expected string, got number");
}

static void test_schema_bounds_nesting(void **state)
{
	sanshe_schema *schema = compile("{'items': {'$ref': '#'}}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	cJSON *deep = cJSON_CreateArray(), *at = deep, *next;
	const char *message;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		next = cJSON_CreateArray();
		cJSON_AddItemToArray(at, next);
		at = next;
	}
	assert_int_equal(sanshe_schema_validate(schema, deep, &errors),
			 SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 1);
	assert_string_equal(errors.items[0].message,
			    "nested too deeply to check");
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
	cJSON_Delete(deep);

	/* Deeper than any parser lets through: built by hand. */
	deep = at = cJSON_CreateObject();
	for (i = 0; i < 1100; i++) {
		next = cJSON_CreateObject();
		cJSON_AddItemToObject(at, "not", next);
		at = next;
	}
	assert_int_equal(sanshe_schema_compile(&schema, deep, "case"),
			 SANSHE_EINVALID);
	message = sanshe_error_last();
	assert_int_equal(
	    strncmp(message, "schema 'case': \xe2\x80\xa6/not/not/",
		    strlen("schema 'case': \xe2\x80\xa6/not/not/")),
	    0);
	assert_string_equal(message + strlen(message) - 31,
			    "/not: schemas nested too deeply");
	cJSON_Delete(deep);
}

static void test_schema_accepts_annotations_and_extensions(void **state)
{
	sanshe_schema *schema = compile(
	    "{'$schema': 'https://json-schema.org/draft/2020-12/schema', "
	    "'$id': 'https://sanshe.example/schemas/case.json', 'title': "
	    "'Case', 'description': 'd', '$comment': 'c', 'default': {}, "
	    "'examples': [{}], 'deprecated': false, 'readOnly': true, "
	    "'writeOnly': false, 'x-sanshe-merge': 'fields', "
	    "'properties': {'a': {'x-sanshe-label': 'A', 'format': 'email'}}}");
	const cJSON *merge = sanshe_schema_extension(schema, "x-sanshe-merge");

	(void)state;
	assert_string_equal(cJSON_GetStringValue(merge), "fields");
	assert_null(sanshe_schema_extension(schema, "x-sanshe-label"));
	assert_null(sanshe_schema_extension(schema, "title"));
	assert_null(sanshe_schema_extension(NULL, "x-sanshe-merge"));
	valid("{'properties': {'a': {'format': 'email'}}}",
	      "{'a': 'not mail'}");
	sanshe_schema_free(schema);
}

static void test_schema_keeps_its_own_copy(void **state)
{
	cJSON *tree = json("{'x-sanshe-space': 'org', 'required': ['name']}");
	sanshe_schema *schema = NULL;
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	(void)state;
	assert_int_equal(sanshe_schema_compile(&schema, tree, "case"), 0);
	cJSON_Delete(tree);
	assert_string_equal(cJSON_GetStringValue(sanshe_schema_extension(
				schema, "x-sanshe-space")),
			    "org");
	assert_int_equal(validate(schema, "{}", &errors), SANSHE_ESCHEMA);
	assert_error(&errors, 0, "/name", "required field 'name' is missing");
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
}

static void test_schema_reports_missing_required_field(void **state)
{
	(void)state;
	one_error("{'properties': {'client': {'required': ['name']}}}",
		  "{'client': {}}", "/client/name",
		  "required field 'name' is missing");
	one_error("{'dependentRequired': {'end': ['start']}}", "{'end': 1}",
		  "/start", "field 'start' is required when 'end' is present");
}

static void test_schema_collects_all_violations(void **state)
{
	sanshe_schema *schema = compile(
	    "{'type': 'object', 'required': ['id', 'status'], "
	    "'additionalProperties': false, 'properties': {'id': {'type': "
	    "'string', 'pattern': '^c-[0-9]+$'}, 'status': {'enum': "
	    "['open', 'assessed', 'closed']}, 'age': {'type': 'integer', "
	    "'minimum': 0}, 'born': {'type': 'string', 'format': 'date'}}}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	(void)state;
	assert_int_equal(validate(schema,
				  "{'id': 'x-1', 'age': -1, 'born': "
				  "'1990-02-30', 'note': ''}",
				  &errors),
			 SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 5);
	assert_error(&errors, 0, "/status",
		     "required field 'status' is missing");
	assert_error(&errors, 1, "/id", "does not match pattern '^c-[0-9]+$'");
	assert_error(&errors, 2, "/age", "must be at least 0");
	assert_error(&errors, 3, "/born", "not a date (YYYY-MM-DD)");
	assert_error(&errors, 4, "/note", "unknown field");
	assert_string_equal(sanshe_error_last(),
			    "/status: required field 'status' is missing");
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
}

static void test_schema_validate_appends_and_sets_message(void **state)
{
	sanshe_schema *schema = compile("{'type': 'object'}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	(void)state;
	assert_int_equal(validate(schema, "[]", NULL), SANSHE_ESCHEMA);
	assert_string_equal(sanshe_error_last(), "expected object, got array");
	assert_int_equal(validate(schema, "1", &errors), SANSHE_ESCHEMA);
	assert_int_equal(validate(schema, "'x'", &errors), SANSHE_ESCHEMA);
	assert_int_equal(validate(schema, "{}", &errors), 0);
	assert_int_equal(errors.count, 2);
	assert_error(&errors, 0, "", "expected object, got number");
	assert_error(&errors, 1, "", "expected object, got string");
	sanshe_schema_errors_dispose(&errors);
	assert_int_equal(errors.count, 0);
	assert_null(errors.items);
	sanshe_schema_free(schema);
}

static void test_schema_reports_type_mismatch(void **state)
{
	(void)state;
	one_error("{'type': 'string'}", "3", "", "expected string, got number");
	one_error("{'type': ['string', 'null']}", "true", "",
		  "expected string or null, got boolean");
	one_error("{'type': ['null', 'array', 'object']}", "'x'", "",
		  "expected object, array or null, got string");
	one_error("{'type': 'integer'}", "1.5", "",
		  "expected integer, got number");
	valid("{'type': 'integer'}", "1.0");
	valid("{'type': 'integer'}", "-12");
}

static void test_schema_reports_allowed_values(void **state)
{
	(void)state;
	one_error("{'enum': ['open', 'assessed', 'closed']}", "'shut'", "",
		  "must be one of: \"open\", \"assessed\", \"closed\"");
	one_error("{'enum': ['open']}", "'shut'", "", "must be \"open\"");
	one_error("{'enum': []}", "'shut'", "", "no value is allowed");
	one_error("{'const': {'v': 1}}", "{'v': 2}", "", "must be {\"v\":1}");
	one_error("{'enum': ['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb', "
		  "'cccccccccccccccccccc', 'dddddddddddddddddddd', 'e']}",
		  "'z'", "",
		  "must be one of: \"aaaaaaaaaaaaaaaaaaaa\", "
		  "\"bbbbbbbbbbbbbbbbbbbb\", \"cccccccccccccccccccc\", "
		  "\"dddddddddddddddddddd\", \xe2\x80\xa6");
	valid("{'enum': [1, {'a': [true]}]}", "{'a': [true]}");
	valid("{'const': 2}", "2.0");
}

static void test_schema_reports_bounds(void **state)
{
	(void)state;
	one_error("{'minimum': 0}", "-0.5", "", "must be at least 0");
	one_error("{'maximum': 120}", "121", "", "must be at most 120");
	one_error("{'exclusiveMinimum': 0}", "0", "", "must be greater than 0");
	one_error("{'exclusiveMaximum': 1.5}", "1.5", "",
		  "must be less than 1.5");
	one_error("{'multipleOf': 0.01}", "0.005", "",
		  "must be a multiple of 0.01");
	valid("{'multipleOf': 0.01}", "19.99");
	valid("{'multipleOf': 0.1}", "0.3");
	one_error("{'minLength': 1}", "''", "", "must not be empty");
	one_error("{'minLength': 3}", "'ab'", "",
		  "must be at least 3 characters "
		  "long");
	one_error("{'maxItems': 1}", "[1, 2]", "", "must have at most 1 item");
	one_error("{'minProperties': 2}", "{'a': 1}", "",
		  "must have at least 2 fields");
	one_error("{'contains': {'type': 'string'}}", "[1]", "",
		  "must contain at least 1 matching item");
	one_error("{'contains': {'type': 'string'}, 'maxContains': 1}",
		  "['a', 'b']", "", "must contain at most 1 matching item");
}

static void test_schema_counts_code_points(void **state)
{
	(void)state;
	valid("{'maxLength': 2}", "'\xe4\xb8\x89\xe7\xa4\xbe'");
	one_error("{'maxLength': 2}", "'\xe4\xb8\x89\xe7\xa4\xbe\xe5\xb7\xa5'",
		  "", "must be at most 2 characters long");
}

static void test_schema_reports_format_violations(void **state)
{
	(void)state;
	one_error("{'format': 'date'}", "'2024-02-30'", "",
		  "not a date (YYYY-MM-DD)");
	valid("{'format': 'date'}", "'2024-02-29'");
	one_error(
	    "{'format': 'date-time'}", "'2024-01-01 10:00:00Z'", "",
	    "not a date-time (YYYY-MM-DDThh:mm:ss and Z or an offset like "
	    "+08:00)");
	valid("{'format': 'date-time'}", "'2016-12-31T23:59:60Z'");
	valid("{'format': 'date-time'}", "'2017-01-01T07:59:60.5+08:00'");
	one_error(
	    "{'format': 'date-time'}", "'2017-01-01T07:59:60+00:00'", "",
	    "not a date-time (YYYY-MM-DDThh:mm:ss and Z or an offset like "
	    "+08:00)");
	one_error("{'format': 'uuid'}", "'urn:uuid:0'", "",
		  "not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
	valid("{'format': 'uuid'}", "'6F9619FF-8B86-D011-B42D-00C04FC964FF'");
	valid("{'format': 'date'}", "20240101");
}

static void test_schema_reports_unknown_and_unexpected(void **state)
{
	(void)state;
	one_error("{'properties': {'a': {}}, 'additionalProperties': false}",
		  "{'a': 1, 'b/c': 2}", "/b~1c", "unknown field");
	one_error("{'prefixItems': [{}], 'items': false}", "[1, 2]", "/1",
		  "unexpected item");
	one_error("{'properties': {'secret': false}}", "{'secret': 1}",
		  "/secret", "not allowed");
	one_error("false", "{}", "", "not allowed");
	one_error("{'propertyNames': {'pattern': '^[a-z_]+$'}}", "{'Name': 1}",
		  "/Name", "field name: does not match pattern '^[a-z_]+$'");
	one_error("{'uniqueItems': true}", "[1, 2, 1.0]", "/2",
		  "duplicate of item 0");
}

/* Every pair would be 2e10 comparisons; sorting canonical forms is quick. */
static void test_schema_unique_items_checks_200k_items(void **state)
{
	sanshe_schema *schema = compile("{'uniqueItems': true}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	cJSON *team = cJSON_CreateArray();
	char id[32];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		snprintf(id, sizeof(id), "m-%06d", i);
		cJSON_AddItemToArray(team, cJSON_CreateString(id));
	}
	assert_int_equal(sanshe_schema_validate(schema, team, &errors), 0);
	cJSON_AddItemToArray(team, cJSON_CreateString("m-001000"));
	assert_int_equal(sanshe_schema_validate(schema, team, &errors),
			 SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 1);
	assert_error(&errors, 0, "/200000", "duplicate of item 1000");
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
	cJSON_Delete(team);
}

static void test_schema_unique_items_compares_members_in_any_order(void **state)
{
	sanshe_schema *schema = compile("{'uniqueItems': true}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	(void)state;
	assert_int_equal(
	    validate(schema,
		     "[{'a': 1, 'b': [1, {'c': null, 'd': 'x'}]}, "
		     "{'a': 1}, "
		     "{'b': [1.0, {'d': 'x', 'c': null}], 'a': 1}, "
		     "{'a': 1, 'b': [{'c': null, 'd': 'x'}, 1]}, "
		     "{'a': true}, {'a': '1'}, {'a': 1.0}, "
		     "{'b': [1, {'c': null, 'd': 'x'}], 'a': 1e0}]",
		     &errors),
	    SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 3);
	assert_error(&errors, 0, "/2", "duplicate of item 0");
	assert_error(&errors, 1, "/6", "duplicate of item 1");
	assert_error(&errors, 2, "/7", "duplicate of item 0");
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
}

/* sanshe's parser refuses repeated names; a tree built otherwise may not. */
static void test_schema_unique_items_refuses_repeated_member_names(void **state)
{
	sanshe_schema *schema = compile("{'items': {'uniqueItems': true}}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;

	(void)state;
	assert_int_equal(validate(schema, "[[1, {'a': 1, 'a': 2}]]", &errors),
			 SANSHE_EINVALID);
	assert_int_equal(errors.count, 0);
	assert_string_equal(sanshe_error_last(),
			    "/0/1: cannot check uniqueItems: duplicate member "
			    "name \"a\"");
	sanshe_schema_free(schema);
}

/* [0, 1, ..., count - 1]: one violation each of {'type': 'string'}. */
static cJSON *numbers(int count)
{
	cJSON *array = cJSON_CreateArray();
	int i;

	for (i = 0; i < count; i++)
		cJSON_AddItemToArray(array, cJSON_CreateNumber(i));
	return array;
}

static void test_schema_keeps_100_violations_and_counts_the_rest(void **state)
{
	sanshe_schema *schema = compile("{'items': {'type': 'string'}}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	cJSON *bad = numbers(400000);

	(void)state;
	assert_int_equal(sanshe_schema_validate(schema, bad, &errors),
			 SANSHE_ESCHEMA);
	assert_string_equal(sanshe_error_last(),
			    "/0: expected string, got number");
	assert_int_equal(errors.count, 101);
	assert_error(&errors, 0, "/0", "expected string, got number");
	assert_error(&errors, 99, "/99", "expected string, got number");
	assert_error(&errors, 100, "", "and 399900 more violations");
	cJSON_Delete(bad);

	/* Each validation has its own 100. */
	bad = numbers(101);
	assert_int_equal(sanshe_schema_validate(schema, bad, &errors),
			 SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 101 + 101);
	assert_error(&errors, 201, "", "and 1 more violation");
	cJSON_Delete(bad);
	sanshe_schema_errors_dispose(&errors);

	bad = numbers(100);
	assert_int_equal(sanshe_schema_validate(schema, bad, &errors),
			 SANSHE_ESCHEMA);
	assert_int_equal(errors.count, 100);
	assert_error(&errors, 99, "/99", "expected string, got number");
	cJSON_Delete(bad);
	sanshe_schema_errors_dispose(&errors);
	sanshe_schema_free(schema);
}

static void test_schema_anyof_reports_one_line(void **state)
{
	(void)state;
	one_error("{'anyOf': [{'type': 'string', 'minLength': 3}, {'type': "
		  "'integer', 'minimum': 10}]}",
		  "true", "", "does not match any of the allowed schemas");
	one_error("{'oneOf': [{'type': 'string'}, {'type': 'array'}]}", "1", "",
		  "does not match any of the allowed schemas");
	one_error("{'properties': {'n': {'oneOf': [{'type': 'integer'}, "
		  "{'minimum': 0}]}}}",
		  "{'n': 1}", "/n",
		  "matches more than one of the allowed schemas "
		  "('/properties/n/oneOf/0' and '/properties/n/oneOf/1')");
}

static void test_schema_anyof_reports_the_alternative_that_fits(void **state)
{
	const char *date_or_null =
	    "{'properties': {'closed': {'anyOf': [{'type': "
	    "'string', 'format': 'date'}, {'type': "
	    "'null'}]}}}";

	(void)state;
	valid(date_or_null, "{'closed': null}");
	valid(date_or_null, "{'closed': '2024-05-01'}");
	one_error(date_or_null, "{'closed': '2024-13-01'}", "/closed",
		  "not a date (YYYY-MM-DD)");
	one_error(date_or_null, "{'closed': 5}", "/closed",
		  "does not match any of the allowed schemas");
}

static void test_schema_not_and_if_report_their_own_lines(void **state)
{
	(void)state;
	one_error("{'not': {'type': 'null'}}", "null", "",
		  "must not match the schema at '/not'");
	one_error("{'if': {'properties': {'status': {'const': 'closed'}}}, "
		  "'then': {'required': ['closed_on']}, 'else': {'properties': "
		  "{'closed_on': false}}}",
		  "{'status': 'closed'}", "/closed_on",
		  "required field 'closed_on' is missing");
	one_error("{'if': {'properties': {'status': {'const': 'closed'}}}, "
		  "'then': {'required': ['closed_on']}, 'else': {'properties': "
		  "{'closed_on': false}}}",
		  "{'status': 'open', 'closed_on': '2024-01-01'}", "/closed_on",
		  "not allowed");
	one_error("{'dependentSchemas': {'end': {'required': ['start']}}}",
		  "{'end': 1}", "/start", "required field 'start' is missing");
}

static void test_schema_regex_behaves_like_ecma262(void **state)
{
	(void)state;
	one_error("{'pattern': '^a$'}", "'a\\n'", "",
		  "does not match pattern '^a$'");
	valid("{'pattern': '^\\\\p{Letter}+$'}", "'\xcf\x80\xce\xb9'");
	valid("{'pattern': '^\\\\p{gc=Uppercase_Letter}$'}", "'\xc3\x89'");
	valid("{'pattern': '^\\\\u00e9$'}", "'\xc3\xa9'");
	valid("{'pattern': '^\\\\p{General_Category=Lu}\\\\u{1F4A9}$'}",
	      "'A\xf0\x9f\x92\xa9'");
	valid("{'pattern': '^\\\\p{Script=Greek}+$'}", "'\xcf\x80\xce\xb9'");
	valid("{'pattern': '^[^]$'}", "'\\n'");
	one_error("{'pattern': '^\\\\d$'}", "'\xe0\xa7\xaa'", "",
		  "does not match pattern '^\\d$'");
	valid("{'patternProperties': {'^\\\\p{L}+$': {'type': 'integer'}}}",
	      "{'\xe4\xb8\x89': 1, '1': 'x'}");
}

static void test_schema_bounds_regex_backtracking(void **state)
{
	(void)state;
	one_error(
	    "{'pattern': '^(a|aa)+$'}",
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'",
	    "", "cannot check pattern '^(a|aa)+$': too costly to match");
}

static void test_schema_pattern_hint_replaces_the_regex_in_messages(void **state)
{
	(void)state;
	one_error("{\"properties\": {\"phone\": {\"type\": \"string\", \"pattern\": \"^1[0-9]{10}$\","
		  " \"x-sanshe-hint\": \"a mobile number like 13912345678\"}}}",
		  "{\"phone\": \"12345\"}", "/phone", "must be a mobile number like 13912345678");
	one_error("{\"properties\": {\"phone\": {\"pattern\": \"^1[0-9]{10}$\"}}}",
		  "{\"phone\": \"12345\"}", "/phone", "does not match pattern '^1[0-9]{10}$'");
}

/*
 * Each level an allOf of two $refs to the level below: 2^40 applications
 * of the bottom schema from a schema of 2.5 KB (found with
 * tests/fuzz/fuzz_schema.c, which it hung).  The message says where in the
 * document checking stopped.
 */
static void test_schema_bounds_work_of_multiplying_refs(void **state)
{
	sanshe_buf defs = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	sanshe_schema *schema;
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	int i;

	(void)state;
	sanshe_buf_puts(&defs, "'$defs': {'d0': {'type': 'string'}");
	for (i = 1; i < 40; i++)
		sanshe_buf_printf(
		    &defs,
		    ", 'd%d': {'allOf': [{'$ref': '#/$defs/d%d'}, "
		    "{'$ref': '#/$defs/d%d'}]}",
		    i, i - 1, i - 1);
	sanshe_buf_printf(&text, "{%s}, '$ref': '#/$defs/d39'}", defs.ptr);
	schema = compile(text.ptr);
	assert_int_equal(validate(schema, "'x'", &errors), SANSHE_EINVALID);
	assert_int_equal(errors.count, 0);
	assert_string_equal(sanshe_error_last(),
			    "too costly to check against schema 'case' (more "
			    "than 1000000 subschemas to apply)");
	sanshe_schema_free(schema);

	sanshe_buf_clear(&text);
	sanshe_buf_printf(&text,
			  "{%s}, 'properties': {'team': {'items': {'$ref': "
			  "'#/$defs/d39'}}}}",
			  defs.ptr);
	schema = compile(text.ptr);
	assert_int_equal(validate(schema, "{'team': ['x']}", &errors),
			 SANSHE_EINVALID);
	assert_string_equal(
	    sanshe_error_last(),
	    "/team/0: too costly to check against schema 'case' "
	    "(more than 1000000 subschemas to apply)");
	sanshe_schema_free(schema);
	sanshe_buf_dispose(&defs);
	sanshe_buf_dispose(&text);
}

/* A cheap schema, a large document: five subschemas for each of 200k items. */
static void test_schema_too_costly_names_the_place_in_the_document(void **state)
{
	sanshe_schema *schema =
	    compile("{'items': {'allOf': [{'minimum': 0}, {'maximum': 9}, "
		    "{'type': 'integer'}, {'multipleOf': 1}]}}");
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	cJSON *many = cJSON_CreateArray();
	int i;

	(void)state;
	for (i = 0; i < 199999; i++)
		cJSON_AddItemToArray(many, cJSON_CreateNumber(1));
	assert_int_equal(sanshe_schema_validate(schema, many, &errors), 0);
	cJSON_AddItemToArray(many, cJSON_CreateNumber(1));
	assert_int_equal(sanshe_schema_validate(schema, many, &errors),
			 SANSHE_EINVALID);
	assert_int_equal(errors.count, 0);
	assert_string_equal(
	    sanshe_error_last(),
	    "/199999: too costly to check against schema 'case' "
	    "(more than 1000000 subschemas to apply)");
	sanshe_schema_free(schema);
	cJSON_Delete(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema_rejects_unknown_keyword),
	    cmocka_unit_test(test_schema_rejects_id_below_root),
	    cmocka_unit_test(test_schema_rejects_other_dialect),
	    cmocka_unit_test(test_schema_rejects_bad_keyword_values),
	    cmocka_unit_test(test_schema_rejects_non_schema),
	    cmocka_unit_test(test_schema_rejects_bad_pattern),
	    cmocka_unit_test(test_schema_rejects_refs_it_cannot_resolve),
	    cmocka_unit_test(test_schema_resolves_escaped_pointers_and_root_id),
	    cmocka_unit_test(test_schema_rejects_ref_loop_without_input),
	    cmocka_unit_test(test_schema_follows_recursion_through_members),
	    cmocka_unit_test(test_schema_bounds_nesting),
	    cmocka_unit_test(test_schema_accepts_annotations_and_extensions),
	    cmocka_unit_test(test_schema_keeps_its_own_copy),
	    cmocka_unit_test(test_schema_reports_missing_required_field),
	    cmocka_unit_test(test_schema_collects_all_violations),
	    cmocka_unit_test(test_schema_validate_appends_and_sets_message),
	    cmocka_unit_test(test_schema_reports_type_mismatch),
	    cmocka_unit_test(test_schema_reports_allowed_values),
	    cmocka_unit_test(test_schema_reports_bounds),
	    cmocka_unit_test(test_schema_counts_code_points),
	    cmocka_unit_test(test_schema_reports_format_violations),
	    cmocka_unit_test(test_schema_reports_unknown_and_unexpected),
	    cmocka_unit_test(test_schema_unique_items_checks_200k_items),
	    cmocka_unit_test(
		test_schema_unique_items_compares_members_in_any_order),
	    cmocka_unit_test(
		test_schema_unique_items_refuses_repeated_member_names),
	    cmocka_unit_test(
		test_schema_keeps_100_violations_and_counts_the_rest),
	    cmocka_unit_test(test_schema_anyof_reports_one_line),
	    cmocka_unit_test(
		test_schema_anyof_reports_the_alternative_that_fits),
	    cmocka_unit_test(test_schema_not_and_if_report_their_own_lines),
	    cmocka_unit_test(test_schema_regex_behaves_like_ecma262),
	    cmocka_unit_test(test_schema_bounds_regex_backtracking),
	    cmocka_unit_test(test_schema_pattern_hint_replaces_the_regex_in_messages),
	    cmocka_unit_test(test_schema_bounds_work_of_multiplying_refs),
	    cmocka_unit_test(
		test_schema_too_costly_names_the_place_in_the_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

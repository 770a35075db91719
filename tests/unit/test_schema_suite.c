/*
 * The official JSON Schema Test Suite (draft 2020-12) against sanshe's
 * validator: one cmocka test per file of $SANSHE_TESTDATA/json-schema-2020-12
 * (default ../shared/testdata from the project top).  Each file is an array
 * of groups {description, schema, tests: [{description, data, valid}]}.
 *
 * Every case must give the suite's answer, except those listed in `skips`
 * with a reason, and each listed exception is itself checked:
 *
 *   UNSUPPORTED   the group's schema needs a feature sanshe refuses, so
 *                 compiling it must fail with a message (never give wrong
 *                 answers);
 *   UNREPRESENTABLE  the case's data holds U+0000, which sanshe's JSON
 *                 parser refuses and cJSON cuts short: not run;
 *   ASSERTED      sanshe asserts the format where the suite expects an
 *                 annotation only: the case must be rejected.
 *
 * The files for unsupported keywords (anchor.json, ...) are run too: each
 * group must either fail to compile cleanly or pass.  Each file prints
 * "<file>: N/M cases passed, K skipped (reasons)" as a TAP comment.
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

enum skip_kind { UNSUPPORTED, UNREPRESENTABLE, ASSERTED };

struct skip {
	const char *file;
	const char *group;
	const char *test; /* NULL: every case of the group */
	enum skip_kind kind;
	const char *reason;
};

#define NO_ID "$id below the root (embedded resources) not supported"
#define REMOTE "remote $ref not supported"
#define NUL "U+0000 in a string: refused by sanshe's parser"

static const struct skip skips[] = {
    {"defs.json", "validate definition against metaschema", NULL, UNSUPPORTED,
     REMOTE},
    {"not.json",
     "collect annotations inside a 'not', even if collection is disabled", NULL,
     UNSUPPORTED, "unevaluatedProperties not supported"},
    {"ref.json", "remote ref, containing refs itself", NULL, UNSUPPORTED,
     REMOTE},
    {"ref.json", "Recursive references between schemas", NULL, UNSUPPORTED,
     NO_ID},
    {"ref.json", "ref creates new scope when adjacent to keywords", NULL,
     UNSUPPORTED, "unevaluatedProperties not supported"},
    {"ref.json", "refs with relative uris and defs", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "relative refs with absolute uris and defs", NULL, UNSUPPORTED,
     NO_ID},
    {"ref.json",
     "$id must be resolved against nearest parent, not just immediate parent",
     NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "order of evaluation: $id and $ref", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "order of evaluation: $id and $anchor and $ref", NULL,
     UNSUPPORTED, "$anchor not supported"},
    {"ref.json", "order of evaluation: $id and $ref on nested schema", NULL,
     UNSUPPORTED, NO_ID},
    {"ref.json", "URN base URI with URN and anchor ref", NULL, UNSUPPORTED,
     "$anchor not supported"},
    {"ref.json", "URN ref with nested pointer ref", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "ref to if", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "ref to then", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "ref to else", NULL, UNSUPPORTED, NO_ID},
    {"ref.json", "ref with absolute-path-reference", NULL, UNSUPPORTED, NO_ID},
    {"const.json", "nul characters in strings", NULL, UNREPRESENTABLE, NUL},
    {"enum.json", "nul characters in strings", NULL, UNREPRESENTABLE, NUL},
    {"optional/format/date.json", "validation of date strings",
     "invalid: NUL character after an otherwise valid full-date",
     UNREPRESENTABLE, NUL},
    {"format.json", "date format",
     "invalid date string is only an annotation by default", ASSERTED,
     "sanshe asserts date, date-time and uuid"},
    {"format.json", "date-time format",
     "invalid date-time string is only an annotation by default", ASSERTED,
     "sanshe asserts date, date-time and uuid"},
    {"format.json", "uuid format",
     "invalid uuid string is only an annotation by default", ASSERTED,
     "sanshe asserts date, date-time and uuid"},
};

struct suite_file {
	const char *path;
	const char *unsupported; /* why every group may be refused, or NULL */
};

static const struct suite_file files[] = {
    {"additionalProperties.json", NULL},
    {"allOf.json", NULL},
    {"anyOf.json", NULL},
    {"boolean_schema.json", NULL},
    {"const.json", NULL},
    {"contains.json", NULL},
    {"default.json", NULL},
    {"defs.json", NULL},
    {"dependentRequired.json", NULL},
    {"dependentSchemas.json", NULL},
    {"enum.json", NULL},
    {"exclusiveMaximum.json", NULL},
    {"exclusiveMinimum.json", NULL},
    {"format.json", NULL},
    {"if-then-else.json", NULL},
    {"infinite-loop-detection.json", NULL},
    {"items.json", NULL},
    {"maxContains.json", NULL},
    {"maxItems.json", NULL},
    {"maxLength.json", NULL},
    {"maxProperties.json", NULL},
    {"maximum.json", NULL},
    {"minContains.json", NULL},
    {"minItems.json", NULL},
    {"minLength.json", NULL},
    {"minProperties.json", NULL},
    {"minimum.json", NULL},
    {"multipleOf.json", NULL},
    {"not.json", NULL},
    {"oneOf.json", NULL},
    {"pattern.json", NULL},
    {"patternProperties.json", NULL},
    {"prefixItems.json", NULL},
    {"properties.json", NULL},
    {"propertyNames.json", NULL},
    {"ref.json", NULL},
    {"required.json", NULL},
    {"type.json", NULL},
    {"uniqueItems.json", NULL},
    {"optional/format/date.json", NULL},
    {"optional/format/date-time.json", NULL},
    {"optional/format/uuid.json", NULL},
    {"anchor.json", "$anchor not supported"},
    {"content.json", "content* keywords not supported"},
    {"dynamicRef.json", "$dynamicRef and $dynamicAnchor not supported"},
    {"refRemote.json", REMOTE},
    {"unevaluatedItems.json", "unevaluatedItems not supported"},
    {"unevaluatedProperties.json", "unevaluatedProperties not supported"},
    {"vocabulary.json", "$vocabulary not supported"},
};

/* What one file came to. */
struct tally {
	const struct suite_file *file;
	int cases, passed, skipped, wrong;
	char reasons[512];
	size_t used[SANSHE_ARRAY_SIZE(skips)];
};

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
		if (fread(text, 1, (size_t)size, f) == (size_t)size) {
			text[size] = '\0';
		} else {
			free(text);
			text = NULL;
		}
	}
	fclose(f);
	return text;
}

static cJSON *load(const char *name)
{
	const char *dir = getenv("SANSHE_TESTDATA");
	char path[1024];
	char *text;
	cJSON *tree;

	snprintf(path, sizeof(path), "%s/json-schema-2020-12/%s",
		 dir && *dir ? dir : "../shared/testdata", name);
	text = read_text(path);
	if (!text)
		fail_msg("cannot read %s (set SANSHE_TESTDATA)", path);
	tree = cJSON_ParseWithOpts(text, NULL, 1);
	free(text);
	if (!cJSON_IsArray(tree))
		fail_msg("%s is not a JSON array", path);
	return tree;
}

static const char *text_of(const cJSON *object, const char *name)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(object, name));

	return s ? s : "";
}

static const struct skip *find_skip(struct tally *t, const char *group,
				    const char *test)
{
	size_t i;

	for (i = 0; i < SANSHE_ARRAY_SIZE(skips); i++) {
		if (strcmp(skips[i].file, t->file->path) != 0 ||
		    strcmp(skips[i].group, group) != 0)
			continue;
		if (skips[i].test ? (test && strcmp(skips[i].test, test) == 0)
				  : !test) {
			t->used[i]++;
			return &skips[i];
		}
	}
	return NULL;
}

static void note_skips(struct tally *t, int count, const char *reason)
{
	size_t len = strlen(t->reasons);

	t->skipped += count;
	if (strstr(t->reasons, reason))
		return;
	snprintf(t->reasons + len, sizeof(t->reasons) - len, "%s%s",
		 len ? "; " : "", reason);
}

/* A verdict must come with its violations, and only then. */
static void check_report(int rc, const sanshe_schema_errors *errors)
{
	size_t i;

	assert_true(rc == 0 || rc == SANSHE_ESCHEMA);
	if (rc == 0) {
		assert_int_equal(errors->count, 0);
		return;
	}
	assert_true(errors->count > 0);
	assert_true(*sanshe_error_last());
	for (i = 0; i < errors->count; i++) {
		assert_non_null(errors->items[i].pointer);
		assert_true(*errors->items[i].message);
	}
}

static void run_case(struct tally *t, const sanshe_schema *schema,
		     const char *group, const cJSON *test)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	const char *name = text_of(test, "description");
	const struct skip *skip = find_skip(t, group, name);
	bool expected = cJSON_IsTrue(cJSON_GetObjectItem(test, "valid"));
	int rc;

	t->cases++;
	if (skip && skip->kind == UNREPRESENTABLE) {
		note_skips(t, 1, skip->reason);
		return;
	}
	rc = sanshe_schema_validate(schema, cJSON_GetObjectItem(test, "data"),
				    &errors);
	check_report(rc, &errors);
	if (skip) /* ASSERTED: sanshe rejects what the suite lets pass */
		note_skips(t, 1, skip->reason);
	if (skip ? rc == 0 : (rc == 0) != expected) {
		t->wrong++;
		print_error("%s: %s: %s: expected %s, got %s (%s)\n",
			    t->file->path, group, name,
			    skip || !expected ? "invalid" : "valid",
			    rc == 0 ? "valid" : "invalid",
			    rc == 0 ? "" : sanshe_error_last());
	} else if (!skip) {
		t->passed++;
	}
	sanshe_schema_errors_dispose(&errors);
}

/* A group sanshe refuses: the refusal must be a clean message. */
static void refused(struct tally *t, const char *name, const char *reason,
		    const cJSON *tests, int rc)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "schema '%s': ", name);
	assert_int_equal(rc, SANSHE_EINVALID);
	assert_int_equal(strncmp(sanshe_error_last(), prefix, strlen(prefix)),
			 0);
	t->cases += cJSON_GetArraySize(tests);
	note_skips(t, cJSON_GetArraySize(tests), reason);
}

static void run_group(struct tally *t, const cJSON *group, int index)
{
	const char *description = text_of(group, "description");
	const cJSON *tests = cJSON_GetObjectItem(group, "tests"), *test;
	const struct skip *skip = find_skip(t, description, NULL);
	sanshe_schema *schema = NULL;
	char name[128];
	int rc;

	snprintf(name, sizeof(name), "%s[%d]", t->file->path, index);
	rc = sanshe_schema_compile(&schema,
				   cJSON_GetObjectItem(group, "schema"), name);
	if (skip && skip->kind == UNSUPPORTED) {
		refused(t, name, skip->reason, tests, rc);
		return;
	}
	if (rc != 0 && t->file->unsupported) {
		refused(t, name, t->file->unsupported, tests, rc);
		return;
	}
	if (rc != 0)
		fail_msg("%s: %s: %s", t->file->path, description,
			 sanshe_error_last());
	cJSON_ArrayForEach(test, tests)
	{
		if (skip && skip->kind == UNREPRESENTABLE) {
			t->cases++;
			note_skips(t, 1, skip->reason);
		} else {
			run_case(t, schema, description, test);
		}
	}
	sanshe_schema_free(schema);
}

static int total_cases, total_passed, total_skipped;

static void test_suite_file(void **state)
{
	const struct suite_file *file = *state;
	struct tally t;
	cJSON *groups = load(file->path), *group;
	size_t i;
	int index = 0;

	memset(&t, 0, sizeof(t));
	t.file = file;
	cJSON_ArrayForEach(group, groups) run_group(&t, group, index++);
	cJSON_Delete(groups);
	printf("# %s: %d/%d cases passed, %d skipped%s%s%s\n", file->path,
	       t.passed, t.cases, t.skipped, t.skipped ? " (" : "", t.reasons,
	       t.skipped ? ")" : "");
	total_cases += t.cases;
	total_passed += t.passed;
	total_skipped += t.skipped;
	for (i = 0; i < SANSHE_ARRAY_SIZE(skips); i++)
		if (strcmp(skips[i].file, file->path) == 0 && !t.used[i])
			fail_msg("skip entry not used: %s: %s", skips[i].file,
				 skips[i].group);
	assert_int_equal(t.wrong, 0);
	assert_int_equal(t.passed + t.skipped, t.cases);
}

int main(void)
{
	struct CMUnitTest tests[SANSHE_ARRAY_SIZE(files)];
	size_t i;
	int failed;

	for (i = 0; i < SANSHE_ARRAY_SIZE(files); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = files[i].path;
		tests[i].test_func = test_suite_file;
		tests[i].initial_state = (void *)&files[i];
	}
	failed = _cmocka_run_group_tests("json_schema_suite", tests,
					 SANSHE_ARRAY_SIZE(tests), NULL, NULL);
	printf("# all files: %d/%d cases passed, %d skipped\n", total_passed,
	       total_cases, total_skipped);
	return failed;
}

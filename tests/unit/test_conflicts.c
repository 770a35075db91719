/* The conflicts a document keeps: reading, settling, carrying forward. */
#include "testutil.h"

#include <string.h>

#include "conflicts.h"
#include "hlc.h"
#include "json.h"

#define K1 "SHA256:1111111111111111111111111111111111111111110"
#define K2 "SHA256:2222222222222222222222222222222222222222220"
#define T1 "2026-11-22T08:10:00.000Z/0000"
#define T2 "2026-11-23T09:00:00.000Z/0001"

/* A case whose risk level and phone were changed on two sides, and kept. */
static const char conflicted[] =
	"{\"type\":\"case\",\"id\":\"c-17\",\"risk_level\":\"high\","
	"\"client\":{\"name\":\"Ma\",\"phone\":\"13800000000\"},"
	"\"visits\":[{\"id\":\"v1\",\"minutes\":30}],"
	"\"_conflicts\":["
	"{\"path\":\"/risk_level\",\"value\":\"low\",\"key\":\"" K1 "\",\"at\":\"" T1 "\"},"
	"{\"path\":\"/client/phone\",\"key\":\"" K2 "\",\"at\":\"" T1 "\"},"
	"{\"path\":\"/risk_level\",\"value\":\"medium\",\"key\":\"" K2 "\",\"at\":\"" T2 "\"},"
	"{\"path\":\"/client/email\",\"value\":\"ma@example.org\",\"key\":\"" K1 "\",\"at\":\"" T1 "\"}"
	"]}";

static cJSON *parse(const char *text)
{
	cJSON *v = NULL;

	assert_int_equal(sanshe_json_parse(&v, text, strlen(text), NULL, NULL), 0);
	return v;
}

static const char *string_at(const cJSON *doc, const char *pointer)
{
	return cJSON_GetStringValue(sanshe_json_pointer_get(doc, pointer));
}

static int entries(const cJSON *doc)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "_conflicts"));
}

static void test_conflicts_are_grouped_by_path_in_order(void **state)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	cJSON *doc = parse(conflicted);

	(void)state;
	assert_int_equal(sanshe_conflicts_read(&c, doc), 0);
	assert_int_equal(c.count, 3);
	assert_string_equal(c.items[0].path, "/risk_level");
	assert_string_equal(cJSON_GetStringValue(c.items[0].kept), "high");
	assert_int_equal(c.items[0].count, 2);
	assert_string_equal(cJSON_GetStringValue(sanshe_conflict_value(c.items[0].others[0])), "low");
	assert_string_equal(cJSON_GetStringValue(sanshe_conflict_value(c.items[0].others[1])),
			    "medium");
	assert_string_equal(c.items[1].path, "/client/phone");
	assert_int_equal(c.items[1].count, 1);
	assert_null(sanshe_conflict_value(c.items[1].others[0]));
	assert_null(c.items[2].kept); /* the removal of the email was kept */
	assert_ptr_equal(sanshe_conflicts_find(&c, "/client/email"), &c.items[2]);
	assert_null(sanshe_conflicts_find(&c, "/client"));
	sanshe_conflicts_dispose(&c);
	cJSON_Delete(doc);
}

static void test_conflicts_of_a_document_without_any_are_none(void **state)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-1\"}");

	(void)state;
	assert_int_equal(sanshe_conflicts_read(&c, doc), 0);
	assert_int_equal(c.count, 0);
	assert_int_equal(sanshe_conflicts_take(doc, "/x", 0), SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "has no conflicts"));
	sanshe_conflicts_dispose(&c);
	cJSON_Delete(doc);
}

static void test_conflicts_read_refuses_entries_without_a_path(void **state)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-1\",\"_conflicts\":[{\"path\":\"/a\"},{}]}");

	(void)state;
	assert_int_equal(sanshe_conflicts_read(&c, doc), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "entry 1"));
	assert_int_equal(c.count, 0);
	cJSON_Delete(doc);
}

static void test_take_0_keeps_the_value_and_drops_the_entries(void **state)
{
	cJSON *doc = parse(conflicted);

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "/risk_level", 0), 0);
	assert_string_equal(string_at(doc, "/risk_level"), "high");
	assert_int_equal(entries(doc), 2);
	assert_int_equal(sanshe_conflicts_take(doc, "/client/phone", 0), 0);
	assert_int_equal(sanshe_conflicts_take(doc, "/client/email", 0), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "_conflicts"));
	cJSON_Delete(doc);
}

static void test_take_n_sets_the_other_value(void **state)
{
	cJSON *doc = parse(conflicted);

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "/risk_level", 2), 0);
	assert_string_equal(string_at(doc, "/risk_level"), "medium");
	assert_int_equal(sanshe_conflicts_take(doc, "/client/email", 1), 0);
	assert_string_equal(string_at(doc, "/client/email"), "ma@example.org");
	assert_int_equal(entries(doc), 1);
	cJSON_Delete(doc);
}

static void test_take_n_of_a_removal_removes_the_member(void **state)
{
	cJSON *doc = parse(conflicted);

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "/client/phone", 1), 0);
	assert_null(sanshe_json_pointer_get(doc, "/client/phone"));
	assert_string_equal(string_at(doc, "/client/name"), "Ma");
	cJSON_Delete(doc);
}

static void test_take_refuses_bad_options_and_changes_nothing(void **state)
{
	cJSON *doc = parse(conflicted), *before = parse(conflicted);

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "/risk_level", 3), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "no option 3 at '/risk_level'"));
	assert_non_null(strstr(sanshe_error_last(), "1 to 2"));
	assert_int_equal(sanshe_conflicts_take(doc, "/client/name", 0), SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "case 'c-17' has no conflict at '/client/name'"));
	assert_non_null(strstr(sanshe_error_last(), "'/risk_level', '/client/phone'"));
	assert_true(sanshe_json_equal(doc, before));
	cJSON_Delete(doc);
	cJSON_Delete(before);
}

static void test_taking_the_removal_of_the_whole_document_is_refused(void **state)
{
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-1\",\"_conflicts\":["
			   "{\"path\":\"\",\"key\":\"" K1 "\",\"at\":\"" T1 "\"}]}");

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "", 1), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "sanshe rm"));
	assert_int_equal(entries(doc), 1);
	assert_int_equal(sanshe_conflicts_set(doc, "", doc), SANSHE_EINVALID);
	assert_int_equal(sanshe_conflicts_take(doc, "", 0), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "_conflicts"));
	cJSON_Delete(doc);
}

static void test_set_gives_a_value_of_ones_own(void **state)
{
	cJSON *doc = parse(conflicted), *value = parse("{\"level\":\"low\",\"note\":\"checked\"}");

	(void)state;
	assert_int_equal(sanshe_conflicts_set(doc, "/risk_level", value), 0);
	assert_string_equal(string_at(doc, "/risk_level/note"), "checked");
	assert_int_equal(entries(doc), 2);
	assert_int_equal(sanshe_conflicts_set(doc, "/risk_level", value), SANSHE_ENOTFOUND);
	cJSON_Delete(value);
	cJSON_Delete(doc);
}

static void test_a_conflict_in_a_reserved_member_cannot_be_settled(void **state)
{
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-1\",\"_conflicts\":["
			   "{\"path\":\"/_conflicts/0\",\"value\":1,\"key\":\"" K1 "\",\"at\":\"" T1
			   "\"}]}");

	(void)state;
	assert_int_equal(sanshe_conflicts_take(doc, "/_conflicts/0", 1), SANSHE_EINVALID);
	assert_int_equal(entries(doc), 1);
	cJSON_Delete(doc);
}

static void test_carry_keeps_the_stored_conflicts_and_signs_after_them(void **state)
{
	cJSON *stored = parse(conflicted);
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-17\",\"risk_level\":\"low\"}");
	sanshe_doc_draft draft = { NULL, 0, { 0, 0 } };
	sanshe_hlc t2;

	(void)state;
	assert_int_equal(sanshe_hlc_parse(&t2, T2), 0);
	assert_int_equal(sanshe_conflicts_carry(doc, &draft, stored), 1);
	assert_int_equal(entries(doc), 4);
	assert_true(draft.has_before);
	assert_int_equal(sanshe_hlc_compare(draft.before, t2), 0);
	/* a document with conflicts of its own keeps those */
	assert_int_equal(sanshe_conflicts_take(doc, "/risk_level", 0), 0);
	assert_int_equal(sanshe_conflicts_carry(doc, &draft, stored), 0);
	assert_int_equal(entries(doc), 2);
	cJSON_Delete(doc);
	cJSON_Delete(stored);
}

static void test_carry_from_a_version_without_conflicts_does_nothing(void **state)
{
	cJSON *stored = parse("{\"type\":\"case\",\"id\":\"c-17\"}");
	cJSON *doc = parse("{\"type\":\"case\",\"id\":\"c-17\"}");
	sanshe_doc_draft draft = { NULL, 0, { 0, 0 } };

	(void)state;
	assert_int_equal(sanshe_conflicts_carry(doc, &draft, stored), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "_conflicts"));
	assert_false(draft.has_before);
	cJSON_Delete(doc);
	cJSON_Delete(stored);
}

static void test_settled_counts_removed_entries_and_refuses_new_ones(void **state)
{
	cJSON *before = parse(conflicted), *after = parse(conflicted);
	size_t settled = 99;

	(void)state;
	assert_int_equal(sanshe_conflicts_settled(after, before, &settled), 0);
	assert_int_equal(settled, 0);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(after, "_conflicts"), 1);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItemCaseSensitive(after, "_conflicts"), 0);
	assert_int_equal(sanshe_conflicts_settled(after, before, &settled), 0);
	assert_int_equal(settled, 2);
	cJSON_DeleteItemFromObject(after, "_conflicts");
	assert_int_equal(sanshe_conflicts_settled(after, before, &settled), 0);
	assert_int_equal(settled, 4);
	/* an entry changed by hand is a new one */
	cJSON_Delete(after);
	after = parse(conflicted);
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(after, "_conflicts"), 0),
				  "value", cJSON_CreateString("none"));
	assert_int_equal(sanshe_conflicts_settled(after, before, &settled), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "\"value\":\"none\""));
	cJSON_Delete(after);
	cJSON_Delete(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conflicts_are_grouped_by_path_in_order),
		cmocka_unit_test(test_conflicts_of_a_document_without_any_are_none),
		cmocka_unit_test(test_conflicts_read_refuses_entries_without_a_path),
		cmocka_unit_test(test_take_0_keeps_the_value_and_drops_the_entries),
		cmocka_unit_test(test_take_n_sets_the_other_value),
		cmocka_unit_test(test_take_n_of_a_removal_removes_the_member),
		cmocka_unit_test(test_take_refuses_bad_options_and_changes_nothing),
		cmocka_unit_test(test_taking_the_removal_of_the_whole_document_is_refused),
		cmocka_unit_test(test_set_gives_a_value_of_ones_own),
		cmocka_unit_test(test_a_conflict_in_a_reserved_member_cannot_be_settled),
		cmocka_unit_test(test_carry_keeps_the_stored_conflicts_and_signs_after_them),
		cmocka_unit_test(test_carry_from_a_version_without_conflicts_does_nothing),
		cmocka_unit_test(test_settled_counts_removed_entries_and_refuses_new_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

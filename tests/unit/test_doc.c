/* Signed documents and the type registry: examples, signatures, tampering. */
#include "testutil.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "doc.h"
#include "json.h"
#include "key.h"
#include "registry.h"

static sanshe_key *signer;
static const sanshe_hlc when = { 1795000000000ULL, 7 };

static int setup(void **state)
{
	(void)state;
	return sanshe_key_generate(&signer, "wang-fang");
}

static int teardown(void **state)
{
	(void)state;
	sanshe_key_free(signer);
	return 0;
}

static int lookup(unsigned char pk[32], const char *fingerprint, void *payload)
{
	(void)payload;
	if (strcmp(fingerprint, sanshe_key_fingerprint(signer)) != 0)
		return sanshe_error_set(SANSHE_ENOTFOUND, "a key nobody knows");
	memcpy(pk, sanshe_key_public(signer), 32);
	return 0;
}

static cJSON *load(const char *rel)
{
	cJSON *doc = NULL;

	if (sanshe_json_parse_file(&doc, project_path(rel)) != 0)
		fail_msg("%s", sanshe_error_last());
	return doc;
}

static cJSON *signed_example(const char *type)
{
	char rel[128];
	const sanshe_type *t;
	cJSON *doc;

	snprintf(rel, sizeof(rel), "schemas/examples/%s.json", type);
	doc = load(rel);
	assert_int_equal(sanshe_doc_prepare(doc, &t), 0);
	assert_int_equal(sanshe_doc_sign(doc, signer, &when), 0);
	return doc;
}

static void test_registry_knows_every_type_with_its_merge_and_space(void **state)
{
	static const struct {
		const char *name, *merge, *space;
	} expected[] = {
		{ "case", "fields", "org" },         { "case-note", "append-only", "org" },
		{ "ledger-entry", "append-only", "common" }, { "member", "fields", "trust" },
		{ "org", "fields", "trust" },        { "project", "fields", "common" },
		{ "roster", "fields", "common" },
	};

	(void)state;
	assert_int_equal(sanshe_registry_init(), 0);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(expected); i++) {
		const sanshe_type *t = sanshe_registry_find(expected[i].name);

		assert_non_null(t);
		assert_string_equal(sanshe_merge_kind_name(t->merge), expected[i].merge);
		assert_string_equal(sanshe_space_kind_name(t->space), expected[i].space);
	}
	assert_null(sanshe_registry_at(SANSHE_ARRAY_SIZE(expected)));
	assert_null(sanshe_registry_find("envelope"));
	assert_non_null(sanshe_registry_envelope());
}

static void test_doc_every_valid_example_validates(void **state)
{
	const char *types[] = { "case", "case-note", "ledger-entry", "member", "org", "project", "roster" };
	char rel[128];

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(types); i++) {
		snprintf(rel, sizeof(rel), "schemas/examples/%s.json", types[i]);
		cJSON *doc = load(rel);
		if (sanshe_doc_validate(doc, NULL, NULL) != 0)
			fail_msg("%s: %s", rel, sanshe_error_last());
		cJSON_Delete(doc);
	}
}

/* Each invalid example fails at exactly the pointers its .pointers file lists. */
static void check_invalid_example(const char *dir, const char *name)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	sanshe_buf got = SANSHE_BUF_INIT;
	char path[8192], *want;
	const char *sorted[64];
	size_t n;
	cJSON *doc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(sanshe_json_parse_file(&doc, path), 0);
	assert_int_equal(sanshe_doc_validate(doc, NULL, &errors), SANSHE_ESCHEMA);
	n = errors.count < 64 ? errors.count : 64;
	for (size_t i = 0; i < n; i++)
		sorted[i] = errors.items[i].pointer;
	for (size_t i = 1; i < n; i++) /* insertion sort, unique */
		for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *t = sorted[j];
			sorted[j] = sorted[j - 1], sorted[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			sanshe_buf_printf(&got, "%s\n", sorted[i]);
	strcpy(strrchr(path, '.'), ".pointers");
	want = scratch_read(path, NULL);
	if (strcmp(got.ptr ? got.ptr : "", want) != 0)
		fail_msg("%s: violations at\n%s\nexpected at\n%s", name, got.ptr ? got.ptr : "", want);
	free(want);
	sanshe_buf_dispose(&got);
	sanshe_schema_errors_dispose(&errors);
	cJSON_Delete(doc);
}

static void test_doc_every_invalid_example_fails_where_expected(void **state)
{
	char dir[4096];
	struct dirent *e;
	int count = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", project_path("schemas/examples/invalid"));
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			check_invalid_example(dir, e->d_name);
			count++;
		}
	}
	closedir(d);
	assert_true(count >= 20);
}

static void test_doc_sign_then_verify_every_example(void **state)
{
	const char *types[] = { "case", "case-note", "ledger-entry", "member", "org", "project", "roster" };
	sanshe_doc_sig sig;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(types); i++) {
		cJSON *doc = signed_example(types[i]);

		assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, &sig), 0);
		assert_string_equal(sig.key, sanshe_key_fingerprint(signer));
		assert_true(sig.at.ms == when.ms && sig.at.counter == when.counter);
		assert_int_equal(sanshe_doc_validate(doc, NULL, NULL), 0);
		cJSON_Delete(doc);
	}
}

static void test_doc_verify_leaves_the_document_as_it_was(void **state)
{
	sanshe_buf before = SANSHE_BUF_INIT, after = SANSHE_BUF_INIT;
	cJSON *doc = signed_example("case");

	(void)state;
	assert_int_equal(sanshe_canon_write(&before, doc), 0);
	assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, NULL), 0);
	assert_int_equal(sanshe_canon_write(&after, doc), 0);
	assert_string_equal(before.ptr, after.ptr);
	sanshe_buf_dispose(&before), sanshe_buf_dispose(&after);
	cJSON_Delete(doc);
}

static void assert_bad_signature(cJSON *doc, const char *needle)
{
	assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, NULL), SANSHE_EBADSIG);
	if (!strstr(sanshe_error_last(), needle))
		fail_msg("message '%s' lacks '%s'", sanshe_error_last(), needle);
}

static void test_doc_verify_rejects_a_changed_field(void **state)
{
	cJSON *doc = signed_example("case");

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "risk_level", cJSON_CreateString("low"));
	assert_bad_signature(doc, "does not match the contents");
	assert_non_null(strstr(sanshe_error_last(), "case '"));
	cJSON_Delete(doc);
}

static void test_doc_verify_rejects_a_changed_time(void **state)
{
	cJSON *doc = signed_example("case-note");
	cJSON *sig = cJSON_GetObjectItemCaseSensitive(doc, "_sig");

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(sig, "at", cJSON_CreateString("2030-01-01T00:00:00.000Z/0000"));
	assert_bad_signature(doc, "does not match the contents");
	cJSON_Delete(doc);
}

static void test_doc_verify_names_an_unknown_key(void **state)
{
	sanshe_key *other = NULL;
	cJSON *doc = load("schemas/examples/roster.json");
	const sanshe_type *t;

	(void)state;
	assert_int_equal(sanshe_key_generate(&other, "stranger"), 0);
	assert_int_equal(sanshe_doc_prepare(doc, &t), 0);
	assert_int_equal(sanshe_doc_sign(doc, other, &when), 0);
	assert_bad_signature(doc, sanshe_key_fingerprint(other));
	assert_non_null(strstr(sanshe_error_last(), "a key nobody knows"));
	sanshe_key_free(other);
	cJSON_Delete(doc);
}

/* Change one thing in a good _sig: set `name` to `json` (NULL removes it). */
static void assert_sig_change_refused(const char *name, const char *json, const char *needle)
{
	cJSON *doc = signed_example("org"), *sig = cJSON_GetObjectItemCaseSensitive(doc, "_sig");
	cJSON *value = NULL;

	assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, NULL), 0);
	cJSON_DeleteItemFromObjectCaseSensitive(sig, name);
	if (json) {
		assert_int_equal(sanshe_json_parse(&value, json, strlen(json), NULL, NULL), 0);
		cJSON_AddItemToObject(sig, name, value);
	}
	assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, NULL), SANSHE_EBADSIG);
	if (!strstr(sanshe_error_last(), needle))
		fail_msg("%s=%s: message '%s' lacks '%s'", name, json ? json : "(none)",
			 sanshe_error_last(), needle);
	cJSON_Delete(doc);
}

static void test_doc_verify_rejects_malformed_sig_members(void **state)
{
	char sig63[100], sig_bits[100];
	unsigned char raw[64] = { 0 };
	cJSON *doc = signed_example("org");
	const char *good = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(doc, "_sig"), "sig")->valuestring;

	(void)state;
	/* base64 of 63 bytes; and the good signature with padding bits set */
	sodium_bin2base64(sig63 + 1, sizeof(sig63) - 2, raw, 63, sodium_base64_VARIANT_ORIGINAL);
	sig63[0] = '"';
	strcat(sig63, "\"");
	snprintf(sig_bits, sizeof(sig_bits), "\"%.85s%c==\"", good, good[85] + 1); /* [AQgw] → [BRhx]: a padding bit set */
	assert_sig_change_refused("sig", NULL, "exactly");
	assert_sig_change_refused("extra", "1", "exactly");
	assert_sig_change_refused("key", "7", "exactly");
	assert_sig_change_refused("at", "\"yesterday\"", "not a sanshe clock value");
	assert_sig_change_refused("at", "\"2026-02-30T00:00:00.000Z/0000\"", "not a sanshe clock value");
	assert_sig_change_refused("sig", sig63, "64-byte signature");
	assert_sig_change_refused("sig", sig_bits, "64-byte signature");
	assert_sig_change_refused("key", "\"SHA256:AAAA\"", "a key nobody knows");
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "_sig", cJSON_CreateString("signed"));
	assert_int_equal(sanshe_doc_verify(doc, lookup, NULL, NULL), SANSHE_EBADSIG);
	cJSON_Delete(doc);
}

/* `doc`'s canonical text, parsed again: what verify reads from a blob. */
static cJSON *reparse(const cJSON *doc, sanshe_buf *text)
{
	cJSON *again = NULL;

	assert_int_equal(sanshe_canon_write(text, doc), 0);
	assert_int_equal(sanshe_json_parse(&again, text->ptr, text->size, NULL, NULL), 0);
	return again;
}

static void test_doc_signed_form_is_what_the_signature_covers(void **state)
{
	const char *types[] = { "case", "case-note", "ledger-entry", "member", "org", "project", "roster" };

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(types); i++) {
		sanshe_buf text = SANSHE_BUF_INIT, bytes = SANSHE_BUF_INIT, want = SANSHE_BUF_INIT;
		cJSON *signed_doc = signed_example(types[i]), *doc = reparse(signed_doc, &text);
		cJSON *copy = cJSON_Duplicate(doc, 1);
		sanshe_doc_sig sig;

		assert_int_equal(sanshe_doc_check_signed_form(doc, text.ptr, text.size, &bytes), 0);
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(copy, "_sig"), "sig");
		assert_int_equal(sanshe_canon_write(&want, copy), 0);
		assert_string_equal(bytes.ptr, want.ptr);
		assert_int_equal(sanshe_doc_verify_bytes(doc, bytes.ptr, bytes.size, lookup, NULL, &sig),
				 0);
		assert_string_equal(sig.key, sanshe_key_fingerprint(signer));
		assert_true(sig.at.ms == when.ms && sig.at.counter == when.counter);
		/* one final newline is allowed, as in sanshe_doc_check_canonical */
		sanshe_buf_clear(&bytes);
		assert_int_equal(sanshe_buf_putc(&text, '\n'), 0);
		assert_int_equal(sanshe_doc_check_signed_form(doc, text.ptr, text.size, &bytes), 0);
		assert_string_equal(bytes.ptr, want.ptr);
		sanshe_buf_dispose(&text), sanshe_buf_dispose(&bytes), sanshe_buf_dispose(&want);
		cJSON_Delete(signed_doc), cJSON_Delete(doc), cJSON_Delete(copy);
	}
}

static void test_doc_signed_form_refuses_other_spellings_and_appends_nothing(void **state)
{
	const char *text = "{\"id\":\"o-1\", \"type\":\"org\"}";
	sanshe_buf bytes = SANSHE_BUF_INIT;
	cJSON *doc = NULL;

	(void)state;
	assert_int_equal(sanshe_json_parse(&doc, text, strlen(text), NULL, NULL), 0);
	assert_int_equal(sanshe_buf_puts(&bytes, "kept"), 0);
	assert_int_equal(sanshe_doc_check_signed_form(doc, text, strlen(text), &bytes),
			 SANSHE_EBADSIG);
	assert_non_null(strstr(sanshe_error_last(), "not in canonical form (it differs at byte 13)"));
	assert_string_equal(bytes.ptr, "kept");
	sanshe_buf_dispose(&bytes);
	cJSON_Delete(doc);
}

static void test_doc_verify_bytes_rejects_changes_and_unsigned_versions(void **state)
{
	sanshe_buf text = SANSHE_BUF_INIT, bytes = SANSHE_BUF_INIT;
	cJSON *signed_doc = signed_example("case"), *doc;

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(signed_doc, "risk_level", cJSON_CreateString("low"));
	doc = reparse(signed_doc, &text);
	assert_int_equal(sanshe_doc_check_signed_form(doc, text.ptr, text.size, &bytes), 0);
	assert_int_equal(sanshe_doc_verify_bytes(doc, bytes.ptr, bytes.size, lookup, NULL, NULL),
			 SANSHE_EBADSIG);
	assert_non_null(strstr(sanshe_error_last(), "does not match the contents"));
	cJSON_Delete(doc);
	/* without _sig: the signed form is the whole canonical form, and no signature */
	cJSON_DeleteItemFromObjectCaseSensitive(signed_doc, "_sig");
	sanshe_buf_clear(&text), sanshe_buf_clear(&bytes);
	doc = reparse(signed_doc, &text);
	assert_int_equal(sanshe_doc_check_signed_form(doc, text.ptr, text.size, &bytes), 0);
	assert_string_equal(bytes.ptr, text.ptr);
	assert_int_equal(sanshe_doc_verify_bytes(doc, bytes.ptr, bytes.size, lookup, NULL, NULL),
			 SANSHE_EBADSIG);
	assert_non_null(strstr(sanshe_error_last(), "not signed"));
	sanshe_buf_dispose(&text), sanshe_buf_dispose(&bytes);
	cJSON_Delete(signed_doc), cJSON_Delete(doc);
}

static void test_doc_prepare_gives_a_uuid_and_drops_old_signatures(void **state)
{
	const char *text = "{\"type\":\"org\",\"name\":\"兰园社区居委会\",\"kind\":\"community\","
			   "\"_sig\":{\"key\":\"k\",\"at\":\"a\",\"sig\":\"s\"}}";
	const sanshe_type *t;
	cJSON *doc = NULL;

	(void)state;
	assert_int_equal(sanshe_json_parse(&doc, text, strlen(text), NULL, NULL), 0);
	assert_int_equal(sanshe_doc_prepare(doc, &t), 0);
	assert_string_equal(t->name, "org");
	assert_true(sanshe_doc_id_valid(cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring));
	assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring), 36);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "_sig"));
	cJSON_Delete(doc);
}

static void test_doc_prepare_refuses_bad_input(void **state)
{
	static const struct {
		const char *text;
		int code;
		const char *needle;
	} cases[] = {
		{ "[]", SANSHE_ESCHEMA, "must be a JSON object" },
		{ "{\"id\":\"x\"}", SANSHE_ESCHEMA, "'type'" },
		{ "{\"type\":\"recipe\"}", SANSHE_ENOTFOUND, "unknown document type 'recipe'" },
		{ "{\"type\":\"org\",\"id\":\"../../etc/passwd\"}", SANSHE_ESCHEMA, "/id" },
		{ "{\"type\":\"org\",\"id\":\"a b\"}", SANSHE_ESCHEMA, "/id" },
		{ "{\"type\":\"org\",\"id\":\"o-1\",\"_secret\":1}", SANSHE_ESCHEMA, "'_secret'" },
	};
	const sanshe_type *t;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(cases); i++) {
		cJSON *doc = NULL;

		assert_int_equal(sanshe_json_parse(&doc, cases[i].text, strlen(cases[i].text), NULL, NULL), 0);
		assert_int_equal(sanshe_doc_prepare(doc, &t), cases[i].code);
		if (!strstr(sanshe_error_last(), cases[i].needle))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].text, sanshe_error_last(),
				 cases[i].needle);
		cJSON_Delete(doc);
	}
}

static void test_doc_validate_names_the_document_and_field(void **state)
{
	cJSON *doc = load("schemas/examples/case-note.json");

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "date", cJSON_CreateString("2023-02-30"));
	assert_int_equal(sanshe_doc_validate(doc, NULL, NULL), SANSHE_ESCHEMA);
	assert_non_null(strstr(sanshe_error_last(), "case-note '"));
	assert_non_null(strstr(sanshe_error_last(), "/date"));
	cJSON_Delete(doc);
}

static void test_doc_draft_after_signs_after_the_replaced_version(void **state)
{
	sanshe_doc_draft draft = { NULL, 1, { 1795000000000ULL, 3 } };
	cJSON *older = cJSON_Parse("{\"_sig\":{\"at\":\"2020-01-01T00:00:00.000Z/0001\"}}");
	cJSON *newer = cJSON_Parse("{\"_conflicts\":[{\"at\":\"2027-01-01T00:00:00.000Z/0002\"}]}");
	sanshe_hlc t;

	(void)state;
	sanshe_doc_draft_after(&draft, older);
	assert_int_equal(draft.before.ms, 1795000000000ULL);
	assert_int_equal(draft.before.counter, 3);
	sanshe_doc_draft_after(&draft, newer);
	assert_int_equal(sanshe_hlc_parse(&t, "2027-01-01T00:00:00.000Z/0002"), 0);
	assert_int_equal(sanshe_hlc_compare(draft.before, t), 0);
	draft.has_before = 0;
	sanshe_doc_draft_after(&draft, older);
	assert_true(draft.has_before);
	cJSON_Delete(older);
	cJSON_Delete(newer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_knows_every_type_with_its_merge_and_space),
		cmocka_unit_test(test_doc_every_valid_example_validates),
		cmocka_unit_test(test_doc_every_invalid_example_fails_where_expected),
		cmocka_unit_test(test_doc_sign_then_verify_every_example),
		cmocka_unit_test(test_doc_verify_leaves_the_document_as_it_was),
		cmocka_unit_test(test_doc_verify_rejects_a_changed_field),
		cmocka_unit_test(test_doc_verify_rejects_a_changed_time),
		cmocka_unit_test(test_doc_verify_names_an_unknown_key),
		cmocka_unit_test(test_doc_verify_rejects_malformed_sig_members),
		cmocka_unit_test(test_doc_signed_form_is_what_the_signature_covers),
		cmocka_unit_test(test_doc_signed_form_refuses_other_spellings_and_appends_nothing),
		cmocka_unit_test(test_doc_verify_bytes_rejects_changes_and_unsigned_versions),
		cmocka_unit_test(test_doc_prepare_gives_a_uuid_and_drops_old_signatures),
		cmocka_unit_test(test_doc_prepare_refuses_bad_input),
		cmocka_unit_test(test_doc_validate_names_the_document_and_field),
		cmocka_unit_test(test_doc_draft_after_signs_after_the_replaced_version),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

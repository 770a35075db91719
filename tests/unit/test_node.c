/* A node: founding, the roster, spaces, and commits signed in git's format. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "node.h"
#include "sshsig.h"

typedef struct fixture {
	char *dir;
	char *home;
	sanshe_key *admin;
	sanshe_clock *clock;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	f->dir = scratch_dir_make();
	f->home = strdup(scratch_path(f->dir, "home"));
	assert_int_equal(sanshe_key_generate(&f->admin, "wang-li"), 0);
	assert_int_equal(sanshe_clock_open(&f->clock, f->home, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sanshe_clock_free(f->clock);
	sanshe_key_free(f->admin);
	free(f->home);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

/* The founder is also the office's social worker: it writes the case files. */
static const sanshe_founding founding = { "同心社工", "agency", "tongxin", "Wang Li",
					  SANSHE_ROLE_SOCIAL_WORKER };

static sanshe_store *found(fixture *f, sanshe_member *admin)
{
	sanshe_store *store = NULL;

	if (sanshe_node_found(&store, scratch_path(f->dir, "node"), &founding, f->admin, f->clock,
			      admin) != 0)
		fail_msg("%s", sanshe_error_last());
	return store;
}

static int count_space(const char *space, const git_oid *head, void *payload)
{
	(void)space, (void)head;
	++*(int *)payload;
	return 0;
}

static void test_node_found_makes_three_spaces_and_a_roster(void **state)
{
	fixture *f = *state;
	sanshe_member admin, found_again;
	sanshe_store *store = found(f, &admin);
	sanshe_buf text = SANSHE_BUF_INIT;
	int spaces = 0;

	assert_int_equal(sanshe_store_spaces(store, count_space, &spaces), 0);
	assert_int_equal(spaces, 3);
	assert_string_equal(admin.org, "tongxin");
	assert_int_equal(sanshe_store_read(store, "trust", NULL, "org", "tongxin", &text), 0);
	assert_non_null(strstr(text.ptr, "\"name\":\"同心社工\""));
	assert_int_equal(sanshe_node_member(store, f->admin, &found_again), 0);
	assert_string_equal(found_again.id, admin.id);
	assert_string_equal(found_again.name, "Wang Li");
	sanshe_buf_dispose(&text);
	sanshe_store_free(store);
}

typedef struct checked {
	const unsigned char *pk;
	int commits;
} checked;

static int check_commit(const sanshe_store_commit *c, void *payload)
{
	checked *k = payload;
	unsigned char pk[32];

	assert_non_null(c->signature);
	assert_int_equal(sanshe_sshsig_verify(c->signature, strlen(c->signature), "git",
					      c->signed_data, c->signed_len, pk), 0);
	assert_memory_equal(pk, k->pk, 32);
	assert_non_null(strstr(c->message, "\nSanshe-Op: "));
	assert_non_null(strstr(c->author_email, "@tongxin"));
	k->commits++;
	return 0;
}

static void test_node_commits_are_signed_by_the_member(void **state)
{
	fixture *f = *state;
	sanshe_member admin;
	sanshe_store *store = found(f, &admin);
	checked k = { sanshe_key_public(f->admin), 0 };

	assert_int_equal(sanshe_store_log(store, "trust", NULL, NULL, check_commit, &k), 0);
	assert_int_equal(sanshe_store_log(store, "common", NULL, NULL, check_commit, &k), 0);
	assert_int_equal(sanshe_store_log(store, "org/tongxin", NULL, NULL, check_commit, &k), 0);
	assert_int_equal(k.commits, 3);
	sanshe_store_free(store);
}

static void test_node_write_puts_a_signed_document_in_its_space(void **state)
{
	fixture *f = *state;
	sanshe_member admin;
	sanshe_store *store = found(f, &admin);
	sanshe_buf what = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	char space[SANSHE_SPACE_MAX];
	sanshe_change *change = NULL;
	sanshe_doc_draft draft;
	cJSON *doc = NULL;

	assert_int_equal(sanshe_json_parse_file(&doc, project_path("schemas/examples/case.json")), 0);
	assert_int_equal(sanshe_doc_draft_new(doc, &draft), 0);
	assert_int_equal(sanshe_node_space(draft.type, &admin, space), 0);
	assert_string_equal(space, "org/tongxin");
	assert_int_equal(sanshe_store_lock(store, 1000), 0);
	assert_int_equal(sanshe_change_new(&change, store, space), 0);
	assert_int_equal(sanshe_node_write(change, doc, &draft, &admin, f->clock, &what), 0);
	assert_int_equal(sanshe_node_commit(change, &admin, "put", what.ptr, NULL), 0);
	assert_int_equal(sanshe_store_read(store, space, NULL, "case",
					   strchr(what.ptr, '/') + 1, &text), 0);
	assert_non_null(strstr(text.ptr, "\"_sig\":{"));
	sanshe_change_free(change);
	sanshe_buf_dispose(&what);
	sanshe_buf_dispose(&text);
	cJSON_Delete(doc);
	sanshe_store_free(store);
}

/* Write the example case, with `conflicts` (JSON text, or NULL) added, as the admin. */
static void write_case(fixture *f, sanshe_store *store, const sanshe_member *admin,
		       const char *conflicts)
{
	sanshe_change *change = NULL;
	sanshe_doc_draft draft;
	cJSON *doc = NULL;

	assert_int_equal(sanshe_json_parse_file(&doc, project_path("schemas/examples/case.json")), 0);
	if (conflicts)
		cJSON_AddItemToObject(doc, "_conflicts", cJSON_Parse(conflicts));
	assert_int_equal(sanshe_doc_draft_new(doc, &draft), 0);
	assert_int_equal(sanshe_change_new(&change, store, "org/tongxin"), 0);
	assert_int_equal(sanshe_node_write(change, doc, &draft, admin, f->clock, NULL), 0);
	assert_int_equal(sanshe_node_commit(change, admin, "put", "put", NULL), 0);
	sanshe_change_free(change);
	cJSON_Delete(doc);
}

/* Carry into a new draft of the example case; its `_conflicts` after that. */
static int carry(sanshe_store *store, cJSON **conflicts)
{
	sanshe_change *change = NULL;
	sanshe_doc_draft draft;
	cJSON *doc = NULL;
	int carried;

	assert_int_equal(sanshe_json_parse_file(&doc, project_path("schemas/examples/case.json")), 0);
	assert_int_equal(sanshe_doc_draft_new(doc, &draft), 0);
	assert_int_equal(sanshe_change_new(&change, store, "org/tongxin"), 0);
	carried = sanshe_node_carry_conflicts(change, doc, &draft);
	*conflicts = cJSON_DetachItemFromObject(doc, "_conflicts");
	sanshe_change_free(change);
	cJSON_Delete(doc);
	return carried;
}

static void test_node_carries_the_conflicts_of_the_replaced_version(void **state)
{
	static const char entries[] =
		"[{\"path\":\"/risk_level\",\"value\":\"low\",\"key\":"
		"\"SHA256:2222222222222222222222222222222222222222220\","
		"\"at\":\"2024-05-01T08:00:00.000Z/0000\"}]";
	fixture *f = *state;
	sanshe_member admin;
	sanshe_store *store = found(f, &admin);
	cJSON *conflicts = NULL, *want = cJSON_Parse(entries);

	assert_int_equal(sanshe_store_lock(store, 1000), 0);
	assert_int_equal(carry(store, &conflicts), 0); /* no version yet */
	assert_null(conflicts);
	write_case(f, store, &admin, NULL);
	assert_int_equal(carry(store, &conflicts), 0); /* a version without conflicts */
	assert_null(conflicts);
	write_case(f, store, &admin, entries);
	assert_int_equal(carry(store, &conflicts), 1);
	assert_true(sanshe_json_equal(conflicts, want));
	cJSON_Delete(conflicts);
	cJSON_Delete(want);
	sanshe_store_free(store);
}

static void test_node_roles_decide_what_a_member_writes(void **state)
{
	fixture *f = *state;
	sanshe_member admin, found_again;
	sanshe_store *store = found(f, &admin);
	sanshe_change *change = NULL;
	sanshe_doc_draft draft;
	cJSON *doc = NULL;

	assert_int_equal(sanshe_node_member(store, f->admin, &found_again), 0);
	assert_int_equal(found_again.roles, SANSHE_ROLE_ADMIN | SANSHE_ROLE_SOCIAL_WORKER);
	assert_int_equal(sanshe_json_parse_file(&doc, project_path("schemas/examples/case.json")), 0);
	assert_int_equal(sanshe_doc_draft_new(doc, &draft), 0);
	assert_int_equal(sanshe_store_lock(store, 1000), 0);
	/* another organization's space is not the social worker's */
	assert_int_equal(sanshe_change_new(&change, store, "org/huiming"), 0);
	assert_int_equal(sanshe_node_write(change, doc, &draft, &admin, f->clock, NULL),
			 SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "only in its own organization's space"));
	sanshe_change_free(change);
	/* an admin alone writes the roster, not case files */
	admin.roles = SANSHE_ROLE_ADMIN;
	assert_int_equal(sanshe_change_new(&change, store, "org/tongxin"), 0);
	assert_int_equal(sanshe_node_write(change, doc, &draft, &admin, f->clock, NULL),
			 SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "Wang Li (admin) may not write case"));
	assert_int_equal(sanshe_change_size(change), 0);
	sanshe_change_free(change);
	cJSON_Delete(doc);
	sanshe_store_free(store);
}

static void test_node_refuses_a_key_not_in_the_roster(void **state)
{
	fixture *f = *state;
	sanshe_member admin, other_member;
	sanshe_store *store = found(f, &admin);
	sanshe_key *other = NULL;

	assert_int_equal(sanshe_key_generate(&other, "stranger"), 0);
	assert_int_equal(sanshe_node_member(store, other, &other_member), SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "not a member"));
	sanshe_key_free(other);
	sanshe_store_free(store);
}

static void test_node_names_tell_who_has_a_key(void **state)
{
	fixture *f = *state;
	sanshe_member admin;
	sanshe_store *store = found(f, &admin);
	sanshe_node_names *names = NULL;
	sanshe_key *other = NULL;

	assert_int_equal(sanshe_key_generate(&other, "stranger"), 0);
	assert_int_equal(sanshe_node_names_load(&names, store), 0);
	assert_string_equal(sanshe_node_names_find(names, sanshe_key_fingerprint(f->admin)),
			    "Wang Li");
	assert_null(sanshe_node_names_find(names, sanshe_key_fingerprint(other)));
	assert_null(sanshe_node_names_find(names, "SHA256:"));
	sanshe_node_names_free(names);
	sanshe_key_free(other);
	sanshe_store_free(store);
}

static void test_node_found_that_fails_leaves_nothing(void **state)
{
	fixture *f = *state;
	sanshe_founding bad = founding;
	sanshe_store *store = NULL;
	struct stat st;

	bad.org_kind = "bakery";
	assert_int_equal(sanshe_node_found(&store, scratch_path(f->dir, "bad"), &bad, f->admin,
					   f->clock, NULL), SANSHE_ESCHEMA);
	assert_null(store);
	assert_int_equal(stat(scratch_path(f->dir, "bad"), &st), -1);
	bad.org_kind = "agency";
	bad.org_id = "../escape";
	assert_int_equal(sanshe_node_found(&store, scratch_path(f->dir, "bad"), &bad, f->admin,
					   f->clock, NULL), SANSHE_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_node_found_makes_three_spaces_and_a_roster),
		T(test_node_commits_are_signed_by_the_member),
		T(test_node_write_puts_a_signed_document_in_its_space),
		T(test_node_carries_the_conflicts_of_the_replaced_version),
		T(test_node_roles_decide_what_a_member_writes),
		T(test_node_refuses_a_key_not_in_the_roster),
		T(test_node_names_tell_who_has_a_key),
		T(test_node_found_that_fails_leaves_nothing),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

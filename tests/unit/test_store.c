/* The node repository: opening, the lock, paths, writing, reading, history. */
#include "common.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "scratch.h"
#include "store.h"

typedef struct fixture {
	char *dir;
	char *repo;
	sanshe_store *store;
} fixture;

static int repo_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = scratch_dir_make();
	f->repo = strdup(scratch_path(f->dir, "repo"));
	assert_int_equal(sanshe_store_create(&f->store, f->repo), 0);
	assert_int_equal(sanshe_store_lock(f->store, 1000), 0);
	*state = f;
	return 0;
}

static int repo_teardown(void **state)
{
	fixture *f = *state;

	sanshe_store_free(f->store);
	scratch_dir_remove(f->dir);
	free(f->repo);
	free(f);
	return 0;
}

static int dir_setup(void **state)
{
	*state = scratch_dir_make();
	return 0;
}

static int dir_teardown(void **state)
{
	scratch_dir_remove(*state);
	return 0;
}

/* ---- create, open, discover ---- */

static void test_store_create_makes_a_bare_marked_repository(void **state)
{
	const char *repo = scratch_path(*state, "a/b/repo");
	sanshe_store *store = NULL, *again = NULL;
	git_config *config = NULL;
	int32_t version = 0;
	git_oid head;

	assert_int_equal(sanshe_store_create(&store, repo), 0);
	assert_string_equal(sanshe_store_path(store), repo);
	assert_true(git_repository_is_bare(sanshe_store_repository(store)));
	assert_int_equal(git_repository_config_snapshot(
			     &config, sanshe_store_repository(store)),
			 0);
	assert_int_equal(
	    git_config_get_int32(&version, config, "sanshe.version"), 0);
	assert_int_equal(version, 1);
	git_config_free(config);
	assert_int_equal(sanshe_store_head(store, "trust", &head),
			 SANSHE_ENOTFOUND);
	assert_string_equal(sanshe_error_last(),
			    "space 'trust' does not exist yet");
	assert_int_equal(sanshe_store_open(&again, repo), 0);
	sanshe_store_free(again);
	sanshe_store_free(store);
}

static void test_store_create_takes_an_empty_directory_only(void **state)
{
	char *empty = strdup(scratch_path(*state, "empty"));
	char *full = strdup(scratch_path(*state, "full"));
	sanshe_store *store = NULL;
	char expected[4200];

	assert_int_equal(mkdir(empty, 0700), 0);
	assert_int_equal(mkdir(full, 0700), 0);
	scratch_write(scratch_path(full, "notes.txt"), "x", 1);
	assert_int_equal(sanshe_store_create(&store, empty), 0);
	sanshe_store_free(store);
	assert_int_equal(sanshe_store_create(&store, empty), SANSHE_EEXISTS);
	assert_int_equal(sanshe_store_create(&store, full), SANSHE_EEXISTS);
	assert_null(store);
	snprintf(expected, sizeof(expected),
		 "'%s' exists and is not an empty directory", full);
	assert_string_equal(sanshe_error_last(), expected);
	free(empty);
	free(full);
}

static void test_store_open_refuses_a_plain_directory(void **state)
{
	sanshe_store *store = NULL;
	char expected[4200];

	assert_int_equal(sanshe_store_open(&store, *state), SANSHE_ENOTFOUND);
	assert_null(store);
	snprintf(expected, sizeof(expected), "no repository at '%s'",
		 (char *)*state);
	assert_string_equal(sanshe_error_last(), expected);
}

static void
test_store_open_refuses_a_git_repository_not_made_by_sanshe(void **state)
{
	char *repo = strdup(scratch_path(*state, "plain.git"));
	sanshe_store *store = NULL;
	char command[4200], expected[4200];

	snprintf(command, sizeof(command), "git init -q --bare '%s'", repo);
	assert_int_equal(system(command), 0);
	assert_int_equal(sanshe_store_open(&store, repo), SANSHE_EINVALID);
	snprintf(expected, sizeof(expected),
		 "'%s' is a git repository but not a sanshe repository", repo);
	assert_string_equal(sanshe_error_last(), expected);
	assert_int_equal(sanshe_store_discover(&store, repo), SANSHE_EINVALID);
	assert_null(store);
	free(repo);
}

static void
test_store_discover_finds_the_repository_from_inside_it(void **state)
{
	char *repo = strdup(scratch_path(*state, "repo"));
	sanshe_store *made = NULL, *found = NULL;

	assert_int_equal(sanshe_store_create(&made, repo), 0);
	assert_int_equal(
	    sanshe_store_discover(&found, scratch_path(repo, "objects/info")),
	    0);
	assert_string_equal(sanshe_store_path(found), sanshe_store_path(made));
	sanshe_store_free(found);
	assert_int_equal(sanshe_store_discover(&found, repo), 0);
	assert_string_equal(sanshe_store_path(found), sanshe_store_path(made));
	sanshe_store_free(found);
	sanshe_store_free(made);
	free(repo);
}

static void
test_store_discover_names_the_start_when_nothing_is_found(void **state)
{
	sanshe_store *store = NULL;
	char expected[4200];

	assert_int_equal(sanshe_store_discover(&store, *state),
			 SANSHE_ENOTFOUND);
	assert_null(store);
	snprintf(expected, sizeof(expected),
		 "no sanshe repository in '%s' or its parents (use -C DIR or "
		 "SANSHE_REPO)",
		 (char *)*state);
	assert_string_equal(sanshe_error_last(), expected);
}

/* ---- the lock ---- */

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
test_store_lock_times_out_while_another_handle_holds_it(void **state)
{
	fixture *f = *state;
	sanshe_store *other = NULL;
	char expected[4300];
	uint64_t start;

	assert_int_equal(sanshe_store_open(&other, f->repo), 0);
	start = ms_now();
	assert_int_equal(sanshe_store_lock(other, 150), SANSHE_ELOCKED);
	assert_true(ms_now() - start >= 150);
	assert_true(ms_now() - start < 2000);
	snprintf(expected, sizeof(expected),
		 "repository '%s' is locked by another sanshe process (waited "
		 "150 ms)",
		 f->repo);
	assert_string_equal(sanshe_error_last(), expected);
	sanshe_store_unlock(f->store);
	assert_int_equal(sanshe_store_lock(other, 150), 0);
	assert_int_equal(sanshe_store_lock(f->store, 0), SANSHE_ELOCKED);
	sanshe_store_free(other); /* releases it */
	assert_int_equal(sanshe_store_lock(f->store, 0), 0);
}

/* ---- names ---- */

static void test_store_doc_path_shards_by_the_first_byte_of_sha256(void **state)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	sanshe_buf path = SANSHE_BUF_INIT;
	const char *id = "0190a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b";
	char expected[128];

	(void)state;
	/* sha256("abc") = ba7816bf 8f01cfea ... (FIPS 180-2, appendix B.1) */
	assert_int_equal(sanshe_store_doc_path(&path, "case", "abc"), 0);
	assert_string_equal(path.ptr, "case/ba/abc.json");
	sanshe_buf_clear(&path);
	crypto_hash_sha256(hash, (const unsigned char *)id, strlen(id));
	snprintf(expected, sizeof(expected), "case-note/%02x/%s.json", hash[0],
		 id);
	assert_int_equal(sanshe_store_doc_path(&path, "case-note", id), 0);
	assert_string_equal(path.ptr, expected);
	sanshe_buf_clear(&path);
	assert_int_equal(sanshe_store_doc_path(&path, "case-note", id), 0);
	assert_string_equal(path.ptr, expected);
	sanshe_buf_dispose(&path);
}

static void test_store_doc_path_refuses_slashes_and_empty_names(void **state)
{
	sanshe_buf path = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(sanshe_store_doc_path(&path, "case", "a/b"),
			 SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(),
			    "'case/a/b' cannot name a document");
	assert_int_equal(sanshe_store_doc_path(&path, "ca/se", "a"),
			 SANSHE_EINVALID);
	assert_int_equal(sanshe_store_doc_path(&path, "", "a"),
			 SANSHE_EINVALID);
	assert_int_equal(sanshe_store_doc_path(&path, "case", ""),
			 SANSHE_EINVALID);
	assert_int_equal(sanshe_store_doc_path(&path, "..", "a"),
			 SANSHE_EINVALID);
	assert_int_equal(sanshe_store_doc_path(&path, NULL, "a"),
			 SANSHE_EINVALID);
	assert_int_equal(path.size, 0);
	sanshe_buf_dispose(&path);
}

static void test_store_space_names_are_trust_common_or_an_org(void **state)
{
	char long_org[4 + 130];

	(void)state;
	assert_true(sanshe_store_space_valid("trust"));
	assert_true(sanshe_store_space_valid("common"));
	assert_true(sanshe_store_space_valid("org/o1"));
	assert_true(sanshe_store_space_valid("org/Shelter_7.north-2"));
	assert_false(sanshe_store_space_valid(NULL));
	assert_false(sanshe_store_space_valid(""));
	assert_false(sanshe_store_space_valid("Trust"));
	assert_false(sanshe_store_space_valid("master"));
	assert_false(sanshe_store_space_valid("org"));
	assert_false(sanshe_store_space_valid("org/"));
	assert_false(sanshe_store_space_valid("org/-x"));
	assert_false(sanshe_store_space_valid("org/a/b"));
	assert_false(sanshe_store_space_valid("org/a b"));
	memcpy(long_org, "org/", 4);
	memset(long_org + 4, 'a', 128);
	long_org[4 + 128] = '\0';
	assert_true(sanshe_store_space_valid(long_org));
	long_org[4 + 128] = 'a';
	long_org[4 + 129] = '\0';
	assert_false(sanshe_store_space_valid(long_org));
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
#define REPO_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, repo_setup, repo_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DIR_TEST(test_store_create_makes_a_bare_marked_repository),
	    DIR_TEST(test_store_create_takes_an_empty_directory_only),
	    DIR_TEST(test_store_open_refuses_a_plain_directory),
	    DIR_TEST(
		test_store_open_refuses_a_git_repository_not_made_by_sanshe),
	    DIR_TEST(test_store_discover_finds_the_repository_from_inside_it),
	    DIR_TEST(test_store_discover_names_the_start_when_nothing_is_found),
	    REPO_TEST(test_store_lock_times_out_while_another_handle_holds_it),
	    cmocka_unit_test(
		test_store_doc_path_shards_by_the_first_byte_of_sha256),
	    cmocka_unit_test(
		test_store_doc_path_refuses_slashes_and_empty_names),
	    cmocka_unit_test(test_store_space_names_are_trust_common_or_an_org),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

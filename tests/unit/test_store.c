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
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "store.h"
#include "store_int.h"

#define ARMOR "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----"

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

/* ---- helpers ---- */

/* How many times test_signer was asked to sign. */
static int signer_calls;

static int test_signer(sanshe_buf *armor, const char *commit, size_t len,
		       void *payload)
{
	(void)payload;
	signer_calls++;
	assert_true(len > 5 && strncmp(commit, "tree ", 5) == 0);
	return sanshe_buf_puts(armor, ARMOR);
}

static int failing_signer(sanshe_buf *armor, const char *commit, size_t len,
			  void *payload)
{
	(void)armor;
	(void)commit;
	(void)len;
	(void)payload;
	return sanshe_error_set(SANSHE_EBADSIG, "the key is locked");
}

static sanshe_commit_info info_at(int64_t time, const char *message)
{
	sanshe_commit_info info = {"Mei Lin", "m1@o1", time, 480, message};

	return info;
}

static void commit(sanshe_change *change, const char *message, git_oid *out)
{
	static int64_t clock = 1795335000;
	sanshe_commit_info info = info_at(clock++, message);
	int err = sanshe_change_commit(change, &info, test_signer, NULL, out);

	if (err)
		fail_msg("commit: %s", sanshe_error_last());
}

/* One commit writing the document `type`/`id` of `space` as `text`. */
static void put_one(sanshe_store *store, const char *space, const char *type,
		    const char *id, const char *text, git_oid *out)
{
	sanshe_change *change = NULL;

	assert_int_equal(sanshe_change_new(&change, store, space), 0);
	assert_int_equal(
	    sanshe_change_put(change, type, id, text, strlen(text)), 0);
	commit(change, "put\n", out);
	sanshe_change_free(change);
}

/* One commit removing `type`/`id` from `space`. */
static void remove_one(sanshe_store *store, const char *space, const char *type,
		       const char *id, git_oid *out)
{
	sanshe_change *change = NULL;

	assert_int_equal(sanshe_change_new(&change, store, space), 0);
	assert_int_equal(sanshe_change_remove(change, type, id), 0);
	commit(change, "remove\n", out);
	sanshe_change_free(change);
}

static void expect_doc(sanshe_store *store, const char *space, const char *rev,
		       const char *type, const char *id, const char *text)
{
	sanshe_buf buf = SANSHE_BUF_INIT;
	int err = sanshe_store_read(store, space, rev, type, id, &buf);

	if (err)
		fail_msg("read %s/%s: %s", type, id, sanshe_error_last());
	assert_string_equal(buf.ptr, text);
	sanshe_buf_dispose(&buf);
}

static void expect_no_doc(sanshe_store *store, const char *space,
			  const char *rev, const char *type, const char *id,
			  const char *message)
{
	sanshe_buf buf = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_store_read(store, space, rev, type, id, &buf),
			 SANSHE_ENOTFOUND);
	assert_string_equal(sanshe_error_last(), message);
	assert_int_equal(buf.size, 0);
	sanshe_buf_dispose(&buf);
}

static int list_into(const char *type, const char *id, const git_oid *blob,
		     void *payload)
{
	sanshe_buf *out = payload;

	assert_false(git_oid_is_zero(blob));
	return sanshe_buf_printf(out, "%s%s/%s", out->size ? " " : "", type,
				 id);
}

/* The documents of `space` (of `type` if given), as "type/id type/id ...". */
static char *listing(sanshe_store *store, const char *space, const char *type)
{
	sanshe_buf out = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_store_list(store, space, type, list_into, &out),
			 0);
	return sanshe_buf_detach(&out);
}

static void expect_listing(sanshe_store *store, const char *space,
			   const char *type, const char *expected)
{
	char *got = listing(store, space, type);

	assert_string_equal(got, expected);
	free(got);
}

static int count_into(const char *type, size_t count, void *payload)
{
	return sanshe_buf_printf(payload, "%s%s=%zu",
				 ((sanshe_buf *)payload)->size ? " " : "", type,
				 count);
}

static void expect_counts(sanshe_store *store, const char *space,
			  const char *expected)
{
	sanshe_buf out = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_store_count(store, space, count_into, &out), 0);
	assert_string_equal(out.ptr ? out.ptr : "", expected);
	sanshe_buf_dispose(&out);
}

static void expect_head(sanshe_store *store, const char *space,
			const git_oid *expected)
{
	git_oid head;

	assert_int_equal(sanshe_store_head(store, space, &head), 0);
	assert_true(git_oid_equal(&head, expected));
}

/* The output of a shell command (which must succeed). */
static char *command_output(const char *command)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *p = popen(command, "r");

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(sanshe_buf_put(&out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	return sanshe_buf_detach(&out);
}

static void expect_fsck_clean(const char *repo)
{
	char command[4200];

	snprintf(command, sizeof(command),
		 "git -C '%s' fsck --strict >/dev/null 2>&1", repo);
	assert_int_equal(system(command), 0);
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

static void test_store_commit_needs_the_lock(void **state)
{
	fixture *f = *state;
	sanshe_commit_info info = info_at(1795335000, "put\n");
	sanshe_change *change = NULL;
	char expected[4300];

	sanshe_store_unlock(f->store);
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "{}", 2), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, test_signer, NULL, NULL),
	    SANSHE_EINVALID);
	snprintf(expected, sizeof(expected),
		 "repository '%s' is not locked for writing", f->repo);
	assert_string_equal(sanshe_error_last(), expected);
	sanshe_change_free(change);
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

static void test_store_refuses_a_bad_space_name(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;
	git_oid head;

	assert_int_equal(sanshe_change_new(&change, f->store, "master"),
			 SANSHE_EINVALID);
	assert_null(change);
	assert_string_equal(
	    sanshe_error_last(),
	    "'master' is not a space: expected trust, common or org/<org-id>");
	assert_int_equal(sanshe_store_head(f->store, "org/", &head),
			 SANSHE_EINVALID);
	assert_int_equal(
	    sanshe_store_list(f->store, "x", NULL, list_into, NULL),
	    SANSHE_EINVALID);
}

/* ---- writing and reading ---- */

static void test_store_puts_are_read_listed_and_counted_per_space(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;
	const char *ids[] = {"c9", "c1", "c10", "A7", "c2", "b-3"};

	assert_int_equal(sanshe_change_new(&change, f->store, "org/o1"), 0);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(ids); i++)
		assert_int_equal(sanshe_change_put(change, "case", ids[i],
						   ids[i], strlen(ids[i])),
				 0);
	assert_int_equal(
	    sanshe_change_put(change, "case-note", "n1", "note", 4), 0);
	assert_int_equal(sanshe_change_put(change, "ca", "x", "ca", 2), 0);
	assert_int_equal(sanshe_change_size(change), 8);
	commit(change, "import\n", NULL);
	sanshe_change_free(change);
	put_one(f->store, "common", "roster", "r1", "{\"r\":1}", NULL);

	expect_doc(f->store, "org/o1", NULL, "case", "c10", "c10");
	expect_doc(f->store, "org/o1", NULL, "case-note", "n1", "note");
	expect_doc(f->store, "common", NULL, "roster", "r1", "{\"r\":1}");
	expect_no_doc(f->store, "common", NULL, "case", "c1",
		      "no case/c1 in space 'common'");
	expect_no_doc(f->store, "trust", NULL, "org", "o1",
		      "no org/o1 in space 'trust'");
	/* types by name ("case" before "case-note", unlike git's tree order),
	 * ids across shards */
	expect_listing(f->store, "org/o1", NULL,
		       "ca/x case/A7 case/b-3 case/c1 case/c10 case/c2 case/c9 "
		       "case-note/n1");
	expect_listing(f->store, "org/o1", "case-note", "case-note/n1");
	expect_listing(f->store, "org/o1", "roster", "");
	expect_listing(f->store, "common", NULL, "roster/r1");
	expect_listing(f->store, "trust", NULL, "");
	expect_counts(f->store, "org/o1", "ca=1 case=6 case-note=1");
	expect_counts(f->store, "common", "roster=1");
	expect_counts(f->store, "trust", "");
}

static void test_store_second_put_in_a_change_replaces_the_first(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;

	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "one", 3), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c2", "two", 3), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "three", 5),
			 0);
	assert_int_equal(sanshe_change_put(change, "case", "c3", "two", 3),
			 0); /* one blob, twice */
	assert_int_equal(sanshe_change_size(change), 3);
	commit(change, "put\n", NULL);
	sanshe_change_free(change);
	expect_doc(f->store, "common", NULL, "case", "c1", "three");
	expect_doc(f->store, "common", NULL, "case", "c3", "two");
	expect_listing(f->store, "common", NULL, "case/c1 case/c2 case/c3");
}

static void test_store_remove_takes_the_document_away(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;

	put_one(f->store, "common", "case", "c1", "one", NULL);
	put_one(f->store, "common", "roster", "r1", "r", NULL);
	remove_one(f->store, "common", "case", "c1", NULL);
	expect_no_doc(f->store, "common", NULL, "case", "c1",
		      "no case/c1 in space 'common'");
	/* the last document of a type takes its trees with it */
	expect_listing(f->store, "common", NULL, "roster/r1");
	expect_counts(f->store, "common", "roster=1");
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_remove(change, "case", "c1"),
			 SANSHE_ENOTFOUND);
	assert_string_equal(sanshe_error_last(),
			    "no case/c1 in space 'common'");
	assert_int_equal(sanshe_change_remove(change, "roster", "r1"), 0);
	assert_int_equal(sanshe_change_remove(change, "roster", "r1"),
			 SANSHE_ENOTFOUND);
	assert_int_equal(sanshe_change_size(change), 1);
	commit(change, "remove\n", NULL);
	sanshe_change_free(change);
	expect_listing(f->store, "common", NULL, "");
	expect_fsck_clean(f->repo);
}

static void test_store_put_then_remove_in_one_change_cancel_out(void **state)
{
	fixture *f = *state;
	sanshe_commit_info info = info_at(1795335000, "nothing\n");
	sanshe_change *change = NULL;

	put_one(f->store, "common", "case", "old", "old", NULL);
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "new", "new", 3), 0);
	assert_int_equal(sanshe_change_remove(change, "case", "new"), 0);
	assert_int_equal(sanshe_change_size(change), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, test_signer, NULL, NULL),
	    SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(), "nothing to commit");
	/* removed, then written again: written */
	assert_int_equal(sanshe_change_remove(change, "case", "old"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "old", "older", 5),
			 0);
	assert_int_equal(sanshe_change_put(change, "case", "new", "newer", 5),
			 0);
	assert_int_equal(sanshe_change_size(change), 2);
	commit(change, "put\n", NULL);
	sanshe_change_free(change);
	expect_doc(f->store, "common", NULL, "case", "old", "older");
	expect_doc(f->store, "common", NULL, "case", "new", "newer");
}

static void test_store_change_that_changes_nothing_is_refused(void **state)
{
	fixture *f = *state;
	sanshe_commit_info info = info_at(1795335000, "again\n");
	sanshe_change *change = NULL;
	git_oid first;

	put_one(f->store, "common", "case", "c1", "same", &first);
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, test_signer, NULL, NULL),
	    SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(), "nothing to commit");
	sanshe_change_free(change);
	signer_calls = 0;
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "same", 4), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, test_signer, NULL, NULL),
	    SANSHE_EINVALID);
	assert_string_equal(
	    sanshe_error_last(),
	    "nothing to commit: space 'common' holds these documents already");
	assert_int_equal(signer_calls, 0); /* nothing was offered for signing */
	sanshe_change_free(change);
	expect_head(f->store, "common", &first);
}

static void test_store_empty_change_opens_a_new_space(void **state)
{
	fixture *f = *state;
	sanshe_commit_info info = info_at(1795335000, "open space org/x\n");
	sanshe_change *change = NULL;
	git_oid head;

	assert_int_equal(sanshe_store_head(f->store, "org/x", &head), SANSHE_ENOTFOUND);
	assert_int_equal(sanshe_change_new(&change, f->store, "org/x"), 0);
	assert_int_equal(sanshe_change_commit(change, &info, test_signer, NULL, NULL), 0);
	sanshe_change_free(change);
	assert_int_equal(sanshe_store_head(f->store, "org/x", &head), 0);
}

static void test_store_reads_a_document_as_of_an_older_commit(void **state)
{
	fixture *f = *state;
	git_oid first, second;
	char rev[GIT_OID_HEXSZ + 1], expected[128];

	put_one(f->store, "common", "case", "c1", "version 1", &first);
	put_one(f->store, "common", "case", "c1", "version 2", &second);
	remove_one(f->store, "common", "case", "c1", NULL);
	git_oid_tostr(rev, sizeof(rev), &first);
	expect_doc(f->store, "common", rev, "case", "c1", "version 1");
	expect_doc(f->store, "common", "refs/heads/common~1", "case", "c1",
		   "version 2");
	expect_no_doc(f->store, "common", NULL, "case", "c1",
		      "no case/c1 in space 'common'");
	snprintf(expected, sizeof(expected),
		 "no case/c2 in space 'common' at '%s'", rev);
	expect_no_doc(f->store, "common", rev, "case", "c2", expected);
}

static int keep_blob(const char *type, const char *id, const git_oid *blob,
		     void *payload)
{
	(void)type, (void)id;
	git_oid_cpy(payload, blob);
	return 0;
}

static void test_store_reads_the_blob_a_listing_gives(void **state)
{
	fixture *f = *state;
	sanshe_buf text = SANSHE_BUF_INIT;
	git_oid blob, missing;

	put_one(f->store, "common", "project", "p1", "{\"p\":1}", NULL);
	assert_int_equal(
	    sanshe_store_list(f->store, "common", NULL, keep_blob, &blob), 0);
	assert_int_equal(sanshe_store_read_blob(f->store, &blob, &text), 0);
	assert_string_equal(text.ptr, "{\"p\":1}");
	assert_int_equal(git_oid_fromstr(&missing, "0123456789abcdef0123"
						   "456789abcdef01234567"),
			 0);
	assert_int_equal(sanshe_store_read_blob(f->store, &missing, &text),
			 SANSHE_EIO);
	assert_non_null(strstr(sanshe_error_last(),
			       "cannot read '0123456789abcdef0123"));
	assert_string_equal(text.ptr, "{\"p\":1}");
	sanshe_buf_dispose(&text);
}

static void test_store_read_names_a_revision_that_does_not_exist(void **state)
{
	fixture *f = *state;
	sanshe_buf buf = SANSHE_BUF_INIT;

	put_one(f->store, "common", "case", "c1", "one", NULL);
	assert_int_equal(sanshe_store_read(f->store, "common", "no-such-rev",
					   "case", "c1", &buf),
			 SANSHE_ENOTFOUND);
	assert_non_null(
	    strstr(sanshe_error_last(), "no revision 'no-such-rev'"));
	sanshe_buf_dispose(&buf);
}

/* ---- compare-and-swap, signing ---- */

static void test_store_commit_fails_when_the_space_moved_meanwhile(void **state)
{
	fixture *f = *state;
	sanshe_change *a = NULL, *b = NULL;
	sanshe_commit_info info = info_at(1795335000, "late\n");
	git_oid first;

	put_one(f->store, "common", "case", "c0", "zero", NULL);
	assert_int_equal(sanshe_change_new(&a, f->store, "common"), 0);
	assert_int_equal(sanshe_change_new(&b, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(a, "case", "c1", "from a", 6), 0);
	assert_int_equal(sanshe_change_put(b, "case", "c1", "from b", 6), 0);
	commit(a, "first\n", &first);
	assert_int_equal(
	    sanshe_change_commit(b, &info, test_signer, NULL, NULL),
	    SANSHE_ELOCKED);
	assert_string_equal(sanshe_error_last(),
			    "space 'common' moved while writing: try again");
	expect_head(f->store, "common", &first);
	expect_doc(f->store, "common", NULL, "case", "c1", "from a");
	sanshe_change_free(a);
	sanshe_change_free(b);
}

static void test_store_new_space_is_made_once_by_two_changes(void **state)
{
	fixture *f = *state;
	sanshe_change *a = NULL, *b = NULL;
	sanshe_commit_info info = info_at(1795335000, "late\n");
	git_oid first;

	assert_int_equal(sanshe_change_new(&a, f->store, "org/o2"), 0);
	assert_int_equal(sanshe_change_new(&b, f->store, "org/o2"), 0);
	assert_int_equal(sanshe_change_put(a, "case", "c1", "from a", 6), 0);
	assert_int_equal(sanshe_change_put(b, "case", "c2", "from b", 6), 0);
	commit(a, "first\n", &first);
	assert_int_equal(
	    sanshe_change_commit(b, &info, test_signer, NULL, NULL),
	    SANSHE_ELOCKED);
	expect_head(f->store, "org/o2", &first);
	expect_listing(f->store, "org/o2", NULL, "case/c1");
	sanshe_change_free(a);
	sanshe_change_free(b);
}

static void test_store_failing_signer_moves_nothing(void **state)
{
	fixture *f = *state;
	sanshe_commit_info info = info_at(1795335000, "unsigned\n");
	sanshe_change *change = NULL;
	git_oid first, head;

	put_one(f->store, "common", "case", "c1", "one", &first);
	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "two", 3), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, failing_signer, NULL, NULL),
	    SANSHE_EBADSIG);
	assert_string_equal(sanshe_error_last(), "the key is locked");
	sanshe_change_free(change);
	expect_head(f->store, "common", &first);
	expect_doc(f->store, "common", NULL, "case", "c1", "one");

	assert_int_equal(sanshe_change_new(&change, f->store, "trust"), 0);
	assert_int_equal(sanshe_change_put(change, "org", "o1", "{}", 2), 0);
	assert_int_equal(
	    sanshe_change_commit(change, &info, failing_signer, NULL, NULL),
	    SANSHE_EBADSIG);
	sanshe_change_free(change);
	assert_int_equal(sanshe_store_head(f->store, "trust", &head),
			 SANSHE_ENOTFOUND);
}

static void test_store_commit_is_signed_and_passes_git_fsck(void **state)
{
	fixture *f = *state;
	char command[4300], hex[GIT_OID_HEXSZ + 1];
	char *object;
	git_oid id;

	put_one(f->store, "trust", "org", "o1", "{\"id\":\"o1\"}", NULL);
	put_one(f->store, "trust", "member", "m1", "{\"id\":\"m1\"}", &id);
	expect_fsck_clean(f->repo);
	git_oid_tostr(hex, sizeof(hex), &id);
	snprintf(command, sizeof(command), "git -C '%s' cat-file -p %s",
		 f->repo, hex);
	object = command_output(command);
	assert_non_null(strstr(object, "\nauthor Mei Lin <m1@o1> 1795335"));
	assert_non_null(strstr(
	    object, " +0800\ngpgsig -----BEGIN SSH SIGNATURE-----\n AAAA\n"
		    " -----END SSH SIGNATURE-----\n\nput\n"));
	free(object);
	snprintf(command, sizeof(command), "git -C '%s' log --format=%%s trust",
		 f->repo);
	object = command_output(command);
	assert_string_equal(object, "put\nput\n");
	free(object);
}

/* ---- spaces and history ---- */

static int spaces_into(const char *space, const git_oid *head, void *payload)
{
	assert_false(git_oid_is_zero(head));
	return sanshe_buf_printf(
	    payload, "%s%s", ((sanshe_buf *)payload)->size ? " " : "", space);
}

static void test_store_spaces_are_listed_by_name(void **state)
{
	fixture *f = *state;
	sanshe_buf out = SANSHE_BUF_INIT;
	char command[4300];

	put_one(f->store, "trust", "org", "o1", "o", NULL);
	put_one(f->store, "org/o2", "case", "c", "c", NULL);
	put_one(f->store, "common", "roster", "r", "r", NULL);
	put_one(f->store, "org/o1", "case", "c", "c", NULL);
	snprintf(command, sizeof(command), "git -C '%s' branch -q master trust",
		 f->repo);
	assert_int_equal(system(command), 0); /* not a space: not listed */
	assert_int_equal(sanshe_store_spaces(f->store, spaces_into, &out), 0);
	assert_string_equal(out.ptr, "common org/o1 org/o2 trust");
	sanshe_buf_dispose(&out);
}

typedef struct history {
	sanshe_buf messages;
	size_t signed_count;
} history;

static int history_into(const sanshe_store_commit *c, void *payload)
{
	history *h = payload;
	size_t len = strcspn(c->message, "\n");

	assert_string_equal(c->author_name, "Mei Lin");
	assert_string_equal(c->author_email, "m1@o1");
	assert_int_equal(c->offset, 480);
	assert_true(c->time >= 1795335000);
	if (c->signature) {
		assert_string_equal(c->signature, ARMOR);
		assert_true(c->signed_len > 5 &&
			    memcmp(c->signed_data, "tree ", 5) == 0);
		assert_null(strstr(c->signed_data, "gpgsig"));
		h->signed_count++;
	}
	return sanshe_buf_printf(&h->messages, "%s%.*s/%u",
				 h->messages.size ? " " : "", (int)len,
				 c->message, c->parents);
}

static char *history_of(sanshe_store *store, const char *space,
			const char *type, const char *id, size_t *signed_count)
{
	history h = {SANSHE_BUF_INIT, 0};

	assert_int_equal(
	    sanshe_store_log(store, space, type, id, history_into, &h), 0);
	if (signed_count)
		*signed_count = h.signed_count;
	return sanshe_buf_detach(&h.messages);
}

static void expect_history(sanshe_store *store, const char *space,
			   const char *type, const char *id,
			   const char *expected)
{
	char *got = history_of(store, space, type, id, NULL);

	assert_string_equal(got, expected);
	free(got);
}

static void commit_one(sanshe_store *store, const char *message, const char *id,
		       const char *text)
{
	sanshe_change *change = NULL;

	assert_int_equal(sanshe_change_new(&change, store, "common"), 0);
	if (text)
		assert_int_equal(
		    sanshe_change_put(change, "case", id, text, strlen(text)),
		    0);
	else
		assert_int_equal(sanshe_change_remove(change, "case", id), 0);
	commit(change, message, NULL);
	sanshe_change_free(change);
}

static void test_store_log_walks_the_history_newest_first(void **state)
{
	fixture *f = *state;
	size_t signed_count = 0;
	char *all;

	commit_one(f->store, "one\n\nSanshe-Op: put case/a\n", "a", "a1");
	commit_one(f->store, "two", "b", "b1");
	commit_one(f->store, "three", "a", "a2");
	commit_one(f->store, "four", "b", "b2");
	commit_one(f->store, "five", "a", NULL);
	commit_one(f->store, "six", "a", "a3");
	all = history_of(f->store, "common", NULL, NULL, &signed_count);
	assert_string_equal(all, "six/1 five/1 four/1 three/1 two/1 one/0");
	assert_int_equal(signed_count, 6);
	free(all);
	expect_history(f->store, "common", "case", "a",
		       "six/1 five/1 three/1 one/0");
	expect_history(f->store, "common", "case", "b", "four/1 two/1");
	expect_history(f->store, "common", "case", "zz", "");
	expect_history(f->store, "trust", NULL, NULL, "");
	assert_int_equal(sanshe_store_log(f->store, "common", "case", NULL,
					  history_into, NULL),
			 SANSHE_EINVALID);
}

static int stop_after_one(const sanshe_store_commit *c, void *payload)
{
	(void)c;
	(*(int *)payload)++;
	return 42;
}

static void test_store_callbacks_stop_the_walk_with_their_value(void **state)
{
	fixture *f = *state;
	int calls = 0;

	commit_one(f->store, "one", "a", "a1");
	commit_one(f->store, "two", "b", "b1");
	assert_int_equal(sanshe_store_log(f->store, "common", NULL, NULL,
					  stop_after_one, &calls),
			 42);
	assert_int_equal(calls, 1);
}

/* ---- large changes ---- */

#define LARGE 20000

static void large_id(char *out, size_t size, size_t i)
{
	snprintf(out, size, "0190a2b3-%04zx-7abc-8def-%012zx", i % 65536,
		 i * 7919);
}

typedef struct large_check {
	size_t n;
	char last[64];
} large_check;

static int check_large(const char *type, const char *id, const git_oid *blob,
		       void *payload)
{
	large_check *check = payload;

	(void)blob;
	assert_string_equal(type, "case");
	if (check->n++)
		assert_true(strcmp(check->last, id) < 0);
	snprintf(check->last, sizeof(check->last), "%s", id);
	return 0;
}

static void test_store_change_of_20000_documents_commits_as_a_pack(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;
	large_check check = {0, ""};
	char id[64], text[128], command[4300];
	char *packs;

	assert_int_equal(sanshe_change_new(&change, f->store, "org/o1"), 0);
	for (size_t i = 0; i < LARGE; i++) {
		large_id(id, sizeof(id), i);
		snprintf(text, sizeof(text), "{\"id\":\"%s\",\"n\":%zu}", id,
			 i);
		assert_int_equal(
		    sanshe_change_put(change, "case", id, text, strlen(text)),
		    0);
	}
	assert_int_equal(sanshe_change_size(change), LARGE);
	commit(change, "import\n", NULL);
	sanshe_change_free(change);
	assert_int_equal(
	    sanshe_store_list(f->store, "org/o1", NULL, check_large, &check),
	    0);
	assert_int_equal(check.n, LARGE);
	expect_counts(f->store, "org/o1", "case=20000");
	large_id(id, sizeof(id), 12345);
	snprintf(text, sizeof(text), "{\"id\":\"%s\",\"n\":12345}", id);
	expect_doc(f->store, "org/o1", NULL, "case", id, text);
	snprintf(command, sizeof(command),
		 "ls '%s/objects/pack' | grep -c '\\.pack$'", f->repo);
	packs = command_output(command);
	assert_string_equal(packs, "1\n");
	free(packs);
	expect_fsck_clean(f->repo);
}

/* 300 documents of 1 KiB, a pack every 100 KiB: 3 packs, none at commit. */
#define FLUSH_DOC 1024
#define FLUSH_DOCS 300

static void flush_text(char *out, size_t i)
{
	memset(out, 'a' + (char)(i % 26), FLUSH_DOC);
	snprintf(out, FLUSH_DOC, "{\"n\":%zu}", i);
	out[strlen(out)] = ' ';
}

static void
test_store_change_larger_than_its_memory_is_written_in_packs(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;
	sanshe_buf got = SANSHE_BUF_INIT;
	char text[FLUSH_DOC], id[32], command[4300];
	char *packs;

	assert_int_equal(sanshe_change_new(&change, f->store, "org/o1"), 0);
	sanshe_change__stage_limit(change, 100 * FLUSH_DOC);
	for (size_t i = 0; i < FLUSH_DOCS; i++) {
		snprintf(id, sizeof(id), "d%zu", i);
		flush_text(text, i);
		assert_int_equal(
		    sanshe_change_put(change, "case", id, text, FLUSH_DOC), 0);
	}
	commit(change, "import\n", NULL);
	sanshe_change_free(change);
	expect_counts(f->store, "org/o1", "case=300");
	for (size_t i = 0; i < FLUSH_DOCS; i += 37) {
		snprintf(id, sizeof(id), "d%zu", i);
		flush_text(text, i);
		sanshe_buf_clear(&got);
		assert_int_equal(sanshe_store_read(f->store, "org/o1", NULL,
						   "case", id, &got),
				 0);
		assert_int_equal(got.size, FLUSH_DOC);
		assert_memory_equal(got.ptr, text, FLUSH_DOC);
	}
	snprintf(command, sizeof(command),
		 "ls '%s/objects/pack' | grep -c '\\.pack$'", f->repo);
	packs = command_output(command);
	assert_string_equal(packs, "3\n");
	free(packs);
	sanshe_buf_dispose(&got);
	expect_fsck_clean(f->repo);
}

/*
 * A pack that cannot be written (objects/pack is a file for a moment)
 * fails the change for good: later puts and the commit are refused, even
 * once the directory is back, and the space does not move.
 */
static void test_store_failed_flush_fails_the_change(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;
	char text[FLUSH_DOC], id[32], packs[4200], aside[4200];
	git_oid head;
	size_t i;
	int err = 0;

	snprintf(packs, sizeof(packs), "%s/objects/pack", f->repo);
	snprintf(aside, sizeof(aside), "%s/objects/pack.aside", f->repo);
	assert_int_equal(sanshe_change_new(&change, f->store, "org/o1"), 0);
	sanshe_change__stage_limit(change, 100 * FLUSH_DOC);
	for (i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "d%zu", i);
		flush_text(text, i);
		assert_int_equal(sanshe_change_put(change, "case", id, text, FLUSH_DOC), 0);
	}
	assert_int_equal(rename(packs, aside), 0);
	scratch_write(packs, "not a directory", 15);
	for (; !err && i < FLUSH_DOCS; i++) {
		snprintf(id, sizeof(id), "d%zu", i);
		flush_text(text, i);
		err = sanshe_change_put(change, "case", id, text, FLUSH_DOC);
	}
	assert_int_equal(err, SANSHE_EIO);
	assert_int_equal(unlink(packs), 0);
	assert_int_equal(rename(aside, packs), 0);
	flush_text(text, 999);
	assert_int_equal(sanshe_change_put(change, "case", "late", text, FLUSH_DOC), SANSHE_EIO);
	assert_non_null(strstr(sanshe_error_last(), "earlier write"));
	sanshe_change_free(change);
	assert_int_equal(sanshe_store_head(f->store, "org/o1", &head), SANSHE_ENOTFOUND);
	expect_fsck_clean(f->repo);
}

static void test_store_committed_change_cannot_be_used_again(void **state)
{
	fixture *f = *state;
	sanshe_change *change = NULL;

	assert_int_equal(sanshe_change_new(&change, f->store, "common"), 0);
	assert_int_equal(sanshe_change_put(change, "case", "c1", "one", 3), 0);
	commit(change, "put\n", NULL);
	assert_int_equal(sanshe_change_put(change, "case", "c2", "two", 3),
			 SANSHE_EINVALID);
	assert_string_equal(
	    sanshe_error_last(),
	    "the change of space 'common' is committed already");
	sanshe_change_free(change);
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
	    REPO_TEST(test_store_commit_needs_the_lock),
	    cmocka_unit_test(
		test_store_doc_path_shards_by_the_first_byte_of_sha256),
	    cmocka_unit_test(
		test_store_doc_path_refuses_slashes_and_empty_names),
	    cmocka_unit_test(test_store_space_names_are_trust_common_or_an_org),
	    REPO_TEST(test_store_refuses_a_bad_space_name),
	    REPO_TEST(test_store_puts_are_read_listed_and_counted_per_space),
	    REPO_TEST(test_store_second_put_in_a_change_replaces_the_first),
	    REPO_TEST(test_store_remove_takes_the_document_away),
	    REPO_TEST(test_store_put_then_remove_in_one_change_cancel_out),
	    REPO_TEST(test_store_change_that_changes_nothing_is_refused),
	    REPO_TEST(test_store_empty_change_opens_a_new_space),
	    REPO_TEST(test_store_reads_a_document_as_of_an_older_commit),
	    REPO_TEST(test_store_reads_the_blob_a_listing_gives),
	    REPO_TEST(test_store_read_names_a_revision_that_does_not_exist),
	    REPO_TEST(test_store_commit_fails_when_the_space_moved_meanwhile),
	    REPO_TEST(test_store_new_space_is_made_once_by_two_changes),
	    REPO_TEST(test_store_failing_signer_moves_nothing),
	    REPO_TEST(test_store_commit_is_signed_and_passes_git_fsck),
	    REPO_TEST(test_store_spaces_are_listed_by_name),
	    REPO_TEST(test_store_log_walks_the_history_newest_first),
	    REPO_TEST(test_store_callbacks_stop_the_walk_with_their_value),
	    REPO_TEST(test_store_change_of_20000_documents_commits_as_a_pack),
	    REPO_TEST(
		test_store_change_larger_than_its_memory_is_written_in_packs),
	    REPO_TEST(test_store_failed_flush_fails_the_change),
	    REPO_TEST(test_store_committed_change_cannot_be_used_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

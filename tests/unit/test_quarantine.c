/* The part of incoming history that does not depend on a failing commit. */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "quarantine.h"
#include "scratch.h"
#include "store.h"

typedef struct fixture {
	char *dir;
	sanshe_store *store;
	git_repository *repo;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = scratch_dir_make();
	assert_int_equal(sanshe_store_create(&f->store, scratch_path(f->dir, "repo")), 0);
	f->repo = sanshe_store_repository(f->store);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sanshe_store_free(f->store);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

/* A commit of an empty tree with `msg` and the parents given (NULL: fewer). */
static void commit(fixture *f, git_oid *out, const char *msg, const git_oid *first,
		   const git_oid *second)
{
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_commit *parents[2] = { NULL, NULL };
	git_oid tree_id;
	size_t n = 0;

	assert_int_equal(git_treebuilder_new(&tb, f->repo, NULL), 0);
	assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, f->repo, &tree_id), 0);
	assert_int_equal(git_signature_new(&sig, "Wang Li", "wang@example.org", 1700000000, 0), 0);
	if (first)
		assert_int_equal(git_commit_lookup(&parents[n++], f->repo, first), 0);
	if (second)
		assert_int_equal(git_commit_lookup(&parents[n++], f->repo, second), 0);
	assert_int_equal(git_commit_create(out, f->repo, NULL, sig, sig, NULL, msg, tree, n,
					   (const git_commit **)parents),
			 0);
	git_commit_free(parents[0]);
	git_commit_free(parents[1]);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
}

/* The part of `tip` beyond `head` clean of the `n` failing commits (NULL: all fail). */
static int part_of(fixture *f, const git_oid *tip, const git_oid *head, const git_oid *failing,
		   size_t n, git_oid *part, size_t *held)
{
	sanshe_oidset set = SANSHE_OIDSET_INIT;
	int found = -1;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(sanshe_oidset_add(&set, &failing[i]), 1);
	assert_int_equal(sanshe_quarantine_clean_part(f->store, tip, head, failing ? &set : NULL,
						      part, &found, held),
			 0);
	sanshe_oidset_dispose(&set);
	return found;
}

/* base <- good <- bad <- after: the part is `good`; `bad` and `after` are held. */
static void test_part_stops_before_the_failing_commit(void **state)
{
	fixture *f = *state;
	git_oid base, good, bad, after, part;
	size_t held = 0;

	commit(f, &base, "base", NULL, NULL);
	commit(f, &good, "good", &base, NULL);
	commit(f, &bad, "bad", &good, NULL);
	commit(f, &after, "after", &bad, NULL);
	assert_int_equal(part_of(f, &after, &base, &bad, 1, &part, &held), 1);
	assert_true(git_oid_equal(&part, &good));
	assert_int_equal(held, 2);
	/* nothing is known here yet: the same part, from the root */
	assert_int_equal(part_of(f, &after, NULL, &bad, 1, &part, &held), 1);
	assert_true(git_oid_equal(&part, &good));
	assert_int_equal(held, 2);
	/* the history already here up to `good`: nothing new is clean */
	assert_int_equal(part_of(f, &after, &good, &bad, 1, &part, &held), 0);
	assert_int_equal(held, 2);
}

static void test_nothing_when_the_first_new_commit_fails(void **state)
{
	fixture *f = *state;
	git_oid base, bad, after, part;
	size_t held = 0;

	commit(f, &base, "base", NULL, NULL);
	commit(f, &bad, "bad", &base, NULL);
	commit(f, &after, "after", &bad, NULL);
	assert_int_equal(part_of(f, &after, &base, &bad, 1, &part, &held), 0);
	assert_int_equal(held, 2);
	/* every commit failing (a finding that names none) */
	assert_int_equal(part_of(f, &after, &base, NULL, 0, &part, &held), 0);
	assert_int_equal(held, 2);
}

/*
 * base <- main <- merge(main, side) <- top, side <- base failing: the merge
 * builds on it, so the part is `main`, and side, merge and top are held.
 */
static void test_a_merge_of_a_failing_side_is_left_out(void **state)
{
	fixture *f = *state;
	git_oid base, main_line, side, merge, top, part;
	size_t held = 0;

	commit(f, &base, "base", NULL, NULL);
	commit(f, &main_line, "main", &base, NULL);
	commit(f, &side, "side", &base, NULL);
	commit(f, &merge, "merge", &main_line, &side);
	commit(f, &top, "top", &merge, NULL);
	assert_int_equal(part_of(f, &top, &base, &side, 1, &part, &held), 1);
	assert_true(git_oid_equal(&part, &main_line));
	assert_int_equal(held, 3);
	/* a clean side merged into the line keeps everything up to the failing top */
	assert_int_equal(part_of(f, &top, &base, &top, 1, &part, &held), 1);
	assert_true(git_oid_equal(&part, &merge));
	assert_int_equal(held, 1);
}

/* A failing commit that is not among the new ones: nothing can be told clean. */
static void test_a_failing_commit_not_in_the_history_keeps_all(void **state)
{
	fixture *f = *state;
	git_oid base, good, other, part;
	size_t held = 0;

	commit(f, &base, "base", NULL, NULL);
	commit(f, &good, "good", &base, NULL);
	commit(f, &other, "elsewhere", &base, NULL);
	assert_int_equal(part_of(f, &good, &base, &other, 1, &part, &held), 0);
	assert_int_equal(held, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_part_stops_before_the_failing_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nothing_when_the_first_new_commit_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_merge_of_a_failing_side_is_left_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_failing_commit_not_in_the_history_keeps_all,
						setup, teardown),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

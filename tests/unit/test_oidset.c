/* The set of git object ids. */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "oidset.h"

#define MANY 20000

/* The i-th id: a hash of i, like git's own ids. */
static void nth_id(git_oid *id, unsigned i)
{
	unsigned char hash[crypto_generichash_BYTES];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)&i, sizeof(i), NULL, 0);
	memcpy(id->id, hash, GIT_OID_RAWSZ);
}

static void test_each_id_is_new_once(void **state)
{
	sanshe_oidset set = SANSHE_OIDSET_INIT;
	git_oid id;

	(void)state;
	for (unsigned i = 0; i < MANY; i++) {
		nth_id(&id, i);
		assert_int_equal(sanshe_oidset_add(&set, &id), 1);
	}
	assert_int_equal(set.n, MANY);
	assert_true(set.cap >= 2 * MANY);
	for (unsigned i = 0; i < MANY; i++) {
		nth_id(&id, i);
		assert_int_equal(sanshe_oidset_add(&set, &id), 0);
	}
	assert_int_equal(set.n, MANY);
	sanshe_oidset_dispose(&set);
	assert_null(set.ids);
}

/* Ids that share their first bytes (the home slot) still all stay apart. */
static void test_colliding_homes(void **state)
{
	sanshe_oidset set = SANSHE_OIDSET_INIT;
	git_oid id;

	(void)state;
	for (unsigned i = 1; i <= 600; i++) {
		memset(&id, 0, sizeof(id));
		memcpy(id.id + 16, &i, sizeof(i));
		assert_int_equal(sanshe_oidset_add(&set, &id), 1);
	}
	for (unsigned i = 1; i <= 600; i++) {
		memset(&id, 0, sizeof(id));
		memcpy(id.id + 16, &i, sizeof(i));
		assert_int_equal(sanshe_oidset_add(&set, &id), 0);
	}
	sanshe_oidset_dispose(&set);
}

/* Only the ids added are in the set; an empty set holds none. */
static void test_has_only_what_was_added(void **state)
{
	sanshe_oidset set = SANSHE_OIDSET_INIT;
	git_oid id;

	(void)state;
	nth_id(&id, 0);
	assert_false(sanshe_oidset_has(&set, &id));
	for (unsigned i = 0; i < 1000; i += 2) {
		nth_id(&id, i);
		assert_int_equal(sanshe_oidset_add(&set, &id), 1);
	}
	for (unsigned i = 0; i < 1000; i++) {
		nth_id(&id, i);
		assert_int_equal(sanshe_oidset_has(&set, &id), i % 2 == 0);
	}
	sanshe_oidset_clear(&set);
	nth_id(&id, 0);
	assert_false(sanshe_oidset_has(&set, &id));
	sanshe_oidset_dispose(&set);
}

static void test_clear_keeps_room_forgets_ids(void **state)
{
	sanshe_oidset set = SANSHE_OIDSET_INIT;
	git_oid id;
	size_t cap;

	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		nth_id(&id, i);
		assert_int_equal(sanshe_oidset_add(&set, &id), 1);
	}
	cap = set.cap;
	sanshe_oidset_clear(&set);
	assert_int_equal(set.n, 0);
	assert_int_equal(set.cap, cap);
	nth_id(&id, 7);
	assert_int_equal(sanshe_oidset_add(&set, &id), 1);
	sanshe_oidset_dispose(&set);
	sanshe_oidset_clear(&set); /* an empty set too */
	sanshe_oidset_dispose(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_id_is_new_once),
		cmocka_unit_test(test_colliding_homes),
		cmocka_unit_test(test_has_only_what_was_added),
		cmocka_unit_test(test_clear_keeps_room_forgets_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* UUIDv7 document ids. */
#include "common.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "uuid.h"

#define MANY 100000

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The 48-bit time stamp of an id. */
static uint64_t stamp_of(const char *id)
{
	char hex[13];

	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return strtoull(hex, NULL, 16);
}

static void test_uuid_has_version_variant_and_shape(void **state)
{
	char id[SANSHE_UUID_STRLEN + 1];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(sanshe_uuid_v7(id), 0);
		assert_int_equal(strlen(id), SANSHE_UUID_STRLEN);
		assert_int_equal(id[14], '7');
		assert_non_null(strchr("89ab", id[19]));
		assert_true(sanshe_uuid_is_valid(id));
	}
}

static void test_uuid_carries_the_current_time(void **state)
{
	char id[SANSHE_UUID_STRLEN + 1];
	uint64_t before = wall_ms(), after;

	(void)state;
	assert_int_equal(sanshe_uuid_v7(id), 0);
	after = wall_ms();
	/* An earlier test may have borrowed a few milliseconds ahead. */
	assert_true(stamp_of(id) >= before && stamp_of(id) <= after + 1000);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_uuid_increases_within_a_process(void **state)
{
	char (*ids)[SANSHE_UUID_STRLEN + 1] = calloc(MANY, sizeof(*ids));

	(void)state;
	assert_non_null(ids);
	assert_int_equal(sanshe_uuid_v7(ids[0]), 0);
	for (int i = 1; i < MANY; i++) {
		assert_int_equal(sanshe_uuid_v7(ids[i]), 0);
		if (strcmp(ids[i - 1], ids[i]) >= 0)
			fail_msg("'%s' does not sort after '%s'", ids[i], ids[i - 1]);
	}
	qsort(ids, MANY, sizeof(*ids), by_text);
	for (int i = 1; i < MANY; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	free(ids);
}

static void *make_ids(void *arg)
{
	char (*ids)[SANSHE_UUID_STRLEN + 1] = arg;

	for (int i = 0; i < MANY / 4; i++)
		if (sanshe_uuid_v7(ids[i]) != 0)
			return arg;
	return NULL;
}

static void test_uuid_threads_never_collide(void **state)
{
	char (*ids)[SANSHE_UUID_STRLEN + 1] = calloc(MANY, sizeof(*ids));
	pthread_t threads[4];
	void *failed;

	(void)state;
	assert_non_null(ids);
	for (int t = 0; t < 4; t++)
		assert_int_equal(pthread_create(&threads[t], NULL, make_ids,
						ids + t * (MANY / 4)), 0);
	for (int t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(threads[t], &failed), 0);
		assert_null(failed);
	}
	qsort(ids, MANY, sizeof(*ids), by_text);
	for (int i = 1; i < MANY; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	free(ids);
}

static void test_uuid_validity_is_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"0190f5e2-7c4b-7a8e-9f3d-1c2b3a4d5e6",
		"0190f5e2-7c4b-7a8e-9f3d-1c2b3a4d5e6f0",
		"0190F5E2-7C4B-7A8E-9F3D-1C2B3A4D5E6F",
		"0190f5e2-7c4b-4a8e-9f3d-1c2b3a4d5e6f",
		"0190f5e2-7c4b-7a8e-cf3d-1c2b3a4d5e6f",
		"0190f5e2-7c4b-7a8e-7f3d-1c2b3a4d5e6f",
		"0190f5e27c4b-7a8e-9f3d-1c2b3a4d5e6f-",
		"0190f5e2_7c4b_7a8e_9f3d_1c2b3a4d5e6f",
		"0190f5e2-7c4b-7a8e-9f3d-1c2b3a4d5e6g",
		"{0190f5e2-7c4b-7a8e-9f3d-1c2b3a4d5e6}",
	};

	(void)state;
	assert_true(sanshe_uuid_is_valid("0190f5e2-7c4b-7a8e-9f3d-1c2b3a4d5e6f"));
	assert_true(sanshe_uuid_is_valid("0190f5e2-7c4b-7a8e-bf3d-1c2b3a4d5e6f"));
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++)
		if (sanshe_uuid_is_valid(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_has_version_variant_and_shape),
		cmocka_unit_test(test_uuid_carries_the_current_time),
		cmocka_unit_test(test_uuid_increases_within_a_process),
		cmocka_unit_test(test_uuid_threads_never_collide),
		cmocka_unit_test(test_uuid_validity_is_strict),
	};

	return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}

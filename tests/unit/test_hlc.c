/* The hybrid logical clock: text form, ordering rules, the clock in a home. */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hlc.h"
#include "scratch.h"

/* The wall clock the tests set; fake_now reads it. */
static uint64_t fake_wall;

static uint64_t fake_now(void)
{
	return fake_wall;
}

static int home_setup(void **state)
{
	*state = scratch_dir_make();
	fake_wall = 1795335000123ULL;
	return 0;
}

static int home_teardown(void **state)
{
	scratch_dir_remove(*state);
	return 0;
}

static sanshe_hlc hlc(uint64_t ms, uint32_t counter)
{
	sanshe_hlc v = { ms, counter };

	return v;
}

static void expect_text(sanshe_hlc v, const char *text)
{
	char out[SANSHE_HLC_MAX];
	sanshe_hlc back;

	assert_int_equal(sanshe_hlc_format(out, v), 0);
	assert_string_equal(out, text);
	assert_int_equal(sanshe_hlc_parse(&back, text), 0);
	assert_int_equal(back.ms, v.ms);
	assert_int_equal(back.counter, v.counter);
}

static void test_hlc_text_form_matches_known_dates(void **state)
{
	(void)state;
	expect_text(hlc(1795335000123ULL, 1), "2026-11-22T08:10:00.123Z/0001");
	expect_text(hlc(0, 0), "1970-01-01T00:00:00.000Z/0000");
	expect_text(hlc(1709251199999ULL, 9999), "2024-02-29T23:59:59.999Z/9999");
	expect_text(hlc(951868800000ULL, 10000), "2000-03-01T00:00:00.000Z/10000");
	expect_text(hlc(SANSHE_HLC_MS_MAX, UINT32_MAX),
		    "9999-12-31T23:59:59.999Z/4294967295");
}

static void test_hlc_text_form_round_trips(void **state)
{
	char out[SANSHE_HLC_MAX];
	sanshe_hlc v, back;

	(void)state;
	srand(7);
	for (int i = 0; i < 100000; i++) {
		v.ms = (((uint64_t)rand() << 31) ^ (uint64_t)rand()) %
		       (SANSHE_HLC_MS_MAX + 1);
		v.counter = (uint32_t)rand() >> (rand() % 32);
		assert_int_equal(sanshe_hlc_format(out, v), 0);
		assert_int_equal(sanshe_hlc_parse(&back, out), 0);
		assert_int_equal(sanshe_hlc_compare(v, back), 0);
	}
}

static void test_hlc_format_refuses_values_past_9999(void **state)
{
	char out[SANSHE_HLC_MAX];

	(void)state;
	assert_int_equal(sanshe_hlc_format(out, hlc(SANSHE_HLC_MS_MAX + 1, 0)),
			 SANSHE_EINVALID);
	assert_string_equal(out, "");
}

static void test_hlc_parse_refuses_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"2026-11-22T08:10:00.123Z",
		"2026-11-22T08:10:00.123Z/",
		"2026-11-22T08:10:00.123Z/001",
		"2026-11-22T08:10:00.123Z/00001",
		"2026-11-22T08:10:00.123Z/+001",
		"2026-11-22T08:10:00.123Z/4294967296",
		"2026-11-22T08:10:00.123Z/99999999999",
		"2026-11-22T08:10:00.123Z/0001\n",
		"2026-11-22T08:10:00.123Z/0001 ",
		"2026-11-22T08:10:00.123z/0001",
		"2026-11-22 08:10:00.123Z/0001",
		"2026-11-22T08:10:00.12Z/0001",
		"2026-11-22T08:10:00Z/0001",
		"2026-11-22T08:10:00.123+08:00/0001",
		"2025-02-29T08:10:00.123Z/0001",
		"2100-02-29T08:10:00.123Z/0001",
		"2026-13-01T08:10:00.123Z/0001",
		"2026-00-01T08:10:00.123Z/0001",
		"2026-11-31T08:10:00.123Z/0001",
		"2026-11-00T08:10:00.123Z/0001",
		"2026-11-22T24:00:00.000Z/0001",
		"2026-11-22T23:60:00.000Z/0001",
		"2026-11-22T23:59:60.000Z/0001",
		"1969-12-31T23:59:59.999Z/0001",
		"0000-01-01T00:00:00.000Z/0000",
		" 2026-11-22T08:10:00.123Z/0001",
		"2026-11-22T08:10:00.123Z/\xef\xbc\x91\xef\xbc\x92",
	};
	sanshe_hlc v;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++) {
		if (sanshe_hlc_parse(&v, bad[i]) != SANSHE_EPARSE)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(strstr(sanshe_error_last(), "is not a clock value"));
	}
	assert_int_equal(sanshe_hlc_parse(&v, "2000-02-29T08:10:00.123Z/0001"), 0);
}

static void test_hlc_parse_message_quotes_the_text_safely(void **state)
{
	sanshe_hlc v;

	(void)state;
	assert_int_equal(sanshe_hlc_parse(&v, "yesterday\033[2J"), SANSHE_EPARSE);
	assert_string_equal(sanshe_error_last(),
			    "'yesterday?[2J' is not a clock value: expected "
			    "YYYY-MM-DDTHH:MM:SS.mmmZ/NNNN");
	assert_int_equal(sanshe_hlc_parse(&v, "2026-02-30T00:00:00.000Z/0000"),
			 SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "no such date"));
}

static void test_hlc_compare_orders_by_ms_then_counter(void **state)
{
	(void)state;
	assert_true(sanshe_hlc_compare(hlc(1, 9), hlc(2, 0)) < 0);
	assert_true(sanshe_hlc_compare(hlc(2, 0), hlc(1, 9)) > 0);
	assert_true(sanshe_hlc_compare(hlc(2, 1), hlc(2, 2)) < 0);
	assert_int_equal(sanshe_hlc_compare(hlc(2, 2), hlc(2, 2)), 0);
}

static void expect_hlc(sanshe_hlc got, uint64_t ms, uint32_t counter)
{
	assert_int_equal(got.ms, ms);
	assert_int_equal(got.counter, counter);
}

static void test_hlc_next_follows_the_wall_clock_or_counts(void **state)
{
	(void)state;
	expect_hlc(sanshe_hlc_next(hlc(100, 5), 200), 200, 0);
	expect_hlc(sanshe_hlc_next(hlc(100, 5), 100), 100, 6);
	expect_hlc(sanshe_hlc_next(hlc(100, 5), 50), 100, 6);
	expect_hlc(sanshe_hlc_next(hlc(100, UINT32_MAX), 50), 101, 0);
}

static void test_hlc_receive_moves_past_both_clocks(void **state)
{
	(void)state;
	expect_hlc(sanshe_hlc_receive(hlc(100, 5), hlc(90, 7), 300), 300, 0);
	expect_hlc(sanshe_hlc_receive(hlc(100, 5), hlc(100, 7), 50), 100, 8);
	expect_hlc(sanshe_hlc_receive(hlc(100, 9), hlc(100, 7), 50), 100, 10);
	expect_hlc(sanshe_hlc_receive(hlc(100, 5), hlc(90, 7), 50), 100, 6);
	expect_hlc(sanshe_hlc_receive(hlc(100, 5), hlc(150, 7), 50), 150, 8);
	expect_hlc(sanshe_hlc_receive(hlc(100, 5), hlc(150, UINT32_MAX), 50),
		   151, 0);
}

static void test_clock_never_goes_backwards_when_wall_clock_does(void **state)
{
	static const uint64_t walls[] = { 5000, 5000, 4000, 100, 5001, 5001,
					  3000, 9000, 8999, 0 };
	sanshe_hlc prev = { 0, 0 }, v;
	sanshe_clock *clock;

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(walls); i++) {
		fake_wall = walls[i];
		assert_int_equal(sanshe_clock_open(&clock, *state, fake_now), 0);
		for (int j = 0; j < 3; j++) {
			assert_int_equal(sanshe_clock_tick(clock, &v), 0);
			assert_true(sanshe_hlc_compare(prev, v) < 0);
			prev = v;
			fake_wall -= fake_wall > 7 ? 7 : 0;
		}
		assert_int_equal(sanshe_clock_close(clock), 0);
		sanshe_clock_free(clock);
	}
	expect_hlc(prev, 9000, 8);
}

static void test_clock_keeps_its_value_in_the_home(void **state)
{
	const char *home = *state;
	sanshe_clock *clock;
	sanshe_hlc v;
	char *text;

	assert_int_equal(sanshe_clock_open(&clock, home, fake_now), 0);
	expect_hlc(sanshe_clock_last(clock), 0, 0);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	assert_int_equal(sanshe_clock_close(clock), 0);
	sanshe_clock_free(clock);
	text = scratch_read(scratch_path(home, "clock"), NULL);
	assert_string_equal(text, "2026-11-22T08:10:00.123Z/0001\n");
	free(text);
	assert_int_equal(sanshe_clock_open(&clock, home, NULL), 0);
	expect_hlc(sanshe_clock_last(clock), 1795335000123ULL, 1);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	assert_true(v.ms > 1795335000123ULL || v.counter == 2);
	sanshe_clock_free(clock);
}

static void test_clock_free_without_close_keeps_issued_values(void **state)
{
	sanshe_clock *clock;
	sanshe_hlc v;

	assert_int_equal(sanshe_clock_open(&clock, *state, fake_now), 0);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	sanshe_clock_free(clock);
	assert_int_equal(sanshe_clock_open(&clock, *state, fake_now), 0);
	expect_hlc(sanshe_clock_last(clock), v.ms, v.counter);
	sanshe_clock_free(clock);
}

static void test_clock_observe_moves_past_a_remote_clock(void **state)
{
	sanshe_clock *clock;
	sanshe_hlc v, remote = { 1795335000123ULL + 60000, 41 };

	assert_int_equal(sanshe_clock_open(&clock, *state, fake_now), 0);
	assert_int_equal(sanshe_clock_observe(clock, remote), 0);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	expect_hlc(v, remote.ms, 43);
	remote.ms = SANSHE_HLC_MS_MAX + 1;
	assert_int_equal(sanshe_clock_observe(clock, remote), SANSHE_EINVALID);
	expect_hlc(sanshe_clock_last(clock), v.ms, v.counter);
	assert_int_equal(sanshe_clock_close(clock), 0);
	sanshe_clock_free(clock);
}

static void expect_damaged_clock(const char *home, const char *text, size_t len)
{
	sanshe_clock *clock = NULL;
	char *after;
	size_t after_len;

	scratch_write(scratch_path(home, "clock"), text, len);
	assert_int_not_equal(sanshe_clock_open(&clock, home, fake_now), 0);
	assert_null(clock);
	assert_non_null(strstr(sanshe_error_last(), scratch_path(home, "clock")));
	after = scratch_read(scratch_path(home, "clock"), &after_len);
	assert_int_equal(after_len, len);
	assert_memory_equal(after, text, len);
	free(after);
}

static void test_clock_file_damaged_is_refused(void **state)
{
	const char *home = *state;
	char big[200];

	expect_damaged_clock(home, "", 0);
	expect_damaged_clock(home, "\n", 1);
	expect_damaged_clock(home, "garbage\n", 8);
	expect_damaged_clock(home, "2026-11-22T08:10:00.123Z/0001\n\n", 31);
	expect_damaged_clock(home, "2026-11-22T08:10:00.123Z/0001\0x", 31);
	expect_damaged_clock(home, "2026-11-31T08:10:00.123Z/0001\n", 30);
	memset(big, '1', sizeof(big));
	expect_damaged_clock(home, big, sizeof(big));
	expect_damaged_clock(home, "2026-11-22T08:10:00.123Z/0001", 29 - 1);
}

static void test_clock_waits_for_the_lock_then_gives_up(void **state)
{
	sanshe_clock *first, *second = NULL;
	struct timespec t0, t1;
	long waited;

	assert_int_equal(sanshe_clock_open(&first, *state, fake_now), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sanshe_clock_open_timeout(&second, *state, fake_now, 300),
			 SANSHE_ELOCKED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(waited >= 300 && waited < 2000);
	assert_null(second);
	assert_non_null(strstr(sanshe_error_last(), "clock.lock' is locked"));
	assert_int_equal(sanshe_clock_close(first), 0);
	assert_int_equal(sanshe_clock_open_timeout(&second, *state, fake_now, 300), 0);
	sanshe_clock_free(second);
	sanshe_clock_free(first);
}

static void test_clock_many_ticks_stay_in_memory(void **state)
{
	const char *home = *state;
	sanshe_clock *clk;
	sanshe_hlc v, prev = { 0, 0 };
	struct stat st;
	clock_t start = clock();

	assert_int_equal(sanshe_clock_open(&clk, home, NULL), 0);
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(sanshe_clock_tick(clk, &v), 0);
		assert_true(sanshe_hlc_compare(prev, v) < 0);
		prev = v;
	}
	assert_int_not_equal(stat(scratch_path(home, "clock"), &st), 0);
	assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 2.0);
	assert_int_equal(sanshe_clock_close(clk), 0);
	assert_int_equal(stat(scratch_path(home, "clock"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	sanshe_clock_free(clk);
}

#define RUNS 40
#define TICKS 25

/* A child process: open, tick, close, again; every value down `fd`. */
static void tick_in_child(const char *home, int fd)
{
	sanshe_clock *clk;
	sanshe_hlc v;

	for (int run = 0; run < RUNS; run++) {
		if (sanshe_clock_open(&clk, home, NULL) != 0)
			_exit(1);
		for (int i = 0; i < TICKS; i++)
			if (sanshe_clock_tick(clk, &v) != 0 ||
			    write(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
				_exit(1);
		if (sanshe_clock_close(clk) != 0)
			_exit(1);
		sanshe_clock_free(clk);
	}
	_exit(0);
}

static int by_value(const void *a, const void *b)
{
	return sanshe_hlc_compare(*(const sanshe_hlc *)a, *(const sanshe_hlc *)b);
}

static void test_clock_two_processes_never_issue_the_same_value(void **state)
{
	sanshe_hlc *seen = calloc(2 * RUNS * TICKS, sizeof(*seen));
	size_t got = 0;
	int fds[2], status;
	pid_t pids[2];
	ssize_t n;

	assert_non_null(seen);
	assert_int_equal(pipe(fds), 0);
	for (int c = 0; c < 2; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0) {
			close(fds[0]);
			tick_in_child(*state, fds[1]);
		}
	}
	close(fds[1]);
	while ((n = read(fds[0], seen + got, sizeof(*seen))) == sizeof(*seen))
		got++;
	close(fds[0]);
	for (int c = 0; c < 2; c++) {
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(got, 2 * RUNS * TICKS);
	qsort(seen, got, sizeof(*seen), by_value);
	for (size_t i = 1; i < got; i++)
		assert_true(sanshe_hlc_compare(seen[i - 1], seen[i]) < 0);
	free(seen);
}

static void test_clock_close_reports_a_failed_write(void **state)
{
	const char *home = *state;
	sanshe_clock *clock;
	sanshe_hlc v;

	assert_int_equal(sanshe_clock_open(&clock, home, fake_now), 0);
	assert_int_equal(sanshe_clock_tick(clock, &v), 0);
	assert_int_equal(mkdir(scratch_path(home, "clock"), 0700), 0);
	assert_int_equal(sanshe_clock_close(clock), SANSHE_EIO);
	assert_non_null(strstr(sanshe_error_last(), "cannot write"));
	sanshe_error_set(SANSHE_EPARSE, "the caller's failure");
	sanshe_clock_free(clock);
	assert_string_equal(sanshe_error_last(), "the caller's failure");
}

static void test_clock_made_home_is_private(void **state)
{
	sanshe_clock *clock;
	struct stat st;
	char *home;

	assert_true(asprintf(&home, "%s/a/b", (char *)*state) > 0);
	assert_int_equal(sanshe_clock_open(&clock, home, fake_now), 0);
	assert_int_equal(stat(home, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	sanshe_clock_free(clock);
	free(home);
}

#define HOME_TEST(f) cmocka_unit_test_setup_teardown(f, home_setup, home_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hlc_text_form_matches_known_dates),
		cmocka_unit_test(test_hlc_text_form_round_trips),
		cmocka_unit_test(test_hlc_format_refuses_values_past_9999),
		cmocka_unit_test(test_hlc_parse_refuses_garbage),
		cmocka_unit_test(test_hlc_parse_message_quotes_the_text_safely),
		cmocka_unit_test(test_hlc_compare_orders_by_ms_then_counter),
		cmocka_unit_test(test_hlc_next_follows_the_wall_clock_or_counts),
		cmocka_unit_test(test_hlc_receive_moves_past_both_clocks),
		HOME_TEST(test_clock_never_goes_backwards_when_wall_clock_does),
		HOME_TEST(test_clock_keeps_its_value_in_the_home),
		HOME_TEST(test_clock_free_without_close_keeps_issued_values),
		HOME_TEST(test_clock_observe_moves_past_a_remote_clock),
		HOME_TEST(test_clock_file_damaged_is_refused),
		HOME_TEST(test_clock_waits_for_the_lock_then_gives_up),
		HOME_TEST(test_clock_many_ticks_stay_in_memory),
		HOME_TEST(test_clock_two_processes_never_issue_the_same_value),
		HOME_TEST(test_clock_close_reports_a_failed_write),
		HOME_TEST(test_clock_made_home_is_private),
	};

	return cmocka_run_group_tests_name("hlc", tests, NULL, NULL);
}

/* Home-directory files: directories, bounded reads, atomic writes. */
#include "common.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fs.h"
#include "scratch.h"

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

static size_t entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void expect_contents(const char *path, const char *text)
{
	char *got = scratch_read(path, NULL);

	assert_string_equal(got, text);
	free(got);
}

static void test_fs_write_replaces_unless_told_not_to(void **state)
{
	char *path = strdup(scratch_path(*state, "f"));

	assert_int_equal(sanshe_fs_write(path, "one", 3, 0600, 0), 0);
	assert_int_equal(sanshe_fs_write(path, "two", 3, 0600, 0), 0);
	expect_contents(path, "two");
	assert_int_equal(sanshe_fs_write(path, "three", 5, 0600,
					 SANSHE_FS_NOREPLACE), SANSHE_EEXISTS);
	expect_contents(path, "two");
	assert_int_equal(entries_in(*state), 1);
	free(path);
}

static void test_fs_write_sets_the_mode_whatever_the_umask(void **state)
{
	char *path = strdup(scratch_path(*state, "pub"));
	mode_t old = umask(0077);
	struct stat st;

	assert_int_equal(sanshe_fs_write(path, "x", 1, 0644, 0), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(path);
}

static void test_fs_write_into_a_missing_directory_fails_cleanly(void **state)
{
	assert_int_equal(sanshe_fs_write(scratch_path(*state, "no/such"), "x", 1,
					 0600, 0), SANSHE_EIO);
	assert_non_null(strstr(sanshe_error_last(), "no/such"));
	assert_int_equal(entries_in(*state), 0);
}

static void test_fs_read_is_bounded_and_names_the_file(void **state)
{
	char *path = strdup(scratch_path(*state, "big"));
	sanshe_buf buf = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_fs_read(&buf, path, 10), SANSHE_ENOTFOUND);
	scratch_write(path, "0123456789", 10);
	assert_int_equal(sanshe_fs_read(&buf, path, 10), 0);
	assert_int_equal(buf.size, 10);
	sanshe_buf_clear(&buf);
	assert_int_equal(sanshe_fs_read(&buf, path, 9), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), path));
	assert_int_equal(sanshe_fs_read(&buf, *state, 9), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "is not a file"));
	sanshe_buf_dispose(&buf);
	free(path);
}

static void test_fs_mkdirs_makes_parents_and_accepts_existing(void **state)
{
	char *path = strdup(scratch_path(*state, "a/b/c"));
	struct stat st;

	assert_int_equal(sanshe_fs_mkdirs(path, 0700), 0);
	assert_int_equal(sanshe_fs_mkdirs(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	scratch_write(scratch_path(*state, "file"), "x", 1);
	assert_int_equal(sanshe_fs_mkdirs(scratch_path(*state, "file/d"), 0700),
			 SANSHE_EIO);
	free(path);
}

static void test_fs_remove_tree_removes_below_and_keeps_the_top_when_asked(void **state)
{
	char *top = strdup(scratch_path(*state, "t"));
	struct stat st;

	assert_int_equal(sanshe_fs_mkdirs(scratch_path(*state, "t/a/b"), 0700), 0);
	scratch_write(scratch_path(*state, "t/a/b/f"), "x", 1);
	scratch_write(scratch_path(*state, "t/g"), "y", 1);
	assert_int_equal(sanshe_fs_remove_tree(top, 1), 0);
	assert_int_equal(stat(top, &st), 0);
	assert_int_equal(stat(scratch_path(*state, "t/a"), &st), -1);
	assert_int_equal(stat(scratch_path(*state, "t/g"), &st), -1);
	assert_int_equal(sanshe_fs_remove_tree(top, 0), 0);
	assert_int_equal(stat(top, &st), -1);
	free(top);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DIR_TEST(test_fs_write_replaces_unless_told_not_to),
		DIR_TEST(test_fs_write_sets_the_mode_whatever_the_umask),
		DIR_TEST(test_fs_write_into_a_missing_directory_fails_cleanly),
		DIR_TEST(test_fs_read_is_bounded_and_names_the_file),
		DIR_TEST(test_fs_mkdirs_makes_parents_and_accepts_existing),
		DIR_TEST(test_fs_remove_tree_removes_below_and_keeps_the_top_when_asked),
	};

	return cmocka_run_group_tests_name("fs", tests, NULL, NULL);
}

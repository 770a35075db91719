/* Scratch directories and files for the unit tests. */
#include "common.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "scratch.h"

char *scratch_dir_make(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	assert_true(asprintf(&dir, "%s/sanshe-unit.XXXXXX", tmp) > 0);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void scratch_dir_remove(char *dir)
{
	if (!dir)
		return;
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

const char *scratch_path(const char *dir, const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

char *scratch_read(const char *path, size_t *len)
{
	sanshe_buf buf = SANSHE_BUF_INIT;

	if (sanshe_fs_read(&buf, path, SIZE_MAX / 2) != 0)
		fail_msg("cannot read %s: %s", path, sanshe_error_last());
	if (len)
		*len = buf.size;
	return sanshe_buf_detach(&buf);
}

void scratch_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

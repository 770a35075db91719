#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

const char *testdata_path(const char *rel)
{
	static char path[4096];
	const char *base = getenv("SANSHE_TESTDATA");

	snprintf(path, sizeof(path), "%s/%s", base ? base : "../shared/testdata", rel);
	return path;
}

const char *project_path(const char *rel)
{
	static char path[4096];
	const char *base = getenv("SANSHE_TOP");

	snprintf(path, sizeof(path), "%s/%s", base ? base : ".", rel);
	return path;
}

char *read_file_or_fail(const char *path, size_t *len)
{
	sanshe_buf buf = SANSHE_BUF_INIT;

	if (sanshe_file_read(&buf, path, 0) != 0)
		fail_msg("cannot read %s: %s", path, sanshe_error_last());
	if (len)
		*len = buf.size;
	return sanshe_buf_detach(&buf);
}

char *make_temp_dir(void)
{
	char tmpl[] = "/tmp/sanshe-unit.XXXXXX";

	if (!mkdtemp(tmpl))
		fail_msg("mkdtemp failed");
	return strdup(tmpl);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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


/* Helpers shared by the unit tests. */
#ifndef SANSHE_TESTUTIL_H
#define SANSHE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common.h"
#include "scratch.h"

/* Path of `rel` under the shared test vectors ($SANSHE_TESTDATA or ../shared/testdata). Static buffer. */
const char *testdata_path(const char *rel);

/* Path of `rel` under the project ($SANSHE_TOP or the current directory). Static buffer. */
const char *project_path(const char *rel);

#endif

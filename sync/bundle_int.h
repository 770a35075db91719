/* Shared by the plain (bundle.c) and sealed (bundle_seal.c) bundle code. */
#ifndef SANSHE_BUNDLE_INT_H
#define SANSHE_BUNDLE_INT_H

#include <stdio.h>

#include "buf.h"

/**
 * Open a new temporary file next to `path` ("<path>.tmp-XXXXXX") for
 * writing: its name goes into `tmp`, the stream into `*fp`.  0 or SANSHE_EIO.
 */
int sanshe_bundle__temp_open(const char *path, sanshe_buf *tmp, FILE **fp);

/**
 * Finish the temporary file: when `err` is 0, flush, sync and rename it to
 * `path` (SANSHE_EIO if that fails); otherwise, or then, remove it.
 * Closes `fp` in every case and returns `err` or the new failure.
 */
int sanshe_bundle__temp_finish(FILE *fp, const char *tmp, const char *path, int err);

#endif

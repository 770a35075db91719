/*
 * Scratch files for the unit tests: a fresh directory under $TMPDIR (used
 * as a home directory), removed with everything in it, and whole-file
 * reads and writes that fail the test when they cannot be done.
 */
#ifndef SANSHE_TEST_SCRATCH_H
#define SANSHE_TEST_SCRATCH_H

#include <stddef.h>

/** Make a fresh empty directory; the caller passes it to scratch_dir_remove. */
char *scratch_dir_make(void);

/** Remove `dir` and everything in it, and free the string. */
void scratch_dir_remove(char *dir);

/** "DIR/REL" in a static buffer (overwritten by the next call). */
const char *scratch_path(const char *dir, const char *rel);

/** The whole file as a NUL-terminated string; the caller frees it. */
char *scratch_read(const char *path, size_t *len);

/** Replace the file with `len` bytes of `data`. */
void scratch_write(const char *path, const void *data, size_t len);

#endif

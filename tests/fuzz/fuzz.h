/*
 * Shared by the libFuzzer targets: the entry point libFuzzer calls, and a
 * way to stop on a broken invariant.  A failed check aborts, which
 * libFuzzer reports as a crash and saves the input that caused it.
 */
#ifndef SANSHE_FUZZ_H
#define SANSHE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Report the invariant `what` as broken (with `detail`, may be NULL) and
 * abort. */
static inline void __attribute__((noreturn))
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: invariant broken: %s: %.400s\n", what,
		detail ? detail : "");
	abort();
}

/** Abort unless `ok`. */
static inline void fuzz_require(int ok, const char *what, const char *detail)
{
	if (!ok)
		fuzz_fail(what, detail);
}

#endif

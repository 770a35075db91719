/*
 * Canonical JSON (RFC 8785, JCS): no whitespace, object members sorted by
 * the UTF-16 code units of their names, strings with the minimal escapes,
 * numbers as ECMAScript's Number.prototype.toString writes them.  The same
 * value always gives the same bytes, so the same document is the same blob.
 */
#ifndef SANSHE_CANON_H
#define SANSHE_CANON_H

#include <cjson/cJSON.h>

#include "buf.h"

/** Longest text sanshe_canon_number writes, with its NUL. */
#define SANSHE_CANON_NUMBER_MAX 32

/**
 * Append the canonical form of `value` to `out`.
 * SANSHE_EINVALID for NaN or infinities (not JSON); SANSHE_ENOMEM.
 */
int sanshe_canon_write(sanshe_buf *out, const cJSON *value);

/**
 * sanshe_canon_write, noting the bytes the object member `member` (found
 * in `value`) takes: its name and value with the comma that separates it
 * from its neighbours (the one before it, or after it when it is first),
 * so that cutting them gives the canonical form of `value` without that
 * member.  `*at` and `*len` receive where they start in `out` and how
 * many they are (0 and 0 when `member` is not met).
 */
int sanshe_canon_write_marking(sanshe_buf *out, const cJSON *value, const cJSON *member,
			       size_t *at, size_t *len);

/**
 * Append `value` for people to read: the canonical form (same order, same
 * numbers and escapes) with line breaks and two-space indentation, and a
 * final newline.  Its canonical form is the canonical form of `value`.
 */
int sanshe_canon_write_pretty(sanshe_buf *out, const cJSON *value);

/**
 * Write `x` as ECMAScript's Number::toString does (shortest digits that
 * read back as `x`; -0 is "0"; exponent form below 1e-6 and from 1e21).
 * SANSHE_EINVALID for NaN and infinities.
 */
int sanshe_canon_number(char out[SANSHE_CANON_NUMBER_MAX], double x);

/**
 * Compare two UTF-8 strings by their UTF-16 code units, as RFC 8785 orders
 * object members.  Negative, zero or positive like strcmp.
 */
int sanshe_canon_keycmp(const char *a, const char *b);

#endif

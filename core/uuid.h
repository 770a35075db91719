/*
 * Document ids: UUIDv7 (RFC 9562) — 48 bits of Unix time in milliseconds,
 * then random bits — so ids made offline on any node never collide and
 * sort by creation time.  Within one process they are strictly increasing:
 * an id made in the same millisecond as the previous one (or after the
 * wall clock stepped back) sorts after it.  Text form: lowercase hex with
 * hyphens, 8-4-4-4-12.
 */
#ifndef SANSHE_UUID_H
#define SANSHE_UUID_H

/** Characters of the text form, without its NUL. */
#define SANSHE_UUID_STRLEN 36

/** Write a new UUIDv7.  0, or SANSHE_ERROR when libsodium cannot start. */
int sanshe_uuid_v7(char out[SANSHE_UUID_STRLEN + 1]);

/**
 * Is `text` a UUIDv7 as sanshe_uuid_v7 writes it: 36 characters, lowercase
 * hex and hyphens in their places, version 7, variant 10?  1 or 0.
 */
int sanshe_uuid_is_valid(const char *text);

#endif

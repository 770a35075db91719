/*
 * A set of git object ids (open addressing, grown by doubling), for walks
 * that must read each object once: the roster's trees and blobs, the
 * document versions verify has checked.  An all-zero id cannot be stored
 * (it marks an empty slot; git never names an object so).
 */
#ifndef SANSHE_OIDSET_H
#define SANSHE_OIDSET_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sanshe_oidset {
	git_oid *ids;
	size_t n, cap; /* cap: 0 or a power of two */
} sanshe_oidset;

#define SANSHE_OIDSET_INIT { NULL, 0, 0 }

/** Add `id`: 1 when it is new, 0 when it was there, SANSHE_ENOMEM. */
int sanshe_oidset_add(sanshe_oidset *set, const git_oid *id);

/** Is `id` in the set? */
bool sanshe_oidset_has(const sanshe_oidset *set, const git_oid *id);

/** Forget every id, keeping the room. */
void sanshe_oidset_clear(sanshe_oidset *set);

/** Release the set (it may be used again, empty). */
void sanshe_oidset_dispose(sanshe_oidset *set);

#endif

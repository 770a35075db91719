/*
 * The conflicts a document keeps (`_conflicts`, DESIGN §4 and §7).  When
 * two versions changed one member differently, the merge keeps one value
 * in the document and records each other one as an entry
 * {path, value?, key, at}: `path` an RFC 6901 pointer, `value` the other
 * value (absent: the other side removed the member, or at path "" the
 * whole document), `key` and `at` who wrote it and when.
 *
 * A person settles the conflicts at a path by writing a version without
 * their entries (sanshe resolve, or an edit that removes them).  Until
 * then every new version keeps them: a put that says nothing of
 * `_conflicts` carries the stored ones forward (sanshe_conflicts_carry).
 *
 * Pure functions over cJSON trees: no store, nothing printed.
 */
#ifndef SANSHE_CONFLICTS_H
#define SANSHE_CONFLICTS_H

#include <cjson/cJSON.h>

#include "doc.h"

/** The conflicts at one path: the value kept and the others recorded. */
typedef struct sanshe_conflict {
	const char *path;     /* borrowed from the document */
	const cJSON *kept;    /* the document's value at `path` (for "" the document);
				 NULL when it has none: the removal was kept */
	const cJSON **others; /* the `_conflicts` entries at `path`, in the document's order */
	size_t count;         /* how many; options 1..count */
} sanshe_conflict;

/** Every conflicting path of a document (sanshe_conflicts_read). */
typedef struct sanshe_conflicts {
	sanshe_conflict *items; /* in the order of each path's first entry */
	size_t count;
	const cJSON **entries; /* storage of the items' `others` */
} sanshe_conflicts;

#define SANSHE_CONFLICTS_INIT { NULL, 0, NULL }

/**
 * Read the conflicts of `doc`, grouped by path; none when it has no
 * `_conflicts`.  The result borrows from `doc`, which must not change
 * while it is used; release it with sanshe_conflicts_dispose.
 * SANSHE_EINVALID naming the document when `_conflicts` is not an array
 * of objects with a string `path`.
 */
int sanshe_conflicts_read(sanshe_conflicts *out, const cJSON *doc);

/** The conflicts at `path`, or NULL. */
const sanshe_conflict *sanshe_conflicts_find(const sanshe_conflicts *conflicts,
					     const char *path);

/** Release what sanshe_conflicts_read allocated. */
void sanshe_conflicts_dispose(sanshe_conflicts *conflicts);

/** An entry's other value, or NULL when it records a removal. */
const cJSON *sanshe_conflict_value(const cJSON *entry);

/**
 * Settle the conflicts at `path` of `doc` with option `n`: 0 keeps the
 * value the document has; n >= 1 takes the n-th other value (or, for a
 * removal, removes the member).  Every entry at `path` goes, and
 * `_conflicts` with the last one.  SANSHE_ENOTFOUND when `doc` has no
 * conflict at `path` (the message names the paths it has);
 * SANSHE_EINVALID for an `n` past the options, or for taking the removal
 * of the whole document (path "": that is 'sanshe rm').  On failure `doc`
 * is unchanged.
 */
int sanshe_conflicts_take(cJSON *doc, const char *path, size_t n);

/**
 * Settle the conflicts at `path` of `doc` with `value` (copied), which
 * need not be one of the options.  Errors as sanshe_conflicts_take; the
 * whole document (path "") cannot be given as a value.
 */
int sanshe_conflicts_set(cJSON *doc, const char *path, const cJSON *value);

/**
 * `doc` (a draft) is to replace `stored`: when `doc` has no `_conflicts`
 * and `stored` has, copy them into `doc`, so that a new version never
 * drops values nobody settled, and make `draft` sign after their times.
 * 1 when copied, 0 when there was nothing to carry, SANSHE_ENOMEM.
 */
int sanshe_conflicts_carry(cJSON *doc, sanshe_doc_draft *draft, const cJSON *stored);

/**
 * `after` is an edit of `before`: how many of `before`'s conflict entries
 * it settled (no longer has) into `*settled`.  SANSHE_EINVALID naming
 * the entry when `after` has one that `before` did not: a person settles
 * conflicts, and never records new ones.
 */
int sanshe_conflicts_settled(const cJSON *after, const cJSON *before, size_t *settled);

#endif

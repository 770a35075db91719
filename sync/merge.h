/*
 * The merge engine (DESIGN §7): a pure function over the base, ours and
 * theirs versions of one document, choosing its strategy from the type's
 * x-sanshe-merge.
 *
 * - fields: recursive three-way merge of objects.  Edits to different
 *   members both apply.  Two different edits of one member: the version
 *   with the greater (at, key) wins, the other value goes to `_conflicts`
 *   as {path, value, key, at}; an edit against a removal keeps the edit and
 *   records the removal (an entry without `value`).  Arrays whose elements
 *   are all objects with distinct string `id`s merge as keyed sets; other
 *   arrays are values.  `_conflicts` merges as a three-way set: an entry
 *   either side added stays, one that a side removed (resolved) goes.
 * - append-only: written once; the merge is a union (a removal never
 *   applies); two different versions are SANSHE_ECONFLICT, named, never a
 *   silent pick.
 * - set: add wins: a removal applies only when the other side did not
 *   change the document; two changed versions merge as fields.
 *
 * The result does not depend on which side is ours: the sides are ordered
 * by their clocks (then by blob id), so merge(b, x, y) and merge(b, y, x)
 * give the same bytes, and merge(b, x, x) is x.  A new version carries
 * `_merge` {from: the two blob ids sorted, at and key: the winner's clock}
 * and nothing of the node that merges.
 */
#ifndef SANSHE_MERGE_H
#define SANSHE_MERGE_H

#include <cjson/cJSON.h>
#include <git2.h>

#include "hlc.h"
#include "key.h"
#include "registry.h"
#include "store.h"

/** A version's clock: the (at, key) of its `_sig` or `_merge`. */
typedef struct sanshe_merge_clock {
	sanshe_hlc at;
	char key[SANSHE_KEY_FINGERPRINT_MAX];
} sanshe_merge_clock;

/** One of the three versions of a document. */
typedef struct sanshe_merge_version {
	const cJSON *doc; /* NULL: there is none (never written, or removed) */
	git_oid blob;	  /* the blob of `doc` */
	/* Without `doc` where the base has one: who removed it, and when. */
	sanshe_merge_clock removed;
} sanshe_merge_version;

typedef enum sanshe_merge_outcome {
	SANSHE_MERGE_ABSENT, /* no document */
	SANSHE_MERGE_OURS,   /* ours, as it is */
	SANSHE_MERGE_THEIRS, /* theirs, as it is */
	SANSHE_MERGE_NEW,    /* a merge version, in `doc` */
} sanshe_merge_outcome;

typedef struct sanshe_merge_result {
	sanshe_merge_outcome outcome;
	cJSON *doc;	  /* SANSHE_MERGE_NEW: the merge version; the caller frees it */
	size_t conflicts; /* conflicts this merge recorded */
} sanshe_merge_result;

/** The clock of `doc` from its `_sig` or `_merge`: 0 or SANSHE_EINVALID. */
int sanshe_merge_clock_of(const cJSON *doc, sanshe_merge_clock *out);

/** <0, 0, >0 as `a` is before, the same as, after `b`: by time, then key. */
int sanshe_merge_clock_compare(const sanshe_merge_clock *a, const sanshe_merge_clock *b);

/**
 * The clock of the value at `path` of `doc` (a pointer as in conflict
 * paths: steps into keyed arrays name the record's id): the latest clock
 * of what is there, from `_sig`, or for a merge version from
 * `_merge.fields` and `_merge`.  0 or SANSHE_EINVALID.
 */
int sanshe_merge_clock_at(const cJSON *doc, const char *path, sanshe_merge_clock *out);

/**
 * Merge the versions of one document of type `type`.  `base`, `ours` and
 * `theirs` are never NULL (their `doc` may be).  0; SANSHE_ECONFLICT for two
 * different versions of an append-only document; SANSHE_EINVALID for a
 * version without a clock; SANSHE_ENOMEM.  Messages name the document.
 */
int sanshe_merge_doc(const sanshe_type *type, const sanshe_merge_version *base,
		     const sanshe_merge_version *ours, const sanshe_merge_version *theirs,
		     sanshe_merge_result *out);

/* ---- a space: two commits ---- */

typedef struct sanshe_merge_stats {
	size_t changed;	  /* documents changed on both sides */
	size_t merged;	  /* merge versions written */
	size_t conflicts; /* conflicts recorded */
} sanshe_merge_stats;

/**
 * The tree of `theirs` merged into `ours` (two commits of `store`): every
 * document changed on either side since their merge base is merged with
 * sanshe_merge_doc; several merge bases (criss-cross histories) are merged
 * first, recursively, into a virtual base.  A removal's clock is that of
 * the commit that removed the document (its time and its signer).  Writes
 * the new blobs and trees; `tree` receives the result, `stats` (may be
 * NULL) what was done.  A pure function of the two commits' histories:
 * every node computes the same tree.  0, or the first failure (messages
 * name the document).
 */
int sanshe_merge_trees(sanshe_store *store, const git_oid *ours, const git_oid *theirs,
		       git_oid *tree, sanshe_merge_stats *stats);

#endif

/*
 * The node repository: a bare git repository (libgit2) whose branches are
 * spaces (refs/heads/trust, refs/heads/common, refs/heads/org/<org-id>) and
 * whose files are signed documents at <type>/<2 hex of sha256(id)>/<id>.json
 * in canonical JSON.  Every change is one commit, signed through a caller's
 * callback (the store knows nothing of keys), and moves the space's ref
 * with a compare-and-swap after every object is written, so that a process
 * killed at any instant leaves either the old head or the new one.
 * Writers hold the repository lock (flock on <repo>/sanshe.lock).
 *
 * The store checks nothing about documents: callers validate and sign them.
 * A store and everything made from it belong to one thread at a time
 * (libgit2 objects are not thread-safe); open one store per thread.
 */
#ifndef SANSHE_STORE_H
#define SANSHE_STORE_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct sanshe_store sanshe_store;

/** How long writers wait for the repository lock by default. */
#define SANSHE_STORE_LOCK_WAIT_MS 30000

/**
 * Create a new node repository (bare) at `path`, which must not exist or be
 * an empty directory; marks it as a sanshe repository (config
 * sanshe.version = 1) and keeps reflogs of the spaces.  HEAD names the
 * trust space, so that plain git commands show it.  No space exists yet.
 * SANSHE_EEXISTS otherwise.
 */
int sanshe_store_create(sanshe_store **out, const char *path);

/**
 * Open the node repository at `path`.  SANSHE_ENOTFOUND when there is no
 * repository, SANSHE_EINVALID when it is a git repository but not a sanshe
 * one (the message says so, naming the path) or of another version.
 */
int sanshe_store_open(sanshe_store **out, const char *path);

/**
 * Find the node repository like git: `start` itself or one of its parents
 * (a directory inside a bare repository finds it), on the same file
 * system.  SANSHE_ENOTFOUND naming `start` when there is none; the
 * repository found is opened as by sanshe_store_open.
 */
int sanshe_store_discover(sanshe_store **out, const char *start);

/** Close it (releases the lock if held). NULL is fine. */
void sanshe_store_free(sanshe_store *store);

/** The repository's git directory, without a trailing '/' (borrowed). */
const char *sanshe_store_path(const sanshe_store *store);

/** The libgit2 repository (borrowed; for the sync layer). */
git_repository *sanshe_store_repository(sanshe_store *store);

/**
 * Take the writers' lock, waiting at most `wait_ms`; SANSHE_ELOCKED (with
 * "repository '<path>' is locked by another sanshe process") after that.
 * The lock belongs to this store: another store of the same repository,
 * even in this process, waits for it.  Taking it again is a no-op.
 */
int sanshe_store_lock(sanshe_store *store, unsigned wait_ms);

/** Release the writers' lock (if held). */
void sanshe_store_unlock(sanshe_store *store);

/**
 * Append "<type>/<2 hex of sha256(id)>/<id>.json" to `out`.  The names are
 * the document layer's to check; SANSHE_EINVALID only for an empty name, a
 * '/' in one, or a type "." or "..".
 */
int sanshe_store_doc_path(sanshe_buf *out, const char *type, const char *id);

/** Is `space` a valid space name: "trust", "common" or "org/<org-id>"? */
int sanshe_store_space_valid(const char *space);

/**
 * Calls `cb(space, head, payload)` for every space, sorted by name (other
 * branches are not spaces: not listed); a non-zero return stops and is
 * returned.
 */
typedef int (*sanshe_store_space_cb)(const char *space, const git_oid *head, void *payload);
int sanshe_store_spaces(sanshe_store *store, sanshe_store_space_cb cb, void *payload);

/**
 * The head commit of `space`: 0, or SANSHE_ENOTFOUND when the space does
 * not exist yet.
 */
int sanshe_store_head(sanshe_store *store, const char *space, git_oid *out);

/**
 * Append the document `type`/`id` of `space` as of `rev` (NULL: the space's
 * head; otherwise anything git_revparse_single understands that names a
 * commit) to `out`.  SANSHE_ENOTFOUND names the document and where ("no
 * case/c1 in space 'org/o1'", "... at '<rev>'"), or the revision.
 */
int sanshe_store_read(sanshe_store *store, const char *space, const char *rev,
		      const char *type, const char *id, sanshe_buf *out);

/**
 * Append the blob `id` (a document's, as sanshe_store_list reports it) to
 * `out`: reading a listed document without finding it again by path.
 */
int sanshe_store_read_blob(sanshe_store *store, const git_oid *id, sanshe_buf *out);

/** One document found by sanshe_store_list. */
typedef int (*sanshe_store_doc_cb)(const char *type, const char *id, const git_oid *blob,
				   void *payload);

/**
 * Every document of `space` at its head (of `type` only when not NULL),
 * sorted by type then id (bytewise).  A space that does not exist has
 * none; files outside the layout are not documents and are skipped.  A
 * non-zero return of `cb` stops and is returned.
 */
int sanshe_store_list(sanshe_store *store, const char *space, const char *type,
		      sanshe_store_doc_cb cb, void *payload);

/**
 * Number of documents of each type in `space`, types sorted by name:
 * cb(type, count), from the sizes of the shard trees (no file is read).
 * Types with none are not reported.  A non-zero return of `cb` stops.
 */
typedef int (*sanshe_store_count_cb)(const char *type, size_t count, void *payload);
int sanshe_store_count(sanshe_store *store, const char *space, sanshe_store_count_cb cb,
		       void *payload);

/* ---- writing ---- */

/** A change being prepared: documents written and removed, then one commit. */
typedef struct sanshe_change sanshe_change;

/**
 * Start a change of `space` (which may not exist yet) on its current head.
 * Putting the same document twice keeps the last; a put then a remove of
 * a document the space does not hold cancel out.
 */
int sanshe_change_new(sanshe_change **out, sanshe_store *store, const char *space);

/**
 * Write `len` bytes as the document `type`/`id`.  Its blob is kept with the
 * change and written to the repository when the change is committed (in
 * batches, as packs, for large changes).
 */
int sanshe_change_put(sanshe_change *change, const char *type, const char *id,
		      const char *text, size_t len);

/**
 * Remove `type`/`id`; SANSHE_ENOTFOUND when neither the space (at the
 * change's start) nor the change holds it.
 */
int sanshe_change_remove(sanshe_change *change, const char *type, const char *id);

/**
 * Append the document `type`/`id` as the space had it when the change
 * started (not what the change itself wrote) to `out`: the version a new
 * one replaces, read from the same tree the commit will be made on.
 * SANSHE_ENOTFOUND ("no case/c1 in space 'org/o1'") when it had none.
 */
int sanshe_change_read(sanshe_change *change, const char *type, const char *id,
		       sanshe_buf *out);

/** How many different documents the change writes or removes. */
size_t sanshe_change_size(const sanshe_change *change);

/** The space the change writes (borrowed from the change). */
const char *sanshe_change_space(const sanshe_change *change);

/**
 * Sign the commit: given the exact bytes of the commit object without its
 * signature, append the armored signature (no trailing newline) to `armor`.
 * Return 0, or a negative code having set the message.
 */
typedef int (*sanshe_commit_signer)(sanshe_buf *armor, const char *commit, size_t len,
				    void *payload);

typedef struct sanshe_commit_info {
	const char *name;    /* author and committer name */
	const char *email;   /* author and committer e-mail: "<member-id>@<org-id>" */
	int64_t time;        /* seconds since the epoch */
	int offset;          /* minutes east of UTC */
	const char *message; /* the whole message, ending with its trailers */
} sanshe_commit_info;

/**
 * Write the change as one commit signed by `signer` and move the space's
 * ref to it, if the ref is still where sanshe_change_new found it
 * (SANSHE_ELOCKED otherwise: someone else wrote; nothing moved; start a
 * new change).  The caller holds the lock (SANSHE_EINVALID otherwise).
 * SANSHE_EINVALID "nothing to commit" when the change is empty or leaves
 * the documents as they are, except that an empty change opens a space
 * that does not exist yet (its first commit, with no documents).  When the signer fails, its code is returned
 * and nothing moves.  `out` receives the commit id when not NULL.  A
 * committed change can only be freed.
 */
int sanshe_change_commit(sanshe_change *change, const sanshe_commit_info *info,
			 sanshe_commit_signer signer, void *payload, git_oid *out);

/**
 * Make the change a merge: its commit gets `theirs` as second parent and
 * the tree `tree` (computed by the merge engine), even when that tree is
 * the head's.  Only for a space with a head, and a change with nothing
 * put or removed (SANSHE_EINVALID otherwise).
 */
int sanshe_change_merge(sanshe_change *change, const git_oid *theirs, const git_oid *tree);

/**
 * Move the ref of `space` from `from` (NULL: the space does not exist yet)
 * to the commit `to`, under the lock the caller holds: a fast-forward, or
 * a new space.  SANSHE_ELOCKED if the space moved meanwhile.
 */
int sanshe_store_move(sanshe_store *store, const char *space, const git_oid *from,
		      const git_oid *to, const char *message);

/**
 * Record libgit2's last error as `code` with the message "<what>: <libgit2's
 * reason>", for callers that use libgit2 directly; returns `code`.
 */
int sanshe_git_error(int code, const char *what);

/** Forget a change (objects already written stay unreferenced). NULL is fine. */
void sanshe_change_free(sanshe_change *change);

/* ---- history ---- */

/** One commit of a space's history, newest first. */
typedef struct sanshe_store_commit {
	git_oid id;
	int64_t time;
	int offset;
	const char *author_name;  /* borrowed for the callback */
	const char *author_email;
	const char *message;
	const char *signature;    /* the armored gpgsig, or NULL */
	const char *signed_data;  /* the bytes it signs, or NULL */
	size_t signed_len;
	unsigned parents;
} sanshe_store_commit;

typedef int (*sanshe_store_commit_cb)(const sanshe_store_commit *commit, void *payload);

/**
 * The history of `space` from its head, newest first (by time, parents
 * after their children); when `type` and `id` are given, only the commits
 * that changed that document (compared with their first parent: written,
 * changed or removed).  A space that does not exist has no history.  A
 * non-zero return of `cb` stops and is returned.
 */
int sanshe_store_log(sanshe_store *store, const char *space, const char *type,
		     const char *id, sanshe_store_commit_cb cb, void *payload);

#endif

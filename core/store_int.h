/*
 * Inside the store module: the store object and the helpers shared by
 * store.c (opening, reading, listing), store_change.c (writing) and
 * store_log.c (history).
 */
#ifndef SANSHE_STORE_INT_H
#define SANSHE_STORE_INT_H

#include "store.h"

struct sanshe_store {
	git_repository *repo;
	char *path;  /* the git directory, without a trailing '/' */
	int lock_fd; /* holds the flock on <path>/sanshe.lock; -1 when not */
};

/** What ends the name of a document's file. */
#define SANSHE_STORE_DOC_SUFFIX ".json"

/** libgit2 and libsodium initialised (once per process). */
int sanshe_store__ready(void);

/**
 * Record the failure of a libgit2 call `git_err`: the message is the
 * formatted text, ": " and libgit2's own message.  The code is `code`,
 * except for GIT_ELOCKED (SANSHE_ELOCKED).  Returns the code.
 */
int sanshe_store__git_error(int git_err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** 0, or SANSHE_EINVALID (with a message) when `space` is not a space name. */
int sanshe_store__check_space(const char *space);

/** "refs/heads/<space>" into `out`; SANSHE_EINVALID for a bad space name. */
int sanshe_store__ref_name(sanshe_buf *out, const char *space);

/**
 * The head commit of `space` (the caller frees it): 0, or SANSHE_ENOTFOUND
 * (setting no message) when the space does not exist yet.
 */
int sanshe_store__head_commit(git_commit **out, sanshe_store *store,
			      const char *space);

/**
 * The blob entry at `path` of `tree` (the caller frees it with
 * git_tree_entry_free): 0, or SANSHE_ENOTFOUND (setting no message) when
 * there is none or it is not a file.
 */
int sanshe_store__blob_entry(git_tree_entry **out, const git_tree *tree,
			     const char *path);

/*
 * The staging area of a change (store_stage.c): blobs kept in memory and
 * written to the repository together, as one pack when there are many.
 */
typedef struct sanshe_stage sanshe_stage;

int sanshe_store__stage_new(sanshe_stage **out, sanshe_store *store);

/** Stage the blob of `len` bytes at `text`; its id goes to `out`. */
int sanshe_store__stage_blob(sanshe_stage *stage, git_oid *out,
			     const char *text, size_t len);

/** Flush when the staged blobs reach `bytes` (64 MiB unless told). */
void sanshe_store__stage_limit(sanshe_stage *stage, size_t bytes);

/** Write every staged blob to the repository, then forget them. */
int sanshe_store__stage_flush(sanshe_stage *stage);

/** Forget the stage; blobs not flushed are lost.  NULL is fine. */
void sanshe_store__stage_free(sanshe_stage *stage);

/** sanshe_store__stage_limit for the stage of `change` (for the tests). */
void sanshe_change__stage_limit(sanshe_change *change, size_t bytes);

#endif

/*
 * Inside verify (verify.c walks the history, verify_check.c checks what it
 * finds on worker threads).  The walker reads commits and compares trees,
 * and hands out jobs naming objects; each worker reads them through its own
 * repository handle (libgit2 objects belong to one thread), parses,
 * validates and verifies signatures, which is where the time goes, and
 * records findings.  Findings carry a sequence number (space,
 * commit, item) so that they come out in history order whatever thread
 * found them.
 */
#ifndef SANSHE_VERIFY_INT_H
#define SANSHE_VERIFY_INT_H

#include <pthread.h>

#include "buf.h"
#include "registry.h"
#include "trust.h"
#include "verify.h"

/* A finding kept until its space is done. */
typedef struct vfinding {
	uint64_t seq;
	char *rule, *space, *commit, *type, *id, *signer, *signer_name, *at, *message;
} vfinding;

typedef enum vjob_kind {
	VJOB_COMMIT, /* a commit's signature and what it changed */
	VJOB_DOC,    /* a document version */
	VJOB_RULES,  /* a document at a head, for the rules */
} vjob_kind;

/* A type a commit changed, and the first document of it (for messages). */
typedef struct vtouch {
	const sanshe_type *type;
	char id[SANSHE_DOC_ID_MAX + 1];
	size_t count;
} vtouch;

typedef struct vjob {
	vjob_kind kind;
	uint64_t seq;
	const char *space; /* borrowed: lives as long as the space's walk */
	char commit[GIT_OID_HEXSZ + 1];
	git_oid object; /* the commit, or the document's blob */
	/* VJOB_COMMIT */
	int64_t time; /* committer time, seconds */
	int merge;
	vtouch *touched; /* types a commit that is not a merge changed */
	size_t n_touched;
	/* VJOB_DOC */
	const sanshe_type *type;
	char id[SANSHE_DOC_ID_MAX + 1];
	struct vjob *next;
} vjob;

typedef struct vpool {
	const sanshe_trust *trust;
	const char *path;	 /* the repository, opened by each worker */
	sanshe_rules *rules;	 /* VJOB_RULES feed it, under rules_lock */
	pthread_mutex_t rules_lock;
	pthread_mutex_t lock;
	pthread_cond_t more, room, idle;
	vjob *head, *tail;
	size_t queued, busy, limit;
	int stop;
	pthread_t *threads;
	unsigned n_threads;
	/* results, under `lock` */
	vfinding *findings;
	size_t n_findings, cap_findings;
	size_t signatures, versions;
	int failed; /* a worker could not go on: its message in `failure` */
	int failure_code;
	char failure[512];
} vpool;

/**
 * Start `threads` workers (at least 1) reading the repository at `path`
 * and checking against `trust`.
 */
int sanshe_vpool_start(vpool *pool, const char *path, const sanshe_trust *trust,
		       unsigned threads);

/** Queue `job` (taken over); waits while the queue is full. */
void sanshe_vpool_push(vpool *pool, vjob *job);

/** Wait until every queued job is done. */
void sanshe_vpool_drain(vpool *pool);

/** Stop the workers (after draining) and release everything. */
void sanshe_vpool_stop(vpool *pool);

/** Release a job. */
void sanshe_vjob_free(vjob *job);

/**
 * Record a finding (from any thread: takes the pool's lock).  Strings may
 * be NULL; they are copied.  0 or SANSHE_ENOMEM.
 */
int sanshe_vpool_finding(vpool *pool, uint64_t seq, const char *rule, const char *space,
			 const char *commit, const char *type, const char *id,
			 const char *signer, const char *signer_name, const char *at,
			 const char *message);

/** Release the strings of a finding. */
void sanshe_vfinding_dispose(vfinding *f);

/* ---- trees, read raw (verify_tree.c) ---- */

/*
 * The walker reads trees as git stores them, without building libgit2 tree
 * objects, and keeps the tree it last read at each path: in a history
 * read oldest first, the tree a commit writes at a path is the one the
 * next commit changing that path starts from.
 */
typedef struct vtrees vtrees;

/** A tree's raw bytes; `obj` is set when the caller owns them. */
typedef struct vtree {
	const unsigned char *data;
	size_t size;
	git_odb_object *obj;
} vtree;

/** One entry of a tree; `name` and `id` point into the tree's bytes. */
typedef struct ventry {
	const char *name;
	const git_oid *id;
	unsigned mode; /* as libgit2 normalizes it */
	int dir;
} ventry;

/** Open a reader of the repository at `path` (its own handle). */
int sanshe_vtrees_open(vtrees **out, const char *path);

/** Release the reader and every tree it keeps. */
void sanshe_vtrees_free(vtrees *trees);

/**
 * Reopen the repository, which drops libgit2's caches of delta bases
 * (16 MB a pack, not configurable, and a history read oldest first goes
 * through every pack) and its mapped pack indexes: every so many commits.
 * The trees kept stay.  Objects read through sanshe_vtrees_repository()
 * must have been released.
 */
int sanshe_vtrees_refresh(vtrees *trees);

/** Forget the trees kept, and refresh: between spaces. */
int sanshe_vtrees_forget(vtrees *trees);

/** The reader's repository handle (borrowed; changes on a refresh). */
git_repository *sanshe_vtrees_repository(vtrees *trees);

/**
 * Read tree `id`, found at `path`: the kept one when it is that tree
 * (borrowed), else from the object database (`out->obj` set).
 */
int sanshe_vtrees_read(vtrees *trees, const char *path, const git_oid *id, vtree *out);

/** Keep `tree` (taken over when the caller owns it) as the latest at `path`. */
int sanshe_vtrees_keep(vtrees *trees, const char *path, vtree *tree);

/** Release a tree the caller owns (nothing for a borrowed one). */
void sanshe_vtree_release(vtree *tree);

/**
 * The entry at byte `*at` of `tree`, moving `*at` past it: 1, 0 at the end,
 * SANSHE_EIO when the tree is corrupt.
 */
int sanshe_vtree_next(const vtree *tree, size_t *at, ventry *e);

/** "2026-11-22T08:10:00Z" of seconds since the epoch. */
void sanshe_verify_utc(char out[32], int64_t seconds);

#endif

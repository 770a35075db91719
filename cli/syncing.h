/*
 * What every kind of sync shares (DESIGN §8), whatever carried the history
 * — a folder, a TCP session, a sealed bundle: the spaces to take (the
 * roster first, then common, then organizations' spaces this member may
 * read), receiving one space's head from the peer (recorded under
 * refs/sanshe/peers/<label>/<space>, verified, merged; history signed by a
 * revoked key or failing verification held in quarantine), progress on a
 * terminal, and the summary printed at the end (text or --json).
 */
#ifndef SANSHE_CLI_SYNCING_H
#define SANSHE_CLI_SYNCING_H

#include <stdint.h>

#include "merging.h"
#include "peers.h"
#include "progress.h"
#include "trust.h"

#define SYNC_MAX_SPACES 64

/** One space of a sync and what happened to it. */
typedef struct sync_space {
	char name[SANSHE_SPACE_MAX];
	const char *received; /* the merge's outcome; NULL: the peer had none for us */
	int sent;	      /* the peer moved forward to our head */
	char refused[200];    /* why the peer did not take ours (TCP), or "" */
	size_t conflicts;     /* new conflicts the merge recorded */
	size_t documents;     /* documents the merge wrote (merge versions) */
	char held[SANSHE_QUARANTINE_NAME_MAX]; /* quarantine name when held */
} sync_space;

typedef struct syncing {
	sanshe_store *store;
	cli_writer w;
	const char *peer_name;		  /* how the peer is shown (path, URL, file) */
	char label[SANSHE_PEER_NAME_MAX]; /* the name its refs go under here */
	const char *only[SYNC_MAX_SPACES]; /* --space, or none: every space */
	size_t n_only;
	sync_space spaces[SYNC_MAX_SPACES];
	size_t n_spaces;
	size_t not_readable; /* the peer's spaces this member may not read */
	int json;
	cli_progress progress;
	/* the traffic, both ways (for TCP; a bundle or a folder counts what it read) */
	uint64_t objects_in, bytes_in, objects_out, bytes_out;
} syncing;

/** Was `space` asked for (--space), or was nothing asked for? */
int sync_wanted(const syncing *s, const char *space);

/**
 * Add `space` to the sync (once), when asked for and, with `trust` (may be
 * NULL: no filter), readable by this member; a space this member may not
 * read is counted in not_readable.  `*out` (may be NULL) receives the
 * entry, or NULL when the space is left out.
 */
int sync_add_space(syncing *s, sanshe_trust *trust, const char *space, sync_space **out);

/** The order spaces are taken in: trust (0), common (1), then the rest (2), by name. */
int sync_rank(const char *space);

/** Put the spaces in the order they are taken: trust, common, then the rest by name. */
void sync_order(syncing *s);

/**
 * Take the peer's head `theirs` of `sp` (its objects already here): record
 * it under refs/sanshe/peers/<label>/<space>, then merge it as `sanshe
 * merge` does (verified first; history signed by a revoked key held in
 * quarantine), except that history failing verification is held in
 * quarantine too, and the part of it that does not depend on what fails
 * still merged; what was held is told on stderr unless --json and named in
 * `sp->held`.  The writer's lock is ended before returning.
 */
int sync_receive(syncing *s, sync_space *sp, const git_oid *theirs);

/**
 * The peer's head of `space` into `out`: 1, or 0 when it has none, or an
 * error; the head's objects are here once it returns 1.
 */
typedef int (*sync_head_cb)(const char *space, git_oid *out, void *payload);

/**
 * Take what the peer offers, its `n` spaces `spaces`: the roster first (so
 * that members added there are known before their work arrives), then, by
 * the roster it brings, each other space this member may read, in the
 * order of sync_order, each through sync_receive.  `*roster` (may be NULL)
 * receives that roster, to free with sanshe_trust_free.
 */
int sync_receive_all(syncing *s, const char *const *spaces, size_t n, sync_head_cb head_of,
		     void *payload, sanshe_trust **roster);

/**
 * Print the summary: one line per space and a total (or the --json
 * object).  Returns the exit status: 1 when something was held in
 * quarantine or refused by the peer.
 */
int sync_report(const syncing *s);

#endif

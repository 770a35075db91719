/*
 * Quarantine (DESIGN §6): history signed by a revoked key that a node sees
 * only after it learned of the revocation.  Signers claim their own times,
 * so such a key could backdate what it signs to before its revocation; but
 * a departing worker's laptop may well carry last week's genuine visit
 * notes.  So that history is neither merged nor thrown away: it waits under
 * refs/sanshe/quarantine/<name> until an admin accepts it (recording the
 * accepted tip in the revoked member's `revoked.accepted`, which travels
 * with the roster, so that no other node holds it again) or someone refuses
 * it.
 *
 * A commit of the incoming history is held when the roster this node had
 * before it arrived names its signer, or the signer of a document version
 * it writes, as revoked, and no accepted tip of that member contains it.
 *
 * Sync also holds here history that fails verification (verify.h), whole,
 * for anyone to inspect and refuse; what it merges instead is the part
 * that does not depend on any failing commit (sanshe_quarantine_clean_part).
 * Such history is never accepted from quarantine.
 */
#ifndef SANSHE_QUARANTINE_H
#define SANSHE_QUARANTINE_H

#include <git2.h>

#include "oidset.h"
#include "store.h"
#include "trust.h"

/** One commit held, and why (strings borrowed for the callback). */
typedef struct sanshe_quarantine_commit {
	const git_oid *commit;
	const char *member;	  /* the revoked member's id */
	const char *name;	  /* and name */
	const char *fingerprint;  /* the key */
	const char *claimed;	  /* the time the signature claims (UTC or HLC text) */
	const char *revoked_at;	  /* when the key was revoked */
	const char *what;	  /* "commit" or "<type>/<id>": what the key signed */
} sanshe_quarantine_commit;

typedef int (*sanshe_quarantine_cb)(const sanshe_quarantine_commit *c, void *payload);

/**
 * The commits of `tip` that are not in `head` (NULL: none is) and that a
 * revoked member of `trust` signed, or whose new document versions one
 * signed, and that no accepted tip of that member contains.  `cb` is called
 * for each, oldest first; `*count` (may be NULL) receives how many.
 */
int sanshe_quarantine_scan(sanshe_store *store, const sanshe_trust *trust, const git_oid *tip,
			   const git_oid *head, sanshe_quarantine_cb cb, void *payload,
			   size_t *count);

/**
 * The part of the history `tip` brings beyond `head` (NULL: none is known
 * here) that does not depend on a failing commit: the newest commit on
 * tip's first-parent line such that neither it nor any ancestor of it
 * missing from `head` is in `failing` (NULL: every new commit fails).
 * `*found` is 1 and `part` receives that commit, or `*found` is 0 when
 * even the first new commit fails or builds on one that does, or when a
 * commit of `failing` is not among the new ones.  `*held`
 * (may be NULL) receives how many new commits are left out of the part.
 */
int sanshe_quarantine_clean_part(sanshe_store *store, const git_oid *tip, const git_oid *head,
				 const sanshe_oidset *failing, git_oid *part, int *found,
				 size_t *held);

/** Longest quarantine name. */
#define SANSHE_QUARANTINE_NAME_MAX 200

/**
 * Hold `tip` for `space` under a name made of `source` (a peer, a ref; made
 * safe for a ref name) and the space: refs/sanshe/quarantine/<source>/<space>.
 * `name` receives "<source>/<space>".
 */
int sanshe_quarantine_hold(sanshe_store *store, const char *source, const char *space,
			   const git_oid *tip, char name[SANSHE_QUARANTINE_NAME_MAX]);

/** Each held history: its name, its space and its tip.  A non-zero return stops. */
int sanshe_quarantine_each(sanshe_store *store,
			   int (*cb)(const char *name, const char *space, const git_oid *tip,
				     void *payload),
			   void *payload);

/** The space and tip held under `name`: 0 or SANSHE_ENOTFOUND naming it. */
int sanshe_quarantine_find(sanshe_store *store, const char *name, char *space, size_t size,
			   git_oid *tip);

/** Forget the history held under `name` (its objects stay until git gc). */
int sanshe_quarantine_drop(sanshe_store *store, const char *name);

#endif

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
 */
#ifndef SANSHE_QUARANTINE_H
#define SANSHE_QUARANTINE_H

#include <git2.h>

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

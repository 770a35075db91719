/*
 * Merging a commit into a space, as `sanshe merge`, `sanshe quarantine
 * accept` and sync do: nothing to do, a fast-forward, or a merge commit
 * signed by the writer.  Before anything moves, incoming history signed by
 * a revoked key is held in quarantine (quarantine.h), and the history is
 * verified: `sanshe merge` refuses whole history that fails; sync
 * (hold_failures) holds it in quarantine and merges only the part that
 * does not depend on what fails.
 */
#ifndef SANSHE_CLI_MERGING_H
#define SANSHE_CLI_MERGING_H

#include "merge.h"
#include "quarantine.h"
#include "repo.h"

#include "peers.h"

typedef struct merging {
	sanshe_store *store;
	cli_writer *w;
	const char *ref;	  /* what is merged, as the user named it */
	const char *source;	  /* where it came from, for a quarantine name */
	char space[SANSHE_SPACE_MAX];
	git_oid theirs;
	int accept_revoked;	  /* an admin accepted it: no quarantine */
	int ff_only;		  /* move forward only: "not moved" when a merge is needed */
	int hold_failures;	  /* history that fails verification: held, not refused */
	/*
	 * "up to date", "fast-forward", "merged", "quarantined" (nothing
	 * merged), or with hold_failures "partly merged; the rest held in
	 * quarantine" (then `theirs` is the part merged); with ff_only "not
	 * moved" when a merge would be needed
	 */
	const char *outcome;
	sanshe_merge_stats stats;
	char held[SANSHE_QUARANTINE_NAME_MAX]; /* "quarantined": its name */
	size_t held_commits;	  /* how many commits were held back */
	sanshe_buf held_report;	  /* what was held and why, lines for stderr */
	char peer_ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32]; /* see cli_merge_from_peer */
} merging;

/**
 * Set up `mg` (cleared first) to merge what the peer `label` sent of
 * `space`, `theirs` (its objects here), as `w`: record it first under
 * refs/sanshe/peers/<label>/<space>, which `mg->ref` then names; a
 * quarantine goes under the peer's name.  Run with cli_merge_run.
 */
int cli_merge_from_peer(merging *mg, sanshe_store *store, cli_writer *w, const char *label,
			const char *space, const git_oid *theirs);

/**
 * Check the history `tip` of `space` brings beyond `known` (may be NULL) as
 * verify would, every rule but those between documents, with the roster
 * this node has.  Each finding is told on stderr (the first 20; the rest
 * counted), and `*findings` receives how many there were.  0 when the check
 * could run, findings or not.
 */
int cli_verify_incoming(sanshe_store *store, const char *space, const git_oid *tip,
			const git_oid *known, size_t *findings);

/**
 * Merge `mg->theirs` into `mg->space` as `mg->w` (opened): takes the lock,
 * checks for history to quarantine, verifies, moves or merges.  History
 * that fails verification is refused with SANSHE_EBADSIG, nothing moved;
 * with `hold_failures` it is held in quarantine instead (`held` names it),
 * and the part of it before the first failing commit is merged, if any.
 * The writing is ended by the caller's cli_writer_dispose.  Release
 * `held_report` after.
 */
int cli_merge_run(merging *mg);

#endif

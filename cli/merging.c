/* Merging a commit into a space (merging.h). */
#include "cli.h"

#include <string.h>

#include "merging.h"
#include "node.h"
#include "verify.h"

static int merge_commit(merging *mg, const git_oid *head)
{
	char op[600];
	git_oid tree;
	sanshe_change *change = NULL;
	int err;

	if ((err = sanshe_merge_trees(mg->store, head, &mg->theirs, &tree, &mg->stats)) != 0)
		return err;
	if (mg->held[0]) /* the part before what was held in quarantine */
		snprintf(op, sizeof(op), "merge %s up to %.12s into %s", mg->ref,
			 git_oid_tostr_s(&mg->theirs), mg->space);
	else
		snprintf(op, sizeof(op), "merge %s into %s", mg->ref, mg->space);
	if ((err = sanshe_change_new(&change, mg->store, mg->space)) == 0 &&
	    (err = sanshe_change_merge(change, &mg->theirs, &tree)) == 0) {
		err = cli_writer_commit(mg->w, mg->store, change, op);
		mg->outcome = "merged";
	}
	sanshe_change_free(change);
	return err;
}

/*
 * Two nodes that merged the same histories each wrote a merge commit: same
 * tree, other ids.  When our head is such a merge of what `theirs` holds
 * already (same tree, every parent in theirs), either commit will do: both
 * nodes keep the one with the smaller id, so that merging back and forth
 * ends instead of adding a merge commit each time.
 */
static bool same_merge(merging *mg, const git_oid *head)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	git_commit *ours = NULL, *other = NULL;
	bool same = false;

	if (git_commit_lookup(&ours, repo, head) == 0 &&
	    git_commit_lookup(&other, repo, &mg->theirs) == 0 &&
	    git_commit_parentcount(ours) > 1 &&
	    git_oid_equal(git_commit_tree_id(ours), git_commit_tree_id(other))) {
		same = true;
		for (unsigned i = 0; same && i < git_commit_parentcount(ours); i++) {
			const git_oid *p = git_commit_parent_id(ours, i);

			same = git_oid_equal(p, &mg->theirs) ||
			       git_graph_descendant_of(repo, &mg->theirs, p) == 1;
		}
	}
	git_commit_free(ours);
	git_commit_free(other);
	return same;
}

/* Writing is ended by cmd_merge's cli_writer_dispose, whatever happens here. */
static int note_held(const sanshe_quarantine_commit *c, void *payload)
{
	merging *mg = payload;

	return sanshe_buf_printf(&mg->held_report,
				 _("  %.12s: %s signed by %s (%s) at %s; the key was revoked at "
				   "%s\n"),
				 git_oid_tostr_s(c->commit), c->what, c->name, c->fingerprint,
				 c->claimed, c->revoked_at);
}

/*
 * History signed by a key this node already knew to be revoked waits in
 * quarantine for an admin: the roster is the one before this merge.
 */
static int hold_revoked(merging *mg, const git_oid *head)
{
	sanshe_trust *trust = NULL;
	int err;

	if ((err = sanshe_trust_load(&trust, mg->store, NULL)) == 0 &&
	    (err = sanshe_quarantine_scan(mg->store, trust, &mg->theirs, head, note_held, mg,
					  &mg->held_commits)) == 0 &&
	    mg->held_commits) {
		err = sanshe_quarantine_hold(mg->store, mg->source ? mg->source : mg->ref, mg->space,
					     &mg->theirs, mg->held);
		mg->outcome = "quarantined";
	}
	sanshe_trust_free(trust);
	return err;
}

/* The first findings are told; the rest are counted. */
#define SHOWN_FINDINGS 20

typedef struct refusal {
	sanshe_buf text;
	size_t count;
	sanshe_oidset failing; /* the commits the findings name */
	int unplaced;	       /* a finding names no commit */
} refusal;

#define REFUSAL_INIT { SANSHE_BUF_INIT, 0, SANSHE_OIDSET_INIT, 0 }

static void refusal_dispose(refusal *r)
{
	sanshe_buf_dispose(&r->text);
	sanshe_oidset_dispose(&r->failing);
}

static int note_finding(const sanshe_verify_finding *f, void *payload)
{
	refusal *r = payload;
	git_oid id;
	int err;

	if (!f->commit || git_oid_fromstr(&id, f->commit) != 0) {
		git_error_clear();
		r->unplaced = 1;
	} else if ((err = sanshe_oidset_add(&r->failing, &id)) < 0) {
		return err;
	}
	if (r->count++ >= SHOWN_FINDINGS)
		return 0;
	err = sanshe_buf_printf(&r->text, "  %s", f->rule);
	if (!err && f->commit)
		err = sanshe_buf_printf(&r->text, _(", commit %.12s"), f->commit);
	if (!err && f->type && f->id)
		err = sanshe_buf_printf(&r->text, ", %s/%s", f->type, f->id);
	if (!err && f->signer_name)
		err = sanshe_buf_printf(&r->text, _(", by %s"), f->signer_name);
	if (!err)
		err = sanshe_buf_printf(&r->text, ": %s\n", f->message);
	return err;
}

/* Verify the history `tip` brings beyond `known`; the findings are told on stderr. */
static int check_incoming(sanshe_store *store, const char *space, const git_oid *tip,
			  const git_oid *known, refusal *r)
{
	int err;

	if ((err = sanshe_verify_history(store, space, tip, known, note_finding, r)) == 0 &&
	    r->count) {
		fputs(r->text.ptr ? r->text.ptr : "", stderr);
		if (r->count > SHOWN_FINDINGS)
			fprintf(stderr, _("  … and %zu more\n"), r->count - SHOWN_FINDINGS);
	}
	return err;
}

int cli_verify_incoming(sanshe_store *store, const char *space, const git_oid *tip,
			const git_oid *known, size_t *findings)
{
	refusal r = REFUSAL_INIT;
	int err = check_incoming(store, space, tip, known, &r);

	*findings = r.count;
	refusal_dispose(&r);
	return err;
}

/*
 * Sync: the history is held in quarantine, and what is merged instead is
 * the part that does not depend on a failing commit (`mg->theirs` becomes
 * it), or nothing.  A finding that names no commit leaves no such part.
 */
static int hold_failing(merging *mg, const git_oid *head, const refusal *r, int *partly)
{
	git_oid part;
	int err;

	if ((err = sanshe_quarantine_hold(mg->store, mg->source ? mg->source : mg->ref, mg->space,
					  &mg->theirs, mg->held)) != 0 ||
	    (err = sanshe_quarantine_clean_part(mg->store, &mg->theirs, head,
						r->unplaced ? NULL : &r->failing, &part, partly,
						&mg->held_commits)) != 0)
		return err;
	if (*partly)
		git_oid_cpy(&mg->theirs, &part);
	else
		mg->outcome = "quarantined";
	return 0;
}

/* What hold_failing held, and what was merged: a line for stderr. */
static int tell_held(merging *mg, int partly)
{
	if (partly)
		return sanshe_buf_printf(&mg->held_report,
					 _("sanshe: %s: %zu commit(s) held in quarantine as '%s': "
					   "they fail verification (above) or build on one that "
					   "does; the part before them, up to commit %.12s, is "
					   "merged\n"),
					 mg->space, mg->held_commits, mg->held,
					 git_oid_tostr_s(&mg->theirs));
	return sanshe_buf_printf(&mg->held_report,
				 _("sanshe: %s: %zu commit(s) held in quarantine as '%s': they fail "
				   "verification (above) from the first new one on; nothing of "
				   "them is merged\n"),
				 mg->space, mg->held_commits, mg->held);
}

/*
 * Incoming history is checked before anything moves: history that fails
 * is refused whole, or with hold_failures held (and `*partly` tells
 * whether a part of it is still to merge).
 */
static int verify_incoming(merging *mg, const git_oid *head, int *partly)
{
	refusal r = REFUSAL_INIT;
	int err = check_incoming(mg->store, mg->space, &mg->theirs, head, &r);

	if (!err && r.count && mg->hold_failures)
		err = hold_failing(mg, head, &r, partly);
	else if (!err && r.count)
		err = sanshe_error_set(SANSHE_EBADSIG,
				       _("%s was not merged: its history fails verification with "
					 "%zu finding(s), above (when it needs members added "
					 "elsewhere, merge the trust space first)"),
				       mg->ref, r.count);
	refusal_dispose(&r);
	return err;
}

/* Move the space to `mg->theirs`, or merge it, checked already. */
static int take(merging *mg, const git_oid *head)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	char message[600];
	int err;

	/* checked like any incoming history: its merge commit is someone's too */
	if (head && same_merge(mg, head)) {
		if (git_oid_cmp(&mg->theirs, head) < 0) {
			snprintf(message, sizeof(message), "merge %s: the same merge", mg->ref);
			err = sanshe_store_move(mg->store, mg->space, head, &mg->theirs, message);
			mg->outcome = "fast-forward";
		} else {
			err = 0;
			mg->outcome = "up to date";
		}
		return err;
	}
	if (!head || git_graph_descendant_of(repo, &mg->theirs, head) == 1) {
		snprintf(message, sizeof(message), "merge %s: fast-forward", mg->ref);
		err = sanshe_store_move(mg->store, mg->space, head, &mg->theirs, message);
		mg->outcome = "fast-forward";
		return err;
	}
	if (mg->ff_only) {
		mg->outcome = "not moved";
		return 0;
	}
	return merge_commit(mg, head);
}

int cli_merge_from_peer(merging *mg, sanshe_store *store, cli_writer *w, const char *label,
			const char *space, const git_oid *theirs)
{
	git_reference *r = NULL;

	memset(mg, 0, sizeof(*mg));
	snprintf(mg->peer_ref, sizeof(mg->peer_ref), "refs/sanshe/peers/%s/%s", label, space);
	if (git_reference_create(&r, sanshe_store_repository(store), mg->peer_ref, theirs, 1,
				 "sanshe sync") != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot record what the peer sent"));
	git_reference_free(r);
	mg->store = store;
	mg->w = w;
	mg->ref = mg->peer_ref;
	mg->source = label;
	snprintf(mg->space, sizeof(mg->space), "%s", space);
	git_oid_cpy(&mg->theirs, theirs);
	return 0;
}

int cli_merge_run(merging *mg)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	git_oid head;
	int err, has_head, partly = 0;

	if ((err = cli_writer_begin(mg->w, mg->store)) != 0)
		return err;
	err = sanshe_store_head(mg->store, mg->space, &head);
	has_head = err == 0;
	if (err && err != SANSHE_ENOTFOUND)
		return err;
	if (has_head && (git_oid_equal(&head, &mg->theirs) ||
			 git_graph_descendant_of(repo, &head, &mg->theirs) == 1)) {
		mg->outcome = "up to date";
		return 0;
	}
	if (!mg->accept_revoked && (err = hold_revoked(mg, has_head ? &head : NULL)) != 0)
		return err;
	if (mg->held_commits)
		return 0;
	if ((err = verify_incoming(mg, has_head ? &head : NULL, &partly)) != 0)
		return err;
	if (mg->held[0] && !partly)
		return tell_held(mg, 0);
	if ((err = take(mg, has_head ? &head : NULL)) == 0 && partly) {
		mg->outcome = "partly merged; the rest held in quarantine";
		err = tell_held(mg, 1);
	}
	return err;
}

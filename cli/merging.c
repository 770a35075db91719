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
} refusal;

static int note_finding(const sanshe_verify_finding *f, void *payload)
{
	refusal *r = payload;
	int err;

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

int cli_verify_incoming(sanshe_store *store, const char *space, const git_oid *tip,
			const git_oid *known, size_t *findings)
{
	refusal r = { SANSHE_BUF_INIT, 0 };
	sanshe_verify_options opt;
	sanshe_verify_summary summary;
	int err;

	memset(&opt, 0, sizeof(opt));
	opt.space = space;
	opt.tip = tip;
	opt.known = known;
	opt.finding = note_finding;
	opt.payload = &r;
	if ((err = sanshe_verify(store, &opt, &summary)) == 0 && r.count) {
		fputs(r.text.ptr ? r.text.ptr : "", stderr);
		if (r.count > SHOWN_FINDINGS)
			fprintf(stderr, _("  … and %zu more\n"), r.count - SHOWN_FINDINGS);
	}
	*findings = r.count;
	sanshe_buf_dispose(&r.text);
	return err;
}

/*
 * Incoming history is checked before anything moves: history that fails is
 * refused whole.
 */
static int verify_incoming(merging *mg, const git_oid *head)
{
	size_t findings;
	int err = cli_verify_incoming(mg->store, mg->space, &mg->theirs, head, &findings);

	if (!err && findings)
		err = sanshe_error_set(SANSHE_EBADSIG,
				       _("%s was not merged: its history fails verification with "
					 "%zu finding(s), above (when it needs members added "
					 "elsewhere, merge the trust space first)"),
				       mg->ref, findings);
	return err;
}

int cli_merge_run(merging *mg)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	char message[600];
	git_oid head;
	int err, has_head;

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
	if ((err = verify_incoming(mg, has_head ? &head : NULL)) != 0)
		return err;
	/* checked like any incoming history: its merge commit is someone's too */
	if (has_head && same_merge(mg, &head)) {
		if (git_oid_cmp(&mg->theirs, &head) < 0) {
			snprintf(message, sizeof(message), "merge %s: the same merge", mg->ref);
			err = sanshe_store_move(mg->store, mg->space, &head, &mg->theirs, message);
			mg->outcome = "fast-forward";
		} else {
			mg->outcome = "up to date";
		}
		return err;
	}
	if (!has_head || git_graph_descendant_of(repo, &mg->theirs, &head) == 1) {
		snprintf(message, sizeof(message), "merge %s: fast-forward", mg->ref);
		err = sanshe_store_move(mg->store, mg->space, has_head ? &head : NULL, &mg->theirs,
					message);
		mg->outcome = "fast-forward";
		return err;
	}
	if (mg->ff_only) {
		mg->outcome = "not moved";
		return 0;
	}
	return merge_commit(mg, &head);
}


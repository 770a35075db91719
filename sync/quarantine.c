/* History held until an admin decides (quarantine.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "node.h"
#include "quarantine.h"
#include "sshsig.h"
#include "verify_int.h"

#define PREFIX "refs/sanshe/quarantine/"

typedef struct scan {
	git_repository *repo;
	const sanshe_trust *trust;
	sanshe_quarantine_cb cb;
	void *payload;
	size_t count;
} scan;

/* Did an admin accept, from quarantine, a history of `member` holding `commit`? */
static int accepted(scan *s, const char *member, const git_oid *commit)
{
	const cJSON *doc = sanshe_trust_member_doc(s->trust, member), *tip;

	cJSON_ArrayForEach(tip, cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(doc, "revoked"),
					"accepted")) {
		git_oid id;

		if (cJSON_IsString(tip) && git_oid_fromstr(&id, tip->valuestring) == 0 &&
		    (git_oid_equal(&id, commit) ||
		     git_graph_descendant_of(s->repo, &id, commit) == 1))
			return 1;
	}
	return 0;
}

/* Is the signature by a revoked member, not accepted?  Then report it. */
static int judge(scan *s, const git_oid *commit, const sanshe_trust_signer *who,
		 const char *claimed, const char *what, int *held)
{
	char revoked_at[40] = "";
	sanshe_quarantine_commit c;
	const cJSON *doc;

	if (*held || !who->member || !who->revoked || accepted(s, who->member, commit))
		return 0;
	doc = sanshe_trust_member_doc(s->trust, who->member);
	snprintf(revoked_at, sizeof(revoked_at), "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			 cJSON_GetObjectItemCaseSensitive(doc, "revoked"), "at"))
			 ?: "");
	c.commit = commit;
	c.member = who->member;
	c.name = who->name;
	c.fingerprint = who->fingerprint;
	c.claimed = claimed;
	c.revoked_at = revoked_at;
	c.what = what;
	*held = 1;
	s->count++;
	return s->cb ? s->cb(&c, s->payload) : 0;
}

/* The new document versions of a commit that is not a merge, and their signers. */
static int judge_versions(scan *s, git_commit *c, int *held)
{
	git_tree *tree = NULL, *parent_tree = NULL;
	git_commit *parent = NULL;
	git_diff *diff = NULL;
	int err = 0;

	if (git_commit_tree(&tree, c) != 0 ||
	    (git_commit_parentcount(c) == 1 &&
	     (git_commit_parent(&parent, c, 0) != 0 || git_commit_tree(&parent_tree, parent) != 0)) ||
	    git_diff_tree_to_tree(&diff, s->repo, parent_tree, tree, NULL) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot compare a commit with its parent"));
		goto done;
	}
	for (size_t i = 0; !err && !*held && i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		git_blob *blob = NULL;
		cJSON *doc = NULL;
		sanshe_hlc at;
		sanshe_trust_signer who;
		const cJSON *sig;
		char what[300], claimed[SANSHE_HLC_MAX];

		if (d->status == GIT_DELTA_DELETED ||
		    git_blob_lookup(&blob, s->repo, &d->new_file.id) != 0)
			continue;
		if (sanshe_json_parse(&doc, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				      NULL, NULL) == 0 &&
		    (sig = cJSON_GetObjectItemCaseSensitive(doc, "_sig")) &&
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(sig, "key")) &&
		    sanshe_hlc_parse(&at, cJSON_GetStringValue(
						  cJSON_GetObjectItemCaseSensitive(sig, "at"))) == 0) {
			sanshe_trust_signer_fp(s->trust,
					       cJSON_GetObjectItemCaseSensitive(sig, "key")->valuestring,
					       at.ms, &who);
			sanshe_hlc_format(claimed, at);
			sanshe_doc_describe(doc, what, sizeof(what));
			err = judge(s, git_commit_id(c), &who, claimed, what, held);
		}
		sanshe_error_clear();
		cJSON_Delete(doc);
		git_blob_free(blob);
	}
done:
	git_diff_free(diff);
	git_tree_free(parent_tree);
	git_commit_free(parent);
	git_tree_free(tree);
	return err;
}

static int judge_commit(scan *s, const git_oid *id)
{
	git_buf signature = GIT_BUF_INIT, data = GIT_BUF_INIT;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_trust_signer who;
	git_commit *c = NULL;
	char claimed[40];
	int err = 0, held = 0;

	if (git_commit_lookup(&c, s->repo, id) != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot read a commit"));
	if (git_commit_extract_signature(&signature, &data, s->repo, (git_oid *)id, NULL) == 0 &&
	    sanshe_sshsig_verify(signature.ptr, signature.size, "git", data.ptr, data.size, pk) ==
		    0) {
		int64_t t = git_commit_committer(c)->when.time;

		sanshe_trust_signer_at(s->trust, pk, (uint64_t)t * 1000, &who);
		sanshe_verify_utc(claimed, t);
		err = judge(s, id, &who, claimed, "commit", &held);
	}
	sanshe_error_clear();
	if (!err && git_commit_parentcount(c) < 2)
		err = judge_versions(s, c, &held);
	git_buf_dispose(&signature);
	git_buf_dispose(&data);
	git_commit_free(c);
	return err;
}

static int is_revoked(const sanshe_trust_member *m, void *payload)
{
	(void)payload;
	return m->revoked_at != NULL; /* stops the listing at the first */
}

int sanshe_quarantine_scan(sanshe_store *store, const sanshe_trust *trust, const git_oid *tip,
			   const git_oid *head, sanshe_quarantine_cb cb, void *payload,
			   size_t *count)
{
	scan s = { sanshe_store_repository(store), trust, cb, payload, 0 };
	git_revwalk *walk = NULL;
	git_oid id;
	int err = 0, rc = 0;

	if (count)
		*count = 0;
	/* nobody revoked: nothing to hold, and no need to read every commit's changes */
	if (sanshe_trust_members(trust, is_revoked, NULL) == 0)
		return 0;

	if (git_revwalk_new(&walk, s.repo) != 0 || git_revwalk_push(walk, tip) != 0 ||
	    (head && git_revwalk_hide(walk, head) != 0)) {
		git_revwalk_free(walk);
		return sanshe_git_error(SANSHE_EIO, _("cannot read the incoming history"));
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while (!err && (rc = git_revwalk_next(&id, walk)) == 0)
		err = judge_commit(&s, &id);
	git_revwalk_free(walk);
	if (!err && rc != GIT_ITEROVER)
		err = sanshe_git_error(SANSHE_EIO, _("cannot read the incoming history"));
	if (count)
		*count = s.count;
	return err;
}

/* ---- the part that does not depend on what fails ---- */

/* A walk of `tip` without what `head` and `also` (each may be NULL) hold, parents first. */
static int walk_new(git_revwalk **out, git_repository *repo, const git_oid *tip,
		    const git_oid *head, const git_oid *also)
{
	if (git_revwalk_new(out, repo) != 0 || git_revwalk_push(*out, tip) != 0 ||
	    (head && git_revwalk_hide(*out, head) != 0) ||
	    (also && git_revwalk_hide(*out, also) != 0)) {
		git_revwalk_free(*out);
		*out = NULL;
		return sanshe_git_error(SANSHE_EIO, _("cannot read the incoming history"));
	}
	git_revwalk_sorting(*out, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	return 0;
}

/*
 * Mark in `tainted` each new commit that fails or has a tainted parent (a
 * walk with parents first sees a parent's mark before its children), and
 * in `fresh` every new commit; `*placed` counts the failing commits met.
 */
static int taint(git_repository *repo, const git_oid *tip, const git_oid *head,
		 const sanshe_oidset *failing, sanshe_oidset *fresh, sanshe_oidset *tainted,
		 size_t *placed)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL;
	git_oid id;
	int err, rc;

	if ((err = walk_new(&walk, repo, tip, head, NULL)) != 0)
		return err;
	while (!err && (rc = git_revwalk_next(&id, walk)) == 0) {
		bool bad = !failing || sanshe_oidset_has(failing, &id);

		*placed += failing && bad;
		if (git_commit_lookup(&c, repo, &id) != 0) {
			err = sanshe_git_error(SANSHE_EIO, _("cannot read a commit"));
			break;
		}
		for (unsigned i = 0; !bad && i < git_commit_parentcount(c); i++)
			bad = sanshe_oidset_has(tainted, git_commit_parent_id(c, i));
		git_commit_free(c);
		if ((err = sanshe_oidset_add(fresh, &id)) >= 0 && bad)
			err = sanshe_oidset_add(tainted, &id);
		err = err < 0 ? err : 0;
	}
	if (!err && rc != GIT_ITEROVER)
		err = sanshe_git_error(SANSHE_EIO, _("cannot read the incoming history"));
	git_revwalk_free(walk);
	return err;
}

/* Down tip's first-parent line, while the commits are new: the first untainted one. */
static int first_clean(git_repository *repo, const git_oid *tip, const sanshe_oidset *fresh,
		       const sanshe_oidset *tainted, git_oid *part, int *found)
{
	git_commit *c = NULL;
	git_oid id;

	git_oid_cpy(&id, tip);
	while (!*found && sanshe_oidset_has(fresh, &id)) {
		if (!sanshe_oidset_has(tainted, &id)) {
			git_oid_cpy(part, &id);
			*found = 1;
		} else if (git_commit_lookup(&c, repo, &id) != 0) {
			return sanshe_git_error(SANSHE_EIO, _("cannot read a commit"));
		} else {
			int more = git_commit_parentcount(c) > 0;

			if (more)
				git_oid_cpy(&id, git_commit_parent_id(c, 0));
			git_commit_free(c);
			if (!more)
				break;
		}
	}
	return 0;
}

/* How many commits of `tip` neither `head` nor `part` holds. */
static int count_left(git_repository *repo, const git_oid *tip, const git_oid *head,
		      const git_oid *part, size_t *held)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int err, rc;

	*held = 0;
	if ((err = walk_new(&walk, repo, tip, head, part)) != 0)
		return err;
	while ((rc = git_revwalk_next(&id, walk)) == 0)
		(*held)++;
	git_revwalk_free(walk);
	if (rc != GIT_ITEROVER)
		return sanshe_git_error(SANSHE_EIO, _("cannot read the incoming history"));
	return 0;
}

int sanshe_quarantine_clean_part(sanshe_store *store, const git_oid *tip, const git_oid *head,
				 const sanshe_oidset *failing, git_oid *part, int *found,
				 size_t *held)
{
	git_repository *repo = sanshe_store_repository(store);
	sanshe_oidset fresh = SANSHE_OIDSET_INIT, tainted = SANSHE_OIDSET_INIT;
	size_t left, placed = 0;
	int err;

	*found = 0;
	err = taint(repo, tip, head, failing, &fresh, &tainted, &placed);
	/* a failing commit the new history does not hold: nothing can be told clean */
	if (!err && (!failing || placed == failing->n))
		err = first_clean(repo, tip, &fresh, &tainted, part, found);
	if (!err &&
	    (err = count_left(repo, tip, head, *found ? part : NULL, &left)) == 0 && held)
		*held = left;
	sanshe_oidset_dispose(&fresh);
	sanshe_oidset_dispose(&tainted);
	return err;
}

/* ---- the refs ---- */

int sanshe_quarantine_hold(sanshe_store *store, const char *source, const char *space,
			   const git_oid *tip, char name[SANSHE_QUARANTINE_NAME_MAX])
{
	char safe[SANSHE_QUARANTINE_NAME_MAX / 2], ref[SANSHE_QUARANTINE_NAME_MAX + 32];
	git_reference *made = NULL;
	size_t n = 0;

	for (const char *c = source; *c && n + 1 < sizeof(safe); c++)
		safe[n++] = (strchr("._-", *c) || (*c >= 'a' && *c <= 'z') ||
			     (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
				    ? *c
				    : '-';
	safe[n] = '\0';
	if (!n || safe[0] == '.' || safe[0] == '-')
		snprintf(safe, sizeof(safe), "incoming");
	snprintf(name, SANSHE_QUARANTINE_NAME_MAX, "%s/%s", safe, space);
	snprintf(ref, sizeof(ref), PREFIX "%s", name);
	if (git_reference_create(&made, sanshe_store_repository(store), ref, tip, 1,
				 "sanshe: held in quarantine") != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot hold the history in quarantine"));
	git_reference_free(made);
	return 0;
}

/* The space at the end of a quarantine name: "…/trust", "…/common", "…/org/<id>". */
static const char *space_of(const char *name)
{
	const char *slash = strrchr(name, '/'), *org;

	if (!slash)
		return NULL;
	if (strcmp(slash + 1, "trust") == 0 || strcmp(slash + 1, "common") == 0)
		return slash + 1;
	for (org = name; (org = strstr(org, "/org/")); org++)
		if (!strchr(org + 5, '/'))
			return org + 1;
	return NULL;
}

int sanshe_quarantine_each(sanshe_store *store,
			   int (*cb)(const char *name, const char *space, const git_oid *tip,
				     void *payload),
			   void *payload)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int err = 0, rc;

	if (git_reference_iterator_glob_new(&it, sanshe_store_repository(store), PREFIX "**") != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot list the quarantine"));
	while (!err && (rc = git_reference_next(&ref, it)) == 0) {
		const char *name = git_reference_name(ref) + strlen(PREFIX);
		const char *space = space_of(name);

		if (space && git_reference_target(ref))
			err = cb(name, space, git_reference_target(ref), payload);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return err;
}

int sanshe_quarantine_find(sanshe_store *store, const char *name, char *space, size_t size,
			   git_oid *tip)
{
	char ref[SANSHE_QUARANTINE_NAME_MAX + 32];
	git_reference *r = NULL;
	const char *s = space_of(name);

	snprintf(ref, sizeof(ref), PREFIX "%s", name);
	if (!s || strlen(name) >= SANSHE_QUARANTINE_NAME_MAX ||
	    git_reference_lookup(&r, sanshe_store_repository(store), ref) != 0 ||
	    !git_reference_target(r)) {
		git_reference_free(r);
		git_error_clear();
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("nothing is held in quarantine as '%s' (see sanshe "
					  "quarantine list)"),
					name);
	}
	git_oid_cpy(tip, git_reference_target(r));
	snprintf(space, size, "%s", s);
	git_reference_free(r);
	return 0;
}

int sanshe_quarantine_drop(sanshe_store *store, const char *name)
{
	char ref[SANSHE_QUARANTINE_NAME_MAX + 32];

	snprintf(ref, sizeof(ref), PREFIX "%s", name);
	if (git_reference_remove(sanshe_store_repository(store), ref) != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot forget the quarantined history"));
	return 0;
}

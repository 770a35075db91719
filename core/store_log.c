/* The history of a space, whole or of one document (see store.h). */
#include "common.h"

#include <string.h>

#include "store_int.h"

/*
 * Where one path stood in the last parent looked at: a walk along a line
 * of history meets that parent next, and need not look it up twice.
 */
typedef struct path_cache {
	const char *path;
	git_oid commit;
	git_oid blob;
	int present;
	int valid;
} path_cache;

/* The blob at `cache->path` in the commit `id`, through the cache. */
static int blob_at(git_repository *repo, path_cache *cache, const git_oid *id,
		   git_oid *blob, int *present)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int err;

	if (cache->valid && git_oid_equal(&cache->commit, id)) {
		git_oid_cpy(blob, &cache->blob);
		*present = cache->present;
		return 0;
	}
	if ((err = git_commit_lookup(&commit, repo, id)) < 0 ||
	    (err = git_commit_tree(&tree, commit)) < 0) {
		err = sanshe_store__git_error(err, SANSHE_EIO,
					      _("cannot read commit %s"),
					      git_oid_tostr_s(id));
		goto done;
	}
	err = sanshe_store__blob_entry(&entry, tree, cache->path);
	*present = err == 0;
	if (err == SANSHE_ENOTFOUND)
		err = 0;
	if (entry)
		git_oid_cpy(blob, git_tree_entry_id(entry));
done:
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return err;
}

/* Did `commit` change `cache->path`, compared with its first parent? */
static int changed_path(git_repository *repo, path_cache *cache,
			const git_commit *commit, int *changed)
{
	git_oid mine, theirs;
	int here, there = 0, err;

	if ((err = blob_at(repo, cache, git_commit_id(commit), &mine, &here)) !=
	    0)
		return err;
	if (git_commit_parentcount(commit) > 0) {
		const git_oid *parent = git_commit_parent_id(commit, 0);

		if ((err = blob_at(repo, cache, parent, &theirs, &there)) != 0)
			return err;
		git_oid_cpy(&cache->commit, parent);
		git_oid_cpy(&cache->blob, &theirs);
		cache->present = there;
		cache->valid = 1;
	}
	*changed = here != there || (here && !git_oid_equal(&mine, &theirs));
	return 0;
}

/* Calls `cb` with the description of `commit`. */
static int report(git_repository *repo, const git_commit *commit,
		  sanshe_store_commit_cb cb, void *payload)
{
	const git_signature *author = git_commit_author(commit);
	sanshe_store_commit info = {0};
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	int err;

	git_oid_cpy(&info.id, git_commit_id(commit));
	err = git_commit_extract_signature(&sig, &data, repo, &info.id, NULL);
	if (err < 0 && err != GIT_ENOTFOUND)
		return sanshe_store__git_error(
		    err, SANSHE_EIO,
		    _("cannot read the signature of commit %s"),
		    git_oid_tostr_s(&info.id));
	info.time = git_commit_time(commit);
	info.offset = git_commit_time_offset(commit);
	info.author_name = author->name;
	info.author_email = author->email;
	info.message = git_commit_message(commit);
	if (err == 0) {
		info.signature = sig.ptr;
		info.signed_data = data.ptr;
		info.signed_len = data.size;
	}
	info.parents = git_commit_parentcount(commit);
	err = cb(&info, payload);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return err;
}

static int start_walk(git_revwalk **walk, git_repository *repo,
		      const git_oid *head)
{
	int err;

	if ((err = git_revwalk_new(walk, repo)) < 0 ||
	    (err = git_revwalk_sorting(*walk, GIT_SORT_TOPOLOGICAL |
						  GIT_SORT_TIME)) < 0 ||
	    (err = git_revwalk_push(*walk, head)) < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot walk the history from %s"),
		    git_oid_tostr_s(head));
	return 0;
}

/* Report the commits from `head` (those changing `cache->path`, if set). */
static int walk(git_repository *repo, const git_oid *head, path_cache *cache,
		sanshe_store_commit_cb cb, void *payload)
{
	git_revwalk *revwalk = NULL;
	git_oid id;
	int err = start_walk(&revwalk, repo, head), gerr = 0;

	while (!err && (gerr = git_revwalk_next(&id, revwalk)) == 0) {
		git_commit *commit = NULL;
		int changed = 1;

		if ((err = git_commit_lookup(&commit, repo, &id)) < 0)
			err = sanshe_store__git_error(
			    err, SANSHE_EIO, _("cannot read commit %s"),
			    git_oid_tostr_s(&id));
		else if (cache->path)
			err = changed_path(repo, cache, commit, &changed);
		if (!err && changed)
			err = report(repo, commit, cb, payload);
		git_commit_free(commit);
	}
	if (!err && gerr != GIT_ITEROVER)
		err = sanshe_store__git_error(
		    gerr, SANSHE_EIO, _("cannot walk the history from %s"),
		    git_oid_tostr_s(head));
	git_revwalk_free(revwalk);
	return err;
}

int sanshe_store_log(sanshe_store *store, const char *space, const char *type,
		     const char *id, sanshe_store_commit_cb cb, void *payload)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	path_cache cache = {0};
	git_oid head;
	int err;

	if (!type != !id)
		return sanshe_error_set(
		    SANSHE_EINVALID, "%s",
		    _("the history of a document needs its type and its id"));
	if (type && (err = sanshe_store_doc_path(&path, type, id)) != 0)
		return err;
	err = sanshe_store_head(store, space, &head);
	if (err == SANSHE_ENOTFOUND) {
		sanshe_error_clear(); /* a space that does not exist has no
					 history */
		err = 0;
	} else if (!err) {
		cache.path = path.ptr;
		err = walk(sanshe_store_repository(store), &head, &cache, cb,
			   payload);
	}
	sanshe_buf_dispose(&path);
	return err;
}

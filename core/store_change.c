/*
 * Writing a space: a change collects documents written and removed (their
 * blobs wait in its stage, see store_stage.c), then one signed commit and
 * a compare-and-swap of the space's ref (see store.h).
 *
 * Before the ref moves, the filesystem is synced (syncfs), so that after a
 * power cut a space never names objects the disk did not get.
 *
 * Each document appears once in a change, whatever the number of puts and
 * removes it saw: an open-addressing table maps its path to its entry, so
 * that an import of n documents costs O(n) here and O(n log n) at commit
 * (the updates are sorted for git_tree_create_updated, which inserts them
 * one by one into a sorted vector: in order, that is no moving at all).
 */
#include "common.h"

#include <errno.h>
#include <unistd.h>

#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "store_int.h"

enum action {
	ACTION_NONE, /* put, then removed: not in the parent, nothing to do */
	ACTION_PUT,
	ACTION_REMOVE,
};

typedef struct change_entry {
	size_t path; /* offset in change->paths */
	git_oid blob;
	enum action action;
} change_entry;

struct sanshe_change {
	sanshe_store *store;
	char *space;
	sanshe_buf ref;
	git_commit *parent; /* NULL for a space that does not exist yet */
	git_tree *parent_tree;
	sanshe_stage *stage; /* the blobs written, until the commit */
	sanshe_buf paths;    /* every entry's path, each with its NUL */
	change_entry *entries;
	size_t n, cap;
	size_t *slots; /* entry index + 1, or 0 for a free slot */
	size_t nslots; /* a power of 2, at least twice n */
	size_t live;   /* entries whose action is not ACTION_NONE */
	int committed;
	sanshe_buf path; /* scratch: the path of the document at hand */
	/* A merge: the second parent and the tree it computed (see store.h). */
	git_commit *merged;
	git_oid merged_tree;
};

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* The parent of a new change: the space's head and its tree, if any. */
static int load_parent(sanshe_change *change)
{
	int err = sanshe_store__head_commit(&change->parent, change->store,
					    change->space);

	if (err == SANSHE_ENOTFOUND)
		return 0;
	if (!err &&
	    (err = git_commit_tree(&change->parent_tree, change->parent)) < 0)
		err = sanshe_store__git_error(err, SANSHE_EIO,
					      _("cannot read space '%s'"),
					      change->space);
	return err;
}

int sanshe_change_new(sanshe_change **out, sanshe_store *store,
		      const char *space)
{
	sanshe_change *change = calloc(1, sizeof(*change));
	int err;

	*out = NULL;
	if (!change)
		return out_of_memory();
	change->store = store;
	if (!(change->space = strdup(space ? space : "")))
		err = out_of_memory();
	else if ((err = sanshe_store__ref_name(&change->ref, space)) == 0 &&
		 (err = load_parent(change)) == 0)
		err = sanshe_store__stage_new(&change->stage, store);
	if (err) {
		sanshe_change_free(change);
		return err;
	}
	*out = change;
	return 0;
}

void sanshe_change_free(sanshe_change *change)
{
	if (!change)
		return;
	sanshe_store__stage_free(change->stage);
	git_tree_free(change->parent_tree);
	git_commit_free(change->parent);
	git_commit_free(change->merged);
	sanshe_buf_dispose(&change->ref);
	sanshe_buf_dispose(&change->paths);
	sanshe_buf_dispose(&change->path);
	free(change->entries);
	free(change->slots);
	free(change->space);
	free(change);
}

void sanshe_change__stage_limit(sanshe_change *change, size_t bytes)
{
	sanshe_store__stage_limit(change->stage, bytes);
}

int sanshe_change_read(sanshe_change *change, const char *type, const char *id,
		       sanshe_buf *out)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	git_tree_entry *entry = NULL;
	int err = sanshe_store_doc_path(&path, type, id);

	if (!err && !change->parent_tree)
		err = SANSHE_ENOTFOUND;
	else if (!err)
		err = sanshe_store__blob_entry(&entry, change->parent_tree, path.ptr);
	if (err == SANSHE_ENOTFOUND)
		sanshe_error_set(err, _("no %s/%s in space '%s'"), type, id,
				 change->space);
	else if (!err)
		err = sanshe_store_read_blob(change->store,
					     git_tree_entry_id(entry), out);
	git_tree_entry_free(entry);
	sanshe_buf_dispose(&path);
	return err;
}

size_t sanshe_change_size(const sanshe_change *change)
{
	return change->live;
}

const char *sanshe_change_space(const sanshe_change *change)
{
	return change->space;
}

/* ---- the table of paths ---- */

/* FNV-1a: paths end in ids that differ anywhere, so every byte counts. */
static size_t path_hash(const char *path)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211ULL;
	return (size_t)h;
}

static const char *entry_path(const sanshe_change *change, size_t i)
{
	return change->paths.ptr + change->entries[i].path;
}

/* The slot holding the entry of `path`, or the free one it would take. */
static size_t find_slot(const sanshe_change *change, const char *path)
{
	size_t mask = change->nslots - 1;
	size_t slot = path_hash(path) & mask;

	while (change->slots[slot] &&
	       strcmp(entry_path(change, change->slots[slot] - 1), path) != 0)
		slot = (slot + 1) & mask;
	return slot;
}

static int grow_slots(sanshe_change *change)
{
	size_t nslots = change->nslots ? change->nslots * 2 : 1024;
	size_t *old = change->slots;

	if (!(change->slots = calloc(nslots, sizeof(*change->slots)))) {
		change->slots = old;
		return out_of_memory();
	}
	change->nslots = nslots;
	for (size_t i = 0; i < change->n; i++)
		change->slots[find_slot(change, entry_path(change, i))] = i + 1;
	free(old);
	return 0;
}

/* The entry of `path`, or NULL when the change has none. */
static change_entry *find_entry(sanshe_change *change, const char *path)
{
	size_t slot;

	if (!change->nslots)
		return NULL;
	slot = find_slot(change, path);
	return change->slots[slot] ? &change->entries[change->slots[slot] - 1]
				   : NULL;
}

/* A new entry for `path` (which has none yet). */
static int add_entry(sanshe_change *change, const char *path,
		     const git_oid *blob, enum action action)
{
	change_entry *e;

	if (2 * (change->n + 1) > change->nslots && grow_slots(change) != 0)
		return SANSHE_ENOMEM;
	if (change->n == change->cap) {
		size_t grown = change->cap ? change->cap * 2 : 256;
		change_entry *bigger =
		    realloc(change->entries, grown * sizeof(*bigger));

		if (!bigger)
			return out_of_memory();
		change->entries = bigger;
		change->cap = grown;
	}
	e = &change->entries[change->n];
	e->path = change->paths.size;
	if (sanshe_buf_put(&change->paths, path, strlen(path) + 1) != 0)
		return out_of_memory();
	if (blob)
		git_oid_cpy(&e->blob, blob);
	e->action = action;
	change->slots[find_slot(change, path)] = ++change->n;
	change->live++;
	return 0;
}

/* ---- put and remove ---- */

static int check_open(const sanshe_change *change)
{
	if (change->committed)
		return sanshe_error_set(
		    SANSHE_EINVALID,
		    _("the change of space '%s' is committed already"),
		    change->space);
	return 0;
}

static int set_path(sanshe_change *change, const char *type, const char *id)
{
	sanshe_buf_clear(&change->path);
	return sanshe_store_doc_path(&change->path, type, id);
}

int sanshe_change_put(sanshe_change *change, const char *type, const char *id,
		      const char *text, size_t len)
{
	change_entry *e;
	git_oid blob;
	int err;

	if ((err = check_open(change)) != 0 ||
	    (err = set_path(change, type, id)) != 0)
		return err;
	err = sanshe_store__stage_blob(change->stage, &blob, text, len);
	if (err)
		return sanshe_error_prefix(_("cannot write %s/%s"), type, id);
	if (!(e = find_entry(change, change->path.ptr)))
		return add_entry(change, change->path.ptr, &blob, ACTION_PUT);
	change->live += e->action == ACTION_NONE;
	git_oid_cpy(&e->blob, &blob);
	e->action = ACTION_PUT;
	return 0;
}

/* Does the space hold `path` where the change started? */
static int in_parent(const sanshe_change *change, const char *path, int *found)
{
	git_tree_entry *entry = NULL;
	int err;

	*found = 0;
	if (!change->parent_tree)
		return 0;
	err = sanshe_store__blob_entry(&entry, change->parent_tree, path);
	*found = entry != NULL;
	git_tree_entry_free(entry);
	return err == SANSHE_ENOTFOUND ? 0 : err;
}

int sanshe_change_remove(sanshe_change *change, const char *type,
			 const char *id)
{
	change_entry *e;
	int err, found;

	if ((err = check_open(change)) != 0 ||
	    (err = set_path(change, type, id)) != 0 ||
	    (err = in_parent(change, change->path.ptr, &found)) != 0)
		return err;
	e = find_entry(change, change->path.ptr);
	if (e ? e->action != ACTION_PUT : !found)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("no %s/%s in space '%s'"), type, id,
					change->space);
	if (!e)
		return add_entry(change, change->path.ptr, NULL, ACTION_REMOVE);
	e->action = found ? ACTION_REMOVE : ACTION_NONE;
	change->live -= !found;
	return 0;
}

/* ---- commit ---- */

static int update_cmp(const void *a, const void *b)
{
	return strcmp(((const git_tree_update *)a)->path,
		      ((const git_tree_update *)b)->path);
}

/* The new tree: the merge's, or the parent's with every entry applied. */
static int write_tree(sanshe_change *change, git_tree **out)
{
	git_repository *repo = change->store->repo;
	git_tree_update *updates;
	git_oid id;
	size_t n = 0;
	int err;

	if (change->merged) {
		if ((err = git_tree_lookup(out, repo, &change->merged_tree)) < 0)
			return sanshe_store__git_error(err, SANSHE_EIO,
						      _("cannot read the merged tree of space '%s'"),
						      change->space);
		return 0;
	}
	if (!(updates = calloc(change->live, sizeof(*updates))))
		return out_of_memory();
	for (size_t i = 0; i < change->n; i++) {
		const change_entry *e = &change->entries[i];

		if (e->action == ACTION_NONE)
			continue;
		updates[n].action = e->action == ACTION_PUT
					? GIT_TREE_UPDATE_UPSERT
					: GIT_TREE_UPDATE_REMOVE;
		git_oid_cpy(&updates[n].id, &e->blob);
		updates[n].filemode = GIT_FILEMODE_BLOB;
		updates[n++].path = entry_path(change, i);
	}
	qsort(updates, n, sizeof(*updates), update_cmp);
	if ((err = git_tree_create_updated(&id, repo, change->parent_tree, n,
					   updates)) < 0 ||
	    (err = git_tree_lookup(out, repo, &id)) < 0)
		err = sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot write the tree of space '%s'"),
		    change->space);
	free(updates);
	return err;
}

/* The commit object's text, unsigned. */
static int commit_text(sanshe_change *change, const sanshe_commit_info *info,
		       const git_tree *tree, git_buf *out)
{
	const git_commit *parents[2] = {change->parent, change->merged};
	git_signature *who = NULL;
	int err = git_signature_new(&who, info->name, info->email,
				    (git_time_t)info->time, info->offset);

	if (err < 0)
		return sanshe_store__git_error(err, SANSHE_EINVALID,
					       _("bad author '%s <%s>'"),
					       info->name ? info->name : "",
					       info->email ? info->email : "");
	err = git_commit_create_buffer(out, change->store->repo, who, who, NULL,
				       info->message, tree,
				       change->merged ? 2 : change->parent ? 1 : 0, parents);
	git_signature_free(who);
	if (err < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot write a commit of space '%s'"),
		    change->space);
	return 0;
}

/* The signer's armor for `text`, without trailing newlines. */
static int sign(sanshe_change *change, const git_buf *text,
		sanshe_commit_signer signer, void *payload, sanshe_buf *armor)
{
	int err = signer(armor, text->ptr, text->size, payload);

	if (err < 0)
		return err;
	if (err > 0)
		return sanshe_error_set(
		    SANSHE_ERROR, _("cannot sign the commit of space '%s'"),
		    change->space);
	while (armor->size && armor->ptr[armor->size - 1] == '\n')
		armor->ptr[--armor->size] = '\0';
	if (!armor->size || strlen(armor->ptr) != armor->size)
		return sanshe_error_set(
		    SANSHE_EINVALID,
		    _("the signer gave no signature for space '%s'"),
		    change->space);
	return 0;
}

/* The signed commit object, written (no ref moves yet). */
static int write_commit(sanshe_change *change, const git_buf *text,
			const sanshe_buf *armor, git_oid *out)
{
	int err = git_commit_create_with_signature(out, change->store->repo,
						   text->ptr, armor->ptr, NULL);

	if (err < 0)
		return sanshe_store__git_error(err, SANSHE_EIO,
					       _("cannot write the commit of "
						 "space '%s'"),
					       change->space);
	return 0;
}

/* "sanshe: <first line of the message>" for the reflog. */
static int reflog_message(sanshe_buf *out, const char *message)
{
	if (sanshe_buf_puts(out, "sanshe: ") != 0 ||
	    sanshe_buf_put(out, message, strcspn(message, "\n")) != 0)
		return out_of_memory();
	return 0;
}

/*
 * libgit2 moves a ref through "<ref>.lock"; a writer killed in that moment
 * leaves the file, and every later move fails.  The caller holds sanshe's
 * own lock, so no other sanshe writer can be in that moment: such a file is
 * stale, and removed.
 */
static int remove_stale_ref_lock(sanshe_store *store, const char *ref)
{
	sanshe_buf lock = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_buf_printf(&lock, "%s/%s.lock", store->path, ref)) != 0)
		return err;
	if (unlink(lock.ptr) != 0 && errno != ENOENT)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot remove the stale '%s'"), lock.ptr);
	sanshe_buf_dispose(&lock);
	return err;
}

/*
 * Remember the head the space has accepted (refs/sanshe/accepted/<space>),
 * so that verify can tell when a later history no longer contains it.  The
 * space has moved already: a failure here loses only this reminder, and
 * the one before it is an ancestor of the new head.
 */
static void remember_accepted(sanshe_store *store, const char *space, const git_oid *head)
{
	sanshe_buf name = SANSHE_BUF_INIT;
	git_reference *ref = NULL;

	if (sanshe_buf_printf(&name, "refs/sanshe/accepted/%s", space) == 0)
		git_reference_create(&ref, store->repo, name.ptr, head, 1, NULL);
	git_reference_free(ref);
	sanshe_buf_dispose(&name);
	sanshe_error_clear();
	git_error_clear();
}

/*
 * Compare-and-swap of the space's ref: from `from`, or from nothing (the
 * zero id) for a new space.  libgit2 compares under the ref's lock file;
 * `force` only lets an existing ref be replaced at all.
 */
int sanshe_store_move(sanshe_store *store, const char *space, const git_oid *from,
		      const git_oid *to, const char *message)
{
	sanshe_buf log = SANSHE_BUF_INIT, ref = SANSHE_BUF_INIT;
	git_reference *moved = NULL;
	git_oid expected;
	int err;

	if (store->lock_fd < 0)
		return sanshe_error_set(SANSHE_EINVALID, _("repository '%s' is not locked for writing"),
					store->path);
	if ((err = sanshe_store__ref_name(&ref, space)) != 0 ||
	    (err = remove_stale_ref_lock(store, ref.ptr)) != 0 ||
	    (err = reflog_message(&log, message)) != 0)
		goto done;
	if (from)
		git_oid_cpy(&expected, from);
	else
		memset(&expected, 0, sizeof(expected));
	err = git_reference_create_matching(&moved, store->repo, ref.ptr, to, 1, &expected,
					    log.ptr);
	git_reference_free(moved);
	if (err == GIT_EMODIFIED)
		err = sanshe_error_set(SANSHE_ELOCKED,
				       _("space '%s' moved while writing: try again"), space);
	else if (err < 0)
		err = sanshe_store__git_error(err, SANSHE_EIO, _("cannot move space '%s'"), space);
	else
		remember_accepted(store, space, to);
done:
	sanshe_buf_dispose(&ref);
	sanshe_buf_dispose(&log);
	return err;
}

static int move_ref(sanshe_change *change, const git_oid *commit, const char *message)
{
	return sanshe_store_move(change->store, change->space,
				 change->parent ? git_commit_id(change->parent) : NULL, commit,
				 message);
}

int sanshe_change_merge(sanshe_change *change, const git_oid *theirs, const git_oid *tree)
{
	int err;

	if ((err = check_open(change)) != 0)
		return err;
	if (change->live || change->merged || !change->parent)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("a merge needs a space with a head and a change with "
					  "nothing else in it"));
	if ((err = git_commit_lookup(&change->merged, change->store->repo, theirs)) < 0)
		return sanshe_store__git_error(err, SANSHE_ENOTFOUND,
					       _("no commit %s to merge"), git_oid_tostr_s(theirs));
	git_oid_cpy(&change->merged_tree, tree);
	return 0;
}

static int check_commit(sanshe_change *change)
{
	int err = check_open(change);

	if (err)
		return err;
	if (change->store->lock_fd < 0)
		return sanshe_error_set(
		    SANSHE_EINVALID,
		    _("repository '%s' is not locked for writing"),
		    change->store->path);
	/* a new space may begin with no documents: its branch then exists */
	if (!change->live && change->parent_tree && !change->merged)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("nothing to commit"));
	return 0;
}

static int check_info(const sanshe_commit_info *info,
		      sanshe_commit_signer signer)
{
	if (!info || !info->name || !info->email || !info->message || !signer)
		return sanshe_error_set(
		    SANSHE_EINVALID, "%s",
		    _("a commit needs a name, an e-mail, a message "
		      "and a signer"));
	return 0;
}

static int unchanged(const sanshe_change *change, const git_tree *tree)
{
	if (!change->parent_tree || change->merged ||
	    !git_oid_equal(git_tree_id(tree), git_tree_id(change->parent_tree)))
		return 0;
	return sanshe_error_set(
	    SANSHE_EINVALID,
	    _("nothing to commit: space '%s' holds these documents already"),
	    change->space);
}

int sanshe_change_commit(sanshe_change *change, const sanshe_commit_info *info,
			 sanshe_commit_signer signer, void *payload,
			 git_oid *out)
{
	sanshe_buf armor = SANSHE_BUF_INIT;
	git_buf text = GIT_BUF_INIT;
	git_tree *tree = NULL;
	git_oid commit;
	int err;

	if ((err = check_commit(change)) != 0 ||
	    (err = check_info(info, signer)) != 0 ||
	    (err = sanshe_store__stage_flush(change->stage)) != 0 ||
	    (err = write_tree(change, &tree)) != 0 ||
	    (err = unchanged(change, tree)) != 0 ||
	    (err = commit_text(change, info, tree, &text)) != 0 ||
	    (err = sign(change, &text, signer, payload, &armor)) != 0)
		goto done;
	if ((err = write_commit(change, &text, &armor, &commit)) != 0 ||
	    (err = sanshe_fs_sync(change->store->path)) != 0 ||
	    (err = move_ref(change, &commit, info->message)) != 0)
		goto done;
	change->committed = 1;
	if (out)
		git_oid_cpy(out, &commit);
done:
	git_tree_free(tree);
	git_buf_dispose(&text);
	sanshe_buf_dispose(&armor);
	return err;
}

/*
 * Listing and counting the documents of a space (see store.h): the tree
 * is read, never a blob.  git orders the entries of a tree its own way
 * (a tree "a" sorts after "a-b") and spreads a type over 256 shards, so
 * the types and the ids of each type are sorted here, by bytes.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define SUFFIX_LEN (sizeof(SANSHE_STORE_DOC_SUFFIX) - 1)

/* The tree at the head of `space`; NULL (and 0) for a space not made yet. */
static int head_tree(git_tree **out, sanshe_store *store, const char *space)
{
	git_commit *head = NULL;
	int err = sanshe_store__head_commit(&head, store, space);

	*out = NULL;
	if (err == SANSHE_ENOTFOUND)
		return 0;
	if (!err && (err = git_commit_tree(out, head)) < 0)
		err = sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot read space '%s'"), space);
	git_commit_free(head);
	return err;
}

static int entry_name_cmp(const void *a, const void *b)
{
	return strcmp(git_tree_entry_name(*(const git_tree_entry *const *)a),
		      git_tree_entry_name(*(const git_tree_entry *const *)b));
}

/*
 * The type trees of `root` (only `type` when not NULL), borrowed from it,
 * sorted by name (git orders a tree "a" after "a-b": not what people read).
 */
static int type_entries(const git_tree_entry ***out, size_t *n,
			const git_tree *root, const char *type)
{
	size_t count = git_tree_entrycount(root);
	const git_tree_entry **types =
	    calloc(count ? count : 1, sizeof(*types));

	*n = 0;
	if (!types)
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	for (size_t i = 0; i < count; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(root, i);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		    (!type || strcmp(git_tree_entry_name(e), type) == 0))
			types[(*n)++] = e;
	}
	qsort(types, *n, sizeof(*types), entry_name_cmp);
	*out = types;
	return 0;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Is `e` a shard: a tree named by two lowercase hex digits? */
static int is_shard(const git_tree_entry *e)
{
	const char *name = git_tree_entry_name(e);

	return git_tree_entry_type(e) == GIT_OBJECT_TREE && is_hex(name[0]) &&
	       is_hex(name[1]) && name[2] == '\0';
}

static int lookup_tree(git_tree **out, sanshe_store *store, const git_oid *id)
{
	int err = git_tree_lookup(out, store->repo, id);

	if (err < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("repository '%s': cannot read tree %s"),
		    store->path, git_oid_tostr_s(id));
	return 0;
}

/* Calls `fn(shard, arg)` for every shard of the type tree `entry`. */
static int each_shard(sanshe_store *store, const git_tree_entry *entry,
		      int (*fn)(const git_tree *shard, void *arg), void *arg)
{
	git_tree *type = NULL;
	int err = lookup_tree(&type, store, git_tree_entry_id(entry));

	for (size_t i = 0; !err && i < git_tree_entrycount(type); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(type, i);
		git_tree *shard = NULL;

		if (!is_shard(e))
			continue;
		if ((err = lookup_tree(&shard, store, git_tree_entry_id(e))) ==
		    0)
			err = fn(shard, arg);
		git_tree_free(shard);
	}
	git_tree_free(type);
	return err;
}

/* The documents of one type: ids (in one buffer) and blobs, then sorted. */
typedef struct doc_ref {
	const char *id;
	size_t off;
	git_oid blob;
} doc_ref;

typedef struct doc_set {
	sanshe_buf ids;
	doc_ref *docs;
	size_t n, cap;
} doc_set;

static int doc_set_add(doc_set *set, const char *id, size_t len,
		       const git_oid *blob)
{
	if (set->n == set->cap) {
		size_t grown = set->cap ? set->cap * 2 : 256;
		doc_ref *bigger = realloc(set->docs, grown * sizeof(*bigger));

		if (!bigger)
			return sanshe_error_set(SANSHE_ENOMEM, "%s",
						_("out of memory"));
		set->docs = bigger;
		set->cap = grown;
	}
	set->docs[set->n].off = set->ids.size;
	git_oid_cpy(&set->docs[set->n++].blob, blob);
	if (sanshe_buf_put(&set->ids, id, len) != 0 ||
	    sanshe_buf_putc(&set->ids, '\0') != 0)
		return SANSHE_ENOMEM;
	return 0;
}

/* each_shard callback: the "<id>.json" files of a shard into a doc_set. */
static int collect_docs(const git_tree *shard, void *arg)
{
	int err = 0;

	for (size_t i = 0; !err && i < git_tree_entrycount(shard); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(shard, i);
		const char *name = git_tree_entry_name(e);
		size_t len = strlen(name);

		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
		    len > SUFFIX_LEN &&
		    strcmp(name + len - SUFFIX_LEN, SANSHE_STORE_DOC_SUFFIX) ==
			0)
			err = doc_set_add(arg, name, len - SUFFIX_LEN,
					  git_tree_entry_id(e));
	}
	return err;
}

static int doc_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const doc_ref *)a)->id, ((const doc_ref *)b)->id);
}

static int list_type(sanshe_store *store, const git_tree_entry *entry,
		     sanshe_store_doc_cb cb, void *payload)
{
	doc_set set = {SANSHE_BUF_INIT, NULL, 0, 0};
	const char *type = git_tree_entry_name(entry);
	int err = each_shard(store, entry, collect_docs, &set);

	if (!err) {
		/* the buffer holding the ids moves no more: point into it */
		for (size_t i = 0; i < set.n; i++)
			set.docs[i].id = set.ids.ptr + set.docs[i].off;
		qsort(set.docs, set.n, sizeof(*set.docs), doc_ref_cmp);
	}
	for (size_t i = 0; !err && i < set.n; i++)
		err = cb(type, set.docs[i].id, &set.docs[i].blob, payload);
	free(set.docs);
	sanshe_buf_dispose(&set.ids);
	return err;
}

/* What to do with each type folder of a space (each_type). */
typedef int (*type_fn)(sanshe_store *store, const git_tree_entry *entry, void *arg);

/* Call `fn` on each type folder of the head of `space` (only `type`, if given). */
static int each_type(sanshe_store *store, const char *space, const char *type, type_fn fn,
		     void *arg)
{
	const git_tree_entry **types = NULL;
	git_tree *root = NULL;
	size_t n = 0;
	int err;

	if ((err = sanshe_store__check_space(space)) != 0 ||
	    (err = head_tree(&root, store, space)) != 0 || !root)
		return err;
	err = type_entries(&types, &n, root, type);
	for (size_t i = 0; !err && i < n; i++)
		err = fn(store, types[i], arg);
	free(types);
	git_tree_free(root);
	return err;
}

typedef struct list_arg {
	sanshe_store_doc_cb cb;
	void *payload;
} list_arg;

static int list_each(sanshe_store *store, const git_tree_entry *entry, void *arg)
{
	list_arg *l = arg;

	return list_type(store, entry, l->cb, l->payload);
}

int sanshe_store_list(sanshe_store *store, const char *space, const char *type,
		      sanshe_store_doc_cb cb, void *payload)
{
	list_arg l = { cb, payload };

	return each_type(store, space, type, list_each, &l);
}

/* each_shard callback: add the shard's entries to a count. */
static int count_shard(const git_tree *shard, void *arg)
{
	*(size_t *)arg += git_tree_entrycount(shard);
	return 0;
}

typedef struct count_arg {
	sanshe_store_count_cb cb;
	void *payload;
} count_arg;

static int count_each(sanshe_store *store, const git_tree_entry *entry, void *arg)
{
	count_arg *c = arg;
	size_t count = 0;
	int err = each_shard(store, entry, count_shard, &count);

	return !err && count ? c->cb(git_tree_entry_name(entry), count, c->payload) : err;
}

int sanshe_store_count(sanshe_store *store, const char *space,
		       sanshe_store_count_cb cb, void *payload)
{
	count_arg c = { cb, payload };

	return each_type(store, space, NULL, count_each, &c);
}

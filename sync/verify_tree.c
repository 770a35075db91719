/* verify's tree reader: raw tree objects and the latest tree at each path (verify_int.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"

/* The tree last read at one path. */
typedef struct vtree_slot {
	char *path; /* NULL: a free slot */
	git_odb_object *obj;
} vtree_slot;

struct vtrees {
	char *repo_path;
	git_repository *repo; /* its own handle: its packs and their caches */
	git_odb *odb;
	vtree_slot *slots;
	size_t n_slots, cap_slots;
};

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

static void drop_slots(vtrees *t)
{
	for (size_t i = 0; i < t->cap_slots; i++) {
		free(t->slots[i].path);
		git_odb_object_free(t->slots[i].obj);
	}
	free(t->slots);
	t->slots = NULL;
	t->n_slots = t->cap_slots = 0;
}

/*
 * libgit2 shares each pack, and its cache of delta bases (16 MB, not
 * configurable), among every handle that opened it by the same path, and
 * frees it only when the last one closes.  The walker is the only reader
 * of deltas (trees), and reads the packs oldest first: it opens the object
 * database by a path spelled differently ("objects/."), so that its packs
 * are its own and a refresh frees their caches.
 */
static int open_odb(vtrees *t)
{
	git_repository *found = NULL;
	char objects[4096];
	int n;

	git_odb_free(t->odb);
	git_repository_free(t->repo);
	t->odb = NULL;
	t->repo = NULL;
	if (git_repository_open_bare(&found, t->repo_path) != 0)
		goto fail;
	n = snprintf(objects, sizeof(objects), "%sobjects/.", git_repository_commondir(found));
	git_repository_free(found);
	if (n < 0 || (size_t)n >= sizeof(objects))
		return sanshe_error_set(SANSHE_EIO, _("cannot open repository '%s': path too long"),
					t->repo_path);
	if (git_odb_open(&t->odb, objects) != 0 || git_repository_wrap_odb(&t->repo, t->odb) != 0)
		goto fail;
	return 0;
fail:
	return sanshe_error_set(SANSHE_EIO, _("cannot open repository '%s': %s"), t->repo_path,
				git_error_last()->message);
}

int sanshe_vtrees_open(vtrees **out, const char *path)
{
	vtrees *t = calloc(1, sizeof(*t));
	int err;

	*out = NULL;
	if (!t || !(t->repo_path = strdup(path))) {
		free(t);
		return no_memory();
	}
	if ((err = open_odb(t)) != 0) {
		sanshe_vtrees_free(t);
		return err;
	}
	*out = t;
	return 0;
}

void sanshe_vtrees_free(vtrees *t)
{
	if (!t)
		return;
	drop_slots(t);
	git_odb_free(t->odb);
	git_repository_free(t->repo);
	free(t->repo_path);
	free(t);
}

int sanshe_vtrees_forget(vtrees *t)
{
	drop_slots(t);
	return open_odb(t);
}

int sanshe_vtrees_refresh(vtrees *t)
{
	return open_odb(t);
}

git_repository *sanshe_vtrees_repository(vtrees *t)
{
	return t->repo;
}

/* ---- the latest tree at each path (open addressing on the path) ---- */

static size_t path_hash(const char *path)
{
	size_t h = 14695981039346656037ULL;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211ULL;
	return h;
}

static vtree_slot *slot_of(vtree_slot *slots, size_t cap, const char *path)
{
	for (size_t i = path_hash(path);; i++) {
		vtree_slot *s = &slots[i & (cap - 1)];

		if (!s->path || strcmp(s->path, path) == 0)
			return s;
	}
}

static int grow_slots(vtrees *t)
{
	size_t cap = t->cap_slots ? 2 * t->cap_slots : 256;
	vtree_slot *grown = calloc(cap, sizeof(*grown));

	if (!grown)
		return no_memory();
	for (size_t i = 0; i < t->cap_slots; i++)
		if (t->slots[i].path)
			*slot_of(grown, cap, t->slots[i].path) = t->slots[i];
	free(t->slots);
	t->slots = grown;
	t->cap_slots = cap;
	return 0;
}

/* ---- reading ---- */

int sanshe_vtrees_read(vtrees *t, const char *path, const git_oid *id, vtree *out)
{
	git_odb_object *obj = NULL;

	memset(out, 0, sizeof(*out));
	if (t->slots) {
		vtree_slot *s = slot_of(t->slots, t->cap_slots, path);

		if (s->obj && git_oid_equal(git_odb_object_id(s->obj), id)) {
			out->data = git_odb_object_data(s->obj);
			out->size = git_odb_object_size(s->obj);
			return 0;
		}
	}
	if (git_odb_read(&obj, t->odb, id) != 0)
		return sanshe_error_set(SANSHE_EIO, _("cannot read tree %s: %s"),
					git_oid_tostr_s(id), git_error_last()->message);
	if (git_odb_object_type(obj) != GIT_OBJECT_TREE) {
		git_odb_object_free(obj);
		return sanshe_error_set(SANSHE_EIO, _("cannot read tree %s: it is not a tree"),
					git_oid_tostr_s(id));
	}
	out->obj = obj;
	out->data = git_odb_object_data(obj);
	out->size = git_odb_object_size(obj);
	return 0;
}

int sanshe_vtrees_keep(vtrees *t, const char *path, vtree *tree)
{
	vtree_slot *s;
	int err;

	if (!tree->obj)
		return 0; /* it came from here */
	if (2 * (t->n_slots + 1) > t->cap_slots && (err = grow_slots(t)) != 0)
		return err;
	s = slot_of(t->slots, t->cap_slots, path);
	if (!s->path) {
		if (!(s->path = strdup(path)))
			return no_memory();
		t->n_slots++;
	}
	git_odb_object_free(s->obj);
	s->obj = tree->obj;
	tree->obj = NULL;
	return 0;
}

void sanshe_vtree_release(vtree *tree)
{
	git_odb_object_free(tree->obj);
	memset(tree, 0, sizeof(*tree));
}

/* ---- entries: "<octal mode> <name>\0<20-byte id>" ---- */

/* As libgit2 reads a mode: the type bits, then executable or not. */
static unsigned normal_mode(unsigned mode)
{
	if ((mode & 0170000) == 0040000)
		return GIT_FILEMODE_TREE;
	if (mode & 0111)
		return GIT_FILEMODE_BLOB_EXECUTABLE;
	if ((mode & 0170000) == 0160000)
		return GIT_FILEMODE_COMMIT;
	if ((mode & 0170000) == 0120000)
		return GIT_FILEMODE_LINK;
	return GIT_FILEMODE_BLOB;
}

int sanshe_vtree_next(const vtree *tree, size_t *at, ventry *e)
{
	const unsigned char *p = tree->data + *at, *end = tree->data + tree->size, *nul;
	unsigned mode = 0;
	size_t digits = 0;

	if (p >= end)
		return 0;
	for (; p < end && *p >= '0' && *p <= '7' && digits < 7; p++, digits++)
		mode = mode * 8 + (unsigned)(*p - '0');
	if (!digits || mode > 0xffff || p >= end || *p++ != ' ' ||
	    !(nul = memchr(p, '\0', (size_t)(end - p))) || nul == p ||
	    (size_t)(end - (nul + 1)) < GIT_OID_RAWSZ)
		return sanshe_error_set(SANSHE_EIO, "%s", _("cannot read a tree: it is corrupt"));
	e->name = (const char *)p;
	e->id = (const git_oid *)(nul + 1);
	e->mode = normal_mode(mode);
	e->dir = (mode & 0170000) == 0040000;
	*at = (size_t)(nul + 1 + GIT_OID_RAWSZ - tree->data);
	return 1;
}

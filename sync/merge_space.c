/*
 * Merging two commits of a space (see merge.h): the paths each side
 * changed since the merge base, from two tree diffs; the documents both
 * changed, merged one by one; the result applied to the base's tree.
 *
 * Several merge bases are folded, in the order of their ids, into a
 * virtual base tree: V = tree(b0), then V = merge(base(b0, bi), V, bi) for
 * each further base, recursively.  Every step depends only on the commit
 * graph, so every node computes the same trees.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "json.h"
#include "merge.h"
#include "sshsig.h"
#include "store_int.h" /* the stage: many blobs written as one pack */

/* Virtual bases nest at most this deep (a history this tangled is refused). */
#define MERGE_DEPTH_MAX 32

typedef struct mspace {
	git_repository *repo;
	sanshe_merge_stats *stats;
	sanshe_stage *stage; /* the merge versions, written as one pack per tree */
} mspace;

/* One side of a tree merge: its tree, and the commits it stands for. */
typedef struct tside {
	git_tree *tree;
	const git_oid *tips;
	size_t ntips;
} tside;

static int git_fail(int err, const char *what)
{
	(void)err; /* libgit2's code says less than its message */
	return sanshe_error_set(SANSHE_EIO, _("cannot merge: %s: %s"), what,
				git_error_last() ? git_error_last()->message : "?");
}

static int empty_tree(mspace *m, git_tree **out)
{
	git_treebuilder *tb = NULL;
	git_oid id;
	int err;

	if ((err = git_treebuilder_new(&tb, m->repo, NULL)) < 0 ||
	    (err = git_treebuilder_write(&id, tb)) < 0 ||
	    (err = git_tree_lookup(out, m->repo, &id)) < 0)
		err = git_fail(err, _("an empty tree"));
	git_treebuilder_free(tb);
	return err;
}

static int commit_tree(mspace *m, const git_oid *id, git_tree **out)
{
	git_commit *c = NULL;
	int err;

	if ((err = git_commit_lookup(&c, m->repo, id)) < 0 || (err = git_commit_tree(out, c)) < 0)
		err = git_fail(err, git_oid_tostr_s(id));
	git_commit_free(c);
	return err;
}

/* ---- who removed a document, and when ---- */

/* The signer of commit `c` as a fingerprint; "" when it has no valid SSH signature. */
static void signer_of(mspace *m, const git_commit *c, char key[SANSHE_KEY_FINGERPRINT_MAX])
{
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];

	key[0] = '\0';
	if (git_commit_extract_signature(&sig, &data, m->repo, (git_oid *)git_commit_id(c), NULL) ==
		0 &&
	    sanshe_sshsig_verify(sig.ptr, sig.size, "git", data.ptr, data.size, pk) == 0)
		sanshe_key_fingerprint_of(key, pk);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	sanshe_error_clear();
}

static bool has_path(const git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	bool found = git_tree_entry_bypath(&e, tree, path) == 0;

	git_tree_entry_free(e);
	return found;
}

/*
 * The clock of the removal of `path` on side `s`: the newest commit that
 * has one parent holding the path and does not hold it itself, between
 * the side's tips and the bases `hide`; its time (ms) and its signer.
 * Without one (a removal no single commit made), the newest tip's.
 */
static int removal_clock(mspace *m, const tside *s, const git_oid *hide, size_t nhide,
			 const char *path, sanshe_merge_clock *out)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL, *found = NULL, *parent = NULL;
	git_tree *t = NULL, *pt = NULL;
	git_oid id;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = git_revwalk_new(&walk, m->repo)) < 0)
		return git_fail(err, _("a history walk"));
	git_revwalk_sorting(walk, GIT_SORT_TIME);
	for (size_t i = 0; !err && i < s->ntips; i++)
		err = git_revwalk_push(walk, &s->tips[i]);
	for (size_t i = 0; !err && i < nhide; i++)
		err = git_revwalk_hide(walk, &hide[i]);
	while (!err && !found && git_revwalk_next(&id, walk) == 0) {
		if ((err = git_commit_lookup(&c, m->repo, &id)) < 0)
			break;
		if (git_commit_parentcount(c) == 1 && (err = git_commit_tree(&t, c)) == 0 &&
		    (err = git_commit_parent(&parent, c, 0)) == 0 &&
		    (err = git_commit_tree(&pt, parent)) == 0 && has_path(pt, path) &&
		    !has_path(t, path)) {
			found = c;
			c = NULL;
		}
		git_tree_free(t);
		git_tree_free(pt);
		git_commit_free(parent);
		git_commit_free(c);
		t = pt = NULL;
		parent = c = NULL;
	}
	if (!err && !found && s->ntips)
		err = git_commit_lookup(&found, m->repo, &s->tips[0]);
	if (err < 0)
		err = git_fail(err, path);
	else if (found) {
		out->at.ms = (uint64_t)git_commit_time(found) * 1000;
		signer_of(m, found, out->key);
	}
	if (!out->key[0]) /* no valid signature: the zero key, which no member has */
		strcpy(out->key, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	git_commit_free(found);
	git_revwalk_free(walk);
	return err;
}

/* ---- the changes of a side ---- */

typedef struct change {
	char *path;
	bool removed;
	git_oid id; /* the new blob, unless removed */
} change;

typedef struct changes {
	change *c;
	size_t n, cap;
} changes;

static void changes_free(changes *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i].path);
	free(cs->c);
}

static int changes_add(changes *cs, const git_diff_delta *d)
{
	const git_diff_file *f = d->status == GIT_DELTA_DELETED ? &d->old_file : &d->new_file;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 64;
		change *more = realloc(cs->c, cap * sizeof(*more));

		if (!more)
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		cs->c = more;
		cs->cap = cap;
	}
	if (!(cs->c[cs->n].path = strdup(f->path)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	cs->c[cs->n].removed = d->status == GIT_DELTA_DELETED;
	git_oid_cpy(&cs->c[cs->n].id, &d->new_file.id);
	cs->n++;
	return 0;
}

/* What changed from `base` to `side`, sorted by path (as git's diff gives it). */
static int diff(mspace *m, git_tree *base, git_tree *side, changes *out)
{
	git_diff *d = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = git_diff_tree_to_tree(&d, m->repo, base, side, NULL)) < 0)
		return git_fail(err, _("a tree diff"));
	for (size_t i = 0; !err && i < git_diff_num_deltas(d); i++) {
		const git_diff_delta *delta = git_diff_get_delta(d, i);

		if (delta->status == GIT_DELTA_ADDED || delta->status == GIT_DELTA_DELETED ||
		    delta->status == GIT_DELTA_MODIFIED || delta->status == GIT_DELTA_TYPECHANGE)
			err = changes_add(out, delta);
	}
	git_diff_free(d);
	return err;
}

/* ---- one document ---- */

/* "<type>/<2 hex>/<id>.json" → its type (`type` gets the name). */
static const sanshe_type *path_type(const char *path, char *type, size_t size)
{
	size_t n = strcspn(path, "/");

	if (n == 0 || n >= size || !path[n])
		return NULL;
	memcpy(type, path, n);
	type[n] = '\0';
	return sanshe_registry_find(type);
}

/* The version of `path` in `tree` (none: doc NULL), parsed. */
static int load(mspace *m, git_tree *tree, const char *path, sanshe_merge_version *v)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	cJSON *doc = NULL;
	int err;

	memset(v, 0, sizeof(*v));
	if (!tree || git_tree_entry_bypath(&e, tree, path) != 0)
		return 0;
	git_oid_cpy(&v->blob, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if ((err = git_blob_lookup(&blob, m->repo, &v->blob)) < 0)
		return git_fail(err, path);
	err = sanshe_json_parse(&doc, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob),
				path, NULL);
	git_blob_free(blob);
	v->doc = doc;
	return err;
}

typedef struct tmerge {
	mspace *m;
	git_tree *base;
	const tside *a, *x;
	const git_oid *hide;
	size_t nhide;
	git_tree_update *updates;
	size_t n;
} tmerge;

static int update(tmerge *t, const char *path, bool removed, const git_oid *id)
{
	git_tree_update *u = &t->updates[t->n++];

	u->action = removed ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
	u->filemode = GIT_FILEMODE_BLOB;
	u->path = path;
	if (!removed)
		git_oid_cpy(&u->id, id);
	return 0;
}

/* Both sides changed `path`, differently: the document merge decides. */
static int merge_path(tmerge *t, const char *path)
{
	sanshe_merge_version b, o, x;
	sanshe_merge_result r = { 0 };
	sanshe_buf text = SANSHE_BUF_INIT;
	const sanshe_type *type;
	char name[128];
	git_oid id;
	int err;

	if (!(type = path_type(path, name, sizeof(name))))
		return sanshe_error_set(SANSHE_EINVALID,
					_("cannot merge '%s': both sides changed it and it is not "
					  "a sanshe document"),
					path);
	memset(&o, 0, sizeof(o));
	memset(&x, 0, sizeof(x));
	if ((err = load(t->m, t->base, path, &b)) != 0 || (err = load(t->m, t->a->tree, path, &o)) != 0 ||
	    (err = load(t->m, t->x->tree, path, &x)) != 0)
		goto done;
	if (b.doc && !o.doc)
		err = removal_clock(t->m, t->a, t->hide, t->nhide, path, &o.removed);
	if (!err && b.doc && !x.doc)
		err = removal_clock(t->m, t->x, t->hide, t->nhide, path, &x.removed);
	if (err || (err = sanshe_merge_doc(type, &b, &o, &x, &r)) != 0)
		goto done;
	t->m->stats->changed++;
	switch (r.outcome) {
	case SANSHE_MERGE_ABSENT:
		err = update(t, path, true, NULL);
		break;
	case SANSHE_MERGE_OURS:
		err = update(t, path, false, &o.blob);
		break;
	case SANSHE_MERGE_THEIRS:
		err = update(t, path, false, &x.blob);
		break;
	case SANSHE_MERGE_NEW:
		if ((err = sanshe_canon_write(&text, r.doc)) != 0)
			break;
		if ((err = sanshe_store__stage_blob(t->m->stage, &id, text.ptr, text.size)) != 0) {
			sanshe_error_prefix("%s", path);
			break;
		}
		t->m->stats->merged++;
		t->m->stats->conflicts += r.conflicts;
		err = update(t, path, false, &id);
		break;
	}
done:
	cJSON_Delete(r.doc);
	cJSON_Delete((cJSON *)b.doc);
	cJSON_Delete((cJSON *)o.doc);
	cJSON_Delete((cJSON *)x.doc);
	sanshe_buf_dispose(&text);
	return err;
}

static int update_cmp(const void *p, const void *q)
{
	return strcmp(((const git_tree_update *)p)->path, ((const git_tree_update *)q)->path);
}

/*
 * The three-way merge of trees: changes of one side only are taken as
 * they are; paths both changed alike too; the rest is merged.
 */
static int merge3(mspace *m, git_tree *base, const tside *a, const tside *x, const git_oid *hide,
		  size_t nhide, git_oid *out)
{
	changes ca, cx;
	tmerge t = { m, base, a, x, hide, nhide, NULL, 0 };
	size_t i = 0, j = 0;
	int err;

	if ((err = diff(m, base, a->tree, &ca)) != 0)
		return err;
	if ((err = diff(m, base, x->tree, &cx)) != 0)
		goto done;
	if (!(t.updates = calloc(ca.n + cx.n + 1, sizeof(*t.updates)))) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	while (!err && (i < ca.n || j < cx.n)) {
		int c = i == ca.n ? 1 : j == cx.n ? -1 : strcmp(ca.c[i].path, cx.c[j].path);

		if (c < 0) {
			err = update(&t, ca.c[i].path, ca.c[i].removed, &ca.c[i].id);
			i++;
		} else if (c > 0) {
			err = update(&t, cx.c[j].path, cx.c[j].removed, &cx.c[j].id);
			j++;
		} else {
			if (ca.c[i].removed == cx.c[j].removed &&
			    (ca.c[i].removed || git_oid_equal(&ca.c[i].id, &cx.c[j].id)))
				err = update(&t, ca.c[i].path, ca.c[i].removed, &ca.c[i].id);
			else
				err = merge_path(&t, ca.c[i].path);
			i++, j++;
		}
	}
	if (!err)
		err = sanshe_store__stage_flush(m->stage); /* the tree names them */
	if (!err) {
		qsort(t.updates, t.n, sizeof(*t.updates), update_cmp);
		if ((err = git_tree_create_updated(out, m->repo, base, t.n, t.updates)) < 0)
			err = git_fail(err, _("the merged tree"));
	}
done:
	free(t.updates);
	changes_free(&ca);
	changes_free(&cx);
	return err;
}

static int by_oid(const void *p, const void *q)
{
	return git_oid_cmp(p, q);
}

/* The base of merging `ours` and `theirs`: none (an empty tree), one, or a virtual one. */
static int base_tree(mspace *m, const git_oid *ours, const git_oid *theirs, git_tree **out,
		     git_oidarray *bases, int depth)
{
	sanshe_merge_stats *counted = m->stats, uncounted = { 0 };
	git_oid v;
	git_tree *vt = NULL;
	int err = git_merge_bases(bases, m->repo, ours, theirs);

	if (err == GIT_ENOTFOUND) {
		memset(bases, 0, sizeof(*bases));
		return empty_tree(m, out);
	}
	if (err < 0)
		return git_fail(err, _("the merge base"));
	qsort(bases->ids, bases->count, sizeof(git_oid), by_oid);
	if ((err = commit_tree(m, &bases->ids[0], &vt)) != 0)
		return err;
	m->stats = &uncounted; /* what the virtual base needs is not this merge's work */
	for (size_t i = 1; !err && i < bases->count; i++) {
		git_tree *bt = NULL, *it = NULL, *next = NULL;
		git_oidarray sub = { 0 };
		tside acc = { vt, bases->ids, i }, side = { NULL, &bases->ids[i], 1 };

		if (depth >= MERGE_DEPTH_MAX) {
			err = sanshe_error_set(SANSHE_EINVALID, "%s",
					       _("cannot merge: the histories cross each other too "
						 "many times"));
			break;
		}
		if ((err = base_tree(m, &bases->ids[0], &bases->ids[i], &bt, &sub, depth + 1)) == 0 &&
		    (err = commit_tree(m, &bases->ids[i], &it)) == 0) {
			side.tree = it;
			if ((err = merge3(m, bt, &acc, &side, bases->ids, 0, &v)) == 0 &&
			    (err = git_tree_lookup(&next, m->repo, &v)) < 0)
				err = git_fail(err, _("a virtual base"));
		}
		git_oidarray_free(&sub);
		git_tree_free(bt);
		git_tree_free(it);
		if (!err) {
			git_tree_free(vt);
			vt = next;
		}
	}
	m->stats = counted;
	if (err)
		git_tree_free(vt);
	else
		*out = vt;
	return err;
}

static int merge_commits(mspace *m, const git_oid *ours, const git_oid *theirs, git_oid *out,
			 int depth)
{
	git_oidarray bases = { 0 };
	git_tree *base = NULL, *ot = NULL, *tt = NULL;
	tside a, x;
	int err;

	if ((err = base_tree(m, ours, theirs, &base, &bases, depth)) != 0 ||
	    (err = commit_tree(m, ours, &ot)) != 0 || (err = commit_tree(m, theirs, &tt)) != 0)
		goto done;
	a = (tside){ ot, ours, 1 };
	x = (tside){ tt, theirs, 1 };
	err = merge3(m, base, &a, &x, bases.ids, bases.count, out);
done:
	git_tree_free(base);
	git_tree_free(ot);
	git_tree_free(tt);
	git_oidarray_dispose(&bases);
	return err;
}

int sanshe_merge_trees(sanshe_store *store, const git_oid *ours, const git_oid *theirs,
		       git_oid *tree, sanshe_merge_stats *stats)
{
	sanshe_merge_stats ignored;
	mspace m = { sanshe_store_repository(store), stats ? stats : &ignored, NULL };
	int err;

	memset(m.stats, 0, sizeof(*m.stats));
	if ((err = sanshe_registry_init()) != 0 ||
	    (err = sanshe_store__stage_new(&m.stage, store)) != 0)
		return err;
	err = merge_commits(&m, ours, theirs, tree, 0);
	sanshe_store__stage_free(m.stage);
	return err;
}

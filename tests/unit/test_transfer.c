/*
 * Moving history between two repositories (transfer.h): negotiation against
 * a real second repository, the pack of what the other side lacks (its
 * objects compared with a walk of both histories), the pack received and
 * readable, and a damaged pack refused with nothing left behind.
 */
#include "common.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <git2/sys/commit.h>
#include <git2/sys/mempack.h>

#include "buf.h"
#include "error.h"
#include "oidset.h"
#include "pack.h"
#include "scratch.h"
#include "transfer.h"

typedef struct fixture {
	char *dir;
	git_repository *a, *b, *c; /* three bare repositories, empty at first */
} fixture;

static git_repository *repo_make(const char *dir, const char *name)
{
	git_repository *repo = NULL;

	assert_int_equal(git_repository_init(&repo, scratch_path(dir, name), 1), 0);
	return repo;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(git_libgit2_init() > 0);
	/* lines are made apart from the repositories that hold their parents */
	assert_int_equal(git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0), 0);
	f->dir = scratch_dir_make();
	f->a = repo_make(f->dir, "a");
	f->b = repo_make(f->dir, "b");
	f->c = repo_make(f->dir, "c");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	git_repository_free(f->a);
	git_repository_free(f->b);
	git_repository_free(f->c);
	scratch_dir_remove(f->dir);
	git_libgit2_shutdown();
	free(f);
	return 0;
}

/*
 * The objects `ids` of `from` in one pack of whole objects (libgit2's
 * packbuilder would search for deltas: slow under ASan).
 */
static void pack_whole(git_odb *from, const sanshe_oidset *ids, sanshe_buf *out)
{
	static const char room[SANSHE_PACK_HEADER];
	static const git_oid zero;
	size_t count = 0;

	assert_int_equal(sanshe_buf_put(out, room, sizeof(room)), 0);
	for (size_t i = 0; i < ids->cap; i++) {
		git_odb_object *o = NULL;
		uint32_t crc;

		if (git_oid_equal(&ids->ids[i], &zero))
			continue; /* an empty slot */
		assert_int_equal(git_odb_read(&o, from, &ids->ids[i]), 0);
		assert_int_equal(sanshe_pack_entry(out, git_odb_object_type(o),
						   git_odb_object_data(o), git_odb_object_size(o), 1,
						   &crc),
				 0);
		git_odb_object_free(o);
		count++;
	}
	assert_int_equal(count, ids->n);
	assert_int_equal(sanshe_pack_finish(out, count), 0);
}

/* Store `pack` in the objects of `repo` through libgit2's indexer. */
static void pack_store(git_repository *repo, const sanshe_buf *pack)
{
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats;
	git_odb *odb = NULL;

	assert_int_equal(git_repository_odb(&odb, repo), 0);
	assert_int_equal(git_odb_write_pack(&wp, odb, NULL, NULL), 0);
	assert_int_equal(wp->append(wp, pack->ptr, pack->size, &stats), 0);
	assert_int_equal(wp->commit(wp, &stats), 0);
	wp->free(wp);
	git_odb_free(odb);
}

/*
 * `n` commits on top of `parent` (NULL: a new root), each with a tree of a
 * blob of its own and, in a sub-tree, one shared by the whole line.  The
 * same arguments make the same commits in any repository.  `tip` receives
 * the last commit.  The objects are made in a repository held in memory
 * and stored in `repo` (and `also`, when not NULL) as one pack: thousands
 * of loose files, each checked for on disk first, would be slow, and so
 * would libgit2's packbuilder under ASan.
 */
static void line_grow_also(git_repository *repo, git_repository *also, const git_oid *parent,
			   const char *label, size_t n, git_oid *tip)
{
	git_repository *made = NULL;
	git_odb_backend *mem = NULL;
	git_odb *odb = NULL;
	git_signature *sig = NULL;
	sanshe_buf pack = SANSHE_BUF_INIT;
	sanshe_oidset made_ids = SANSHE_OIDSET_INIT;
	git_oid prev, blob, shared, sub, tree;
	char text[128];

	assert_int_equal(git_odb_new(&odb), 0);
	assert_int_equal(git_mempack_new(&mem), 0);
	assert_int_equal(git_odb_add_backend(odb, mem, 1), 0); /* the odb owns it */
	assert_int_equal(git_repository_wrap_odb(&made, odb), 0);
	if (parent)
		git_oid_cpy(&prev, parent);
	snprintf(text, sizeof(text), "volunteers of %s\n", label);
	assert_int_equal(git_blob_create_from_buffer(&shared, made, text, strlen(text)), 0);
	assert_true(sanshe_oidset_add(&made_ids, &shared) >= 0);
	for (size_t i = 0; i < n; i++) {
		git_treebuilder *tb = NULL, *tb_sub = NULL;
		const git_oid *parents[1] = { &prev };

		snprintf(text, sizeof(text), "{\"id\":\"%s-%zu\"}\n", label, i);
		assert_int_equal(git_blob_create_from_buffer(&blob, made, text, strlen(text)), 0);
		assert_int_equal(git_treebuilder_new(&tb_sub, made, NULL), 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb_sub, "roster.json", &shared,
							GIT_FILEMODE_BLOB),
				 0);
		assert_int_equal(git_treebuilder_write(&sub, tb_sub), 0);
		assert_int_equal(git_treebuilder_new(&tb, made, NULL), 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb, "case.json", &blob,
							GIT_FILEMODE_BLOB),
				 0);
		assert_int_equal(git_treebuilder_insert(NULL, tb, "roster", &sub, GIT_FILEMODE_TREE),
				 0);
		assert_int_equal(git_treebuilder_write(&tree, tb), 0);
		assert_int_equal(git_signature_new(&sig, "Mei Lin", "m1@o1",
						   1700000000 + (git_time_t)i, 480),
				 0);
		snprintf(text, sizeof(text), "put case/%s-%zu\n", label, i);
		assert_int_equal(git_commit_create_from_ids(&prev, made, NULL, sig, sig, NULL, text,
							    &tree, parent || i > 0 ? 1 : 0,
							    parents),
				 0);
		assert_true(sanshe_oidset_add(&made_ids, &blob) >= 0);
		assert_true(sanshe_oidset_add(&made_ids, &sub) >= 0);
		assert_true(sanshe_oidset_add(&made_ids, &tree) >= 0);
		assert_true(sanshe_oidset_add(&made_ids, &prev) >= 0);
		git_signature_free(sig);
		git_treebuilder_free(tb);
		git_treebuilder_free(tb_sub);
	}
	pack_whole(odb, &made_ids, &pack);
	pack_store(repo, &pack);
	if (also)
		pack_store(also, &pack);
	sanshe_buf_dispose(&pack);
	sanshe_oidset_dispose(&made_ids);
	git_odb_free(odb);
	git_repository_free(made);
	git_oid_cpy(tip, &prev);
}

static void line_grow(git_repository *repo, const git_oid *parent, const char *label, size_t n,
		      git_oid *tip)
{
	line_grow_also(repo, NULL, parent, label, n, tip);
}

/* A merge commit of `x` and `y` (both in `repo`), with x's tree. */
static void merge_make(git_repository *repo, const git_oid *x, const git_oid *y, git_oid *out)
{
	git_commit *parents[2] = { NULL, NULL };
	git_signature *sig = NULL;
	git_tree *t = NULL;

	assert_int_equal(git_commit_lookup(&parents[0], repo, x), 0);
	assert_int_equal(git_commit_lookup(&parents[1], repo, y), 0);
	assert_int_equal(git_commit_tree(&t, parents[0]), 0);
	assert_int_equal(git_signature_new(&sig, "Mei Lin", "m1@o1", 1750000000, 480), 0);
	assert_int_equal(git_commit_create(out, repo, NULL, sig, sig, NULL, "merge\n", t, 2,
					   (const git_commit **)parents),
			 0);
	git_signature_free(sig);
	git_tree_free(t);
	git_commit_free(parents[0]);
	git_commit_free(parents[1]);
}

/* A commit on top of `parent` adding a file of `size` bytes that do not compress. */
static void big_commit(git_repository *repo, const git_oid *parent, size_t size, git_oid *out)
{
	unsigned char *bytes = malloc(size);
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_commit *p = NULL;
	git_tree *t = NULL;
	git_oid blob, tree;
	uint32_t x = 2463534242u;

	assert_non_null(bytes);
	for (size_t i = 0; i < size; i++) { /* xorshift */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		bytes[i] = (unsigned char)x;
	}
	assert_int_equal(git_blob_create_from_buffer(&blob, repo, bytes, size), 0);
	assert_int_equal(git_commit_lookup(&p, repo, parent), 0);
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "scan.pdf", &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tree, tb), 0);
	assert_int_equal(git_tree_lookup(&t, repo, &tree), 0);
	assert_int_equal(git_signature_new(&sig, "Mei Lin", "m1@o1", 1760000000, 480), 0);
	assert_int_equal(git_commit_create(out, repo, NULL, sig, sig, NULL, "put scan\n", t, 1,
					   (const git_commit **)&p),
			 0);
	git_signature_free(sig);
	git_tree_free(t);
	git_treebuilder_free(tb);
	git_commit_free(p);
	free(bytes);
}

/* ---- a peer that answers ---- */

typedef void (*answer_fn)(git_repository *peer, const git_oid *haves, size_t n,
			  unsigned char *has, void *payload);

static void honest(git_repository *peer, const git_oid *haves, size_t n, unsigned char *has,
		   void *payload)
{
	(void)payload;
	for (size_t i = 0; i < n; i++)
		has[i] = (unsigned char)sanshe_transfer_has_commit(peer, &haves[i]);
}

/*
 * `asker` negotiates with `peer` over its heads, knowing `known` (when it
 * has it) already; the rounds asked in `*rounds`.  The caller frees the
 * negotiation.
 */
static sanshe_negotiation *negotiate(git_repository *asker, const git_oid *heads, size_t n_heads,
				     const git_oid *known, git_repository *peer, answer_fn answer,
				     void *payload, unsigned *rounds)
{
	static unsigned char has[SANSHE_TRANSFER_HAVES_MAX];
	sanshe_negotiation *n = NULL;

	*rounds = 0;
	assert_int_equal(sanshe_negotiation_new(&n, asker), 0);
	if (known && sanshe_transfer_has_commit(asker, known))
		assert_int_equal(sanshe_negotiation_known(n, known), 0);
	for (size_t i = 0; i < n_heads; i++)
		assert_int_equal(sanshe_negotiation_line(n, &heads[i]), 0);
	for (;;) {
		const git_oid *haves = NULL;
		size_t count = 0;

		assert_int_equal(sanshe_negotiation_next(n, &haves, &count), 0);
		if (!count)
			break;
		assert_true(count <= SANSHE_TRANSFER_HAVES_MAX);
		assert_true(++*rounds <= SANSHE_TRANSFER_ROUNDS_MAX);
		answer(peer, haves, count, has, payload);
		assert_int_equal(sanshe_negotiation_answer(n, has, count), 0);
	}
	return n;
}

/* ---- packs ---- */

typedef struct collected {
	sanshe_buf pack;
	size_t pieces;
} collected;

static int collect(const void *data, size_t len, void *payload)
{
	collected *c = payload;

	assert_true(len > 0 && len <= SANSHE_TRANSFER_PIECE);
	c->pieces++;
	return sanshe_buf_put(&c->pack, data, len);
}

/* The pack of what `tips` reach and `common` does not, from `repo`; its object count. */
static size_t pack_of(git_repository *repo, const git_oid *tips, size_t n_tips,
		      const git_oid *common, size_t n_common, collected *out)
{
	size_t objects = 99;

	memset(out, 0, sizeof(*out));
	if (sanshe_transfer_send(repo, tips, n_tips, common, n_common, collect, out, &objects) != 0)
		fail_msg("send: %s", sanshe_error_last());
	if (objects) {
		uint32_t announced;

		/* "PACK", version, then the number of objects, big-endian */
		assert_true(out->pack.size > 32);
		assert_memory_equal(out->pack.ptr, "PACK", 4);
		announced = (uint32_t)(unsigned char)out->pack.ptr[8] << 24 |
			    (uint32_t)(unsigned char)out->pack.ptr[9] << 16 |
			    (uint32_t)(unsigned char)out->pack.ptr[10] << 8 |
			    (uint32_t)(unsigned char)out->pack.ptr[11];
		assert_int_equal(announced, objects);
	} else {
		assert_int_equal(out->pack.size, 0);
		assert_int_equal(out->pieces, 0);
	}
	return objects;
}

/* Feed `len` bytes to a receiver into `repo` in pieces of `step`; the first error, or 0. */
static int receive(git_repository *repo, const char *data, size_t len, size_t step)
{
	sanshe_transfer_in *in = NULL;
	int err;

	assert_int_equal(sanshe_transfer_in_new(&in, repo), 0);
	for (size_t at = 0; at < len; at += step) {
		size_t take = len - at < step ? len - at : step;

		if ((err = sanshe_transfer_in_add(in, data + at, take)) != 0) {
			sanshe_transfer_in_free(in);
			return err;
		}
	}
	err = sanshe_transfer_in_finish(in);
	if (!err) {
		uint64_t objects = 0, total = 0;

		sanshe_transfer_in_progress(in, &objects, &total);
		assert_true(objects == total && total > 0);
	}
	sanshe_transfer_in_free(in);
	return err;
}

/* Every object `tips` reach in `from` that `to` does not have, each once. */
static void missing_walk(git_repository *from, git_repository *to, const git_oid *tips,
			 size_t n_tips, sanshe_oidset *out);

typedef struct tree_walk {
	git_repository *to;
	sanshe_oidset *set;
	git_odb *odb;
} tree_walk;

static int note_entry(const char *root, const git_tree_entry *e, void *payload)
{
	tree_walk *w = payload;

	(void)root;
	if (!git_odb_exists(w->odb, git_tree_entry_id(e)))
		assert_true(sanshe_oidset_add(w->set, git_tree_entry_id(e)) >= 0);
	return 0;
}

static void missing_walk(git_repository *from, git_repository *to, const git_oid *tips,
			 size_t n_tips, sanshe_oidset *out)
{
	git_revwalk *walk = NULL;
	tree_walk w = { to, out, NULL };
	git_oid id;

	assert_int_equal(git_repository_odb(&w.odb, to), 0);
	assert_int_equal(git_revwalk_new(&walk, from), 0);
	for (size_t i = 0; i < n_tips; i++)
		assert_int_equal(git_revwalk_push(walk, &tips[i]), 0);
	while (git_revwalk_next(&id, walk) == 0) {
		git_commit *c = NULL;
		git_tree *t = NULL;

		if (git_odb_exists(w.odb, &id))
			continue;
		assert_true(sanshe_oidset_add(out, &id) >= 0);
		assert_int_equal(git_commit_lookup(&c, from, &id), 0);
		assert_int_equal(git_commit_tree(&t, c), 0);
		if (!git_odb_exists(w.odb, git_tree_id(t)))
			assert_true(sanshe_oidset_add(out, git_tree_id(t)) >= 0);
		assert_int_equal(git_tree_walk(t, GIT_TREEWALK_PRE, note_entry, &w), 0);
		git_tree_free(t);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	git_odb_free(w.odb);
}

typedef struct census {
	git_odb *odb;
	sanshe_oidset *expected; /* NULL: only count */
	size_t objects, commits, unexpected;
} census;

static int count_object(const git_oid *id, void *payload)
{
	census *c = payload;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t len;

	assert_int_equal(git_odb_read_header(&len, &type, c->odb, id), 0);
	c->objects++;
	c->commits += type == GIT_OBJECT_COMMIT;
	/* adding an id that was expected is no news; a new one was not expected */
	if (c->expected && sanshe_oidset_add(c->expected, id) == 1)
		c->unexpected++;
	return 0;
}

static int mkdir_both(const char *parent, const char *child)
{
	return mkdir(parent, 0700) != 0 || mkdir(child, 0700) != 0 ? -1 : 0;
}

/* The objects of `repo`. */
static census take_census(git_repository *repo, sanshe_oidset *expected)
{
	census c = { NULL, expected, 0, 0, 0 };

	assert_int_equal(git_repository_odb(&c.odb, repo), 0);
	assert_int_equal(git_odb_foreach(c.odb, count_object, &c), 0);
	git_odb_free(c.odb);
	return c;
}

/*
 * The objects of a pack alone, indexed by libgit2 into DIR/NAME/pack without
 * looking for what its objects refer to (a pack of new commits names parents
 * it does not hold).
 */
static census pack_census(const char *dir, const char *name, const sanshe_buf *pack,
			  sanshe_oidset *expected)
{
	git_indexer_options opts;
	git_indexer_progress stats;
	git_indexer *idx = NULL;
	census c = { NULL, expected, 0, 0, 0 };
	char objects[4096], packs[4200];

	assert_int_equal(git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION), 0);
	snprintf(objects, sizeof(objects), "%s/%s", dir, name);
	snprintf(packs, sizeof(packs), "%s/pack", objects);
	assert_int_equal(mkdir_both(objects, packs), 0);
	assert_int_equal(git_indexer_new(&idx, packs, 0, NULL, &opts), 0);
	assert_int_equal(git_indexer_append(idx, pack->ptr, pack->size, &stats), 0);
	assert_int_equal(git_indexer_commit(idx, &stats), 0);
	git_indexer_free(idx);
	assert_int_equal(git_odb_new(&c.odb), 0);
	assert_int_equal(git_odb_add_disk_alternate(c.odb, objects), 0);
	assert_int_equal(git_odb_foreach(c.odb, count_object, &c), 0);
	git_odb_free(c.odb);
	return c;
}

/* Files in DIR/NAME/objects/pack. */
static size_t pack_files(const char *dir, const char *name)
{
	char path[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/objects/pack", dir, name);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ---- the tests ---- */

static void identical_histories_send_nothing(void **state)
{
	fixture *f = *state;
	git_oid ta, tb;
	const git_oid *common;
	size_t n_common;
	unsigned rounds;
	collected out;

	line_grow(f->a, NULL, "tongxin", 40, &ta);
	line_grow(f->b, NULL, "tongxin", 40, &tb);
	assert_true(git_oid_equal(&ta, &tb));

	/* knowing the other's head, and without: either way the head is common */
	for (int know = 0; know < 2; know++) {
		sanshe_negotiation *n =
			negotiate(f->a, &ta, 1, know ? &tb : NULL, f->b, honest, NULL, &rounds);

		common = sanshe_negotiation_common(n, &n_common);
		assert_int_equal(n_common, 1);
		assert_true(git_oid_equal(&common[0], &ta));
		assert_int_equal(rounds, 1);
		assert_int_equal(pack_of(f->b, &tb, 1, common, n_common, &out), 0);
		sanshe_buf_dispose(&out.pack);
		sanshe_negotiation_free(n);
	}
}

static void a_peer_ahead_sends_exactly_the_new_commits_objects(void **state)
{
	fixture *f = *state;
	git_oid base, tb, ta;
	sanshe_oidset expected = SANSHE_OIDSET_INIT;
	sanshe_negotiation *n;
	const git_oid *common;
	size_t n_common, objects;
	unsigned rounds;
	collected out;
	census got;

	line_grow(f->a, NULL, "huiming", 30, &ta);
	line_grow(f->b, NULL, "huiming", 30, &base);
	line_grow(f->b, &base, "huiming-new", 3, &tb);

	n = negotiate(f->a, &ta, 1, &tb, f->b, honest, NULL, &rounds);
	common = sanshe_negotiation_common(n, &n_common);
	assert_int_equal(n_common, 1);
	assert_true(git_oid_equal(&common[0], &base));

	objects = pack_of(f->b, &tb, 1, common, n_common, &out);
	missing_walk(f->b, f->a, &tb, 1, &expected);
	/* 3 commits, 3 trees, 3 case blobs, and the new line's roster blob and sub-tree */
	assert_int_equal(expected.n, 11);
	assert_int_equal(objects, expected.n);

	/* the pack holds those and no others */
	got = pack_census(f->dir, "pack-ahead", &out.pack, &expected);
	assert_int_equal(got.objects, 11);
	assert_int_equal(got.commits, 3);
	assert_int_equal(got.unexpected, 0);

	/* received where it was meant for, the new head and its whole tree are readable */
	assert_int_equal(receive(f->a, out.pack.ptr, out.pack.size, SANSHE_TRANSFER_PIECE), 0);
	assert_true(sanshe_transfer_has_commit(f->a, &tb));
	assert_int_equal(git_graph_descendant_of(f->a, &tb, &ta), 1);

	sanshe_oidset_dispose(&expected);
	sanshe_buf_dispose(&out.pack);
	sanshe_negotiation_free(n);
}

/* Commits since `from` on the way to `to` (from an ancestor of to). */
static size_t distance(git_repository *repo, const git_oid *from, const git_oid *to)
{
	size_t ahead = 0, behind = 0;

	assert_int_equal(git_graph_ahead_behind(&ahead, &behind, repo, to, from), 0);
	assert_int_equal(behind, 0);
	return ahead;
}

static void long_shared_history_finds_the_merge_base(void **state)
{
	fixture *f = *state;
	static const size_t ours_ahead[] = { 1, 7, 300 };
	git_oid base, tb, ta;
	size_t theirs_ahead = 5;

	line_grow_also(f->a, f->b, NULL, "street", 5000, &base);
	line_grow(f->b, &base, "street-b", theirs_ahead, &tb);
	for (size_t k = 0; k < SANSHE_ARRAY_SIZE(ours_ahead); k++) {
		char label[32];
		sanshe_negotiation *n;
		const git_oid *common;
		size_t n_common;
		unsigned rounds;
		collected out;
		census got;

		snprintf(label, sizeof(label), "street-a%zu", k);
		line_grow(f->a, &base, label, ours_ahead[k], &ta);
		n = negotiate(f->a, &ta, 1, &tb, f->b, honest, NULL, &rounds);
		common = sanshe_negotiation_common(n, &n_common);
		assert_int_equal(n_common, 1);
		/* the common commit: on our line, at the merge base or a few commits before */
		assert_true(sanshe_transfer_has_commit(f->b, &common[0]));
		assert_true(distance(f->a, &common[0], &base) <= 2);

		/* their pack: their 5 commits and at most 2 more */
		pack_of(f->b, &tb, 1, common, n_common, &out);
		snprintf(label, sizeof(label), "pack-%zu", k);
		got = pack_census(f->dir, label, &out.pack, NULL);
		assert_true(got.commits >= theirs_ahead && got.commits <= theirs_ahead + 2);
		sanshe_buf_dispose(&out.pack);

		/* and ours to them, the other way: our new commits and at most 2 more */
		pack_of(f->a, &ta, 1, common, n_common, &out);
		snprintf(label, sizeof(label), "pack-back-%zu", k);
		got = pack_census(f->dir, label, &out.pack, NULL);
		assert_true(got.commits >= ours_ahead[k] && got.commits <= ours_ahead[k] + 2);
		sanshe_buf_dispose(&out.pack);
		sanshe_negotiation_free(n);
	}
}

static void histories_shared_through_a_third_repository(void **state)
{
	fixture *f = *state;
	git_oid h, ha, hb, hm, side;
	sanshe_oidset expected = SANSHE_OIDSET_INIT;
	sanshe_negotiation *n;
	const git_oid *common;
	size_t n_common, objects;
	unsigned rounds;
	collected out;

	/* c holds the common history; a and b each take it from c, never from each other */
	line_grow(f->c, NULL, "common", 60, &h);
	objects = pack_of(f->c, &h, 1, NULL, 0, &out);
	assert_true(objects > 60);
	assert_int_equal(receive(f->a, out.pack.ptr, out.pack.size, 777), 0);
	assert_int_equal(receive(f->b, out.pack.ptr, out.pack.size, 4096), 0);
	sanshe_buf_dispose(&out.pack);

	line_grow(f->a, &h, "agency", 4, &ha);
	line_grow(f->b, &h, "community", 6, &hb);
	/* b also merged a side line of its own into its history */
	line_grow(f->b, &h, "community-side", 2, &side);
	merge_make(f->b, &hb, &side, &hm);

	n = negotiate(f->a, &ha, 1, &hm, f->b, honest, NULL, &rounds);
	common = sanshe_negotiation_common(n, &n_common);
	assert_int_equal(n_common, 1);
	assert_true(git_oid_equal(&common[0], &h));

	objects = pack_of(f->b, &hm, 1, common, n_common, &out);
	missing_walk(f->b, f->a, &hm, 1, &expected);
	assert_int_equal(objects, expected.n);
	assert_int_equal(receive(f->a, out.pack.ptr, out.pack.size, 100), 0);
	assert_int_equal(git_graph_descendant_of(f->a, &hm, &h), 1);
	sanshe_oidset_dispose(&expected);
	sanshe_buf_dispose(&out.pack);
	sanshe_negotiation_free(n);
}

static void a_wrong_number_of_answers_is_a_parse_error(void **state)
{
	fixture *f = *state;
	unsigned char has[SANSHE_TRANSFER_HAVES_MAX] = { 0 };
	sanshe_negotiation *n = NULL;
	const git_oid *haves;
	size_t count;
	git_oid ta;

	line_grow(f->a, NULL, "tongxin", 50, &ta);
	assert_int_equal(sanshe_negotiation_new(&n, f->a), 0);
	assert_int_equal(sanshe_negotiation_line(n, &ta), 0);
	assert_int_equal(sanshe_negotiation_next(n, &haves, &count), 0);
	assert_true(count > 1);
	assert_int_equal(sanshe_negotiation_answer(n, has, count - 1), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "not the"));
	assert_int_equal(sanshe_negotiation_answer(n, has, count + 1), SANSHE_EPARSE);
	sanshe_negotiation_free(n);
}

/* A peer that answers at random: it has an old commit but not a newer one, and so on. */
static void at_random(git_repository *peer, const git_oid *haves, size_t n, unsigned char *has,
		      void *payload)
{
	uint32_t *seed = payload;

	(void)peer;
	(void)haves;
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1664525u + 1013904223u;
		has[i] = (unsigned char)(*seed >> 31);
	}
}

static void always_yes(git_repository *peer, const git_oid *haves, size_t n, unsigned char *has,
		       void *payload)
{
	(void)peer;
	(void)haves;
	(void)payload;
	memset(has, 1, n);
}

static void contradictory_answers_end_in_bounded_rounds(void **state)
{
	fixture *f = *state;
	git_oid ta, tb;

	line_grow(f->a, NULL, "street", 300, &ta);
	line_grow(f->a, &ta, "street-more", 200, &tb);
	for (uint32_t s = 1; s <= 50; s++) {
		uint32_t seed = s;
		git_oid heads[2] = { ta, tb };
		sanshe_negotiation *n;
		const git_oid *common;
		size_t n_common;
		unsigned rounds;

		n = negotiate(f->a, heads, 2, NULL, f->b, s == 50 ? always_yes : at_random, &seed,
			      &rounds);
		common = sanshe_negotiation_common(n, &n_common);
		/* whatever it said, the common commits are ours, one per line at most */
		assert_true(n_common <= 2);
		for (size_t i = 0; i < n_common; i++)
			assert_true(sanshe_transfer_has_commit(f->a, &common[i]));
		sanshe_negotiation_free(n);
	}
}

static void a_round_trip_makes_every_object_readable(void **state)
{
	fixture *f = *state;
	sanshe_oidset expected = SANSHE_OIDSET_INIT;
	git_oid ta;
	collected out;
	census got;
	size_t objects;

	line_grow(f->a, NULL, "tongxin", 25, &ta);
	objects = pack_of(f->a, &ta, 1, NULL, 0, &out);
	missing_walk(f->a, f->b, &ta, 1, &expected);
	assert_int_equal(objects, expected.n);
	/* byte by byte for the header, then in odd pieces */
	{
		sanshe_transfer_in *in = NULL;
		uint64_t received = 0, total = 0;
		size_t at = 0;

		assert_int_equal(sanshe_transfer_in_new(&in, f->b), 0);
		sanshe_transfer_in_progress(in, &received, &total);
		assert_true(received == 0 && total == 0);
		for (; at < 12; at++)
			assert_int_equal(sanshe_transfer_in_add(in, out.pack.ptr + at, 1), 0);
		for (; at < out.pack.size; at += 333)
			assert_int_equal(sanshe_transfer_in_add(in, out.pack.ptr + at,
								out.pack.size - at < 333
									? out.pack.size - at
									: 333),
					 0);
		assert_int_equal(sanshe_transfer_in_finish(in), 0);
		sanshe_transfer_in_progress(in, &received, &total);
		assert_int_equal(received, objects);
		assert_int_equal(total, objects);
		sanshe_transfer_in_free(in);
	}
	got = take_census(f->b, &expected);
	assert_int_equal(got.objects, objects);
	assert_int_equal(got.unexpected, 0);
	{
		/* readable through the repository: the head's tree and a case file in it */
		git_commit *c = NULL;
		git_tree *t = NULL;
		git_blob *b = NULL;

		assert_int_equal(git_commit_lookup(&c, f->b, &ta), 0);
		assert_int_equal(git_commit_tree(&t, c), 0);
		assert_int_equal(git_blob_lookup(&b, f->b,
						 git_tree_entry_id(git_tree_entry_byname(t, "case.json"))),
				 0);
		assert_string_equal(git_blob_rawcontent(b), "{\"id\":\"tongxin-24\"}\n");
		git_blob_free(b);
		git_tree_free(t);
		git_commit_free(c);
	}
	sanshe_oidset_dispose(&expected);
	sanshe_buf_dispose(&out.pack);
}

static void a_large_pack_goes_in_pieces(void **state)
{
	fixture *f = *state;
	git_oid ta, tb;
	collected out;

	line_grow(f->a, NULL, "tongxin", 3, &ta);
	big_commit(f->a, &ta, 3 * SANSHE_TRANSFER_PIECE / 2, &tb);
	/* 3 commits, trees and case files, the line's roster and sub-tree; the scan's three */
	assert_int_equal(pack_of(f->a, &tb, 1, NULL, 0, &out), 3 * 3 + 2 + 3);
	/* the pieces (each checked by collect) hold the whole file */
	assert_int_equal(out.pieces, 2);
	assert_true(out.pack.size > 3 * SANSHE_TRANSFER_PIECE / 2);
	assert_int_equal(receive(f->b, out.pack.ptr, out.pack.size, SANSHE_TRANSFER_PIECE), 0);
	assert_true(sanshe_transfer_has_commit(f->b, &tb));
	sanshe_buf_dispose(&out.pack);
}

static void a_damaged_pack_is_refused_and_leaves_nothing(void **state)
{
	fixture *f = *state;
	git_oid ta;
	collected out;
	size_t before;
	char *bad;

	line_grow(f->a, NULL, "huiming", 20, &ta);
	pack_of(f->a, &ta, 1, NULL, 0, &out);
	before = pack_files(f->dir, "b");
	bad = malloc(out.pack.size);
	assert_non_null(bad);

	/* a flipped byte in the middle, in the last object, in the trailer's checksum */
	for (size_t k = 0; k < 3; k++) {
		size_t at = k == 0 ? out.pack.size / 2 : k == 1 ? out.pack.size - 22 : out.pack.size - 1;

		memcpy(bad, out.pack.ptr, out.pack.size);
		bad[at] ^= 0x40;
		assert_int_equal(receive(f->b, bad, out.pack.size, 512), SANSHE_EPARSE);
		assert_int_equal(pack_files(f->dir, "b"), before);
		assert_false(sanshe_transfer_has_commit(f->b, &ta));
	}
	/* cut short: without its trailer, and at half */
	assert_int_equal(receive(f->b, out.pack.ptr, out.pack.size - 20, 512), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "damaged or cut short"));
	assert_int_equal(receive(f->b, out.pack.ptr, out.pack.size / 2, 512), SANSHE_EPARSE);
	assert_int_equal(pack_files(f->dir, "b"), before);
	assert_false(sanshe_transfer_has_commit(f->b, &ta));

	/* and the whole pack still goes in */
	assert_int_equal(receive(f->b, out.pack.ptr, out.pack.size, 512), 0);
	assert_true(sanshe_transfer_has_commit(f->b, &ta));
	free(bad);
	sanshe_buf_dispose(&out.pack);
}

static void only_commits_count_as_had(void **state)
{
	fixture *f = *state;
	git_oid ta, blob, nowhere;
	git_commit *c = NULL;

	line_grow(f->a, NULL, "tongxin", 2, &ta);
	assert_true(sanshe_transfer_has_commit(f->a, &ta));
	assert_int_equal(git_commit_lookup(&c, f->a, &ta), 0);
	assert_false(sanshe_transfer_has_commit(f->a, git_commit_tree_id(c)));
	git_commit_free(c);
	assert_int_equal(git_blob_create_from_buffer(&blob, f->a, "x", 1), 0);
	assert_false(sanshe_transfer_has_commit(f->a, &blob));
	assert_int_equal(git_oid_fromstr(&nowhere, "0123456789abcdef0123456789abcdef01234567"), 0);
	assert_false(sanshe_transfer_has_commit(f->a, &nowhere));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(identical_histories_send_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_peer_ahead_sends_exactly_the_new_commits_objects,
						setup, teardown),
		cmocka_unit_test_setup_teardown(long_shared_history_finds_the_merge_base, setup,
						teardown),
		cmocka_unit_test_setup_teardown(histories_shared_through_a_third_repository, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_wrong_number_of_answers_is_a_parse_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(contradictory_answers_end_in_bounded_rounds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_round_trip_makes_every_object_readable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_large_pack_goes_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(a_damaged_pack_is_refused_and_leaves_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(only_commits_count_as_had, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Moving history between two nodes that talk (transfer.h). */
#include "common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>

#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "oidset.h"
#include "store.h"
#include "transfer.h"

/* Samples of one line per round: exponential steps, then evenly between two. */
#define STEPS_PER_ROUND 16
#define REFINE_PER_ROUND 32
#define NONE ((size_t)-1)

typedef struct line {
	git_oid *walked; /* walked[i]: the commit i steps back on the first-parent line */
	size_t n, cap;
	int ended;	 /* the root was reached */
	size_t next_step;/* the next exponential step to ask about (0, 1, 2, 4 …) */
	size_t found;	 /* the newest step the other side has; NONE */
	size_t missing;	 /* the oldest step newer than `found` it lacks; NONE when none asked */
	int exhausted;	 /* every exponential step asked, the root included */
	int counted;	 /* `found` is in the common list */
} line;

typedef struct asked {
	size_t line, step; /* line NONE: a known commit */
} asked;

struct sanshe_negotiation {
	git_repository *repo;
	line *lines;
	size_t n_lines, cap_lines;
	git_oid *known;
	size_t n_known, cap_known;
	git_oid *common;
	size_t n_common, cap_common;
	git_oid *haves;
	asked *asked;
	size_t n_asked;
	unsigned rounds;
	int known_sent;
};

static int add_oid(git_oid **list, size_t *n, size_t *cap, const git_oid *id)
{
	for (size_t i = 0; i < *n; i++)
		if (git_oid_equal(&(*list)[i], id))
			return 0;
	if (sanshe_grow((void **)list, cap, *n, sizeof(git_oid)) != 0)
		return SANSHE_ENOMEM;
	git_oid_cpy(&(*list)[(*n)++], id);
	return 0;
}

int sanshe_negotiation_new(sanshe_negotiation **out, git_repository *repo)
{
	sanshe_negotiation *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n || !(n->haves = calloc(SANSHE_TRANSFER_HAVES_MAX, sizeof(*n->haves))) ||
	    !(n->asked = calloc(SANSHE_TRANSFER_HAVES_MAX, sizeof(*n->asked)))) {
		sanshe_negotiation_free(n);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	n->repo = repo;
	*out = n;
	return 0;
}

void sanshe_negotiation_free(sanshe_negotiation *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_lines; i++)
		free(n->lines[i].walked);
	free(n->lines);
	free(n->known);
	free(n->common);
	free(n->haves);
	free(n->asked);
	free(n);
}

int sanshe_negotiation_line(sanshe_negotiation *n, const git_oid *head)
{
	line *l;

	for (size_t i = 0; i < n->n_lines; i++)
		if (git_oid_equal(&n->lines[i].walked[0], head))
			return 0;
	if (sanshe_grow((void **)&n->lines, &n->cap_lines, n->n_lines, sizeof(*n->lines)) != 0)
		return SANSHE_ENOMEM;
	l = &n->lines[n->n_lines];
	memset(l, 0, sizeof(*l));
	l->found = l->missing = NONE;
	if (sanshe_grow((void **)&l->walked, &l->cap, 0, sizeof(git_oid)) != 0)
		return SANSHE_ENOMEM;
	git_oid_cpy(&l->walked[0], head);
	l->n = 1;
	n->n_lines++;
	return 0;
}

int sanshe_negotiation_known(sanshe_negotiation *n, const git_oid *commit)
{
	if (add_oid(&n->known, &n->n_known, &n->cap_known, commit) != 0)
		return SANSHE_ENOMEM;
	return add_oid(&n->common, &n->n_common, &n->cap_common, commit);
}

/* Walk `l` until it holds step `step`, or its root.  1 when the step is there. */
static int walk_to(sanshe_negotiation *n, line *l, size_t step, int *err)
{
	while (l->n <= step && !l->ended) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, n->repo, &l->walked[l->n - 1]) != 0) {
			*err = sanshe_git_error(SANSHE_ENOTFOUND, _("cannot read the history"));
			return 0;
		}
		if (git_commit_parentcount(c) == 0) {
			l->ended = 1;
		} else if ((*err = sanshe_grow((void **)&l->walked, &l->cap, l->n, sizeof(git_oid))) ==
			   0) {
			git_oid_cpy(&l->walked[l->n++], git_commit_parent_id(c, 0));
		}
		git_commit_free(c);
		if (*err)
			return 0;
	}
	return l->n > step;
}

static void ask(sanshe_negotiation *n, size_t li, size_t step, const git_oid *id)
{
	git_oid_cpy(&n->haves[n->n_asked], id);
	n->asked[n->n_asked].line = li;
	n->asked[n->n_asked].step = step;
	n->n_asked++;
}

/* Is the newest commit of `l` that the other side has known exactly (or known absent)? */
static int resolved(const line *l)
{
	if (l->found == NONE)
		return l->exhausted;
	return l->found == 0 || (l->missing != NONE && l->missing + 1 >= l->found);
}

/* This round's samples of line `li`; 0, or an error. */
static int sample(sanshe_negotiation *n, size_t li)
{
	line *l = &n->lines[li];
	size_t room = SANSHE_TRANSFER_HAVES_MAX - n->n_asked;
	size_t lo, gap, want;
	int err = 0;

	if (l->found == NONE) {
		/* exponential steps back: 0, 1, 2, 4 … and the root when the line ends */
		for (size_t k = 0; k < STEPS_PER_ROUND && n->n_asked < SANSHE_TRANSFER_HAVES_MAX &&
				   !l->exhausted;
		     k++) {
			size_t step = l->next_step, before = step <= 1 ? 0 : step / 2;

			if (walk_to(n, l, step, &err)) {
				ask(n, li, step, &l->walked[step]);
				l->next_step = step ? step * 2 : 1;
			} else if (err) {
				return err;
			} else {
				if (l->n - 1 > before)
					ask(n, li, l->n - 1, &l->walked[l->n - 1]);
				l->exhausted = 1;
			}
		}
		return 0;
	}
	/* evenly between the newest step it lacks and the oldest it has */
	lo = l->missing == NONE ? 0 : l->missing + 1;
	gap = l->found - lo;
	want = gap < REFINE_PER_ROUND ? gap : REFINE_PER_ROUND;
	if (want > room)
		want = room;
	for (size_t k = 0; k < want; k++)
		ask(n, li, lo + (gap * k) / want, &l->walked[lo + (gap * k) / want]);
	return 0;
}

/* The negotiation is over: the newest commit the other side has on each line is common. */
static int settle(sanshe_negotiation *n)
{
	for (size_t i = 0; i < n->n_lines; i++) {
		line *l = &n->lines[i];

		if (l->found != NONE && !l->counted) {
			l->counted = 1;
			if (add_oid(&n->common, &n->n_common, &n->cap_common, &l->walked[l->found]) != 0)
				return SANSHE_ENOMEM;
		}
	}
	return 0;
}

int sanshe_negotiation_next(sanshe_negotiation *n, const git_oid **haves, size_t *count)
{
	int err;

	n->n_asked = 0;
	*haves = n->haves;
	*count = 0;
	if (n->rounds >= SANSHE_TRANSFER_ROUNDS_MAX)
		return settle(n);
	if (!n->known_sent) {
		for (size_t i = 0; i < n->n_known && n->n_asked < SANSHE_TRANSFER_HAVES_MAX; i++)
			ask(n, NONE, 0, &n->known[i]);
		n->known_sent = 1;
	}
	for (size_t i = 0; i < n->n_lines && n->n_asked < SANSHE_TRANSFER_HAVES_MAX; i++)
		if (!resolved(&n->lines[i]) && (err = sample(n, i)) != 0)
			return err;
	*count = n->n_asked;
	if (!n->n_asked)
		return settle(n);
	n->rounds++;
	return 0;
}

int sanshe_negotiation_answer(sanshe_negotiation *n, const unsigned char *has, size_t count)
{
	if (count != n->n_asked)
		return sanshe_error_set(SANSHE_EPARSE,
					_("the peer answered about %zu commits, not the %zu asked"),
					count, n->n_asked);
	for (size_t i = 0; i < count; i++) {
		const asked *a = &n->asked[i];
		line *l;

		if (a->line == NONE || !has[i])
			continue;
		l = &n->lines[a->line];
		if (l->found == NONE || a->step < l->found)
			l->found = a->step;
	}
	for (size_t i = 0; i < count; i++) {
		const asked *a = &n->asked[i];
		line *l;

		if (a->line == NONE || has[i])
			continue;
		l = &n->lines[a->line];
		if ((l->found == NONE || a->step < l->found) &&
		    (l->missing == NONE || a->step > l->missing))
			l->missing = a->step;
	}
	for (size_t i = 0; i < n->n_lines; i++) {
		line *l = &n->lines[i];

		if (l->found != NONE && l->missing != NONE && l->missing >= l->found)
			l->missing = NONE; /* a peer that contradicts itself: no bound from it */
	}
	return 0;
}

const git_oid *sanshe_negotiation_common(const sanshe_negotiation *n, size_t *count)
{
	*count = n->n_common;
	return n->common;
}

int sanshe_transfer_has_commit(git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t len;
	int has = 0;

	if (git_repository_odb(&odb, repo) == 0 && git_odb_read_header(&len, &type, odb, id) == 0)
		has = type == GIT_OBJECT_COMMIT;
	git_odb_free(odb);
	git_error_clear();
	return has;
}

/* ---- sending ---- */

typedef struct sending {
	sanshe_buf piece;
	sanshe_transfer_write_cb write;
	void *payload;
	int failed;
} sending;

static int flush_piece(sending *s)
{
	int rc = 0;

	if (s->piece.size)
		rc = s->write(s->piece.ptr, s->piece.size, s->payload);
	s->piece.size = 0;
	if (rc)
		s->failed = 1;
	return rc;
}

static int gather(void *data, size_t len, void *payload)
{
	sending *s = payload;
	const char *p = data;

	while (len) {
		size_t take = SANSHE_TRANSFER_PIECE - s->piece.size;

		if (take > len)
			take = len;
		if (sanshe_buf_put(&s->piece, p, take) != 0)
			return -1;
		p += take;
		len -= take;
		if (s->piece.size == SANSHE_TRANSFER_PIECE && flush_piece(s) != 0)
			return -1;
	}
	return 0;
}

/*
 * What goes into the pack, gathered here rather than with
 * git_packbuilder_insert_walk: libgit2 1.5 inserts trees there without a
 * name, so its delta search, which pairs objects of the same name, seldom
 * finds the previous version of a tree, and a week's pack came out 2.5x
 * git's.  Here each tree and blob is inserted under its entry's name.
 */
typedef struct gathering {
	git_repository *repo;
	git_packbuilder *pb;
	sanshe_oidset seen; /* what the other side has, and what is inserted already */
} gathering;

/* Everything the tree `id` reaches is the other side's already. */
static int mark_tree(gathering *g, const git_oid *id)
{
	git_tree *tree = NULL;
	int err = 0;

	if (sanshe_oidset_has(&g->seen, id))
		return 0;
	if ((err = sanshe_oidset_add(&g->seen, id)) < 0)
		return err;
	err = 0;
	if (git_tree_lookup(&tree, g->repo, id) != 0)
		return sanshe_git_error(SANSHE_ENOTFOUND, _("cannot read the history"));
	for (size_t i = 0; !err && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			err = mark_tree(g, git_tree_entry_id(e));
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			 sanshe_oidset_add(&g->seen, git_tree_entry_id(e)) < 0)
			err = SANSHE_ENOMEM;
	}
	git_tree_free(tree);
	return err;
}

static int insert(gathering *g, const git_oid *id, const char *name)
{
	int err;

	if ((err = sanshe_oidset_add(&g->seen, id)) < 0)
		return err;
	if (git_packbuilder_insert(g->pb, id, name) != 0)
		return sanshe_git_error(SANSHE_ERROR, _("cannot gather the objects to send"));
	return 0;
}

/* The tree `id`, named `name`, and what it reaches that the other side lacks. */
static int insert_tree(gathering *g, const git_oid *id, const char *name)
{
	git_tree *tree = NULL;
	int err;

	if (sanshe_oidset_has(&g->seen, id))
		return 0;
	if ((err = insert(g, id, name)) != 0)
		return err;
	if (git_tree_lookup(&tree, g->repo, id) != 0)
		return sanshe_git_error(SANSHE_ENOTFOUND, _("cannot read the history"));
	for (size_t i = 0; !err && i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *child = git_tree_entry_id(e);

		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			err = insert_tree(g, child, git_tree_entry_name(e));
		else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
			 !sanshe_oidset_has(&g->seen, child))
			err = insert(g, child, git_tree_entry_name(e));
	}
	git_tree_free(tree);
	return err;
}

/* The tree of commit `id`, through `mark` or `insert_tree`. */
static int tree_of(gathering *g, const git_oid *id, int mark)
{
	git_commit *c = NULL;
	int err;

	if (git_commit_lookup(&c, g->repo, id) != 0)
		return sanshe_git_error(SANSHE_ENOTFOUND, _("cannot read the history"));
	err = mark ? mark_tree(g, git_commit_tree_id(c)) : insert_tree(g, git_commit_tree_id(c), NULL);
	git_commit_free(c);
	return err;
}

static int gather_objects(gathering *g, git_revwalk *walk, const git_oid *common,
			  size_t common_count)
{
	git_oid id;
	int err = 0, rc;

	for (size_t i = 0; !err && i < common_count; i++)
		err = tree_of(g, &common[i], 1);
	git_revwalk_sorting(walk, GIT_SORT_TIME);
	while (!err && (rc = git_revwalk_next(&id, walk)) == 0)
		if ((err = insert(g, &id, NULL)) == 0)
			err = tree_of(g, &id, 0);
	if (!err && rc != GIT_ITEROVER)
		err = sanshe_git_error(SANSHE_ENOTFOUND, _("cannot walk the history"));
	return err;
}

int sanshe_transfer_send(git_repository *repo, const git_oid *tips, size_t tips_count,
			 const git_oid *common, size_t common_count,
			 sanshe_transfer_write_cb write, void *payload, size_t *objects)
{
	git_revwalk *walk = NULL;
	gathering g = { repo, NULL, SANSHE_OIDSET_INIT };
	sending s = { SANSHE_BUF_INIT, write, payload, 0 };
	int err = 0;

	*objects = 0;
	if (git_revwalk_new(&walk, repo) != 0 || git_packbuilder_new(&g.pb, repo) != 0) {
		err = sanshe_git_error(SANSHE_ERROR, _("cannot start the pack"));
		goto done;
	}
	git_packbuilder_set_threads(g.pb, 0);
	for (size_t i = 0; i < tips_count; i++)
		if (git_revwalk_push(walk, &tips[i]) != 0) {
			err = sanshe_git_error(SANSHE_ENOTFOUND, _("cannot walk the history"));
			goto done;
		}
	for (size_t i = 0; i < common_count; i++)
		if (git_revwalk_hide(walk, &common[i]) != 0) {
			err = sanshe_git_error(SANSHE_ENOTFOUND, _("cannot walk the history"));
			goto done;
		}
	if ((err = gather_objects(&g, walk, common, common_count)) != 0)
		goto done;
	*objects = git_packbuilder_object_count(g.pb);
	if (!*objects)
		goto done;
	if (git_packbuilder_foreach(g.pb, gather, &s) != 0 || flush_piece(&s) != 0) {
		if (!s.failed)
			err = sanshe_git_error(SANSHE_ERROR, _("cannot build the pack"));
		else
			err = sanshe_error_code() ? sanshe_error_code() : SANSHE_EIO;
	}
done:
	sanshe_buf_dispose(&s.piece);
	sanshe_oidset_dispose(&g.seen);
	git_packbuilder_free(g.pb);
	git_revwalk_free(walk);
	return err;
}

/* ---- receiving ---- */

/*
 * libgit2 1.5's indexer can check that a pack is complete (opts.verify),
 * but it then asks the repository about every object each tree and commit
 * names, before the pack being indexed: in a new node every answer is
 * "no", and each "no" makes libgit2 read the object directories again
 * (hundreds of thousands of directory reads for a first replication).  It
 * also leaks each object the repository has already.  So the pack is
 * indexed without that check, and without the repository unless the pack
 * may be thin, into a directory of its own; checked here (every object it
 * names is in the pack, or else in the repository); and only then moved
 * into objects/pack: a pack that fails leaves nothing behind.
 */
typedef struct closure {
	git_odb *pack; /* the new pack alone */
	git_odb *odb;  /* the repository's */
	int missing;
} closure;

static int linked(closure *c, const char *hex, size_t len)
{
	git_oid id;

	if (len < GIT_OID_HEXSZ || git_oid_fromstrn(&id, hex, GIT_OID_HEXSZ) != 0)
		return -1;
	if (!git_odb_exists(c->pack, &id) && !git_odb_exists(c->odb, &id))
		c->missing++;
	return 0;
}

/* The objects a commit or a tag names: its "tree", "parent" or "object" lines. */
static int links_of_header(closure *c, const char *p, const char *end)
{
	static const char *const keys[] = { "tree ", "parent ", "object " };

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t i, k = 0;

		for (i = 0; i < SANSHE_ARRAY_SIZE(keys); i++)
			if ((size_t)(end - p) > strlen(keys[i]) &&
			    strncmp(p, keys[i], strlen(keys[i])) == 0)
				k = strlen(keys[i]);
		if (!k || !eol)
			return 0; /* past the links */
		if (linked(c, p + k, (size_t)(eol - p) - k) != 0)
			return -1;
		p = eol + 1;
	}
	return 0;
}

/* The objects a tree names: "<mode> <name>\0<20 bytes>" each; submodules name none here. */
static int links_of_tree(closure *c, const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
		char hex[GIT_OID_HEXSZ + 1];
		git_oid id;

		if (!nul || (size_t)(end - nul) < 1 + GIT_OID_RAWSZ)
			return -1;
		git_oid_fromraw(&id, nul + 1);
		if (strncmp((const char *)p, "160000 ", 7) != 0) {
			git_oid_tostr(hex, sizeof(hex), &id);
			linked(c, hex, GIT_OID_HEXSZ);
		}
		p = nul + 1 + GIT_OID_RAWSZ;
	}
	return 0;
}

static int check_object(const git_oid *id, void *payload)
{
	closure *c = payload;
	git_odb_object *obj = NULL;
	const char *data;
	size_t len;
	int rc = 0;

	git_object_t type;
	size_t size;

	if (git_odb_read_header(&size, &type, c->pack, id) != 0)
		return -1;
	if (type == GIT_OBJECT_BLOB)
		return 0; /* names nothing: not read */
	if (git_odb_read(&obj, c->pack, id) != 0)
		return -1;
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	if (type == GIT_OBJECT_TREE)
		rc = links_of_tree(c, (const unsigned char *)data,
				   (const unsigned char *)data + len);
	else
		rc = links_of_header(c, data, data + len);
	git_odb_object_free(obj);
	return rc;
}

/* Is every object the pack `idx_path` names in it or in `odb`? */
static int check_closed(git_odb *odb, const char *idx_path)
{
	closure c = { NULL, odb, 0 };
	git_odb_backend *one = NULL;
	int rc;

	if (git_odb_new(&c.pack) != 0 || git_odb_backend_one_pack(&one, idx_path) != 0 ||
	    git_odb_add_backend(c.pack, one, 1) != 0) {
		if (one && c.pack)
			one->free(one);
		git_odb_free(c.pack);
		return sanshe_git_error(SANSHE_EIO, _("cannot read the incoming pack"));
	}
	rc = git_odb_foreach(c.pack, check_object, &c);
	git_odb_free(c.pack);
	if (rc != 0)
		return sanshe_error_set(SANSHE_EPARSE, "%s", _("damaged pack"));
	if (c.missing)
		return sanshe_error_set(SANSHE_EPARSE, _("the pack is missing %d object(s) it needs"),
					c.missing);
	return 0;
}

/* Move the checked pack `name` from `from` into `to`, the index last (it makes the pack seen). */
static int move_pack(const char *from, const char *to, const char *name)
{
	static const char *const exts[] = { ".pack", ".idx" };
	sanshe_buf a = SANSHE_BUF_INIT, b = SANSHE_BUF_INIT;
	int err = 0;

	for (size_t i = 0; !err && i < SANSHE_ARRAY_SIZE(exts); i++) {
		sanshe_buf_clear(&a);
		sanshe_buf_clear(&b);
		if (sanshe_buf_printf(&a, "%s/pack-%s%s", from, name, exts[i]) != 0 ||
		    sanshe_buf_printf(&b, "%s/pack-%s%s", to, name, exts[i]) != 0)
			err = SANSHE_ENOMEM;
		else if (rename(a.ptr, b.ptr) != 0)
			err = sanshe_error_set_os(SANSHE_EIO, _("cannot rename '%s' to '%s'"),
						  a.ptr, b.ptr);
	}
	sanshe_buf_dispose(&a);
	sanshe_buf_dispose(&b);
	return err;
}

/* Remove the directory of an incoming pack and whatever is left in it. */
static void remove_incoming(const char *dir)
{
	sanshe_buf f = SANSHE_BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sanshe_buf_clear(&f);
		if (sanshe_buf_printf(&f, "%s/%s", dir, e->d_name) == 0)
			unlink(f.ptr);
	}
	if (d)
		closedir(d);
	sanshe_buf_dispose(&f);
	rmdir(dir);
}

struct sanshe_transfer_in {
	git_repository *repo;
	git_odb *odb;
	git_indexer *idx;
	git_indexer_progress stats;
	sanshe_buf dir, in; /* objects/pack, and the pack's own directory in it */
	int installed;
};

int sanshe_transfer_in_open(sanshe_transfer_in **out, git_repository *repo, int thin)
{
	sanshe_transfer_in *in = calloc(1, sizeof(*in));
	git_indexer_options opts;
	int err = 0;

	*out = NULL;
	if (!in)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	in->repo = repo;
	if (git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION) != 0 ||
	    git_repository_odb(&in->odb, repo) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot start receiving"));
		goto fail;
	}
	if ((err = sanshe_buf_printf(&in->dir, "%sobjects/pack", git_repository_path(repo))) != 0 ||
	    (err = sanshe_buf_printf(&in->in, "%s/incoming-XXXXXX", in->dir.ptr)) != 0)
		goto fail;
	if (!mkdtemp(in->in.ptr)) {
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot create '%s'"), in->in.ptr);
		sanshe_buf_clear(&in->in);
		goto fail;
	}
	if (git_indexer_new(&in->idx, in->in.ptr, 0, thin ? in->odb : NULL, &opts) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot start receiving"));
		goto fail;
	}
	*out = in;
	return 0;
fail:
	sanshe_transfer_in_free(in);
	return err;
}

int sanshe_transfer_in_new(sanshe_transfer_in **out, git_repository *repo)
{
	return sanshe_transfer_in_open(out, repo, 0);
}

int sanshe_transfer_in_add(sanshe_transfer_in *in, const void *data, size_t len)
{
	if (git_indexer_append(in->idx, data, len, &in->stats) != 0)
		return sanshe_git_error(SANSHE_EPARSE, _("the pack received is damaged"));
	return 0;
}

int sanshe_transfer_in_finish(sanshe_transfer_in *in)
{
	sanshe_buf idx_path = SANSHE_BUF_INIT;
	char name[GIT_OID_HEXSZ + 1];
	int err;

	if (git_indexer_commit(in->idx, &in->stats) != 0)
		return sanshe_git_error(SANSHE_EPARSE, _("the pack received is damaged or cut short"));
	snprintf(name, sizeof(name), "%s", git_indexer_name(in->idx));
	git_indexer_free(in->idx); /* its files closed */
	in->idx = NULL;
	if ((err = sanshe_buf_printf(&idx_path, "%s/pack-%s.idx", in->in.ptr, name)) == 0 &&
	    (err = check_closed(in->odb, idx_path.ptr)) == 0 &&
	    (err = move_pack(in->in.ptr, in->dir.ptr, name)) == 0) {
		in->installed = 1;
		if (git_odb_refresh(in->odb) != 0)
			err = sanshe_git_error(SANSHE_EIO, _("cannot refresh the object database"));
	}
	sanshe_buf_dispose(&idx_path);
	return err;
}

void sanshe_transfer_in_progress(const sanshe_transfer_in *in, uint64_t *objects,
				 uint64_t *total)
{
	*objects = in ? in->stats.received_objects : 0;
	*total = in ? in->stats.total_objects : 0;
}

void sanshe_transfer_in_free(sanshe_transfer_in *in)
{
	if (!in)
		return;
	git_indexer_free(in->idx);
	if (in->in.size)
		remove_incoming(in->in.ptr);
	git_odb_free(in->odb);
	sanshe_buf_dispose(&in->dir);
	sanshe_buf_dispose(&in->in);
	free(in);
}

/* Moving history between two nodes that talk (transfer.h). */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "i18n.h"
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

static int grow(void **ptr, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	if (!(p = realloc(*ptr, c * size)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	*ptr = p;
	*cap = c;
	return 0;
}

static int add_oid(git_oid **list, size_t *n, size_t *cap, const git_oid *id)
{
	for (size_t i = 0; i < *n; i++)
		if (git_oid_equal(&(*list)[i], id))
			return 0;
	if (grow((void **)list, cap, *n + 1, sizeof(git_oid)) != 0)
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
	if (grow((void **)&n->lines, &n->cap_lines, n->n_lines + 1, sizeof(*n->lines)) != 0)
		return SANSHE_ENOMEM;
	l = &n->lines[n->n_lines];
	memset(l, 0, sizeof(*l));
	l->found = l->missing = NONE;
	if (grow((void **)&l->walked, &l->cap, 1, sizeof(git_oid)) != 0)
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
		} else if ((*err = grow((void **)&l->walked, &l->cap, l->n + 1, sizeof(git_oid))) ==
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

int sanshe_negotiation_next(sanshe_negotiation *n, const git_oid **haves, size_t *count)
{
	int err;

	n->n_asked = 0;
	*haves = n->haves;
	*count = 0;
	if (n->rounds >= SANSHE_TRANSFER_ROUNDS_MAX)
		return 0;
	if (!n->known_sent) {
		for (size_t i = 0; i < n->n_known && n->n_asked < SANSHE_TRANSFER_HAVES_MAX; i++)
			ask(n, NONE, 0, &n->known[i]);
		n->known_sent = 1;
	}
	for (size_t i = 0; i < n->n_lines && n->n_asked < SANSHE_TRANSFER_HAVES_MAX; i++)
		if (!resolved(&n->lines[i]) && (err = sample(n, i)) != 0)
			return err;
	*count = n->n_asked;
	if (n->n_asked)
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
	sanshe_negotiation *m = (sanshe_negotiation *)n; /* fills in the lines' answers once */

	for (size_t i = 0; i < m->n_lines; i++) {
		line *l = &m->lines[i];

		if (l->found != NONE && !l->counted) {
			l->counted = 1;
			if (add_oid(&m->common, &m->n_common, &m->cap_common, &l->walked[l->found]) !=
			    0)
				break;
		}
	}
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

int sanshe_transfer_send(git_repository *repo, const git_oid *tips, size_t tips_count,
			 const git_oid *common, size_t common_count,
			 sanshe_transfer_write_cb write, void *payload, size_t *objects)
{
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	sending s = { SANSHE_BUF_INIT, write, payload, 0 };
	int err = 0;

	*objects = 0;
	if (git_revwalk_new(&walk, repo) != 0 || git_packbuilder_new(&pb, repo) != 0) {
		err = sanshe_git_error(SANSHE_ERROR, _("cannot start the pack"));
		goto done;
	}
	git_packbuilder_set_threads(pb, 0);
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
	if (git_packbuilder_insert_walk(pb, walk) != 0) {
		err = sanshe_git_error(SANSHE_ERROR, _("cannot gather the objects to send"));
		goto done;
	}
	*objects = git_packbuilder_object_count(pb);
	if (!*objects)
		goto done;
	if (git_packbuilder_foreach(pb, gather, &s) != 0 || flush_piece(&s) != 0) {
		if (!s.failed)
			err = sanshe_git_error(SANSHE_ERROR, _("cannot build the pack"));
		else
			err = sanshe_error_code() ? sanshe_error_code() : SANSHE_EIO;
	}
done:
	sanshe_buf_dispose(&s.piece);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	return err;
}

/* ---- receiving ---- */

struct sanshe_transfer_in {
	git_repository *repo;
	git_odb *odb;
	git_indexer *idx;
	git_indexer_progress stats;
};

int sanshe_transfer_in_new(sanshe_transfer_in **out, git_repository *repo)
{
	sanshe_transfer_in *in = calloc(1, sizeof(*in));
	git_indexer_options opts;
	sanshe_buf dir = SANSHE_BUF_INIT;
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
	opts.verify = 1;
	if ((err = sanshe_buf_printf(&dir, "%sobjects/pack", git_repository_path(repo))) != 0)
		goto fail;
	if (git_indexer_new(&in->idx, dir.ptr, 0, in->odb, &opts) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot start receiving"));
		goto fail;
	}
	sanshe_buf_dispose(&dir);
	*out = in;
	return 0;
fail:
	sanshe_buf_dispose(&dir);
	sanshe_transfer_in_free(in);
	return err;
}

int sanshe_transfer_in_add(sanshe_transfer_in *in, const void *data, size_t len)
{
	if (git_indexer_append(in->idx, data, len, &in->stats) != 0)
		return sanshe_git_error(SANSHE_EPARSE, _("the pack received is damaged"));
	return 0;
}

int sanshe_transfer_in_finish(sanshe_transfer_in *in)
{
	if (git_indexer_commit(in->idx, &in->stats) != 0)
		return sanshe_git_error(SANSHE_EPARSE, _("the pack received is damaged or cut short"));
	if (git_odb_refresh(in->odb) != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot refresh the object database"));
	return 0;
}

void sanshe_transfer_in_progress(const sanshe_transfer_in *in, uint64_t *objects,
				 uint64_t *total)
{
	*objects = in->stats.received_objects;
	*total = in->stats.total_objects;
}

void sanshe_transfer_in_free(sanshe_transfer_in *in)
{
	if (!in)
		return;
	git_indexer_free(in->idx);
	git_odb_free(in->odb);
	free(in);
}

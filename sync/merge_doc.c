/*
 * The merge of one document's three versions (see merge.h).
 *
 * The two sides are named by their document clocks: A has the greater, X
 * the other.  A and X only break ties: every value is decided by its own
 * clock (the clock of the version that wrote it), which is what makes the
 * merge symmetric and its result independent of the order of merges.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "doc.h"
#include "json.h"
#include "merge.h"

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* (at, key) of `holder` into `out`: false when it has none that is valid. */
static bool clock_parse(const cJSON *holder, sanshe_merge_clock *out)
{
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(holder, "at");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(holder, "key");

	if (!cJSON_IsString(at) || !cJSON_IsString(key) ||
	    sanshe_hlc_parse(&out->at, at->valuestring) != 0 ||
	    strlen(key->valuestring) >= sizeof(out->key))
		return false;
	strcpy(out->key, key->valuestring);
	return true;
}

int sanshe_merge_clock_of(const cJSON *doc, sanshe_merge_clock *out)
{
	const cJSON *holder = cJSON_GetObjectItemCaseSensitive(doc, "_sig");
	char what[200];

	if (!holder)
		holder = cJSON_GetObjectItemCaseSensitive(doc, "_merge");
	if (!clock_parse(holder, out))
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: a version without a valid _sig or _merge clock"),
					sanshe_doc_describe(doc, what, sizeof(what)));
	return 0;
}

int sanshe_merge_clock_compare(const sanshe_merge_clock *a, const sanshe_merge_clock *b)
{
	int c = sanshe_hlc_compare(a->at, b->at);

	return c ? c : strcmp(a->key, b->key);
}

static const sanshe_merge_clock *clock_max(const sanshe_merge_clock *a,
					   const sanshe_merge_clock *b)
{
	return sanshe_merge_clock_compare(a, b) >= 0 ? a : b;
}

/* ---- the clocks of values: a list of (path, clock) ---- */

typedef struct stamp {
	char *path; /* a JSON pointer; steps into keyed arrays name the element's id */
	size_t len;
	sanshe_merge_clock clock;
} stamp;

typedef struct stamps {
	stamp *e;
	size_t n, cap;
} stamps;

static void stamps_free(stamps *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].path);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

static int stamps_add(stamps *s, const char *path, size_t len, const sanshe_merge_clock *clock)
{
	stamp *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		if (!(e = realloc(s->e, cap * sizeof(*e))))
			return SANSHE_ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	e = &s->e[s->n];
	if (!(e->path = strndup(path, len)))
		return SANSHE_ENOMEM;
	e->len = len;
	e->clock = *clock;
	s->n++;
	return 0;
}

static int by_path(const void *p, const void *q)
{
	return strcmp(((const stamp *)p)->path, ((const stamp *)q)->path);
}

/* Is `prefix` (of `len` bytes) `path` or a pointer to something that holds it? */
static bool holds(const char *prefix, size_t len, const char *path, size_t plen)
{
	return len <= plen && memcmp(prefix, path, len) == 0 && (len == plen || path[len] == '/');
}

/* ---- sides ---- */

/* A side: its version, its clock, and the clocks of its values. */
typedef struct side {
	const sanshe_merge_version *v;
	sanshe_merge_clock clock; /* the version's: _sig, _merge, or the removal */
	stamps fields;		  /* _merge.fields, sorted by path */
	sanshe_merge_outcome as_is; /* OURS or THEIRS */
} side;

/* The clocks of `_merge.fields` of a merge version (none for a signed one). */
static int side_fields(side *s)
{
	const cJSON *doc = s->v->doc, *merge = cJSON_GetObjectItemCaseSensitive(doc, "_merge");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(merge, "fields"), *f;
	char what[200];

	if (!fields || cJSON_GetObjectItemCaseSensitive(doc, "_sig"))
		return 0;
	if (!cJSON_IsObject(fields))
		goto invalid;
	cJSON_ArrayForEach(f, fields)
	{
		sanshe_merge_clock clock;

		if ((*f->string && *f->string != '/') || !clock_parse(f, &clock))
			goto invalid;
		if (stamps_add(&s->fields, f->string, strlen(f->string), &clock) != 0)
			return out_of_memory();
	}
	if (s->fields.n)
		qsort(s->fields.e, s->fields.n, sizeof(*s->fields.e), by_path);
	return 0;
invalid:
	return sanshe_error_set(SANSHE_EINVALID, _("%s: /_merge/fields is not a list of clocks"),
				sanshe_doc_describe(doc, what, sizeof(what)));
}

static int side_init(side *s, const sanshe_merge_version *v, sanshe_merge_outcome as_is)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->v = v;
	s->as_is = as_is;
	if (!v->doc) {
		s->clock = v->removed;
		return 0;
	}
	if ((err = sanshe_merge_clock_of(v->doc, &s->clock)) != 0)
		return err;
	return side_fields(s);
}

/* The clock of the value at `path` on side `s`: the nearest stamp that holds it. */
static const sanshe_merge_clock *clock_at(const side *s, const char *path, size_t plen)
{
	const sanshe_merge_clock *best = &s->clock;
	size_t best_len = 0;
	bool found = false;

	for (size_t i = 0; i < s->fields.n; i++) {
		const stamp *e = &s->fields.e[i];

		if (holds(e->path, e->len, path, plen) && (!found || e->len > best_len)) {
			best = &e->clock;
			best_len = e->len;
			found = true;
		}
	}
	return best;
}

/* The latest clock of anything at or under `path` on side `s`. */
static const sanshe_merge_clock *clock_within(const side *s, const char *path, size_t plen)
{
	const sanshe_merge_clock *best = clock_at(s, path, plen);

	for (size_t i = 0; i < s->fields.n; i++) {
		const stamp *e = &s->fields.e[i];

		if (e->len > plen && holds(path, plen, e->path, e->len))
			best = clock_max(best, &e->clock);
	}
	return best;
}

int sanshe_merge_clock_at(const cJSON *doc, const char *path, sanshe_merge_clock *out)
{
	sanshe_merge_version v = { .doc = doc };
	side s;
	int err = side_init(&s, &v, SANSHE_MERGE_OURS);

	if (!err)
		*out = *clock_within(&s, path, strlen(path));
	stamps_free(&s.fields);
	return err;
}

/* ---- the recursive merge of values ---- */

typedef struct mctx {
	const side *a, *x; /* the side with the greater clock, the other */
	cJSON *conflicts;  /* the conflicts this merge records */
	stamps clocks;	   /* the clock of every value of the result */
	sanshe_buf path;   /* JSON pointer of the value at hand */
	int err;
} mctx;

static const char *path_of(const mctx *c)
{
	return c->path.ptr ? c->path.ptr : "";
}

static bool add_string(cJSON *obj, const char *name, const char *s)
{
	return cJSON_AddStringToObject(obj, name, s) != NULL;
}

/* Record that `value` (NULL: a removal), written at `clock`, lost at c->path. */
static void conflict(mctx *c, const cJSON *value, const sanshe_merge_clock *clock)
{
	char at[SANSHE_HLC_MAX];
	cJSON *entry = cJSON_CreateObject(), *v = NULL;

	if (c->err)
		goto fail;
	sanshe_hlc_format(at, clock->at);
	if (!entry || !add_string(entry, "path", path_of(c)) ||
	    !add_string(entry, "key", clock->key) || !add_string(entry, "at", at))
		goto oom;
	if (value && (!(v = cJSON_Duplicate(value, 1)) ||
		      !cJSON_AddItemToObject(entry, "value", v)))
		goto oom;
	if (!cJSON_AddItemToArray(c->conflicts, entry))
		goto oom;
	return;
oom:
	cJSON_Delete(v);
	c->err = out_of_memory();
fail:
	cJSON_Delete(entry);
}

/* Go one step down in c->path (a member name or an element id); path_pop comes back. */
static size_t path_push(mctx *c, const char *step)
{
	size_t saved = c->path.size;

	if (!c->err && sanshe_json_pointer_push(&c->path, step) != 0)
		c->err = out_of_memory();
	return saved;
}

static void path_pop(mctx *c, size_t saved)
{
	c->path.size = saved;
	if (c->path.ptr)
		c->path.ptr[saved] = '\0';
}

/* ---- arrays of objects with an id: keyed sets ---- */

typedef struct keyed_el {
	const char *id;
	const cJSON *el;
} keyed_el;

typedef struct keyed_set {
	keyed_el *els; /* sorted by id */
	size_t n;
} keyed_set;

static int by_id(const void *p, const void *q)
{
	return strcmp(((const keyed_el *)p)->id, ((const keyed_el *)q)->id);
}

static const char *id_of(const cJSON *el)
{
	return cJSON_GetObjectItemCaseSensitive(el, "id")->valuestring;
}

/*
 * The elements of `arr` sorted by id: 1 when it is a keyed array (every
 * element an object with a string id, no id twice), 0 when not, -1 when
 * out of memory.  An empty array is keyed.
 */
static int keyed_load(const cJSON *arr, keyed_set *set)
{
	int n = cJSON_GetArraySize(arr);
	const cJSON *el;
	size_t i = 0;

	set->els = NULL;
	set->n = 0;
	if (!cJSON_IsArray(arr))
		return 0;
	if (n && !(set->els = malloc((size_t)n * sizeof(*set->els))))
		return -1;
	cJSON_ArrayForEach(el, arr)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(el, "id");

		if (!cJSON_IsObject(el) || !cJSON_IsString(id))
			goto not_keyed;
		set->els[i].id = id->valuestring;
		set->els[i++].el = el;
	}
	set->n = i;
	if (i)
		qsort(set->els, i, sizeof(*set->els), by_id);
	for (i = 1; i < set->n; i++)
		if (strcmp(set->els[i - 1].id, set->els[i].id) == 0)
			goto not_keyed;
	return 1;
not_keyed:
	free(set->els);
	set->els = NULL;
	set->n = 0;
	return 0;
}

static const cJSON *keyed_find(const keyed_set *set, const char *id)
{
	keyed_el key = { id, NULL }, *hit;

	if (!set->n)
		return NULL;
	hit = bsearch(&key, set->els, set->n, sizeof(key), by_id);
	return hit ? hit->el : NULL;
}

/* ---- the clocks of the values taken ---- */

/* Stamp c->path with `clock`, the clock of a value of the result. */
static void stamp_here(mctx *c, const sanshe_merge_clock *clock)
{
	if (!c->err && stamps_add(&c->clocks, path_of(c), c->path.size, clock) != 0)
		c->err = out_of_memory();
}

/*
 * Stamp every value of `v` (at c->path) with its clock on `s`, or with the
 * later of its clocks on `s` and `t` (when both sides have it).  Values
 * are the leaves: what the merge does not go into (not an object, not a
 * keyed array, or an empty one).
 */
static void stamp_values(mctx *c, const cJSON *v, const side *s, const side *t)
{
	keyed_set set;
	int keyed;

	if (!v || c->err)
		return;
	if (cJSON_IsObject(v) && v->child) {
		for (const cJSON *m = v->child; m && !c->err; m = m->next) {
			size_t saved = path_push(c, m->string);

			stamp_values(c, m, s, t);
			path_pop(c, saved);
		}
		return;
	}
	if (cJSON_IsArray(v) && v->child && (keyed = keyed_load(v, &set)) != 0) {
		const cJSON *el;

		if (keyed < 0) {
			c->err = out_of_memory();
			return;
		}
		free(set.els);
		cJSON_ArrayForEach(el, v)
		{
			size_t saved = path_push(c, id_of(el));

			stamp_values(c, el, s, t);
			path_pop(c, saved);
		}
		return;
	}
	if (t)
		stamp_here(c, clock_max(clock_at(s, path_of(c), c->path.size),
					clock_at(t, path_of(c), c->path.size)));
	else
		stamp_here(c, clock_at(s, path_of(c), c->path.size));
}

/* `v` of side `s` (and of `t` too, when not NULL) into the result, with its clocks. */
static cJSON *take(mctx *c, const cJSON *v, const side *s, const side *t)
{
	cJSON *d;

	if (!v || c->err)
		return NULL;
	if (!(d = cJSON_Duplicate(v, 1))) {
		c->err = out_of_memory();
		return NULL;
	}
	stamp_values(c, v, s, t);
	return d;
}

static cJSON *merge_value(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x);

static void merge_member(mctx *c, cJSON *out, const char *name, const cJSON *b,
			 const cJSON *a, const cJSON *x)
{
	size_t saved = path_push(c, name);
	cJSON *r = merge_value(c, cJSON_GetObjectItemCaseSensitive(b, name),
			       cJSON_GetObjectItemCaseSensitive(a, name),
			       cJSON_GetObjectItemCaseSensitive(x, name));

	path_pop(c, saved);
	if (r && !cJSON_AddItemToObject(out, name, r)) {
		cJSON_Delete(r);
		c->err = out_of_memory();
	}
}

/*
 * Objects member by member: A's members, then those only X has; a member
 * only the base has was removed on both sides.  At the top (`top`) the
 * reserved members are left out: they are merged on their own.
 */
static cJSON *merge_object(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x, bool top)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *m;

	if (!out) {
		c->err = out_of_memory();
		return NULL;
	}
	for (m = a->child; m && !c->err; m = m->next)
		if (!(top && sanshe_doc_reserved(m->string)))
			merge_member(c, out, m->string, b, a, x);
	for (m = x->child; m && !c->err; m = m->next)
		if (!(top && sanshe_doc_reserved(m->string)) &&
		    !cJSON_GetObjectItemCaseSensitive(a, m->string))
			merge_member(c, out, m->string, b, a, x);
	if (c->err) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* Does the element stay?  Not when one side removed it and the other left it as it was. */
static bool keyed_stays(const cJSON *b, const cJSON *a, const cJSON *x)
{
	if (!a && !x)
		return false;
	if (!x)
		return !sanshe_json_equal(b, a);
	if (!a)
		return !sanshe_json_equal(b, x);
	return true;
}

/* Do the arrays `p` and `q` list the same ids in the same order? */
static bool same_order(const cJSON *p, const cJSON *q)
{
	const cJSON *e, *f;

	if (!cJSON_IsArray(p) || !cJSON_IsArray(q))
		return false;
	for (e = p->child, f = q->child; e && f; e = e->next, f = f->next) {
		const cJSON *ie = cJSON_GetObjectItemCaseSensitive(e, "id");
		const cJSON *jf = cJSON_GetObjectItemCaseSensitive(f, "id");

		if (!cJSON_IsString(ie) || !cJSON_IsString(jf) ||
		    strcmp(ie->valuestring, jf->valuestring) != 0)
			return false;
	}
	return !e && !f;
}

/* The ids of `arr`, in its order, into `ids`. */
static size_t ids_of(const char **ids, const cJSON *arr)
{
	const cJSON *el;
	size_t n = 0;

	cJSON_ArrayForEach(el, arr)
		ids[n++] = id_of(el);
	return n;
}

/* Does an element of `other` that `mine` lacks stay (an edit against a removal)? */
static bool comes_back(const keyed_set *b, const keyed_set *mine, const keyed_set *other)
{
	for (size_t i = 0; i < other->n; i++)
		if (!keyed_find(mine, other->els[i].id) &&
		    keyed_stays(keyed_find(b, other->els[i].id), NULL, other->els[i].el))
			return true;
	return false;
}

/*
 * The order of the merged elements.  When one side kept the order of the
 * base (or both sides have the same), the other side's order, as long as
 * it has every element that stays; otherwise by id, so that the order
 * does not depend on which merges came first.
 */
static size_t keyed_order(const cJSON *ba, const keyed_set *b, const cJSON *aa,
			  const keyed_set *a, const cJSON *xa, const keyed_set *x, const char **ids)
{
	size_t n = 0, i = 0, j = 0;

	if ((same_order(aa, xa) || same_order(ba, xa)) && !comes_back(b, a, x)) {
		n = ids_of(ids, aa);
	} else if (same_order(ba, aa) && !comes_back(b, x, a)) {
		n = ids_of(ids, xa);
	} else {
		while (i < a->n || j < x->n) {
			int d = i == a->n ? 1 : j == x->n ? -1 : strcmp(a->els[i].id, x->els[j].id);

			ids[n++] = d <= 0 ? a->els[i].id : x->els[j].id;
			i += d <= 0;
			j += d >= 0;
		}
	}
	return n;
}

/* One element of the result, merged from its three versions. */
static void keyed_merge_el(mctx *c, cJSON *out, const char *id, const cJSON *b, const cJSON *a,
			   const cJSON *x)
{
	size_t saved = path_push(c, id);
	cJSON *r = merge_value(c, b, a, x);

	path_pop(c, saved);
	if (r && !cJSON_AddItemToArray(out, r)) {
		cJSON_Delete(r);
		c->err = out_of_memory();
	}
}

static cJSON *keyed_merge(mctx *c, const cJSON *ba, const keyed_set *b, const cJSON *aa,
			  const keyed_set *a, const cJSON *xa, const keyed_set *x)
{
	cJSON *out = cJSON_CreateArray();
	const char **ids = malloc((a->n + x->n + 1) * sizeof(*ids));
	size_t n;

	if (!out || !ids) {
		cJSON_Delete(out);
		free(ids);
		c->err = out_of_memory();
		return NULL;
	}
	n = keyed_order(ba, b, aa, a, xa, x, ids);
	for (size_t i = 0; i < n && !c->err; i++) {
		const cJSON *be = keyed_find(b, ids[i]), *ae = keyed_find(a, ids[i]);
		const cJSON *xe = keyed_find(x, ids[i]);

		if (keyed_stays(be, ae, xe))
			keyed_merge_el(c, out, ids[i], be, ae, xe);
	}
	free(ids);
	if (c->err) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* 1 and the merged array when `a` and `x` are both keyed; 0 when they are not. */
static int try_keyed(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x, cJSON **out)
{
	keyed_set bs = { 0 }, as = { 0 }, xs = { 0 };
	int ka = keyed_load(a, &as), kx = ka == 1 ? keyed_load(x, &xs) : 0;
	int kb = kx == 1 ? keyed_load(b, &bs) : 0;

	*out = NULL;
	if (ka < 0 || kx < 0 || kb < 0)
		c->err = out_of_memory();
	else if (ka == 1 && kx == 1)
		*out = keyed_merge(c, b, &bs, a, &as, x, &xs);
	free(as.els);
	free(xs.els);
	free(bs.els);
	return ka == 1 && kx == 1;
}

/* Is `v` an object or array with something in it? */
static bool filled(const cJSON *v)
{
	return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child;
}

/*
 * The heart of it.  Two objects, or two keyed arrays: member by member,
 * element by element.  Otherwise a value: the same on both sides, or
 * unchanged on one side, it is taken; changed differently on both, an edit
 * beats a removal (the removal recorded), and of two edits the one with
 * the later clock wins (the other recorded).
 */
static cJSON *merge_value(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x)
{
	const side *win;
	const cJSON *wv, *lv;
	const sanshe_merge_clock *ca, *cx;
	cJSON *out;
	int d;

	if (c->err)
		return NULL;
	if (cJSON_IsObject(a) && cJSON_IsObject(x) && (a->child || x->child))
		return merge_object(c, cJSON_IsObject(b) ? b : NULL, a, x, false);
	if ((filled(a) || filled(x)) && a && x && try_keyed(c, b, a, x, &out))
		return out;
	if (sanshe_json_equal(a, x))
		return take(c, a, c->a, c->x);
	if (sanshe_json_equal(b, x))
		return take(c, a, c->a, NULL);
	if (sanshe_json_equal(b, a))
		return take(c, x, c->x, NULL);
	ca = clock_within(c->a, path_of(c), c->path.size);
	cx = clock_within(c->x, path_of(c), c->path.size);
	if (!a || !x) { /* an edit against a removal: the edit stays */
		conflict(c, NULL, a ? cx : ca);
		return a ? take(c, a, c->a, NULL) : take(c, x, c->x, NULL);
	}
	d = sanshe_merge_clock_compare(ca, cx);
	win = d >= 0 ? c->a : c->x; /* a tie goes to A, the greater document */
	wv = win == c->a ? a : x;
	lv = win == c->a ? x : a;
	conflict(c, lv, win == c->a ? cx : ca);
	return take(c, wv, win, NULL);
}

/* ---- _conflicts: a three-way set of entries, in canonical order ---- */

typedef struct entry {
	char *text; /* canonical bytes: the entry's identity and its order */
	const cJSON *item;
} entry;

typedef struct entries {
	entry *e;
	size_t n;
} entries;

static int by_text(const void *p, const void *q)
{
	return strcmp(((const entry *)p)->text, ((const entry *)q)->text);
}

static void entries_free(entries *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].text);
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

/* The entries of the array `arr` (anything else: none), sorted. */
static int entries_load(const cJSON *arr, entries *s)
{
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	const cJSON *item;

	s->e = NULL;
	s->n = 0;
	if (!n)
		return 0;
	if (!(s->e = calloc((size_t)n, sizeof(*s->e))))
		return out_of_memory();
	cJSON_ArrayForEach(item, arr)
	{
		sanshe_buf text = SANSHE_BUF_INIT;
		int err = sanshe_canon_write(&text, item);

		if (err) {
			sanshe_buf_dispose(&text);
			entries_free(s);
			return err;
		}
		s->e[s->n].item = item;
		s->e[s->n++].text = sanshe_buf_detach(&text);
	}
	qsort(s->e, s->n, sizeof(*s->e), by_text);
	return 0;
}

static bool entries_has(const entries *s, const char *text)
{
	entry key = { (char *)text, NULL };

	return s->n && bsearch(&key, s->e, s->n, sizeof(key), by_text);
}

/* The path of a conflict entry, or NULL when it has none. */
static const char *entry_path(const cJSON *e)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");

	return cJSON_IsString(p) ? p->valuestring : NULL;
}

/*
 * Is every part of `v` in `now`: the same value, or for an object, each of
 * its members in the same member of `now` (so an object that was merged
 * into `now` member by member is in it).
 */
static bool within(const cJSON *v, const cJSON *now)
{
	if (!cJSON_IsObject(v) || !cJSON_IsObject(now))
		return sanshe_json_equal(v, now);
	for (const cJSON *m = v->child; m; m = m->next)
		if (!within(m, cJSON_GetObjectItemCaseSensitive(now, m->string)))
			return false;
	return true;
}

/*
 * Is entry `e` of `all` (the merged document `doc`'s) told by something
 * else?  Its value is in the document at its path (a removal: the
 * document has nothing there), or another entry records the same value at
 * the same path with a later clock.  Dropping those loses nothing, and
 * keeps the entries the same whichever merges came first.
 */
static bool entry_told(const cJSON *doc, const entries *all, size_t i)
{
	const cJSON *e = all->e[i].item, *v = cJSON_GetObjectItemCaseSensitive(e, "value");
	const char *path = entry_path(e);
	sanshe_merge_clock mine, other;

	if (!path)
		return false;
	if (*path) {
		const cJSON *now = sanshe_json_pointer_get(doc, path);

		if (v ? within(v, now) : !now)
			return true;
	}
	if (!clock_parse(e, &mine))
		return false;
	for (size_t j = 0; j < all->n; j++) {
		const cJSON *f = all->e[j].item;
		const char *fp = entry_path(f);

		if (j != i && fp && strcmp(fp, path) == 0 &&
		    sanshe_json_equal(v, cJSON_GetObjectItemCaseSensitive(f, "value")) &&
		    clock_parse(f, &other) && sanshe_merge_clock_compare(&other, &mine) > 0)
			return true;
	}
	return false;
}

/*
 * An entry stays when both sides have it, or one side has it and the base
 * did not (it is new there); one the base had and a side no longer has was
 * resolved.  The new entries of this merge join them, and those that the
 * merged document `doc` tells otherwise go.
 */
static int merge_conflicts(const cJSON *doc, const cJSON *b, const cJSON *a, const cJSON *x,
			   const cJSON *fresh, cJSON **out)
{
	entries bs = { 0 }, as = { 0 }, xs = { 0 }, fs = { 0 }, all = { 0 };
	cJSON *arr = NULL;
	size_t kept = 0;
	int err;

	*out = NULL;
	if ((err = entries_load(b, &bs)) != 0)
		return err;
	if ((err = entries_load(a, &as)) != 0 || (err = entries_load(x, &xs)) != 0 ||
	    (err = entries_load(fresh, &fs)) != 0)
		goto done;
	if (!(all.e = calloc(as.n + xs.n + fs.n + 1, sizeof(*all.e)))) {
		err = out_of_memory();
		goto done;
	}
	for (size_t i = 0; i < as.n; i++)
		if (entries_has(&xs, as.e[i].text) || !entries_has(&bs, as.e[i].text))
			all.e[all.n++] = as.e[i];
	for (size_t i = 0; i < xs.n; i++)
		if (!entries_has(&bs, xs.e[i].text) && !entries_has(&as, xs.e[i].text))
			all.e[all.n++] = xs.e[i];
	for (size_t i = 0; i < fs.n; i++)
		if (!entries_has(&as, fs.e[i].text) && !entries_has(&xs, fs.e[i].text))
			all.e[all.n++] = fs.e[i];
	qsort(all.e, all.n, sizeof(*all.e), by_text);
	for (size_t i = 0; i < all.n; i++)
		if (!(i && strcmp(all.e[kept - 1].text, all.e[i].text) == 0))
			all.e[kept++] = all.e[i];
	all.n = kept;
	if (all.n && !(arr = cJSON_CreateArray()))
		err = out_of_memory();
	for (size_t i = 0; !err && i < all.n; i++) {
		cJSON *d;

		if (entry_told(doc, &all, i))
			continue;
		if (!(d = cJSON_Duplicate(all.e[i].item, 1)) || !cJSON_AddItemToArray(arr, d)) {
			cJSON_Delete(d);
			err = out_of_memory();
		}
	}
	if (arr && !arr->child) {
		cJSON_Delete(arr);
		arr = NULL;
	}
	if (err)
		cJSON_Delete(arr);
	else
		*out = arr;
done:
	free(all.e); /* its texts belong to the other sets */
	entries_free(&bs);
	entries_free(&as);
	entries_free(&xs);
	entries_free(&fs);
	return err;
}

/* The record of `doc` without its reserved members. */
static cJSON *data_of(mctx *c, const cJSON *doc)
{
	cJSON *out = cJSON_Duplicate(doc, 1), *m, *next;

	if (!out) {
		c->err = out_of_memory();
		return NULL;
	}
	for (m = out->child; m; m = next) {
		next = m->next;
		if (sanshe_doc_reserved(m->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(out, m));
	}
	return out;
}

/* ---- whole documents ---- */

/* Is `s` ahead of `t`: by clock, then by blob id, so that the order is total. */
static bool ahead(const side *s, const side *t)
{
	int c = sanshe_merge_clock_compare(&s->clock, &t->clock);

	return c ? c > 0 : git_oid_cmp(&s->v->blob, &t->v->blob) > 0;
}

static bool signature_or_merge(const char *name)
{
	return strcmp(name, "_sig") == 0 || strcmp(name, "_merge") == 0;
}

/* Is every member of `p` but _sig and _merge in `q`, equal? */
static bool content_within(const cJSON *p, const cJSON *q)
{
	for (const cJSON *m = p->child; m; m = m->next)
		if (!signature_or_merge(m->string) &&
		    !sanshe_json_equal(m, cJSON_GetObjectItemCaseSensitive(q, m->string)))
			return false;
	return true;
}

/* The same content: equal but for _sig and _merge. */
static bool same_content(const cJSON *p, const cJSON *q)
{
	return content_within(p, q) && content_within(q, p);
}

/* The clocks of the result: those other than `clock`, sorted by path. */
static void clocks_settle(stamps *s, const sanshe_merge_clock *clock)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (sanshe_merge_clock_compare(&s->e[i].clock, clock) == 0)
			free(s->e[i].path);
		else
			s->e[kept++] = s->e[i];
	}
	s->n = kept;
	if (s->n)
		qsort(s->e, s->n, sizeof(*s->e), by_path);
}

/* Would side `s`, as it is, carry the clocks `clocks` (settled on `clock`)? */
static bool same_clocks(const side *s, const stamps *clocks, const sanshe_merge_clock *clock)
{
	if (sanshe_merge_clock_compare(&s->clock, clock) != 0 || s->fields.n != clocks->n)
		return false;
	for (size_t i = 0; i < clocks->n; i++)
		if (strcmp(s->fields.e[i].path, clocks->e[i].path) != 0 ||
		    sanshe_merge_clock_compare(&s->fields.e[i].clock, &clocks->e[i].clock) != 0)
			return false;
	return true;
}

static cJSON *clock_object(const sanshe_merge_clock *clock)
{
	char at[SANSHE_HLC_MAX];
	cJSON *o = cJSON_CreateObject();

	sanshe_hlc_format(at, clock->at);
	if (!o || !add_string(o, "at", at) || !add_string(o, "key", clock->key)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The clocks of `clocks` as the object of `_merge.fields` (path: {at, key}). */
static cJSON *fields_object(const stamps *clocks)
{
	cJSON *fields = cJSON_CreateObject();

	for (size_t i = 0; fields && i < clocks->n; i++) {
		cJSON *o = clock_object(&clocks->e[i].clock);

		if (!o || !cJSON_AddItemToObject(fields, clocks->e[i].path, o)) {
			cJSON_Delete(o);
			cJSON_Delete(fields);
			return NULL;
		}
	}
	return fields;
}

/* `_merge`: the two blob ids sorted, the later clock, the clocks of older values. */
static int add_merge(cJSON *doc, const git_oid *one, const git_oid *two,
		     const sanshe_merge_clock *clock, const stamps *clocks)
{
	char ids[2][GIT_OID_HEXSZ + 1];
	bool swap = git_oid_cmp(one, two) > 0;
	cJSON *m = clock_object(clock), *from;

	git_oid_tostr(ids[swap], sizeof(ids[0]), one);
	git_oid_tostr(ids[!swap], sizeof(ids[0]), two);
	if (m && (from = cJSON_AddArrayToObject(m, "from")) &&
	    cJSON_AddItemToArray(from, cJSON_CreateString(ids[0])) &&
	    cJSON_AddItemToArray(from, cJSON_CreateString(ids[1])) &&
	    (!clocks->n || cJSON_AddItemToObject(m, "fields", fields_object(clocks))) &&
	    cJSON_AddItemToObject(doc, "_merge", m))
		return 0;
	cJSON_Delete(m);
	return out_of_memory();
}

/*
 * Finish a merged document: its conflicts, then either one side as it is
 * (when the merge changed nothing of it, clocks included) or a new version
 * with `_merge`.
 */
static int finish(cJSON *merged, cJSON *conflicts, const side *a, const side *x,
		  const git_oid *from_a, const git_oid *from_x, stamps *clocks,
		  sanshe_merge_result *out)
{
	const sanshe_merge_clock *clock = clock_max(&a->clock, &x->clock);
	int err;

	if (conflicts && !cJSON_AddItemToObject(merged, "_conflicts", conflicts)) {
		cJSON_Delete(conflicts);
		cJSON_Delete(merged);
		return out_of_memory();
	}
	clocks_settle(clocks, clock);
	if (a->v->doc && same_content(merged, a->v->doc) && same_clocks(a, clocks, clock)) {
		out->outcome = a->as_is;
	} else if (x->v->doc && same_content(merged, x->v->doc) && same_clocks(x, clocks, clock)) {
		out->outcome = x->as_is;
	} else {
		if ((err = add_merge(merged, from_a, from_x, clock, clocks)) != 0) {
			cJSON_Delete(merged);
			return err;
		}
		out->outcome = SANSHE_MERGE_NEW;
		out->doc = merged;
		return 0;
	}
	out->conflicts = 0;
	cJSON_Delete(merged);
	return 0;
}

static int merge_fields(const sanshe_merge_version *base, const side *a, const side *x,
			sanshe_merge_result *out)
{
	const cJSON *b = base->doc, *ad = a->v->doc, *xd = x->v->doc;
	const cJSON *ca = cJSON_GetObjectItemCaseSensitive(ad, "_conflicts");
	const cJSON *cx = cJSON_GetObjectItemCaseSensitive(xd, "_conflicts");
	mctx c = { a, x, cJSON_CreateArray(), { 0 }, SANSHE_BUF_INIT, 0 };
	cJSON *merged = NULL, *conflicts = NULL;
	const git_oid *from_a = &a->v->blob, *from_x = &x->v->blob;
	int err;

	if (!c.conflicts)
		return out_of_memory();
	if (ad && xd) {
		merged = merge_object(&c, cJSON_IsObject(b) ? b : NULL, ad, xd, true);
	} else {
		/*
		 * One side removed the document, the other changed it: the change
		 * stays, with its conflicts (a removal resolves none of them).
		 */
		const side *kept = ad ? a : x, *gone = ad ? x : a;

		merged = data_of(&c, kept->v->doc);
		stamp_values(&c, merged, kept, NULL);
		conflict(&c, NULL, &gone->clock);
		ca = cx = cJSON_GetObjectItemCaseSensitive(kept->v->doc, "_conflicts");
		from_a = &kept->v->blob;
		from_x = &base->blob; /* the version that was removed */
	}
	out->conflicts = (size_t)cJSON_GetArraySize(c.conflicts);
	err = c.err;
	if (!err)
		err = merge_conflicts(merged, cJSON_GetObjectItemCaseSensitive(b, "_conflicts"), ca,
				      cx, c.conflicts, &conflicts);
	cJSON_Delete(c.conflicts);
	sanshe_buf_dispose(&c.path);
	if (!err)
		err = finish(merged, conflicts, a, x, from_a, from_x, &c.clocks, out);
	else
		cJSON_Delete(merged);
	stamps_free(&c.clocks);
	return err;
}

static bool same_version(const sanshe_merge_version *p, const sanshe_merge_version *q)
{
	if (!p->doc || !q->doc)
		return !p->doc && !q->doc;
	return git_oid_equal(&p->blob, &q->blob);
}

static sanshe_merge_outcome take_version(const sanshe_merge_version *v,
					 sanshe_merge_outcome as_is)
{
	return v->doc ? as_is : SANSHE_MERGE_ABSENT;
}

/*
 * Append-only: a union.  Two versions of one id are the same record only
 * when their content is the same (signed twice, say by two offices that
 * recorded it): the first signature stays.  Anything else is refused.
 */
static int merge_append_only(const sanshe_merge_version *ours, const sanshe_merge_version *theirs,
			     sanshe_merge_result *out)
{
	side o, t;
	char what[200], one[GIT_OID_HEXSZ + 1], two[GIT_OID_HEXSZ + 1];
	int err;

	if (!ours->doc || !theirs->doc || same_version(ours, theirs)) {
		out->outcome = ours->doc ? SANSHE_MERGE_OURS : take_version(theirs, SANSHE_MERGE_THEIRS);
		return 0;
	}
	if (same_content(ours->doc, theirs->doc)) {
		if ((err = side_init(&o, ours, SANSHE_MERGE_OURS)) != 0 ||
		    (err = side_init(&t, theirs, SANSHE_MERGE_THEIRS)) != 0) {
			stamps_free(&o.fields);
			return err;
		}
		out->outcome = ahead(&o, &t) ? SANSHE_MERGE_THEIRS : SANSHE_MERGE_OURS;
		stamps_free(&o.fields);
		stamps_free(&t.fields);
		return 0;
	}
	git_oid_tostr(one, sizeof(one), &ours->blob);
	git_oid_tostr(two, sizeof(two), &theirs->blob);
	if (git_oid_cmp(&ours->blob, &theirs->blob) > 0) {
		char tmp[sizeof(one)];

		memcpy(tmp, one, sizeof(tmp));
		memcpy(one, two, sizeof(one));
		memcpy(two, tmp, sizeof(two));
	}
	return sanshe_error_set(SANSHE_ECONFLICT,
				_("%s is written once, but there are two different "
				  "versions of it (blobs %s and %s): refusing to pick one"),
				sanshe_doc_describe(ours->doc, what, sizeof(what)), one, two);
}

int sanshe_merge_doc(const sanshe_type *type, const sanshe_merge_version *base,
		     const sanshe_merge_version *ours, const sanshe_merge_version *theirs,
		     sanshe_merge_result *out)
{
	side o, t;
	const side *a, *x;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	if (type->merge == SANSHE_MERGE_APPEND_ONLY)
		return merge_append_only(ours, theirs, out);
	if (same_version(ours, theirs) || same_version(base, theirs)) {
		out->outcome = take_version(ours, SANSHE_MERGE_OURS);
		return 0;
	}
	if (same_version(base, ours)) {
		out->outcome = take_version(theirs, SANSHE_MERGE_THEIRS);
		return 0;
	}
	if ((err = side_init(&o, ours, SANSHE_MERGE_OURS)) != 0 ||
	    (err = side_init(&t, theirs, SANSHE_MERGE_THEIRS)) != 0)
		goto done;
	a = ahead(&o, &t) ? &o : &t;
	x = a == &o ? &t : &o;
	if ((!a->v->doc || !x->v->doc) && type->merge != SANSHE_MERGE_FIELDS)
		out->outcome = (a->v->doc ? a : x)->as_is; /* a removal never wins */
	else
		err = merge_fields(base, a, x, out);
done:
	stamps_free(&o.fields);
	stamps_free(&t.fields);
	return err;
}

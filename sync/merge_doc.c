/*
 * The merge of one document's three versions (see merge.h).
 *
 * The two sides are named by who wins, not by where they come from: A has
 * the greater clock, X the other.  Every rule below is written in terms of
 * A and X, which is what makes the merge symmetric.
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

int sanshe_merge_clock_of(const cJSON *doc, sanshe_merge_clock *out)
{
	const cJSON *holder = cJSON_GetObjectItemCaseSensitive(doc, "_sig");
	const cJSON *at, *key;
	char what[200];

	if (!holder)
		holder = cJSON_GetObjectItemCaseSensitive(doc, "_merge");
	at = cJSON_GetObjectItemCaseSensitive(holder, "at");
	key = cJSON_GetObjectItemCaseSensitive(holder, "key");
	if (!cJSON_IsString(at) || !cJSON_IsString(key) ||
	    sanshe_hlc_parse(&out->at, at->valuestring) != 0 ||
	    strlen(key->valuestring) >= sizeof(out->key))
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: a version without a valid _sig or _merge clock"),
					sanshe_doc_describe(doc, what, sizeof(what)));
	strcpy(out->key, key->valuestring);
	return 0;
}

int sanshe_merge_clock_compare(const sanshe_merge_clock *a, const sanshe_merge_clock *b)
{
	int c = sanshe_hlc_compare(a->at, b->at);

	return c ? c : strcmp(a->key, b->key);
}

/* ---- the recursive merge of values ---- */

typedef struct mctx {
	const sanshe_merge_clock *a, *x; /* the winner's clock, the other's */
	cJSON *conflicts;		  /* the conflicts this merge records */
	sanshe_buf path;		  /* JSON pointer of the value at hand */
	int err;
} mctx;

static cJSON *copy(mctx *c, const cJSON *v)
{
	cJSON *d;

	if (!v || c->err)
		return NULL;
	if (!(d = cJSON_Duplicate(v, 1)))
		c->err = out_of_memory();
	return d;
}

static bool add_string(cJSON *obj, const char *name, const char *s)
{
	return cJSON_AddStringToObject(obj, name, s) != NULL;
}

/* Record that `value` (NULL: a removal) by the version of `clock` lost at c->path. */
static void conflict(mctx *c, const cJSON *value, const sanshe_merge_clock *clock)
{
	char at[SANSHE_HLC_MAX];
	cJSON *entry = cJSON_CreateObject(), *v = NULL;

	if (c->err)
		goto fail;
	sanshe_hlc_format(at, clock->at);
	if (!entry || !add_string(entry, "path", c->path.ptr ? c->path.ptr : "") ||
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

static cJSON *merge_value(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x);

/* Go one member (`name`) or element (`index`) down in c->path; path_pop comes back. */
static size_t path_push(mctx *c, const char *name, size_t index)
{
	size_t saved = c->path.size;

	if (!c->err && (name ? sanshe_json_pointer_push(&c->path, name)
			     : sanshe_json_pointer_push_index(&c->path, index)) != 0)
		c->err = out_of_memory();
	return saved;
}

static void path_pop(mctx *c, size_t saved)
{
	c->path.size = saved;
	if (c->path.ptr)
		c->path.ptr[saved] = '\0';
}

static void merge_member(mctx *c, cJSON *out, const char *name, const cJSON *b,
			 const cJSON *a, const cJSON *x)
{
	size_t saved = path_push(c, name, 0);
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

/* One element of the result, at `index`, merged from its three versions. */
static void keyed_merge_el(mctx *c, cJSON *out, size_t index, const cJSON *b,
			   const cJSON *a, const cJSON *x)
{
	size_t saved = path_push(c, NULL, index);
	cJSON *r = merge_value(c, b, a, x);

	path_pop(c, saved);
	if (r && !cJSON_AddItemToArray(out, r)) {
		cJSON_Delete(r);
		c->err = out_of_memory();
	}
}

/* A's elements that stay, in A's order, then those only X has, in X's order. */
static cJSON *keyed_merge(mctx *c, const keyed_set *b, const cJSON *aa, const keyed_set *a,
			  const cJSON *xa, const keyed_set *x)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *el;
	size_t index = 0;

	if (!out) {
		c->err = out_of_memory();
		return NULL;
	}
	cJSON_ArrayForEach(el, aa)
	{
		const char *id = cJSON_GetObjectItemCaseSensitive(el, "id")->valuestring;
		const cJSON *be = keyed_find(b, id), *xe = keyed_find(x, id);

		if (!c->err && keyed_stays(be, el, xe))
			keyed_merge_el(c, out, index++, be, el, xe);
	}
	cJSON_ArrayForEach(el, xa)
	{
		const char *id = cJSON_GetObjectItemCaseSensitive(el, "id")->valuestring;
		const cJSON *be = keyed_find(b, id);

		if (!c->err && !keyed_find(a, id) && keyed_stays(be, NULL, el))
			keyed_merge_el(c, out, index++, be, NULL, el);
	}
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
		*out = keyed_merge(c, &bs, a, &as, x, &xs);
	free(as.els);
	free(xs.els);
	free(bs.els);
	return ka == 1 && kx == 1;
}

/*
 * The heart of it.  Unchanged on a side: the other side's value.  Both
 * changed: objects member by member, keyed arrays element by element; an
 * edit beats a removal (the removal recorded); otherwise A's value, X's
 * recorded.
 */
static cJSON *merge_value(mctx *c, const cJSON *b, const cJSON *a, const cJSON *x)
{
	cJSON *out;

	if (c->err)
		return NULL;
	if (sanshe_json_equal(a, x) || sanshe_json_equal(b, x))
		return copy(c, a);
	if (sanshe_json_equal(b, a))
		return copy(c, x);
	if (cJSON_IsObject(a) && cJSON_IsObject(x))
		return merge_object(c, cJSON_IsObject(b) ? b : NULL, a, x, false);
	if (a && x && try_keyed(c, b, a, x, &out))
		return out;
	if (!a) {
		conflict(c, NULL, c->a);
		return copy(c, x);
	}
	conflict(c, x, c->x);
	return copy(c, a);
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

/*
 * An entry stays when both sides have it, or one side has it and the base
 * did not (it is new there); one the base had and a side no longer has was
 * resolved.  The new entries of this merge join them.
 */
static int merge_conflicts(const cJSON *b, const cJSON *a, const cJSON *x, const cJSON *fresh,
			   cJSON **out)
{
	entries bs = { 0 }, as = { 0 }, xs = { 0 }, fs = { 0 }, all = { 0 };
	cJSON *arr = NULL;
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
		if (!entries_has(&bs, xs.e[i].text))
			all.e[all.n++] = xs.e[i];
	for (size_t i = 0; i < fs.n; i++)
		all.e[all.n++] = fs.e[i];
	qsort(all.e, all.n, sizeof(*all.e), by_text);
	if (all.n && !(arr = cJSON_CreateArray()))
		err = out_of_memory();
	for (size_t i = 0; !err && i < all.n; i++) {
		cJSON *d;

		if (i && strcmp(all.e[i - 1].text, all.e[i].text) == 0)
			continue;
		if (!(d = cJSON_Duplicate(all.e[i].item, 1)) || !cJSON_AddItemToArray(arr, d)) {
			cJSON_Delete(d);
			err = out_of_memory();
		}
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
	cJSON *out = copy(c, doc), *m = out ? out->child : NULL, *next;

	for (; m; m = next) {
		next = m->next;
		if (sanshe_doc_reserved(m->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(out, m));
	}
	return out;
}

/* ---- whole documents ---- */

/* A side: its version and its clock. */
typedef struct side {
	const sanshe_merge_version *v;
	sanshe_merge_clock clock;
	sanshe_merge_outcome as_is; /* OURS or THEIRS */
} side;

static int side_init(side *s, const sanshe_merge_version *v, sanshe_merge_outcome as_is)
{
	s->v = v;
	s->as_is = as_is;
	if (v->doc)
		return sanshe_merge_clock_of(v->doc, &s->clock);
	s->clock = v->removed;
	return 0;
}

/* Is `s` ahead of `t`: by clock, then by blob id, so that the order is total. */
static bool ahead(const side *s, const side *t)
{
	int c = sanshe_merge_clock_compare(&s->clock, &t->clock);

	return c ? c > 0 : git_oid_cmp(&s->v->blob, &t->v->blob) > 0;
}

/* Same content as `doc`: every member but _sig and _merge equal. */
static bool same_content(const cJSON *merged, const cJSON *doc)
{
	size_t n = 0;

	for (const cJSON *m = doc->child; m; m = m->next) {
		if (strcmp(m->string, "_sig") == 0 || strcmp(m->string, "_merge") == 0)
			continue;
		n++;
		if (!sanshe_json_equal(m, cJSON_GetObjectItemCaseSensitive(merged, m->string)))
			return false;
	}
	return n == (size_t)cJSON_GetArraySize(merged);
}

/* `_merge`: the two blob ids sorted, and the winner's clock. */
static int add_merge(cJSON *doc, const git_oid *one, const git_oid *two,
		     const sanshe_merge_clock *clock)
{
	char ids[2][GIT_OID_HEXSZ + 1], at[SANSHE_HLC_MAX];
	bool swap = git_oid_cmp(one, two) > 0;
	cJSON *m = cJSON_CreateObject(), *from = cJSON_CreateArray();

	git_oid_tostr(ids[swap], sizeof(ids[0]), one);
	git_oid_tostr(ids[!swap], sizeof(ids[0]), two);
	sanshe_hlc_format(at, clock->at);
	if (!m || !from || !cJSON_AddItemToObject(m, "from", from)) {
		cJSON_Delete(m);
		cJSON_Delete(from);
		return out_of_memory();
	}
	if (!cJSON_AddItemToObject(doc, "_merge", m)) {
		cJSON_Delete(m);
		return out_of_memory();
	}
	if (!cJSON_AddItemToArray(from, cJSON_CreateString(ids[0])) ||
	    !cJSON_AddItemToArray(from, cJSON_CreateString(ids[1])) ||
	    !add_string(m, "at", at) || !add_string(m, "key", clock->key))
		return out_of_memory();
	return 0;
}

/*
 * Finish a merged document: its conflicts, then either one side as it is
 * (when the merge changed nothing of it) or a new version with `_merge`.
 */
static int finish(cJSON *merged, cJSON *conflicts, const side *a, const side *x,
		  const git_oid *from_a, const git_oid *from_x, sanshe_merge_result *out)
{
	if (conflicts && !cJSON_AddItemToObject(merged, "_conflicts", conflicts)) {
		cJSON_Delete(conflicts);
		cJSON_Delete(merged);
		return out_of_memory();
	}
	if (a->v->doc && same_content(merged, a->v->doc)) {
		out->outcome = a->as_is;
	} else if (x->v->doc && same_content(merged, x->v->doc)) {
		out->outcome = x->as_is;
	} else {
		int err = add_merge(merged, from_a, from_x, &a->clock);

		if (err) {
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
	mctx c = { &a->clock, &x->clock, cJSON_CreateArray(), SANSHE_BUF_INIT, 0 };
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
		conflict(&c, NULL, &gone->clock);
		ca = cx = cJSON_GetObjectItemCaseSensitive(kept->v->doc, "_conflicts");
		from_a = &kept->v->blob;
		from_x = &base->blob; /* the version that was removed */
	}
	out->conflicts = (size_t)cJSON_GetArraySize(c.conflicts);
	err = c.err;
	if (!err)
		err = merge_conflicts(cJSON_GetObjectItemCaseSensitive(b, "_conflicts"), ca, cx,
				      c.conflicts, &conflicts);
	cJSON_Delete(c.conflicts);
	sanshe_buf_dispose(&c.path);
	if (err) {
		cJSON_Delete(merged);
		return err;
	}
	return finish(merged, conflicts, a, x, from_a, from_x, out);
}

static bool same_version(const sanshe_merge_version *p, const sanshe_merge_version *q)
{
	if (!p->doc || !q->doc)
		return !p->doc && !q->doc;
	return git_oid_equal(&p->blob, &q->blob);
}

static sanshe_merge_outcome take(const sanshe_merge_version *v, sanshe_merge_outcome as_is)
{
	return v->doc ? as_is : SANSHE_MERGE_ABSENT;
}

int sanshe_merge_doc(const sanshe_type *type, const sanshe_merge_version *base,
		     const sanshe_merge_version *ours, const sanshe_merge_version *theirs,
		     sanshe_merge_result *out)
{
	side o, t;
	const side *a, *x;
	char what[200], one[GIT_OID_HEXSZ + 1], two[GIT_OID_HEXSZ + 1];
	int err;

	memset(out, 0, sizeof(*out));
	if (type->merge == SANSHE_MERGE_APPEND_ONLY && !ours->doc != !theirs->doc) {
		out->outcome = ours->doc ? SANSHE_MERGE_OURS : SANSHE_MERGE_THEIRS; /* a union */
		return 0;
	}
	if (same_version(ours, theirs) || same_version(base, theirs)) {
		out->outcome = take(ours, SANSHE_MERGE_OURS);
		return 0;
	}
	if (same_version(base, ours)) {
		out->outcome = take(theirs, SANSHE_MERGE_THEIRS);
		return 0;
	}
	if ((err = side_init(&o, ours, SANSHE_MERGE_OURS)) != 0 ||
	    (err = side_init(&t, theirs, SANSHE_MERGE_THEIRS)) != 0)
		return err;
	a = ahead(&o, &t) ? &o : &t;
	x = a == &o ? &t : &o;
	if (!a->v->doc || !x->v->doc) { /* a removal against a change */
		const side *kept = a->v->doc ? a : x;

		if (type->merge != SANSHE_MERGE_FIELDS) {
			out->outcome = kept->as_is; /* a removal never wins */
			return 0;
		}
		return merge_fields(base, a, x, out);
	}
	if (type->merge == SANSHE_MERGE_APPEND_ONLY) {
		git_oid_tostr(one, sizeof(one), &a->v->blob);
		git_oid_tostr(two, sizeof(two), &x->v->blob);
		return sanshe_error_set(SANSHE_ECONFLICT,
					_("%s is written once, but there are two different "
					  "versions of it (blobs %s and %s): refusing to pick one"),
					sanshe_doc_describe(a->v->doc, what, sizeof(what)), one, two);
	}
	return merge_fields(base, a, x, out);
}

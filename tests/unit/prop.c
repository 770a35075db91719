/* Property tests: seeds, random edits, and what edits wrote (see prop.h). */
#include "testutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "json.h"
#include "prop.h"

#define PROP_DEFAULT_SEED 0x73616e7368650001ULL
#define PROP_REACH_MAX 512
#define PROP_TOKEN_MAX 256

prop_run prop;

/* ---- runs and failures ---- */

static uint64_t env_number(const char *name, uint64_t fallback)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : fallback;
}

void prop_init(unsigned long runs)
{
	memset(&prop, 0, sizeof(prop));
	prop.seed = env_number("SANSHE_PROP_SEED", PROP_DEFAULT_SEED);
	prop.runs = (unsigned long)env_number("SANSHE_PROP_RUNS", runs);
	prop.only = getenv("SANSHE_PROP_SCENARIO") ? (long)env_number("SANSHE_PROP_SCENARIO", 0)
						   : -1;
	prop.strict = env_number("SANSHE_PROP_STRICT", 0) != 0;
	prop.known_last = -1;
}

void prop_each(void (*scenario)(unsigned long number))
{
	unsigned long first = prop.only >= 0 ? (unsigned long)prop.only : 0;
	unsigned long end = prop.only >= 0 ? first + 1 : prop.runs;

	for (prop.number = first; prop.number < end; prop.number++) {
		prop.doing[0] = '\0';
		scenario(prop.number);
	}
}

void prop_doing(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prop.doing, sizeof(prop.doing), fmt, ap);
	va_end(ap);
}

void prop_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: scenario %lu of seed 0x%016" PRIx64 ", %s:\n  ", file, line,
		prop.number, prop.seed, prop.doing);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nreplay: SANSHE_PROP_SEED=0x%016" PRIx64 " SANSHE_PROP_SCENARIO=%lu %s\n",
		prop.seed, prop.number, program_invocation_name);
	if (prop.dump)
		prop.dump();
	_fail(file, line);
}

void prop_known(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char text[20000];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (prop.strict)
		prop_fail(file, line, "%s", text);
	if (prop.known_last == (long)prop.number)
		return;
	prop.known_last = (long)prop.number;
	if (prop.known++ < 3)
		printf("# known gap in scenario %lu, %s: %.*s\n# replay: SANSHE_PROP_STRICT=1 "
		       "SANSHE_PROP_SEED=0x%016" PRIx64 " SANSHE_PROP_SCENARIO=%lu %s\n",
		       prop.number, prop.doing, (int)strcspn(text, "\n"), text, prop.seed, prop.number,
		       program_invocation_name);
}

void prop_known_report(void)
{
	if (prop.known)
		printf("# %lu scenarios ran into known gaps of the engine, counted, not failed "
		       "(SANSHE_PROP_STRICT=1 fails on them)\n",
		       prop.known);
}

/* ---- the generator ---- */

prop_rng prop_rng_for(unsigned long number)
{
	prop_rng r = { prop.seed ^ (number * 0xd1b54a32d192ed03ULL) };

	prop_next(&r);
	return r;
}

uint64_t prop_next(prop_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned prop_below(prop_rng *r, unsigned n)
{
	return (unsigned)(prop_next(r) % n);
}

bool prop_chance(prop_rng *r, unsigned percent)
{
	return prop_below(r, 100) < percent;
}

/* ---- JSON ---- */

cJSON *prop_must(cJSON *v)
{
	assert_non_null(v);
	return v;
}

cJSON *prop_example(const char *type)
{
	char path[128];
	cJSON *doc = NULL;

	snprintf(path, sizeof(path), "schemas/examples/%s.json", type);
	if (sanshe_json_parse_file(&doc, project_path(path)) != 0)
		fail_msg("%s", sanshe_error_last());
	return doc;
}

char *prop_canon(const cJSON *v)
{
	sanshe_buf text = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_canon_write(&text, v), 0);
	return sanshe_buf_detach(&text);
}

const cJSON *prop_get(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

const cJSON *prop_find_id(const cJSON *arr, const char *id)
{
	const cJSON *el;

	cJSON_ArrayForEach(el, arr)
	{
		const char *s = cJSON_GetStringValue(prop_get(el, "id"));

		if (s && strcmp(s, id) == 0)
			return el;
	}
	return NULL;
}

bool prop_keyed(const cJSON *v)
{
	const cJSON *el, *prev;

	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach(el, v)
	{
		const cJSON *id = prop_get(el, "id");

		if (!cJSON_IsObject(el) || !cJSON_IsString(id))
			return false;
		for (prev = v->child; prev != el; prev = prev->next)
			if (strcmp(prop_get(prev, "id")->valuestring, id->valuestring) == 0)
				return false;
	}
	return true;
}

bool prop_reserved(const char *name)
{
	return !strcmp(name, "_sig") || !strcmp(name, "_merge") || !strcmp(name, "_conflicts");
}

/* Is every member of `p` but _sig and _merge in `q`, equal? */
static bool record_within(const cJSON *p, const cJSON *q)
{
	for (const cJSON *m = p->child; m; m = m->next)
		if (strcmp(m->string, "_sig") && strcmp(m->string, "_merge") &&
		    !sanshe_json_equal(m, prop_get(q, m->string)))
			return false;
	return true;
}

bool prop_same_record(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return !a && !b;
	return record_within(a, b) && record_within(b, a);
}

/* ---- random values ---- */

/* New member names; '/' and '~' exercise the escapes of conflict paths. */
static const char *const names[] = { "note", "extra", "a/b", "x~y", "标签", "n1", "n2", "deep" };

static cJSON *random_scalar(prop_rng *r)
{
	char s[32];

	switch (prop_below(r, 8)) {
	case 0:
	case 1:
	case 2:
		snprintf(s, sizeof(s), "v%08x", (unsigned)prop_next(r));
		return cJSON_CreateString(s);
	case 3:
		snprintf(s, sizeof(s), "值%u", prop_below(r, 1000));
		return cJSON_CreateString(s);
	case 4:
		return cJSON_CreateNumber((double)prop_below(r, 200000) - 1000);
	case 5:
		return cJSON_CreateNumber(prop_below(r, 4000) / 8.0);
	case 6:
		return cJSON_CreateBool(prop_chance(r, 50));
	default:
		return cJSON_CreateNull();
	}
}

static cJSON *random_value(prop_rng *r, int depth);

/* Never an "id" member: random arrays of objects are not keyed. */
static cJSON *random_object(prop_rng *r, int depth)
{
	cJSON *obj = prop_must(cJSON_CreateObject());

	for (unsigned i = prop_below(r, 4); i > 0; i--) {
		const char *name = names[prop_below(r, SANSHE_ARRAY_SIZE(names))];

		if (!prop_get(obj, name))
			cJSON_AddItemToObject(obj, name, random_value(r, depth + 1));
	}
	return obj;
}

/* Never empty: an empty array is keyed, and would merge as a set. */
static cJSON *random_array(prop_rng *r, int depth)
{
	cJSON *arr = prop_must(cJSON_CreateArray());

	for (unsigned i = 1 + prop_below(r, 3); i > 0; i--)
		cJSON_AddItemToArray(arr, prop_must(prop_chance(r, 70) ? random_scalar(r)
								       : random_object(r, depth + 1)));
	return arr;
}

static cJSON *random_value(prop_rng *r, int depth)
{
	unsigned k = prop_below(r, 10);

	if (depth >= 2 || k < 6)
		return prop_must(random_scalar(r));
	return k < 8 ? random_object(r, depth) : random_array(r, depth);
}

/* ---- random edits ---- */

/* What edits can reach: members and their owners, objects, keyed arrays. */
typedef struct reach {
	cJSON *owner[PROP_REACH_MAX], *member[PROP_REACH_MAX];
	cJSON *object[PROP_REACH_MAX], *keyed[PROP_REACH_MAX];
	size_t members, objects, keyeds;
} reach;

static bool out_of_reach(const char *name, bool top, bool element)
{
	if (top)
		return prop_reserved(name) || !strcmp(name, "type") || !strcmp(name, "id");
	return element && !strcmp(name, "id");
}

static void walk(reach *rc, cJSON *obj, bool top, bool element)
{
	cJSON *m, *el;

	if (rc->objects < PROP_REACH_MAX)
		rc->object[rc->objects++] = obj;
	cJSON_ArrayForEach(m, obj)
	{
		if (out_of_reach(m->string, top, element))
			continue;
		if (rc->members < PROP_REACH_MAX) {
			rc->owner[rc->members] = obj;
			rc->member[rc->members++] = m;
		}
		if (cJSON_IsObject(m)) {
			walk(rc, m, false, false);
		} else if (prop_keyed(m)) {
			if (rc->keyeds < PROP_REACH_MAX)
				rc->keyed[rc->keyeds++] = m;
			cJSON_ArrayForEach(el, m) walk(rc, el, false, true);
		}
	}
}

static void edit_add(prop_rng *r, reach *rc)
{
	cJSON *obj = rc->object[prop_below(r, (unsigned)rc->objects)];
	const char *name = names[prop_below(r, SANSHE_ARRAY_SIZE(names))];

	if (prop_get(obj, name))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, name, random_value(r, 0));
	else
		cJSON_AddItemToObject(obj, name, random_value(r, 0));
}

static void edit_set(prop_rng *r, reach *rc)
{
	size_t i;

	if (!rc->members)
		return edit_add(r, rc);
	i = prop_below(r, (unsigned)rc->members);
	cJSON_ReplaceItemInObjectCaseSensitive(rc->owner[i], rc->member[i]->string,
					       random_value(r, 0));
}

static void edit_remove(prop_rng *r, reach *rc)
{
	size_t i;

	if (!rc->members)
		return edit_add(r, rc);
	i = prop_below(r, (unsigned)rc->members);
	cJSON_Delete(cJSON_DetachItemViaPointer(rc->owner[i], rc->member[i]));
}

/* A new element: a sibling's copy, one member changed, or a random one. */
static void element_add(prop_rng *r, reach *rc)
{
	cJSON *arr, *el;
	char id[16];

	if (!rc->keyeds)
		return edit_set(r, rc);
	arr = rc->keyed[prop_below(r, (unsigned)rc->keyeds)];
	snprintf(id, sizeof(id), "new-%u", 1 + prop_below(r, 4));
	if (prop_find_id(arr, id))
		return;
	if (arr->child && prop_chance(r, 80)) {
		reach sub = { 0 };

		el = prop_must(cJSON_Duplicate(cJSON_GetArrayItem(arr, (int)prop_below(
						       r, (unsigned)cJSON_GetArraySize(arr))), 1));
		cJSON_ReplaceItemInObjectCaseSensitive(el, "id", prop_must(cJSON_CreateString(id)));
		walk(&sub, el, false, true);
		edit_set(r, &sub);
	} else {
		el = random_object(r, 1);
		prop_must(cJSON_AddStringToObject(el, "id", id));
	}
	cJSON_AddItemToArray(arr, el);
}

static void element_remove(prop_rng *r, reach *rc)
{
	cJSON *arr;

	if (!rc->keyeds)
		return edit_remove(r, rc);
	arr = rc->keyed[prop_below(r, (unsigned)rc->keyeds)];
	if (arr->child)
		cJSON_DeleteItemFromArray(arr, (int)prop_below(r, (unsigned)cJSON_GetArraySize(arr)));
}

void prop_edit(prop_rng *r, cJSON *doc)
{
	static reach rc; /* 16 kB: not on the stack */
	unsigned k = prop_below(r, 100);

	memset(&rc, 0, sizeof(rc));
	walk(&rc, doc, true, false);
	if (k < 35)
		edit_set(r, &rc);
	else if (k < 55)
		edit_remove(r, &rc);
	else if (k < 75)
		edit_add(r, &rc);
	else if (k < 90)
		element_add(r, &rc);
	else
		element_remove(r, &rc);
}

/* ---- writes ---- */

static void add_write(prop_writes *ws, int by, prop_write_kind kind, const cJSON *value,
		      const prop_step *path, size_t depth)
{
	prop_write *w;

	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? 2 * ws->cap : 64;
		assert_non_null(ws->w = realloc(ws->w, ws->cap * sizeof(*ws->w)));
	}
	w = &ws->w[ws->n++];
	w->kind = kind;
	w->value = value;
	w->by = by;
	w->depth = depth;
	memcpy(w->path, path, depth * sizeof(*path));
}

static void diff(prop_writes *ws, int by, prop_step *path, size_t depth, const cJSON *b,
		 const cJSON *r);

/* The step to `child` of an object (its name) or of a keyed array (its id). */
static prop_step step_to(const cJSON *child, bool keyed)
{
	return (prop_step){ keyed ? prop_get(child, "id")->valuestring : child->string, keyed };
}

/* The child of `v` that step `s` leads to. */
static const cJSON *child_at(const cJSON *v, prop_step s)
{
	if (s.id)
		return cJSON_IsArray(v) ? prop_find_id(v, s.name) : NULL;
	return cJSON_IsObject(v) ? prop_get(v, s.name) : NULL;
}

/*
 * An object member by member, a keyed array element by element (against
 * nothing when `b` is not one too).  The top's reserved members are not
 * the record's.
 */
static void diff_children(prop_writes *ws, int by, prop_step *path, size_t depth,
			  const cJSON *b, const cJSON *r, bool keyed)
{
	const cJSON *m;

	if (keyed ? !prop_keyed(b) : !cJSON_IsObject(b)) {
		add_write(ws, by, PROP_SHAPE, r, path, depth);
		b = NULL;
	}
	assert_true(depth < PROP_PATH_MAX);
	cJSON_ArrayForEach(m, r)
	{
		path[depth] = step_to(m, keyed);
		if (depth || !prop_reserved(m->string))
			diff(ws, by, path, depth + 1, child_at(b, path[depth]), m);
	}
	cJSON_ArrayForEach(m, b)
	{
		path[depth] = step_to(m, keyed);
		if ((depth || !prop_reserved(m->string)) && !child_at(r, path[depth]))
			add_write(ws, by, PROP_REMOVED, NULL, path, depth + 1);
	}
}

static void diff(prop_writes *ws, int by, prop_step *path, size_t depth, const cJSON *b,
		 const cJSON *r)
{
	if (!r) {
		if (b)
			add_write(ws, by, PROP_REMOVED, NULL, path, depth);
	} else if (b && sanshe_json_equal(b, r)) {
		return;
	} else if (cJSON_IsObject(r) || prop_keyed(r)) {
		diff_children(ws, by, path, depth, b, r, !cJSON_IsObject(r));
	} else {
		add_write(ws, by, PROP_VALUE, r, path, depth);
	}
}

void prop_diff(prop_writes *out, int by, const cJSON *before, const cJSON *after)
{
	prop_step path[PROP_PATH_MAX];

	diff(out, by, path, 0, before, after);
}

void prop_writes_free(prop_writes *ws)
{
	free(ws->w);
	memset(ws, 0, sizeof(*ws));
}

const char *prop_path_text(const prop_write *w)
{
	static char text[1024];
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < w->depth && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					w->path[i].id ? "/[%s]" : "/%s", w->path[i].name);
	return text;
}

bool prop_path_within(const prop_write *outer, const prop_write *inner)
{
	if (outer->depth > inner->depth)
		return false;
	for (size_t i = 0; i < outer->depth; i++)
		if (outer->path[i].id != inner->path[i].id ||
		    strcmp(outer->path[i].name, inner->path[i].name) != 0)
			return false;
	return true;
}

bool prop_compatible(const prop_write *v, const prop_write *w)
{
	size_t k = 0, min = v->depth < w->depth ? v->depth : w->depth;

	while (k < min && v->path[k].id == w->path[k].id && !strcmp(v->path[k].name, w->path[k].name))
		k++;
	if (k < min)
		return true;
	if (v->depth != w->depth) {
		const prop_write *outer = v->depth < w->depth ? v : w, *inner = outer == v ? w : v;

		return outer->kind == PROP_SHAPE && cJSON_IsObject(outer->value) == !inner->path[k].id;
	}
	if (v->kind != w->kind)
		return false;
	if (v->kind == PROP_VALUE)
		return sanshe_json_equal(v->value, w->value);
	return v->kind == PROP_REMOVED || cJSON_IsObject(v->value) == cJSON_IsObject(w->value);
}

/* ---- is a write still there? ---- */

const cJSON *prop_resolve(const cJSON *v, const prop_step *path, size_t depth)
{
	for (size_t i = 0; i < depth && v; i++)
		v = child_at(v, path[i]);
	return v;
}

bool prop_write_matches(const prop_write *w, const cJSON *v)
{
	switch (w->kind) {
	case PROP_VALUE:
		return v && sanshe_json_equal(v, w->value);
	case PROP_SHAPE:
		return v && (cJSON_IsObject(w->value) ? cJSON_IsObject(v) : prop_keyed(v));
	default:
		return !v;
	}
}

/* The token of JSON pointer `ptr` (at its '/'), unescaped; returns what follows it. */
static const char *next_token(const char *ptr, char token[PROP_TOKEN_MAX])
{
	size_t len = 0;

	for (ptr++; *ptr && *ptr != '/'; ptr++) {
		char ch = *ptr;

		if (ch == '~' && ptr[1])
			ch = *++ptr == '1' ? '/' : '~';
		if (len + 1 < PROP_TOKEN_MAX)
			token[len++] = ch;
	}
	token[len] = '\0';
	return ptr;
}

/* How many steps of `w`'s path the pointer `ptr` names (ids name elements), or -1. */
static int pointer_prefix(const char *ptr, const prop_write *w)
{
	char token[PROP_TOKEN_MAX];
	size_t k;

	for (k = 0; *ptr == '/'; k++) {
		ptr = next_token(ptr, token);
		if (k >= w->depth || strcmp(token, w->path[k].name) != 0)
			return -1;
	}
	return *ptr ? -1 : (int)k;
}

bool prop_pointer_steps(const cJSON *doc, const char *ptr, prop_step *path, size_t *depth)
{
	char token[PROP_TOKEN_MAX];
	const cJSON *node = doc;

	for (*depth = 0; *ptr == '/' && *depth < PROP_PATH_MAX; (*depth)++) {
		ptr = next_token(ptr, token);
		if (cJSON_IsArray(node)) {
			if (!(node = prop_find_id(node, token)))
				return false;
			path[*depth] = (prop_step){ prop_get(node, "id")->valuestring, true };
		} else {
			if (!cJSON_IsObject(node) || !(node = prop_get(node, token)))
				return false;
			path[*depth] = (prop_step){ node->string, false };
		}
	}
	return !*ptr;
}

/* Is `w` in conflict entry `e`: at its path, or inside the value recorded for a parent? */
static bool in_conflict(const prop_write *w, const cJSON *e)
{
	const cJSON *path = prop_get(e, "path"), *value = prop_get(e, "value"), *parent;
	int k = cJSON_IsString(path) ? pointer_prefix(path->valuestring, w) : -1;
	const prop_step *rest;
	size_t left;

	if (k < 0)
		return false;
	rest = w->path + k;
	left = w->depth - (size_t)k;
	if (w->kind != PROP_REMOVED)
		return value && prop_write_matches(w, prop_resolve(value, rest, left));
	if (!left)
		return !value;
	/* a removal inside a recorded value: its parent is there, without it */
	parent = value ? prop_resolve(value, rest, left - 1) : NULL;
	return parent && (rest[left - 1].id ? cJSON_IsArray(parent) : cJSON_IsObject(parent)) &&
	       !prop_resolve(parent, rest + left - 1, 1);
}

bool prop_write_kept(const prop_write *w, const cJSON *doc)
{
	const cJSON *e;

	if (prop_write_matches(w, prop_resolve(doc, w->path, w->depth)))
		return true;
	cJSON_ArrayForEach(e, prop_get(doc, "_conflicts"))
	{
		if (in_conflict(w, e))
			return true;
	}
	return false;
}

/* ---- what a merge must keep ---- */

/*
 * Every write of the writers in `mask` is kept.  A lost removal is a known
 * gap: a removal's conflict entry is dropped while the document has nothing
 * there, and nothing records it when a later merge brings the path back.
 */
static void check_kept(const prop_writes *ws, const cJSON *doc, unsigned mask)
{
	static const char *const kinds[] = { "value", "object or keyed array", "removal" };

	for (size_t i = 0; i < ws->n; i++) {
		const prop_write *w = &ws->w[i];
		char *value, *text;

		if (!(mask & 1u << w->by) || prop_write_kept(w, doc))
			continue;
		value = w->kind == PROP_VALUE ? prop_canon(w->value) : NULL;
		text = doc ? prop_canon(doc) : NULL;
		if (w->kind == PROP_REMOVED)
			prop_known(__FILE__, __LINE__, "the removal of replica %d at %s is lost\n"
				   "  result: %s", w->by, prop_path_text(w), text ? text : "(none)");
		else
			prop_fail(__FILE__, __LINE__, "the %s %s of replica %d at %s is lost\n"
				  "  result: %s", kinds[w->kind], value ? value : "", w->by,
				  prop_path_text(w), text ? text : "(none)");
		free(value);
		free(text);
	}
}

/* Did the writers in `mask` write nothing that conflicts? */
static bool all_compatible(const prop_writes *ws, unsigned mask)
{
	for (size_t i = 0; i < ws->n; i++)
		for (size_t j = i + 1; j < ws->n; j++)
			if (ws->w[i].by != ws->w[j].by && (mask & 1u << ws->w[i].by) &&
			    (mask & 1u << ws->w[j].by) && !prop_compatible(&ws->w[i], &ws->w[j]))
				return false;
	return true;
}

void prop_check_merged(const prop_writes *ws, const cJSON *doc, unsigned mask)
{
	check_kept(ws, doc, mask);
	if (!all_compatible(ws, mask))
		return;
	PROP_CHECK(!prop_get(doc, "_conflicts"), "compatible edits, and conflicts");
	for (size_t i = 0; i < ws->n; i++) {
		const prop_write *w = &ws->w[i];

		PROP_CHECK(!(mask & 1u << w->by) ||
				   prop_write_matches(w, prop_resolve(doc, w->path, w->depth)),
			   "compatible edits, and replica %d's write at %s is not there", w->by,
			   prop_path_text(w));
	}
}

void prop_check_edit_wins(const prop_writes *ws, const cJSON *doc, int gone, int kept)
{
	for (size_t i = 0; i < ws->n; i++) {
		const prop_write *g = &ws->w[i];

		for (size_t j = 0; j < ws->n && g->by == gone && g->kind == PROP_REMOVED; j++) {
			const prop_write *e = &ws->w[j];

			if (e->by != kept || !prop_path_within(g, e) ||
			    (e->kind == PROP_REMOVED && e->depth == g->depth))
				continue;
			PROP_CHECK(prop_resolve(doc, g->path, g->depth),
				   "replica %d removed %s, replica %d changed it, and it is gone",
				   gone, prop_path_text(g), kept);
		}
	}
}

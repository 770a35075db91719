/*
 * Small helpers over cJSON trees shared by the modules that read documents:
 * counting code points, building and following RFC 6901 pointers, and
 * comparing values as JSON (objects unordered, numbers by value).  The parser itself lives in
 * json.c.
 */
#include "common.h"

#include <stdint.h>
#include <string.h>

#include "json.h"

size_t sanshe_utf8_prefix(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1), lead;

	if (len <= max)
		return len;
	/* back to the start of the character at max: it would be cut */
	lead = max;
	while (lead > 0 && ((unsigned char)s[lead] & 0xC0) == 0x80)
		lead--;
	return lead;
}

size_t sanshe_utf8_length(const char *s)
{
	size_t n = 0;

	/* Every code point has exactly one byte that is not 10xxxxxx. */
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int sanshe_json_pointer_push(sanshe_buf *pointer, const char *token)
{
	const char *p;
	size_t run;
	int err;

	if ((err = sanshe_buf_putc(pointer, '/')) != 0)
		return err;
	for (p = token; *p; p += run) {
		run = strcspn(p, "~/");
		if (run == 0) {
			err = sanshe_buf_puts(pointer, *p == '~' ? "~0" : "~1");
			run = 1;
		} else {
			err = sanshe_buf_put(pointer, p, run);
		}
		if (err)
			return err;
	}
	return 0;
}

int sanshe_json_pointer_push_index(sanshe_buf *pointer, size_t index)
{
	return sanshe_buf_printf(pointer, "/%zu", index);
}

/*
 * The reference token that starts at `*p` (on its '/'), unescaped into
 * `token`; `*p` moves to the '/' of the next one or to the end.
 * SANSHE_EINVALID for a '~' followed by neither '0' nor '1'.
 */
static int next_token(const char **p, sanshe_buf *token)
{
	const char *s = *p + 1;
	int err = 0;

	sanshe_buf_clear(token);
	for (; !err && *s && *s != '/'; s++) {
		char c = *s;

		if (c == '~') {
			if (s[1] != '0' && s[1] != '1')
				return SANSHE_EINVALID;
			c = *++s == '0' ? '~' : '/';
		}
		err = sanshe_buf_putc(token, c);
	}
	*p = s;
	return err;
}

static const char *token_text(const sanshe_buf *token)
{
	return token->ptr ? token->ptr : "";
}

/* An array index: digits, no leading zero (so "-" and "01" are none). */
static int array_index(const char *token, size_t *out)
{
	size_t i = 0;

	if (!*token || (token[0] == '0' && token[1]))
		return 0;
	for (const char *c = token; *c; c++) {
		if (*c < '0' || *c > '9' || i > (SIZE_MAX - 9) / 10)
			return 0;
		i = i * 10 + (size_t)(*c - '0');
	}
	*out = i;
	return 1;
}

/* The element of the array `v` that is an object whose "id" is `token`, or NULL. */
static cJSON *element_by_id(const cJSON *v, const char *token)
{
	cJSON *el;

	cJSON_ArrayForEach(el, v)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(el, "id");

		if (cJSON_IsString(id) && strcmp(id->valuestring, token) == 0)
			return el;
	}
	return NULL;
}

/*
 * The member or element of `v` that `token` names, or NULL.  In an array
 * the token names the record whose id it is, or else the element at that
 * index: the merge names records by id, which stays true when elements
 * are added or removed before them.
 */
static cJSON *child(const cJSON *v, const char *token)
{
	cJSON *el;
	size_t i;

	if (cJSON_IsObject(v))
		return cJSON_GetObjectItemCaseSensitive(v, token);
	if (!cJSON_IsArray(v))
		return NULL;
	if ((el = element_by_id(v, token)) != NULL)
		return el;
	if (array_index(token, &i) && i < (size_t)cJSON_GetArraySize(v))
		return cJSON_GetArrayItem(v, (int)i);
	return NULL;
}

/*
 * Follow a pointer that is not "" to what holds its last token: `*holder`
 * receives that value and `last` the token.  SANSHE_ENOTFOUND when the way
 * breaks off before, SANSHE_EINVALID when `pointer` is not a pointer.
 */
static int walk(const cJSON *root, const char *pointer, cJSON **holder, sanshe_buf *last)
{
	const cJSON *v = root;
	const char *p = pointer;
	int err;

	*holder = NULL;
	if (*p != '/')
		return SANSHE_EINVALID;
	while ((err = next_token(&p, last)) == 0 && *p)
		if (!(v = child(v, token_text(last))))
			return SANSHE_ENOTFOUND;
	if (!err)
		*holder = (cJSON *)v;
	return err;
}

cJSON *sanshe_json_pointer_get(const cJSON *root, const char *pointer)
{
	sanshe_buf last = SANSHE_BUF_INIT;
	cJSON *holder, *v = NULL;

	if (!*pointer)
		return (cJSON *)root;
	if (walk(root, pointer, &holder, &last) == 0)
		v = child(holder, token_text(&last));
	sanshe_buf_dispose(&last);
	return v;
}

/* The message of a failed set or remove at `pointer`. */
static int pointer_error(int err, const char *pointer)
{
	if (err == SANSHE_EINVALID && !*pointer)
		return sanshe_error_set(err, "%s", _("the pointer '' names the whole document, "
						     "which cannot be replaced or removed in place"));
	if (err == SANSHE_EINVALID)
		return sanshe_error_set(err, _("'%s' is not a JSON pointer"), pointer);
	if (err == SANSHE_ENOTFOUND)
		return sanshe_error_set(err, _("there is nothing at '%s'"), pointer);
	return sanshe_error_set(err, "%s", _("out of memory"));
}

/* Put `value` as the member or element `name` of `holder`. */
static int put_in(cJSON *holder, const char *name, cJSON *value)
{
	cJSON *old;

	if (cJSON_IsObject(holder) && cJSON_GetObjectItemCaseSensitive(holder, name))
		return cJSON_ReplaceItemInObjectCaseSensitive(holder, name, value) ? 0 : SANSHE_ENOMEM;
	if (cJSON_IsObject(holder))
		return cJSON_AddItemToObject(holder, name, value) ? 0 : SANSHE_ENOMEM;
	if (cJSON_IsArray(holder) && (old = child(holder, name)) != NULL)
		return cJSON_ReplaceItemViaPointer(holder, old, value) ? 0 : SANSHE_ENOMEM;
	return SANSHE_ENOTFOUND;
}

int sanshe_json_pointer_set(cJSON *root, const char *pointer, cJSON *value)
{
	sanshe_buf last = SANSHE_BUF_INIT;
	cJSON *holder;
	int err = *pointer ? walk(root, pointer, &holder, &last) : SANSHE_EINVALID;

	if (!err)
		err = put_in(holder, token_text(&last), value);
	if (err == SANSHE_ENOTFOUND) {
		cJSON_Delete(value);
		sanshe_error_set(err, _("cannot put a value at '%s': what would hold it is not "
					"there"), pointer);
	} else if (err) {
		cJSON_Delete(value);
		pointer_error(err, pointer);
	}
	sanshe_buf_dispose(&last);
	return err;
}

int sanshe_json_pointer_remove(cJSON *root, const char *pointer)
{
	sanshe_buf last = SANSHE_BUF_INIT;
	cJSON *holder, *v = NULL;
	int err = *pointer ? walk(root, pointer, &holder, &last) : SANSHE_EINVALID;

	if (!err && !(v = child(holder, token_text(&last))))
		err = SANSHE_ENOTFOUND;
	if (!err)
		cJSON_Delete(cJSON_DetachItemViaPointer(holder, v));
	else
		pointer_error(err, pointer);
	sanshe_buf_dispose(&last);
	return err;
}

static int json_type(const cJSON *v)
{
	return v->type & 0xFF;
}

static int array_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a->child, *y = b->child;

	for (; x && y; x = x->next, y = y->next)
		if (!sanshe_json_equal(x, y))
			return 0;
	return !x && !y;
}

/* Is every member of `a` in `b` with an equal value? */
static int members_within(const cJSON *a, const cJSON *b)
{
	const cJSON *m, *other;

	for (m = a->child; m; m = m->next) {
		if (!m->string)
			return 0;
		other = cJSON_GetObjectItemCaseSensitive(b, m->string);
		if (!other || !sanshe_json_equal(m, other))
			return 0;
	}
	return 1;
}

/*
 * Checking both directions, and not only the sizes, keeps a tree with a
 * repeated key (which a lenient parser can build) from comparing equal to
 * one with a different key.
 */
static int object_equal(const cJSON *a, const cJSON *b)
{
	if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return 0;
	return members_within(a, b) && members_within(b, a);
}

int sanshe_json_equal(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if (json_type(a) != json_type(b))
		return 0;
	switch (json_type(a)) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return a->valuestring && b->valuestring &&
		       strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		return array_equal(a, b);
	case cJSON_Object:
		return object_equal(a, b);
	default: /* null, true, false: the type says it all */
		return 1;
	}
}

/*
 * Small helpers over cJSON trees shared by the modules that read documents:
 * counting code points, building RFC 6901 pointers, and comparing values as
 * JSON (objects unordered, numbers by value).  The parser itself lives in
 * json.c.
 */
#include "common.h"

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

/*
 * RFC 8785 serialization over a cJSON tree.  Numbers: the shortest digits
 * that read back exactly (tried with printf's correctly rounded "%.*e" and,
 * at binade edges, the neighbouring digit strings), then laid out the way
 * ECMAScript's Number::toString does.
 */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

#define CANON_MAX_DEPTH 1000

/* Decimal digits of a double: value = 0.d1d2...dk × 10^point. */
typedef struct decimal {
	char digits[20];
	int count;
	int point;
} decimal;

/* Add `delta` (+1 or -1) to the last digit of d, carrying; 0 if impossible. */
static int decimal_step(decimal *d, int delta)
{
	int i = d->count - 1;

	while (i >= 0) {
		int v = d->digits[i] - '0' + delta;

		if (v >= 0 && v <= 9) {
			d->digits[i] = (char)('0' + v);
			break;
		}
		d->digits[i] = delta > 0 ? '0' : '9';
		i--;
	}
	return i >= 0 && d->digits[0] != '0';
}

static double decimal_value(const decimal *d)
{
	char text[48];

	snprintf(text, sizeof(text), "0.%.*se%d", d->count, d->digits, d->point);
	return strtod(text, NULL);
}

/* The correctly rounded `precision`-digit decimal of x (> 0). */
static void decimal_round(decimal *d, double x, int precision)
{
	char text[40];
	int n = 0;

	snprintf(text, sizeof(text), "%.*e", precision - 1, x);
	for (const char *c = text; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			d->digits[n++] = *c;
	d->count = n;
	d->point = atoi(strchr(text, 'e') + 1) + 1;
}

/* The shortest decimal that reads back as x (> 0, finite). */
static void decimal_shortest(decimal *d, double x)
{
	for (int precision = 1; precision <= 17; precision++) {
		decimal_round(d, x, precision);
		if (decimal_value(d) == x)
			break;
		/* At a power of two the rounding interval is lopsided: the
		 * nearest candidate can miss while its neighbour hits. */
		for (int delta = -1; delta <= 1; delta += 2) {
			decimal near = *d;

			if (decimal_step(&near, delta) && decimal_value(&near) == x) {
				*d = near;
				goto trim;
			}
		}
	}
trim:
	while (d->count > 1 && d->digits[d->count - 1] == '0')
		d->count--;
}

int sanshe_canon_number(char out[SANSHE_CANON_NUMBER_MAX], double x)
{
	decimal d;
	char *o = out;
	int k, n;

	if (!isfinite(x))
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("NaN and Infinity have no JSON form"));
	if (x == 0) {
		strcpy(out, "0");
		return 0;
	}
	if (x < 0) {
		*o++ = '-';
		x = -x;
	}
	decimal_shortest(&d, x);
	k = d.count;
	n = d.point;
	if (k <= n && n <= 21) {
		o += sprintf(o, "%.*s%.*s", k, d.digits, n - k, "000000000000000000000");
	} else if (0 < n && n <= 21) {
		o += sprintf(o, "%.*s.%.*s", n, d.digits, k - n, d.digits + n);
	} else if (-6 < n && n <= 0) {
		o += sprintf(o, "0.%.*s%.*s", -n, "000000", k, d.digits);
	} else {
		o += sprintf(o, "%c", d.digits[0]);
		if (k > 1)
			o += sprintf(o, ".%.*s", k - 1, d.digits + 1);
		o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	return 0;
}

/* Code point at *s, advancing; input is valid UTF-8 (checked by the parser). */
static uint32_t next_code_point(const unsigned char **s)
{
	const unsigned char *u = *s;
	uint32_t c = u[0];
	int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

	if (n > 1) {
		c &= 0x7F >> n;
		for (int i = 1; i < n && u[i]; i++)
			c = (c << 6) | (u[i] & 0x3F);
	}
	for (int i = 0; i < n && **s; i++)
		(*s)++;
	return c;
}

/*
 * UTF-16 order differs from code point order only in that supplementary
 * characters (surrogate pairs, D800–DFFF) sort before U+E000–U+FFFF.
 */
static uint32_t utf16_weight(uint32_t cp)
{
	if (cp < 0xD800)
		return cp;
	if (cp < 0x10000)
		return cp + 0x100000;
	return cp - 0x10000 + 0xD800;
}

int sanshe_canon_keycmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *y) {
		uint32_t wx = utf16_weight(next_code_point(&x));
		uint32_t wy = utf16_weight(next_code_point(&y));

		if (wx != wy)
			return wx < wy ? -1 : 1;
	}
	return (*x != 0) - (*y != 0);
}

static int write_string(sanshe_buf *out, const char *s)
{
	int err = sanshe_buf_putc(out, '"');

	while (!err && *s) {
		const char *run = s;

		while (*s && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			s++;
		if ((err = sanshe_buf_put(out, run, (size_t)(s - run))) != 0 || !*s)
			break;
		switch (*s) {
		case '"': err = sanshe_buf_puts(out, "\\\""); break;
		case '\\': err = sanshe_buf_puts(out, "\\\\"); break;
		case '\b': err = sanshe_buf_puts(out, "\\b"); break;
		case '\t': err = sanshe_buf_puts(out, "\\t"); break;
		case '\n': err = sanshe_buf_puts(out, "\\n"); break;
		case '\f': err = sanshe_buf_puts(out, "\\f"); break;
		case '\r': err = sanshe_buf_puts(out, "\\r"); break;
		default: err = sanshe_buf_printf(out, "\\u%04x", (unsigned char)*s); break;
		}
		s++;
	}
	return err ? err : sanshe_buf_putc(out, '"');
}

/* How to write: pretty or not, and a member whose bytes are to be noted. */
typedef struct canon_ctx {
	int pretty;
	const cJSON *mark;
	size_t mark_at, mark_len;
} canon_ctx;

static int write_value(sanshe_buf *out, const cJSON *value, int depth, canon_ctx *ctx);

/* In pretty form, a line break and two spaces per level before an element. */
static int write_break(sanshe_buf *out, int depth, int pretty)
{
	int err = 0;

	if (!pretty)
		return 0;
	err = sanshe_buf_putc(out, '\n');
	for (int i = 0; i < depth && !err; i++)
		err = sanshe_buf_puts(out, "  ");
	return err;
}

static int member_order(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return sanshe_canon_keycmp(x->string, y->string);
}

static int write_object(sanshe_buf *out, const cJSON *object, int depth, canon_ctx *ctx)
{
	int pretty = ctx->pretty;
	const cJSON **members = NULL;
	size_t n = 0, i, start;
	int err = 0;

	for (const cJSON *c = object->child; c; c = c->next)
		n++;
	if (n && !(members = malloc(n * sizeof(*members))))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	i = 0;
	for (const cJSON *c = object->child; c; c = c->next)
		members[i++] = c;
	if (n > 1)
		qsort(members, n, sizeof(*members), member_order);
	err = sanshe_buf_putc(out, '{');
	for (i = 0; i < n && !err; i++) {
		if (!members[i]->string) {
			err = sanshe_error_set(SANSHE_EINVALID, "%s", _("object member without a name"));
			break;
		}
		if (i > 0 && strcmp(members[i - 1]->string, members[i]->string) == 0) {
			err = sanshe_error_set(SANSHE_EINVALID, _("duplicate member name \"%s\""),
					       members[i]->string);
			break;
		}
		start = out->size;
		if ((i > 0 && (err = sanshe_buf_putc(out, ','))) ||
		    (err = write_break(out, depth + 1, pretty)) ||
		    (err = write_string(out, members[i]->string)) ||
		    (err = sanshe_buf_puts(out, pretty ? ": " : ":")))
			break;
		if (i == 1 && members[0] == ctx->mark)
			ctx->mark_len++; /* the first member goes with the comma after it */
		if ((err = write_value(out, members[i], depth + 1, ctx)) == 0 &&
		    members[i] == ctx->mark) {
			ctx->mark_at = start;
			ctx->mark_len = out->size - start;
		}
	}
	free(members);
	if (!err && n)
		err = write_break(out, depth, pretty);
	return err ? err : sanshe_buf_putc(out, '}');
}

static int write_array(sanshe_buf *out, const cJSON *array, int depth, canon_ctx *ctx)
{
	int pretty = ctx->pretty;
	int err = sanshe_buf_putc(out, '[');

	for (const cJSON *c = array->child; c && !err; c = c->next) {
		if ((c != array->child && (err = sanshe_buf_putc(out, ','))) ||
		    (err = write_break(out, depth + 1, pretty)))
			break;
		err = write_value(out, c, depth + 1, ctx);
	}
	if (!err && array->child)
		err = write_break(out, depth, pretty);
	return err ? err : sanshe_buf_putc(out, ']');
}

static int write_value(sanshe_buf *out, const cJSON *value, int depth, canon_ctx *ctx)
{
	char number[SANSHE_CANON_NUMBER_MAX];
	int err;

	if (depth > CANON_MAX_DEPTH)
		return sanshe_error_set(SANSHE_EINVALID, "%s", _("value nested too deeply"));
	switch (value->type & 0xFF) {
	case cJSON_NULL: return sanshe_buf_puts(out, "null");
	case cJSON_True: return sanshe_buf_puts(out, "true");
	case cJSON_False: return sanshe_buf_puts(out, "false");
	case cJSON_Number:
		if ((err = sanshe_canon_number(number, value->valuedouble)) != 0)
			return err;
		return sanshe_buf_puts(out, number);
	case cJSON_String:
		return write_string(out, value->valuestring ? value->valuestring : "");
	case cJSON_Array: return write_array(out, value, depth, ctx);
	case cJSON_Object: return write_object(out, value, depth, ctx);
	default:
		return sanshe_error_set(SANSHE_EINVALID, "%s", _("value has no JSON form"));
	}
}

int sanshe_canon_write(sanshe_buf *out, const cJSON *value)
{
	canon_ctx ctx = { 0, NULL, 0, 0 };

	return write_value(out, value, 0, &ctx);
}

int sanshe_canon_write_marking(sanshe_buf *out, const cJSON *value, const cJSON *member,
			       size_t *at, size_t *len)
{
	canon_ctx ctx = { 0, member, 0, 0 };
	int err = write_value(out, value, 0, &ctx);

	*at = ctx.mark_at;
	*len = ctx.mark_len;
	return err;
}

int sanshe_canon_write_pretty(sanshe_buf *out, const cJSON *value)
{
	canon_ctx ctx = { 1, NULL, 0, 0 };
	int err = write_value(out, value, 0, &ctx);

	return err ? err : sanshe_buf_putc(out, '\n');
}

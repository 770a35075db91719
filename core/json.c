/*
 * A strict JSON parser building a cJSON tree; see json.h for what it
 * refuses and why.  Positions are tracked as line and line start; the
 * column is counted in characters only when a message needs it.
 */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "fs.h"
#include "json.h"

typedef struct parser {
	const char *p;
	const char *end;
	const char *line_start;
	int line;
	const char *origin;
	sanshe_json_pos *where;
	int failed;
	size_t values;
} parser;

/* Where a member name was seen, for reporting duplicates at the second one. */
typedef struct member_seen {
	const char *name;
	const char *at;
	const char *line_start;
	int line;
} member_seen;

static int column_of(const char *line_start, const char *at)
{
	int column = 1;

	for (const char *c = line_start; c < at; c++)
		if (((unsigned char)*c & 0xC0) != 0x80)
			column++;
	return column;
}

static int fail_at(parser *ps, const char *at, const char *line_start,
		   int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail_at(parser *ps, const char *at, const char *line_start,
		   int line, const char *fmt, ...)
{
	char reason[512];
	int column = column_of(line_start, at);
	va_list ap;

	if (ps->failed)
		return SANSHE_EPARSE;
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (ps->where) {
		ps->where->line = line;
		ps->where->column = column;
	}
	if (ps->origin)
		return sanshe_error_set(SANSHE_EPARSE, "%s:%d:%d: %s", ps->origin,
					line, column, reason);
	return sanshe_error_set(SANSHE_EPARSE, "%d:%d: %s", line, column, reason);
}

#define FAIL(ps, at, ...) fail_at((ps), (at), (ps)->line_start, (ps)->line, __VA_ARGS__)

static void skip_space(parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

/* Decode one UTF-8 sequence at s (< end); 0 when it is not valid. */
static int utf8_decode(const unsigned char *s, const unsigned char *end,
		       uint32_t *cp)
{
	int n;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; c &= 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; c &= 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (end - s < n)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

int sanshe_utf8_valid(const char *s, size_t len, size_t *bad)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + len;
	uint32_t cp;

	while (u < end) {
		int n = utf8_decode(u, end, &cp);

		if (!n) {
			if (bad)
				*bad = (size_t)(u - (const unsigned char *)s);
			return 0;
		}
		u += n;
	}
	return 1;
}

static int put_utf8(sanshe_buf *out, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return sanshe_buf_put(out, b, n);
}

static int hex4(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* A \uXXXX escape at ps->p (after the backslash and 'u'), with surrogate pairs. */
static int parse_unicode_escape(parser *ps, const char *esc, sanshe_buf *out)
{
	uint32_t cp, lo;

	if (ps->end - ps->p < 4 || !hex4(ps->p, &cp))
		return FAIL(ps, esc, _("'\\u' must be followed by four hex digits"));
	ps->p += 4;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return FAIL(ps, esc, _("lone low surrogate '\\u%04X' in string"), cp);
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
		    !hex4(ps->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
			return FAIL(ps, esc, _("lone high surrogate '\\u%04X' in string"), cp);
		ps->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0)
		return FAIL(ps, esc, "%s", _("'\\u0000' (NUL) is not allowed in strings"));
	return put_utf8(out, cp);
}

static int parse_escape(parser *ps, sanshe_buf *out)
{
	const char *esc = ps->p;
	char c;

	ps->p++; /* the backslash */
	if (ps->p >= ps->end)
		return FAIL(ps, esc, "%s", _("unfinished escape in string"));
	c = *ps->p++;
	switch (c) {
	case '"': case '\\': case '/':
		return sanshe_buf_putc(out, c);
	case 'b': return sanshe_buf_putc(out, '\b');
	case 'f': return sanshe_buf_putc(out, '\f');
	case 'n': return sanshe_buf_putc(out, '\n');
	case 'r': return sanshe_buf_putc(out, '\r');
	case 't': return sanshe_buf_putc(out, '\t');
	case 'u': return parse_unicode_escape(ps, esc, out);
	default:
		return FAIL(ps, esc, _("unknown escape '\\%c' in string"),
			    (unsigned char)c >= 0x20 && (unsigned char)c < 0x7F ? c : '?');
	}
}

/* A string at ps->p (the opening quote); the text goes to out. */
static int parse_string(parser *ps, sanshe_buf *out)
{
	const char *open = ps->p;
	int err;

	ps->p++;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;
		const char *run = ps->p;
		uint32_t cp;

		if (c == '"') {
			ps->p++;
			return sanshe_buf_put(out, "", 0);
		}
		if (c == '\\') {
			if ((err = parse_escape(ps, out)) != 0)
				return err;
			continue;
		}
		if (c < 0x20)
			return FAIL(ps, ps->p, _("control character U+%04X in string (write it as '\\u%04x')"),
				    c, c);
		while (ps->p < ps->end && (unsigned char)*ps->p >= 0x20 &&
		       *ps->p != '"' && *ps->p != '\\') {
			int n = utf8_decode((const unsigned char *)ps->p,
					    (const unsigned char *)ps->end, &cp);
			if (!n)
				return FAIL(ps, ps->p, "%s", _("invalid UTF-8 in string"));
			ps->p += n;
		}
		if ((err = sanshe_buf_put(out, run, (size_t)(ps->p - run))) != 0)
			return err;
	}
	return FAIL(ps, open, "%s", _("string is not closed (missing '\"')"));
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A decimal as its significant digits (no leading or trailing zeros) and
 * the power of ten of the last one: "1.50e3" is ("15", 2).  Exponents are
 * clamped: only finite non-zero doubles get here, whose exponents are small.
 */
static int decimal_normalize(const char *text, size_t len, sanshe_buf *digits, long *exp)
{
	const char *end = text + len, *c = text;
	long e = 0, written = 0;
	int err = 0, after_point = 0, sign = 1;

	for (; c < end && *c != 'e' && *c != 'E'; c++) {
		if (*c == '.') {
			after_point = 1;
			continue;
		}
		if (*c < '0' || *c > '9')
			continue;
		if (digits->size || *c != '0')
			err |= sanshe_buf_putc(digits, *c);
		e -= after_point;
	}
	if (c < end && ++c < end && (*c == '+' || *c == '-'))
		sign = *c++ == '-' ? -1 : 1;
	for (; c < end; c++)
		if (written < 1000000)
			written = written * 10 + (*c - '0');
	*exp = e + sign * written;
	while (digits->size && digits->ptr[digits->size - 1] == '0') {
		digits->ptr[--digits->size] = '\0';
		(*exp)++;
	}
	return err;
}

static int decimal_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	sanshe_buf da = SANSHE_BUF_INIT, db = SANSHE_BUF_INIT;
	long ea = 0, eb = 0;
	int equal = decimal_normalize(a, alen, &da, &ea) == 0 &&
		    decimal_normalize(b, blen, &db, &eb) == 0 && ea == eb &&
		    da.size == db.size && (!da.size || memcmp(da.ptr, db.ptr, da.size) == 0);

	sanshe_buf_dispose(&da);
	sanshe_buf_dispose(&db);
	return equal;
}

/* Does the literal denote an integer (however it is written: 1e30, 5.0)? */
static int denotes_integer(const char *text, size_t len)
{
	sanshe_buf digits = SANSHE_BUF_INIT;
	long exp = 0;
	int integer = decimal_normalize(text, len, &digits, &exp) == 0 && exp >= 0;

	sanshe_buf_dispose(&digits);
	return integer;
}

/*
 * An integer beyond 2^53, however it is written, must name a double without
 * doubt: its value must be the double's exact value ("18446744073709551616")
 * or the value of the shortest digits that read back, which the canonical
 * form writes ("18446744073709552000", "1e+30"), so that canonical text
 * always reads back.  9007199254740993 names neither and is refused.
 */
static int integer_is_exact(const char *text, size_t len, double v)
{
	char exact[400], shortest[SANSHE_CANON_NUMBER_MAX];
	int n;

	if (fabs(v) < 9007199254740992.0 || !denotes_integer(text, len))
		return 1;
	n = snprintf(exact, sizeof(exact), "%.0f", fabs(v));
	if (n > 0 && (size_t)n < sizeof(exact) && decimal_equal(text, len, exact, (size_t)n))
		return 1;
	return sanshe_canon_number(shortest, fabs(v)) == 0 &&
	       decimal_equal(text, len, shortest, strlen(shortest));
}

/* Does the literal have a digit other than 0 before its exponent? */
static int has_nonzero_digit(const char *text, size_t len)
{
	for (size_t i = 0; i < len && text[i] != 'e' && text[i] != 'E'; i++)
		if (text[i] >= '1' && text[i] <= '9')
			return 1;
	return 0;
}

/* Skip a run of digits; 0 when there is none. */
static int skip_digits(parser *ps)
{
	const char *from = ps->p;

	while (ps->p < ps->end && is_digit(*ps->p))
		ps->p++;
	return ps->p > from;
}

/* The RFC 8259 number grammar, each mistake named. */
static int scan_number(parser *ps, const char *start)
{
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || !is_digit(*ps->p))
		return FAIL(ps, start, "%s", _("'-' must be followed by digits"));
	if (*ps->p == '0' && ps->p + 1 < ps->end && is_digit(ps->p[1]))
		return FAIL(ps, start, "%s", _("leading zeros are not allowed in numbers"));
	skip_digits(ps);
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!skip_digits(ps))
			return FAIL(ps, start, "%s", _("a digit must follow the decimal point"));
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!skip_digits(ps))
			return FAIL(ps, start, "%s", _("a digit must follow the exponent"));
	}
	return 0;
}

static int parse_number(parser *ps, cJSON **out)
{
	const char *start = ps->p;
	char small[64], *text = small;
	size_t len;
	double v;
	int err;

	if ((err = scan_number(ps, start)) != 0)
		return err;
	len = (size_t)(ps->p - start);
	if (len >= sizeof(small) && !(text = malloc(len + 1)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	memcpy(text, start, len);
	text[len] = '\0';
	v = strtod(text, NULL);
	if (text != small)
		free(text);
	if (!isfinite(v))
		return FAIL(ps, start, "%s", _("number is too large for a double"));
	if (v == 0 && has_nonzero_digit(start, len))
		return FAIL(ps, start, "%s", _("number is too small for a double (it would become 0)"));
	if (!integer_is_exact(start, len, v))
		return FAIL(ps, start, "%s",
			    _("integer cannot be held exactly (beyond 2^53); write it as a string"));
	if (!(*out = cJSON_CreateNumber(v)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

static int parse_value(parser *ps, cJSON **out, int depth);

static int member_cmp(const void *a, const void *b)
{
	const member_seen *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Duplicate member names are refused, reported where the second one stands. */
static int check_duplicates(parser *ps, member_seen *seen, size_t n)
{
	qsort(seen, n, sizeof(*seen), member_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(seen[i - 1].name, seen[i].name) == 0)
			return fail_at(ps, seen[i].at, seen[i].line_start, seen[i].line,
				       _("duplicate member name \"%s\""), seen[i].name);
	return 0;
}

static int parse_member(parser *ps, cJSON *object, member_seen *seen, int depth)
{
	sanshe_buf name = SANSHE_BUF_INIT;
	cJSON *value = NULL;
	int err;

	seen->at = ps->p;
	seen->line_start = ps->line_start;
	seen->line = ps->line;
	if (ps->p >= ps->end || *ps->p != '"') {
		err = FAIL(ps, ps->p, "%s", _("expected a member name in double quotes"));
		goto done;
	}
	if ((err = parse_string(ps, &name)) != 0)
		goto done;
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != ':') {
		err = FAIL(ps, ps->p, "%s", _("expected ':' after the member name"));
		goto done;
	}
	ps->p++;
	if ((err = parse_value(ps, &value, depth)) != 0)
		goto done;
	value->string = sanshe_buf_detach(&name);
	seen->name = value->string;
	cJSON_AddItemToArray(object, value);
	value = NULL;
done:
	sanshe_buf_dispose(&name);
	cJSON_Delete(value);
	return err;
}

static int parse_object(parser *ps, cJSON *object, int depth)
{
	member_seen *seen = NULL, *grown;
	size_t n = 0, alloc = 0;
	int err = 0;

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			if (!(grown = realloc(seen, alloc * sizeof(*seen)))) {
				err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
				goto done;
			}
			seen = grown;
		}
		skip_space(ps);
		if ((err = parse_member(ps, object, &seen[n], depth)) != 0)
			goto done;
		n++;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			break;
		}
		err = FAIL(ps, ps->p, "%s", _("expected ',' or '}' in object"));
		goto done;
	}
	err = check_duplicates(ps, seen, n);
done:
	free(seen);
	return err;
}

static int parse_array(parser *ps, cJSON *array, int depth)
{
	cJSON *item;
	int err;

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if ((err = parse_value(ps, &item, depth)) != 0)
			return err;
		cJSON_AddItemToArray(array, item);
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		return FAIL(ps, ps->p, "%s", _("expected ',' or ']' in array"));
	}
}

static int parse_literal(parser *ps, cJSON **out)
{
	static const struct {
		const char *word;
		int type;
	} literals[] = { { "true", cJSON_True }, { "false", cJSON_False }, { "null", cJSON_NULL } };

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(literals); i++) {
		size_t n = strlen(literals[i].word);

		if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, literals[i].word, n) == 0) {
			ps->p += n;
			*out = literals[i].type == cJSON_True ? cJSON_CreateTrue()
			     : literals[i].type == cJSON_False ? cJSON_CreateFalse()
							       : cJSON_CreateNull();
			return *out ? 0 : sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		}
	}
	if (ps->end - ps->p >= 3 && (memcmp(ps->p, "NaN", 3) == 0 || memcmp(ps->p, "Inf", 3) == 0))
		return FAIL(ps, ps->p, "%s", _("NaN and Infinity are not JSON numbers"));
	if (*ps->p == '+')
		return FAIL(ps, ps->p, "%s", _("numbers may not start with '+'"));
	if (*ps->p == '\'')
		return FAIL(ps, ps->p, "%s", _("strings must use double quotes"));
	if ((unsigned char)*ps->p >= 0x20 && (unsigned char)*ps->p < 0x7F)
		return FAIL(ps, ps->p, _("unexpected character '%c'"), *ps->p);
	return FAIL(ps, ps->p, _("unexpected byte 0x%02X"), (unsigned char)*ps->p);
}

static int parse_container(parser *ps, cJSON **out, int depth)
{
	int is_object = *ps->p == '{';
	int err;

	if (depth >= SANSHE_JSON_MAX_DEPTH)
		return FAIL(ps, ps->p, _("nesting deeper than %d levels"), SANSHE_JSON_MAX_DEPTH);
	*out = is_object ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!*out)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	err = is_object ? parse_object(ps, *out, depth + 1) : parse_array(ps, *out, depth + 1);
	if (err) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return err;
}

static int parse_value(parser *ps, cJSON **out, int depth)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	*out = NULL;
	skip_space(ps);
	if (ps->p >= ps->end)
		return FAIL(ps, ps->p, "%s", _("unexpected end of input: a value is missing"));
	if (++ps->values > SANSHE_JSON_MAX_VALUES)
		return FAIL(ps, ps->p, _("more than %d values: too large for a document"),
			    SANSHE_JSON_MAX_VALUES);
	switch (*ps->p) {
	case '{': case '[':
		return parse_container(ps, out, depth);
	case '"':
		if ((err = parse_string(ps, &text)) != 0) {
			sanshe_buf_dispose(&text);
			return err;
		}
		if (!(*out = cJSON_CreateNull())) {
			sanshe_buf_dispose(&text);
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		}
		(*out)->type = cJSON_String;
		(*out)->valuestring = sanshe_buf_detach(&text);
		return 0;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(ps, out);
	default:
		return parse_literal(ps, out);
	}
}

int sanshe_json_parse(cJSON **out, const char *text, size_t len,
		      const char *origin, sanshe_json_pos *where)
{
	return sanshe_json_parse_at(out, text, len, origin, 1, where);
}

int sanshe_json_parse_at(cJSON **out, const char *text, size_t len, const char *origin,
			 int first_line, sanshe_json_pos *where)
{
	parser ps = { text, text + len, text, first_line, origin, where, 0, 0 };
	cJSON *value = NULL;
	int err;

	*out = NULL;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		ps.p += 3, ps.line_start += 3;
	skip_space(&ps);
	if (ps.p >= ps.end)
		return FAIL(&ps, ps.p, "%s", _("no JSON value: the input is empty"));
	if ((err = parse_value(&ps, &value, 0)) != 0)
		return err;
	skip_space(&ps);
	if (ps.p < ps.end) {
		cJSON_Delete(value);
		return FAIL(&ps, ps.p, "%s", _("unexpected data after the JSON value"));
	}
	*out = value;
	return 0;
}

int sanshe_json_parse_file(cJSON **out, const char *path)
{
	int from_stdin = !path || strcmp(path, "-") == 0;
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	*out = NULL;
	if ((err = sanshe_fs_read(&text, path, SANSHE_JSON_FILE_MAX)) == 0)
		err = sanshe_json_parse(out, text.ptr ? text.ptr : "", text.size,
					from_stdin ? _("standard input") : path, NULL);
	sanshe_buf_dispose(&text);
	return err;
}

/*
 * JSON Schema: violations.  Each one is a pointer into the instance and a
 * message for a person (lowercase, short, no final period).  Inside not,
 * anyOf, oneOf, if and contains the validation is quiet: those only ask
 * whether a subschema matches, and their own verdict is reported once by
 * the keyword that asked.  One validation keeps the first
 * SCHEMA_MAX_VIOLATIONS; the rest are only counted, and said in one line.
 */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

static int append(sanshe_schema_errors *errors, char *pointer, char *message)
{
	sanshe_schema_error *items;
	size_t alloc;

	if (errors->count == errors->alloc) {
		alloc = errors->alloc ? errors->alloc * 2 : 8;
		items = realloc(errors->items, alloc * sizeof(*items));
		if (!items)
			return out_of_memory();
		errors->items = items;
		errors->alloc = alloc;
	}
	errors->items[errors->count].pointer = pointer;
	errors->items[errors->count].message = message;
	errors->count++;
	return 0;
}

/* Append "prefix: message" at `pointer` (both copied). */
static int store(sanshe_schema_errors *errors, const char *pointer,
		 const char *prefix, const char *fmt, va_list ap)
{
	sanshe_buf message = SANSHE_BUF_INIT;
	char *where = NULL, *text = NULL;
	int err = 0;

	if (prefix)
		err = sanshe_buf_printf(&message, "%s: ", prefix);
	if (!err)
		err = sanshe_buf_vprintf(&message, fmt, ap);
	if (!err) {
		where = strdup(pointer);
		text = sanshe_buf_detach(&message);
		err = where && text ? append(errors, where, text)
				    : out_of_memory();
	}
	if (err) {
		free(where);
		free(text);
	}
	sanshe_buf_dispose(&message);
	return err;
}

/* Past the limit a violation is only counted: nothing is formatted. */
static int report_here(struct schema_validation *v, const char *fmt, va_list ap)
{
	int err;

	if (v->quiet)
		return 1;
	if (v->errors->count >= SCHEMA_MAX_VIOLATIONS) {
		v->rest++;
		return 1;
	}
	err = store(v->errors, v->pointer.ptr ? v->pointer.ptr : "", v->prefix,
		    fmt, ap);
	return err ? err : 1;
}

static int store_at_root(sanshe_schema_errors *errors, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = store(errors, "", NULL, fmt, ap);
	va_end(ap);
	return err;
}

int schema_report_rest(struct schema_validation *v)
{
	if (!v->rest)
		return 0;
	return store_at_root(v->errors,
			     v->rest == 1 ? _("and %zu more violation")
					  : _("and %zu more violations"),
			     v->rest);
}

int schema_report(struct schema_validation *v, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = report_here(v, fmt, ap);
	va_end(ap);
	return rc;
}

int schema_report_member(struct schema_validation *v, const char *name,
			 const char *fmt, ...)
{
	size_t mark = v->pointer.size;
	va_list ap;
	int rc;

	if (v->quiet)
		return 1;
	if ((rc = sanshe_json_pointer_push(&v->pointer, name)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = report_here(v, fmt, ap);
	va_end(ap);
	schema_pointer_truncate(v, mark);
	return rc;
}

int schema_report_item(struct schema_validation *v, size_t index,
		       const char *fmt, ...)
{
	size_t mark = v->pointer.size;
	va_list ap;
	int rc;

	if (v->quiet)
		return 1;
	if ((rc = sanshe_json_pointer_push_index(&v->pointer, index)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = report_here(v, fmt, ap);
	va_end(ap);
	schema_pointer_truncate(v, mark);
	return rc;
}

void schema_pointer_truncate(struct schema_validation *v, size_t size)
{
	v->pointer.size = size;
	if (v->pointer.ptr)
		v->pointer.ptr[size] = '\0';
}

void schema_number_text(char *out, size_t size, double d)
{
	int precision;

	for (precision = 15; precision < 17; precision++) {
		snprintf(out, size, "%.*g", precision, d);
		if (strtod(out, NULL) == d)
			return;
	}
	snprintf(out, size, "%.17g", d);
}

int schema_value_text(sanshe_buf *out, const cJSON *value, size_t max)
{
	char *text = cJSON_PrintUnformatted(value);
	size_t len;
	int err;

	if (!text)
		return out_of_memory();
	len = strlen(text);
	if (len > max) {
		/* Cut on a character boundary. */
		for (len = max;
		     len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80;
		     len--)
			;
		err = sanshe_buf_put(out, text, len);
		if (!err)
			err = sanshe_buf_puts(out, "\xe2\x80\xa6"); /* … */
	} else {
		err = sanshe_buf_put(out, text, len);
	}
	cJSON_free(text);
	return err;
}

#include "common.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "i18n.h"

int sanshe_buf_grow(sanshe_buf *buf, size_t extra)
{
	size_t want, asize;
	char *p;

	if (extra > SIZE_MAX - buf->size - 1)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	want = buf->size + extra + 1;
	if (want <= buf->asize)
		return 0;
	asize = buf->asize ? buf->asize : 64;
	while (asize < want)
		asize = asize > SIZE_MAX / 2 ? want : asize * 2;
	p = realloc(buf->ptr, asize);
	if (!p)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	buf->ptr = p;
	buf->asize = asize;
	return 0;
}

int sanshe_buf_put(sanshe_buf *buf, const void *data, size_t len)
{
	int err = sanshe_buf_grow(buf, len);

	if (err)
		return err;
	if (len)
		memcpy(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
	return 0;
}

int sanshe_buf_puts(sanshe_buf *buf, const char *s)
{
	return sanshe_buf_put(buf, s, strlen(s));
}

int sanshe_buf_putc(sanshe_buf *buf, char c)
{
	return sanshe_buf_put(buf, &c, 1);
}

int sanshe_buf_vprintf(sanshe_buf *buf, const char *fmt, va_list ap)
{
	va_list again;
	int n, err;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return sanshe_error_set(SANSHE_ERROR, "%s", _("cannot format text"));
	if ((err = sanshe_buf_grow(buf, (size_t)n)) != 0)
		return err;
	va_copy(again, ap);
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, again);
	va_end(again);
	buf->size += (size_t)n;
	return 0;
}

int sanshe_buf_printf(sanshe_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = sanshe_buf_vprintf(buf, fmt, ap);
	va_end(ap);
	return err;
}

void sanshe_buf_clear(sanshe_buf *buf)
{
	buf->size = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

char *sanshe_buf_detach(sanshe_buf *buf)
{
	char *p = buf->ptr;

	if (!p) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	}
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
	return p;
}

void sanshe_buf_dispose(sanshe_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = buf->asize = 0;
}

int sanshe_grow(void **items, size_t *cap, size_t n, size_t size)
{
	size_t grown;
	void *bigger;

	if (n < *cap)
		return 0;
	grown = *cap ? *cap * 2 : 16;
	if (grown > SIZE_MAX / size || !(bigger = realloc(*items, grown * size)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	*items = bigger;
	*cap = grown;
	return 0;
}

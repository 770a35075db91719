/*
 * A growable byte buffer, always NUL-terminated so that its contents can be
 * used as a C string when they hold text.  A buffer starts as SANSHE_BUF_INIT
 * and is released with sanshe_buf_dispose(); functions that return text hand
 * it back in a caller's buffer.
 */
#ifndef SANSHE_BUF_H
#define SANSHE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct sanshe_buf {
	char *ptr;    /* the bytes, NUL-terminated; NULL until something is put */
	size_t size;  /* bytes in use, without the NUL */
	size_t asize; /* bytes allocated */
} sanshe_buf;

#define SANSHE_BUF_INIT { NULL, 0, 0 }

/**
 * Room for one more item in the array `*items` of `n` items of `size`
 * bytes, `*cap` allocated (doubled as needed, from 16).  0 or
 * SANSHE_ENOMEM ("out of memory" recorded).
 */
int sanshe_grow(void **items, size_t *cap, size_t n, size_t size);

/** Make room for `extra` more bytes. 0 or SANSHE_ENOMEM. */
int sanshe_buf_grow(sanshe_buf *buf, size_t extra);

/** Append `len` bytes. 0 or SANSHE_ENOMEM. */
int sanshe_buf_put(sanshe_buf *buf, const void *data, size_t len);

/** Append a C string. 0 or SANSHE_ENOMEM. */
int sanshe_buf_puts(sanshe_buf *buf, const char *s);

/** Append one byte. 0 or SANSHE_ENOMEM. */
int sanshe_buf_putc(sanshe_buf *buf, char c);

/** Append formatted text. 0 or SANSHE_ENOMEM. */
int sanshe_buf_printf(sanshe_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** sanshe_buf_printf with a va_list (which it leaves unused for the caller). */
int sanshe_buf_vprintf(sanshe_buf *buf, const char *fmt, va_list ap);

/** Forget the contents, keep the memory. */
void sanshe_buf_clear(sanshe_buf *buf);

/**
 * Take the bytes out: returns the malloc'd string (never NULL on success:
 * an empty buffer gives ""), which the caller frees; the buffer is reset.
 */
char *sanshe_buf_detach(sanshe_buf *buf);

/** Release the memory; the buffer is SANSHE_BUF_INIT again. NULL is fine. */
void sanshe_buf_dispose(sanshe_buf *buf);

#endif

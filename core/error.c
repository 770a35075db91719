#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

#define MESSAGE_MAX 1024

static _Thread_local char message[MESSAGE_MAX];
static _Thread_local int last_code;

/*
 * Keep `text` as the message, cut to fit on a character boundary: a message
 * may quote a document's text, and half a character would make it invalid
 * UTF-8 (and invalid JSON in a --json report).
 */
static void keep(const char *text)
{
	size_t len = sanshe_utf8_prefix(text, MESSAGE_MAX - 1);

	memmove(message, text, len);
	message[len] = '\0';
}

static void keep_formatted(const char *fmt, va_list ap, const char *suffix)
{
	char full[4 * MESSAGE_MAX];
	size_t len;

	vsnprintf(full, sizeof(full), fmt, ap);
	len = strlen(full);
	if (suffix)
		snprintf(full + len, sizeof(full) - len, "%s", suffix);
	keep(full);
}

int sanshe_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keep_formatted(fmt, ap, NULL);
	va_end(ap);
	last_code = code;
	return code;
}

int sanshe_error_set_os(int code, const char *fmt, ...)
{
	char reason[256];
	int saved = errno;
	va_list ap;

	snprintf(reason, sizeof(reason), ": %s", strerror(saved));
	va_start(ap, fmt);
	keep_formatted(fmt, ap, reason);
	va_end(ap);
	last_code = code;
	return code;
}

int sanshe_error_prefix(const char *fmt, ...)
{
	char old[MESSAGE_MAX];
	va_list ap;

	memcpy(old, message, sizeof(old));
	va_start(ap, fmt);
	keep_formatted(fmt, ap, NULL);
	va_end(ap);
	/* "prefix: old", cut as a whole */
	{
		char full[2 * MESSAGE_MAX + 2];

		snprintf(full, sizeof(full), "%s: %s", message, old);
		keep(full);
	}
	return last_code;
}

const char *sanshe_error_last(void)
{
	return message;
}

int sanshe_error_code(void)
{
	return last_code;
}

void sanshe_error_clear(void)
{
	message[0] = '\0';
	last_code = SANSHE_OK;
}

#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 1024

static _Thread_local char message[MESSAGE_MAX];
static _Thread_local int last_code;

int sanshe_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

int sanshe_error_set_os(int code, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	len = strlen(message);
	snprintf(message + len, sizeof(message) - len, ": %s", strerror(saved));
	last_code = code;
	return code;
}

int sanshe_error_prefix(const char *fmt, ...)
{
	char old[MESSAGE_MAX];
	size_t len;
	va_list ap;

	memcpy(old, message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	len = strlen(message);
	if (len + 2 < sizeof(message)) {
		memcpy(message + len, ": ", 3);
		len += 2;
		memcpy(message + len, old, strnlen(old, sizeof(message) - len - 1));
		message[len + strnlen(old, sizeof(message) - len - 1)] = '\0';
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

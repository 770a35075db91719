/*
 * Errors: every fallible function of libsanshe returns an int, 0 on success
 * or one of the negative codes below.  The message that goes with a failure
 * is kept per thread and read with sanshe_error_last(); it is written for a
 * person (lowercase, no final period, the object in quotes, and where).
 */
#ifndef SANSHE_ERROR_H
#define SANSHE_ERROR_H

enum {
	SANSHE_OK = 0,
	SANSHE_ERROR = -1,      /* generic failure */
	SANSHE_ENOTFOUND = -2,  /* a file, key, type or document does not exist */
	SANSHE_EEXISTS = -3,    /* it exists already */
	SANSHE_EPARSE = -4,     /* malformed JSON or other malformed input */
	SANSHE_ESCHEMA = -5,    /* a document does not satisfy its schema */
	SANSHE_EBADSIG = -6,    /* a signature does not verify */
	SANSHE_EPASSPHRASE = -7,/* wrong passphrase */
	SANSHE_EIO = -8,        /* the operating system refused */
	SANSHE_ENOMEM = -9,     /* out of memory */
	SANSHE_EINVALID = -10,  /* an argument or value is not acceptable */
	SANSHE_ELOCKED = -11,   /* a lock could not be taken in time */
	SANSHE_EUSAGE = -12,    /* wrong use of a command */
	SANSHE_ECONFLICT = -13, /* two versions that must not differ do */
};

/**
 * Record a failure: formats the message (printf-style) and keeps it, with
 * the code, for this thread.  Returns `code`, so that callers can write
 * `return sanshe_error_set(SANSHE_EINVALID, "...")`.
 */
int sanshe_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Like sanshe_error_set, but appends ": " and strerror(errno). */
int sanshe_error_set_os(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Prefix the current message with "prefix: " (printf-style), keeping the
 * code.  Returns the current code.  Used to add where a failure happened.
 */
int sanshe_error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/** The last message of this thread (borrowed; "" when there is none). */
const char *sanshe_error_last(void);

/** The code of the last failure of this thread (SANSHE_OK when none). */
int sanshe_error_code(void);

/** Forget the last failure. */
void sanshe_error_clear(void);

#endif

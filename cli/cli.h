/*
 * The sanshe command: shared pieces of the command-line front end.  Each
 * command lives in cli/cmd_<name>.c as `int cmd_<name>(int argc, char **argv)`
 * (argv[0] is the command's name) and returns the exit status: 0 success,
 * 1 failure (one line on stderr), 2 wrong usage (usage on stderr).
 * Everything printed for a person goes through _().
 */
#ifndef SANSHE_CLI_H
#define SANSHE_CLI_H

/* common.h first: its feature macros must precede every system header. */
#include "common.h"

#include <cjson/cJSON.h>

#include <getopt.h>
#include <stdio.h>

#define EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line, untranslated (N_) */
	const char *usage;   /* full help text, untranslated (N_) */
};

/** The command called `name`, or NULL. */
const struct cli_command *cli_command_find(const char *name);

/**
 * Print one line on `out`: `prefix` (trusted text, may be "") then the
 * formatted text, made safe for a terminal: control characters (which a
 * hostile document or peer could put in a type, an id or a field name) are
 * shown as \xNN and bytes that are not UTF-8 as '?'; then a newline.
 */
void cli_line(FILE *out, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Print the failure recorded with sanshe_error_set() as one line,
 * "sanshe: <message>", on stderr.  Returns 1 (or 2 for SANSHE_EUSAGE).
 */
int cli_fail(void);

/**
 * Wrong usage of `command`: print "sanshe <command>: <message>" and the
 * command's usage on stderr.  Returns 2.
 */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Print the help of `command` on `out`. Returns 0. */
int cli_help(const char *command, FILE *out);

/**
 * getopt_long for commands: returns the option character, -1 at the end,
 * or '?' after printing the usage error itself (then return EXIT_USAGE).
 * "--help" / "-h" print the help on stdout and return 'h'; the command then
 * returns 0.  Call with the command's argc/argv; resets getopt first.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/**
 * The options of a command that signs: "--key NAME" (into `*key_name`,
 * NULL when absent) and "--help", then exactly `want` arguments (0 to 1
 * when `want` is -1), `what` naming them in the usage error.  Returns -1
 * to go on, or the exit status to return (0 after --help, 2 on wrong use).
 */
int cli_key_options(int argc, char **argv, const char **key_name, int want, const char *what);

/**
 * The role called `name` (a SANSHE_ROLE_* bit), or 0 after printing, as a
 * usage error of `command`, one line naming the roles there are.
 */
unsigned cli_role_parse(const char *command, const char *name);

/**
 * The directory holding keys, the clock and settings (SANSHE_HOME, else
 * $HOME/.sanshe), in static storage; NULL, with a message for cli_fail(),
 * when there is no home directory to be found.
 */
const char *cli_home(void);

/**
 * Read a passphrase: SANSHE_PASSPHRASE when set, otherwise asked on the
 * terminal without echo (twice when `confirm`, for a new key; an empty
 * one is then refused).  Without either: "no passphrase: set
 * SANSHE_PASSPHRASE or run sanshe on a terminal".  The caller releases
 * `out` with cli_passphrase_dispose.
 */
int cli_passphrase(sanshe_buf *out, const char *prompt, int confirm);

/** Wipe (sodium_memzero) and release a passphrase buffer. */
void cli_passphrase_dispose(sanshe_buf *passphrase);

/**
 * Print `value` on stdout as one line of canonical JSON (for --json).
 * 0, or 1 after printing the failure.
 */
int cli_print_json(const cJSON *value);

/** Write `len` bytes to stdout; 0 or 1 with a message when stdout fails. */
int cli_write_stdout(const char *data, size_t len);

#endif

/*
 * Progress of a long transfer, on a terminal only: one line on stderr,
 * redrawn at most ten times a second, naming the phase (negotiate,
 * receive, send, verify, merge), the objects and bytes so far and the
 * rate.  Silent when stderr is not a terminal or with --quiet.
 */
#ifndef SANSHE_CLI_PROGRESS_H
#define SANSHE_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
	int on;		     /* drawing at all */
	const char *phase;   /* untranslated (N_) */
	uint64_t objects, total, bytes;
	double started, last; /* seconds, monotonic */
	int drawn;	     /* a line is on the screen */
} cli_progress;

/** Start: draw only when stderr is a terminal and not `quiet`. */
void cli_progress_init(cli_progress *p, int quiet);

/** Enter `phase` (N_ text), with `total` objects expected (0: unknown). */
void cli_progress_phase(cli_progress *p, const char *phase, uint64_t total);

/** Say where the phase is: `objects` so far, `bytes` so far. */
void cli_progress_update(cli_progress *p, uint64_t objects, uint64_t bytes);

/** End the line (the last figures stay on the screen). */
void cli_progress_done(cli_progress *p);

#endif

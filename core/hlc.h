/*
 * Time: a hybrid logical clock (HLC).  A value is wall-clock milliseconds
 * since the Unix epoch (UTC) and a counter; values compare by ms, then by
 * counter.  A node's clock never issues the same value twice nor goes
 * backwards, even when the computer's clock does, and it moves past every
 * value it observes from others, so that an edit made after seeing another
 * always sorts after it.
 *
 * Text form (the `at` of a signature): `YYYY-MM-DDTHH:MM:SS.mmmZ/CCCC`, the
 * counter in decimal, zero-padded to 4 digits and longer when needed, e.g.
 * `2026-11-22T08:10:00.123Z/0001`.  Each value has exactly one text form;
 * years 1970 to 9999.
 *
 * The persistent clock lives in the home directory: `clock` holds the last
 * value issued, `clock.lock` is flock()ed while a clock is open, so that
 * two sanshe processes never issue the same value.
 */
#ifndef SANSHE_HLC_H
#define SANSHE_HLC_H

#include <stdint.h>

/** Room for the text form, with its NUL. */
#define SANSHE_HLC_MAX 40
/** The last millisecond the text form can show: 9999-12-31T23:59:59.999Z. */
#define SANSHE_HLC_MS_MAX 253402300799999ULL
/** How long sanshe_clock_open waits for another process's lock. */
#define SANSHE_CLOCK_WAIT_MS 10000

typedef struct sanshe_hlc {
	uint64_t ms;
	uint32_t counter;
} sanshe_hlc;

/**
 * Write the text form of `hlc`.  0, or SANSHE_EINVALID when `hlc.ms` is
 * past SANSHE_HLC_MS_MAX (then `out` is "").
 */
int sanshe_hlc_format(char out[SANSHE_HLC_MAX], sanshe_hlc hlc);

/**
 * Read a text form, strictly: the exact shape, a real calendar date and
 * time, the counter written as sanshe_hlc_format writes it.  0 or
 * SANSHE_EPARSE with a message quoting the text.
 */
int sanshe_hlc_parse(sanshe_hlc *out, const char *text);

/** Negative, zero or positive as `a` is before, equal to or after `b`. */
int sanshe_hlc_compare(sanshe_hlc a, sanshe_hlc b);

/**
 * The value to issue for a local event after `last`, the wall clock
 * reading `wall`: ms = max(wall, last.ms); the counter restarts at 0 when
 * ms moved on, else counts up.  Always after `last`.
 */
sanshe_hlc sanshe_hlc_next(sanshe_hlc last, uint64_t wall);

/**
 * The standard HLC receive rule: the value to issue after `last` on
 * receiving `remote`, the wall clock reading `wall`.  After both `last`
 * and `remote`.
 */
sanshe_hlc sanshe_hlc_receive(sanshe_hlc last, sanshe_hlc remote,
			      uint64_t wall);

/** A persistent clock, open on a home directory (holding its lock). */
typedef struct sanshe_clock sanshe_clock;

/** A wall-clock source: milliseconds since the Unix epoch. */
typedef uint64_t (*sanshe_clock_now_fn)(void);

/**
 * Open the clock of `home` (made, mode 0700, when missing): take the lock,
 * waiting up to SANSHE_CLOCK_WAIT_MS for another process, and read the last
 * value issued.
 *
 * @param out  receives the clock; sanshe_clock_close it, then
 *             sanshe_clock_free it
 * @param now  the wall clock; NULL for the system's (CLOCK_REALTIME)
 * @return 0, SANSHE_ELOCKED, SANSHE_EPARSE (a damaged clock file; the
 *         message names it), SANSHE_EIO or SANSHE_ENOMEM
 */
int sanshe_clock_open(sanshe_clock **out, const char *home,
		      sanshe_clock_now_fn now);

/** sanshe_clock_open waiting at most `wait_ms` for the lock. */
int sanshe_clock_open_timeout(sanshe_clock **out, const char *home,
			      sanshe_clock_now_fn now, unsigned wait_ms);

/**
 * Issue a new value, after every value issued or observed before.  In
 * memory only: cheap.  0, or SANSHE_EINVALID when the clock would pass
 * SANSHE_HLC_MS_MAX.
 */
int sanshe_clock_tick(sanshe_clock *clock, sanshe_hlc *out);

/**
 * Fold in a value received from elsewhere (sanshe_hlc_receive), so that
 * later ticks come after it.  A peer's clock far in the future drags this
 * one along: judge implausible values before observing them.
 * 0, or SANSHE_EINVALID when `remote.ms` is past SANSHE_HLC_MS_MAX.
 */
int sanshe_clock_observe(sanshe_clock *clock, sanshe_hlc remote);

/** The last value issued or observed. */
sanshe_hlc sanshe_clock_last(const sanshe_clock *clock);

/**
 * Write the last value to `home/clock` (atomically, when it changed) and
 * release the lock.  0 or SANSHE_EIO; the lock is released either way and
 * the clock can only be freed afterwards.
 */
int sanshe_clock_close(sanshe_clock *clock);

/**
 * Release a clock.  One not closed yet is closed first, its write error
 * ignored: values handed out are never issued again if it can be helped.
 * NULL is fine.
 */
void sanshe_clock_free(sanshe_clock *clock);

#endif

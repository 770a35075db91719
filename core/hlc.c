/* The hybrid logical clock: values, their text form, the persistent clock. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "fs.h"
#include "hlc.h"

#define MS_PER_DAY 86400000ULL
#define SHAPE "dddd-dd-ddTdd:dd:dd.dddZ/"
#define SHAPE_LEN 25
#define COUNTER_DIGITS_MAX 10 /* UINT32_MAX has 10 digits */
#define CLOCK_FILE_MAX 64

struct sanshe_clock {
	char *path;   /* home/clock */
	int lock_fd;  /* holds the flock on home/clock.lock; -1 once closed */
	sanshe_clock_now_fn now;
	sanshe_hlc last;  /* last issued or observed */
	sanshe_hlc saved; /* what home/clock holds */
};

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar. */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

/* The date of a day number (the inverse of days_from_civil). */
static void civil_from_days(uint64_t days, unsigned *y, unsigned *m,
			    unsigned *d)
{
	uint64_t z = days + 719468;
	unsigned era = (unsigned)(z / 146097);
	unsigned doe = (unsigned)(z - (uint64_t)era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int sanshe_hlc_format(char out[SANSHE_HLC_MAX], sanshe_hlc hlc)
{
	uint64_t in_day = hlc.ms % MS_PER_DAY;
	unsigned y, mo, d;

	out[0] = '\0';
	if (hlc.ms > SANSHE_HLC_MS_MAX)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("clock value past the year 9999"));
	civil_from_days(hlc.ms / MS_PER_DAY, &y, &mo, &d);
	snprintf(out, SANSHE_HLC_MAX, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ/%04u",
		 y, mo, d, (unsigned)(in_day / 3600000),
		 (unsigned)(in_day / 60000 % 60), (unsigned)(in_day / 1000 % 60),
		 (unsigned)(in_day % 1000), (unsigned)hlc.counter);
	return 0;
}

/* `text` as it may be shown in a message: printable ASCII, shortened. */
static const char *shown(char out[44], const char *text)
{
	size_t i;

	for (i = 0; text[i] && i < 40; i++)
		out[i] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	strcpy(out + i, text[i] ? "..." : "");
	return out;
}

static int bad_value(const char *text, const char *why)
{
	char quoted[44];

	return sanshe_error_set(SANSHE_EPARSE, _("'%s' is not a clock value: %s"),
				shown(quoted, text), why);
}

static int has_shape(const char *text)
{
	for (size_t i = 0; i < SHAPE_LEN; i++) {
		if (SHAPE[i] == 'd' ? text[i] < '0' || text[i] > '9'
				    : text[i] != SHAPE[i])
			return 0;
	}
	return 1;
}

/* The date and time part, "YYYY-MM-DDTHH:MM:SS.mmmZ", in ms. */
static int parse_time(uint64_t *ms, const char *text)
{
	/* has_shape() saw the digits: none of these is -1 */
	unsigned y = (unsigned)sanshe_calendar_digits(text, 4);
	unsigned mo = (unsigned)sanshe_calendar_digits(text + 5, 2);
	unsigned d = (unsigned)sanshe_calendar_digits(text + 8, 2);
	unsigned h = (unsigned)sanshe_calendar_digits(text + 11, 2);
	unsigned mi = (unsigned)sanshe_calendar_digits(text + 14, 2);
	unsigned s = (unsigned)sanshe_calendar_digits(text + 17, 2);

	if (y < 1970)
		return bad_value(text, _("before 1970"));
	if (mo < 1 || mo > 12 || d < 1 || d > (unsigned)sanshe_calendar_days_in_month((int)y, (int)mo) || h > 23 ||
	    mi > 59 || s > 59)
		return bad_value(text, _("no such date or time"));
	*ms = days_from_civil(y, mo, d) * MS_PER_DAY +
	      ((uint64_t)h * 3600 + mi * 60 + s) * 1000 +
	      (unsigned)sanshe_calendar_digits(text + 20, 3);
	return 0;
}

/* The counter: 4 digits, or more without a leading zero, at most 2^32-1. */
static int parse_counter(uint32_t *counter, const char *text, const char *p)
{
	size_t len = strspn(p, "0123456789");
	uint64_t v = 0;

	if (p[len] != '\0' || len < 4 || len > COUNTER_DIGITS_MAX ||
	    (len > 4 && p[0] == '0'))
		return bad_value(text, _("the counter after '/' must be 4 digits "
					 "or more, without extra zeros"));
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	if (v > UINT32_MAX)
		return bad_value(text, _("the counter is too large"));
	*counter = (uint32_t)v;
	return 0;
}

int sanshe_hlc_parse(sanshe_hlc *out, const char *text)
{
	sanshe_hlc hlc;
	int err;

	if (strnlen(text, SHAPE_LEN) < SHAPE_LEN || !has_shape(text))
		return bad_value(text, _("expected YYYY-MM-DDTHH:MM:SS.mmmZ/NNNN"));
	if ((err = parse_time(&hlc.ms, text)) != 0 ||
	    (err = parse_counter(&hlc.counter, text, text + SHAPE_LEN)) != 0)
		return err;
	*out = hlc;
	return 0;
}

int sanshe_hlc_compare(sanshe_hlc a, sanshe_hlc b)
{
	if (a.ms != b.ms)
		return a.ms < b.ms ? -1 : 1;
	if (a.counter != b.counter)
		return a.counter < b.counter ? -1 : 1;
	return 0;
}

/* (ms, counter), moving to the next millisecond if the counter is full. */
static sanshe_hlc make(uint64_t ms, uint64_t counter)
{
	sanshe_hlc hlc = { ms, (uint32_t)counter };

	if (counter > UINT32_MAX) {
		hlc.ms = ms + 1;
		hlc.counter = 0;
	}
	return hlc;
}

sanshe_hlc sanshe_hlc_next(sanshe_hlc last, uint64_t wall)
{
	if (wall > last.ms)
		return make(wall, 0);
	return make(last.ms, (uint64_t)last.counter + 1);
}

sanshe_hlc sanshe_hlc_receive(sanshe_hlc last, sanshe_hlc remote,
			      uint64_t wall)
{
	uint64_t ms = last.ms > remote.ms ? last.ms : remote.ms;

	if (wall > ms)
		return make(wall, 0);
	if (last.ms == remote.ms)
		return make(ms, (uint64_t)(last.counter > remote.counter ?
					   last.counter : remote.counter) + 1);
	if (ms == last.ms)
		return make(ms, (uint64_t)last.counter + 1);
	return make(ms, (uint64_t)remote.counter + 1);
}

static uint64_t system_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int take_lock(sanshe_clock *clock, const char *home, unsigned wait_ms)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_fs_mkdirs(home, 0700)) != 0 ||
	    (err = sanshe_buf_printf(&path, "%s/clock.lock", home)) != 0)
		goto done;
	clock->lock_fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (clock->lock_fd < 0) {
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot open '%s'"), path.ptr);
		goto done;
	}
	err = sanshe_fs_lock(clock->lock_fd, wait_ms);
	if (err == SANSHE_ELOCKED)
		sanshe_error_set(err, _("'%s' is locked by another sanshe (waited %u ms)"),
				 path.ptr, wait_ms);
	else if (err)
		sanshe_error_set_os(err, _("cannot lock '%s'"), path.ptr);
done:
	sanshe_buf_dispose(&path);
	return err;
}

/* The text of the clock file: one value and a newline. */
static int parse_clock_text(sanshe_hlc *out, sanshe_buf *text)
{
	int err = sanshe_buf_put(text, "", 0); /* text->ptr is a string now */

	if (err)
		return err;
	if (text->size > 0 && text->ptr[text->size - 1] == '\n')
		text->ptr[--text->size] = '\0';
	if (strlen(text->ptr) != text->size)
		return sanshe_error_set(SANSHE_EPARSE, "%s", _("it holds a NUL byte"));
	return sanshe_hlc_parse(out, text->ptr);
}

/* Read home/clock; a missing file is a clock that never ticked. */
static int read_last(sanshe_clock *clock)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int err = sanshe_fs_read(&text, clock->path, CLOCK_FILE_MAX);

	if (err == SANSHE_ENOTFOUND)
		err = 0;
	else if (!err)
		err = parse_clock_text(&clock->last, &text);
	if (err == SANSHE_EPARSE)
		err = sanshe_error_prefix(_("clock file '%s' is damaged (remove it "
					    "to start again from the computer's "
					    "clock)"), clock->path);
	clock->saved = clock->last;
	sanshe_buf_dispose(&text);
	return err;
}

int sanshe_clock_open_timeout(sanshe_clock **out, const char *home,
			      sanshe_clock_now_fn now, unsigned wait_ms)
{
	sanshe_clock *clock = calloc(1, sizeof(*clock));
	sanshe_buf path = SANSHE_BUF_INIT;
	int err;

	*out = NULL;
	if (!clock)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	clock->lock_fd = -1;
	clock->now = now ? now : system_now;
	if ((err = take_lock(clock, home, wait_ms)) != 0 ||
	    (err = sanshe_buf_printf(&path, "%s/clock", home)) != 0)
		goto fail;
	clock->path = sanshe_buf_detach(&path);
	if ((err = read_last(clock)) != 0)
		goto fail;
	*out = clock;
	return 0;
fail:
	/* Without its path the clock is released without writing anything. */
	free(clock->path);
	clock->path = NULL;
	sanshe_buf_dispose(&path);
	sanshe_clock_free(clock);
	return err;
}

int sanshe_clock_open(sanshe_clock **out, const char *home,
		      sanshe_clock_now_fn now)
{
	return sanshe_clock_open_timeout(out, home, now, SANSHE_CLOCK_WAIT_MS);
}

static int set_last(sanshe_clock *clock, sanshe_hlc next)
{
	if (next.ms > SANSHE_HLC_MS_MAX)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("the clock would pass the year 9999"));
	clock->last = next;
	return 0;
}

int sanshe_clock_tick(sanshe_clock *clock, sanshe_hlc *out)
{
	int err = set_last(clock, sanshe_hlc_next(clock->last, clock->now()));

	if (!err)
		*out = clock->last;
	return err;
}

int sanshe_clock_observe(sanshe_clock *clock, sanshe_hlc remote)
{
	if (remote.ms > SANSHE_HLC_MS_MAX)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("clock value past the year 9999"));
	return set_last(clock, sanshe_hlc_receive(clock->last, remote,
						  clock->now()));
}

sanshe_hlc sanshe_clock_last(const sanshe_clock *clock)
{
	return clock->last;
}

static int write_last(sanshe_clock *clock)
{
	char text[SANSHE_HLC_MAX + 1];
	int err;

	if (sanshe_hlc_compare(clock->last, clock->saved) == 0)
		return 0;
	if ((err = sanshe_hlc_format(text, clock->last)) != 0)
		return err;
	strcat(text, "\n");
	if ((err = sanshe_fs_write(clock->path, text, strlen(text), 0600, 0)) != 0)
		return err;
	clock->saved = clock->last;
	return 0;
}

int sanshe_clock_close(sanshe_clock *clock)
{
	int err = 0;

	if (clock->lock_fd < 0)
		return 0;
	if (clock->path)
		err = write_last(clock);
	close(clock->lock_fd); /* releases the flock */
	clock->lock_fd = -1;
	return err;
}

void sanshe_clock_free(sanshe_clock *clock)
{
	char message[1024];
	int code = sanshe_error_code();

	if (!clock)
		return;
	/* Keep the failure the caller may be about to report. */
	snprintf(message, sizeof(message), "%s", sanshe_error_last());
	if (sanshe_clock_close(clock) != 0)
		sanshe_error_set(code, "%s", message);
	free(clock->path);
	free(clock);
}

/*
 * JSON Schema: the formats sanshe asserts (the others are annotations).
 *
 *   date       RFC 3339 full-date: YYYY-MM-DD, ASCII digits, a day that
 *              exists in that month of the proleptic Gregorian calendar.
 *   date-time  RFC 3339 date-time: full-date "T" HH:MM:SS, an optional
 *              fraction of any length, then "Z" or an offset +HH:MM/-HH:MM
 *              (hours 00-23, minutes 00-59); "t" and "z" are accepted too.
 *              Second 60 is a leap second, allowed only when the time
 *              is 23:59 in UTC once the offset is taken off.
 *   uuid       RFC 9562 text: 8-4-4-4-12 hex digits, either case, any
 *              version or variant nibble.
 *
 * Nothing else is accepted: no spaces, no week dates, no "urn:uuid:".
 */
#include "common.h"

#include <string.h>

#include "calendar.h"
#include "schema_int.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* YYYY-MM-DD at `s`; true when it is a real day. */
static bool full_date(const char *s)
{
	int year = sanshe_calendar_digits(s, 4), month, day;

	if (year < 0 || s[4] != '-' || (month = sanshe_calendar_digits(s + 5, 2)) < 1 ||
	    month > 12 || s[7] != '-' || (day = sanshe_calendar_digits(s + 8, 2)) < 1)
		return false;
	return day <= sanshe_calendar_days_in_month(year, month);
}

/* HH:MM at `s` into minutes since midnight, or -1. */
static int hours_minutes(const char *s)
{
	int hour = sanshe_calendar_digits(s, 2), minute;

	if (hour < 0 || hour > 23 || s[2] != ':' ||
	    (minute = sanshe_calendar_digits(s + 3, 2)) < 0 || minute > 59)
		return -1;
	return hour * 60 + minute;
}

/* "Z" or +HH:MM / -HH:MM, ending the string; minutes east of UTC or -1. */
static int offset_minutes(const char *s, int *east)
{
	int minutes;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*east = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') ||
	    (minutes = hours_minutes(s + 1)) < 0 || s[6] != '\0')
		return -1;
	*east = s[0] == '+' ? minutes : -minutes;
	return 0;
}

/* HH:MM:SS[.fraction] then the offset, at `s`. */
static bool full_time(const char *s)
{
	int minutes = hours_minutes(s), second, east, utc;
	const char *p = s + 8;

	if (minutes < 0 || s[5] != ':' || (second = sanshe_calendar_digits(s + 6, 2)) < 0 ||
	    second > 60)
		return false;
	if (*p == '.') {
		if (!is_digit(*++p))
			return false;
		while (is_digit(*p))
			p++;
	}
	if (offset_minutes(p, &east) != 0)
		return false;
	utc = ((minutes - east) % 1440 + 1440) % 1440;
	return second < 60 || utc == 23 * 60 + 59;
}

static bool is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return s[36] == '\0';
}

enum schema_format schema_format_lookup(const char *name)
{
	if (strcmp(name, "date") == 0)
		return SCHEMA_FORMAT_DATE;
	if (strcmp(name, "date-time") == 0)
		return SCHEMA_FORMAT_DATE_TIME;
	if (strcmp(name, "uuid") == 0)
		return SCHEMA_FORMAT_UUID;
	return SCHEMA_FORMAT_NONE;
}

bool schema_format_valid(enum schema_format format, const char *s)
{
	switch (format) {
	case SCHEMA_FORMAT_DATE:
		return full_date(s) && s[10] == '\0';
	case SCHEMA_FORMAT_DATE_TIME:
		return full_date(s) && (s[10] == 'T' || s[10] == 't') &&
		       full_time(s + 11);
	case SCHEMA_FORMAT_UUID:
		return is_uuid(s);
	default:
		return true;
	}
}

const char *schema_format_message(enum schema_format format)
{
	switch (format) {
	case SCHEMA_FORMAT_DATE:
		return _("not a date (YYYY-MM-DD)");
	case SCHEMA_FORMAT_DATE_TIME:
		return _("not a date-time (YYYY-MM-DDThh:mm:ss and Z or an "
			 "offset like +08:00)");
	case SCHEMA_FORMAT_UUID:
		return _("not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
	default:
		return "";
	}
}

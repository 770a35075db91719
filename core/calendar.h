/*
 * Calendar arithmetic shared by the clock (hlc.c) and the date formats of
 * schemas (schema_format.c): the proleptic Gregorian calendar, digits read
 * from fixed-width text.
 */
#ifndef SANSHE_CALENDAR_H
#define SANSHE_CALENDAR_H

/**
 * The number written by the `n` digits at `s`, or -1 when one of them is
 * not a digit (it stops there, so it never reads past a string's end).
 */
int sanshe_calendar_digits(const char *s, int n);

/** Days in `month` (1–12) of `year`, leap years counted. */
int sanshe_calendar_days_in_month(int year, int month);

#endif

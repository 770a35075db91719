/*
 * Translation: every message meant for a person goes through _("..."), so
 * that a catalogue (zh_CN for the field offices) can be added without
 * touching the code.  N_("...") marks a string for extraction only.
 */
#ifndef SANSHE_I18N_H
#define SANSHE_I18N_H

#include <libintl.h>

#define SANSHE_TEXTDOMAIN "sanshe"
#define _(s) dgettext(SANSHE_TEXTDOMAIN, s)
#define N_(s) (s)

#endif

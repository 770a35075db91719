/*
 * JSON Schema: regular expressions (`pattern`, `patternProperties`).
 *
 * JSON Schema patterns are ECMA-262 regular expressions in Unicode mode;
 * sanshe runs them with PCRE2 in UTF mode, set up to behave like ECMA-262
 * where the two differ on the patterns schemas use:
 *
 *   - `$` matches only at the very end (PCRE2_DOLLAR_ENDONLY), not before
 *     a final newline;
 *   - `\uXXXX` and `\u{X...}` name a code point (PCRE2_ALT_BSUX);
 *   - `[]` matches nothing and `[^]` anything (PCRE2_ALLOW_EMPTY_CLASS);
 *   - a back reference to a group that did not take part matches the
 *     empty string (PCRE2_MATCH_UNSET_BACKREF);
 *   - `.` stops at CR and LF (ECMA-262 also at U+2028 and U+2029);
 *   - the long General_Category names of ECMA-262 (\p{Letter},
 *     \p{gc=Uppercase_Letter}) are rewritten to PCRE2's short ones (\p{L},
 *     \p{Lu}), which PCRE2 10.42 alone understands.
 *
 * \d and \w are ASCII in both; \s is ASCII here but also Unicode spaces in
 * ECMA-262.  Matches are bounded (see schema.c) so that a pattern that
 * backtracks without end fails the validation instead of hanging it.
 */
#include "common.h"

#include <string.h>

#include "schema_int.h"

#define COMPILE_OPTIONS                                                        \
	(PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_BSUX |                   \
	 PCRE2_ALLOW_EMPTY_CLASS | PCRE2_MATCH_UNSET_BACKREF |                 \
	 PCRE2_NEVER_BACKSLASH_C)

static const struct {
	const char *long_name;
	const char *short_name;
} categories[] = {
    {"Cased_Letter", "L&"},
    {"Close_Punctuation", "Pe"},
    {"Connector_Punctuation", "Pc"},
    {"Control", "Cc"},
    {"Currency_Symbol", "Sc"},
    {"Dash_Punctuation", "Pd"},
    {"Decimal_Number", "Nd"},
    {"Enclosing_Mark", "Me"},
    {"Final_Punctuation", "Pf"},
    {"Format", "Cf"},
    {"Initial_Punctuation", "Pi"},
    {"Letter", "L"},
    {"Letter_Number", "Nl"},
    {"Line_Separator", "Zl"},
    {"Lowercase_Letter", "Ll"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Math_Symbol", "Sm"},
    {"Modifier_Letter", "Lm"},
    {"Modifier_Symbol", "Sk"},
    {"Nonspacing_Mark", "Mn"},
    {"Number", "N"},
    {"Open_Punctuation", "Ps"},
    {"Other", "C"},
    {"Other_Letter", "Lo"},
    {"Other_Number", "No"},
    {"Other_Punctuation", "Po"},
    {"Other_Symbol", "So"},
    {"Paragraph_Separator", "Zp"},
    {"Private_Use", "Co"},
    {"Punctuation", "P"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Spacing_Mark", "Mc"},
    {"Surrogate", "Cs"},
    {"Symbol", "S"},
    {"Titlecase_Letter", "Lt"},
    {"Unassigned", "Cn"},
    {"Uppercase_Letter", "Lu"},
    {"digit", "Nd"},
    {"punct", "P"},
    {"cntrl", "Cc"},
    {"LC", "L&"},
};

static int put_property(sanshe_buf *out, const char *name, size_t len)
{
	size_t i, skip = 0;

	if (len > 17 && strncmp(name, "General_Category=", 17) == 0)
		skip = 17;
	else if (len > 3 && strncmp(name, "gc=", 3) == 0)
		skip = 3;
	for (i = 0; i < SANSHE_ARRAY_SIZE(categories); i++)
		if (strlen(categories[i].long_name) == len - skip &&
		    strncmp(categories[i].long_name, name + skip, len - skip) ==
			0)
			return sanshe_buf_puts(out, categories[i].short_name);
	return sanshe_buf_put(out, name + skip, len - skip);
}

/* Copy `source` to `out`, rewriting \p{Long_Name} and \P{Long_Name}. */
static int translate(sanshe_buf *out, const char *source)
{
	const char *p = source, *end;
	int err = sanshe_buf_puts(out, "");

	while (*p && !err) {
		if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P') &&
		    p[2] == '{' && (end = strchr(p + 3, '}')) != NULL) {
			err = sanshe_buf_put(out, p, 3);
			if (!err)
				err = put_property(out, p + 3,
						   (size_t)(end - p - 3));
			if (!err)
				err = sanshe_buf_putc(out, '}');
			p = end + 1;
		} else if (p[0] == '\\' && p[1]) {
			err = sanshe_buf_put(out, p, 2);
			p += 2;
		} else {
			err = sanshe_buf_putc(out, *p++);
		}
	}
	return err;
}

int schema_regex_compile(struct schema_compiler *c, struct schema_regex *regex,
			 const char *source, const char *keyword)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	pcre2_compile_context *context = NULL;
	PCRE2_UCHAR reason[256];
	PCRE2_SIZE offset;
	int err, code;

	if ((err = translate(&text, source)) != 0)
		goto done;
	context = pcre2_compile_context_create(NULL);
	if (!context) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	pcre2_set_compile_extra_options(context, PCRE2_EXTRA_ALT_BSUX);
	pcre2_set_newline(context, PCRE2_NEWLINE_ANYCRLF);
	regex->code = pcre2_compile((PCRE2_SPTR)text.ptr, text.size,
				    COMPILE_OPTIONS, &code, &offset, context);
	regex->source = source;
	if (!regex->code) {
		pcre2_get_error_message(code, reason, sizeof(reason));
		err =
		    schema_compile_fail(c, _("'%s': invalid pattern '%s': %s"),
					keyword, source, (const char *)reason);
	}
done:
	pcre2_compile_context_free(context);
	sanshe_buf_dispose(&text);
	return err;
}

void schema_regex_dispose(struct schema_regex *regex)
{
	pcre2_code_free(regex->code);
	regex->code = NULL;
}

int schema_regex_match(const struct schema_validation *v,
		       const struct schema_regex *regex, const char *subject,
		       const char **why)
{
	int rc;

	rc =
	    pcre2_match(regex->code, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED,
			0, 0, v->match, v->schema->match_context);
	if (rc >= 0) /* 0: matched, but the offsets did not all fit */
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
	    rc == PCRE2_ERROR_DEPTHLIMIT)
		*why = _("too costly to match");
	else if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		*why = _("not valid UTF-8");
	else
		*why = _("cannot be matched");
	return -1;
}

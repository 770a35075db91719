/*
 * The auditor's report of `sanshe verify --html`: one self-contained HTML
 * file (inline CSS, no script, nothing fetched) with the summary, the
 * findings and each project's ledger by category against its budget.
 *
 * Everything that comes from a repository is hostile: every string of the
 * report (names, messages, ids, titles) is written HTML-escaped, control
 * characters and broken UTF-8 replaced, so that a document cannot put
 * markup, script or a link into the page.
 */
#ifndef SANSHE_CLI_VERIFY_HTML_H
#define SANSHE_CLI_VERIFY_HTML_H

#include <cjson/cJSON.h>

#include "buf.h"

/**
 * Append `text` to `out` escaped for HTML text and attribute values:
 * & < > " ' as character references, control characters but tab and
 * newline, and bytes that are not UTF-8, as U+FFFD.  0 or SANSHE_ENOMEM.
 */
int cli_html_escape(sanshe_buf *out, const char *text);

/**
 * Append the summary sentence of `summary` (the "summary" object of verify's
 * JSON report: spaces, commits, merges, versions, signatures, findings) to
 * `out`: "verified 12 commits (1 merges recomputed), … in 3 spaces: no
 * findings", with a capital first letter when `capital`.  0 or SANSHE_ENOMEM.
 */
int cli_verify_summary(sanshe_buf *out, const cJSON *summary, int capital);

/**
 * Append the HTML report of `report` (verify's JSON report: summary,
 * findings, projects) on the repository `repository`, verified at `when`
 * (text shown as it is), to `out`.  0 or SANSHE_ENOMEM.
 */
int cli_verify_html(sanshe_buf *out, const cJSON *report, const char *repository,
		    const char *when);

#endif

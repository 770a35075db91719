/*
 * The HTML report of sanshe verify (verify_html.h).  The page is written
 * from the same JSON report --json prints, so the two never disagree.
 * Markup is fixed text of this file; every value goes through
 * cli_html_escape.
 */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "json.h"
#include "rules.h"
#include "verify_html.h"

/* U+FFFD, in place of what may not appear in the page. */
#define REPLACEMENT "\xEF\xBF\xBD"

static const char style[] =
	"body{font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',"
	"'PingFang SC','WenQuanYi Micro Hei',sans-serif;margin:2em;color:#111;max-width:72em}"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1.05em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"#summary{font-size:1.1em;font-weight:bold;padding:.5em;border:2px solid}"
	"#summary.clean{border-color:#2a7d2a}#summary.findings{border-color:#b00}"
	"tr.over td{background:#fde2e2}tr.total td{font-weight:bold}"
	".code{font-family:monospace;white-space:nowrap}"
	".key{font-family:monospace;font-size:.85em;word-break:break-all}"
	"#findings{width:100%}#findings td:last-child{width:35%}"
	"#findings td{overflow-wrap:break-word}"
	"@media print{tr.over td{background:none}}";

/* An HTML page being written: the first failure is kept, later writes are skipped. */
typedef struct page {
	sanshe_buf *out;
	int err;
} page;

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* Fixed markup. */
static void markup(page *p, const char *html)
{
	if (!p->err && sanshe_buf_puts(p->out, html) != 0)
		p->err = no_memory();
}

/* A value, escaped. */
static void text(page *p, const char *s)
{
	if (!p->err)
		p->err = cli_html_escape(p->out, s);
}

/* Formatted text (a translated format and values), escaped as a whole. */
static void textf(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(page *p, const char *fmt, ...)
{
	sanshe_buf s = SANSHE_BUF_INIT;
	va_list ap;

	if (p->err)
		return;
	va_start(ap, fmt);
	if (sanshe_buf_vprintf(&s, fmt, ap) != 0)
		p->err = no_memory();
	va_end(ap);
	text(p, s.ptr ? s.ptr : "");
	sanshe_buf_dispose(&s);
}

/* <tag>text</tag>, the tag with its attributes as fixed markup. */
static void element(page *p, const char *open, const char *s, const char *close)
{
	markup(p, open);
	text(p, s);
	markup(p, close);
}

/* The character reference standing for the ASCII character `c`, or NULL. */
static const char *reference(unsigned char c)
{
	static const char *const refs[][2] = {
		{ "&", "&amp;" }, { "<", "&lt;" }, { ">", "&gt;" }, { "\"", "&quot;" }, { "'", "&#39;" },
	};

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(refs); i++)
		if (c == (unsigned char)refs[i][0][0])
			return refs[i][1];
	return NULL;
}

/* How many bytes of `s` (at most `left`) make its next character, or 0 when broken. */
static size_t char_length(const unsigned char *s, size_t left)
{
	size_t n = *s < 0x80 ? 1 : *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : 2, bad;

	if (n > left || (n > 1 && !sanshe_utf8_valid((const char *)s, n, &bad)))
		return 0;
	return n;
}

int cli_html_escape(sanshe_buf *out, const char *text_in)
{
	const unsigned char *s = (const unsigned char *)text_in;
	size_t left = strlen(text_in);
	int err = 0;

	while (!err && left) {
		size_t n = char_length(s, left);
		const char *ref = n == 1 ? reference(*s) : NULL;

		if (ref)
			err = sanshe_buf_puts(out, ref);
		else if (!n || (n == 1 && ((*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7F)) ||
			 (n == 2 && s[0] == 0xC2 && s[1] < 0xA0))
			err = sanshe_buf_puts(out, REPLACEMENT); /* broken, or a control */
		else
			err = sanshe_buf_put(out, s, n);
		n = n ? n : 1;
		s += n;
		left -= n;
	}
	return err ? no_memory() : 0;
}

/* ---- reading the report ---- */

static const char *string_of(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static double number_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static uint64_t fen_of(const cJSON *obj, const char *name)
{
	double v = number_of(obj, name);

	return v > 0 ? (uint64_t)v : 0;
}

static size_t count_of(const cJSON *obj, const char *name)
{
	double v = number_of(obj, name);

	return v > 0 ? (size_t)v : 0;
}

int cli_verify_summary(sanshe_buf *out, const cJSON *summary, int capital)
{
	size_t findings = count_of(summary, "findings");
	int err;

	err = sanshe_buf_printf(
	    out,
	    capital ? _("Verified %zu commits (%zu merges recomputed), %zu document versions, "
			"%zu signatures in %zu spaces: ")
		    : _("verified %zu commits (%zu merges recomputed), %zu document versions, "
			"%zu signatures in %zu spaces: "),
	    count_of(summary, "commits"), count_of(summary, "merges"),
	    count_of(summary, "versions"), count_of(summary, "signatures"),
	    count_of(summary, "spaces"));
	if (!err && !findings)
		err = sanshe_buf_puts(out, _("no findings"));
	else if (!err)
		err = sanshe_buf_printf(out, findings == 1 ? _("%zu finding") : _("%zu findings"),
					findings);
	return err ? no_memory() : 0;
}

/* ---- the page ---- */

static void head(page *p, const char *repository, const char *when)
{
	markup(p, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>");
	textf(p, _("sanshe verify: %s"), repository);
	markup(p, "</title>\n<style>");
	markup(p, style);
	markup(p, "</style></head>\n<body>\n<h1>");
	textf(p, _("Verification of %s"), repository);
	markup(p, "</h1>\n<p id=\"when\">");
	textf(p, _("Verified on %s."), when);
	markup(p, "</p>\n");
}

static void summary_block(page *p, const cJSON *report)
{
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(report, "summary");
	sanshe_buf sentence = SANSHE_BUF_INIT;

	markup(p, "<h2>");
	text(p, _("Summary"));
	markup(p, count_of(summary, "findings") ? "</h2>\n<p id=\"summary\" class=\"findings\">"
						: "</h2>\n<p id=\"summary\" class=\"clean\">");
	if (!p->err)
		p->err = cli_verify_summary(&sentence, summary, 1);
	text(p, sentence.ptr ? sentence.ptr : "");
	markup(p, "</p>\n");
	sanshe_buf_dispose(&sentence);
}

/* A cell of a finding: the value, or a dash when unknown. */
static void finding_cell(page *p, const char *open, const char *value)
{
	element(p, open, value ? value : "\xE2\x80\x94", "</td>");
}

static void finding_row(page *p, const cJSON *f)
{
	const char *type = string_of(f, "type"), *id = string_of(f, "id");
	const char *name = string_of(f, "signer_name"), *key = string_of(f, "signer");
	const char *commit = string_of(f, "commit");
	char short_commit[13] = "";

	if (commit)
		snprintf(short_commit, sizeof(short_commit), "%.12s", commit);
	markup(p, "<tr>");
	finding_cell(p, "<td class=\"code\">", string_of(f, "rule"));
	finding_cell(p, "<td>", string_of(f, "space"));
	finding_cell(p, "<td class=\"code\">", commit ? short_commit : NULL);
	markup(p, "<td class=\"code\">");
	if (type || id)
		textf(p, "%s/%s", type ? type : "?", id ? id : "?");
	else
		text(p, "\xE2\x80\x94");
	markup(p, "</td>");
	markup(p, "<td>");
	text(p, name ? name : key ? key : "\xE2\x80\x94");
	if (name && key) {
		markup(p, "<br><span class=\"key\">");
		text(p, key);
		markup(p, "</span>");
	}
	markup(p, "</td>");
	finding_cell(p, "<td>", string_of(f, "at"));
	finding_cell(p, "<td>", string_of(f, "message"));
	markup(p, "</tr>\n");
}

static void findings_table(page *p, const cJSON *report)
{
	const cJSON *findings = cJSON_GetObjectItemCaseSensitive(report, "findings"), *f;

	markup(p, "<h2>");
	text(p, _("Findings"));
	markup(p, "</h2>\n");
	if (!cJSON_GetArraySize(findings)) {
		element(p, "<p id=\"findings\">", _("None."), "</p>\n");
		return;
	}
	markup(p, "<table id=\"findings\">\n<tr>");
	element(p, "<th>", _("Rule"), "</th>");
	element(p, "<th>", _("Space"), "</th>");
	element(p, "<th>", _("Commit"), "</th>");
	element(p, "<th>", _("Document"), "</th>");
	element(p, "<th>", _("Signer"), "</th>");
	element(p, "<th>", _("Time"), "</th>");
	element(p, "<th>", _("Message"), "</th>");
	markup(p, "</tr>\n");
	cJSON_ArrayForEach(f, findings)
		finding_row(p, f);
	markup(p, "</table>\n");
}

/* A cell with an amount of yuan. */
static void yuan_cell(page *p, uint64_t fen, int negative)
{
	char yuan[SANSHE_RULES_YUAN_SIZE];

	sanshe_rules_yuan(yuan, fen);
	markup(p, "<td class=\"num\">");
	if (negative)
		markup(p, "\xE2\x88\x92"); /* − */
	text(p, yuan);
	markup(p, "</td>");
}

/* How much of `budget` is spent, in percent with one decimal rounded half up. */
static void percent_used(page *p, uint64_t budget, uint64_t spent)
{
	double tenths = (double)spent * 1000.0 / (double)budget + 0.5;

	if (!budget)
		text(p, "\xE2\x80\x94"); /* no budget to use */
	else if (tenths < 1e15)
		textf(p, "%llu.%llu%%", (unsigned long long)tenths / 10,
		      (unsigned long long)tenths % 10);
	else
		textf(p, "%.0f%%", tenths / 10);
}

/*
 * One category of a project, or its total when `category` is NULL (then
 * `over_categories` says how many categories are over their budget).
 */
static void category_row(page *p, const char *category, uint64_t budget, uint64_t spent,
			 size_t over_categories)
{
	char over[SANSHE_RULES_YUAN_SIZE];
	int is_over = spent > budget;

	markup(p, category ? (is_over ? "<tr class=\"category over\">" : "<tr class=\"category\">")
			   : (is_over ? "<tr class=\"total over\">" : "<tr class=\"total\">"));
	element(p, "<td>", category ? category : _("total"), "</td>");
	yuan_cell(p, budget, 0);
	yuan_cell(p, spent, 0);
	yuan_cell(p, is_over ? spent - budget : budget - spent, is_over);
	markup(p, "<td class=\"num\">");
	percent_used(p, budget, spent);
	markup(p, "</td><td>");
	sanshe_rules_yuan(over, is_over ? spent - budget : 0);
	if (is_over)
		textf(p, _("OVER BUDGET by %s yuan"), over);
	else if (over_categories)
		textf(p, over_categories == 1 ? _("%zu category OVER BUDGET")
					      : _("%zu categories OVER BUDGET"),
		      over_categories);
	else
		text(p, _("within budget"));
	markup(p, "</td></tr>\n");
}

static void project_section(page *p, const cJSON *project)
{
	const cJSON *budget = cJSON_GetObjectItemCaseSensitive(project, "budget");
	const cJSON *spent = cJSON_GetObjectItemCaseSensitive(project, "spent");
	const char *title = string_of(project, "title"), *space = string_of(project, "space");
	const char *id = string_of(project, "id");
	uint64_t total_budget = 0, total_spent = 0;
	size_t over = 0;
	char disbursed[SANSHE_RULES_YUAN_SIZE];

	markup(p, "<section class=\"project\">\n<h3>");
	if (title)
		textf(p, _("%s (project %s)"), title, id ? id : "?");
	else
		textf(p, _("project %s"), id ? id : "?");
	markup(p, "</h3>\n<p>");
	if (space)
		textf(p, _("Space %s; %zu ledger entries."), space, count_of(project, "entries"));
	else
		textf(p, _("No project document: %zu ledger entries name this project."),
		      count_of(project, "entries"));
	markup(p, "</p>\n<table>\n<tr>");
	element(p, "<th>", _("Category"), "</th>");
	element(p, "<th>", _("Budget (yuan)"), "</th>");
	element(p, "<th>", _("Spent (yuan)"), "</th>");
	element(p, "<th>", _("Remaining (yuan)"), "</th>");
	element(p, "<th>", _("Used"), "</th>");
	element(p, "<th>", _("Status"), "</th>");
	markup(p, "</tr>\n");
	for (size_t i = 0; i < SANSHE_RULES_CATEGORIES; i++) {
		const char *c = sanshe_rules_categories[i];
		uint64_t b = fen_of(budget, c), s = fen_of(spent, c);

		category_row(p, c, b, s, 0);
		over += s > b;
		total_budget = b > UINT64_MAX - total_budget ? UINT64_MAX : total_budget + b;
		total_spent = s > UINT64_MAX - total_spent ? UINT64_MAX : total_spent + s;
	}
	category_row(p, NULL, total_budget, total_spent, over);
	markup(p, "</table>\n<p class=\"disbursed\">");
	sanshe_rules_yuan(disbursed, fen_of(project, "disbursed"));
	textf(p, _("Disbursed (tranches received, less cancelled disbursements): %s yuan."),
	      disbursed);
	markup(p, "</p>\n</section>\n");
}

static void projects_part(page *p, const cJSON *report)
{
	const cJSON *projects = cJSON_GetObjectItemCaseSensitive(report, "projects"), *project;

	markup(p, "<h2>");
	text(p, _("Projects: ledgers against budgets"));
	markup(p, "</h2>\n");
	if (!cJSON_GetArraySize(projects))
		element(p, "<p id=\"projects\">", _("No projects."), "</p>\n");
	cJSON_ArrayForEach(project, projects)
		project_section(p, project);
}

int cli_verify_html(sanshe_buf *out, const cJSON *report, const char *repository,
		    const char *when)
{
	page p = { out, 0 };

	head(&p, repository, when);
	summary_block(&p, report);
	findings_table(&p, report);
	projects_part(&p, report);
	markup(&p, "</body></html>\n");
	return p.err;
}

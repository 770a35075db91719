/*
 * sanshe verify [--space S] [--since REV] [--json] [--html FILE] — the
 * auditor's check of a node's history (sync/verify.h): every finding, a
 * summary of what was verified, and with --html a self-contained page
 * (verify_html.h) with each project's ledger against its budget.
 *
 * Findings are the answer an auditor asks for, not something that went
 * wrong with the command, but they are still a failed check: the exit
 * status is 0 when there are none, 1 when there are (or when something
 * cannot be read at all), 2 on wrong usage.
 */
#include "cli.h"

#include <time.h>

#include "fs.h"
#include "repo.h"
#include "verify.h"
#include "verify_html.h"

/* The report, as --json prints it and the HTML page is written from. */
typedef struct report {
	cJSON *root;     /* {summary, findings, projects} once verified */
	cJSON *findings; /* gathered, then moved into root */
	cJSON *projects;
	size_t found;    /* findings, as verify counted them */
} report;

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* `name`: `value`, or null when it is not known.  False when out of memory. */
static bool add_string(cJSON *obj, const char *name, const char *value)
{
	return value ? cJSON_AddStringToObject(obj, name, value) != NULL
		     : cJSON_AddNullToObject(obj, name) != NULL;
}

static int add_finding(const sanshe_verify_finding *f, void *payload)
{
	report *r = payload;
	cJSON *item = cJSON_CreateObject();

	if (!item || !add_string(item, "rule", f->rule) || !add_string(item, "space", f->space) ||
	    !add_string(item, "commit", f->commit) || !add_string(item, "type", f->type) ||
	    !add_string(item, "id", f->id) || !add_string(item, "signer", f->signer) ||
	    !add_string(item, "signer_name", f->signer_name) || !add_string(item, "at", f->at) ||
	    !add_string(item, "message", f->message)) {
		cJSON_Delete(item);
		return no_memory();
	}
	cJSON_AddItemToArray(r->findings, item);
	return 0;
}

/* {category: fen} of the five budget categories. */
static bool add_categories(cJSON *obj, const char *name, const uint64_t *fen)
{
	cJSON *by = cJSON_AddObjectToObject(obj, name);

	for (size_t i = 0; by && i < SANSHE_RULES_CATEGORIES; i++)
		if (!cJSON_AddNumberToObject(by, sanshe_rules_categories[i], (double)fen[i]))
			return false;
	return by != NULL;
}

static int add_project(const sanshe_rules_project *p, void *payload)
{
	report *r = payload;
	cJSON *item = cJSON_CreateObject();

	if (!item || !add_string(item, "space", p->space) || !add_string(item, "id", p->id) ||
	    !add_string(item, "title", p->title) || !add_categories(item, "budget", p->budget) ||
	    !add_categories(item, "spent", p->spent) ||
	    !cJSON_AddNumberToObject(item, "disbursed", (double)p->disbursed) ||
	    !cJSON_AddNumberToObject(item, "entries", (double)p->entries)) {
		cJSON_Delete(item);
		return no_memory();
	}
	cJSON_AddItemToArray(r->projects, item);
	return 0;
}

/* The report: the summary, then the findings and projects gathered (now its own). */
static int make_root(report *r, const sanshe_verify_summary *s)
{
	cJSON *summary = NULL;

	r->found = s->findings;
	if (!(r->root = cJSON_CreateObject()) ||
	    !(summary = cJSON_AddObjectToObject(r->root, "summary")) ||
	    !cJSON_AddNumberToObject(summary, "spaces", (double)s->spaces) ||
	    !cJSON_AddNumberToObject(summary, "commits", (double)s->commits) ||
	    !cJSON_AddNumberToObject(summary, "merges", (double)s->merges) ||
	    !cJSON_AddNumberToObject(summary, "versions", (double)s->versions) ||
	    !cJSON_AddNumberToObject(summary, "signatures", (double)s->signatures) ||
	    !cJSON_AddNumberToObject(summary, "findings", (double)s->findings))
		return no_memory();
	cJSON_AddItemToObject(r->root, "findings", r->findings);
	r->findings = NULL;
	cJSON_AddItemToObject(r->root, "projects", r->projects);
	r->projects = NULL;
	return 0;
}

static const char *member(const cJSON *item, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, name));
}

/*
 * A finding as two lines: what and where, then the message.
 *   budget-exceeded: space common, project/p1
 *   commit-signature-bad: space common, commit 4c1f0a9e2b7d, case/c1, by Wang Li at …
 */
static void print_finding(const cJSON *f)
{
	const char *rule = member(f, "rule"), *space = member(f, "space");
	const char *commit = member(f, "commit"), *type = member(f, "type"), *id = member(f, "id");
	const char *signer = member(f, "signer_name"), *at = member(f, "at");
	const char *message = member(f, "message");
	sanshe_buf where = SANSHE_BUF_INIT;

	if (!signer)
		signer = member(f, "signer");
	if (space)
		sanshe_buf_printf(&where, _(", space %s"), space);
	if (commit)
		sanshe_buf_printf(&where, _(", commit %.12s"), commit);
	if (type || id)
		sanshe_buf_printf(&where, ", %s/%s", type ? type : "?", id ? id : "?");
	if (signer)
		sanshe_buf_printf(&where, _(", by %s"), signer);
	if (at)
		sanshe_buf_printf(&where, _(" at %s"), at);
	cli_line(stdout, "", "%s:%s", rule ? rule : "?", where.ptr ? where.ptr + 1 : "");
	cli_line(stdout, "    ", "%s", message ? message : "");
	sanshe_buf_dispose(&where);
}

static int print_text(const report *r)
{
	sanshe_buf sentence = SANSHE_BUF_INIT;
	const cJSON *f;
	int err;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r->root, "findings"))
		print_finding(f);
	err = cli_verify_summary(&sentence, cJSON_GetObjectItemCaseSensitive(r->root, "summary"),
				 0);
	if (!err)
		cli_line(stdout, "", "%s", sentence.ptr);
	sanshe_buf_dispose(&sentence);
	return err ? cli_fail() : 0;
}

/* The page for --html, written whole or not at all. */
static int write_html(const report *r, const char *path, const char *repository)
{
	sanshe_buf html = SANSHE_BUF_INIT;
	char when[64];
	time_t now = time(NULL);
	struct tm local;
	int err;

	if (!localtime_r(&now, &local) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &local))
		snprintf(when, sizeof(when), "%lld", (long long)now);
	err = cli_verify_html(&html, r->root, repository, when);
	if (!err)
		err = sanshe_fs_write(path, html.ptr, html.size, 0644, 0);
	sanshe_buf_dispose(&html);
	return err;
}

/* Verify and gather the report; 0 when the walk completed, findings or not. */
static int run(report *r, const sanshe_verify_options *base, const char *html)
{
	sanshe_verify_options opt = *base;
	sanshe_verify_summary summary = { 0 };
	sanshe_store *store = NULL;
	int err;

	opt.finding = add_finding;
	opt.project = add_project;
	opt.payload = r;
	if (!(r->findings = cJSON_CreateArray()) || !(r->projects = cJSON_CreateArray()))
		return no_memory();
	if ((err = cli_open_store(&store)) == 0 &&
	    (!opt.space || (err = cli_space_check(store, opt.space)) == 0) &&
	    (err = sanshe_verify(store, &opt, &summary)) == 0 &&
	    (err = make_root(r, &summary)) == 0 && html)
		err = write_html(r, html, sanshe_store_path(store));
	sanshe_store_free(store);
	return err;
}

static void report_dispose(report *r)
{
	cJSON_Delete(r->root);
	cJSON_Delete(r->findings);
	cJSON_Delete(r->projects);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "since", required_argument, NULL, 'S' },
						 { "json", no_argument, NULL, 'j' },
						 { "html", required_argument, NULL, 'H' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_verify_options opt = { 0 };
	report r = { NULL, NULL, NULL, 0 };
	const char *html = NULL;
	int c, json = 0, rc;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			opt.space = optarg;
		else if (c == 'S')
			opt.since = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'H')
			html = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("verify", "%s", _("too many arguments"));
	if (html && !*html)
		return cli_usage_error("verify", "%s", _("--html needs a file name"));
	if (run(&r, &opt, html) != 0)
		rc = cli_fail();
	else if ((rc = json ? cli_print_json(r.root) : print_text(&r)) == 0)
		rc = r.found || cJSON_GetArraySize(cJSON_GetObjectItem(r.root, "findings")) ? 1 : 0;
	report_dispose(&r);
	return rc;
}

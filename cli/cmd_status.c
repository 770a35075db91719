/*
 * sanshe status [--json] — spaces, their heads, documents per type, then
 * the findings of the rules between documents (core/rules.h).  Findings
 * are reports, not failures: the exit status is 0 with or without them,
 * 1 only when something cannot be read.
 */
#include "cli.h"

#include "json.h"
#include "repo.h"
#include "rules.h"

typedef struct status {
	sanshe_store *store;
	sanshe_rules *rules;
	const char *space; /* the space being read */
	sanshe_buf text;   /* the document being read */
	cJSON *spaces;     /* the report, printed as text or JSON */
	cJSON *counts;     /* of the space being counted */
	cJSON *findings;
} status;

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

static int add_count(const char *type, size_t count, void *payload)
{
	status *s = payload;

	return cJSON_AddNumberToObject(s->counts, type, (double)count) ? 0 : no_memory();
}

/* A document the rules read: parsed, handed to them, forgotten. */
static int read_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	status *s = payload;
	cJSON *doc = NULL;
	int err;

	sanshe_buf_clear(&s->text);
	if ((err = sanshe_store_read_blob(s->store, blob, &s->text)) != 0 ||
	    (err = sanshe_json_parse(&doc, s->text.ptr ? s->text.ptr : "", s->text.size, NULL,
				     NULL)) != 0)
		return sanshe_error_prefix(_("space '%s': %s/%s"), s->space, type, id);
	err = sanshe_rules_add(s->rules, s->space, doc);
	cJSON_Delete(doc);
	return err;
}

static int read_for_rules(status *s, const char *space)
{
	int err = 0;

	s->space = space;
	for (size_t i = 0; !err && sanshe_rules_types[i]; i++)
		err = sanshe_store_list(s->store, space, sanshe_rules_types[i], read_doc, s);
	return err;
}

static int add_space(const char *space, const git_oid *head, void *payload)
{
	status *s = payload;
	char hex[GIT_OID_HEXSZ + 1];
	cJSON *item = cJSON_CreateObject();
	int err;

	git_oid_tostr(hex, sizeof(hex), head);
	if (!item || !cJSON_AddStringToObject(item, "space", space) ||
	    !cJSON_AddStringToObject(item, "head", hex) ||
	    !(s->counts = cJSON_AddObjectToObject(item, "documents"))) {
		cJSON_Delete(item);
		return no_memory();
	}
	cJSON_AddItemToArray(s->spaces, item);
	if ((err = sanshe_store_count(s->store, space, add_count, s)) != 0)
		return err;
	return read_for_rules(s, space);
}

static int add_finding(const sanshe_finding *f, void *payload)
{
	status *s = payload;
	cJSON *item = cJSON_CreateObject();

	if (!item || !cJSON_AddStringToObject(item, "rule", f->rule) ||
	    !cJSON_AddStringToObject(item, "space", f->space) ||
	    !cJSON_AddStringToObject(item, "type", f->type) ||
	    !cJSON_AddStringToObject(item, "id", f->id) ||
	    !cJSON_AddStringToObject(item, "message", f->message)) {
		cJSON_Delete(item);
		return no_memory();
	}
	cJSON_AddItemToArray(s->findings, item);
	return 0;
}

static const char *member(const cJSON *item, const char *name)
{
	return cJSON_GetObjectItem(item, name)->valuestring;
}

static void print_findings(const status *s)
{
	const cJSON *f;
	int n = cJSON_GetArraySize(s->findings);

	cli_line(stdout, "", "%s", "");
	if (!n) {
		cli_line(stdout, "", "%s", _("findings: none"));
		return;
	}
	cli_line(stdout, "", _("findings (%d):"), n);
	cJSON_ArrayForEach(f, s->findings)
		cli_line(stdout, "  ", "%s: %s [%s]", member(f, "space"), member(f, "message"),
			 member(f, "rule"));
}

static void print_text(const status *s)
{
	const cJSON *space, *count;

	cli_line(stdout, "", _("repository %s"), sanshe_store_path(s->store));
	cJSON_ArrayForEach(space, s->spaces) {
		size_t total = 0;

		cJSON_ArrayForEach(count, cJSON_GetObjectItem(space, "documents"))
			total += (size_t)count->valuedouble;
		cli_line(stdout, "", "%-24s %.12s  %zu %s", member(space, "space"),
			 member(space, "head"), total,
			 total == 1 ? _("document") : _("documents"));
		cJSON_ArrayForEach(count, cJSON_GetObjectItem(space, "documents"))
			cli_line(stdout, "", "    %-14s %zu", count->string,
				 (size_t)count->valuedouble);
	}
	print_findings(s);
}

/* Read every space and evaluate the rules into the report. */
static int gather(status *s, cJSON *report)
{
	int err;

	if (!(s->spaces = cJSON_AddArrayToObject(report, "spaces")) ||
	    !(s->findings = cJSON_AddArrayToObject(report, "findings")))
		return no_memory();
	if ((err = sanshe_rules_new(&s->rules)) != 0 || (err = cli_open_store(&s->store)) != 0 ||
	    (err = sanshe_store_spaces(s->store, add_space, s)) != 0)
		return err;
	return sanshe_rules_finish(s->rules, add_finding, s);
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	status s = { NULL, NULL, NULL, SANSHE_BUF_INIT, NULL, NULL, NULL };
	cJSON *report;
	int c, json = 0, rc = 0;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("status", "%s", _("too many arguments"));
	if (!(report = cJSON_CreateObject()))
		rc = no_memory();
	if (rc || gather(&s, report) != 0)
		rc = cli_fail();
	else if (json)
		rc = cli_print_json(report);
	else
		print_text(&s);
	cJSON_Delete(report);
	sanshe_rules_free(s.rules);
	sanshe_store_free(s.store);
	sanshe_buf_dispose(&s.text);
	return rc;
}

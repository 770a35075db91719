/* sanshe check FILE [--json] — verify a signed document's signature and schema. */
#include "cli.h"

#include <string.h>

#include "doc.h"
#include "fs.h"
#include "json.h"
#include "report.h"
#include "signer.h"

/* What check found: the signature's verdict and the schema's. */
typedef struct findings {
	int form_err;
	char form_problem[1024];
	int sig_err;
	char sig_problem[1024];
	sanshe_doc_sig sig;
	int schema_err;
	char schema_problem[1024];
	sanshe_schema_errors errors;
} findings;

static void examine(cJSON *doc, const sanshe_buf *text, findings *f)
{
	f->form_err = sanshe_doc_check_canonical(doc, text->ptr, text->size);
	if (f->form_err)
		snprintf(f->form_problem, sizeof(f->form_problem), "%s", sanshe_error_last());
	f->sig_err = sanshe_doc_verify(doc, cli_home_key_lookup, NULL, &f->sig);
	if (f->sig_err)
		snprintf(f->sig_problem, sizeof(f->sig_problem), "%s", sanshe_error_last());
	f->schema_err = sanshe_doc_validate(doc, NULL, &f->errors);
	if (f->schema_err)
		snprintf(f->schema_problem, sizeof(f->schema_problem), "%s", sanshe_error_last());
}

/* An auditor is told everything wrong: the signature and every field. */
static int print_text(const cJSON *doc, const findings *f)
{
	char what[200], at[SANSHE_HLC_MAX];

	sanshe_doc_describe(doc, what, sizeof(what));
	if (f->form_err)
		cli_line(stderr, "sanshe: ", "%s", f->form_problem);
	if (f->sig_err)
		cli_line(stderr, "sanshe: ", "%s", f->sig_problem);
	if (f->schema_err == SANSHE_ESCHEMA && f->errors.count)
		for (size_t i = 0; i < f->errors.count; i++)
			cli_print_violation(stderr, "sanshe: ", what, &f->errors.items[i]);
	else if (f->schema_err)
		cli_line(stderr, "sanshe: ", "%s", f->schema_problem);
	if (f->form_err || f->sig_err || f->schema_err)
		return 1;
	sanshe_hlc_format(at, f->sig.at);
	cli_line(stdout, "", _("ok: %s, signed by %s at %s"), what, f->sig.key, at);
	return 0;
}

static int add_signature(cJSON *report, const findings *f)
{
	char at[SANSHE_HLC_MAX];
	cJSON *sig = cJSON_AddObjectToObject(report, "signature");

	if (!sig || !cJSON_AddBoolToObject(sig, "valid", f->sig_err == 0))
		return 0;
	if (f->sig_err)
		return cJSON_AddStringToObject(sig, "problem", f->sig_problem) != NULL;
	sanshe_hlc_format(at, f->sig.at);
	return cJSON_AddStringToObject(sig, "key", f->sig.key) &&
	       cJSON_AddStringToObject(sig, "at", at);
}

static int print_json(const cJSON *doc, const findings *f)
{
	int valid = !f->form_err && !f->sig_err && !f->schema_err;
	cJSON *report = cli_report_json(doc, valid, &f->errors);
	int rc;

	if (!report)
		return cli_fail();
	if (f->schema_err && !f->errors.count &&
	    !cJSON_AddStringToObject(report, "problem", f->schema_problem))
		rc = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	else if (!cJSON_AddBoolToObject(report, "canonical", !f->form_err) ||
		 (f->form_err && !cJSON_AddStringToObject(report, "form_problem", f->form_problem)) ||
		 !add_signature(report, f))
		rc = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	else
		rc = 0;
	rc = rc ? cli_fail() : cli_print_json(report);
	cJSON_Delete(report);
	return rc ? rc : !valid;
}

/* The file's bytes (checked as they are) and their tree. */
static int read_document(const char *path, sanshe_buf *text, cJSON **doc)
{
	int from_stdin = strcmp(path, "-") == 0;
	int err = sanshe_fs_read(text, path, SANSHE_JSON_FILE_MAX);

	if (!err)
		err = sanshe_json_parse(doc, text->ptr ? text->ptr : "", text->size,
					from_stdin ? _("standard input") : path, NULL);
	return err;
}

int cmd_check(int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	findings f = { 0, "", 0, "", { "", { 0, 0 }, { 0 } }, 0, "", SANSHE_SCHEMA_ERRORS_INIT };
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int c, rc, json = 0;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("check", "%s", argc - optind ? _("too many arguments")
								      : _("which file? give FILE"));
	if (read_document(argv[optind], &text, &doc) != 0) {
		sanshe_buf_dispose(&text);
		return cli_fail();
	}
	examine(doc, &text, &f);
	rc = json ? print_json(doc, &f) : print_text(doc, &f);
	sanshe_buf_dispose(&text);
	sanshe_schema_errors_dispose(&f.errors);
	cJSON_Delete(doc);
	return rc;
}

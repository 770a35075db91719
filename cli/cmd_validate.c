/* sanshe validate FILE [--type T] [--json] — check a record against its type's schema. */
#include "cli.h"

#include "doc.h"
#include "json.h"
#include "report.h"

static int report(const cJSON *doc, int err, const sanshe_schema_errors *errors, int json)
{
	char what[200];
	cJSON *out;
	int rc;

	if (json && (!err || (err == SANSHE_ESCHEMA && errors->count))) {
		if (!(out = cli_report_json(doc, !err, errors)))
			return cli_fail();
		rc = cli_print_json(out);
		cJSON_Delete(out);
		return rc ? rc : err != 0;
	}
	if (err == SANSHE_ESCHEMA && errors->count) {
		for (size_t i = 0; i < errors->count; i++)
			cli_print_violation(stdout, "", NULL, &errors->items[i]);
		return 1;
	}
	if (err)
		return cli_fail();
	cli_line(stdout, "", _("ok: %s is valid"), sanshe_doc_describe(doc, what, sizeof(what)));
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option options[] = { { "type", required_argument, NULL, 't' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	const sanshe_type *type = NULL;
	const char *type_name = NULL;
	cJSON *doc = NULL;
	int c, rc, err, json = 0;

	while ((c = cli_getopt(argc, argv, "t:", options)) != -1) {
		if (c == 't')
			type_name = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("validate", "%s", argc - optind ? _("too many arguments")
									 : _("which file? give FILE"));
	if ((err = sanshe_registry_init()) == 0 && type_name &&
	    !(type = sanshe_registry_find(type_name)))
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("unknown document type '%s'"), type_name);
	if (!err && (err = sanshe_json_parse_file(&doc, argv[optind])) == 0)
		err = type ? sanshe_doc_validate_as(doc, type, &errors)
			   : sanshe_doc_validate(doc, NULL, &errors);
	rc = report(doc, err, &errors, json);
	sanshe_schema_errors_dispose(&errors);
	cJSON_Delete(doc);
	return rc;
}

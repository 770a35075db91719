/* sanshe validate FILE [--type T] — check a record against its type's schema. */
#include "cli.h"

#include "doc.h"
#include "json.h"

static int report(const cJSON *doc, int err, const sanshe_schema_errors *errors)
{
	char what[200];

	if (err == SANSHE_ESCHEMA && errors->count) {
		for (size_t i = 0; i < errors->count; i++)
			printf("%s: %s\n", errors->items[i].pointer, errors->items[i].message);
		return 1;
	}
	if (err)
		return cli_fail();
	printf(_("ok: %s is valid\n"), sanshe_doc_describe(doc, what, sizeof(what)));
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option options[] = { { "type", required_argument, NULL, 't' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	const sanshe_type *type = NULL;
	const char *type_name = NULL;
	cJSON *doc = NULL;
	int c, rc, err;

	while ((c = cli_getopt(argc, argv, "t:", options)) != -1) {
		if (c == 't')
			type_name = optarg;
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
	rc = report(doc, err, &errors);
	sanshe_schema_errors_dispose(&errors);
	cJSON_Delete(doc);
	return rc;
}

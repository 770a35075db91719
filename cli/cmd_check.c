/* sanshe check FILE — verify a signed document's signature and schema. */
#include "cli.h"

#include "doc.h"
#include "json.h"
#include "signer.h"

static void print_violations(const cJSON *doc, const sanshe_schema_errors *errors)
{
	char what[200];

	sanshe_doc_describe(doc, what, sizeof(what));
	for (size_t i = 0; i < errors->count; i++)
		fprintf(stderr, "sanshe: %s: %s: %s\n", what, errors->items[i].pointer,
			errors->items[i].message);
}

/* Report a failure that is not a list of violations; 1 when there was one. */
static int report_failure(int err)
{
	if (err)
		cli_fail();
	return err != 0;
}

int cmd_check(int argc, char **argv)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	char what[200], at[SANSHE_HLC_MAX];
	sanshe_doc_sig sig;
	cJSON *doc = NULL;
	int c, bad, err;

	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == 'h' ? 0 : EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error("check", "%s", argc - optind ? _("too many arguments")
								      : _("which file? give FILE"));
	if (sanshe_json_parse_file(&doc, argv[optind]) != 0)
		return cli_fail();
	/* An auditor is told everything wrong: the signature and every field. */
	bad = report_failure(sanshe_doc_verify(doc, cli_home_key_lookup, NULL, &sig));
	err = sanshe_doc_validate(doc, NULL, &errors);
	if (err == SANSHE_ESCHEMA && errors.count) {
		print_violations(doc, &errors);
		bad = 1;
	} else {
		bad |= report_failure(err);
	}
	if (!bad) {
		sanshe_hlc_format(at, sig.at);
		printf(_("ok: %s, signed by %s at %s\n"),
		       sanshe_doc_describe(doc, what, sizeof(what)), sig.key, at);
	}
	sanshe_schema_errors_dispose(&errors);
	cJSON_Delete(doc);
	return bad;
}

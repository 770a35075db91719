/* sanshe get <type>/<id> [--at REV] [--pretty] — print a stored document. */
#include "cli.h"

#include "canon.h"
#include "json.h"
#include "repo.h"

static int show(const sanshe_buf *text, int pretty)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int err;

	if (!pretty)
		return cli_write_stdout(text->ptr, text->size) || cli_write_stdout("\n", 1);
	if ((err = sanshe_json_parse(&doc, text->ptr, text->size, NULL, NULL)) == 0 &&
	    (err = sanshe_canon_write_pretty(&out, doc)) == 0)
		err = cli_write_stdout(out.ptr, out.size);
	else
		err = cli_fail();
	sanshe_buf_dispose(&out);
	cJSON_Delete(doc);
	return err;
}

/* A revision must name a commit of this repository, said as such. */
static int check_rev(sanshe_store *store, const char *rev)
{
	git_object *obj = NULL;
	int found;

	if (!rev)
		return 0;
	found = git_revparse_single(&obj, sanshe_store_repository(store), rev) == 0 &&
		git_object_type(obj) == GIT_OBJECT_COMMIT;
	git_object_free(obj);
	return found ? 0 : sanshe_error_set(SANSHE_ENOTFOUND, _("no commit '%s' in this "
							    "repository (see 'sanshe log')"), rev);
}

int cmd_get(int argc, char **argv)
{
	static const struct option options[] = { { "at", required_argument, NULL, 'a' },
						 { "pretty", no_argument, NULL, 'p' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_buf text = SANSHE_BUF_INIT;
	char space[SANSHE_SPACE_MAX];
	sanshe_store *store = NULL;
	const char *rev = NULL;
	int c, pretty = 0, rc;
	cli_doc_ref ref;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'a')
			rev = optarg;
		else if (c == 'p')
			pretty = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("get", "%s", argc - optind ? _("too many arguments")
								    : _("which document? give <type>/<id>"));
	if (cli_doc_ref_parse(&ref, argv[optind]) || cli_open_store(&store) ||
	    check_rev(store, rev) || cli_doc_read(store, &ref, rev, space, &text))
		rc = cli_fail();
	else
		rc = show(&text, pretty);
	sanshe_buf_dispose(&text);
	sanshe_store_free(store);
	return rc;
}

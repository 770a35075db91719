/* sanshe sign FILE [--key NAME] — print the signed, canonical document. */
#include "cli.h"

#include "canon.h"
#include "doc.h"
#include "hlc.h"
#include "json.h"
#include "signer.h"

static int tick_clock(sanshe_hlc *at)
{
	sanshe_clock *clock = NULL;
	int err;

	if ((err = sanshe_clock_open(&clock, cli_home(), NULL)) == 0 &&
	    (err = sanshe_clock_tick(clock, at)) == 0)
		err = sanshe_clock_close(clock);
	sanshe_clock_free(clock);
	return err;
}

static int sign_file(const char *path, const char *key_name, sanshe_buf *out)
{
	const sanshe_type *type = NULL;
	sanshe_key *key = NULL;
	cJSON *doc = NULL;
	sanshe_hlc at;
	int err;

	if ((err = sanshe_json_parse_file(&doc, path)) != 0 ||
	    (err = sanshe_doc_prepare(doc, &type)) != 0 ||
	    (err = sanshe_doc_validate(doc, NULL, NULL)) != 0 ||
	    (err = cli_signing_key(key_name, &key)) != 0 ||
	    (err = tick_clock(&at)) != 0 ||
	    (err = sanshe_doc_sign(doc, key, &at)) != 0)
		goto done;
	err = sanshe_canon_write(out, doc);
done:
	sanshe_key_free(key);
	cJSON_Delete(doc);
	return err;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option options[] = { { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_buf out = SANSHE_BUF_INIT;
	const char *key_name = NULL;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "k:", options)) != -1) {
		if (c == 'k')
			key_name = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("sign", "%s", argc - optind ? _("too many arguments")
								     : _("which file? give FILE"));
	if (sign_file(argv[optind], key_name, &out) != 0)
		rc = cli_fail();
	else if ((rc = sanshe_buf_putc(&out, '\n')) == 0)
		rc = cli_write_stdout(out.ptr, out.size);
	else
		rc = cli_fail();
	sanshe_buf_dispose(&out);
	return rc;
}

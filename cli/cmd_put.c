/* sanshe put [FILE|-] [--key NAME] — write a document as a signed commit. */
#include "cli.h"

#include "json.h"
#include "node.h"
#include "repo.h"

int cmd_put(int argc, char **argv)
{
	sanshe_buf what = SANSHE_BUF_INIT;
	const char *key_name = NULL;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	cJSON *doc = NULL;
	int rc, err;

	if ((rc = cli_key_options(argc, argv, &key_name, -1, "")) >= 0)
		return rc;
	if ((err = sanshe_json_parse_file(&doc, optind < argc ? argv[optind] : NULL)) == 0 &&
	    (err = cli_open_store(&store)) == 0 &&
	    (err = cli_writer_open(&w, store, key_name)) == 0)
		err = cli_writer_put(&w, store, doc, "put", &what);
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", "%s", what.ptr);
	sanshe_buf_dispose(&what);
	sanshe_store_free(store);
	cJSON_Delete(doc);
	return err ? cli_fail() : 0;
}

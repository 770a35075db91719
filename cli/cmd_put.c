/* sanshe put [FILE|-] [--key NAME] — write a document as a signed commit. */
#include "cli.h"

#include "json.h"
#include "node.h"
#include "repo.h"

/*
 * Draft the record, then sign, write and commit it in its space, with the
 * conflicts of the version it replaces when it says nothing of them.
 */
static int put(sanshe_store *store, cli_writer *w, cJSON *doc, sanshe_buf *what)
{
	char space[SANSHE_SPACE_MAX], op[300];
	sanshe_change *change = NULL;
	sanshe_doc_draft draft;
	int err;

	if ((err = sanshe_doc_draft_new(doc, &draft)) != 0 ||
	    (err = sanshe_node_space(draft.type, &w->member, space)) != 0 ||
	    (err = cli_writer_begin(w, store)) != 0)
		return err;
	if ((err = sanshe_change_new(&change, store, space)) == 0 &&
	    (err = sanshe_node_carry_conflicts(change, doc, &draft)) >= 0 &&
	    (err = sanshe_node_write(change, doc, &draft, &w->member, w->clock, what)) == 0) {
		snprintf(op, sizeof(op), "put %s", what->ptr);
		err = cli_writer_commit(w, store, change, op);
	} else {
		cli_writer_end(w, store);
	}
	sanshe_change_free(change);
	return err;
}

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
		err = put(store, &w, doc, &what);
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", "%s", what.ptr);
	sanshe_buf_dispose(&what);
	sanshe_store_free(store);
	cJSON_Delete(doc);
	return err ? cli_fail() : 0;
}

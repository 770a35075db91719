/*
 * sanshe edit <type>/<id> [--key NAME] — change a document in an editor;
 * saved and valid, it is signed and committed; otherwise nothing is, and
 * the edit is kept in a file so that no work is lost.
 */
#include "cli.h"

#include "edit.h"

/* Edit, check, commit; 1 when there was nothing to do. */
static int edit_once(cli_edit *e, const char *key_name)
{
	sanshe_doc_draft draft;
	cJSON *doc = NULL;
	int err;

	if ((err = cli_edit_run(e, &doc)) == 0 &&
	    (err = cli_edit_draft(doc, &draft, _("the edit is not valid"))) == 0)
		err = cli_edit_commit(e, doc, &draft, key_name, "edit");
	cJSON_Delete(doc);
	return err;
}

int cmd_edit(int argc, char **argv)
{
	cli_edit e = CLI_EDIT_INIT;
	const char *key_name = NULL;
	int rc, err;

	if ((rc = cli_key_options(argc, argv, &key_name, 1, _("which document? give <type>/<id>"))) >= 0)
		return rc;
	if ((err = cli_edit_open(&e, argv[optind])) == 0)
		err = edit_once(&e, key_name);
	if (err == 1)
		printf("%s\n", _("no change: nothing written"));
	else if (!err)
		printf(_("saved %s/%s\n"), e.ref.type->name, e.ref.id);
	return cli_edit_end(&e, err);
}

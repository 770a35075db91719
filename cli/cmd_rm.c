/* sanshe rm <type>/<id> [--key NAME] — remove a document in a signed commit. */
#include "cli.h"

#include "repo.h"

/*
 * Only from the writer's own space (another organization's records are
 * theirs), and only what the writer's roles may write.
 */
static int remove_doc(sanshe_store *store, cli_writer *w, const cli_doc_ref *ref)
{
	char space[SANSHE_SPACE_MAX], op[300];
	sanshe_change *change = NULL;
	int err;

	if ((err = sanshe_node_space(ref->type, &w->member, space)) != 0 ||
	    (err = sanshe_node_may_write(&w->member, ref->type, space)) != 0 ||
	    (err = cli_writer_begin(w, store)) != 0)
		return err;
	snprintf(op, sizeof(op), "rm %s/%s", ref->type->name, ref->id);
	if ((err = sanshe_change_new(&change, store, space)) == 0 &&
	    (err = sanshe_change_remove(change, ref->type->name, ref->id)) == 0)
		err = cli_writer_commit(w, store, change, op);
	else
		cli_writer_end(w, store);
	sanshe_change_free(change);
	return err;
}

int cmd_rm(int argc, char **argv)
{
	const char *key_name = NULL;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	cli_doc_ref ref;
	int rc, err;

	if ((rc = cli_key_options(argc, argv, &key_name, 1, _("which document? give <type>/<id>"))) >= 0)
		return rc;
	if ((err = cli_doc_ref_parse(&ref, argv[optind])) != 0)
		return cli_fail();
	if (ref.type->space == SANSHE_SPACE_TRUST)
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("%s documents stay in the roster, so that the history they "
					 "signed stays verifiable: a member is revoked, not removed"),
				       ref.type->name);
	else if (ref.type->merge == SANSHE_MERGE_APPEND_ONLY)
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("%s records are append-only: they are kept for good and never "
					 "removed; write a new one that corrects it instead"),
				       ref.type->name);
	else if ((err = cli_open_store(&store)) == 0 &&
		 (err = cli_writer_open(&w, store, key_name)) == 0)
		err = remove_doc(store, &w, &ref);
	cli_writer_dispose(&w, store);
	sanshe_store_free(store);
	if (err)
		return cli_fail();
	printf(_("removed %s/%s\n"), ref.type->name, ref.id);
	return 0;
}

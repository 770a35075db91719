/* Writing a new version of a stored document, in an editor or not (edit.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "canon.h"
#include "edit.h"
#include "fs.h"
#include "json.h"

int cli_edit_open(cli_edit *e, const char *arg)
{
	int err;

	if ((err = cli_doc_ref_parse(&e->ref, arg)) != 0 || (err = cli_open_store(&e->store)) != 0)
		return err;
	return cli_doc_read(e->store, &e->ref, NULL, e->space, &e->stored);
}

/* The stored document (e->stored), pretty, in a new private file. */
static int write_draft(cli_edit *e)
{
	cJSON *doc = NULL;
	int fd, err;

	if ((err = sanshe_json_parse(&doc, e->stored.ptr, e->stored.size, NULL, NULL)) != 0 ||
	    (err = sanshe_canon_write_pretty(&e->before, doc)) != 0)
		goto done;
	strcpy(e->path, "/tmp/sanshe-edit-XXXXXX.json");
	if ((fd = mkstemps(e->path, 5)) < 0) {
		e->path[0] = '\0';
		err = sanshe_error_set_os(SANSHE_EIO, "%s", _("cannot make a file to edit in"));
		goto done;
	}
	close(fd);
	err = sanshe_fs_write(e->path, e->before.ptr, e->before.size, 0600, 0);
done:
	cJSON_Delete(doc);
	return err;
}

/* $VISUAL, $EDITOR or vi, run by the shell so that "code -w" works too. */
static int run_editor(const char *path)
{
	const char *editor = getenv("VISUAL");
	pid_t pid;
	int status;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	fflush(NULL);
	if ((pid = fork()) < 0)
		return sanshe_error_set_os(SANSHE_EIO, "%s", _("cannot start the editor"));
	if (pid == 0) {
		char command[1024];

		snprintf(command, sizeof(command), "%s \"$1\"", editor);
		execl("/bin/sh", "sh", "-c", command, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("the editor '%s' failed; nothing was changed"),
					editor);
	return 0;
}

/* The edited record, which must still be the same document. */
static int read_edit(cli_edit *e, cJSON **doc)
{
	const cJSON *type, *id;
	int err;

	if ((err = sanshe_fs_read(&e->after, e->path, SANSHE_JSON_FILE_MAX)) != 0 ||
	    (err = sanshe_json_parse(doc, e->after.ptr, e->after.size, e->path, NULL)) != 0)
		return err;
	type = cJSON_GetObjectItemCaseSensitive(*doc, "type");
	id = cJSON_GetObjectItemCaseSensitive(*doc, "id");
	if (!cJSON_IsString(type) || strcmp(type->valuestring, e->ref.type->name) != 0 ||
	    !cJSON_IsString(id) || strcmp(id->valuestring, e->ref.id) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("the edit changed the document's type or id: "
							  "make a new document with 'sanshe put' instead"));
	return 0;
}

int cli_edit_run(cli_edit *e, cJSON **doc)
{
	int err;

	*doc = NULL;
	if ((err = write_draft(e)) != 0 || (err = run_editor(e->path)) != 0 ||
	    (err = read_edit(e, doc)) != 0)
		return err;
	if (e->after.size == e->before.size && !memcmp(e->after.ptr, e->before.ptr, e->before.size)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return 1;
	}
	return 0;
}

int cli_edit_draft(cJSON *doc, sanshe_doc_draft *draft, const char *refusal)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	int err = 0;

	if (sanshe_doc_validate(doc, NULL, &errors) == SANSHE_ESCHEMA) {
		for (size_t i = 0; i < errors.count; i++)
			cli_line(stderr, "sanshe: ", "%s: %s", errors.items[i].pointer,
				 errors.items[i].message);
		err = sanshe_error_set(SANSHE_ESCHEMA, "%s", refusal);
	}
	sanshe_schema_errors_dispose(&errors);
	return err ? err : sanshe_doc_draft_new(doc, draft);
}

/*
 * Under the lock: the document must still be as it was when it was read
 * (or someone's change would be lost), and in the writer's own space.
 */
static int check_unchanged(cli_edit *e, const cli_writer *w)
{
	char mine[SANSHE_SPACE_MAX];
	sanshe_buf now = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_node_space(e->ref.type, &w->member, mine)) != 0)
		return err;
	if (strcmp(mine, e->space) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("%s/%s is in space '%s'; %s writes for "
							   "'%s'"), e->ref.type->name, e->ref.id,
					e->space, w->member.name, mine);
	err = sanshe_store_read(e->store, e->space, NULL, e->ref.type->name, e->ref.id, &now);
	if (!err && (now.size != e->stored.size || memcmp(now.ptr, e->stored.ptr, now.size)))
		err = sanshe_error_set(SANSHE_EINVALID, _("%s/%s was changed by someone else while you "
							  "edited it"), e->ref.type->name, e->ref.id);
	sanshe_buf_dispose(&now);
	return err;
}

int cli_edit_commit(cli_edit *e, cJSON *doc, const sanshe_doc_draft *draft,
		    const char *key_name, const char *verb)
{
	sanshe_change *change = NULL;
	sanshe_buf what = SANSHE_BUF_INIT;
	cli_writer w;
	char op[300];
	int err;

	if ((err = cli_writer_open(&w, e->store, key_name)) == 0 &&
	    (err = cli_writer_begin(&w, e->store)) == 0) {
		if ((err = check_unchanged(e, &w)) == 0 &&
		    (err = sanshe_change_new(&change, e->store, e->space)) == 0 &&
		    (err = sanshe_node_write(change, doc, draft, &w.member, w.clock, &what)) == 0) {
			snprintf(op, sizeof(op), "%s %s", verb, what.ptr);
			err = cli_writer_commit(&w, e->store, change, op);
		} else {
			cli_writer_end(&w, e->store);
		}
	}
	cli_writer_dispose(&w, e->store);
	sanshe_change_free(change);
	sanshe_buf_dispose(&what);
	return err;
}

int cli_edit_end(cli_edit *e, int err)
{
	if (err < 0) {
		cli_fail();
		if (e->after.size)
			fprintf(stderr, _("sanshe: nothing was written; your edit is kept in %s\n"),
				e->path);
	}
	if (e->path[0] && (err >= 0 || !e->after.size))
		unlink(e->path);
	sanshe_buf_dispose(&e->stored);
	sanshe_buf_dispose(&e->before);
	sanshe_buf_dispose(&e->after);
	sanshe_store_free(e->store);
	return err < 0 ? 1 : 0;
}

/*
 * Writing a new version of a stored document (edit, resolve): read it, let
 * the person change it in their editor when asked, and sign and commit the
 * result if nobody wrote the document meanwhile.  An edit that cannot be
 * saved is kept in its file, so that no work is lost.
 */
#ifndef SANSHE_CLI_EDIT_H
#define SANSHE_CLI_EDIT_H

#include "repo.h"

typedef struct cli_edit {
	sanshe_store *store;
	cli_doc_ref ref;
	char space[SANSHE_SPACE_MAX];
	char path[64];            /* the file being edited; "" when none */
	sanshe_buf stored;        /* the document as it was read */
	sanshe_buf before, after; /* the file as written, and as saved */
} cli_edit;

#define CLI_EDIT_INIT                                                                      \
	{ NULL, { NULL, "" }, "", "", SANSHE_BUF_INIT, SANSHE_BUF_INIT, SANSHE_BUF_INIT }

/** Parse "<type>/<id>", open the repository and read the document (e->stored). */
int cli_edit_open(cli_edit *e, const char *arg);

/**
 * Write the stored document, pretty, into a new private file, open it in
 * $VISUAL, $EDITOR or vi, and read it back into `*doc` (the caller frees
 * it): it must still be the same type and id.  1 (and no document) when
 * it was saved unchanged.
 */
int cli_edit_run(cli_edit *e, cJSON **doc);

/**
 * Make `doc` a draft (sanshe_doc_draft_new); when it breaks its schema,
 * print every violation on stderr and fail with `refusal` as the message.
 */
int cli_edit_draft(cJSON *doc, sanshe_doc_draft *draft, const char *refusal);

/**
 * Sign the draft `doc` as the member whose key is `key_name` (NULL: the
 * default) and commit it with the operation "<verb> <type>/<id>", under
 * the repository's lock, if the document is still as it was read and
 * lives in the writer's own space.
 */
int cli_edit_commit(cli_edit *e, cJSON *doc, const sanshe_doc_draft *draft,
		    const char *key_name, const char *verb);

/**
 * Finish: after a failure (`err` < 0) print it, and where the edit is kept
 * when one was read; otherwise remove the file.  Releases everything.
 * Returns the exit status: 0, or 1 after a failure.
 */
int cli_edit_end(cli_edit *e, int err);

#endif

/* The node repository as the commands find and use it. */
#ifndef SANSHE_CLI_REPO_H
#define SANSHE_CLI_REPO_H

#include "hlc.h"
#include "key.h"
#include "node.h"
#include "registry.h"
#include "store.h"

/**
 * The node repository, like git finds one: SANSHE_REPO when set, otherwise
 * the current directory (after -C) or one of its parents.
 */
int cli_open_store(sanshe_store **out);

/**
 * How long to wait for the repository lock: SANSHE_LOCK_TIMEOUT seconds
 * when set, otherwise SANSHE_STORE_LOCK_WAIT_MS.
 */
unsigned cli_lock_wait(void);

/** Who writes: the unlocked key and the member of the roster it belongs to. */
typedef struct cli_writer {
	sanshe_key *key;
	sanshe_member member;
	sanshe_clock *clock;
} cli_writer;

/**
 * Unlock `key_name` (NULL: the default key) and find its member in the
 * roster.  Release with cli_writer_dispose.
 */
int cli_writer_open(cli_writer *w, sanshe_store *store, const char *key_name);

/**
 * Start writing: take the repository's lock (waiting cli_lock_wait()), then
 * the home's clock, always in that order.  End with cli_writer_end.
 */
int cli_writer_begin(cli_writer *w, sanshe_store *store);

/**
 * Finish writing `change`: save the clock first (so that no time it issued
 * is issued again, even if what follows fails), commit as the member with
 * `op` as subject and Sanshe-Op trailer, then release the clock and the
 * repository.
 */
int cli_writer_commit(cli_writer *w, sanshe_store *store, sanshe_change *change,
		      const char *op);

/**
 * Write the record `doc` as the writer, in one commit: draft it (schema
 * checked), then in its space, under the lock, carry the conflicts of the
 * version it replaces (sanshe_node_carry_conflicts), sign it when the
 * writer's roles allow (sanshe_node_write) and commit with the op
 * "<verb> <type>/<id>".  `what` receives "<type>/<id>".
 */
int cli_writer_put(cli_writer *w, sanshe_store *store, cJSON *doc, const char *verb,
		   sanshe_buf *what);

/**
 * Is the writer an admin?  0, or SANSHE_EINVALID: "only an admin changes
 * the roster: Li Na (social-worker) is not one".
 */
int cli_writer_admin(const cli_writer *w);

/** Give up writing: release the clock (saved) and the repository. */
void cli_writer_end(cli_writer *w, sanshe_store *store);

/** Wipe the key (ending the writing if still begun). */
void cli_writer_dispose(cli_writer *w, sanshe_store *store);

/**
 * A --space argument: a space name (trust, common or org/<org-id>) that
 * this repository has, or a clear error.
 */
int cli_space_check(sanshe_store *store, const char *space);

/**
 * Call `cb(doc, payload)` with every document of `type` in `space` at its
 * head, parsed, in id order; a document that cannot be read or parsed is
 * skipped (verify reports it).  A non-zero return of `cb` stops and is
 * returned.
 */
int cli_each_doc(sanshe_store *store, const char *space, const char *type,
		 int (*cb)(const cJSON *doc, void *payload), void *payload);

/** A "<type>/<id>" argument, checked. */
typedef struct cli_doc_ref {
	const sanshe_type *type;
	char id[SANSHE_DOC_ID_MAX + 1];
} cli_doc_ref;

/** Parse "<type>/<id>": a registered type and a valid id, or a clear error. */
int cli_doc_ref_parse(cli_doc_ref *out, const char *arg);

/**
 * The space holding the document `ref` (as of `rev`, NULL for the heads):
 * for trust and common types their space; for an organization's types the
 * org/<id> space that has it (SANSHE_ENOTFOUND naming the document when
 * none has).
 */
int cli_doc_space(sanshe_store *store, const cli_doc_ref *ref, const char *rev,
		  char space[SANSHE_SPACE_MAX]);

/** cli_doc_space, and the document's text appended to `text` (read once). */
int cli_doc_read(sanshe_store *store, const cli_doc_ref *ref, const char *rev,
		 char space[SANSHE_SPACE_MAX], sanshe_buf *text);

#endif

/* Finding the node repository, the writing member and documents (repo.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "repo.h"
#include "signer.h"

int cli_open_store(sanshe_store **out)
{
	const char *repo = getenv("SANSHE_REPO");

	if (repo && *repo)
		return sanshe_store_open(out, repo);
	return sanshe_store_discover(out, ".");
}

unsigned cli_lock_wait(void)
{
	const char *env = getenv("SANSHE_LOCK_TIMEOUT");
	char *end;
	unsigned long seconds;

	if (!env || !*env)
		return SANSHE_STORE_LOCK_WAIT_MS;
	seconds = strtoul(env, &end, 10);
	if (*end || seconds > 3600)
		return SANSHE_STORE_LOCK_WAIT_MS;
	return (unsigned)seconds * 1000;
}

int cli_writer_open(cli_writer *w, sanshe_store *store, const char *key_name)
{
	int err;

	memset(w, 0, sizeof(*w));
	if ((err = cli_signing_key(key_name, &w->key)) != 0)
		return err;
	return sanshe_node_member(store, w->key, &w->member);
}

int cli_writer_begin(cli_writer *w, sanshe_store *store)
{
	const char *home = cli_home();
	int err;

	if (!home)
		return sanshe_error_code();
	if ((err = sanshe_store_lock(store, cli_lock_wait())) != 0)
		return err;
	if ((err = sanshe_clock_open(&w->clock, home, NULL)) != 0)
		sanshe_store_unlock(store);
	return err;
}

int cli_writer_commit(cli_writer *w, sanshe_store *store, sanshe_change *change,
		      const char *op)
{
	int err = sanshe_clock_close(w->clock);

	if (!err)
		err = sanshe_node_commit(change, &w->member, op, op, NULL);
	cli_writer_end(w, store);
	return err;
}

int cli_writer_put(cli_writer *w, sanshe_store *store, cJSON *doc, const char *verb,
		   sanshe_buf *what)
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
		snprintf(op, sizeof(op), "%s %s", verb, what->ptr);
		err = cli_writer_commit(w, store, change, op);
	} else {
		cli_writer_end(w, store);
	}
	sanshe_change_free(change);
	return err;
}

int cli_writer_admin(const cli_writer *w)
{
	char roles[160];

	if (w->member.roles & SANSHE_ROLE_ADMIN)
		return 0;
	return sanshe_error_set(SANSHE_EINVALID,
				_("only an admin changes the roster: %s (%s) is not one"),
				w->member.name,
				sanshe_roles_text(w->member.roles, roles, sizeof(roles)));
}

typedef struct doc_walk {
	sanshe_store *store;
	int (*cb)(const cJSON *doc, void *payload);
	void *payload;
} doc_walk;

static int walk_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	doc_walk *walk = payload;
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int err;

	(void)type, (void)id;
	if ((err = sanshe_store_read_blob(walk->store, blob, &text)) == 0 &&
	    sanshe_json_parse(&doc, text.ptr, text.size, NULL, NULL) == 0)
		err = walk->cb(doc, walk->payload);
	else if (err != SANSHE_ENOMEM)
		err = 0;
	if (!err)
		sanshe_error_clear();
	cJSON_Delete(doc);
	sanshe_buf_dispose(&text);
	return err;
}

int cli_each_doc(sanshe_store *store, const char *space, const char *type,
		 int (*cb)(const cJSON *doc, void *payload), void *payload)
{
	doc_walk walk = { store, cb, payload };

	return sanshe_store_list(store, space, type, walk_doc, &walk);
}

void cli_writer_end(cli_writer *w, sanshe_store *store)
{
	sanshe_clock_free(w->clock);
	w->clock = NULL;
	sanshe_store_unlock(store);
}

void cli_writer_dispose(cli_writer *w, sanshe_store *store)
{
	if (w->clock)
		cli_writer_end(w, store);
	sanshe_key_free(w->key);
	memset(w, 0, sizeof(*w));
}

int cli_space_check(sanshe_store *store, const char *space)
{
	git_oid head;
	int err;

	if (!sanshe_store_space_valid(space))
		return sanshe_error_set(SANSHE_EINVALID, _("'%s' is not a space: trust, common or "
							   "org/<org-id>"), space);
	err = sanshe_store_head(store, space, &head);
	if (err == SANSHE_ENOTFOUND)
		return sanshe_error_set(err, _("this repository has no space '%s'"), space);
	return err;
}

int cli_doc_ref_parse(cli_doc_ref *out, const char *arg)
{
	const char *slash = strchr(arg, '/');
	char type[64];
	int err;

	if (!slash || (size_t)(slash - arg) >= sizeof(type))
		return sanshe_error_set(SANSHE_EUSAGE, _("'%s' is not <type>/<id>, e.g. case/%s"),
					arg, "0184d1ad-8200-7447-954f-da1623891383");
	memcpy(type, arg, (size_t)(slash - arg));
	type[slash - arg] = '\0';
	if ((err = sanshe_registry_init()) != 0)
		return err;
	if (!(out->type = sanshe_registry_find(type)))
		return sanshe_error_set(SANSHE_ENOTFOUND, _("unknown document type '%s'"), type);
	if (!sanshe_doc_id_valid(slash + 1))
		return sanshe_error_set(SANSHE_EINVALID, _("'%s' is not a document id"), slash + 1);
	strcpy(out->id, slash + 1);
	return 0;
}

typedef struct space_search {
	sanshe_store *store;
	const cli_doc_ref *ref;
	const char *rev;
	char *space;
	sanshe_buf *text; /* receives the document when not NULL */
	int found;
} space_search;

static int look_in_space(const char *space, const git_oid *head, void *payload)
{
	space_search *s = payload;
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	(void)head;
	if (strncmp(space, "org/", 4) != 0)
		return 0;
	err = sanshe_store_read(s->store, space, s->rev, s->ref->type->name, s->ref->id, &text);
	if (!err && s->text)
		err = sanshe_buf_put(s->text, text.ptr, text.size);
	sanshe_buf_dispose(&text);
	if (err == SANSHE_ENOTFOUND)
		return 0;
	if (err)
		return err;
	snprintf(s->space, SANSHE_SPACE_MAX, "%s", space);
	s->found = 1;
	return 1;
}

/* Find the document's space; read the document too when `text` is not NULL. */
static int find_doc(sanshe_store *store, const cli_doc_ref *ref, const char *rev,
		    char space[SANSHE_SPACE_MAX], sanshe_buf *text)
{
	space_search s = { store, ref, rev, space, text, 0 };
	int err;

	if (ref->type->space != SANSHE_SPACE_ORG) {
		strcpy(space, sanshe_space_kind_name(ref->type->space));
		return text ? sanshe_store_read(store, space, rev, ref->type->name, ref->id, text) : 0;
	}
	if ((err = sanshe_store_spaces(store, look_in_space, &s)) < 0)
		return err;
	if (!s.found)
		return sanshe_error_set(SANSHE_ENOTFOUND, _("no %s/%s in this repository"),
					ref->type->name, ref->id);
	return 0;
}

int cli_doc_space(sanshe_store *store, const cli_doc_ref *ref, const char *rev,
		  char space[SANSHE_SPACE_MAX])
{
	return find_doc(store, ref, rev, space, NULL);
}

int cli_doc_read(sanshe_store *store, const cli_doc_ref *ref, const char *rev,
		 char space[SANSHE_SPACE_MAX], sanshe_buf *text)
{
	return find_doc(store, ref, rev, space, text);
}

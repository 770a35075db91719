/*
 * sanshe quarantine list [--json] | accept NAME [--key K] | refuse NAME —
 * history signed by a revoked key, held until an admin decides, and
 * history a sync held because it fails verification, which can only be
 * refused.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "merging.h"
#include "node.h"
#include "verify.h"

/* ---- list ---- */

typedef struct listing {
	sanshe_store *store;
	sanshe_trust *trust;
	cJSON *json;  /* --json: the array */
	cJSON *held;	 /* the entry being filled: its revoked-signer commits */
	cJSON *findings; /* and its findings */
	size_t count;	 /* histories listed */
	size_t failing;	 /* findings of the entry being filled */
} listing;

static int list_commit(const sanshe_quarantine_commit *c, void *payload)
{
	listing *l = payload;
	char id[GIT_OID_HEXSZ + 1];
	cJSON *o;

	git_oid_tostr(id, sizeof(id), c->commit);
	if (!l->json) {
		printf(_("    %.12s  %s signed by %s at %s (claimed); key revoked at %s\n"), id,
		       c->what, c->name, c->claimed, c->revoked_at);
		return 0;
	}
	if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(l->held, o) ||
	    !cJSON_AddStringToObject(o, "commit", id) ||
	    !cJSON_AddStringToObject(o, "what", c->what) ||
	    !cJSON_AddStringToObject(o, "member", c->member) ||
	    !cJSON_AddStringToObject(o, "name", c->name) ||
	    !cJSON_AddStringToObject(o, "key", c->fingerprint) ||
	    !cJSON_AddStringToObject(o, "claimed", c->claimed) ||
	    !cJSON_AddStringToObject(o, "revoked_at", c->revoked_at))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

static bool add_text(cJSON *o, const char *key, const char *value)
{
	return value ? cJSON_AddStringToObject(o, key, value) != NULL
		     : cJSON_AddNullToObject(o, key) != NULL;
}

/* A finding of verify on the held history, as it stands against the space's head. */
static int list_finding(const sanshe_verify_finding *f, void *payload)
{
	listing *l = payload;
	cJSON *o;

	l->failing++;
	if (!l->json) {
		printf("    %.12s  ", f->commit ? f->commit : "-");
		if (f->type && f->id)
			printf("%s/%s ", f->type, f->id);
		printf(_("fails %s: %s\n"), f->rule, f->message);
		return 0;
	}
	if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(l->findings, o) ||
	    !add_text(o, "rule", f->rule) || !add_text(o, "commit", f->commit) ||
	    !add_text(o, "type", f->type) || !add_text(o, "id", f->id) ||
	    !add_text(o, "signer", f->signer_name) || !add_text(o, "message", f->message))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

/* Verify the held history `tip` of `space` beyond `head` (may be NULL), as a sync did. */
static int list_findings(listing *l, const char *name, const char *space, const git_oid *tip,
			 const git_oid *head)
{
	int err;

	l->failing = 0;
	if ((err = sanshe_verify_history(l->store, space, tip, head, list_finding, l)) == 0 &&
	    l->failing && !l->json)
		printf(_("    it fails verification: it cannot be accepted; refuse it with 'sanshe "
			 "quarantine refuse %s'\n"),
		       name);
	return err;
}

static int list_one(const char *name, const char *space, const git_oid *tip, void *payload)
{
	listing *l = payload;
	char id[GIT_OID_HEXSZ + 1];
	git_oid head;
	int has_head = sanshe_store_head(l->store, space, &head) == 0, err;
	cJSON *o;

	sanshe_error_clear();
	git_oid_tostr(id, sizeof(id), tip);
	l->count++;
	if (l->json) {
		if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(l->json, o) ||
		    !cJSON_AddStringToObject(o, "name", name) ||
		    !cJSON_AddStringToObject(o, "space", space) ||
		    !cJSON_AddStringToObject(o, "tip", id) ||
		    !(l->held = cJSON_AddArrayToObject(o, "commits")) ||
		    !(l->findings = cJSON_AddArrayToObject(o, "findings")))
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	} else {
		printf(_("%s  (space %s, tip %.12s)\n"), name, space, id);
	}
	err = sanshe_quarantine_scan(l->store, l->trust, tip, has_head ? &head : NULL, list_commit,
				     l, NULL);
	return err ? err : list_findings(l, name, space, tip, has_head ? &head : NULL);
}

static int list(sanshe_store *store, int json)
{
	listing l = { store, NULL, NULL, NULL, NULL, 0, 0 };
	int err;

	if (json && !(l.json = cJSON_CreateArray()))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if ((err = sanshe_trust_load(&l.trust, store, NULL)) == 0 &&
	    (err = sanshe_quarantine_each(store, list_one, &l)) == 0) {
		if (json)
			err = cli_print_json(l.json);
		else if (!l.count)
			printf("%s\n", _("nothing is held in quarantine"));
	}
	cJSON_Delete(l.json);
	sanshe_trust_free(l.trust);
	return err;
}

/* ---- accept ---- */

typedef struct members {
	char ids[16][SANSHE_DOC_ID_MAX + 1];
	size_t n;
} members;

static int note_member(const sanshe_quarantine_commit *c, void *payload)
{
	members *m = payload;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->ids[i], c->member) == 0)
			return 0;
	if (m->n == sizeof(m->ids) / sizeof(m->ids[0]))
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("this history holds work of too many revoked members to "
					  "accept at once"));
	snprintf(m->ids[m->n++], sizeof(m->ids[0]), "%s", c->member);
	return 0;
}

/* A new version of the member's document with `tip` in its revoked.accepted. */
static int record_acceptance(sanshe_change *change, cli_writer *w, const cJSON *current,
			     const char *tip)
{
	sanshe_doc_draft draft;
	cJSON *doc = cJSON_Duplicate(current, 1), *revoked, *accepted;
	int err;

	if (!doc)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	revoked = cJSON_GetObjectItemCaseSensitive(doc, "revoked");
	if (!(accepted = cJSON_GetObjectItemCaseSensitive(revoked, "accepted")))
		accepted = cJSON_AddArrayToObject(revoked, "accepted");
	if (!accepted || !cJSON_AddItemToArray(accepted, cJSON_CreateString(tip)))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	else if ((err = sanshe_doc_draft_new(doc, &draft)) == 0)
		err = sanshe_node_write(change, doc, &draft, &w->member, w->clock, NULL);
	cJSON_Delete(doc);
	return err;
}

/* Record, in the roster, that an admin accepted the history `tip`. */
static int write_acceptance(sanshe_store *store, cli_writer *w, const sanshe_trust *trust,
			    const members *m, const git_oid *tip, const char *name)
{
	char hex[GIT_OID_HEXSZ + 1], op[SANSHE_QUARANTINE_NAME_MAX + 64];
	sanshe_change *change = NULL;
	int err;

	git_oid_tostr(hex, sizeof(hex), tip);
	snprintf(op, sizeof(op), "accept %s from quarantine", name);
	if ((err = cli_writer_begin(w, store)) != 0)
		return err;
	if ((err = sanshe_change_new(&change, store, "trust")) == 0)
		for (size_t i = 0; !err && i < m->n; i++)
			err = record_acceptance(change, w, sanshe_trust_member_doc(trust, m->ids[i]),
						hex);
	if (!err)
		err = cli_writer_commit(w, store, change, op);
	else
		cli_writer_end(w, store);
	sanshe_change_free(change);
	return err;
}

static int accept(sanshe_store *store, const char *name, const char *key_name)
{
	cli_writer w = { 0 };
	merging mg;
	sanshe_trust *trust = NULL;
	members m = { .n = 0 };
	git_oid head;
	size_t findings;
	int err, has_head;

	memset(&mg, 0, sizeof(mg));
	mg.store = store;
	mg.w = &w;
	mg.ref = name;
	mg.accept_revoked = 1;
	if ((err = sanshe_quarantine_find(store, name, mg.space, sizeof(mg.space), &mg.theirs)) != 0 ||
	    (err = cli_writer_open(&w, store, key_name)) != 0)
		goto done;
	if (!(w.member.roles & SANSHE_ROLE_ADMIN)) {
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("only an admin may accept history from quarantine; %s is "
					 "not one"),
				       w.member.name);
		goto done;
	}
	has_head = sanshe_store_head(store, mg.space, &head) == 0;
	sanshe_error_clear();
	if ((err = cli_verify_incoming(store, mg.space, &mg.theirs, has_head ? &head : NULL,
				       &findings)) != 0)
		goto done;
	if (findings) {
		err = sanshe_error_set(SANSHE_EBADSIG,
				       _("'%s' fails verification with %zu finding(s), above, and "
					 "cannot be accepted: refuse it with 'sanshe quarantine "
					 "refuse %s'"),
				       name, findings, name);
		goto done;
	}
	if ((err = sanshe_trust_load(&trust, store, NULL)) != 0 ||
	    (err = sanshe_quarantine_scan(store, trust, &mg.theirs, has_head ? &head : NULL,
					  note_member, &m, NULL)) != 0)
		goto done;
	if (m.n && (err = write_acceptance(store, &w, trust, &m, &mg.theirs, name)) != 0)
		goto done;
	if ((err = cli_merge_run(&mg)) == 0 && (err = sanshe_quarantine_drop(store, name)) == 0)
		printf(_("accepted '%s' into space '%s' (%s)\n"), name, mg.space, mg.outcome);
done:
	cli_writer_dispose(&w, store);
	sanshe_trust_free(trust);
	sanshe_buf_dispose(&mg.held_report);
	return err;
}

static int refuse(sanshe_store *store, const char *name)
{
	char space[SANSHE_SPACE_MAX];
	git_oid tip;
	int err;

	if ((err = sanshe_quarantine_find(store, name, space, sizeof(space), &tip)) != 0 ||
	    (err = sanshe_store_lock(store, cli_lock_wait())) != 0)
		return err;
	err = sanshe_quarantine_drop(store, name);
	sanshe_store_unlock(store);
	if (!err)
		printf(_("refused '%s': nothing of it was merged into space '%s'\n"), name, space);
	return err;
}

int cmd_quarantine(int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *key_name = NULL, *what;
	sanshe_store *store = NULL;
	int c, err, json = 0, n;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'k')
			key_name = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	n = argc - optind;
	what = n ? argv[optind] : "list";
	if (strcmp(what, "list") == 0 ? n > 1
	    : strcmp(what, "accept") == 0 || strcmp(what, "refuse") == 0 ? n != 2
									   : 1)
		return cli_usage_error("quarantine", "%s",
				       _("list, accept NAME or refuse NAME?"));
	if ((err = cli_open_store(&store)) == 0) {
		if (strcmp(what, "list") == 0)
			err = list(store, json);
		else if (strcmp(what, "accept") == 0)
			err = accept(store, argv[optind + 1], key_name);
		else
			err = refuse(store, argv[optind + 1]);
	}
	sanshe_store_free(store);
	return err ? cli_fail() : 0;
}

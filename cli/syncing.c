/* What every kind of sync shares (syncing.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "syncing.h"

int sync_wanted(const syncing *s, const char *space)
{
	if (!s->n_only)
		return 1;
	for (size_t i = 0; i < s->n_only; i++)
		if (strcmp(s->only[i], space) == 0)
			return 1;
	return 0;
}

int sync_add_space(syncing *s, sanshe_trust *trust, const char *space, sync_space **out)
{
	if (out)
		*out = NULL;
	if (!sync_wanted(s, space))
		return 0;
	for (size_t i = 0; i < s->n_spaces; i++)
		if (strcmp(s->spaces[i].name, space) == 0) {
			if (out)
				*out = &s->spaces[i];
			return 0;
		}
	if (trust && !sanshe_trust_may_read(trust, s->w.member.roles, s->w.member.org, space)) {
		s->not_readable++; /* an organization's case files this member may not receive */
		return 0;
	}
	if (s->n_spaces == SYNC_MAX_SPACES)
		return sanshe_error_set(SANSHE_EINVALID, _("more than %d spaces to sync"),
					SYNC_MAX_SPACES);
	memset(&s->spaces[s->n_spaces], 0, sizeof(s->spaces[0]));
	snprintf(s->spaces[s->n_spaces].name, SANSHE_SPACE_MAX, "%s", space);
	if (out)
		*out = &s->spaces[s->n_spaces];
	s->n_spaces++;
	return 0;
}

/* trust first (new members are known before their work arrives), then common, then orgs. */
int sync_rank(const char *space)
{
	return strcmp(space, "trust") == 0 ? 0 : strcmp(space, "common") == 0 ? 1 : 2;
}

static int by_rank(const void *a, const void *b)
{
	const sync_space *x = a, *y = b;
	int c = sync_rank(x->name) - sync_rank(y->name);

	return c ? c : strcmp(x->name, y->name);
}

void sync_order(syncing *s)
{
	qsort(s->spaces, s->n_spaces, sizeof(*s->spaces), by_rank);
}

int sync_receive(syncing *s, sync_space *sp, const git_oid *theirs)
{
	merging mg;
	int err;

	if ((err = cli_merge_from_peer(&mg, s->store, &s->w, s->label, sp->name, theirs)) != 0)
		return err;
	mg.hold_failures = 1;
	cli_progress_phase(&s->progress, N_("merge"), 0);
	err = cli_merge_run(&mg);
	cli_writer_end(&s->w, s->store);
	cli_progress_done(&s->progress);
	sp->received = mg.outcome;
	sp->conflicts = mg.stats.conflicts;
	sp->documents = mg.stats.merged;
	if (mg.held[0]) {
		snprintf(sp->held, sizeof(sp->held), "%s", mg.held);
		if (!s->json)
			fputs(mg.held_report.ptr ? mg.held_report.ptr : "", stderr);
	}
	sanshe_buf_dispose(&mg.held_report);
	return err;
}

static int receive_one(syncing *s, sync_space *sp, sync_head_cb head_of, void *payload)
{
	git_oid theirs;
	int rc = head_of(sp->name, &theirs, payload);

	return rc < 0 ? rc : rc == 1 ? sync_receive(s, sp, &theirs) : 0;
}

int sync_receive_all(syncing *s, const char *const *spaces, size_t n, sync_head_cb head_of,
		     void *payload, sanshe_trust **roster)
{
	sanshe_trust *trust = NULL;
	sync_space *sp = NULL;
	int err = 0;

	if (roster)
		*roster = NULL;
	for (size_t i = 0; !err && i < n; i++)
		if (strcmp(spaces[i], "trust") == 0 &&
		    (err = sync_add_space(s, NULL, "trust", &sp)) == 0 && sp)
			err = receive_one(s, sp, head_of, payload);
	if (err || (err = sanshe_trust_load(&trust, s->store, NULL)) != 0)
		return err;
	for (size_t i = 0; !err && i < n; i++)
		if (strcmp(spaces[i], "trust") != 0)
			err = sync_add_space(s, trust, spaces[i], NULL);
	sync_order(s);
	for (size_t i = 0; !err && i < s->n_spaces; i++)
		if (strcmp(s->spaces[i].name, "trust") != 0)
			err = receive_one(s, &s->spaces[i], head_of, payload);
	if (!err && roster)
		*roster = trust;
	else
		sanshe_trust_free(trust);
	return err;
}

static int report_json(const syncing *s, size_t conflicts, size_t held, size_t refused)
{
	cJSON *o = cJSON_CreateObject(), *list = o ? cJSON_AddArrayToObject(o, "spaces") : NULL;
	size_t documents = 0;
	int rc;

	if (!list) {
		cJSON_Delete(o);
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		return cli_fail();
	}
	cJSON_AddStringToObject(o, "peer", s->peer_name);
	for (size_t i = 0; i < s->n_spaces; i++) {
		const sync_space *r = &s->spaces[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToArray(list, e);
		cJSON_AddStringToObject(e, "space", r->name);
		if (r->received)
			cJSON_AddStringToObject(e, "received", r->received);
		else
			cJSON_AddNullToObject(e, "received");
		cJSON_AddBoolToObject(e, "sent", r->sent);
		if (r->refused[0])
			cJSON_AddStringToObject(e, "refused", r->refused);
		cJSON_AddNumberToObject(e, "documents_merged", (double)r->documents);
		cJSON_AddNumberToObject(e, "conflicts", (double)r->conflicts);
		if (r->held[0])
			cJSON_AddStringToObject(e, "quarantine", r->held);
		documents += r->documents;
	}
	cJSON_AddNumberToObject(o, "objects_received", (double)s->objects_in);
	cJSON_AddNumberToObject(o, "bytes_received", (double)s->bytes_in);
	cJSON_AddNumberToObject(o, "objects_sent", (double)s->objects_out);
	cJSON_AddNumberToObject(o, "bytes_sent", (double)s->bytes_out);
	cJSON_AddNumberToObject(o, "documents_merged", (double)documents);
	cJSON_AddNumberToObject(o, "conflicts", (double)conflicts);
	cJSON_AddNumberToObject(o, "quarantined", (double)held);
	cJSON_AddNumberToObject(o, "refused", (double)refused);
	cJSON_AddNumberToObject(o, "not_readable", (double)s->not_readable);
	rc = cli_print_json(o);
	cJSON_Delete(o);
	return rc ? rc : held || refused ? EXIT_FAILURE : 0;
}

int sync_report(const syncing *s)
{
	size_t conflicts = 0, held = 0, refused = 0;

	for (size_t i = 0; i < s->n_spaces; i++) {
		conflicts += s->spaces[i].conflicts;
		held += s->spaces[i].held[0] != '\0';
		refused += s->spaces[i].refused[0] != '\0';
	}
	if (s->json)
		return report_json(s, conflicts, held, refused);
	for (size_t i = 0; i < s->n_spaces; i++) {
		const sync_space *r = &s->spaces[i];

		cli_line(stdout, "", "%-24s %s%s", r->name,
			 r->held[0] && !(r->received && strncmp(r->received, "partly", 6) == 0)
				 ? _("held in quarantine")
			 : r->received ? _(r->received)
				       : _("not there"),
			 r->sent ? _("; sent") : "");
		if (r->refused[0])
			cli_line(stderr, "sanshe: ", _("%s: the other node did not take ours: %s"),
				 r->name, r->refused);
	}
	if (s->objects_in || s->objects_out)
		printf(_("received %llu objects (%llu bytes), sent %llu objects (%llu bytes)\n"),
		       (unsigned long long)s->objects_in, (unsigned long long)s->bytes_in,
		       (unsigned long long)s->objects_out, (unsigned long long)s->bytes_out);
	cli_line(stdout, "", _("synced with %s: %zu spaces, %zu new conflicts%s"), s->peer_name,
		 s->n_spaces, conflicts, conflicts ? _(" (see sanshe conflicts)") : "");
	if (s->not_readable)
		printf(_("%zu space(s) of the other node not taken: your organization may not read "
			 "them\n"),
		       s->not_readable);
	if (held)
		fprintf(stderr, _("sanshe: %zu space(s) held in quarantine: see sanshe quarantine\n"),
			held);
	return held || refused ? EXIT_FAILURE : 0;
}

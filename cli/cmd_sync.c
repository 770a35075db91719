/*
 * sanshe sync PEER [--space S]... [--key NAME] [--json] — meet another node
 * whose repository is a path (a shared folder, a USB stick): take what it
 * has that this node may read, verify it and merge it space by space (the
 * roster first), then bring the other node forward to the merged heads of
 * the spaces it holds, so that both end with the same heads.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "merging.h"
#include "node.h"
#include "peers.h"

#define MAX_SPACES 64

typedef struct space_run {
	char name[SANSHE_SPACE_MAX];
	const char *pulled; /* the merge's outcome, or NULL when the peer has none */
	int pushed;	    /* the peer moved forward */
	size_t conflicts;
	char held[SANSHE_QUARANTINE_NAME_MAX];
} space_run;

typedef struct syncing {
	sanshe_store *store, *peer;
	cli_writer w;
	const char *peer_path;
	char label[SANSHE_PEER_NAME_MAX]; /* the peer's name here */
	char our_label[SANSHE_PEER_NAME_MAX];
	const char *only[MAX_SPACES];
	size_t n_only;
	space_run spaces[MAX_SPACES];
	size_t n_spaces;
	int json;
	sanshe_trust *trust;  /* who may read what, for the peer's spaces */
	size_t not_readable;  /* the peer's spaces this member may not read */
} syncing;

static int wanted(const syncing *s, const char *space)
{
	if (!s->n_only)
		return 1;
	for (size_t i = 0; i < s->n_only; i++)
		if (strcmp(s->only[i], space) == 0)
			return 1;
	return 0;
}

/* trust first (new members are known before their work arrives), then common, then orgs. */
static int rank(const char *space)
{
	return strcmp(space, "trust") == 0 ? 0 : strcmp(space, "common") == 0 ? 1 : 2;
}

static int by_rank(const void *a, const void *b)
{
	const space_run *x = a, *y = b;
	int c = rank(x->name) - rank(y->name);

	return c ? c : strcmp(x->name, y->name);
}

static int note_space(const char *space, const git_oid *head, void *payload)
{
	syncing *s = payload;

	(void)head;
	if (!wanted(s, space))
		return 0;
	if (s->trust &&
	    !sanshe_trust_may_read(s->trust, s->w.member.roles, s->w.member.org, space)) {
		s->not_readable++; /* an organization's case files this member may not receive */
		return 0;
	}
	for (size_t i = 0; i < s->n_spaces; i++)
		if (strcmp(s->spaces[i].name, space) == 0)
			return 0;
	if (s->n_spaces == MAX_SPACES)
		return sanshe_error_set(SANSHE_EINVALID, _("more than %d spaces to sync"), MAX_SPACES);
	snprintf(s->spaces[s->n_spaces++].name, SANSHE_SPACE_MAX, "%s", space);
	return 0;
}

/* Take the peer's head of `space` and merge it, verified, into ours. */
static int pull(syncing *s, space_run *run)
{
	merging mg;
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	git_oid theirs;
	int err;

	if (sanshe_store_head(s->peer, run->name, &theirs) != 0) {
		sanshe_error_clear();
		return 0; /* the peer has no such space */
	}
	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", s->label, run->name);
	if ((err = sanshe_peers_fetch(s->store, s->peer_path, run->name, ref)) != 0)
		return err;
	memset(&mg, 0, sizeof(mg));
	mg.store = s->store;
	mg.w = &s->w;
	mg.ref = ref;
	mg.source = s->label;
	snprintf(mg.space, sizeof(mg.space), "%s", run->name);
	git_oid_cpy(&mg.theirs, &theirs);
	err = cli_merge_run(&mg);
	cli_writer_end(&s->w, s->store);
	run->pulled = mg.outcome;
	run->conflicts = mg.stats.conflicts;
	if (mg.held_commits) {
		snprintf(run->held, sizeof(run->held), "%s", mg.held);
		if (!s->json)
			fputs(mg.held_report.ptr ? mg.held_report.ptr : "", stderr);
	}
	sanshe_buf_dispose(&mg.held_report);
	return err;
}

/* Bring the peer's `space` forward to our head, when it holds that space. */
static int push(syncing *s, space_run *run)
{
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	git_oid ours, theirs;
	int err;

	if (sanshe_store_head(s->peer, run->name, &theirs) != 0 ||
	    sanshe_store_head(s->store, run->name, &ours) != 0) {
		sanshe_error_clear();
		return 0;
	}
	if (git_oid_equal(&ours, &theirs) ||
	    git_graph_descendant_of(sanshe_store_repository(s->store), &ours, &theirs) != 1)
		return 0; /* the same, or held back (quarantine, refusal): nothing to bring */
	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", s->our_label, run->name);
	if ((err = sanshe_store_lock(s->peer, cli_lock_wait())) != 0)
		return err;
	if ((err = sanshe_peers_fetch(s->peer, sanshe_store_path(s->store), run->name, ref)) == 0 &&
	    (err = sanshe_store_move(s->peer, run->name, &theirs, &ours, "sanshe sync")) == 0)
		run->pushed = 1;
	sanshe_store_unlock(s->peer);
	return err;
}

static int run_sync(syncing *s)
{
	int err;

	if ((err = sanshe_peers_same_federation(s->store, s->peer, s->peer_path)) != 0)
		return err;
	/* the roster first: who may read what is judged by the roster it brings */
	if (wanted(s, "trust")) {
		snprintf(s->spaces[s->n_spaces++].name, SANSHE_SPACE_MAX, "trust");
		if ((err = pull(s, &s->spaces[0])) != 0)
			return err;
	}
	if ((err = sanshe_trust_load(&s->trust, s->store, NULL)) != 0)
		return err;
	err = sanshe_store_spaces(s->peer, note_space, s);
	sanshe_trust_free(s->trust);
	s->trust = NULL;
	if (err || (err = sanshe_store_spaces(s->store, note_space, s)) != 0)
		return err;
	qsort(s->spaces, s->n_spaces, sizeof(*s->spaces), by_rank);
	for (size_t i = 0; !err && i < s->n_spaces; i++)
		if (strcmp(s->spaces[i].name, "trust") != 0)
			err = pull(s, &s->spaces[i]);
	for (size_t i = 0; !err && i < s->n_spaces; i++)
		err = push(s, &s->spaces[i]);
	return err;
}

static int report(const syncing *s)
{
	size_t conflicts = 0, held = 0;

	for (size_t i = 0; i < s->n_spaces; i++) {
		conflicts += s->spaces[i].conflicts;
		held += s->spaces[i].held[0] != '\0';
	}
	if (s->json) {
		cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "spaces");
		int rc;

		cJSON_AddStringToObject(o, "peer", s->peer_path);
		for (size_t i = 0; i < s->n_spaces; i++) {
			const space_run *r = &s->spaces[i];
			cJSON *e = cJSON_CreateObject();

			cJSON_AddItemToArray(list, e);
			cJSON_AddStringToObject(e, "space", r->name);
			if (r->pulled)
				cJSON_AddStringToObject(e, "received", r->pulled);
			else
				cJSON_AddNullToObject(e, "received");
			cJSON_AddBoolToObject(e, "sent", r->pushed);
			cJSON_AddNumberToObject(e, "conflicts", (double)r->conflicts);
			if (r->held[0])
				cJSON_AddStringToObject(e, "quarantine", r->held);
		}
		cJSON_AddNumberToObject(o, "conflicts", (double)conflicts);
		cJSON_AddNumberToObject(o, "quarantined", (double)held);
		cJSON_AddNumberToObject(o, "not_readable", (double)s->not_readable);
		rc = cli_print_json(o);
		cJSON_Delete(o);
		return rc ? rc : held ? EXIT_FAILURE : 0;
	}
	for (size_t i = 0; i < s->n_spaces; i++) {
		const space_run *r = &s->spaces[i];

		printf("%-24s %s%s\n", r->name,
		       r->held[0] ? _("held in quarantine") : r->pulled ? _(r->pulled) : _("not there"),
		       r->pushed ? _("; sent") : "");
	}
	printf(_("synced with %s: %zu spaces, %zu new conflicts%s\n"), s->peer_path, s->n_spaces,
	       conflicts, conflicts ? _(" (see sanshe conflicts)") : "");
	if (s->not_readable)
		printf(_("%zu space(s) of the other node not taken: your organization may not read "
			 "them\n"),
		       s->not_readable);
	if (held) {
		fprintf(stderr, _("sanshe: %zu space(s) held in quarantine: see sanshe quarantine\n"),
			held);
		return EXIT_FAILURE;
	}
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "key", required_argument, NULL, 'k' },
						 { "json", no_argument, NULL, 'j' },
						 { "quiet", no_argument, NULL, 'q' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *key_name = NULL;
	char url[4096];
	syncing *s = calloc(1, sizeof(*s));
	int c, err, rc;

	if (!s)
		return cli_fail();
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's' && s->n_only < MAX_SPACES)
			s->only[s->n_only++] = optarg;
		else if (c == 'k')
			key_name = optarg;
		else if (c == 'j')
			s->json = 1;
		else if (c != 'q' && c != 's') {
			free(s);
			return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		free(s);
		return cli_usage_error("sync", "%s",
				       argc - optind ? _("too many arguments")
						     : _("sync with which node? give a path or a peer"));
	}
	for (size_t i = 0; i < s->n_only; i++)
		if (!sanshe_store_space_valid(s->only[i])) {
			rc = cli_usage_error("sync", _("'%s' is not a space name"), s->only[i]);
			free(s);
			return rc;
		}
	if ((err = cli_open_store(&s->store)) == 0 &&
	    (err = sanshe_peers_resolve(s->store, argv[optind], url, sizeof(url), s->label)) == 0 &&
	    (err = sanshe_peers_label_of(sanshe_store_path(s->store), s->our_label)) == 0 &&
	    (err = sanshe_store_open(&s->peer, url)) == 0 &&
	    (err = cli_writer_open(&s->w, s->store, key_name)) == 0) {
		s->peer_path = url;
		err = run_sync(s);
	}
	cli_writer_dispose(&s->w, s->store);
	rc = err ? cli_fail() : report(s);
	sanshe_store_free(s->peer);
	sanshe_store_free(s->store);
	free(s);
	return rc;
}

/*
 * sanshe merge [--space S] [--key NAME] REF — merge the commit REF (a
 * branch fetched from another node, any commit) into a space: nothing to
 * do, a fast-forward, or a merge commit signed by the member.
 */
#include "cli.h"

#include <string.h>

#include "merging.h"


/* REF as a commit: any revision git understands. */
static int resolve_ref(merging *mg)
{
	git_object *obj = NULL, *commit = NULL;
	int err = git_revparse_single(&obj, sanshe_store_repository(mg->store), mg->ref);

	if (!err)
		err = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (!err)
		git_oid_cpy(&mg->theirs, git_object_id(commit));
	git_object_free(obj);
	git_object_free(commit);
	if (err < 0)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("'%s' names no commit in this repository (fetch it first, "
					  "e.g. with git fetch)"),
					mg->ref);
	return 0;
}

typedef struct guess {
	const char *ref;
	char *space;
	int found;
} guess;

/* A space whose name ends REF: "peer/org/x" or "refs/remotes/p/common". */
static int guess_one(const char *space, const git_oid *head, void *payload)
{
	guess *g = payload;
	size_t n = strlen(g->ref), k = strlen(space);
	(void)head;

	if (k <= n && strcmp(g->ref + n - k, space) == 0 && (k == n || g->ref[n - k - 1] == '/')) {
		if (!g->found++)
			snprintf(g->space, SANSHE_SPACE_MAX, "%s", space);
	}
	return 0;
}

static int pick_space(merging *mg, const char *given)
{
	guess g = { mg->ref, mg->space, 0 };
	int err;

	if (given) {
		if (!sanshe_store_space_valid(given))
			return sanshe_error_set(SANSHE_EUSAGE, _("'%s' is not a space name"), given);
		snprintf(mg->space, sizeof(mg->space), "%s", given);
		return 0;
	}
	if ((err = sanshe_store_spaces(mg->store, guess_one, &g)) != 0)
		return err;
	if (g.found != 1)
		return sanshe_error_set(SANSHE_EUSAGE,
					_("which space should '%s' be merged into? give --space "
					  "(see sanshe status)"),
					mg->ref);
	return 0;
}

static int report_held_json(const merging *mg)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(o, "space", mg->space);
	cJSON_AddStringToObject(o, "ref", mg->ref);
	cJSON_AddStringToObject(o, "outcome", "quarantined");
	cJSON_AddStringToObject(o, "quarantine", mg->held);
	cJSON_AddNumberToObject(o, "commits_held", (double)mg->held_commits);
	rc = cli_print_json(o);
	cJSON_Delete(o);
	return rc ? rc : EXIT_FAILURE;
}

/* Where REF came from, for a quarantine name: "community/org/x" is "community". */
static void source_of(merging *mg, char *out, size_t size)
{
	size_t n = strlen(mg->ref), k = strlen(mg->space);

	snprintf(out, size, "%s", mg->ref);
	if (n > k + 1 && strcmp(mg->ref + n - k, mg->space) == 0 && mg->ref[n - k - 1] == '/')
		out[n - k - 1] = '\0';
	if (strncmp(out, "refs/remotes/", 13) == 0)
		memmove(out, out + 13, strlen(out + 13) + 1);
}

static int report(const merging *mg, int json)
{
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), &mg->theirs);
	if (mg->held_commits) {
		if (json)
			return report_held_json(mg);
		fprintf(stderr,
			_("sanshe: %s holds %zu commit(s) signed by a key this node knows was revoked; "
			  "held in quarantine as '%s' (nothing merged): an admin may accept them with "
			  "'sanshe quarantine accept %s', or refuse them\n"),
			mg->ref, mg->held_commits, mg->held, mg->held);
		fputs(mg->held_report.ptr ? mg->held_report.ptr : "", stderr);
		return EXIT_FAILURE;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject();
		int rc;

		cJSON_AddStringToObject(o, "space", mg->space);
		cJSON_AddStringToObject(o, "ref", mg->ref);
		cJSON_AddStringToObject(o, "commit", id);
		cJSON_AddStringToObject(o, "outcome", mg->outcome);
		cJSON_AddNumberToObject(o, "changed_on_both_sides", (double)mg->stats.changed);
		cJSON_AddNumberToObject(o, "merged", (double)mg->stats.merged);
		cJSON_AddNumberToObject(o, "conflicts", (double)mg->stats.conflicts);
		rc = cli_print_json(o);
		cJSON_Delete(o);
		return rc;
	}
	if (strcmp(mg->outcome, "up to date") == 0)
		printf(_("space '%s' already has %s: nothing to merge\n"), mg->space, mg->ref);
	else if (strcmp(mg->outcome, "fast-forward") == 0)
		printf(_("space '%s' moved forward to %s (%.12s)\n"), mg->space, mg->ref, id);
	else
		printf(_("merged %s into space '%s': %zu documents changed on both sides, %zu merged, "
			 "%zu new conflicts%s\n"),
		       mg->ref, mg->space, mg->stats.changed, mg->stats.merged, mg->stats.conflicts,
		       mg->stats.conflicts ? _(" (see sanshe conflicts)") : "");
	return 0;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "key", required_argument, NULL, 'k' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *space = NULL, *key_name = NULL;
	cli_writer w = { 0 };
	merging mg;
	char source[SANSHE_QUARANTINE_NAME_MAX / 2];
	int c, err, json = 0, rc;

	memset(&mg, 0, sizeof(mg));
	mg.w = &w;
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			space = optarg;
		else if (c == 'k')
			key_name = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("merge", "%s",
				       argc - optind ? _("too many arguments")
						     : _("what should be merged? give a branch or commit"));
	mg.ref = argv[optind];
	if ((err = cli_open_store(&mg.store)) == 0 && (err = resolve_ref(&mg)) == 0 &&
	    (err = pick_space(&mg, space)) == 0 &&
	    (err = cli_writer_open(&w, mg.store, key_name)) == 0) {
		source_of(&mg, source, sizeof(source));
		mg.source = source;
		err = cli_merge_run(&mg);
	}
	cli_writer_dispose(&w, mg.store);
	sanshe_store_free(mg.store);
	rc = err ? cli_fail() : report(&mg, json);
	sanshe_buf_dispose(&mg.held_report);
	return rc;
}

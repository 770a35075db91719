/*
 * sanshe merge [--space S] [--key NAME] REF — merge the commit REF (a
 * branch fetched from another node, any commit) into a space: nothing to
 * do, a fast-forward, or a merge commit signed by the member.
 */
#include "cli.h"

#include <string.h>

#include "merge.h"
#include "repo.h"

typedef struct merging {
	sanshe_store *store;
	cli_writer *w;
	const char *ref;
	char space[SANSHE_SPACE_MAX];
	git_oid theirs;
	int json;
	const char *outcome; /* "up to date", "fast-forward", "merged" */
	sanshe_merge_stats stats;
} merging;

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

static int merge_commit(merging *mg, const git_oid *head)
{
	char op[600];
	git_oid tree;
	sanshe_change *change = NULL;
	int err;

	if ((err = sanshe_merge_trees(mg->store, head, &mg->theirs, &tree, &mg->stats)) != 0)
		return err;
	snprintf(op, sizeof(op), "merge %s into %s", mg->ref, mg->space);
	if ((err = sanshe_change_new(&change, mg->store, mg->space)) == 0 &&
	    (err = sanshe_change_merge(change, &mg->theirs, &tree)) == 0) {
		err = cli_writer_commit(mg->w, mg->store, change, op);
		mg->outcome = "merged";
	}
	sanshe_change_free(change);
	return err;
}

/*
 * Two nodes that merged the same histories each wrote a merge commit: same
 * tree, other ids.  When our head is such a merge of what `theirs` holds
 * already (same tree, every parent in theirs), either commit will do: both
 * nodes keep the one with the smaller id, so that merging back and forth
 * ends instead of adding a merge commit each time.
 */
static bool same_merge(merging *mg, const git_oid *head)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	git_commit *ours = NULL, *other = NULL;
	bool same = false;

	if (git_commit_lookup(&ours, repo, head) == 0 &&
	    git_commit_lookup(&other, repo, &mg->theirs) == 0 &&
	    git_commit_parentcount(ours) > 1 &&
	    git_oid_equal(git_commit_tree_id(ours), git_commit_tree_id(other))) {
		same = true;
		for (unsigned i = 0; same && i < git_commit_parentcount(ours); i++) {
			const git_oid *p = git_commit_parent_id(ours, i);

			same = git_oid_equal(p, &mg->theirs) ||
			       git_graph_descendant_of(repo, &mg->theirs, p) == 1;
		}
	}
	git_commit_free(ours);
	git_commit_free(other);
	return same;
}

/* Writing is ended by cmd_merge's cli_writer_dispose, whatever happens here. */
static int run(merging *mg)
{
	git_repository *repo = sanshe_store_repository(mg->store);
	char message[600];
	git_oid head;
	int err, has_head;

	if ((err = cli_writer_begin(mg->w, mg->store)) != 0)
		return err;
	err = sanshe_store_head(mg->store, mg->space, &head);
	has_head = err == 0;
	if (err && err != SANSHE_ENOTFOUND) {
		return err;
	}
	if (has_head && (git_oid_equal(&head, &mg->theirs) ||
			 git_graph_descendant_of(repo, &head, &mg->theirs) == 1)) {
		mg->outcome = "up to date";
		return 0;
	}
	if (has_head && same_merge(mg, &head)) {
		if (git_oid_cmp(&mg->theirs, &head) < 0) {
			snprintf(message, sizeof(message), "merge %s: the same merge", mg->ref);
			err = sanshe_store_move(mg->store, mg->space, &head, &mg->theirs, message);
			mg->outcome = "fast-forward";
		} else {
			mg->outcome = "up to date";
		}
		return err;
	}
	if (!has_head || git_graph_descendant_of(repo, &mg->theirs, &head) == 1) {
		snprintf(message, sizeof(message), "merge %s: fast-forward", mg->ref);
		err = sanshe_store_move(mg->store, mg->space, has_head ? &head : NULL, &mg->theirs,
					message);
		mg->outcome = "fast-forward";
		return err;
	}
	return merge_commit(mg, &head);
}

static int report(const merging *mg)
{
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), &mg->theirs);
	if (mg->json) {
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
	int c, err;

	memset(&mg, 0, sizeof(mg));
	mg.w = &w;
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			space = optarg;
		else if (c == 'k')
			key_name = optarg;
		else if (c == 'j')
			mg.json = 1;
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
	    (err = cli_writer_open(&w, mg.store, key_name)) == 0)
		err = run(&mg);
	cli_writer_dispose(&w, mg.store);
	sanshe_store_free(mg.store);
	if (err)
		return cli_fail();
	return report(&mg);
}

/*
 * sanshe sync PEER [--space S]... [--key NAME] [--quiet] [--json] — meet
 * another node: a folder (a shared folder, a USB stick), a node running
 * `sanshe serve` (tcp://HOST:PORT) or a sealed bundle file.  Take what it
 * has that this member may read, verify it and merge it space by space
 * (the roster first), then bring the other node forward to the merged heads
 * of the spaces it holds, so that both end with the same heads.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "node.h"
#include "sync_kinds.h"

typedef struct folder {
	syncing *s;
	sanshe_store *peer;
	const char *path;
	char our_label[SANSHE_PEER_NAME_MAX];
	sanshe_trust *trust;
	char names[SYNC_MAX_SPACES][SANSHE_SPACE_MAX]; /* the peer's spaces */
	const char *shown[SYNC_MAX_SPACES];
	size_t n_names;
} folder;

static int note_space(const char *space, const git_oid *head, void *payload)
{
	folder *f = payload;

	(void)head;
	return sync_add_space(f->s, f->trust, space, NULL);
}

/* The peer's head of `space`, fetched into refs/sanshe/peers/<peer>/<space>. */
static int fetch_head(const char *space, git_oid *out, void *payload)
{
	folder *f = payload;
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	int err;

	if (sanshe_store_head(f->peer, space, out) != 0) {
		sanshe_error_clear();
		return 0; /* the peer has no such space */
	}
	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", f->s->label, space);
	if ((err = sanshe_peers_fetch(f->s->store, f->path, space, ref)) != 0)
		return err;
	return 1;
}

static int name_space(const char *space, const git_oid *head, void *payload)
{
	folder *f = payload;

	(void)head;
	if (f->n_names == SYNC_MAX_SPACES)
		return sanshe_error_set(SANSHE_EINVALID, _("more than %d spaces to sync"),
					SYNC_MAX_SPACES);
	snprintf(f->names[f->n_names], SANSHE_SPACE_MAX, "%s", space);
	f->shown[f->n_names] = f->names[f->n_names];
	f->n_names++;
	return 0;
}

/* Bring the peer's space forward to our head, when it holds that space. */
static int push(folder *f, sync_space *sp)
{
	syncing *s = f->s;
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	git_oid ours, theirs;
	int err;

	if (sanshe_store_head(f->peer, sp->name, &theirs) != 0 ||
	    sanshe_store_head(s->store, sp->name, &ours) != 0) {
		sanshe_error_clear();
		return 0;
	}
	if (git_oid_equal(&ours, &theirs) ||
	    git_graph_descendant_of(sanshe_store_repository(s->store), &ours, &theirs) != 1)
		return 0; /* the same, or held back (quarantine, refusal): nothing to bring */
	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", f->our_label, sp->name);
	if ((err = sanshe_store_lock(f->peer, cli_lock_wait())) != 0)
		return err;
	if ((err = sanshe_peers_fetch(f->peer, sanshe_store_path(s->store), sp->name, ref)) == 0 &&
	    (err = sanshe_store_move(f->peer, sp->name, &theirs, &ours, "sanshe sync")) == 0)
		sp->sent = 1;
	sanshe_store_unlock(f->peer);
	return err;
}

static int sync_folder(syncing *s, const sanshe_peer *where)
{
	folder f;
	int err;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.path = where->url;
	if ((err = sanshe_peers_label_of(sanshe_store_path(s->store), f.our_label)) != 0 ||
	    (err = sanshe_store_open(&f.peer, where->url)) != 0)
		return err;
	if ((err = sanshe_peers_same_federation(s->store, f.peer, where->url)) != 0)
		goto done;
	if ((err = sanshe_store_spaces(f.peer, name_space, &f)) != 0 ||
	    (err = sync_receive_all(s, f.shown, f.n_names, fetch_head, &f, &f.trust)) != 0)
		goto done;
	/* ours too, to bring the peer forward in each it may hold */
	sanshe_trust_free(f.trust);
	f.trust = NULL;
	err = sanshe_store_spaces(s->store, note_space, &f);
	sync_order(s);
	for (size_t i = 0; !err && i < s->n_spaces; i++)
		err = push(&f, &s->spaces[i]);
done:
	sanshe_trust_free(f.trust);
	sanshe_store_free(f.peer);
	return err;
}

int sync_command(int argc, char **argv, int bundle_only)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "key", required_argument, NULL, 'k' },
						 { "json", no_argument, NULL, 'j' },
						 { "quiet", no_argument, NULL, 'q' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *key_name = NULL;
	sanshe_peer *where = calloc(1, sizeof(*where));
	syncing *s = calloc(1, sizeof(*s));
	int c, err, rc, quiet = 0;

	if (!s || !where) {
		free(s);
		free(where);
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		return cli_fail();
	}
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's' && s->n_only < SYNC_MAX_SPACES)
			s->only[s->n_only++] = optarg;
		else if (c == 'k')
			key_name = optarg;
		else if (c == 'j')
			s->json = 1;
		else if (c == 'q')
			quiet = 1;
		else if (c != 's') {
			free(s);
			free(where);
			return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	rc = -1;
	if (argc - optind != 1)
		rc = cli_usage_error(argv[0], "%s",
				     argc - optind ? _("too many arguments")
				     : bundle_only ? _("apply which bundle? give its file")
						   : _("sync with which node? give a path, "
						       "tcp://HOST:PORT, a bundle file or a peer"));
	for (size_t i = 0; rc < 0 && i < s->n_only; i++)
		if (!sanshe_store_space_valid(s->only[i]))
			rc = cli_usage_error(argv[0], _("'%s' is not a space name"), s->only[i]);
	if (rc >= 0) {
		free(s);
		free(where);
		return rc;
	}
	cli_progress_init(&s->progress, quiet || s->json);
	if ((err = cli_open_store(&s->store)) == 0 &&
	    (err = sanshe_peers_resolve(s->store, argv[optind], where)) == 0 &&
	    (!bundle_only || where->kind == SANSHE_PEER_BUNDLE ||
	     (err = sanshe_error_set(SANSHE_EINVALID, _("'%s' is not a bundle file"),
				     argv[optind])) == 0) &&
	    (err = cli_writer_open(&s->w, s->store, key_name)) == 0) {
		s->peer_name = where->url;
		snprintf(s->label, sizeof(s->label), "%s", where->label);
		err = where->kind == SANSHE_PEER_TCP	  ? sync_tcp(s, where)
		      : where->kind == SANSHE_PEER_BUNDLE ? sync_bundle(s, where)
							  : sync_folder(s, where);
	}
	cli_progress_done(&s->progress);
	cli_writer_dispose(&s->w, s->store);
	rc = err ? cli_fail() : sync_report(s);
	sanshe_store_free(s->store);
	free(s);
	free(where);
	return rc;
}

int cmd_sync(int argc, char **argv)
{
	return sync_command(argc, argv, 0);
}

/*
 * sanshe clone PEER DIR --expect FINGERPRINT [--key NAME] — make a new node
 * from an existing one reached as a folder, after checking that it was
 * founded by the key whose fingerprint was given out of band.  The new node
 * takes the roster and the common space, and the organizations' spaces
 * that the member of this home's key may read; every commit is verified
 * before it is kept.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "merging.h"
#include "peers.h"
#include "repo.h"
#include "signer.h"
#include "sshsig.h"
#include "sync_kinds.h"
#include "verify.h"

typedef struct cloning {
	sanshe_store *peer, *node; /* peer: NULL over TCP, whose heads are in `heads` */
	tcp_heads heads;
	int made; /* the new node's directory exists */
	const char *peer_path;
	char label[SANSHE_PEER_NAME_MAX];
	const char *key_name;
	sanshe_key *key;	 /* this home's key, when it is a member: may read more */
	sanshe_trust_signer who; /* that member */
	int member;
	char taken[8][SANSHE_SPACE_MAX];
	size_t n_taken;
} cloning;

/* The key that signed the peer's founding commit (the root of trust's first-parent line). */
static int founder_of(sanshe_store *store, const git_oid *trust,
		      char fingerprint[SANSHE_KEY_FINGERPRINT_MAX])
{
	git_repository *repo = sanshe_store_repository(store);
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	git_oid root;
	int err;

	if ((err = sanshe_trust_founding(store, trust, &root)) != 0)
		return err;
	if (git_commit_extract_signature(&sig, &data, repo, &root, NULL) != 0)
		err = sanshe_error_set(SANSHE_EBADSIG, "%s",
				       _("the other node's founding commit is not signed"));
	else if ((err = sanshe_sshsig_verify(sig.ptr, sig.size, "git", data.ptr, data.size, pk)) ==
		 0)
		err = sanshe_key_fingerprint_of(fingerprint, pk);
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_error_clear();
	return err;
}

/* The peer's head of `space`: 1 when it has one. */
static int peer_head(cloning *c, const char *space, git_oid *tip)
{
	if (!c->peer) {
		const git_oid *id = tcp_heads_find(&c->heads, space);

		if (id)
			git_oid_cpy(tip, id);
		return id != NULL;
	}
	if (sanshe_store_head(c->peer, space, tip) == 0)
		return 1;
	sanshe_error_clear();
	return 0;
}

/* Take one space: fetch it, verify all of its history, then set its head. */
static int take(cloning *c, const char *space)
{
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	git_reference *r = NULL;
	size_t findings;
	git_oid tip;
	int err;

	if (!peer_head(c, space, &tip))
		return 0;
	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", c->label, space);
	if (c->peer && (err = sanshe_peers_fetch(c->node, c->peer_path, space, ref)) != 0)
		return err;
	if (!c->peer) {
		if (git_reference_create(&r, sanshe_store_repository(c->node), ref, &tip, 1,
					 "sanshe clone") != 0)
			return sanshe_git_error(SANSHE_EIO, _("cannot record what the peer sent"));
		git_reference_free(r);
	}
	if (strcmp(space, "trust") == 0 &&
	    (err = sanshe_store_move(c->node, "trust", NULL, &tip, "sanshe clone")) != 0)
		return err; /* the roster verifies itself against itself, once in place */
	if ((err = cli_verify_incoming(c->node, space, &tip, NULL, &findings)) != 0)
		return err;
	if (findings)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("space '%s' of '%s' fails verification with %zu finding(s), "
					  "above: nothing was made"),
					space, c->peer_path, findings);
	if (strcmp(space, "trust") != 0 &&
	    (err = sanshe_store_move(c->node, space, NULL, &tip, "sanshe clone")) != 0)
		return err;
	snprintf(c->taken[c->n_taken++], SANSHE_SPACE_MAX, "%s", space);
	return 0;
}

typedef struct org_spaces {
	cloning *c;
	sanshe_trust *trust;
	char names[6][SANSHE_SPACE_MAX];
	size_t n;
} org_spaces;

static int note_org_space(const char *space, const git_oid *head, void *payload)
{
	org_spaces *o = payload;

	(void)head;
	if (strncmp(space, "org/", 4) == 0 && o->n < 6 &&
	    sanshe_trust_may_read(o->trust, o->c->who.roles, o->c->who.org, space))
		snprintf(o->names[o->n++], SANSHE_SPACE_MAX, "%s", space);
	return 0;
}

static int take_all(cloning *c)
{
	org_spaces o = { c, NULL, { { 0 } }, 0 };
	int err;

	if ((err = sanshe_store_lock(c->node, cli_lock_wait())) != 0 ||
	    (err = take(c, "trust")) != 0 || (err = take(c, "common")) != 0)
		return err;
	if (!c->key || (err = sanshe_trust_load(&o.trust, c->node, NULL)) != 0)
		return err;
	c->member = sanshe_trust_signer_at(o.trust, sanshe_key_public(c->key),
					   sanshe_node_wall_ms(), &c->who) == 0;
	sanshe_error_clear();
	if (!c->peer && (err = tcp_heads_server_member(&c->heads, o.trust, c->peer_path)) != 0)
		goto done;
	if (c->member && c->peer)
		err = sanshe_store_spaces(c->peer, note_org_space, &o);
	for (size_t i = 0; c->member && !c->peer && i < c->heads.n; i++)
		note_org_space(c->heads.space[i], &c->heads.id[i], &o);
	for (size_t i = 0; !err && i < o.n; i++)
		err = take(c, o.names[i]);
done:
	sanshe_trust_free(o.trust);
	return err;
}

/* The public half of `name` (NULL: the home's default key): no passphrase needed. */
static int public_key(const char *name, sanshe_key **out)
{
	const char *home = cli_home();
	sanshe_buf chosen = SANSHE_BUF_INIT;
	int err;

	*out = NULL;
	if (!home)
		return sanshe_error_code();
	if (!name && (err = sanshe_key_default_get(home, &chosen)) != 0)
		return err;
	err = sanshe_key_load_public(out, home, name ? name : chosen.ptr);
	sanshe_buf_dispose(&chosen);
	return err;
}

int cmd_clone(int argc, char **argv)
{
	static const struct option options[] = { { "expect", required_argument, NULL, 'e' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	char founder[SANSHE_KEY_FINGERPRINT_MAX];
	sanshe_peer where;
	const char *expect = NULL, *dir;
	sanshe_buf building = SANSHE_BUF_INIT;
	cloning c;
	int ch, err;

	memset(&c, 0, sizeof(c));
	while ((ch = cli_getopt(argc, argv, "", options)) != -1) {
		if (ch == 'e')
			expect = optarg;
		else if (ch == 'k')
			c.key_name = optarg;
		else
			return ch == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 2)
		return cli_usage_error("clone", "%s", _("give the other node and the new directory"));
	if (!expect)
		return cli_usage_error("clone", "%s",
				       _("--expect FINGERPRINT is required: the key that founded the "
					 "federation, as its admin gave it to you"));
	dir = argv[optind + 1];
	if ((err = sanshe_peers_resolve(NULL, argv[optind], &where)) != 0)
		goto done;
	if (where.kind == SANSHE_PEER_BUNDLE) {
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("'%s' is a file: clone from another node's folder or from "
					 "tcp://HOST:PORT"),
				       where.url);
		goto done;
	}
	snprintf(c.label, sizeof(c.label), "%s", where.label);
	c.peer_path = where.url;
	/* made beside DIR and renamed into place when whole */
	if ((err = sanshe_buf_printf(&building, "%s.cloning-%ld", dir, (long)getpid())) != 0)
		goto done;
	if (where.kind == SANSHE_PEER_TCP) {
		/* over the network this office proves its key: the secret half is needed */
		const git_oid *trust;

		if ((err = cli_signing_key(c.key_name, &c.key)) != 0 ||
		    (err = sanshe_store_create(&c.node, building.ptr)) != 0)
			goto done;
		c.made = 1;
		if ((err = clone_tcp_fetch(&where, c.node, c.key, &c.heads)) != 0)
			goto fail;
		if (!(trust = tcp_heads_find(&c.heads, "trust"))) {
			err = sanshe_error_set(SANSHE_EINVALID, _("the node at %s sent no roster"),
					       where.url);
			goto fail;
		}
		if ((err = founder_of(c.node, trust, founder)) != 0)
			goto fail;
	} else {
		if ((err = sanshe_store_open(&c.peer, where.url)) != 0 ||
		    (err = founder_of(c.peer, NULL, founder)) != 0)
			goto done;
		if (public_key(c.key_name, &c.key) != 0) {
			sanshe_error_clear(); /* no key here yet: the roster and common only */
			c.key = NULL;
		}
	}
	if (strcmp(founder, expect) != 0) {
		err = sanshe_error_set(SANSHE_EBADSIG,
				       _("the node at '%s' was founded by key %s, not %s as expected: "
					 "nothing was made"),
				       where.url, founder, expect);
		goto fail;
	}
	if (!c.node && (err = sanshe_store_create(&c.node, building.ptr)) != 0)
		goto done;
	c.made = 1;
	err = take_all(&c);
fail:
	sanshe_store_free(c.node);
	c.node = NULL;
	if (!err && rename(building.ptr, dir) != 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot move the new node to '%s' (it must "
							"not exist)"),
					  dir);
	if (err && building.ptr && c.made)
		sanshe_fs_remove_tree(building.ptr, 0);
	else if (!err) {
		printf(_("made node '%s' from %s (founded by %s): spaces"), dir, where.url, founder);
		for (size_t i = 0; i < c.n_taken; i++)
			printf(" %s", c.taken[i]);
		printf("\n");
		if (!c.member)
			printf("%s\n", _("this office's keys are not in the roster yet: an admin adds "
					 "its members, then 'sanshe sync' brings its organization's "
					 "space"));
	}
done:
	sanshe_store_free(c.node);
	sanshe_store_free(c.peer);
	sanshe_key_free(c.key);
	sanshe_buf_dispose(&building);
	return err ? cli_fail() : 0;
}

/*
 * sanshe bundle create|open|apply — the sync exchange carried on a file (a
 * USB stick, a weekly hand-off; DESIGN §8, docs/bundle.md).
 *
 * create writes a sealed bundle of the spaces every recipient may read,
 * signed by the writer and readable only by the recipients' keys; with
 * --since PEER it holds only what PEER has not sent us back.  open turns a
 * sealed bundle meant for this key into a plain git bundle.  apply is
 * `sanshe sync FILE`: sync_bundle below opens the file, checks that its
 * sender is a member in good standing, stores its objects, then verifies
 * and merges each space it carries, the roster first.  The plain bundle
 * lives in a temporary file of the repository's git directory, removed
 * whatever happens.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "signer.h"
#include "sync_kinds.h"

/* ---- shared ---- */

/* A new empty file "<git dir>/sanshe-bundle-XXXXXX" for a plain bundle, its name in `out`. */
static int temp_plain(git_repository *repo, sanshe_buf *out)
{
	int fd;

	if (sanshe_buf_printf(out, "%ssanshe-bundle-XXXXXX", git_repository_path(repo)) != 0)
		return SANSHE_ENOMEM;
	if ((fd = mkstemp(out->ptr)) < 0)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot create '%s'"), out->ptr);
	close(fd);
	return 0;
}

/* Remove the temporary plain bundle (when there is one) and release its name. */
static void temp_remove(sanshe_buf *path)
{
	if (path->ptr && *path->ptr)
		unlink(path->ptr);
	sanshe_buf_dispose(path);
}

/*
 * The message of a failure about the temporary file `tmp` made to name
 * `file`, the one the user gave: "'tmp': damaged pack" becomes
 * "'file': damaged pack"; a message naming nothing is prefixed with it.
 */
static int name_file(int err, const char *tmp, const char *file)
{
	char msg[1024];
	size_t n = strlen(tmp);
	const char *last = sanshe_error_last();

	if (last[0] == '\'' && strncmp(last + 1, tmp, n) == 0 &&
	    strncmp(last + 1 + n, "': ", 3) == 0)
		last += n + 4;
	snprintf(msg, sizeof(msg), "%s", last);
	return sanshe_error_set(err, "'%s': %s", file, msg);
}

/* The UTC text of a time in ms since the epoch. */
static const char *utc_text(char out[SANSHE_UTC_TEXT_MAX], uint64_t ms)
{
	if (sanshe_node_utc_text(out, (int64_t)(ms / 1000)) != 0)
		snprintf(out, SANSHE_UTC_TEXT_MAX, "?");
	return out;
}

/* ---- create ---- */

typedef struct recipient {
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char id[SANSHE_DOC_ID_MAX + 1];
	char name[256];
	char org[SANSHE_DOC_ID_MAX + 1];
	unsigned roles;
} recipient;

typedef struct creating {
	sanshe_store *store;
	git_repository *repo;
	cli_writer w;
	sanshe_trust *trust;
	uint64_t now;
	const char *out, *since;
	const char *to[SANSHE_BUNDLE_RECIPIENTS_MAX];
	size_t n_to;
	const char *only[SYNC_MAX_SPACES];
	size_t n_only;
	recipient people[SANSHE_BUNDLE_RECIPIENTS_MAX];
	size_t n_people;
	char spaces[SYNC_MAX_SPACES][SANSHE_SPACE_MAX];
	size_t n_spaces;
	git_oid prerequisites[SYNC_MAX_SPACES];
	size_t n_prerequisites;
	size_t up_to_date; /* spaces left out: the peer has our head already */
	sanshe_buf left_out; /* "org/x (Li Na may not read it)", … */
} creating;

/* What one --to (or every member without --to) gathers while walking the roster. */
typedef struct gathering {
	creating *c;
	const char *who; /* NULL: every member in good standing */
	int member_found;
	size_t added;
} gathering;

static int add_person(creating *c, const sanshe_trust_member *m, const unsigned char pk[32],
		      const sanshe_trust_signer *now)
{
	recipient *r;

	for (size_t i = 0; i < c->n_people; i++)
		if (memcmp(c->people[i].pk, pk, SANSHE_KEY_PUBLIC_BYTES) == 0)
			return 0;
	if (c->n_people == SANSHE_BUNDLE_RECIPIENTS_MAX)
		return sanshe_error_set(SANSHE_EINVALID,
					_("a bundle is for at most %d people: name fewer with "
					  "--to"),
					SANSHE_BUNDLE_RECIPIENTS_MAX);
	r = &c->people[c->n_people++];
	memcpy(r->pk, pk, SANSHE_KEY_PUBLIC_BYTES);
	snprintf(r->id, sizeof(r->id), "%s", m->id);
	snprintf(r->name, sizeof(r->name), "%s", m->name ? m->name : m->id);
	snprintf(r->org, sizeof(r->org), "%s", now->org ? now->org : "");
	r->roles = now->roles;
	return 0;
}

static int gather(const sanshe_trust_member *m, void *payload)
{
	gathering *g = payload;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_trust_signer now;
	char why[512];
	int is_member = g->who && strcmp(g->who, m->id) == 0;
	int is_org = g->who && m->org && strcmp(g->who, m->org) == 0;

	if (g->who && !is_member && !is_org)
		return 0;
	g->member_found |= is_member;
	if (!m->key || sanshe_key_parse_openssh(pk, NULL, m->key) != 0 ||
	    sanshe_trust_signer_at(g->c->trust, pk, g->c->now, &now) != 0) {
		snprintf(why, sizeof(why), "%s", sanshe_error_last());
		sanshe_error_clear();
		if (!is_member)
			return 0; /* not in good standing: not one of "every member" */
		if (m->revoked_at)
			return sanshe_error_set(SANSHE_EINVALID,
						_("--to '%s': %s was revoked at %s (%s): a "
						  "bundle is not for them"),
						m->id, m->name, m->revoked_at,
						m->revoked_reason ? m->revoked_reason : "");
		return sanshe_error_set(SANSHE_EINVALID, _("--to '%s': %s"), m->id, why);
	}
	g->added++;
	return add_person(g->c, m, pk, &now);
}

/* The recipients: each --to, or every member in good standing now. */
static int find_people(creating *c)
{
	gathering g;
	int err;

	if (!c->n_to) {
		memset(&g, 0, sizeof(g));
		g.c = c;
		return sanshe_trust_members(c->trust, gather, &g);
	}
	for (size_t i = 0; i < c->n_to; i++) {
		memset(&g, 0, sizeof(g));
		g.c = c;
		g.who = c->to[i];
		if ((err = sanshe_trust_members(c->trust, gather, &g)) != 0)
			return err;
		if (g.member_found)
			continue;
		if (!sanshe_trust_has_org(c->trust, g.who))
			return sanshe_error_set(SANSHE_ENOTFOUND,
						_("--to '%s': no member or organization of this "
						  "federation has that id"),
						g.who);
		if (!g.added)
			return sanshe_error_set(SANSHE_EINVALID,
						_("--to '%s': the organization has no member in "
						  "good standing to send to"),
						g.who);
	}
	return 0;
}

/* Is anything under refs/sanshe/peers/<since>/ here? */
static int count_ref(const char *name, void *payload)
{
	(void)name;
	(*(size_t *)payload)++;
	return 0;
}

static int check_since(creating *c)
{
	char glob[SANSHE_PEER_NAME_MAX + 32];
	size_t n = 0;

	if (!sanshe_peers_name_valid(c->since))
		return sanshe_error_set(SANSHE_EINVALID,
					_("--since '%s': not a peer name or member id"), c->since);
	snprintf(glob, sizeof(glob), "refs/sanshe/peers/%s/*", c->since);
	if (git_reference_foreach_glob(c->repo, glob, count_ref, &n) != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot read the refs"));
	if (!n)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("--since '%s': nothing was ever received here from '%s' "
					  "(no sync, no bundle)"),
					c->since, c->since);
	return 0;
}

/*
 * With --since: what the peer has of `space` is the merge base of our head
 * and what we last received from it.  1 when that is our head (nothing new
 * for it), 0 otherwise, with a prerequisite noted when there is a base.
 */
static int since_base(creating *c, const char *space, const git_oid *head)
{
	char ref[SANSHE_PEER_NAME_MAX + SANSHE_SPACE_MAX + 32];
	git_oid theirs, base;

	snprintf(ref, sizeof(ref), "refs/sanshe/peers/%s/%s", c->since, space);
	if (git_reference_name_to_id(&theirs, c->repo, ref) != 0 ||
	    git_merge_base(&base, c->repo, head, &theirs) != 0) {
		git_error_clear();
		return 0; /* nothing of it in common: the whole history goes */
	}
	if (git_oid_equal(&base, head))
		return 1;
	for (size_t i = 0; i < c->n_prerequisites; i++)
		if (git_oid_equal(&c->prerequisites[i], &base))
			return 0;
	git_oid_cpy(&c->prerequisites[c->n_prerequisites++], &base);
	return 0;
}

static int choose_space(const char *space, const git_oid *head, void *payload)
{
	creating *c = payload;
	int wanted = !c->n_only;

	for (size_t i = 0; i < c->n_only; i++)
		wanted |= strcmp(c->only[i], space) == 0;
	if (!wanted)
		return 0;
	for (size_t i = 0; i < c->n_people; i++) {
		if (sanshe_trust_may_read(c->trust, c->people[i].roles, c->people[i].org, space))
			continue;
		return sanshe_buf_printf(&c->left_out, _("%s%s (%s may not read it)"),
					 c->left_out.size ? ", " : "", space, c->people[i].name);
	}
	if (c->n_spaces == SYNC_MAX_SPACES) /* and so as many prerequisites at most */
		return sanshe_error_set(SANSHE_EINVALID, _("more than %d spaces to bundle"),
					SYNC_MAX_SPACES);
	if (c->since && since_base(c, space, head)) {
		c->up_to_date++;
		return 0;
	}
	snprintf(c->spaces[c->n_spaces++], SANSHE_SPACE_MAX, "%s", space);
	return 0;
}

/* trust first, then common, then the organizations' spaces by name (as sync takes them) */
static int space_order(const void *a, const void *b)
{
	const char *x = a, *y = b;
	int rx = strcmp(x, "trust") == 0 ? 0 : strcmp(x, "common") == 0 ? 1 : 2;
	int ry = strcmp(y, "trust") == 0 ? 0 : strcmp(y, "common") == 0 ? 1 : 2;

	return rx != ry ? rx - ry : strcmp(x, y);
}

/* Write the plain bundle of the chosen spaces to a temporary file, then seal it to `c->out`. */
static int write_sealed(creating *c)
{
	char refs_text[SYNC_MAX_SPACES][SANSHE_SPACE_MAX + 16];
	const char *refs[SYNC_MAX_SPACES];
	unsigned char(*keys)[SANSHE_KEY_PUBLIC_BYTES] = NULL;
	sanshe_buf plain = SANSHE_BUF_INIT;
	int err;

	for (size_t i = 0; i < c->n_spaces; i++) {
		snprintf(refs_text[i], sizeof(refs_text[i]), "refs/heads/%s", c->spaces[i]);
		refs[i] = refs_text[i];
	}
	if (!(keys = calloc(c->n_people, sizeof(*keys))))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (size_t i = 0; i < c->n_people; i++)
		memcpy(keys[i], c->people[i].pk, SANSHE_KEY_PUBLIC_BYTES);
	if ((err = temp_plain(c->repo, &plain)) == 0 &&
	    (err = sanshe_bundle_write(c->repo, plain.ptr, refs, c->n_spaces, c->prerequisites,
				       c->n_prerequisites)) == 0)
		err = sanshe_bundle_seal(plain.ptr, c->out, c->w.key,
					 (const unsigned char(*)[SANSHE_KEY_PUBLIC_BYTES])keys,
					 c->n_people);
	temp_remove(&plain);
	free(keys);
	return err;
}

static void print_written(const creating *c)
{
	sanshe_buf spaces = SANSHE_BUF_INIT, people = SANSHE_BUF_INIT;
	struct stat st;

	for (size_t i = 0; i < c->n_spaces; i++)
		sanshe_buf_printf(&spaces, "%s%s", i ? ", " : "", c->spaces[i]);
	for (size_t i = 0; i < c->n_people; i++)
		sanshe_buf_printf(&people, "%s%s", i ? ", " : "", c->people[i].name);
	cli_line(stdout, "", _("wrote %s (%lld bytes): %s"), c->out,
		 stat(c->out, &st) == 0 ? (long long)st.st_size : 0LL,
		 spaces.ptr ? spaces.ptr : "");
	if (c->since)
		cli_line(stdout, "", _("since what %s last sent: %zu prerequisite commit(s), %zu "
				       "space(s) with nothing new left out"),
			 c->since, c->n_prerequisites, c->up_to_date);
	cli_line(stdout, "", _("for %s"), people.ptr ? people.ptr : "");
	if (c->left_out.size)
		cli_line(stdout, "", _("left out: %s"), c->left_out.ptr);
	sanshe_buf_dispose(&spaces);
	sanshe_buf_dispose(&people);
}

static int create_bundle(creating *c, const char *key_name)
{
	int err;

	if ((err = cli_open_store(&c->store)) != 0)
		return err;
	c->repo = sanshe_store_repository(c->store);
	for (size_t i = 0; i < c->n_only; i++)
		if ((err = cli_space_check(c->store, c->only[i])) != 0)
			return err;
	if ((err = cli_writer_open(&c->w, c->store, key_name)) != 0 ||
	    (c->since && (err = check_since(c)) != 0) ||
	    (err = sanshe_trust_load(&c->trust, c->store, NULL)) != 0)
		return err;
	c->now = sanshe_node_wall_ms();
	if ((err = find_people(c)) != 0 ||
	    (err = sanshe_store_spaces(c->store, choose_space, c)) != 0)
		return err;
	if (!c->n_spaces && c->up_to_date) {
		cli_line(stdout, "", _("nothing new for %s since what it last sent: no bundle "
				       "written"),
			 c->since);
		return 0;
	}
	if (!c->n_spaces)
		return sanshe_error_set(SANSHE_EINVALID,
					_("nothing to bundle: every space asked for is left "
					  "out: %s"),
					c->left_out.ptr ? c->left_out.ptr : "");
	qsort(c->spaces, c->n_spaces, sizeof(c->spaces[0]), space_order);
	if ((err = write_sealed(c)) != 0)
		return err;
	print_written(c);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option options[] = { { "output", required_argument, NULL, 'o' },
						 { "to", required_argument, NULL, 't' },
						 { "since", required_argument, NULL, 'S' },
						 { "space", required_argument, NULL, 's' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *key_name = NULL;
	creating *c = calloc(1, sizeof(*c));
	int ch, err;

	if (!c) {
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		return cli_fail();
	}
	while ((ch = cli_getopt(argc, argv, "o:", options)) != -1) {
		if (ch == 'o')
			c->out = optarg;
		else if (ch == 't' && c->n_to < SANSHE_BUNDLE_RECIPIENTS_MAX)
			c->to[c->n_to++] = optarg;
		else if (ch == 'S')
			c->since = optarg;
		else if (ch == 's' && c->n_only < SYNC_MAX_SPACES)
			c->only[c->n_only++] = optarg;
		else if (ch == 'k')
			key_name = optarg;
		else if (ch != 't' && ch != 's') {
			free(c);
			return ch == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (!c->out || argc - optind != 0) {
		free(c);
		return cli_usage_error("bundle", "%s",
				       argc - optind ? _("too many arguments")
						     : _("create writes where? give -o FILE"));
	}
	err = create_bundle(c, key_name);
	cli_writer_dispose(&c->w, c->store);
	sanshe_trust_free(c->trust);
	sanshe_store_free(c->store);
	sanshe_buf_dispose(&c->left_out);
	free(c);
	return err ? cli_fail() : 0;
}

/* ---- open ---- */

/* Who sent it, as this node's roster knows them, into `out`. */
static void name_sender(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES], sanshe_buf *out)
{
	sanshe_store *store = NULL;
	sanshe_trust *trust = NULL;
	sanshe_trust_signer who;
	char fp[SANSHE_KEY_FINGERPRINT_MAX];
	int err = 1;

	sanshe_key_fingerprint_of(fp, pk);
	if (cli_open_store(&store) == 0 && sanshe_trust_load(&trust, store, NULL) == 0)
		err = sanshe_trust_signer_at(trust, pk, sanshe_node_wall_ms(), &who);
	if (err == 0 || (err == SANSHE_EINVALID && who.member))
		sanshe_buf_printf(out, "%s (%s, %s)%s", who.name ? who.name : who.member,
				  who.member, fp,
				  err ? _(", who may not send bundles now") : "");
	else
		sanshe_buf_printf(out, _("key %s, which is not a member of this federation"), fp);
	sanshe_error_clear();
	sanshe_trust_free(trust);
	sanshe_store_free(store);
}

static int cmd_open(int argc, char **argv)
{
	static const struct option options[] = { { "output", required_argument, NULL, 'o' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	unsigned char sender[SANSHE_KEY_PUBLIC_BYTES];
	const char *key_name = NULL, *plain = NULL;
	sanshe_buf who = SANSHE_BUF_INIT;
	sanshe_key *key = NULL;
	int ch, err;

	while ((ch = cli_getopt(argc, argv, "o:", options)) != -1) {
		if (ch == 'o')
			plain = optarg;
		else if (ch == 'k')
			key_name = optarg;
		else
			return ch == 'h' ? 0 : EXIT_USAGE;
	}
	if (!plain || argc - optind != 1)
		return cli_usage_error("bundle", "%s",
				       argc - optind > 1   ? _("too many arguments")
				       : argc - optind < 1 ? _("open which bundle? give its file")
							   : _("open writes where? give -o FILE"));
	if ((err = cli_signing_key(key_name, &key)) == 0 &&
	    (err = sanshe_bundle_open(argv[optind], plain, key, sender)) == 0) {
		name_sender(sender, &who);
		cli_line(stdout, "", _("opened %s, from %s: the plain bundle is %s"),
			 argv[optind], who.ptr ? who.ptr : "", plain);
	}
	sanshe_buf_dispose(&who);
	sanshe_key_free(key);
	return err ? cli_fail() : 0;
}

/* ---- apply: sync_bundle ---- */

/* Is the sender a member in good standing now?  Its member id becomes the label. */
static int check_sender(syncing *s, const char *file, const unsigned char pk[32])
{
	sanshe_trust *trust = NULL;
	sanshe_trust_signer who;
	char why[1024], when[SANSHE_UTC_TEXT_MAX];
	uint64_t now = sanshe_node_wall_ms();
	int err;

	if ((err = sanshe_trust_load(&trust, s->store, NULL)) != 0)
		return err;
	err = sanshe_trust_signer_at(trust, pk, now, &who);
	snprintf(why, sizeof(why), "%s", sanshe_error_last());
	if (err == SANSHE_ENOTFOUND)
		err = sanshe_error_set(err,
				       _("'%s' is signed by key %s, which is not a member of this "
					 "federation: nothing was applied"),
				       file, who.fingerprint);
	else if (err && who.revoked && now >= who.revoked_ms)
		err = sanshe_error_set(err,
				       _("'%s' is signed by %s (%s), whose key was revoked at %s "
					 "(%s): nothing was applied"),
				       file, who.name, who.member, utc_text(when, who.revoked_ms),
				       who.revoked_reason ? who.revoked_reason : "");
	else if (err)
		err = sanshe_error_set(err, _("'%s' is signed by %s: %s: nothing was applied"),
				       file, who.name ? who.name : who.fingerprint, why);
	else
		err = sanshe_peers_label_of(who.member, s->label);
	sanshe_trust_free(trust);
	return err;
}

/* The id the bundle gives refs/heads/<space>: its objects are stored already. */
static int carried(const char *space, git_oid *out, void *payload)
{
	const sanshe_bundle_header *h = payload;

	for (size_t i = 0; i < h->refs_count; i++)
		if (strncmp(h->refs[i].name, "refs/heads/", 11) == 0 &&
		    strcmp(h->refs[i].name + 11, space) == 0) {
			git_oid_cpy(out, &h->refs[i].id);
			return 1;
		}
	return 0;
}

/* Take each space the bundle carries: the roster first, then what this member may read. */
static int take_spaces(syncing *s, const char *file, const sanshe_bundle_header *h)
{
	const char **spaces = calloc(h->refs_count + 1, sizeof(*spaces));
	size_t n = 0;
	int err;

	if (!spaces)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (size_t i = 0; i < h->refs_count; i++) {
		const char *name = h->refs[i].name;

		if (strncmp(name, "refs/heads/", 11) == 0 && sanshe_store_space_valid(name + 11))
			spaces[n++] = name + 11;
		else
			cli_line(stderr, "sanshe: ",
				 _("warning: '%s' carries '%s', which is not a space: ignored"),
				 file, name);
	}
	err = sync_receive_all(s, spaces, n, carried, (void *)h, NULL);
	free(spaces);
	return err;
}

int sync_bundle(syncing *s, const sanshe_peer *where)
{
	git_repository *repo = sanshe_store_repository(s->store);
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	unsigned char sender[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_buf plain = SANSHE_BUF_INIT;
	struct stat st;
	int err;

	if (stat(where->url, &st) == 0)
		s->bytes_in = (uint64_t)st.st_size;
	if ((err = temp_plain(repo, &plain)) == 0 &&
	    (err = sanshe_bundle_open(where->url, plain.ptr, s->w.key, sender)) == 0 &&
	    (err = check_sender(s, where->url, sender)) == 0) {
		if ((err = sanshe_bundle_read(repo, plain.ptr, &h)) != 0)
			err = name_file(err, plain.ptr, where->url);
		s->objects_in = h.objects;
		if (!err)
			err = take_spaces(s, where->url, &h);
	}
	sanshe_bundle_header_dispose(&h);
	temp_remove(&plain);
	return err;
}

/* ---- the command ---- */

int cmd_bundle(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "-h") == 0 || strcmp(what, "--help") == 0)
		return cli_help("bundle", stdout);
	if (strcmp(what, "create") != 0 && strcmp(what, "open") != 0 &&
	    strcmp(what, "apply") != 0)
		return cli_usage_error("bundle", "%s", _("create, open or apply?"));
	/* the subcommand's options are parsed with "bundle" as argv[0], for its help */
	argv[1] = argv[0];
	if (strcmp(what, "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(what, "open") == 0)
		return cmd_open(argc - 1, argv + 1);
	return sync_command(argc - 1, argv + 1, 1);
}

/*
 * sanshe member add|list|revoke — the members of the trust roster: add one
 * with their public key and roles, list them, revoke one.  Only an admin
 * writes them; a revoked member's earlier signatures stay valid.
 */
#include "cli.h"

#include <string.h>
#include <time.h>

#include "fs.h"
#include "json.h"
#include "repo.h"
#include "uuid.h"

/* Revocation reasons of the member schema; any other text is "other" with a note. */
static const char *const reasons[] = { "left", "key-lost", "key-compromised", "role-ended",
				       "other" };

typedef struct member_args {
	const char *key_name; /* who signs */
	const char *name, *org, *public_key, *id, *kind, *valid_from, *reason, *at;
	unsigned roles;
	int json;
} member_args;

/* Returned by parse when the subcommand should go on. */
#define PROCEED (-1)

/* The long name of the option `c`. */
static const char *option_name(const struct option *options, int c)
{
	while (options->name && options->val != c)
		options++;
	return options->name ? options->name : "?";
}

/*
 * The options of every subcommand, of which `allowed` (their characters
 * below) are this one's, and `positional` arguments.
 */
static int parse(member_args *a, int argc, char **argv, int positional, const char *allowed)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "name", required_argument, NULL, 'n' },
		{ "org", required_argument, NULL, 'o' },
		{ "role", required_argument, NULL, 'r' },
		{ "public-key", required_argument, NULL, 'p' },
		{ "id", required_argument, NULL, 'i' },
		{ "kind", required_argument, NULL, 'k' },
		{ "valid-from", required_argument, NULL, 'f' },
		{ "reason", required_argument, NULL, 'R' },
		{ "at", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned role;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c != 'h' && c != '?' && !strchr(allowed, c))
			return cli_usage_error("member", _("option '--%s' is not for this command"),
					       option_name(options, c));
		switch (c) {
		case 'K': a->key_name = optarg; break;
		case 'n': a->name = optarg; break;
		case 'o': a->org = optarg; break;
		case 'p': a->public_key = optarg; break;
		case 'i': a->id = optarg; break;
		case 'k': a->kind = optarg; break;
		case 'f': a->valid_from = optarg; break;
		case 'R': a->reason = optarg; break;
		case 'a': a->at = optarg; break;
		case 'j': a->json = 1; break;
		case 'r':
			if (!(role = cli_role_parse("member", optarg)))
				return EXIT_USAGE;
			a->roles |= role;
			break;
		default: return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (argc - optind > positional)
		return cli_usage_error("member", _("unexpected argument '%s'"),
				       argv[optind + positional]);
	if (argc - optind < positional)
		return cli_usage_error("member", "%s", _("which member? give its ID"));
	return PROCEED;
}

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/*
 * A UTC time given as an option, or now: "YYYY-MM-DDTHH:MM:SSZ", or with
 * milliseconds when `precise` (a revocation from now must not reach back
 * into the second before it, where the revoking admin may have signed).
 */
static int utc_option(char out[SANSHE_UTC_TEXT_MAX], const char *given, const char *option,
		      int precise)
{
	if (!given && precise) {
		uint64_t ms = sanshe_node_wall_ms();
		size_t n;

		if (sanshe_node_utc_text(out, (int64_t)(ms / 1000)) != 0)
			return sanshe_error_code();
		n = strlen(out) - 1; /* before the Z */
		snprintf(out + n, SANSHE_UTC_TEXT_MAX - n, ".%03uZ", (unsigned)(ms % 1000));
		return 0;
	}
	if (!given)
		return sanshe_node_utc_text(out, (int64_t)time(NULL));
	if (strlen(given) >= SANSHE_UTC_TEXT_MAX || sanshe_node_utc_seconds(given) < 0 ||
	    given[strlen(given) - 1] != 'Z')
		return sanshe_error_set(SANSHE_EUSAGE, _("%s '%s': not a UTC time like "
							 "2026-11-22T08:10:00Z"), option, given);
	strcpy(out, given);
	return 0;
}

/*
 * The public key of --public-key: an OpenSSH line, or a file whose first
 * line is one (a .pub, or what 'sanshe key show' prints).
 */
static int read_public_key(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES], sanshe_buf *comment,
			   const char *arg)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	char *nl;
	int err;

	if (strncmp(arg, "ssh-", 4) == 0)
		err = sanshe_buf_puts(&text, arg);
	else
		err = sanshe_fs_read(&text, arg, 64 * 1024);
	if (err)
		goto done;
	if ((nl = memchr(text.ptr, '\n', text.size)))
		*nl = '\0';
	if (sanshe_key_parse_openssh(pk, comment, text.ptr) != 0)
		err = sanshe_error_set(SANSHE_EPARSE, _("--public-key '%s': %s"), arg,
				       sanshe_error_last());
done:
	sanshe_buf_dispose(&text);
	return err;
}

/* ---- the roster's members ---- */

/* The public key of a member document; 0 when it has none that parses. */
static int member_key(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES], const cJSON *doc)
{
	const char *line = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "key"));
	int ok = line && sanshe_key_parse_openssh(pk, NULL, line) == 0;

	sanshe_error_clear();
	return ok;
}

static const char *field(const cJSON *doc, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, name));

	return v ? v : "";
}

typedef struct key_search {
	const unsigned char *pk;
	const char *except; /* a member id not to count, or NULL */
	int admins;	    /* valid admins seen, but `except` */
} key_search;

/* Refuse a key that another member has (revoked or not: a key is one person's). */
static int check_key(const cJSON *doc, void *payload)
{
	key_search *s = payload;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];

	if (member_key(pk, doc) && memcmp(pk, s->pk, sizeof(pk)) == 0)
		return sanshe_error_set(SANSHE_EEXISTS, _("this key is member '%s' (%s)'s already: "
							  "each member signs with a key of their own"),
					field(doc, "id"), field(doc, "name"));
	return 0;
}

static int count_admin(const cJSON *doc, void *payload)
{
	key_search *s = payload;

	if ((sanshe_roles_of(doc) & SANSHE_ROLE_ADMIN) &&
	    !cJSON_GetObjectItemCaseSensitive(doc, "revoked") &&
	    (!s->except || strcmp(field(doc, "id"), s->except) != 0))
		s->admins++;
	return 0;
}

/* The org must be in the roster, the id and the key new to it. */
static int check_new_member(sanshe_store *store, const member_args *a, const unsigned char *pk)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	key_search s = { pk, NULL, 0 };
	int err = sanshe_store_read(store, "trust", NULL, "org", a->org, &text);

	if (err == SANSHE_ENOTFOUND)
		err = sanshe_error_set(err, _("--org '%s': no such organization in the roster (see "
					      "sanshe org list)"), a->org);
	sanshe_buf_clear(&text);
	if (!err && a->id && sanshe_store_read(store, "trust", NULL, "member", a->id, &text) == 0)
		err = sanshe_error_set(SANSHE_EEXISTS, _("member '%s' is in the roster already"),
				       a->id);
	sanshe_buf_dispose(&text);
	if (err)
		return err;
	sanshe_error_clear();
	return cli_each_doc(store, "trust", "member", check_key, &s);
}

/* ---- add ---- */

static int member_document(cJSON **out, const member_args *a, const unsigned char *pk,
			   const char *comment)
{
	char id[SANSHE_UUID_STRLEN + 1], fp[SANSHE_KEY_FINGERPRINT_MAX], from[SANSHE_UTC_TEXT_MAX];
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int err;

	if ((!a->id && (err = sanshe_uuid_v7(id)) != 0) ||
	    (err = utc_option(from, a->valid_from, "--valid-from", 0)) != 0 ||
	    (err = sanshe_key_openssh_of(&line, pk, comment)) != 0 ||
	    (err = sanshe_key_fingerprint_of(fp, pk)) != 0)
		goto done;
	if (!(doc = cJSON_CreateObject()) || !cJSON_AddStringToObject(doc, "type", "member") ||
	    !cJSON_AddStringToObject(doc, "id", a->id ? a->id : id) ||
	    !cJSON_AddStringToObject(doc, "name", a->name) ||
	    !cJSON_AddStringToObject(doc, "kind", a->kind ? a->kind : "person") ||
	    !cJSON_AddStringToObject(doc, "org", a->org) ||
	    (err = sanshe_node_add_roles(doc, a->roles)) != 0 ||
	    !cJSON_AddStringToObject(doc, "key", line.ptr) ||
	    !cJSON_AddStringToObject(doc, "fingerprint", fp) ||
	    !cJSON_AddStringToObject(doc, "valid_from", from))
		err = err ? err : out_of_memory();
done:
	sanshe_buf_dispose(&line);
	if (err)
		cJSON_Delete(doc);
	else
		*out = doc;
	return err;
}

static int add(sanshe_store *store, cli_writer *w, const member_args *a, sanshe_buf *what,
	       cJSON **doc)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_buf comment = SANSHE_BUF_INIT;
	int err;

	if ((err = cli_writer_admin(w)) == 0 &&
	    (err = read_public_key(pk, &comment, a->public_key)) == 0 &&
	    (err = check_new_member(store, a, pk)) == 0 &&
	    (err = member_document(doc, a, pk, comment.ptr)) == 0)
		err = cli_writer_put(w, store, *doc, "add", what);
	sanshe_buf_dispose(&comment);
	return err;
}

static int member_add(int argc, char **argv)
{
	sanshe_buf what = SANSHE_BUF_INIT;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	cJSON *doc = NULL;
	member_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 0, "Knorpikf")) != PROCEED)
		return rc;
	if (!a.name || !a.org || !a.roles || !a.public_key)
		return cli_usage_error("member", "%s", _("--name, --org, --role and --public-key "
							 "are needed"));
	if ((err = cli_open_store(&store)) == 0 && (err = cli_writer_open(&w, store, a.key_name)) == 0)
		err = add(store, &w, &a, &what, &doc);
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", "%s %s", field(doc, "id"), field(doc, "fingerprint"));
	sanshe_buf_dispose(&what);
	sanshe_store_free(store);
	cJSON_Delete(doc);
	return err ? cli_fail() : 0;
}

/* ---- list ---- */

/* {id, name, kind, org, roles, fingerprint, valid_from, revoked?} of a member. */
static int describe(const cJSON *doc, void *payload)
{
	static const char *const copied[] = { "id", "name", "kind", "org", "roles", "valid_from",
					      "revoked" };
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char fp[SANSHE_KEY_FINGERPRINT_MAX] = "";
	cJSON *m = cJSON_CreateObject();

	if (member_key(pk, doc))
		sanshe_key_fingerprint_of(fp, pk);
	for (size_t i = 0; m && i < SANSHE_ARRAY_SIZE(copied); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, copied[i]);

		if (v && !cJSON_AddItemToObject(m, copied[i], cJSON_Duplicate(v, 1)))
			break;
	}
	if (!m || !cJSON_AddStringToObject(m, "fingerprint", fp) ||
	    !cJSON_AddItemToArray(payload, m)) {
		cJSON_Delete(m);
		return out_of_memory();
	}
	return 0;
}

static int widest(const cJSON *members, const char *name)
{
	const cJSON *m;
	int width = 0;

	cJSON_ArrayForEach(m, members) {
		int len = (int)strlen(field(m, name));

		width = len > width ? len : width;
	}
	return width;
}

static void print_members(const cJSON *members)
{
	int id_w = widest(members, "id"), name_w = widest(members, "name"),
	    org_w = widest(members, "org");
	const cJSON *m;

	cJSON_ArrayForEach(m, members) {
		const cJSON *revoked = cJSON_GetObjectItem(m, "revoked");
		char roles[160], status[1200];

		sanshe_roles_text(sanshe_roles_of(m), roles, sizeof(roles));
		if (revoked)
			snprintf(status, sizeof(status), _("revoked %s (%s%s%s)"), field(revoked, "at"),
				 field(revoked, "reason"), *field(revoked, "note") ? ": " : "",
				 field(revoked, "note"));
		else
			snprintf(status, sizeof(status), _("valid from %s"), field(m, "valid_from"));
		cli_line(stdout, "", "%-*s  %-*s  %-*s  %s  %s  (%s)", id_w, field(m, "id"), name_w,
			 field(m, "name"), org_w, field(m, "org"), field(m, "fingerprint"), status,
			 roles);
	}
}

static int member_list(int argc, char **argv)
{
	sanshe_store *store = NULL;
	cJSON *members = cJSON_CreateArray();
	member_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 0, "j")) != PROCEED) {
		cJSON_Delete(members);
		return rc;
	}
	if (!members)
		err = out_of_memory();
	else if ((err = cli_open_store(&store)) == 0)
		err = cli_each_doc(store, "trust", "member", describe, members);
	if (err) {
		rc = cli_fail();
	} else if (a.json) {
		rc = cli_print_json(members);
	} else {
		print_members(members);
		rc = cli_write_stdout("", 0);
	}
	sanshe_store_free(store);
	cJSON_Delete(members);
	return rc;
}

/* ---- revoke ---- */

/* revoked: {at, reason[, note]} into the member document `doc`. */
static int add_revocation(cJSON *doc, const char *text, const char *at)
{
	const char *reason = "other", *note = text;
	cJSON *revoked;

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(reasons); i++)
		if (strcmp(text, reasons[i]) == 0)
			reason = reasons[i], note = NULL;
	if (!(revoked = cJSON_AddObjectToObject(doc, "revoked")) ||
	    !cJSON_AddStringToObject(revoked, "at", at) ||
	    !cJSON_AddStringToObject(revoked, "reason", reason) ||
	    (note && !cJSON_AddStringToObject(revoked, "note", note)))
		return out_of_memory();
	return 0;
}

/* The member may be revoked: in the roster, not revoked yet, not the last admin. */
static int check_revocable(sanshe_store *store, const char *id, cJSON **doc)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	key_search s = { NULL, id, 0 };
	const cJSON *revoked;
	int err = sanshe_store_read(store, "trust", NULL, "member", id, &text);

	if (err == SANSHE_ENOTFOUND)
		err = sanshe_error_set(err, _("no member '%s' in the roster (see sanshe member "
					      "list)"), id);
	if (err || (err = sanshe_json_parse(doc, text.ptr, text.size, NULL, NULL)) != 0)
		goto done;
	if ((revoked = cJSON_GetObjectItemCaseSensitive(*doc, "revoked")))
		err = sanshe_error_set(SANSHE_EINVALID, _("member '%s' (%s) was revoked already, at "
							  "%s"), id, field(*doc, "name"),
				       field(revoked, "at"));
	else if ((sanshe_roles_of(*doc) & SANSHE_ROLE_ADMIN) &&
		 (err = cli_each_doc(store, "trust", "member", count_admin, &s)) == 0 && !s.admins)
		err = sanshe_error_set(SANSHE_EINVALID, _("member '%s' (%s) is the last admin: add "
							  "another admin before revoking them"),
				       id, field(*doc, "name"));
done:
	sanshe_buf_dispose(&text);
	return err;
}

static int revoke(sanshe_store *store, cli_writer *w, const char *id, const member_args *a,
		  sanshe_buf *what)
{
	char at[SANSHE_UTC_TEXT_MAX];
	cJSON *doc = NULL;
	int err;

	if ((err = cli_writer_admin(w)) == 0 && (err = utc_option(at, a->at, "--at", 1)) == 0 &&
	    sanshe_node_utc_seconds(at) > (int64_t)time(NULL) + 300)
		err = sanshe_error_set(SANSHE_EINVALID, _("--at '%s' is in the future: a revocation "
							"takes effect now or at a past time"), at);
	if (!err && (err = check_revocable(store, id, &doc)) == 0 &&
	    (err = add_revocation(doc, a->reason, at)) == 0)
		err = cli_writer_put(w, store, doc, "revoke", what);
	cJSON_Delete(doc);
	return err;
}

static int member_revoke(int argc, char **argv)
{
	sanshe_buf what = SANSHE_BUF_INIT;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	member_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 1, "KRa")) != PROCEED)
		return rc;
	if (!a.reason)
		return cli_usage_error("member", "%s", _("why? give --reason: left, key-lost, "
							 "key-compromised, role-ended or your words"));
	if ((err = cli_open_store(&store)) == 0 && (err = cli_writer_open(&w, store, a.key_name)) == 0)
		err = revoke(store, &w, argv[optind], &a, &what);
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", _("revoked %s"), what.ptr);
	sanshe_buf_dispose(&what);
	sanshe_store_free(store);
	return err ? cli_fail() : 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "add", member_add },
	{ "list", member_list },
	{ "revoke", member_revoke },
};

int cmd_member(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("member", "%s", _("which one: add, list or revoke?"));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help("member", stdout);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		/* The subcommand sees ("member", its arguments...). */
		argv[1] = argv[0];
		return subcommands[i].run(argc - 1, argv + 1);
	}
	return cli_usage_error("member", _("'%s' is not a member command"), argv[1]);
}

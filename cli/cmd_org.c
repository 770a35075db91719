/*
 * sanshe org add|list|readers — the organizations of the trust roster: add
 * one, list them, and change who else may read an organization's space.
 * Only an admin writes them.
 */
#include "cli.h"

#include <string.h>

#include "json.h"
#include "repo.h"
#include "uuid.h"

#define READERS_MAX 64

typedef struct org_args {
	const char *key_name;
	const char *name, *kind, *id, *short_name, *parent;
	const char *add[READERS_MAX], *rm[READERS_MAX]; /* readers */
	size_t adds, rms;
	unsigned add_roles, rm_roles;
	int json;
} org_args;

/* Returned by parse when the subcommand should go on. */
#define PROCEED (-1)

static int note_reader(const char **list, size_t *count, const char *org)
{
	if (*count == READERS_MAX)
		return cli_usage_error("org", _("at most %d readers at a time"), READERS_MAX);
	list[(*count)++] = org;
	return PROCEED;
}

static int note_role(unsigned *roles, const char *name)
{
	unsigned role = cli_role_parse("org", name);

	*roles |= role;
	return role ? PROCEED : EXIT_USAGE;
}

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
static int parse(org_args *a, int argc, char **argv, int positional, const char *allowed)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'K' },
		{ "kind", required_argument, NULL, 'k' },
		{ "id", required_argument, NULL, 'i' },
		{ "short-name", required_argument, NULL, 's' },
		{ "parent", required_argument, NULL, 'p' },
		{ "reader", required_argument, NULL, 'r' },
		{ "reader-role", required_argument, NULL, 'R' },
		{ "add", required_argument, NULL, 'a' },
		{ "rm", required_argument, NULL, 'x' },
		{ "add-role", required_argument, NULL, 'A' },
		{ "rm-role", required_argument, NULL, 'X' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = PROCEED;

	memset(a, 0, sizeof(*a));
	optind = 0;
	while (rc == PROCEED && (c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c != 'h' && c != '?' && !strchr(allowed, c))
			return cli_usage_error("org", _("option '--%s' is not for this command"),
					       option_name(options, c));
		switch (c) {
		case 'K': a->key_name = optarg; break;
		case 'k': a->kind = optarg; break;
		case 'i': a->id = optarg; break;
		case 's': a->short_name = optarg; break;
		case 'p': a->parent = optarg; break;
		case 'r':
		case 'a': rc = note_reader(a->add, &a->adds, optarg); break;
		case 'x': rc = note_reader(a->rm, &a->rms, optarg); break;
		case 'R':
		case 'A': rc = note_role(&a->add_roles, optarg); break;
		case 'X': rc = note_role(&a->rm_roles, optarg); break;
		case 'j': a->json = 1; break;
		default: return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (rc != PROCEED)
		return rc;
	if (argc - optind > positional)
		return cli_usage_error("org", _("unexpected argument '%s'"), argv[optind + positional]);
	if (argc - optind < positional)
		return cli_usage_error("org", "%s", _("which organization? give its NAME or ID"));
	return PROCEED;
}

/* The organization `id` must be in the roster. */
static int org_known(sanshe_store *store, const char *id, const char *as)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int err = sanshe_store_read(store, "trust", NULL, "org", id, &text);

	sanshe_buf_dispose(&text);
	if (err == SANSHE_ENOTFOUND)
		return sanshe_error_set(SANSHE_ENOTFOUND, _("%s: no organization '%s' in the roster "
							    "(see sanshe org list)"), as, id);
	return err;
}

/* Add each reader org (known, not `self`, once) and each reader role. */
static int add_readers(sanshe_store *store, cJSON *doc, const char *self, const org_args *a)
{
	cJSON *readers = cJSON_GetObjectItemCaseSensitive(doc, "readers"), *r;
	int err;

	if (!readers && a->adds && !(readers = cJSON_AddArrayToObject(doc, "readers")))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (size_t i = 0; i < a->adds; i++) {
		int have = 0;

		if (strcmp(a->add[i], self) == 0)
			return sanshe_error_set(SANSHE_EINVALID, _("'%s' reads its own space "
								   "already"), self);
		if ((err = org_known(store, a->add[i], "--reader")) != 0)
			return err;
		cJSON_ArrayForEach(r, readers)
			have |= cJSON_IsString(r) && strcmp(r->valuestring, a->add[i]) == 0;
		if (!have && !cJSON_AddItemToArray(readers, cJSON_CreateString(a->add[i])))
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	return 0;
}

/* The roles of an org's reader_roles array, as bits. */
static unsigned reader_roles_of(const cJSON *doc)
{
	return sanshe_roles_list(cJSON_GetObjectItemCaseSensitive(doc, "reader_roles"));
}

/* Replace reader_roles by `roles` (none: no array). */
static int set_reader_roles(cJSON *doc, unsigned roles)
{
	cJSON *array;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "reader_roles");
	if (!roles)
		return 0;
	if (!(array = cJSON_AddArrayToObject(doc, "reader_roles")))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (unsigned i = 0; sanshe_role_names[i]; i++)
		if ((roles & (1u << i)) &&
		    !cJSON_AddItemToArray(array, cJSON_CreateString(sanshe_role_names[i])))
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

/* A new org document from the arguments, its id new or given. */
static int org_document(cJSON **out, sanshe_store *store, const org_args *a)
{
	char id[SANSHE_UUID_STRLEN + 1];
	cJSON *doc = cJSON_CreateObject();
	int err = 0;

	if (!a->id && (err = sanshe_uuid_v7(id)) != 0)
		goto done;
	if (!doc || !cJSON_AddStringToObject(doc, "type", "org") ||
	    !cJSON_AddStringToObject(doc, "id", a->id ? a->id : id) ||
	    !cJSON_AddStringToObject(doc, "name", a->name) ||
	    !cJSON_AddStringToObject(doc, "kind", a->kind) ||
	    (a->short_name && !cJSON_AddStringToObject(doc, "short_name", a->short_name)) ||
	    (a->parent && !cJSON_AddStringToObject(doc, "parent", a->parent))) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	if ((a->parent && (err = org_known(store, a->parent, "--parent")) != 0) ||
	    (err = add_readers(store, doc, a->id ? a->id : id, a)) != 0)
		goto done;
	err = set_reader_roles(doc, a->add_roles);
done:
	if (err)
		cJSON_Delete(doc);
	else
		*out = doc;
	return err;
}

static int org_add(int argc, char **argv)
{
	sanshe_buf what = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	cJSON *doc = NULL;
	org_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 1, "KkisprR")) != PROCEED)
		return rc;
	a.name = argv[optind];
	if (!a.kind)
		return cli_usage_error("org", "%s", _("--kind is needed: agency, community, "
						      "street-office, social-org or bureau"));
	if (a.id && !sanshe_doc_id_valid(a.id)) {
		sanshe_error_set(SANSHE_EINVALID, _("'%s' cannot be an org id: 1 to 128 letters, "
						    "digits, '.', '_' or '-', starting with a letter "
						    "or digit"), a.id);
		return cli_fail();
	}
	if ((err = cli_open_store(&store)) == 0 && (err = cli_writer_open(&w, store, a.key_name)) == 0 &&
	    (err = cli_writer_admin(&w)) == 0 && (err = org_document(&doc, store, &a)) == 0) {
		const char *id = cJSON_GetObjectItem(doc, "id")->valuestring;

		if (sanshe_store_read(store, "trust", NULL, "org", id, &text) == 0)
			err = sanshe_error_set(SANSHE_EEXISTS, _("organization '%s' is in the roster "
								 "already"), id);
		else
			err = cli_writer_put(&w, store, doc, "add", &what);
	}
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", "%s", strchr(what.ptr, '/') + 1);
	sanshe_buf_dispose(&what);
	sanshe_buf_dispose(&text);
	sanshe_store_free(store);
	cJSON_Delete(doc);
	return err ? cli_fail() : 0;
}

/* The org `id` as stored, parsed, into `*out`. */
static int org_read(cJSON **out, sanshe_store *store, const char *id)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	if ((err = org_known(store, id, "org readers")) == 0 &&
	    (err = sanshe_store_read(store, "trust", NULL, "org", id, &text)) == 0)
		err = sanshe_json_parse(out, text.ptr, text.size, NULL, NULL);
	sanshe_buf_dispose(&text);
	return err;
}

/* Remove each of a->rm from the org's readers; each must be one. */
static int remove_readers(cJSON *doc, const org_args *a)
{
	cJSON *readers = cJSON_GetObjectItemCaseSensitive(doc, "readers");

	for (size_t i = 0; i < a->rms; i++) {
		cJSON *r, *hit = NULL;

		cJSON_ArrayForEach(r, readers)
			if (cJSON_IsString(r) && strcmp(r->valuestring, a->rm[i]) == 0)
				hit = r;
		if (!hit)
			return sanshe_error_set(SANSHE_ENOTFOUND, _("'%s' is not a reader of '%s'"),
						a->rm[i], cJSON_GetObjectItem(doc, "id")->valuestring);
		cJSON_Delete(cJSON_DetachItemViaPointer(readers, hit));
	}
	if (readers && !cJSON_GetArraySize(readers))
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "readers");
	return 0;
}

static int org_readers(int argc, char **argv)
{
	sanshe_buf what = SANSHE_BUF_INIT;
	sanshe_store *store = NULL;
	cli_writer w = { 0 };
	cJSON *doc = NULL;
	org_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 1, "KaxAX")) != PROCEED)
		return rc;
	if (!a.adds && !a.rms && !a.add_roles && !a.rm_roles)
		return cli_usage_error("org", "%s", _("what change? give --add, --rm, --add-role "
						      "or --rm-role"));
	if ((err = cli_open_store(&store)) == 0 && (err = cli_writer_open(&w, store, a.key_name)) == 0 &&
	    (err = cli_writer_admin(&w)) == 0 && (err = org_read(&doc, store, argv[optind])) == 0 &&
	    (err = remove_readers(doc, &a)) == 0 && (err = add_readers(store, doc, argv[optind], &a)) == 0 &&
	    (err = set_reader_roles(doc, (reader_roles_of(doc) | a.add_roles) & ~a.rm_roles)) == 0)
		err = cli_writer_put(&w, store, doc, "readers", &what);
	cli_writer_dispose(&w, store);
	if (!err)
		cli_line(stdout, "", "%s", what.ptr);
	sanshe_buf_dispose(&what);
	sanshe_store_free(store);
	cJSON_Delete(doc);
	return err ? cli_fail() : 0;
}

/* "a, b" of the strings of an array, or "-" when there are none. */
static void join(sanshe_buf *out, const cJSON *array)
{
	const cJSON *s;

	sanshe_buf_clear(out);
	cJSON_ArrayForEach(s, array)
		if (cJSON_IsString(s))
			sanshe_buf_printf(out, "%s%s", out->size ? ", " : "", s->valuestring);
	if (!out->size)
		sanshe_buf_puts(out, "-");
}

static int collect_org(const cJSON *doc, void *payload)
{
	cJSON *copy = cJSON_Duplicate(doc, 1);

	cJSON_DeleteItemFromObjectCaseSensitive(copy, "_sig");
	cJSON_DeleteItemFromObjectCaseSensitive(copy, "_merge");
	if (!copy || !cJSON_AddItemToArray(payload, copy)) {
		cJSON_Delete(copy);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	return 0;
}

static int width_of(const cJSON *orgs, const char *field)
{
	const cJSON *o;
	int width = 0;

	cJSON_ArrayForEach(o, orgs) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, field));
		int len = v ? (int)strlen(v) : 0;

		width = len > width ? len : width;
	}
	return width;
}

static void print_orgs(const cJSON *orgs)
{
	sanshe_buf readers = SANSHE_BUF_INIT, roles = SANSHE_BUF_INIT;
	int id_width = width_of(orgs, "id"), kind_width = width_of(orgs, "kind");
	const cJSON *o;

	cJSON_ArrayForEach(o, orgs) {
		join(&readers, cJSON_GetObjectItem(o, "readers"));
		join(&roles, cJSON_GetObjectItem(o, "reader_roles"));
		cli_line(stdout, "", _("%-*s  %-*s  %s  (readers: %s; reader roles: %s)"), id_width,
			 cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")), kind_width,
			 cJSON_GetStringValue(cJSON_GetObjectItem(o, "kind")),
			 cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), readers.ptr, roles.ptr);
	}
	sanshe_buf_dispose(&readers);
	sanshe_buf_dispose(&roles);
}

static int org_list(int argc, char **argv)
{
	sanshe_store *store = NULL;
	cJSON *orgs = cJSON_CreateArray();
	org_args a;
	int rc, err;

	if ((rc = parse(&a, argc, argv, 0, "j")) != PROCEED) {
		cJSON_Delete(orgs);
		return rc;
	}
	if (!orgs)
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	else if ((err = cli_open_store(&store)) == 0)
		err = cli_each_doc(store, "trust", "org", collect_org, orgs);
	if (err)
		rc = cli_fail();
	else if (a.json)
		rc = cli_print_json(orgs);
	else {
		print_orgs(orgs);
		rc = cli_write_stdout("", 0);
	}
	sanshe_store_free(store);
	cJSON_Delete(orgs);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "add", org_add },
	{ "list", org_list },
	{ "readers", org_readers },
};

int cmd_org(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("org", "%s", _("which one: add, list or readers?"));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help("org", stdout);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		/* The subcommand sees ("org", its arguments...). */
		argv[1] = argv[0];
		return subcommands[i].run(argc - 1, argv + 1);
	}
	return cli_usage_error("org", _("'%s' is not an org command"), argv[1]);
}

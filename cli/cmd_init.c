/*
 * sanshe init DIR --org NAME --kind KIND --admin NAME [--key NAME] [--org-id ID]
 *             [--role ROLE]...
 * — found a node: the repository, its spaces and its trust roster.
 */
#include "cli.h"

#include <ctype.h>
#include <string.h>

#include "node.h"
#include "repo.h"
#include "signer.h"

typedef struct init_args {
	sanshe_founding founding;
	const char *key_name;
	const char *dir;
} init_args;

static int parse(init_args *a, int argc, char **argv)
{
	static const struct option options[] = {
		{ "org", required_argument, NULL, 'o' },   { "kind", required_argument, NULL, 'k' },
		{ "admin", required_argument, NULL, 'a' }, { "key", required_argument, NULL, 'K' },
		{ "org-id", required_argument, NULL, 'i' }, { "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 }
	};
	unsigned role;
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		switch (c) {
		case 'o': a->founding.org_name = optarg; break;
		case 'k': a->founding.org_kind = optarg; break;
		case 'a': a->founding.admin_name = optarg; break;
		case 'K': a->key_name = optarg; break;
		case 'i': a->founding.org_id = optarg; break;
		case 'r':
			if (!(role = cli_role_parse("init", optarg)))
				return EXIT_USAGE;
			a->founding.roles |= role;
			break;
		default: return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("init", "%s", argc - optind ? _("too many arguments")
								     : _("where? give DIR"));
	if (!a->founding.org_name || !a->founding.org_kind || !a->founding.admin_name)
		return cli_usage_error("init", "%s", _("--org, --kind and --admin are needed"));
	a->dir = argv[optind];
	return -1;
}

/* A key name for an admin without one: their name if it can be one, else "admin". */
static void key_name_for(char out[SANSHE_KEY_NAME_MAX + 1], const char *admin)
{
	size_t n = 0;

	for (const char *c = admin; *c && n < SANSHE_KEY_NAME_MAX; c++)
		if (isalnum((unsigned char)*c) || *c == '.' || *c == '-' || *c == '_')
			out[n++] = (char)tolower((unsigned char)*c);
		else if (*c == ' ' && n)
			out[n++] = '-';
	out[n] = '\0';
	if (sanshe_key_name_check(out) != 0)
		strcpy(out, "admin");
}

static int admin_key(sanshe_key **key, const init_args *a)
{
	char name[SANSHE_KEY_NAME_MAX + 1];
	const char *home;
	int err;

	if (a->key_name)
		return cli_signing_key(a->key_name, key);
	if (!(home = cli_home()))
		return sanshe_error_code();
	key_name_for(name, a->founding.admin_name);
	if ((err = cli_make_key(key, home, name)) == SANSHE_EEXISTS)
		sanshe_error_set(err, _("a key called '%s' exists already: give --key %s to found "
					"the node with it"), name, name);
	else if (!err)
		fprintf(stderr, _("made key '%s' for %s: %s\n"), name, a->founding.admin_name,
			sanshe_key_fingerprint(*key));
	return err;
}

static int found(const init_args *a)
{
	sanshe_store *store = NULL;
	sanshe_clock *clock = NULL;
	sanshe_key *key = NULL;
	sanshe_member admin;
	char roles[160];
	const char *home;
	int err;

	if (!(home = cli_home()))
		return sanshe_error_code();
	/* nothing is made, not even a key, for a founding that cannot succeed */
	if ((err = sanshe_node_founding_check(&a->founding)) != 0)
		return err;
	if ((err = admin_key(&key, a)) != 0 || (err = sanshe_clock_open(&clock, home, NULL)) != 0 ||
	    (err = sanshe_node_found(&store, a->dir, &a->founding, key, clock, &admin)) != 0 ||
	    (err = sanshe_clock_close(clock)) != 0)
		goto done;
	printf(_("founded %s in '%s': spaces trust, common and org/%s; admin %s (member %s, %s)\n"),
	       a->founding.org_name, a->dir, admin.org, admin.name, admin.id,
	       sanshe_roles_text(admin.roles, roles, sizeof(roles)));
done:
	sanshe_store_free(store);
	sanshe_clock_free(clock);
	sanshe_key_free(key);
	return err;
}

int cmd_init(int argc, char **argv)
{
	init_args a;
	int rc = parse(&a, argc, argv);

	if (rc >= 0)
		return rc;
	return found(&a) ? cli_fail() : 0;
}

/*
 * sanshe key new|list|show|default|check — make the keys that sign records,
 * look at them, choose the one used when a command is given no --key, and
 * check that a passphrase unlocks one.
 */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "signer.h"

#define POSITIONAL_MAX 2

/* What a subcommand was given. */
struct key_args {
	int json;
	int count;                        /* positional arguments */
	const char *args[POSITIONAL_MAX];
};

static const struct option json_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Returned by parse_args when the subcommand should go on. */
#define PROCEED (-1)

static int add_positional(struct key_args *args, const char *arg)
{
	if (args->count == POSITIONAL_MAX)
		return cli_usage_error("key", _("unexpected argument '%s'"), arg);
	args->args[args->count++] = arg;
	return PROCEED;
}

/*
 * Options and arguments of a subcommand, in any order; "--" ends the
 * options.  argv[0] is "key".  PROCEED, or the exit status to return at
 * once: 0 after --help, EXIT_USAGE after a usage error.
 */
/* The options and at most `max` names of a subcommand. */
static int parse_args(struct key_args *args, int argc, char **argv, int max)
{
	int c, rc = PROCEED;

	memset(args, 0, sizeof(*args));
	optind = 0; /* getopt starts afresh on the subcommand's arguments */
	/* options anywhere (getopt puts them first), then the names */
	while ((c = cli_getopt(argc, argv, "", json_options)) != -1) {
		if (c == 'j')
			args->json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	while (rc == PROCEED && optind < argc)
		rc = add_positional(args, argv[optind++]);
	if (rc == PROCEED && args->count > max)
		return cli_usage_error("key", _("unexpected argument '%s'"),
				       args->args[max]);
	return rc;
}

/* SANSHE_KDF chooses the passphrase hashing cost of new keys. */
/* Is `name` the default key of `home`?  A home without one says no. */
static int is_default(const char *home, const char *name)
{
	sanshe_buf def = SANSHE_BUF_INIT;
	int yes = sanshe_key_default_get(home, &def) == 0 &&
		  strcmp(def.ptr, name) == 0;

	sanshe_buf_dispose(&def);
	return yes;
}

/* {name, public, fingerprint, default} of `key`, in a new object. */
static int describe(cJSON **out, const sanshe_key *key, int marked)
{
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *obj = cJSON_CreateObject();
	int err = obj ? sanshe_key_openssh(key, &line) : SANSHE_ENOMEM;

	if (!err && (!cJSON_AddStringToObject(obj, "name", sanshe_key_name(key)) ||
		     !cJSON_AddStringToObject(obj, "public", line.ptr) ||
		     !cJSON_AddStringToObject(obj, "fingerprint",
					      sanshe_key_fingerprint(key)) ||
		     !cJSON_AddBoolToObject(obj, "default", marked)))
		err = SANSHE_ENOMEM;
	sanshe_buf_dispose(&line);
	if (err) {
		cJSON_Delete(obj);
		return sanshe_error_set(err, "%s", _("out of memory"));
	}
	*out = obj;
	return 0;
}

/* A key as `new` and `show` print it: the public line, the fingerprint. */
static int print_key(const sanshe_key *key, int marked, int json)
{
	cJSON *obj = NULL;
	int rc;

	if (describe(&obj, key, marked) != 0)
		return cli_fail();
	if (json) {
		rc = cli_print_json(obj);
	} else {
		printf("%s\n%s\n", cJSON_GetObjectItem(obj, "public")->valuestring,
		       sanshe_key_fingerprint(key));
		rc = cli_write_stdout("", 0);
	}
	cJSON_Delete(obj);
	return rc;
}

/* The key NAME, or the default one when `name` is NULL, public half. */
static int find_key(sanshe_key **key, const char *home, const char *name)
{
	sanshe_buf def = SANSHE_BUF_INIT;
	int err = 0;

	if (!name && (err = sanshe_key_default_get(home, &def)) == 0)
		name = def.ptr;
	if (!err)
		err = sanshe_key_load_public(key, home, name);
	sanshe_buf_dispose(&def);
	return err;
}

static int key_new(int argc, char **argv)
{
	struct key_args args;
	sanshe_key *key = NULL;
	const char *home;
	int rc;

	if ((rc = parse_args(&args, argc, argv, 1)) != PROCEED)
		return rc;
	if (args.count == 0)
		return cli_usage_error("key", "%s", _("key new needs a NAME"));
	if (!(home = cli_home()) || cli_make_key(&key, home, args.args[0]) != 0)
		return cli_fail();
	rc = print_key(key, is_default(home, args.args[0]), args.json);
	sanshe_key_free(key);
	return rc;
}

/* sanshe_key_list callback: one entry per key. */
struct listing {
	cJSON *array;
	const char *default_name;
};

static int list_one(const sanshe_key *key, void *payload)
{
	struct listing *listing = payload;
	cJSON *obj;
	int err;

	err = describe(&obj, key, strcmp(sanshe_key_name(key),
					 listing->default_name) == 0);
	if (!err)
		cJSON_AddItemToArray(listing->array, obj);
	return err;
}

/* Describe every key of `home` into `array`. */
static int collect_keys(cJSON *array, const char *home)
{
	sanshe_buf def = SANSHE_BUF_INIT;
	struct listing listing = { array, "" };
	int err = sanshe_key_default_get(home, &def);

	if (err == 0 || err == SANSHE_ENOTFOUND) {
		listing.default_name = def.ptr ? def.ptr : "";
		err = sanshe_key_list(home, list_one, &listing);
	}
	sanshe_buf_dispose(&def);
	return err;
}

static int print_listing(const cJSON *array)
{
	const cJSON *item;
	int width = 0, len;

	cJSON_ArrayForEach(item, array) {
		len = (int)strlen(cJSON_GetObjectItem(item, "name")->valuestring);
		width = len > width ? len : width;
	}
	cJSON_ArrayForEach(item, array)
		printf("%c %-*s  %s\n",
		       cJSON_IsTrue(cJSON_GetObjectItem(item, "default")) ? '*' : ' ',
		       width, cJSON_GetObjectItem(item, "name")->valuestring,
		       cJSON_GetObjectItem(item, "fingerprint")->valuestring);
	return cli_write_stdout("", 0);
}

static int key_list(int argc, char **argv)
{
	struct key_args args;
	const char *home;
	cJSON *array;
	int rc;

	if ((rc = parse_args(&args, argc, argv, 0)) != PROCEED)
		return rc;
	if (!(home = cli_home()))
		return cli_fail();
	if (!(array = cJSON_CreateArray())) {
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		return cli_fail();
	}
	if (collect_keys(array, home) != 0)
		rc = cli_fail();
	else
		rc = args.json ? cli_print_json(array) : print_listing(array);
	cJSON_Delete(array);
	return rc;
}

static int key_show(int argc, char **argv)
{
	struct key_args args;
	sanshe_key *key = NULL;
	const char *home;
	int rc;

	if ((rc = parse_args(&args, argc, argv, 1)) != PROCEED)
		return rc;
	if (!(home = cli_home()) ||
	    find_key(&key, home, args.count ? args.args[0] : NULL) != 0)
		rc = cli_fail();
	else
		rc = print_key(key, is_default(home, sanshe_key_name(key)),
			       args.json);
	sanshe_key_free(key);
	return rc;
}

static int print_name(const char *name, int json)
{
	cJSON *obj = cJSON_CreateObject();
	int rc;

	if (!json) {
		rc = printf("%s\n", name) < 0 ? 1 : cli_write_stdout("", 0);
	} else if (!cJSON_AddStringToObject(obj, "name", name)) {
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		rc = cli_fail();
	} else {
		rc = cli_print_json(obj);
	}
	cJSON_Delete(obj);
	return rc;
}

static int key_default(int argc, char **argv)
{
	sanshe_buf def = SANSHE_BUF_INIT;
	struct key_args args;
	const char *home;
	int rc;

	if ((rc = parse_args(&args, argc, argv, 1)) != PROCEED)
		return rc;
	if (!(home = cli_home()))
		return cli_fail();
	if (args.count == 1)
		return sanshe_key_default_set(home, args.args[0]) ? cli_fail() : 0;
	if (sanshe_key_default_get(home, &def) != 0)
		rc = cli_fail();
	else
		rc = print_name(def.ptr, args.json);
	sanshe_buf_dispose(&def);
	return rc;
}

/* Ask for the passphrase of `key` and unlock it. */
static int unlock_key(sanshe_key **unlocked, const char *home,
		      const sanshe_key *key)
{
	sanshe_buf passphrase = SANSHE_BUF_INIT, prompt = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_buf_printf(&prompt, _("Passphrase for key '%s': "),
				     sanshe_key_name(key))) == 0 &&
	    (err = cli_passphrase(&passphrase, prompt.ptr, 0)) == 0)
		err = sanshe_key_unlock(unlocked, home, sanshe_key_name(key),
					passphrase.ptr);
	cli_passphrase_dispose(&passphrase);
	sanshe_buf_dispose(&prompt);
	return err;
}

static int key_check(int argc, char **argv)
{
	struct key_args args;
	sanshe_key *key = NULL, *unlocked = NULL;
	const char *home;
	int rc;

	if ((rc = parse_args(&args, argc, argv, 1)) != PROCEED)
		return rc;
	if (!(home = cli_home()) ||
	    find_key(&key, home, args.count ? args.args[0] : NULL) != 0 ||
	    unlock_key(&unlocked, home, key) != 0)
		rc = cli_fail();
	else if (args.json)
		rc = print_key(unlocked, is_default(home, sanshe_key_name(key)), 1);
	else
		rc = printf(_("the passphrase unlocks key '%s'\n"),
			    sanshe_key_name(key)) < 0 ? 1 : cli_write_stdout("", 0);
	sanshe_key_free(unlocked);
	sanshe_key_free(key);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "new", key_new },
	{ "list", key_list },
	{ "show", key_show },
	{ "default", key_default },
	{ "check", key_check },
};

int cmd_key(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("key", "%s", _("which one: new, list, show, "
						      "default or check?"));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help("key", stdout);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		/* The subcommand sees ("key", its arguments...). */
		argv[1] = argv[0];
		return subcommands[i].run(argc - 1, argv + 1);
	}
	return cli_usage_error("key", _("'%s' is not a key command"), argv[1]);
}

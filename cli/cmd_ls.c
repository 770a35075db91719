/* sanshe ls [TYPE] [--space S] [--json] — list the documents. */
#include "cli.h"

#include <string.h>

#include "repo.h"

typedef struct listing {
	sanshe_store *store;
	const char *type;
	const char *only_space;
	const char *space; /* the one being listed */
	cJSON *json;       /* array when --json */
	size_t count;
} listing;

static int print_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	listing *l = payload;
	cJSON *item;

	(void)blob;
	l->count++;
	if (!l->json) {
		cli_line(stdout, "", "%s/%s", type, id);
		return 0;
	}
	if (!(item = cJSON_CreateObject()) || !cJSON_AddStringToObject(item, "space", l->space) ||
	    !cJSON_AddStringToObject(item, "type", type) || !cJSON_AddStringToObject(item, "id", id)) {
		cJSON_Delete(item);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	cJSON_AddItemToArray(l->json, item);
	return 0;
}

static int list_space(const char *space, const git_oid *head, void *payload)
{
	listing *l = payload;

	(void)head;
	if (l->only_space && strcmp(space, l->only_space) != 0)
		return 0;
	l->space = space;
	return sanshe_store_list(l->store, space, l->type, print_doc, l);
}

int cmd_ls(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	listing l = { NULL, NULL, NULL, NULL, NULL, 0 };
	int c, json = 0, err, rc;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			l.only_space = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error("ls", "%s", _("too many arguments"));
	l.type = optind < argc ? argv[optind] : NULL;
	if ((err = sanshe_registry_init()) == 0 && l.type && !sanshe_registry_find(l.type))
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("unknown document type '%s'"), l.type);
	if (!err && json && !(l.json = cJSON_CreateArray()))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if (!err && (err = cli_open_store(&l.store)) == 0 && l.only_space)
		err = cli_space_check(l.store, l.only_space);
	if (!err)
		err = sanshe_store_spaces(l.store, list_space, &l);
	rc = err ? cli_fail() : l.json ? cli_print_json(l.json) : 0;
	cJSON_Delete(l.json);
	sanshe_store_free(l.store);
	return rc;
}

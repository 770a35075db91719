/*
 * sanshe peer add NAME URL [--key FINGERPRINT] | list [--json] | rm NAME —
 * the other nodes this node meets, by name.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "peers.h"
#include "repo.h"

static int print_peer(const char *name, const char *url, const char *key, void *payload)
{
	cJSON *list = payload, *o;

	if (!list) {
		printf("%-16s %s%s%s\n", name, url, key ? "  " : "", key ? key : "");
		return 0;
	}
	if (!(o = cJSON_CreateObject()) || !cJSON_AddItemToArray(list, o) ||
	    !cJSON_AddStringToObject(o, "name", name) || !cJSON_AddStringToObject(o, "url", url) ||
	    !(key ? cJSON_AddStringToObject(o, "key", key) : cJSON_AddNullToObject(o, "key")))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

static int list(sanshe_store *store, int json)
{
	cJSON *peers = json ? cJSON_CreateArray() : NULL;
	int err;

	if (json && !peers)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if ((err = sanshe_peers_each(store, print_peer, peers)) == 0 && json)
		err = cli_print_json(peers);
	cJSON_Delete(peers);
	return err;
}

int cmd_peer(int argc, char **argv)
{
	static const struct option options[] = { { "key", required_argument, NULL, 'k' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *key = NULL, *what;
	sanshe_store *store = NULL;
	int c, err, json = 0, n;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	n = argc - optind;
	what = n ? argv[optind] : "list";
	if (strcmp(what, "add") == 0 ? n != 3
	    : strcmp(what, "rm") == 0 ? n != 2
	    : strcmp(what, "list") == 0 ? n > 1
					: 1)
		return cli_usage_error("peer", "%s", _("add NAME URL, list or rm NAME?"));
	if ((err = cli_open_store(&store)) == 0) {
		if (strcmp(what, "add") == 0 && (err = sanshe_peers_add(store, argv[optind + 1],
									argv[optind + 2], key)) == 0)
			printf(_("peer '%s' added\n"), argv[optind + 1]);
		else if (strcmp(what, "rm") == 0 &&
			 (err = sanshe_peers_remove(store, argv[optind + 1])) == 0)
			printf(_("peer '%s' forgotten\n"), argv[optind + 1]);
		else if (strcmp(what, "list") == 0)
			err = list(store, json);
	}
	sanshe_store_free(store);
	return err ? cli_fail() : 0;
}

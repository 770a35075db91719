/* sanshe status [--json] — spaces, their heads, documents per type. */
#include "cli.h"

#include "repo.h"

typedef struct status {
	sanshe_store *store;
	cJSON *spaces; /* the report, printed as text or JSON */
	cJSON *counts; /* of the space being counted */
} status;

static int add_count(const char *type, size_t count, void *payload)
{
	status *s = payload;

	return cJSON_AddNumberToObject(s->counts, type, (double)count)
		       ? 0 : sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

static int add_space(const char *space, const git_oid *head, void *payload)
{
	status *s = payload;
	char hex[GIT_OID_HEXSZ + 1];
	cJSON *item = cJSON_CreateObject();

	git_oid_tostr(hex, sizeof(hex), head);
	if (!item || !cJSON_AddStringToObject(item, "space", space) ||
	    !cJSON_AddStringToObject(item, "head", hex) ||
	    !(s->counts = cJSON_AddObjectToObject(item, "documents"))) {
		cJSON_Delete(item);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	cJSON_AddItemToArray(s->spaces, item);
	return sanshe_store_count(s->store, space, add_count, s);
}

static void print_text(const status *s)
{
	const cJSON *space, *count;

	cli_line(stdout, "", _("repository %s"), sanshe_store_path(s->store));
	cJSON_ArrayForEach(space, s->spaces) {
		size_t total = 0;

		cJSON_ArrayForEach(count, cJSON_GetObjectItem(space, "documents"))
			total += (size_t)count->valuedouble;
		cli_line(stdout, "", "%-24s %.12s  %zu %s",
			 cJSON_GetObjectItem(space, "space")->valuestring,
			 cJSON_GetObjectItem(space, "head")->valuestring, total,
			 total == 1 ? _("document") : _("documents"));
		cJSON_ArrayForEach(count, cJSON_GetObjectItem(space, "documents"))
			cli_line(stdout, "", "    %-14s %zu", count->string,
				 (size_t)count->valuedouble);
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	status s = { NULL, NULL, NULL };
	int c, json = 0, rc = 0;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("status", "%s", _("too many arguments"));
	if (!(s.spaces = cJSON_CreateArray()))
		rc = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if (rc || cli_open_store(&s.store) || sanshe_store_spaces(s.store, add_space, &s) < 0)
		rc = cli_fail();
	else if (json)
		rc = cli_print_json(s.spaces);
	else
		print_text(&s);
	cJSON_Delete(s.spaces);
	sanshe_store_free(s.store);
	return rc;
}

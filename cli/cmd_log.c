/* sanshe log [<type>/<id>] [--space S] [--json] — who changed what, when. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "repo.h"

typedef struct entry {
	git_oid id;
	int64_t time;
	int offset;
	char *space, *name, *email, *op;
	int signed_;
} entry;

typedef struct history {
	entry *items;
	size_t count, alloc;
	const char *space; /* the one being read */
} history;

/* The value of the (last) Sanshe-Op trailer, or the subject line. */
static char *operation(const char *message)
{
	const char *op = NULL;

	for (const char *at = message; (at = strstr(at, "\nSanshe-Op: ")) != NULL; at++)
		op = at;
	const char *from = op ? op + 12 : message;
	size_t len = strcspn(from, "\n");
	char *out = malloc(len + 1);

	if (out) {
		memcpy(out, from, len);
		out[len] = '\0';
	}
	return out;
}

static int collect(const sanshe_store_commit *c, void *payload)
{
	history *h = payload;
	entry *e;

	if (h->count == h->alloc) {
		size_t alloc = h->alloc ? h->alloc * 2 : 64;
		entry *grown = realloc(h->items, alloc * sizeof(*grown));

		if (!grown)
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		h->items = grown;
		h->alloc = alloc;
	}
	e = &h->items[h->count++];
	memset(e, 0, sizeof(*e));
	git_oid_cpy(&e->id, &c->id);
	e->time = c->time;
	e->offset = c->offset;
	e->signed_ = c->signature != NULL;
	if (!(e->space = strdup(h->space)) || !(e->name = strdup(c->author_name)) ||
	    !(e->email = strdup(c->author_email)) || !(e->op = operation(c->message)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

static int read_space(sanshe_store *store, const char *space, history *h, const cli_doc_ref *ref)
{
	h->space = space;
	return sanshe_store_log(store, space, ref ? ref->type->name : NULL, ref ? ref->id : NULL,
				collect, h);
}

typedef struct all_spaces {
	sanshe_store *store;
	history *h;
} all_spaces;

static int read_each(const char *space, const git_oid *head, void *payload)
{
	all_spaces *a = payload;

	(void)head;
	return read_space(a->store, space, a->h, NULL);
}

static int newest_first(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	return x->time < y->time ? 1 : x->time > y->time ? -1 : strcmp(x->space, y->space);
}

static void when(char out[40], const entry *e)
{
	time_t t = (time_t)(e->time + (int64_t)e->offset * 60);
	struct tm tm;
	int off = e->offset < 0 ? -e->offset : e->offset;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, "%c%02d:%02d", e->offset < 0 ? '-' : '+', off / 60, off % 60);
}

static int print(const history *h, int json)
{
	char hex[GIT_OID_HEXSZ + 1], at[40];
	cJSON *array = json ? cJSON_CreateArray() : NULL, *item;
	int rc = 0;

	for (size_t i = 0; i < h->count; i++) {
		const entry *e = &h->items[i];

		git_oid_tostr(hex, sizeof(hex), &e->id);
		when(at, e);
		if (!json) {
			cli_line(stdout, "", "%.12s  %s  %-14s %s <%s>  %s", hex, at, e->space,
				 e->name, e->email, e->op);
			continue;
		}
		if (!array || !(item = cJSON_CreateObject()) ||
		    !cJSON_AddStringToObject(item, "commit", hex) ||
		    !cJSON_AddStringToObject(item, "space", e->space) ||
		    !cJSON_AddStringToObject(item, "time", at) ||
		    !cJSON_AddStringToObject(item, "author", e->name) ||
		    !cJSON_AddStringToObject(item, "email", e->email) ||
		    !cJSON_AddStringToObject(item, "op", e->op) ||
		    !cJSON_AddBoolToObject(item, "signed", e->signed_) ||
		    !cJSON_AddItemToArray(array, item)) {
			cJSON_Delete(array);
			sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
			return cli_fail();
		}
	}
	if (json)
		rc = cli_print_json(array);
	cJSON_Delete(array);
	return rc;
}

static void history_dispose(history *h)
{
	for (size_t i = 0; i < h->count; i++) {
		free(h->items[i].space), free(h->items[i].name);
		free(h->items[i].email), free(h->items[i].op);
	}
	free(h->items);
}

int cmd_log(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	char found[SANSHE_SPACE_MAX];
	const char *space = NULL;
	sanshe_store *store = NULL;
	history h = { NULL, 0, 0, NULL };
	cli_doc_ref ref;
	int c, json = 0, err, rc;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			space = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error("log", "%s", _("too many arguments"));
	if ((err = cli_open_store(&store)) == 0 && optind < argc) {
		if ((err = cli_doc_ref_parse(&ref, argv[optind])) == 0 &&
		    (space || (err = cli_doc_space(store, &ref, NULL, found)) == 0))
			err = read_space(store, space ? space : found, &h, &ref);
	} else if (!err && space) {
		err = read_space(store, space, &h, NULL);
	} else if (!err) {
		err = sanshe_store_spaces(store, read_each, &(all_spaces){ store, &h });
	}
	if (!err && h.count > 1)
		qsort(h.items, h.count, sizeof(*h.items), newest_first);
	rc = err ? cli_fail() : print(&h, json);
	history_dispose(&h);
	sanshe_store_free(store);
	return rc;
}

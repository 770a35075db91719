/*
 * sanshe conflicts [<type>/<id>] [--space S] [--json] — the values that
 * lost a conflict and wait for someone to settle them (sanshe resolve).
 *
 * A repository holds a hundred thousand documents and few conflicts: a
 * document is parsed only when its text holds "_conflicts" as a string.
 */
#include "cli.h"

#include <string.h>

#include "canon.h"
#include "conflicts.h"
#include "json.h"
#include "merge.h"
#include "repo.h"

typedef struct scan {
	sanshe_store *store;
	const char *only_space;
	const char *space;        /* the one being read */
	sanshe_node_names *names; /* read at the first conflict found */
	cJSON *json;              /* --json: the documents */
	char found[SANSHE_SPACE_MAX]; /* where the one document asked for is */
	size_t docs, paths;
	sanshe_buf text; /* the document at hand */
	const cJSON *doc;  /* the same, parsed */
} scan;

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* A key's member: the name in the roster, else the key's fingerprint. */
static const char *member_of(const scan *s, const char *key)
{
	const char *name = sanshe_node_names_find(s->names, key);

	return name ? name : key;
}

/* Who wrote an entry: as member_of. */
static const char *author(const scan *s, const cJSON *entry, const char **key)
{
	*key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "key"));
	if (!*key)
		*key = "?";
	return member_of(s, *key);
}

/*
 * Who wrote the value kept at a conflict's path, and when: the clock the
 * document gives that value (its signature, or the merge's record of it).
 * False when it cannot tell (a kept removal has no writer to show).
 */
static bool kept_clock(const scan *s, const sanshe_conflict *c, sanshe_merge_clock *clock,
		       char *at)
{
	if (!*c->path || !c->kept || sanshe_merge_clock_at(s->doc, c->path, clock) != 0)
		return false;
	sanshe_hlc_format(at, clock->at);
	return true;
}

static const char *entry_time(const cJSON *entry)
{
	const char *at = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "at"));

	return at ? at : "?";
}

/* A value as one line of canonical JSON, or "(removed)" for none. */
static const char *value_text(sanshe_buf *out, const cJSON *value)
{
	sanshe_buf_clear(out);
	if (!value || sanshe_canon_write(out, value) != 0)
		return _("(removed)");
	return out->ptr;
}

static void print_path(const scan *s, const sanshe_conflict *c)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	const char *key;

	if (!*c->path) {
		cli_line(stdout, "", "  %s", _("the whole document:"));
		cli_line(stdout, "", "    [0] %s", _("kept: the document as it is"));
	} else {
		sanshe_merge_clock clock;
		char at[SANSHE_HLC_MAX];

		cli_line(stdout, "", _("  at %s:"), c->path);
		if (kept_clock(s, c, &clock, at))
			cli_line(stdout, "", _("    [0] kept: %s, by %s at %s"),
				 value_text(&text, c->kept), member_of(s, clock.key), at);
		else
			cli_line(stdout, "", _("    [0] kept: %s"), value_text(&text, c->kept));
	}
	for (size_t i = 0; i < c->count; i++) {
		const char *who = author(s, c->others[i], &key);

		cli_line(stdout, "", _("    [%zu] other: %s, by %s at %s"), i + 1,
			 value_text(&text, sanshe_conflict_value(c->others[i])), who,
			 entry_time(c->others[i]));
	}
	sanshe_buf_dispose(&text);
}

static void print_doc(const scan *s, const char *type, const char *id,
		      const sanshe_conflicts *c)
{
	if (s->docs)
		putchar('\n');
	cli_line(stdout, "", _("%s/%s (space %s)"), type, id, s->space);
	for (size_t i = 0; i < c->count; i++)
		print_path(s, &c->items[i]);
}

/* `v` (taken over) as the member `name` of a new object, or NULL. */
static cJSON *object_with(const char *name, cJSON *v)
{
	cJSON *o = v ? cJSON_CreateObject() : NULL;

	if (!o || !cJSON_AddItemToObject(o, name, v)) {
		cJSON_Delete(o);
		cJSON_Delete(v);
		return NULL;
	}
	return o;
}

/*
 * {"value": V, "key", "member" (null when unknown), "at"}, or
 * {"removed": true}, or for the whole document {"document": true}.
 */
static cJSON *json_kept(const scan *s, const sanshe_conflict *c)
{
	sanshe_merge_clock clock;
	char at[SANSHE_HLC_MAX];
	const char *who;
	cJSON *o;

	if (!*c->path)
		return object_with("document", cJSON_CreateTrue());
	if (!c->kept)
		return object_with("removed", cJSON_CreateTrue());
	o = object_with("value", cJSON_Duplicate(c->kept, 1));
	if (!o || !kept_clock(s, c, &clock, at))
		return o;
	who = member_of(s, clock.key);
	if (cJSON_AddStringToObject(o, "key", clock.key) &&
	    (who != clock.key ? cJSON_AddStringToObject(o, "member", who)
			      : cJSON_AddNullToObject(o, "member")) &&
	    cJSON_AddStringToObject(o, "at", at))
		return o;
	cJSON_Delete(o);
	return NULL;
}

/* {"value" or "removed", "option", "key", "member" (null when unknown), "at"}. */
static cJSON *json_other(const scan *s, const cJSON *entry, size_t option)
{
	const cJSON *value = sanshe_conflict_value(entry);
	const char *key, *who = author(s, entry, &key);
	cJSON *o = value ? object_with("value", cJSON_Duplicate(value, 1))
			 : object_with("removed", cJSON_CreateTrue());

	if (o && cJSON_AddNumberToObject(o, "option", (double)option) &&
	    cJSON_AddStringToObject(o, "key", key) &&
	    (who != key ? cJSON_AddStringToObject(o, "member", who)
			: cJSON_AddNullToObject(o, "member")) &&
	    cJSON_AddStringToObject(o, "at", entry_time(entry)))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *json_path(const scan *s, const sanshe_conflict *c)
{
	cJSON *p = cJSON_CreateObject(), *others;
	bool ok = p && cJSON_AddStringToObject(p, "path", c->path) &&
		  cJSON_AddItemToObject(p, "kept", json_kept(s, c)) &&
		  (others = cJSON_AddArrayToObject(p, "others"));

	for (size_t i = 0; ok && i < c->count; i++)
		ok = cJSON_AddItemToArray(others, json_other(s, c->others[i], i + 1));
	if (!ok) {
		cJSON_Delete(p);
		return NULL;
	}
	return p;
}

static int add_json_doc(scan *s, const char *type, const char *id, const sanshe_conflicts *c)
{
	cJSON *d = cJSON_CreateObject(), *paths;
	bool ok = d && cJSON_AddItemToArray(s->json, d) &&
		  cJSON_AddStringToObject(d, "space", s->space) &&
		  cJSON_AddStringToObject(d, "type", type) && cJSON_AddStringToObject(d, "id", id) &&
		  (paths = cJSON_AddArrayToObject(d, "conflicts"));

	for (size_t i = 0; ok && i < c->count; i++)
		ok = cJSON_AddItemToArray(paths, json_path(s, &c->items[i]));
	return ok ? 0 : out_of_memory();
}

/* The document in s->text: its conflicts, if any, reported. */
static int report(scan *s, const char *type, const char *id)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	cJSON *doc = NULL;
	int err;

	if ((err = sanshe_json_parse(&doc, s->text.ptr, s->text.size, NULL, NULL)) != 0 ||
	    (err = sanshe_conflicts_read(&c, doc)) != 0) {
		sanshe_error_prefix(_("%s/%s in space '%s'"), type, id, s->space);
		goto done;
	}
	if (!c.count)
		goto done;
	if (!s->names && (err = sanshe_node_names_load(&s->names, s->store)) != 0)
		goto done;
	s->doc = doc;
	if (s->json)
		err = add_json_doc(s, type, id, &c);
	else
		print_doc(s, type, id, &c);
	s->docs++;
	s->paths += c.count;
done:
	sanshe_conflicts_dispose(&c);
	cJSON_Delete(doc);
	return err;
}

static int scan_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	static const char marker[] = "\"_conflicts\"";
	scan *s = payload;
	int err;

	sanshe_buf_clear(&s->text);
	if ((err = sanshe_store_read_blob(s->store, blob, &s->text)) != 0)
		return err;
	if (!s->text.size || !memmem(s->text.ptr, s->text.size, marker, sizeof(marker) - 1))
		return 0;
	return report(s, type, id);
}

static int scan_space(const char *space, const git_oid *head, void *payload)
{
	scan *s = payload;

	(void)head;
	if (s->only_space && strcmp(space, s->only_space) != 0)
		return 0;
	s->space = space;
	return sanshe_store_list(s->store, space, NULL, scan_doc, s);
}

/* One document, from --space or wherever it is. */
static int scan_one(scan *s, const char *arg)
{
	cli_doc_ref ref;
	int err;

	if ((err = cli_doc_ref_parse(&ref, arg)) != 0)
		return err;
	if (s->only_space)
		err = sanshe_store_read(s->store, s->only_space, NULL, ref.type->name, ref.id,
					&s->text);
	else
		err = cli_doc_read(s->store, &ref, NULL, s->found, &s->text);
	s->space = s->only_space ? s->only_space : s->found;
	return err ? err : report(s, ref.type->name, ref.id);
}

static int summary(const scan *s)
{
	if (s->json)
		return cli_print_json(s->json);
	if (!s->docs) {
		printf("%s\n", _("no conflicts"));
		return 0;
	}
	printf(_("\ndocuments with conflicts: %zu; conflicting paths: %zu.  Settle each with "
		 "'sanshe resolve <type>/<id> --path P --take N' (0 keeps the value kept)\n"),
	       s->docs, s->paths);
	return 0;
}

int cmd_conflicts(int argc, char **argv)
{
	static const struct option options[] = { { "space", required_argument, NULL, 's' },
						 { "json", no_argument, NULL, 'j' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	scan s = { NULL, NULL, NULL, NULL, NULL, "", 0, 0, SANSHE_BUF_INIT, NULL };
	int c, json = 0, err, rc;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 's')
			s.only_space = optarg;
		else if (c == 'j')
			json = 1;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind > 1)
		return cli_usage_error("conflicts", "%s", _("too many arguments"));
	err = json && !(s.json = cJSON_CreateArray()) ? out_of_memory() : 0;
	if (!err && (err = cli_open_store(&s.store)) == 0 && s.only_space)
		err = cli_space_check(s.store, s.only_space);
	if (!err && optind < argc)
		err = scan_one(&s, argv[optind]);
	else if (!err)
		err = sanshe_store_spaces(s.store, scan_space, &s);
	rc = err ? cli_fail() : summary(&s);
	cJSON_Delete(s.json);
	sanshe_node_names_free(s.names);
	sanshe_buf_dispose(&s.text);
	sanshe_store_free(s.store);
	return rc;
}

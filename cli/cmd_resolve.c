/*
 * sanshe resolve <type>/<id> [--path P (--take N | --value JSON)] [--key NAME]
 * — settle the conflicts of a document: a new signed version whose value at
 * P is the one chosen, without the `_conflicts` entries of P.  With no
 * choice given, the person settles them in their editor.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "conflicts.h"
#include "edit.h"
#include "json.h"

typedef struct choice {
	const char *path;  /* NULL: the document's only conflicting path */
	const char *take;  /* --take N, as given */
	const char *value; /* --value JSON, as given */
	const char *key_name;
} choice;

static int parse_options(int argc, char **argv, choice *ch)
{
	static const struct option options[] = { { "path", required_argument, NULL, 'p' },
						 { "take", required_argument, NULL, 't' },
						 { "value", required_argument, NULL, 'v' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	int c;

	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'p')
			ch->path = optarg;
		else if (c == 't')
			ch->take = optarg;
		else if (c == 'v')
			ch->value = optarg;
		else if (c == 'k')
			ch->key_name = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("resolve", "%s", argc - optind ? _("too many arguments")
								      : _("which document? give <type>/<id>"));
	if (ch->take && ch->value)
		return cli_usage_error("resolve", "%s", _("give --take N or --value JSON, not both"));
	if (ch->path && !ch->take && !ch->value)
		return cli_usage_error("resolve", "%s", _("--path needs --take N or --value JSON"));
	if (ch->take && (!*ch->take || strspn(ch->take, "0123456789") != strlen(ch->take) ||
			 strlen(ch->take) > 9))
		return cli_usage_error("resolve", _("--take '%s': give the number of an option "
						    "(0 keeps the value kept; see 'sanshe conflicts')"),
				       ch->take);
	return -1;
}

/* The document's conflicts; having none is an error that names it. */
static int read_conflicts(const cli_edit *e, const cJSON *doc, sanshe_conflicts *c)
{
	int err = sanshe_conflicts_read(c, doc);

	if (!err && !c->count)
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("%s/%s has no conflicts to resolve"),
				       e->ref.type->name, e->ref.id);
	return err;
}

/* The path to settle: the one given, or the document's only one. */
static int pick_path(const cli_edit *e, const cJSON *doc, const choice *ch, char **out)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	int err = read_conflicts(e, doc, &c);

	*out = NULL;
	if (!err && !ch->path && c.count > 1)
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("%s/%s has conflicts at %zu paths: say which with --path "
					 "(see 'sanshe conflicts %s/%s')"),
				       e->ref.type->name, e->ref.id, c.count, e->ref.type->name,
				       e->ref.id);
	else if (!err && !(*out = strdup(ch->path ? ch->path : c.items[0].path)))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	sanshe_conflicts_dispose(&c);
	return err;
}

/* Settle one path of the stored document as `ch` says, then sign and commit. */
static int settle(cli_edit *e, const choice *ch, char **path)
{
	sanshe_doc_draft draft;
	cJSON *doc = NULL, *value = NULL, *stored = NULL;
	int err;

	if ((err = sanshe_json_parse(&doc, e->stored.ptr, e->stored.size, NULL, NULL)) != 0 ||
	    (err = sanshe_json_parse(&stored, e->stored.ptr, e->stored.size, NULL, NULL)) != 0 ||
	    (err = pick_path(e, doc, ch, path)) != 0)
		goto done;
	if (ch->value) {
		if ((err = sanshe_json_parse(&value, ch->value, strlen(ch->value), "--value", NULL)) == 0)
			err = sanshe_conflicts_set(doc, *path, value);
	} else {
		err = sanshe_conflicts_take(doc, *path, strtoul(ch->take, NULL, 10));
	}
	if (err || (err = sanshe_doc_draft_new(doc, &draft)) != 0)
		goto done;
	sanshe_doc_draft_after(&draft, stored);
	err = cli_edit_commit(e, doc, &draft, ch->key_name, "resolve");
done:
	cJSON_Delete(value);
	cJSON_Delete(stored);
	cJSON_Delete(doc);
	return err;
}

/* Settle in the editor: the person removes the entries they settled.  1: no change. */
static int settle_in_editor(cli_edit *e, const choice *ch, size_t *settled)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	sanshe_doc_draft draft;
	cJSON *doc = NULL, *stored = NULL;
	int err;

	if ((err = sanshe_json_parse(&stored, e->stored.ptr, e->stored.size, NULL, NULL)) != 0 ||
	    (err = read_conflicts(e, stored, &c)) != 0 || (err = cli_edit_run(e, &doc)) != 0 ||
	    (err = sanshe_conflicts_settled(doc, stored, settled)) != 0)
		goto done;
	if (!*settled) {
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("the edit settled no conflict: remove the _conflicts entries "
					 "you settled (other changes are for 'sanshe edit')"));
		goto done;
	}
	if ((err = cli_edit_draft(doc, &draft, _("the edit is not valid"))) != 0)
		goto done;
	sanshe_doc_draft_after(&draft, stored);
	err = cli_edit_commit(e, doc, &draft, ch->key_name, "resolve");
done:
	sanshe_conflicts_dispose(&c);
	cJSON_Delete(stored);
	cJSON_Delete(doc);
	return err;
}

int cmd_resolve(int argc, char **argv)
{
	choice ch = { NULL, NULL, NULL, NULL };
	cli_edit e = CLI_EDIT_INIT;
	char *path = NULL;
	size_t settled = 0;
	int rc, err;

	if ((rc = parse_options(argc, argv, &ch)) >= 0)
		return rc;
	if ((err = cli_edit_open(&e, argv[optind])) == 0)
		err = ch.take || ch.value ? settle(&e, &ch, &path) : settle_in_editor(&e, &ch, &settled);
	if (err == 1)
		printf("%s\n", _("no change: nothing written"));
	else if (!err && path)
		cli_line(stdout, "", _("resolved %s/%s at '%s'"), e.ref.type->name, e.ref.id, path);
	else if (!err)
		printf(_("resolved %s/%s: %zu conflict entries settled\n"), e.ref.type->name, e.ref.id,
		       settled);
	free(path);
	return cli_edit_end(&e, err);
}

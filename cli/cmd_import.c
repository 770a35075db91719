/*
 * sanshe import FILE.jsonl [--key NAME] — many documents, one per line, in
 * one commit: all or nothing.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "repo.h"

typedef struct import {
	sanshe_store *store;
	cli_writer *w;
	const char *path;
	sanshe_change *change;
	char space[SANSHE_SPACE_MAX];
	size_t count;
} import;

/*
 * One line: a record drafted, signed and written into the change (with the
 * conflicts of the version it replaces, when it says nothing of them).
 */
static int import_line(import *im, const char *text, size_t len, size_t line)
{
	char origin[4200], space[SANSHE_SPACE_MAX];
	sanshe_doc_draft draft;
	cJSON *doc = NULL;
	int err;

	snprintf(origin, sizeof(origin), "%s:%zu", im->path, line);
	if ((err = sanshe_json_parse_at(&doc, text, len, im->path, (int)line, NULL)) != 0)
		return err; /* "FILE:LINE:COLUMN: reason" */
	if ((err = sanshe_doc_draft_new(doc, &draft)) != 0 ||
	    (err = sanshe_node_space(draft.type, &im->w->member, space)) != 0)
		goto done;
	if (!im->change) {
		strcpy(im->space, space);
		if ((err = sanshe_change_new(&im->change, im->store, space)) != 0)
			goto done;
	} else if (strcmp(space, im->space) != 0) {
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("a %s goes to space '%s', the lines before to '%s': import "
					 "each space's documents from a file of their own"),
				       draft.type->name, space, im->space);
		goto done;
	}
	if ((err = sanshe_node_carry_conflicts(im->change, doc, &draft)) >= 0)
		err = sanshe_node_write(im->change, doc, &draft, &im->w->member, im->w->clock, NULL);
	im->count++;
done:
	if (err)
		sanshe_error_prefix("%s", origin);
	cJSON_Delete(doc);
	return err;
}

/*
 * Every non-empty line of the file, read one at a time (an import of a
 * hundred thousand records never holds the file in memory); the first
 * failure stops it.
 */
static int import_lines(import *im, FILE *in)
{
	char *p = NULL;
	size_t alloc = 0, line = 0;
	ssize_t got;
	int err = 0;

	while (!err && (got = getline(&p, &alloc, in)) >= 0) {
		size_t len = (size_t)got;

		line++;
		while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
			len--;
		if (strspn(p, " \t") < len)
			err = import_line(im, p, len, line);
	}
	if (!err && ferror(in))
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), im->path);
	free(p);
	if (!err && !im->count)
		err = sanshe_error_set(SANSHE_EINVALID, _("'%s' has no documents"), im->path);
	return err;
}

static int run(import *im, FILE *in)
{
	char subject[100];
	int err;

	if ((err = cli_writer_begin(im->w, im->store)) != 0)
		return err;
	if ((err = import_lines(im, in)) != 0) {
		cli_writer_end(im->w, im->store);
		return err;
	}
	snprintf(subject, sizeof(subject), "import %zu documents", im->count);
	return cli_writer_commit(im->w, im->store, im->change, subject);
}

int cmd_import(int argc, char **argv)
{
	const char *key_name = NULL;
	cli_writer w = { 0 };
	FILE *in = NULL;
	import im = { NULL, &w, NULL, NULL, "", 0 };
	int rc, err;

	if ((rc = cli_key_options(argc, argv, &key_name, 1, _("which file? give FILE.jsonl"))) >= 0)
		return rc;
	im.path = argv[optind];
	if (!(in = fopen(im.path, "r")))
		err = sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					  _("cannot open '%s'"), im.path);
	else if ((err = cli_open_store(&im.store)) == 0 &&
		 (err = cli_writer_open(&w, im.store, key_name)) == 0)
		err = run(&im, in);
	cli_writer_dispose(&w, im.store);
	sanshe_change_free(im.change);
	sanshe_store_free(im.store);
	if (in)
		fclose(in);
	if (err)
		return cli_fail();
	printf(_("imported %zu documents into space '%s'\n"), im.count, im.space);
	return 0;
}

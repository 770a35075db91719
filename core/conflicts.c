/* The conflicts a document keeps: reading, settling, carrying (conflicts.h). */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "conflicts.h"
#include "json.h"

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

static const cJSON *entries_of(const cJSON *doc)
{
	return cJSON_GetObjectItemCaseSensitive(doc, "_conflicts");
}

static const char *entry_path(const cJSON *entry)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "path"));
}

const cJSON *sanshe_conflict_value(const cJSON *entry)
{
	return cJSON_GetObjectItemCaseSensitive(entry, "value");
}

const sanshe_conflict *sanshe_conflicts_find(const sanshe_conflicts *conflicts,
					     const char *path)
{
	for (size_t i = 0; i < conflicts->count; i++)
		if (strcmp(conflicts->items[i].path, path) == 0)
			return &conflicts->items[i];
	return NULL;
}

void sanshe_conflicts_dispose(sanshe_conflicts *conflicts)
{
	free(conflicts->items);
	free(conflicts->entries);
	conflicts->items = NULL;
	conflicts->entries = NULL;
	conflicts->count = 0;
}

/* Every entry an object with a string path: what the envelope schema also says. */
static int check_entries(const cJSON *doc, const cJSON *arr)
{
	char what[200];
	const cJSON *entry;
	int i = 0;

	if (!cJSON_IsArray(arr))
		return sanshe_error_set(SANSHE_EINVALID, _("%s: _conflicts is not an array"),
					sanshe_doc_describe(doc, what, sizeof(what)));
	cJSON_ArrayForEach(entry, arr)
	{
		if (!cJSON_IsObject(entry) || !entry_path(entry))
			return sanshe_error_set(SANSHE_EINVALID,
						_("%s: _conflicts entry %d has no path"),
						sanshe_doc_describe(doc, what, sizeof(what)), i);
		i++;
	}
	return 0;
}

/*
 * Group the entries by path in two passes: count the entries of each path
 * (paths in the order they first appear), then give each its run of
 * `entries`.  A document has few conflicting paths: a linear search is
 * enough.
 */
int sanshe_conflicts_read(sanshe_conflicts *out, const cJSON *doc)
{
	const cJSON *arr = entries_of(doc), *entry;
	size_t n, offset = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (!arr)
		return 0;
	if ((err = check_entries(doc, arr)) != 0)
		return err;
	if (!(n = (size_t)cJSON_GetArraySize(arr)))
		return 0;
	if (!(out->items = calloc(n, sizeof(*out->items))) ||
	    !(out->entries = calloc(n, sizeof(*out->entries)))) {
		sanshe_conflicts_dispose(out);
		return out_of_memory();
	}
	cJSON_ArrayForEach(entry, arr)
	{
		sanshe_conflict *c = (sanshe_conflict *)sanshe_conflicts_find(out, entry_path(entry));

		if (!c) {
			c = &out->items[out->count++];
			c->path = entry_path(entry);
			c->kept = sanshe_json_pointer_get(doc, c->path);
		}
		c->count++;
	}
	for (size_t i = 0; i < out->count; i++) {
		out->items[i].others = out->entries + offset;
		offset += out->items[i].count;
		out->items[i].count = 0;
	}
	cJSON_ArrayForEach(entry, arr)
	{
		sanshe_conflict *c = (sanshe_conflict *)sanshe_conflicts_find(out, entry_path(entry));

		c->others[c->count++] = entry;
	}
	return 0;
}

/* "case 'c-17' has no conflict at '/x'; its conflicts are at '/a', '/b'". */
static int no_conflict(const cJSON *doc, const sanshe_conflicts *c, const char *path)
{
	sanshe_buf paths = SANSHE_BUF_INIT;
	char what[200];
	int err = 0;

	sanshe_doc_describe(doc, what, sizeof(what));
	if (!c->count)
		return sanshe_error_set(SANSHE_ENOTFOUND, _("%s has no conflicts"), what);
	for (size_t i = 0; i < c->count && i < 8 && !err; i++)
		err = sanshe_buf_printf(&paths, "%s'%s'", i ? ", " : "", c->items[i].path);
	if (!err && c->count > 8)
		err = sanshe_buf_puts(&paths, ", …");
	if (!err)
		err = sanshe_error_set(SANSHE_ENOTFOUND,
				       _("%s has no conflict at '%s'; its conflicts are at %s"), what,
				       path, paths.ptr);
	sanshe_buf_dispose(&paths);
	return err;
}

/* Drop the entries at `path`, and `_conflicts` when none is left. */
static void drop_entries(cJSON *doc, const char *path)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "_conflicts");
	cJSON *entry = arr ? arr->child : NULL, *next;

	for (; entry; entry = next) {
		next = entry->next;
		if (strcmp(entry_path(entry), path) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, entry));
	}
	if (arr && !arr->child)
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "_conflicts");
}

/* Option `n` (>= 1) of `at`, applied to `doc`. */
static int apply_other(cJSON *doc, const sanshe_conflict *at, size_t n)
{
	const cJSON *value = sanshe_conflict_value(at->others[n - 1]);
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "type"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "id"));
	char what[200];
	cJSON *copy;

	if (!*at->path && value)
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: option %zu at '' is another whole version of the "
					  "document: edit the document instead"),
					sanshe_doc_describe(doc, what, sizeof(what)), n);
	if (!*at->path)
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: option %zu at '' is the removal of the whole document: "
					  "to remove it, use 'sanshe rm %s/%s'"),
					sanshe_doc_describe(doc, what, sizeof(what)), n,
					type ? type : "<type>", id ? id : "<id>");
	if (!value)
		return at->kept ? sanshe_json_pointer_remove(doc, at->path) : 0;
	if (!(copy = cJSON_Duplicate(value, 1)))
		return out_of_memory();
	return sanshe_json_pointer_set(doc, at->path, copy);
}

/*
 * Find the conflicts at `path` (copied first: it may be a document's own
 * string, which settling frees), and have `apply` change the value.
 */
typedef int (*settle_fn)(cJSON *doc, const sanshe_conflict *at, const void *how);

static int settle(cJSON *doc, const char *path, settle_fn apply, const void *how)
{
	sanshe_conflicts c = SANSHE_CONFLICTS_INIT;
	const sanshe_conflict *at;
	char *own = strdup(path);
	int err;

	if (!own)
		return out_of_memory();
	if ((err = sanshe_conflicts_read(&c, doc)) == 0) {
		if (!(at = sanshe_conflicts_find(&c, own)))
			err = no_conflict(doc, &c, own);
		else if (strncmp(own, "/_", 2) == 0)
			err = sanshe_error_set(SANSHE_EINVALID,
					       _("'%s' is in a reserved member, which sanshe "
						 "alone writes: it cannot be settled"), own);
		else
			err = apply(doc, at, how);
	}
	sanshe_conflicts_dispose(&c);
	if (!err)
		drop_entries(doc, own);
	free(own);
	return err;
}

static int take(cJSON *doc, const sanshe_conflict *at, const void *how)
{
	size_t n = *(const size_t *)how;
	char what[200];

	if (n > at->count)
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: there is no option %zu at '%s': 0 keeps the value it "
					  "has, 1 to %zu take the other values"),
					sanshe_doc_describe(doc, what, sizeof(what)), n, at->path,
					at->count);
	return n ? apply_other(doc, at, n) : 0;
}

int sanshe_conflicts_take(cJSON *doc, const char *path, size_t n)
{
	return settle(doc, path, take, &n);
}

static int set(cJSON *doc, const sanshe_conflict *at, const void *how)
{
	cJSON *copy;
	char what[200];

	if (!*at->path)
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: the conflict at '' is about the whole document, which "
					  "cannot be given as a value: keep it with option 0"),
					sanshe_doc_describe(doc, what, sizeof(what)));
	if (!(copy = cJSON_Duplicate(how, 1)))
		return out_of_memory();
	return sanshe_json_pointer_set(doc, at->path, copy);
}

int sanshe_conflicts_set(cJSON *doc, const char *path, const cJSON *value)
{
	return settle(doc, path, set, value);
}

int sanshe_conflicts_carry(cJSON *doc, sanshe_doc_draft *draft, const cJSON *stored)
{
	const cJSON *from = entries_of(stored);
	cJSON *copy;

	if (!from || entries_of(doc))
		return 0;
	if (!(copy = cJSON_Duplicate(from, 1)) || !cJSON_AddItemToObject(doc, "_conflicts", copy)) {
		cJSON_Delete(copy);
		return out_of_memory();
	}
	sanshe_doc_draft_after(draft, doc);
	return 1;
}

static bool has_entry(const cJSON *arr, const cJSON *entry)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr)
		if (sanshe_json_equal(e, entry))
			return true;
	return false;
}

int sanshe_conflicts_settled(const cJSON *after, const cJSON *before, size_t *settled)
{
	const cJSON *now = entries_of(after), *was = entries_of(before), *e;
	sanshe_buf text = SANSHE_BUF_INIT;
	size_t kept = 0;
	int err;

	*settled = 0;
	if (!cJSON_IsArray(now))
		now = NULL;
	cJSON_ArrayForEach(e, now)
	{
		if (cJSON_IsArray(was) && has_entry(was, e)) {
			kept++;
			continue;
		}
		if ((err = sanshe_canon_write(&text, e)) == 0)
			err = sanshe_error_set(SANSHE_EINVALID,
					       _("_conflicts has an entry the document did not have: "
						 "%s; only remove the entries you settled"), text.ptr);
		sanshe_buf_dispose(&text);
		return err;
	}
	if ((size_t)cJSON_GetArraySize(was) > kept)
		*settled = (size_t)cJSON_GetArraySize(was) - kept;
	return 0;
}

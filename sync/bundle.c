/* Plain git bundles, version 2: written, parsed and read (bundle.h). */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/sys/odb_backend.h>

#include "bundle.h"
#include "transfer.h"
#include "store.h"
#include "bundle_int.h"

#define SIGNATURE_V2 "# v2 git bundle"
#define SIGNATURE_V3 "# v3 git bundle"
#define HEX_LEN GIT_OID_HEXSZ
/* The longest comment written after a prerequisite. */
#define COMMENT_MAX 200
/* Bytes read from the file at a time when feeding the indexer. */
#define READ_CHUNK (64 * 1024)

/* ---- temporary files ---- */

int sanshe_bundle__temp_open(const char *path, sanshe_buf *tmp, FILE **fp)
{
	int fd;

	*fp = NULL;
	sanshe_buf_clear(tmp);
	if (sanshe_buf_printf(tmp, "%s.tmp-XXXXXX", path) != 0)
		return SANSHE_ENOMEM;
	fd = mkstemp(tmp->ptr);
	if (fd < 0)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot create '%s'"), tmp->ptr);
	*fp = fdopen(fd, "wb");
	if (!*fp) {
		close(fd);
		unlink(tmp->ptr);
		return sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), tmp->ptr);
	}
	return 0;
}

int sanshe_bundle__temp_finish(FILE *fp, const char *tmp, const char *path, int err)
{
	if (err == 0 && (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0))
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), tmp);
	if (fclose(fp) != 0 && err == 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), tmp);
	if (err == 0 && rename(tmp, path) != 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot rename '%s' to '%s'"), tmp, path);
	if (err != 0)
		unlink(tmp);
	return err;
}

/* ---- the header ---- */

void sanshe_bundle_header_dispose(sanshe_bundle_header *header)
{
	size_t i;

	if (!header)
		return;
	for (i = 0; i < header->refs_count; i++)
		free(header->refs[i].name);
	free(header->refs);
	free(header->prerequisites);
	memset(header, 0, sizeof(*header));
}

static int is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int parse_fail(size_t line, const char *why)
{
	return sanshe_error_set(SANSHE_EPARSE, _("bundle header, line %zu: %s"), line, why);
}

static int parse_prerequisite(sanshe_bundle_header *out, const char *s, size_t len, size_t line)
{
	git_oid *grown;

	if (out->refs_count > 0)
		return parse_fail(line, _("a prerequisite after the refs"));
	if (len < 1 + HEX_LEN || !is_hex(s + 1, HEX_LEN) || (len > 1 + HEX_LEN && s[1 + HEX_LEN] != ' '))
		return parse_fail(line, _("not '-<40 hex digits> <comment>'"));
	if (out->prerequisites_count == SANSHE_BUNDLE_ENTRIES_MAX)
		return parse_fail(line, _("too many prerequisites"));
	grown = realloc(out->prerequisites, (out->prerequisites_count + 1) * sizeof(*grown));
	if (!grown)
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	out->prerequisites = grown;
	if (git_oid_fromstrn(&grown[out->prerequisites_count], s + 1, HEX_LEN) != 0)
		return parse_fail(line, _("not an object id"));
	out->prerequisites_count++;
	return 0;
}

static int parse_ref(sanshe_bundle_header *out, const char *s, size_t len, size_t line)
{
	sanshe_bundle_ref *grown, *ref;
	size_t i;
	int valid = 0;
	char *name;

	if (len < HEX_LEN + 2 || !is_hex(s, HEX_LEN) || s[HEX_LEN] != ' ')
		return parse_fail(line, _("not '<40 hex digits> <ref name>'"));
	if (out->refs_count == SANSHE_BUNDLE_ENTRIES_MAX)
		return parse_fail(line, _("too many refs"));
	name = strndup(s + HEX_LEN + 1, len - HEX_LEN - 1);
	if (!name)
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	if (git_reference_name_is_valid(&valid, name) != 0 || !valid) {
		free(name);
		return parse_fail(line, _("not a valid ref name"));
	}
	for (i = 0; i < out->refs_count; i++) {
		if (strcmp(out->refs[i].name, name) == 0) {
			free(name);
			return parse_fail(line, _("a ref named twice"));
		}
	}
	grown = realloc(out->refs, (out->refs_count + 1) * sizeof(*grown));
	if (!grown) {
		free(name);
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	}
	out->refs = grown;
	ref = &grown[out->refs_count++];
	ref->name = name;
	if (git_oid_fromstrn(&ref->id, s, HEX_LEN) != 0)
		return parse_fail(line, _("not an object id"));
	return 0;
}

/* The first line: the version 2 signature, and nothing else. */
static int parse_signature(const char *s, size_t len)
{
	if (len == strlen(SIGNATURE_V2) && memcmp(s, SIGNATURE_V2, len) == 0)
		return 0;
	if (len == strlen(SIGNATURE_V3) && memcmp(s, SIGNATURE_V3, len) == 0)
		return sanshe_error_set(SANSHE_EPARSE,
					_("a version 3 git bundle: only version 2 is read here"));
	return sanshe_error_set(SANSHE_EPARSE, _("not a git bundle (no '%s' line)"), SIGNATURE_V2);
}

int sanshe_bundle_header_parse(sanshe_bundle_header *out, const char *data, size_t len)
{
	size_t pos = 0, line = 0;
	int err;

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t room = len - pos, n;
		const char *s = data + pos, *nl;

		if (room > SANSHE_BUNDLE_LINE_MAX)
			room = SANSHE_BUNDLE_LINE_MAX;
		nl = memchr(s, '\n', room);
		line++;
		if (!nl) {
			if (room == SANSHE_BUNDLE_LINE_MAX)
				return parse_fail(line, _("line too long"));
			return sanshe_error_set(SANSHE_EPARSE, _("bundle header cut short"));
		}
		n = (size_t)(nl - s);
		if (pos + n + 1 > SANSHE_BUNDLE_HEADER_MAX)
			return parse_fail(line, _("header too long"));
		pos += n + 1;
		if (memchr(s, '\0', n))
			return parse_fail(line, _("a NUL byte"));
		if (line == 1)
			err = parse_signature(s, n);
		else if (n == 0)
			break;
		else if (s[0] == '-')
			err = parse_prerequisite(out, s, n, line);
		else
			err = parse_ref(out, s, n, line);
		if (err != 0)
			return err;
	}
	if (out->refs_count == 0)
		return sanshe_error_set(SANSHE_EPARSE, _("bundle header names no ref"));
	out->length = pos;
	return 0;
}

/* ---- writing ---- */

/* The comment of a prerequisite line: the commit's summary, on one line. */
static int put_prerequisite(sanshe_buf *out, git_repository *repo, const git_oid *id)
{
	git_commit *commit = NULL;
	const char *summary = NULL;
	char hex[HEX_LEN + 1];
	size_t i;

	git_oid_tostr(hex, sizeof(hex), id);
	if (git_commit_lookup(&commit, repo, id) != 0)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("prerequisite '%s' is not a commit of this repository"), hex);
	summary = git_commit_summary(commit);
	if (sanshe_buf_printf(out, "-%s", hex) != 0)
		goto nomem;
	if (summary && *summary) {
		if (sanshe_buf_putc(out, ' ') != 0)
			goto nomem;
		for (i = 0; summary[i] && i < COMMENT_MAX; i++)
			if (sanshe_buf_putc(out, (unsigned char)summary[i] < 0x20 ? ' ' : summary[i]) != 0)
				goto nomem;
	}
	git_commit_free(commit);
	return sanshe_buf_putc(out, '\n');
nomem:
	git_commit_free(commit);
	return SANSHE_ENOMEM;
}

/* The header lines, and the walk of what the pack must hold. */
static int plan(git_repository *repo, git_revwalk *walk, sanshe_buf *header,
		const char *const *refs, size_t refs_count, const git_oid *prerequisites,
		size_t prerequisites_count)
{
	char hex[HEX_LEN + 1];
	git_oid id;
	size_t i;
	int err;

	if (refs_count == 0)
		return sanshe_error_set(SANSHE_EINVALID, _("a bundle needs at least one ref"));
	if (sanshe_buf_puts(header, SIGNATURE_V2 "\n") != 0)
		return SANSHE_ENOMEM;
	for (i = 0; i < prerequisites_count; i++) {
		if ((err = put_prerequisite(header, repo, &prerequisites[i])) != 0)
			return err;
		if (git_revwalk_hide(walk, &prerequisites[i]) != 0)
			return sanshe_git_error(SANSHE_ERROR, _("cannot walk the history"));
	}
	for (i = 0; i < refs_count; i++) {
		if (git_reference_name_to_id(&id, repo, refs[i]) != 0)
			return sanshe_error_set(SANSHE_ENOTFOUND, _("no ref '%s' in this repository"),
						refs[i]);
		if (git_revwalk_push(walk, &id) != 0)
			return sanshe_git_error(SANSHE_ERROR, _("cannot walk the history"));
		git_oid_tostr(hex, sizeof(hex), &id);
		if (sanshe_buf_printf(header, "%s %s\n", hex, refs[i]) != 0)
			return SANSHE_ENOMEM;
	}
	return sanshe_buf_putc(header, '\n');
}

static int write_pack_part(void *data, size_t len, void *payload)
{
	return fwrite(data, 1, len, payload) == len ? 0 : -1;
}

int sanshe_bundle_write(git_repository *repo, const char *path, const char *const *refs,
			size_t refs_count, const git_oid *prerequisites,
			size_t prerequisites_count)
{
	sanshe_buf header = SANSHE_BUF_INIT, tmp = SANSHE_BUF_INIT;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	FILE *fp = NULL;
	int err;

	if (git_revwalk_new(&walk, repo) != 0 || git_packbuilder_new(&pb, repo) != 0) {
		err = sanshe_git_error(SANSHE_ERROR, _("cannot start the pack"));
		goto done;
	}
	err = plan(repo, walk, &header, refs, refs_count, prerequisites, prerequisites_count);
	if (err != 0)
		goto done;
	if (git_packbuilder_insert_walk(pb, walk) != 0) {
		err = sanshe_git_error(SANSHE_ERROR, _("cannot gather the objects of the bundle"));
		goto done;
	}
	if ((err = sanshe_bundle__temp_open(path, &tmp, &fp)) != 0)
		goto done;
	if (fwrite(header.ptr, 1, header.size, fp) != header.size)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), tmp.ptr);
	else if (git_packbuilder_foreach(pb, write_pack_part, fp) != 0)
		err = ferror(fp) ? sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), tmp.ptr)
				 : sanshe_git_error(SANSHE_ERROR, _("cannot build the pack"));
	err = sanshe_bundle__temp_finish(fp, tmp.ptr, path, err);
done:
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	sanshe_buf_dispose(&header);
	sanshe_buf_dispose(&tmp);
	return err;
}

/* ---- reading ---- */

/* The header from the first bytes of `fp`, which it leaves in `head`. */
static int read_header(FILE *fp, const char *path, sanshe_buf *head, sanshe_bundle_header *out)
{
	size_t n;

	if (sanshe_buf_grow(head, SANSHE_BUNDLE_HEADER_MAX) != 0)
		return SANSHE_ENOMEM;
	n = fread(head->ptr, 1, SANSHE_BUNDLE_HEADER_MAX, fp);
	if (ferror(fp))
		return sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), path);
	head->size = n;
	head->ptr[n] = '\0';
	if (sanshe_bundle_header_parse(out, head->ptr, n) != 0)
		return sanshe_error_prefix("'%s'", path);
	return 0;
}

static int check_prerequisites(git_odb *odb, const sanshe_bundle_header *h)
{
	char hex[HEX_LEN + 1];
	size_t i;

	for (i = 0; i < h->prerequisites_count; i++) {
		if (git_odb_exists(odb, &h->prerequisites[i]))
			continue;
		git_oid_tostr(hex, sizeof(hex), &h->prerequisites[i]);
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("the bundle needs commit %s, which this node does not "
					  "have: apply the bundles before it first"),
					hex);
	}
	return 0;
}

/* Feed the pack (what `head` holds past the header, then the rest of `fp`). */
static int index_pack(git_repository *repo, FILE *fp, const char *path, const sanshe_buf *head,
		      size_t header_len, size_t *objects)
{
	sanshe_transfer_in *in = NULL;
	char chunk[READ_CHUNK];
	uint64_t got, total;
	size_t n;
	int err;

	/* the repository's objects complete a thin pack (as git makes them) */
	if ((err = sanshe_transfer_in_open(&in, repo, 1)) != 0)
		return err;
	err = sanshe_transfer_in_add(in, head->ptr + header_len, head->size - header_len);
	while (!err && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		err = sanshe_transfer_in_add(in, chunk, n);
	if (!err && ferror(fp))
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), path);
	else if (!err)
		err = sanshe_transfer_in_finish(in);
	if (err)
		sanshe_error_prefix("'%s'", path);
	sanshe_transfer_in_progress(in, &got, &total);
	*objects = (size_t)got;
	sanshe_transfer_in_free(in);
	return err;
}

static int check_refs(git_odb *odb, const char *path, const sanshe_bundle_header *h)
{
	char hex[HEX_LEN + 1];
	size_t i;

	for (i = 0; i < h->refs_count; i++) {
		if (git_odb_exists(odb, &h->refs[i].id))
			continue;
		git_oid_tostr(hex, sizeof(hex), &h->refs[i].id);
		return sanshe_error_set(SANSHE_EPARSE,
					_("'%s': ref '%s' names %s, which the bundle does not hold"),
					path, h->refs[i].name, hex);
	}
	return 0;
}

/*
 * Are all the refs' targets here already?  Then so is everything they
 * reach (the repository is only ever written whole), and indexing the
 * pack again would store nothing.
 */
static int already_here(git_odb *odb, const sanshe_bundle_header *h)
{
	size_t i;

	for (i = 0; i < h->refs_count; i++)
		if (!git_odb_exists(odb, &h->refs[i].id))
			return 0;
	return 1;
}

int sanshe_bundle_read(git_repository *repo, const char *path, sanshe_bundle_header *out)
{
	sanshe_buf head = SANSHE_BUF_INIT;
	git_odb *odb = NULL;
	FILE *fp;
	int err;

	memset(out, 0, sizeof(*out));
	fp = fopen(path, "rb");
	if (!fp)
		return sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					   _("cannot open '%s'"), path);
	if ((err = read_header(fp, path, &head, out)) != 0)
		goto done;
	if (git_repository_odb(&odb, repo) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot open the object database"));
		goto done;
	}
	if ((err = check_prerequisites(odb, out)) != 0)
		goto done;
	if (already_here(odb, out))
		goto done;
	if ((err = index_pack(repo, fp, path, &head, out->length, &out->objects)) != 0)
		goto done;
	err = check_refs(odb, path, out);
done:
	git_odb_free(odb);
	fclose(fp);
	sanshe_buf_dispose(&head);
	return err;
}

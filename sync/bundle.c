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

/*
 * libgit2 1.5's indexer can check that a pack is complete (opts.verify),
 * but then leaks every object of the pack that the repository has
 * already, and a bundle made without knowing what its reader has holds
 * many.  So the pack is indexed without that check into a directory of its
 * own, checked here (every object it names is in the pack or the
 * repository), and only then moved into objects/pack: a pack that fails
 * leaves nothing behind.
 */
typedef struct closure {
	git_odb *pack; /* the new pack alone */
	git_odb *odb;  /* the repository's */
	int missing;
} closure;

static int linked(closure *c, const char *hex, size_t len)
{
	git_oid id;

	if (len < GIT_OID_HEXSZ || git_oid_fromstrn(&id, hex, GIT_OID_HEXSZ) != 0)
		return -1;
	if (!git_odb_exists(c->pack, &id) && !git_odb_exists(c->odb, &id))
		c->missing++;
	return 0;
}

/* The objects a commit or a tag names: its "tree", "parent" or "object" lines. */
static int links_of_header(closure *c, const char *p, const char *end)
{
	static const char *const keys[] = { "tree ", "parent ", "object " };

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t i, k = 0;

		for (i = 0; i < SANSHE_ARRAY_SIZE(keys); i++)
			if ((size_t)(end - p) > strlen(keys[i]) &&
			    strncmp(p, keys[i], strlen(keys[i])) == 0)
				k = strlen(keys[i]);
		if (!k || !eol)
			return 0; /* past the links */
		if (linked(c, p + k, (size_t)(eol - p) - k) != 0)
			return -1;
		p = eol + 1;
	}
	return 0;
}

/* The objects a tree names: "<mode> <name>\0<20 bytes>" each; submodules name none here. */
static int links_of_tree(closure *c, const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
		char hex[GIT_OID_HEXSZ + 1];
		git_oid id;

		if (!nul || (size_t)(end - nul) < 1 + GIT_OID_RAWSZ)
			return -1;
		git_oid_fromraw(&id, nul + 1);
		if (strncmp((const char *)p, "160000 ", 7) != 0) {
			git_oid_tostr(hex, sizeof(hex), &id);
			linked(c, hex, GIT_OID_HEXSZ);
		}
		p = nul + 1 + GIT_OID_RAWSZ;
	}
	return 0;
}

static int check_object(const git_oid *id, void *payload)
{
	closure *c = payload;
	git_odb_object *obj = NULL;
	const char *data;
	size_t len;
	int rc = 0;

	git_object_t type;
	size_t size;

	if (git_odb_read_header(&size, &type, c->pack, id) != 0)
		return -1;
	if (type == GIT_OBJECT_BLOB)
		return 0; /* names nothing: not read */
	if (git_odb_read(&obj, c->pack, id) != 0)
		return -1;
	data = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	if (type == GIT_OBJECT_TREE)
		rc = links_of_tree(c, (const unsigned char *)data,
				   (const unsigned char *)data + len);
	else
		rc = links_of_header(c, data, data + len);
	git_odb_object_free(obj);
	return rc;
}

/* Is every object the pack `idx_path` names in it or in `odb`? */
static int check_closed(git_odb *odb, const char *idx_path, const char *path)
{
	closure c = { NULL, odb, 0 };
	git_odb_backend *one = NULL;
	int rc;

	if (git_odb_new(&c.pack) != 0 || git_odb_backend_one_pack(&one, idx_path) != 0 ||
	    git_odb_add_backend(c.pack, one, 1) != 0) {
		if (one && c.pack)
			one->free(one);
		git_odb_free(c.pack);
		sanshe_git_error(SANSHE_EIO, _("cannot read the incoming pack"));
		return sanshe_error_prefix("'%s'", path);
	}
	rc = git_odb_foreach(c.pack, check_object, &c);
	git_odb_free(c.pack);
	if (rc != 0)
		return sanshe_error_set(SANSHE_EPARSE, _("'%s': damaged pack"), path);
	if (c.missing)
		return sanshe_error_set(SANSHE_EPARSE,
					_("'%s': the pack is missing %d object(s) it needs"), path,
					c.missing);
	return 0;
}

/* Move the checked pack `name` from `from` into `to`, the index last (it makes the pack seen). */
static int move_pack(const char *from, const char *to, const char *name)
{
	static const char *const exts[] = { ".pack", ".idx" };
	sanshe_buf a = SANSHE_BUF_INIT, b = SANSHE_BUF_INIT;
	int err = 0;

	for (size_t i = 0; !err && i < SANSHE_ARRAY_SIZE(exts); i++) {
		sanshe_buf_clear(&a);
		sanshe_buf_clear(&b);
		if (sanshe_buf_printf(&a, "%s/pack-%s%s", from, name, exts[i]) != 0 ||
		    sanshe_buf_printf(&b, "%s/pack-%s%s", to, name, exts[i]) != 0)
			err = SANSHE_ENOMEM;
		else if (rename(a.ptr, b.ptr) != 0)
			err = sanshe_error_set_os(SANSHE_EIO, _("cannot rename '%s' to '%s'"),
						  a.ptr, b.ptr);
	}
	sanshe_buf_dispose(&a);
	sanshe_buf_dispose(&b);
	return err;
}

/* Remove the directory of an incoming pack and whatever is left in it. */
static void remove_incoming(const char *dir)
{
	sanshe_buf f = SANSHE_BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sanshe_buf_clear(&f);
		if (sanshe_buf_printf(&f, "%s/%s", dir, e->d_name) == 0)
			unlink(f.ptr);
	}
	if (d)
		closedir(d);
	sanshe_buf_dispose(&f);
	rmdir(dir);
}

/* Feed the pack (what `head` holds past the header, then the rest of `fp`). */
static int index_pack(git_repository *repo, git_odb *odb, FILE *fp, const char *path,
		      const sanshe_buf *head, size_t header_len, size_t *objects)
{
	git_indexer_options opts;
	git_indexer_progress stats;
	git_indexer *idx = NULL;
	sanshe_buf dir = SANSHE_BUF_INIT, in = SANSHE_BUF_INIT, idx_path = SANSHE_BUF_INIT;
	char chunk[READ_CHUNK], name[GIT_OID_HEXSZ + 1];
	size_t n;
	int err = 0;

	if (git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION) != 0)
		return sanshe_git_error(SANSHE_ERROR, _("cannot start the indexer"));
	if (sanshe_buf_printf(&dir, "%sobjects/pack", git_repository_path(repo)) != 0 ||
	    sanshe_buf_printf(&in, "%s/incoming-XXXXXX", dir.ptr) != 0) {
		err = SANSHE_ENOMEM;
		goto done;
	}
	if (!mkdtemp(in.ptr)) {
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot create '%s'"), in.ptr);
		sanshe_buf_clear(&in);
		goto done;
	}
	memset(&stats, 0, sizeof(stats));
	/* the repository's objects complete a thin pack (as git makes them) */
	if (git_indexer_new(&idx, in.ptr, 0, odb, &opts) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot start the indexer"));
		goto done;
	}
	if (git_indexer_append(idx, head->ptr + header_len, head->size - header_len, &stats) != 0)
		goto damaged;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (git_indexer_append(idx, chunk, n, &stats) != 0)
			goto damaged;
	if (ferror(fp)) {
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), path);
		goto done;
	}
	if (git_indexer_commit(idx, &stats) != 0)
		goto damaged;
	snprintf(name, sizeof(name), "%s", git_indexer_name(idx));
	git_indexer_free(idx); /* its files closed */
	idx = NULL;
	if (sanshe_buf_printf(&idx_path, "%s/pack-%s.idx", in.ptr, name) != 0) {
		err = SANSHE_ENOMEM;
		goto done;
	}
	if ((err = check_closed(odb, idx_path.ptr, path)) != 0 ||
	    (err = move_pack(in.ptr, dir.ptr, name)) != 0)
		goto done;
	*objects = stats.indexed_objects;
	if (git_odb_refresh(odb) != 0)
		err = sanshe_git_error(SANSHE_EIO, _("cannot refresh the object database"));
	goto done;
damaged:
	err = sanshe_git_error(SANSHE_EPARSE, _("damaged pack"));
	sanshe_error_prefix("'%s'", path);
done:
	git_indexer_free(idx);
	if (in.size)
		remove_incoming(in.ptr);
	sanshe_buf_dispose(&dir);
	sanshe_buf_dispose(&in);
	sanshe_buf_dispose(&idx_path);
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
	if ((err = index_pack(repo, odb, fp, path, &head, out->length, &out->objects)) != 0)
		goto done;
	err = check_refs(odb, path, out);
done:
	git_odb_free(odb);
	fclose(fp);
	sanshe_buf_dispose(&head);
	return err;
}

/* The node repository: opening, the lock, names, heads, reading (store.h). */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doc.h"
#include "fs.h"
#include "store_int.h"

#define SANSHE_REPO_VERSION 1
#define REF_PREFIX "refs/heads/"
#define REF_PREFIX_LEN (sizeof(REF_PREFIX) - 1)

/*
 * libgit2 caches trees up to 4 KiB by default; a type tree (256 shards) is
 * about 8 KiB and a shard of 100,000 documents about 22 KiB, so every read
 * inflated both again (about 200 µs a read, against 30 µs when cached).
 * The cache's total stays bounded by libgit2's own limit (256 MiB).
 */
#define TREE_CACHE_LIMIT ((size_t)1 << 20)

static pthread_once_t libs_once = PTHREAD_ONCE_INIT;
static int libs_ok;

static void libs_init(void)
{
	libs_ok = git_libgit2_init() > 0 && sodium_init() >= 0 &&
		  git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT,
				   GIT_OBJECT_TREE, TREE_CACHE_LIMIT) == 0;
}

int sanshe_store__ready(void)
{
	pthread_once(&libs_once, libs_init);
	if (!libs_ok)
		return sanshe_error_set(
		    SANSHE_ERROR, "%s",
		    _("cannot initialise libgit2 or libsodium"));
	return 0;
}

int sanshe_store__git_error(int git_err, int code, const char *fmt, ...)
{
	const git_error *last = git_error_last();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (git_err == GIT_ELOCKED)
		code = SANSHE_ELOCKED;
	if (last && last->message && *last->message)
		return sanshe_error_set(code, "%s: %s", what, last->message);
	return sanshe_error_set(code, "%s", what);
}

/* ---- opening ---- */

static int store_new(sanshe_store **out, git_repository *repo)
{
	sanshe_store *store = calloc(1, sizeof(*store));
	size_t len;

	if (!store || !(store->path = strdup(git_repository_path(repo)))) {
		free(store);
		git_repository_free(repo);
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	}
	len = strlen(store->path);
	while (len > 1 && store->path[len - 1] == '/')
		store->path[--len] = '\0';
	store->repo = repo;
	store->lock_fd = -1;
	*out = store;
	return 0;
}

/* 1: `path` is an empty directory; 0: it is not; -1 (errno): unreadable. */
static int dir_is_empty(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!dir)
		return errno == ENOTDIR ? 0 : -1;
	while (empty && (e = readdir(dir)))
		empty =
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(dir);
	return empty;
}

static int check_create_path(const char *path)
{
	int empty;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	empty = dir_is_empty(path);
	if (empty < 0)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"),
					   path);
	if (!empty)
		return sanshe_error_set(
		    SANSHE_EEXISTS,
		    _("'%s' exists and is not an empty directory"), path);
	return 0;
}

/* sanshe.version = 1, and reflogs of the spaces (not kept by default). */
static int mark_repository(git_repository *repo, const char *path)
{
	git_config *all = NULL, *local = NULL;
	int err;

	if ((err = git_repository_config(&all, repo)) < 0 ||
	    (err = git_config_open_level(&local, all, GIT_CONFIG_LEVEL_LOCAL)) <
		0 ||
	    (err = git_config_set_int32(local, "sanshe.version",
					SANSHE_REPO_VERSION)) < 0 ||
	    (err = git_config_set_bool(local, "core.logAllRefUpdates", 1)) < 0)
		err = sanshe_store__git_error(err, SANSHE_EIO,
					      _("cannot configure '%s'"), path);
	git_config_free(local);
	git_config_free(all);
	return err;
}

int sanshe_store_create(sanshe_store **out, const char *path)
{
	git_repository_init_options opts;
	git_repository *repo = NULL;
	int err;

	*out = NULL;
	if ((err = sanshe_store__ready()) != 0 ||
	    (err = check_create_path(path)) != 0)
		return err;
	git_repository_init_options_init(&opts,
					 GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		     GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "trust";
	if ((err = git_repository_init_ext(&repo, path, &opts)) < 0)
		return sanshe_store__git_error(
		    err, err == GIT_EEXISTS ? SANSHE_EEXISTS : SANSHE_EIO,
		    _("cannot create a repository at '%s'"), path);
	if ((err = mark_repository(repo, path)) != 0) {
		git_repository_free(repo);
		return err;
	}
	return store_new(out, repo);
}

static int check_marked(git_repository *repo, const char *path)
{
	git_config *config = NULL;
	int32_t version = 0;
	int err = git_repository_config_snapshot(&config, repo);

	if (err < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot read the configuration of '%s'"),
		    path);
	err = git_config_get_int32(&version, config, "sanshe.version");
	git_config_free(config);
	if (err == GIT_ENOTFOUND)
		return sanshe_error_set(
		    SANSHE_EINVALID,
		    _("'%s' is a git repository but not a sanshe repository"),
		    path);
	if (err < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EINVALID, _("'%s': bad sanshe.version"), path);
	if (version != SANSHE_REPO_VERSION)
		return sanshe_error_set(
		    SANSHE_EINVALID,
		    _("'%s' is a sanshe repository of version %d; "
		      "this sanshe knows version %d"),
		    path, (int)version, SANSHE_REPO_VERSION);
	return 0;
}

int sanshe_store_open(sanshe_store **out, const char *path)
{
	git_repository *repo = NULL;
	int err;

	*out = NULL;
	if ((err = sanshe_store__ready()) != 0)
		return err;
	err = git_repository_open_ext(&repo, path,
				      GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (err == GIT_ENOTFOUND)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("no repository at '%s'"), path);
	if (err < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot open the repository '%s'"),
		    path);
	if ((err = check_marked(repo, path)) != 0) {
		git_repository_free(repo);
		return err;
	}
	return store_new(out, repo);
}

int sanshe_store_discover(sanshe_store **out, const char *start)
{
	git_buf found = GIT_BUF_INIT;
	int err;

	*out = NULL;
	if ((err = sanshe_store__ready()) != 0)
		return err;
	err = git_repository_discover(&found, start, 0, NULL);
	if (err == GIT_ENOTFOUND)
		err = sanshe_error_set(
		    SANSHE_ENOTFOUND,
		    _("no sanshe repository in '%s' or its parents "
		      "(use -C DIR or SANSHE_REPO)"),
		    start);
	else if (err < 0)
		err = sanshe_store__git_error(
		    err, SANSHE_EIO,
		    _("cannot look for a repository from '%s'"), start);
	else
		err = sanshe_store_open(out, found.ptr);
	git_buf_dispose(&found);
	return err;
}

void sanshe_store_free(sanshe_store *store)
{
	if (!store)
		return;
	sanshe_store_unlock(store);
	git_repository_free(store->repo);
	free(store->path);
	free(store);
}

const char *sanshe_store_path(const sanshe_store *store)
{
	return store->path;
}

git_repository *sanshe_store_repository(sanshe_store *store)
{
	return store->repo;
}

/* ---- the writers' lock ---- */

int sanshe_store_lock(sanshe_store *store, unsigned wait_ms)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	int fd = -1, err;

	if (store->lock_fd >= 0)
		return 0;
	err = sanshe_buf_printf(&path, "%s/sanshe.lock", store->path);
	if (err)
		return err;
	fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot open '%s'"),
					  path.ptr);
	else if ((err = sanshe_fs_lock(fd, wait_ms)) != 0) {
		if (err == SANSHE_ELOCKED)
			sanshe_error_set(err, _("repository '%s' is locked by another sanshe "
						"process (waited %u ms)"), store->path, wait_ms);
		else
			sanshe_error_set_os(err, _("cannot lock the repository '%s'"), store->path);
		close(fd);
	}
	else
		store->lock_fd = fd;
	sanshe_buf_dispose(&path);
	return err;
}

void sanshe_store_unlock(sanshe_store *store)
{
	if (store->lock_fd < 0)
		return;
	close(store->lock_fd); /* releases the flock */
	store->lock_fd = -1;
}

/* ---- names ---- */

static int name_ok(const char *name)
{
	return name && *name && !strchr(name, '/');
}

int sanshe_store_doc_path(sanshe_buf *out, const char *type, const char *id)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	int err;

	if (!name_ok(type) || !name_ok(id) || strcmp(type, ".") == 0 ||
	    strcmp(type, "..") == 0)
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s/%s' cannot name a document"),
					type ? type : "", id ? id : "");
	if ((err = sanshe_store__ready()) != 0)
		return err;
	crypto_hash_sha256(hash, (const unsigned char *)id, strlen(id));
	return sanshe_buf_printf(out, "%s/%02x/%s" SANSHE_STORE_DOC_SUFFIX,
				 type, hash[0], id);
}

int sanshe_store_space_valid(const char *space)
{
	if (!space)
		return 0;
	if (strcmp(space, "trust") == 0 || strcmp(space, "common") == 0)
		return 1;
	return strncmp(space, "org/", 4) == 0 && sanshe_doc_id_valid(space + 4);
}

int sanshe_store__check_space(const char *space)
{
	if (sanshe_store_space_valid(space))
		return 0;
	return sanshe_error_set(SANSHE_EINVALID,
				_("'%s' is not a space: expected trust, common "
				  "or org/<org-id>"),
				space ? space : "");
}

int sanshe_store__ref_name(sanshe_buf *out, const char *space)
{
	int err = sanshe_store__check_space(space);

	return err ? err : sanshe_buf_printf(out, REF_PREFIX "%s", space);
}

/* ---- spaces and heads ---- */

typedef struct space_head {
	char *space;
	git_oid head;
} space_head;

static int space_head_cmp(const void *a, const void *b)
{
	return strcmp(((const space_head *)a)->space,
		      ((const space_head *)b)->space);
}

static int add_space(space_head **spaces, size_t *n, size_t *cap,
		     const git_reference *ref)
{
	const char *name = git_reference_name(ref);
	const git_oid *target = git_reference_target(ref);

	if (!target || strncmp(name, REF_PREFIX, REF_PREFIX_LEN) != 0 ||
	    !sanshe_store_space_valid(name + REF_PREFIX_LEN))
		return 0;
	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 8;
		space_head *bigger = realloc(*spaces, grown * sizeof(**spaces));

		if (!bigger)
			return sanshe_error_set(SANSHE_ENOMEM, "%s",
						_("out of memory"));
		*spaces = bigger;
		*cap = grown;
	}
	if (!((*spaces)[*n].space = strdup(name + REF_PREFIX_LEN)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	git_oid_cpy(&(*spaces)[(*n)++].head, target);
	return 0;
}

static int collect_spaces(sanshe_store *store, space_head **spaces, size_t *n)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t cap = 0;
	int err = 0, gerr;

	if ((gerr = git_reference_iterator_new(&it, store->repo)) == 0) {
		while (!err && (gerr = git_reference_next(&ref, it)) == 0) {
			err = add_space(spaces, n, &cap, ref);
			git_reference_free(ref);
		}
	}
	if (!err && gerr != GIT_ITEROVER)
		err = sanshe_store__git_error(
		    gerr, SANSHE_EIO, _("cannot list the spaces of '%s'"),
		    store->path);
	git_reference_iterator_free(it);
	return err;
}

int sanshe_store_spaces(sanshe_store *store, sanshe_store_space_cb cb,
			void *payload)
{
	space_head *spaces = NULL;
	size_t n = 0;
	int err = collect_spaces(store, &spaces, &n);

	if (!err && n)
		qsort(spaces, n, sizeof(*spaces), space_head_cmp);
	for (size_t i = 0; !err && i < n; i++)
		err = cb(spaces[i].space, &spaces[i].head, payload);
	for (size_t i = 0; i < n; i++)
		free(spaces[i].space);
	free(spaces);
	return err;
}

int sanshe_store_head(sanshe_store *store, const char *space, git_oid *out)
{
	sanshe_buf ref = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_store__ref_name(&ref, space)) != 0)
		return err;
	err = git_reference_name_to_id(out, store->repo, ref.ptr);
	if (err == GIT_ENOTFOUND)
		err =
		    sanshe_error_set(SANSHE_ENOTFOUND,
				     _("space '%s' does not exist yet"), space);
	else if (err < 0)
		err = sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot read the head of space '%s'"),
		    space);
	sanshe_buf_dispose(&ref);
	return err;
}

int sanshe_store__head_commit(git_commit **out, sanshe_store *store,
			      const char *space)
{
	git_oid head;
	int err = sanshe_store_head(store, space, &head);

	*out = NULL;
	if (err == SANSHE_ENOTFOUND)
		sanshe_error_clear();
	if (err)
		return err;
	if ((err = git_commit_lookup(out, store->repo, &head)) < 0)
		return sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot read the head of space '%s'"),
		    space);
	return 0;
}

int sanshe_store__blob_entry(git_tree_entry **out, const git_tree *tree,
			     const char *path)
{
	int err = git_tree_entry_bypath(out, tree, path);

	if (err == GIT_ENOTFOUND)
		return SANSHE_ENOTFOUND;
	if (err < 0)
		return sanshe_store__git_error(err, SANSHE_EIO,
					       _("cannot read '%s'"), path);
	if (git_tree_entry_type(*out) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(*out);
		*out = NULL;
		return SANSHE_ENOTFOUND;
	}
	return 0;
}

/* ---- reading ---- */

/* The commit that `rev` names (the head of `space` when NULL). */
static int resolve(git_commit **out, sanshe_store *store, const char *space,
		   const char *rev)
{
	git_object *obj = NULL;
	int err;

	if (!rev)
		return sanshe_store__head_commit(out, store, space);
	if ((err = git_revparse_single(&obj, store->repo, rev)) < 0)
		return sanshe_store__git_error(err, SANSHE_ENOTFOUND,
					       _("no revision '%s'"), rev);
	err = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (err < 0)
		return sanshe_store__git_error(err, SANSHE_EINVALID,
					       _("'%s' does not name a commit"),
					       rev);
	return 0;
}

static int doc_not_found(const char *space, const char *rev, const char *type,
			 const char *id)
{
	if (rev)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("no %s/%s in space '%s' at '%s'"),
					type, id, space, rev);
	return sanshe_error_set(SANSHE_ENOTFOUND, _("no %s/%s in space '%s'"),
				type, id, space);
}

int sanshe_store_read_blob(sanshe_store *store, const git_oid *id, sanshe_buf *out)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_blob *blob = NULL;
	int err = git_blob_lookup(&blob, store->repo, id);

	if (err < 0)
		return sanshe_store__git_error(err, SANSHE_EIO, _("cannot read blob %s"),
					       git_oid_tostr(hex, sizeof(hex), id));
	err = sanshe_buf_put(out, git_blob_rawcontent(blob),
			     (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return err;
}

static int read_blob(sanshe_store *store, const git_tree_entry *entry,
		     const char *path, sanshe_buf *out)
{
	int err = sanshe_store_read_blob(store, git_tree_entry_id(entry), out);

	if (err == SANSHE_EIO)
		sanshe_error_prefix(_("cannot read '%s'"), path);
	return err;
}

int sanshe_store_read(sanshe_store *store, const char *space, const char *rev,
		      const char *type, const char *id, sanshe_buf *out)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int err;

	if ((err = sanshe_store__check_space(space)) != 0 ||
	    (err = sanshe_store_doc_path(&path, type, id)) != 0)
		goto done;
	err = resolve(&commit, store, space, rev);
	if (err == SANSHE_ENOTFOUND && !rev)
		err = doc_not_found(space, rev, type, id);
	if (err)
		goto done;
	if ((err = git_commit_tree(&tree, commit)) < 0) {
		err = sanshe_store__git_error(
		    err, SANSHE_EIO, _("cannot read space '%s'"), space);
		goto done;
	}
	err = sanshe_store__blob_entry(&entry, tree, path.ptr);
	if (err == SANSHE_ENOTFOUND)
		err = doc_not_found(space, rev, type, id);
	if (!err)
		err = read_blob(store, entry, path.ptr, out);
done:
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	sanshe_buf_dispose(&path);
	return err;
}

int sanshe_git_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return sanshe_error_set(code, "%s: %s", what, e ? e->message : _("unknown error"));
}

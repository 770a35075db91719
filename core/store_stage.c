/*
 * The staging area of a change: the blobs of the documents it writes,
 * kept in memory (a libgit2 mempack) until the change is committed, then
 * written to the repository at once.
 *
 * Written one by one, as loose objects, 100,000 blobs cost a file each
 * (create, write, rename) and then a file read each when the tree is
 * checked: about 10,000 documents a second.  Written as one pack they cost
 * a deflate and an index entry each.  Few blobs are still written loose,
 * since every pack is one more file each lookup may have to search.
 *
 * The stage has its own object database, holding only the mempack, and a
 * repository wrapped around it for the packbuilder.  The repository's
 * database never holds the mempack, so nothing else written through it can
 * be kept in memory by mistake.  Blobs the repository has already are not
 * staged again.
 *
 * Two costs of libgit2 1.5 are avoided on purpose: a lookup that misses
 * rescans the pack directory (unless told not to), and the indexer maps
 * and unmaps the pack file for every piece it is given (so the pack is
 * built in memory and given to it in one piece).
 */
#include "common.h"

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* From this many blobs on, a flush writes a pack rather than loose objects. */
#define STAGE_PACK_MIN 64
/* By default, a flush happens when the staged blobs reach this many bytes. */
#define STAGE_BYTES_MAX ((size_t)64 << 20)

struct sanshe_stage {
	sanshe_store *store;
	git_odb *target;	  /* the repository's object database */
	git_odb *odb;		  /* holds only the mempack */
	git_odb_backend *mempack; /* owned by odb */
	git_repository *repo;	  /* wraps odb */
	git_oid *staged;	  /* the blobs in the mempack, in order */
	size_t n, cap;
	size_t bytes; /* staged since the last flush */
	size_t limit; /* flush when `bytes` reaches it */
};

static int stage_error(int err, sanshe_store *store)
{
	return sanshe_store__git_error(
	    err, SANSHE_EIO, _("repository '%s': cannot write objects"),
	    store->path);
}

int sanshe_store__stage_new(sanshe_stage **out, sanshe_store *store)
{
	sanshe_stage *stage = calloc(1, sizeof(*stage));
	int err;

	*out = NULL;
	if (!stage)
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	stage->store = store;
	stage->limit = STAGE_BYTES_MAX;
	if ((err = git_repository_odb(&stage->target, store->repo)) < 0 ||
	    (err = git_odb_new(&stage->odb)) < 0 ||
	    (err = git_mempack_new(&stage->mempack)) < 0)
		goto fail;
	if ((err = git_odb_add_backend(stage->odb, stage->mempack, 1)) < 0) {
		stage->mempack->free(stage->mempack);
		stage->mempack = NULL;
		goto fail;
	}
	if ((err = git_repository_wrap_odb(&stage->repo, stage->odb)) < 0)
		goto fail;
	*out = stage;
	return 0;
fail:
	err = stage_error(err, store);
	sanshe_store__stage_free(stage);
	return err;
}

void sanshe_store__stage_free(sanshe_stage *stage)
{
	if (!stage)
		return;
	git_repository_free(stage->repo);
	git_odb_free(stage->odb); /* frees the mempack */
	git_odb_free(stage->target);
	free(stage->staged);
	free(stage);
}

void sanshe_store__stage_limit(sanshe_stage *stage, size_t bytes)
{
	stage->limit = bytes;
}

static int remember(sanshe_stage *stage, const git_oid *id)
{
	if (stage->n == stage->cap) {
		size_t grown = stage->cap ? stage->cap * 2 : 256;
		git_oid *bigger =
		    realloc(stage->staged, grown * sizeof(*bigger));

		if (!bigger)
			return sanshe_error_set(SANSHE_ENOMEM, "%s",
						_("out of memory"));
		stage->staged = bigger;
		stage->cap = grown;
	}
	git_oid_cpy(&stage->staged[stage->n++], id);
	return 0;
}

/* Is `id` staged already or in the repository? */
static int known(sanshe_stage *stage, const git_oid *id)
{
	return git_odb_exists_ext(stage->odb, id, GIT_ODB_LOOKUP_NO_REFRESH) ||
	       git_odb_exists_ext(stage->target, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

int sanshe_store__stage_blob(sanshe_stage *stage, git_oid *out,
			     const char *text, size_t len)
{
	int err;

	if ((err = git_odb_hash(out, text, len, GIT_OBJECT_BLOB)) < 0)
		return stage_error(err, stage->store);
	if (known(stage, out))
		return 0;
	if ((err = git_odb_write(out, stage->odb, text, len, GIT_OBJECT_BLOB)) <
	    0)
		return stage_error(err, stage->store);
	if ((err = remember(stage, out)) != 0)
		return err;
	stage->bytes += len;
	if (stage->bytes >= stage->limit)
		return sanshe_store__stage_flush(stage);
	return 0;
}

/* Copy the staged blobs to the repository one by one. */
static int write_loose(sanshe_stage *stage)
{
	git_odb_object *obj = NULL;
	git_oid id;
	int err = 0;

	for (size_t i = 0; !err && i < stage->n; i++) {
		if ((err = git_odb_read(&obj, stage->odb, &stage->staged[i])) ==
		    0)
			err = git_odb_write(
			    &id, stage->target, git_odb_object_data(obj),
			    git_odb_object_size(obj), git_odb_object_type(obj));
		git_odb_object_free(obj);
		obj = NULL;
	}
	return err < 0 ? stage_error(err, stage->store) : 0;
}

/*
 * The staged blobs as the bytes of one pack.  Most of an import's time is
 * the delta search between similar documents: it runs on every core.
 */
static int build_pack(sanshe_stage *stage, git_buf *pack)
{
	git_packbuilder *pb = NULL;
	int err = git_packbuilder_new(&pb, stage->repo);

	if (!err)
		git_packbuilder_set_threads(pb, 0); /* 0: as many as there are cores */
	for (size_t i = 0; !err && i < stage->n; i++)
		err = git_packbuilder_insert(pb, &stage->staged[i], NULL);
	if (!err)
		err = git_packbuilder_write_buf(pack, pb);
	git_packbuilder_free(pb);
	return err;
}

/* Write the staged blobs as one pack (with its index) into the repository. */
static int write_pack(sanshe_stage *stage)
{
	git_buf pack = GIT_BUF_INIT;
	git_odb_writepack *writer = NULL;
	git_indexer_progress progress = {0};
	int err;

	if ((err = build_pack(stage, &pack)) == 0 &&
	    (err = git_odb_write_pack(&writer, stage->target, NULL, NULL)) ==
		0 &&
	    (err = writer->append(writer, pack.ptr, pack.size, &progress)) ==
		0 &&
	    (err = writer->commit(writer, &progress)) == 0)
		err = git_odb_refresh(stage->target);
	if (writer)
		writer->free(writer);
	git_buf_dispose(&pack);
	return err < 0 ? stage_error(err, stage->store) : 0;
}

int sanshe_store__stage_flush(sanshe_stage *stage)
{
	int err;

	if (!stage->n)
		return 0;
	err =
	    stage->n < STAGE_PACK_MIN ? write_loose(stage) : write_pack(stage);
	if (err)
		return err;
	if ((err = git_mempack_reset(stage->mempack)) < 0)
		return stage_error(err, stage->store);
	stage->n = 0;
	stage->bytes = 0;
	return 0;
}

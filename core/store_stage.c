/*
 * The staging area of a change: the blobs of the documents it writes,
 * kept in memory until the change is committed, then written to the
 * repository at once.
 *
 * Written one by one, as loose objects, 100,000 blobs cost a file each
 * (create, write, rename) and then a file read each when the tree is
 * checked.  Written as one pack they cost a deflate and an index entry
 * each.  Few blobs are still written loose, since every pack is one more
 * file each lookup may have to search.
 *
 * The pack holds whole objects (pack.c): libgit2's packbuilder would spend
 * most of an import searching deltas between similar documents.  Blobs are
 * staged in chunks of CHUNK_BLOBS; each full chunk goes to a thread of its
 * own that deflates it into pack entries while the caller goes on
 * preparing documents (on one core, the caller deflates it at once).  The
 * flush deflates the last chunk, waits for the thread, joins the entries
 * in order and writes the pack's index from what the deflating noted of
 * each entry.  Blobs the repository or the stage has already are not
 * staged again.
 *
 * A cost of libgit2 1.5 is avoided on purpose: a lookup that misses
 * rescans the pack directory, unless told not to.
 */
#include "common.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pack.h"
#include "store_int.h"

/* From this many blobs on, a flush writes a pack rather than loose objects. */
#define STAGE_PACK_MIN 64
/* By default, a flush happens when the staged blobs reach this many bytes. */
#define STAGE_BYTES_MAX ((size_t)64 << 20)
/* Blobs in a chunk; more than STAGE_PACK_MIN, so loose blobs are never sealed. */
#define CHUNK_BLOBS 256

/* A run of staged blobs: their bytes, then (once sealed) their pack entries. */
typedef struct chunk {
	struct chunk *next;  /* in staging order */
	struct chunk *queue; /* the next chunk waiting for the thread */
	sanshe_buf raw;	     /* the blobs' bytes, one after another */
	size_t lens[CHUNK_BLOBS];
	size_t n;
	sanshe_buf out;		    /* the pack entries of the blobs */
	size_t offs[CHUNK_BLOBS];   /* of each entry in `out` */
	uint32_t crcs[CHUNK_BLOBS]; /* of each entry */
	int err;
} chunk;

struct sanshe_stage {
	sanshe_store *store;
	git_odb *target; /* the repository's object database */
	git_oid *ids;	 /* every blob staged, in order */
	size_t n, cap;
	size_t *slots;	     /* index in ids + 1, or 0: an open-addressing set */
	size_t nslots;	     /* 0, or a power of 2 at least twice n */
	chunk *first, *last; /* last is the one being filled */
	size_t bytes;	     /* staged since the last flush */
	bool broken;	     /* a flush failed: the stage takes nothing more */
	size_t limit;	     /* flush when `bytes` reaches it */

	/* The deflating thread and its queue of sealed chunks. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, closing;
	chunk *queue, *queue_last;
};

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

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
		return out_of_memory();
	stage->store = store;
	stage->limit = STAGE_BYTES_MAX;
	pthread_mutex_init(&stage->lock, NULL);
	pthread_cond_init(&stage->wake, NULL);
	if ((err = git_repository_odb(&stage->target, store->repo)) < 0) {
		err = stage_error(err, store);
		sanshe_store__stage_free(stage);
		return err;
	}
	*out = stage;
	return 0;
}

static void deflate_chunk(chunk *c)
{
	size_t off = 0;

	for (size_t i = 0; !c->err && i < c->n; off += c->lens[i++]) {
		c->offs[i] = c->out.size;
		c->err = sanshe_pack_entry(&c->out, GIT_OBJECT_BLOB,
					   c->raw.ptr + off, c->lens[i],
					   Z_DEFAULT_COMPRESSION, &c->crcs[i]);
	}
	sanshe_buf_dispose(&c->raw);
}

/* The thread: deflates sealed chunks in turn until told to close. */
static void *deflater(void *arg)
{
	sanshe_stage *stage = arg;
	chunk *c;

	pthread_mutex_lock(&stage->lock);
	for (;;) {
		while (!stage->queue && !stage->closing)
			pthread_cond_wait(&stage->wake, &stage->lock);
		if (!(c = stage->queue))
			break;
		if (!(stage->queue = c->queue))
			stage->queue_last = NULL;
		pthread_mutex_unlock(&stage->lock);
		deflate_chunk(c);
		pthread_mutex_lock(&stage->lock);
	}
	pthread_mutex_unlock(&stage->lock);
	return NULL;
}

/* Hand the full chunk `c` to the thread, starting it if need be. */
static void seal(sanshe_stage *stage, chunk *c)
{
	if (!stage->running) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
		    pthread_create(&stage->thread, NULL, deflater, stage) != 0) {
			deflate_chunk(c); /* no second core: here and now */
			return;
		}
		stage->running = true;
	}
	pthread_mutex_lock(&stage->lock);
	if (stage->queue_last)
		stage->queue_last->queue = c;
	else
		stage->queue = c;
	stage->queue_last = c;
	pthread_cond_signal(&stage->wake);
	pthread_mutex_unlock(&stage->lock);
}

/* Wait until the thread has deflated every chunk handed to it, and stop it. */
static void stop_thread(sanshe_stage *stage)
{
	if (!stage->running)
		return;
	pthread_mutex_lock(&stage->lock);
	stage->closing = true;
	pthread_cond_signal(&stage->wake);
	pthread_mutex_unlock(&stage->lock);
	pthread_join(stage->thread, NULL);
	stage->running = stage->closing = false;
}

/* Stop the thread, forget the chunks and the set of staged ids. */
static void reset(sanshe_stage *stage)
{
	stop_thread(stage);
	while (stage->first) {
		chunk *c = stage->first;

		stage->first = c->next;
		sanshe_buf_dispose(&c->raw);
		sanshe_buf_dispose(&c->out);
		free(c);
	}
	stage->last = NULL;
	stage->n = 0;
	stage->bytes = 0;
	if (stage->nslots)
		memset(stage->slots, 0, stage->nslots * sizeof(*stage->slots));
}

void sanshe_store__stage_free(sanshe_stage *stage)
{
	if (!stage)
		return;
	reset(stage);
	git_odb_free(stage->target);
	free(stage->ids);
	free(stage->slots);
	pthread_cond_destroy(&stage->wake);
	pthread_mutex_destroy(&stage->lock);
	free(stage);
}

void sanshe_store__stage_limit(sanshe_stage *stage, size_t bytes)
{
	stage->limit = bytes;
}

/* The slot of `id` in the set: the one holding it, or the free one it would take. */
static size_t *slot_of(const sanshe_stage *stage, const git_oid *id)
{
	size_t mask = stage->nslots - 1, i;

	memcpy(&i, id->id, sizeof(i)); /* an object id is evenly spread */
	for (i &= mask;; i = (i + 1) & mask) {
		size_t *slot = &stage->slots[i];

		if (!*slot || git_oid_equal(&stage->ids[*slot - 1], id))
			return slot;
	}
}

static int grow_set(sanshe_stage *stage)
{
	size_t nslots = stage->nslots ? stage->nslots * 2 : 1024;
	size_t *old = stage->slots;

	if (!(stage->slots = calloc(nslots, sizeof(*stage->slots)))) {
		stage->slots = old;
		return out_of_memory();
	}
	free(old);
	stage->nslots = nslots;
	for (size_t i = 0; i < stage->n; i++)
		*slot_of(stage, &stage->ids[i]) = i + 1;
	return 0;
}

/* Room for one more blob: in the ids, the set and a chunk not full. */
static int make_room(sanshe_stage *stage)
{
	chunk *c;
	int err;

	if (stage->n == stage->cap) {
		size_t grown = stage->cap ? stage->cap * 2 : 256;
		git_oid *bigger = realloc(stage->ids, grown * sizeof(*bigger));

		if (!bigger)
			return out_of_memory();
		stage->ids = bigger;
		stage->cap = grown;
	}
	if (2 * (stage->n + 1) > stage->nslots && (err = grow_set(stage)) != 0)
		return err;
	if (stage->last && stage->last->n < CHUNK_BLOBS)
		return 0;
	if (!(c = calloc(1, sizeof(*c))))
		return out_of_memory();
	if (stage->last) {
		stage->last->next = c;
		seal(stage, stage->last);
	} else {
		stage->first = c;
	}
	stage->last = c;
	return 0;
}

static int add_blob(sanshe_stage *stage, const git_oid *id, const char *text,
		    size_t len)
{
	chunk *c;
	int err;

	if ((err = make_room(stage)) != 0)
		return err;
	c = stage->last;
	if ((err = sanshe_buf_put(&c->raw, text, len)) != 0)
		return err;
	c->lens[c->n++] = len;
	git_oid_cpy(&stage->ids[stage->n++], id);
	*slot_of(stage, id) = stage->n;
	stage->bytes += len;
	return 0;
}

/* Is `id` staged already or in the repository? */
static int known(const sanshe_stage *stage, const git_oid *id)
{
	return (stage->nslots && *slot_of(stage, id)) ||
	       git_odb_exists_ext(stage->target, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

/*
 * After a failed flush the staged blobs are gone (the chunks' bytes were
 * freed as they were deflated): nothing staged since can make a whole
 * change, so the stage refuses everything until it is freed.
 */
static int refuse_broken(const sanshe_stage *stage)
{
	return sanshe_error_set(SANSHE_EIO,
				_("repository '%s': an earlier write of this change failed; "
				  "nothing of it was committed"),
				stage->store->path);
}

int sanshe_store__stage_blob(sanshe_stage *stage, git_oid *out,
			     const char *text, size_t len)
{
	int err;

	if (stage->broken)
		return refuse_broken(stage);
	if ((err = git_odb_hash(out, text, len, GIT_OBJECT_BLOB)) < 0)
		return stage_error(err, stage->store);
	if (known(stage, out))
		return 0;
	if ((err = add_blob(stage, out, text, len)) != 0)
		return err;
	if (stage->bytes >= stage->limit)
		return sanshe_store__stage_flush(stage);
	return 0;
}

/* Write the staged blobs (fewer than a chunk: all in the first) one by one. */
static int write_loose(sanshe_stage *stage)
{
	const chunk *c = stage->first;
	size_t off = 0;
	git_oid id;
	int err = 0;

	for (size_t i = 0; !err && i < c->n; off += c->lens[i++])
		err = git_odb_write(&id, stage->target, c->raw.ptr + off,
				    c->lens[i], GIT_OBJECT_BLOB);
	return err < 0 ? stage_error(err, stage->store) : 0;
}

/*
 * The staged blobs as one pack, and where each object is in it: the last
 * chunk deflated here, the others by the thread.  An error in the thread
 * is told again here, since messages belong to the thread that sets them.
 */
static int build_pack(sanshe_stage *stage, sanshe_buf *pack,
		      sanshe_pack_object *objs)
{
	static const char zeros[SANSHE_PACK_HEADER];
	size_t k = 0;
	int err;

	deflate_chunk(stage->last);
	stop_thread(stage);
	if ((err = sanshe_buf_put(pack, zeros, sizeof(zeros))) != 0)
		return err; /* room for the header, filled in last */
	for (const chunk *c = stage->first; c; c = c->next) {
		if (c->err == SANSHE_ENOMEM)
			return out_of_memory();
		if (c->err)
			return sanshe_error_set(c->err, "%s",
						_("cannot compress the documents"));
		for (size_t i = 0; i < c->n; i++, k++) {
			git_oid_cpy(&objs[k].id, &stage->ids[k]);
			objs[k].offset = pack->size + c->offs[i];
			objs[k].crc = c->crcs[i];
		}
		if ((err = sanshe_buf_put(pack, c->out.ptr, c->out.size)) != 0)
			return err;
	}
	return sanshe_pack_finish(pack, stage->n);
}

/*
 * Write the staged blobs as one pack, with its index, into the repository,
 * and tell the object database to look for it.
 */
static int write_pack(sanshe_stage *stage)
{
	sanshe_buf pack = SANSHE_BUF_INIT, idx = SANSHE_BUF_INIT;
	git_buf dir = GIT_BUF_INIT;
	sanshe_pack_object *objs = calloc(stage->n, sizeof(*objs));
	int err;

	if (!objs)
		return out_of_memory();
	if ((err = build_pack(stage, &pack, objs)) != 0 ||
	    (err = sanshe_pack_index(&idx, &pack, objs, stage->n)) != 0)
		goto done;
	if ((err = git_repository_item_path(&dir, stage->store->repo,
					    GIT_REPOSITORY_ITEM_OBJECTS)) < 0) {
		err = stage_error(err, stage->store);
		goto done;
	}
	if ((err = sanshe_pack_install(dir.ptr, &pack, &idx)) == 0 &&
	    (err = git_odb_refresh(stage->target)) < 0)
		err = stage_error(err, stage->store);
done:
	free(objs);
	sanshe_buf_dispose(&pack);
	sanshe_buf_dispose(&idx);
	git_buf_dispose(&dir);
	return err;
}

int sanshe_store__stage_flush(sanshe_stage *stage)
{
	int err;

	if (stage->broken)
		return refuse_broken(stage);
	if (!stage->n)
		return 0;
	err = stage->n < STAGE_PACK_MIN ? write_loose(stage) : write_pack(stage);
	stage->broken = err != 0;
	reset(stage);
	return err;
}

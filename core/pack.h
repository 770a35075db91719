/*
 * Writing a git pack (version 2) of whole objects, without deltas.
 *
 * libgit2's packbuilder always searches for deltas between the objects it
 * packs; for an import of many similar documents that search is most of
 * the time.  A repository stays a valid git repository without deltas, and
 * `git gc` can find them later.  The pack is built in memory and handed to
 * libgit2's indexer, which checks every object and writes the index.
 *
 * Each object's entry is deflated on its own, so the entries of one pack
 * can be made on several threads and joined in order.  The index (version
 * 2) is written here too: every object's id, offset and CRC-32 are known
 * when its entry is made, so nothing needs to be read back.
 */
#ifndef SANSHE_PACK_H
#define SANSHE_PACK_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/** Bytes of the pack header: "PACK", version, object count. */
#define SANSHE_PACK_HEADER 12

/** An object of a pack, as its index tells it. */
typedef struct sanshe_pack_object {
	git_oid id;
	uint64_t offset; /* of its entry, from the start of the pack */
	uint32_t crc;	 /* CRC-32 of its entry */
} sanshe_pack_object;

/**
 * Append one pack entry to `out`: the type-and-size header, then `data`
 * deflated at zlib `level` (0-9); `*crc` gets the entry's CRC-32.  0,
 * SANSHE_EINVALID for a type a pack cannot hold, SANSHE_ENOMEM, or
 * SANSHE_ERROR if zlib fails.
 */
int sanshe_pack_entry(sanshe_buf *out, git_object_t type, const void *data,
		      size_t len, int level, uint32_t *crc);

/**
 * Make `pack` a whole pack of `count` entries: `pack` holds
 * SANSHE_PACK_HEADER bytes of room (any content), then the entries.  Fills
 * the header in and appends the SHA-1 trailer.  0, SANSHE_EINVALID if the
 * pack is too short or the count too large, or SANSHE_ENOMEM.
 */
int sanshe_pack_finish(sanshe_buf *pack, size_t count);

/**
 * The index of the finished `pack` holding the `n` objects `objs` (sorted
 * here by id; no id twice) into `idx`.  0, SANSHE_EINVALID (a pack too
 * short, an id twice), or SANSHE_ENOMEM.
 */
int sanshe_pack_index(sanshe_buf *idx, const sanshe_buf *pack,
		      sanshe_pack_object *objs, size_t n);

/**
 * Put the finished `pack` and its index `idx` into the repository whose
 * object directory is `objects` (ending in '/'), as objects/pack/pack-<checksum>.pack and
 * .idx (the pack first, each written atomically and durably, read-only).
 * 0 or SANSHE_EIO.
 */
int sanshe_pack_install(const char *objects, const sanshe_buf *pack,
			const sanshe_buf *idx);

#endif

/*
 * A git pack of whole objects (see pack.h and git's
 * Documentation/gitformat-pack.txt): a 12-byte header, then per object a
 * variable-length type-and-size header and the zlib stream of its
 * content, then the SHA-1 of everything before it.
 */
#include "common.h"

#include <nettle/sha1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fs.h"
#include "pack.h"

/* Offsets from this one on go to the index's table of 64-bit offsets. */
#define IDX_LARGE_OFFSET 0x80000000u

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* The entry header: 3 bits of type, then the size 4 bits and 7 bits at a time. */
static size_t entry_header(unsigned char *out, git_object_t type, size_t len)
{
	size_t n = 0;
	unsigned char c = (unsigned char)(((unsigned)type << 4) | (len & 0x0f));

	len >>= 4;
	while (len) {
		out[n++] = c | 0x80;
		c = len & 0x7f;
		len >>= 7;
	}
	out[n++] = c;
	return n;
}

int sanshe_pack_entry(sanshe_buf *out, git_object_t type, const void *data,
		      size_t len, int level, uint32_t *crc)
{
	unsigned char header[16];
	size_t hlen;
	uLongf zlen;
	int err;

	if (type != GIT_OBJECT_COMMIT && type != GIT_OBJECT_TREE &&
	    type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TAG)
		return sanshe_error_set(SANSHE_EINVALID,
					_("a pack cannot hold an object of type %d"),
					(int)type);
	if (len > (size_t)(uLong)-1 / 2)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("an object too large for a pack"));
	hlen = entry_header(header, type, len);
	zlen = compressBound((uLong)len);
	if ((err = sanshe_buf_grow(out, hlen + zlen)) != 0)
		return err;
	memcpy(out->ptr + out->size, header, hlen);
	err = compress2((Bytef *)out->ptr + out->size + hlen, &zlen,
			(const Bytef *)data, (uLong)len, level);
	if (err == Z_MEM_ERROR)
		return out_of_memory();
	if (err != Z_OK)
		return sanshe_error_set(SANSHE_ERROR,
					_("cannot compress an object (zlib %d)"), err);
	*crc = (uint32_t)crc32_z(0, (const Bytef *)out->ptr + out->size,
				 hlen + zlen);
	out->size += hlen + zlen;
	out->ptr[out->size] = '\0';
	return 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

int sanshe_pack_finish(sanshe_buf *pack, size_t count)
{
	unsigned char *p = (unsigned char *)pack->ptr;
	unsigned char digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx sha;

	if (pack->size < SANSHE_PACK_HEADER || count > UINT32_MAX)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("not a pack of objects to finish"));
	memcpy(p, "PACK", 4);
	put_be32(p + 4, 2);
	put_be32(p + 8, (uint32_t)count);
	sha1_init(&sha);
	sha1_update(&sha, pack->size, p);
	sha1_digest(&sha, sizeof(digest), digest);
	return sanshe_buf_put(pack, digest, sizeof(digest));
}

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(&((const sanshe_pack_object *)a)->id,
			   &((const sanshe_pack_object *)b)->id);
}

static int put32(sanshe_buf *b, uint32_t v)
{
	unsigned char p[4];

	put_be32(p, v);
	return sanshe_buf_put(b, p, 4);
}

/*
 * Version 2: magic and version, 256 cumulative counts by first byte of id,
 * the ids, their CRC-32s, their offsets (31 bits, or an index into the
 * 64-bit offsets that follow), the pack's checksum and the index's own.
 */
int sanshe_pack_index(sanshe_buf *idx, const sanshe_buf *pack,
		      sanshe_pack_object *objs, size_t n)
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	unsigned char digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx sha;
	size_t fan = 0, large = 0;
	int err;

	if (pack->size < SANSHE_PACK_HEADER + SHA1_DIGEST_SIZE || n > UINT32_MAX)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("not a pack of objects to index"));
	qsort(objs, n, sizeof(*objs), by_id);
	for (size_t i = 1; i < n; i++)
		if (git_oid_equal(&objs[i - 1].id, &objs[i].id))
			return sanshe_error_set(SANSHE_EINVALID, "%s",
						_("an object twice in one pack"));
	err = sanshe_buf_put(idx, magic, sizeof(magic));
	for (unsigned first = 0; !err && first < 256; first++) {
		while (fan < n && objs[fan].id.id[0] == first)
			fan++;
		err = put32(idx, (uint32_t)fan);
	}
	for (size_t i = 0; !err && i < n; i++)
		err = sanshe_buf_put(idx, objs[i].id.id, GIT_OID_RAWSZ);
	for (size_t i = 0; !err && i < n; i++)
		err = put32(idx, objs[i].crc);
	for (size_t i = 0; !err && i < n; i++)
		err = objs[i].offset < IDX_LARGE_OFFSET
			  ? put32(idx, (uint32_t)objs[i].offset)
			  : put32(idx, IDX_LARGE_OFFSET | (uint32_t)large++);
	for (size_t i = 0; !err && i < n; i++)
		if (objs[i].offset >= IDX_LARGE_OFFSET &&
		    (err = put32(idx, (uint32_t)(objs[i].offset >> 32))) == 0)
			err = put32(idx, (uint32_t)objs[i].offset);
	if (!err)
		err = sanshe_buf_put(idx, pack->ptr + pack->size - SHA1_DIGEST_SIZE,
				     SHA1_DIGEST_SIZE);
	if (err)
		return err;
	sha1_init(&sha);
	sha1_update(&sha, idx->size, (const uint8_t *)idx->ptr);
	sha1_digest(&sha, sizeof(digest), digest);
	return sanshe_buf_put(idx, digest, sizeof(digest));
}

static int install(const char *objects, const char *hex, const char *ext,
		   const sanshe_buf *b)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	int err = sanshe_buf_printf(&path, "%spack/pack-%s.%s", objects, hex, ext);

	if (!err)
		err = sanshe_fs_write(path.ptr, b->ptr, b->size, 0444,
				      SANSHE_FS_NOREPLACE);
	sanshe_buf_dispose(&path);
	return err == SANSHE_EEXISTS ? 0 : err; /* the same bytes: its name is its hash */
}

int sanshe_pack_install(const char *objects, const sanshe_buf *pack,
			const sanshe_buf *idx)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid sum;
	int err;

	if (pack->size < SANSHE_PACK_HEADER + GIT_OID_RAWSZ)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("not a pack of objects to install"));
	git_oid_fromraw(&sum, (const unsigned char *)pack->ptr + pack->size -
				  GIT_OID_RAWSZ);
	git_oid_tostr(hex, sizeof(hex), &sum);
	if ((err = install(objects, hex, "pack", pack)) == 0)
		err = install(objects, hex, "idx", idx);
	return err;
}

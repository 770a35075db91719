/*
 * Packs of whole objects: entries, the trailer, the index, installing them
 * into a repository; read back by libgit2 and checked by `git verify-pack`.
 */
#include "common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "pack.h"
#include "scratch.h"

typedef struct fixture {
	char *dir;
	git_repository *repo;
	git_buf objects;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_true(git_libgit2_init() > 0);
	f->dir = scratch_dir_make();
	assert_int_equal(git_repository_init(&f->repo, scratch_path(f->dir, "repo"), 1), 0);
	assert_int_equal(git_repository_item_path(&f->objects, f->repo,
						  GIT_REPOSITORY_ITEM_OBJECTS),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	git_buf_dispose(&f->objects);
	git_repository_free(f->repo);
	scratch_dir_remove(f->dir);
	git_libgit2_shutdown();
	free(f);
	return 0;
}

/* Blob contents of several sizes: empty, one header byte, two, three, and 1 MiB. */
static const size_t sizes[] = { 0, 1, 15, 16, 2047, 2048, 300000, 1 << 20 };
#define NBLOBS SANSHE_ARRAY_SIZE(sizes)

static char *blob_bytes(size_t i)
{
	char *p = malloc(sizes[i] + 1);

	assert_non_null(p);
	for (size_t k = 0; k < sizes[i]; k++) /* compressible, and different per blob */
		p[k] = (char)('a' + (k * (i + 3) / 7) % 26);
	return p;
}

/* A finished pack of the blobs, with its index. */
static void make_pack(sanshe_buf *pack, sanshe_buf *idx, git_oid *ids)
{
	static const char room[SANSHE_PACK_HEADER];
	sanshe_pack_object objs[NBLOBS];

	assert_int_equal(sanshe_buf_put(pack, room, sizeof(room)), 0);
	for (size_t i = 0; i < NBLOBS; i++) {
		char *p = blob_bytes(i);

		assert_int_equal(git_odb_hash(&ids[i], p, sizes[i], GIT_OBJECT_BLOB), 0);
		git_oid_cpy(&objs[i].id, &ids[i]);
		objs[i].offset = pack->size;
		assert_int_equal(sanshe_pack_entry(pack, GIT_OBJECT_BLOB, p, sizes[i],
						   i % 10, &objs[i].crc),
				 0);
		free(p);
	}
	assert_int_equal(sanshe_pack_finish(pack, NBLOBS), 0);
	assert_int_equal(sanshe_pack_index(idx, pack, objs, NBLOBS), 0);
}

static void installed_pack_reads_back(void **state)
{
	fixture *f = *state;
	sanshe_buf pack = SANSHE_BUF_INIT, idx = SANSHE_BUF_INIT;
	git_oid ids[NBLOBS];
	git_odb *odb = NULL;
	char cmd[4200];

	make_pack(&pack, &idx, ids);
	assert_int_equal(sanshe_pack_install(f->objects.ptr, &pack, &idx), 0);
	/* Installing the same pack again is no change. */
	assert_int_equal(sanshe_pack_install(f->objects.ptr, &pack, &idx), 0);
	assert_int_equal(git_repository_odb(&odb, f->repo), 0);
	assert_int_equal(git_odb_refresh(odb), 0);
	for (size_t i = 0; i < NBLOBS; i++) {
		git_odb_object *obj = NULL;
		char *want = blob_bytes(i);

		assert_int_equal(git_odb_read(&obj, odb, &ids[i]), 0);
		assert_int_equal(git_odb_object_type(obj), GIT_OBJECT_BLOB);
		assert_int_equal(git_odb_object_size(obj), sizes[i]);
		if (sizes[i])
			assert_memory_equal(git_odb_object_data(obj), want, sizes[i]);
		git_odb_object_free(obj);
		free(want);
	}
	git_odb_free(odb);
	/* Stock git checks every entry, CRC, offset and both checksums. */
	snprintf(cmd, sizeof(cmd), "git verify-pack %spack/*.idx", f->objects.ptr);
	assert_int_equal(system(cmd), 0);
	sanshe_buf_dispose(&pack);
	sanshe_buf_dispose(&idx);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The index by hand: fan-out, sorted ids, CRCs, offsets, the 64-bit table. */
static void index_layout(void **state)
{
	sanshe_buf pack = SANSHE_BUF_INIT, idx = SANSHE_BUF_INIT;
	sanshe_pack_object objs[3];
	const unsigned char *p, *crcs, *offs;
	(void)state;

	assert_int_equal(sanshe_buf_put(&pack, "0123456789abcdefghijklmnopqrstuvwxyz", 36), 0);
	memset(objs, 0, sizeof(objs));
	objs[0].id.id[0] = 0xc0; /* given out of order */
	objs[0].offset = 12;
	objs[0].crc = 0x11111111;
	objs[1].id.id[0] = 0x05;
	objs[1].offset = (uint64_t)5 << 32 | 7; /* past 4 GiB */
	objs[1].crc = 0x22222222;
	objs[2].id.id[0] = 0x05;
	objs[2].id.id[1] = 0x01;
	objs[2].offset = 0x80000000u; /* the first offset that needs the table */
	objs[2].crc = 0x33333333;
	assert_int_equal(sanshe_pack_index(&idx, &pack, objs, 3), 0);
	p = (const unsigned char *)idx.ptr;
	assert_int_equal(idx.size, 8 + 256 * 4 + 3 * 20 + 3 * 4 + 3 * 4 + 2 * 8 + 20 + 20);
	assert_memory_equal(p, "\377tOc\0\0\0\2", 8);
	assert_int_equal(be32(p + 8 + 4 * 0x04), 0);
	assert_int_equal(be32(p + 8 + 4 * 0x05), 2);
	assert_int_equal(be32(p + 8 + 4 * 0xbf), 2);
	assert_int_equal(be32(p + 8 + 4 * 0xc0), 3);
	assert_int_equal(be32(p + 8 + 4 * 0xff), 3);
	p += 8 + 256 * 4;
	assert_int_equal(p[0], 0x05);
	assert_int_equal(p[1], 0x00);
	assert_int_equal(p[20 + 1], 0x01);
	assert_int_equal(p[40], 0xc0);
	crcs = p + 3 * 20;
	assert_int_equal(be32(crcs), 0x22222222);
	assert_int_equal(be32(crcs + 8), 0x11111111);
	offs = crcs + 3 * 4;
	assert_int_equal(be32(offs), 0x80000000u); /* table entry 0 */
	assert_int_equal(be32(offs + 4), 0x80000001u);
	assert_int_equal(be32(offs + 8), 12);
	assert_int_equal(be32(offs + 12), 5);
	assert_int_equal(be32(offs + 16), 7);
	assert_int_equal(be32(offs + 20), 0);
	assert_int_equal(be32(offs + 24), 0x80000000u);
	/* The pack's checksum: its last 20 bytes. */
	assert_memory_equal(offs + 28, pack.ptr + pack.size - 20, 20);
	sanshe_buf_dispose(&pack);
	sanshe_buf_dispose(&idx);
}

static void refusals(void **state)
{
	sanshe_buf b = SANSHE_BUF_INIT, idx = SANSHE_BUF_INIT;
	sanshe_pack_object objs[2];
	uint32_t crc;
	(void)state;

	assert_int_equal(sanshe_pack_entry(&b, GIT_OBJECT_OFS_DELTA, "x", 1, 6, &crc),
			 SANSHE_EINVALID);
	assert_int_equal(b.size, 0);
	assert_int_equal(sanshe_pack_finish(&b, 0), SANSHE_EINVALID);
	assert_int_equal(sanshe_buf_put(&b, "0123456789abcdefghijklmnopqrstuvwxyz", 36), 0);
	memset(objs, 0, sizeof(objs));
	assert_int_equal(sanshe_pack_index(&idx, &b, objs, 2), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "twice"));
	sanshe_buf_dispose(&b);
	sanshe_buf_dispose(&idx);
}

/* The entry's CRC-32 is of its bytes in the pack, header included. */
static void entry_crc(void **state)
{
	sanshe_buf b = SANSHE_BUF_INIT;
	uint32_t crc = 0;
	(void)state;

	assert_int_equal(sanshe_pack_entry(&b, GIT_OBJECT_BLOB, "hello\n", 6, 9, &crc), 0);
	assert_int_equal(crc, (uint32_t)crc32(0, (const Bytef *)b.ptr, (uInt)b.size));
	assert_int_equal((unsigned char)b.ptr[0], 0x36); /* blob (3), size 6 */
	sanshe_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(installed_pack_reads_back, setup, teardown),
	    cmocka_unit_test(index_layout),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(entry_crc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

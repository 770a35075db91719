/* Bundles: plain git bundles written, read and checked by git; sealed ones. */
#include "common.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bundle.h"
#include "key.h"
#include "key_int.h"
#include "scratch.h"
#include "store.h"

#define ARMOR "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----"

typedef struct fixture {
	char *dir;
	sanshe_store *src; /* DIR/src, with a few commits */
	sanshe_store *dst; /* DIR/dst, empty */
} fixture;

static int signer(sanshe_buf *armor, const char *commit, size_t len, void *payload)
{
	(void)commit;
	(void)len;
	(void)payload;
	return sanshe_buf_puts(armor, ARMOR);
}

static void put_one(sanshe_store *store, const char *space, const char *id, git_oid *out)
{
	static int64_t clock = 1795335000;
	sanshe_commit_info info = { "Mei Lin", "m1@o1", clock++, 480, "put\n" };
	sanshe_change *change = NULL;
	char text[64];

	snprintf(text, sizeof(text), "{\"id\":\"%s\"}", id);
	assert_int_equal(sanshe_change_new(&change, store, space), 0);
	assert_int_equal(sanshe_change_put(change, "case", id, text, strlen(text)), 0);
	if (sanshe_change_commit(change, &info, signer, NULL, out) != 0)
		fail_msg("commit: %s", sanshe_error_last());
	sanshe_change_free(change);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	git_oid id;

	assert_non_null(f);
	f->dir = scratch_dir_make();
	assert_int_equal(sanshe_store_create(&f->src, scratch_path(f->dir, "src")), 0);
	assert_int_equal(sanshe_store_create(&f->dst, scratch_path(f->dir, "dst")), 0);
	assert_int_equal(sanshe_store_lock(f->src, 1000), 0);
	put_one(f->src, "common", "c-1", &id);
	put_one(f->src, "common", "c-2", &id);
	put_one(f->src, "trust", "t-1", &id);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sanshe_store_free(f->src);
	sanshe_store_free(f->dst);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

static const char *const both[] = { "refs/heads/common", "refs/heads/trust" };

/* Run a shell command; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *path_of(fixture *f, const char *rel)
{
	return strdup(scratch_path(f->dir, rel));
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void write_bundle(fixture *f, const char *path, const git_oid *prereq, size_t nprereq)
{
	git_repository *repo = sanshe_store_repository(f->src);

	if (sanshe_bundle_write(repo, path, both, 2, prereq, nprereq) != 0)
		fail_msg("write: %s", sanshe_error_last());
}

static void read_bundle(sanshe_store *store, const char *path, sanshe_bundle_header *h)
{
	if (sanshe_bundle_read(sanshe_store_repository(store), path, h) != 0)
		fail_msg("read: %s", sanshe_error_last());
}

static int object_is_in(const git_oid *id, void *payload)
{
	git_odb *odb = payload;

	return git_odb_exists(odb, id) ? 0 : -1;
}

/* Every object of `from` is in `to`. */
static void expect_same_objects(sanshe_store *from, sanshe_store *to)
{
	git_odb *a = NULL, *b = NULL;

	assert_int_equal(git_repository_odb(&a, sanshe_store_repository(from)), 0);
	assert_int_equal(git_repository_odb(&b, sanshe_store_repository(to)), 0);
	assert_int_equal(git_odb_foreach(a, object_is_in, b), 0);
	git_odb_free(a);
	git_odb_free(b);
}

static void expect_refs_of(sanshe_store *store, const sanshe_bundle_header *h)
{
	git_oid head;

	assert_int_equal(h->refs_count, 2);
	assert_string_equal(h->refs[0].name, "refs/heads/common");
	assert_string_equal(h->refs[1].name, "refs/heads/trust");
	assert_int_equal(sanshe_store_head(store, "common", &head), 0);
	assert_true(git_oid_equal(&head, &h->refs[0].id));
	assert_int_equal(sanshe_store_head(store, "trust", &head), 0);
	assert_true(git_oid_equal(&head, &h->refs[1].id));
}

/* ---- plain bundles ---- */

static void test_bundle_written_is_verified_by_git(void **state)
{
	fixture *f = *state;
	char *b = path_of(f, "all.bundle");

	write_bundle(f, b, NULL, 0);
	assert_int_equal(run("git -C '%s' bundle verify -q '%s' 2>/dev/null",
			     sanshe_store_path(f->src), b), 0);
	assert_int_equal(run("git -C '%s' bundle list-heads '%s' | grep -q ' refs/heads/trust$'",
			     sanshe_store_path(f->src), b), 0);
	free(b);
}

static void test_bundle_read_gives_the_same_refs_and_objects_and_moves_none(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *b = path_of(f, "all.bundle");
	git_oid head;

	write_bundle(f, b, NULL, 0);
	read_bundle(f->dst, b, &h);
	expect_refs_of(f->src, &h);
	expect_same_objects(f->src, f->dst);
	assert_int_equal(sanshe_store_head(f->dst, "common", &head), SANSHE_ENOTFOUND);
	sanshe_bundle_header_dispose(&h);
	free(b);
}

static void test_bundle_read_twice_is_harmless(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *b = path_of(f, "all.bundle");

	write_bundle(f, b, NULL, 0);
	read_bundle(f->dst, b, &h);
	assert_true(h.objects > 0); /* stored */
	sanshe_bundle_header_dispose(&h);
	read_bundle(f->dst, b, &h);
	assert_int_equal(h.objects, 0); /* all here already: nothing stored again */
	expect_refs_of(f->src, &h);
	expect_same_objects(f->src, f->dst);
	assert_int_equal(run("git -C '%s' fsck --no-dangling --no-progress >/dev/null 2>&1",
			     sanshe_store_path(f->dst)), 0);
	sanshe_bundle_header_dispose(&h);
	free(b);
}

static void test_bundle_with_missing_prerequisite_is_refused_clearly(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *first = path_of(f, "first.bundle"), *second = path_of(f, "second.bundle");
	git_oid before[2], id;
	char hex[GIT_OID_HEXSZ + 1];

	write_bundle(f, first, NULL, 0);
	assert_int_equal(sanshe_store_head(f->src, "common", &before[0]), 0);
	assert_int_equal(sanshe_store_head(f->src, "trust", &before[1]), 0);
	put_one(f->src, "common", "c-3", &id);
	write_bundle(f, second, before, 2);
	assert_int_equal(run("git -C '%s' bundle verify -q '%s' 2>/dev/null",
			     sanshe_store_path(f->src), second), 0);

	assert_int_equal(sanshe_bundle_read(sanshe_store_repository(f->dst), second, &h),
			 SANSHE_ENOTFOUND);
	git_oid_tostr(hex, sizeof(hex), &before[0]);
	assert_non_null(strstr(sanshe_error_last(), hex));
	assert_non_null(strstr(sanshe_error_last(), "apply the bundles before it first"));
	sanshe_bundle_header_dispose(&h);

	read_bundle(f->dst, first, &h);
	sanshe_bundle_header_dispose(&h);
	read_bundle(f->dst, second, &h);
	assert_int_equal(h.prerequisites_count, 2);
	assert_true(git_oid_equal(&h.refs[0].id, &id));
	expect_same_objects(f->src, f->dst);
	sanshe_bundle_header_dispose(&h);
	free(first);
	free(second);
}

static void test_bundle_with_nothing_new_holds_an_empty_pack(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *first = path_of(f, "first.bundle"), *empty = path_of(f, "empty.bundle");
	git_oid heads[2];

	write_bundle(f, first, NULL, 0);
	assert_int_equal(sanshe_store_head(f->src, "common", &heads[0]), 0);
	assert_int_equal(sanshe_store_head(f->src, "trust", &heads[1]), 0);
	write_bundle(f, empty, heads, 2);
	assert_int_equal(run("git -C '%s' bundle verify -q '%s' 2>/dev/null",
			     sanshe_store_path(f->src), empty), 0);
	read_bundle(f->dst, first, &h);
	sanshe_bundle_header_dispose(&h);
	read_bundle(f->dst, empty, &h);
	expect_refs_of(f->src, &h);
	sanshe_bundle_header_dispose(&h);
	free(first);
	free(empty);
}

static void test_bundle_made_by_git_is_read(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *b = path_of(f, "git.bundle");

	assert_int_equal(run("git -C '%s' bundle create -q '%s' refs/heads/common "
			     "refs/heads/trust 2>/dev/null",
			     sanshe_store_path(f->src), b), 0);
	read_bundle(f->dst, b, &h);
	expect_refs_of(f->src, &h);
	expect_same_objects(f->src, f->dst);
	sanshe_bundle_header_dispose(&h);
	free(b);
}

/* The number of files in the pack directory of `store`. */
static int pack_files(sanshe_store *store)
{
	return run("exit $(ls -A '%sobjects/pack' | wc -l)",
		   git_repository_path(sanshe_store_repository(store)));
}

static void test_bundle_with_a_broken_pack_is_refused(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *b = path_of(f, "all.bundle");
	char *data;
	size_t len;
	int files;

	write_bundle(f, b, NULL, 0);
	data = scratch_read(b, &len);
	scratch_write(b, data, len - 30);
	files = pack_files(f->dst);
	assert_int_equal(sanshe_bundle_read(sanshe_store_repository(f->dst), b, &h),
			 SANSHE_EPARSE);
	assert_int_equal(pack_files(f->dst), files); /* nothing left behind */
	sanshe_bundle_header_dispose(&h);
	free(data);
	free(b);
}

static void test_bundle_whose_pack_lacks_what_it_names_is_refused(void **state)
{
	fixture *f = *state;
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *b = path_of(f, "thin.bundle");
	git_oid before[2], id;
	git_odb *odb = NULL;
	char *data, *end, *out;
	size_t len, n = 0;
	int files;

	assert_int_equal(sanshe_store_head(f->src, "common", &before[0]), 0);
	assert_int_equal(sanshe_store_head(f->src, "trust", &before[1]), 0);
	put_one(f->src, "common", "c-3", &id);
	write_bundle(f, b, before, 2);
	/* the same pack, its prerequisite lines dropped: it names parents it does not hold */
	data = scratch_read(b, &len);
	out = malloc(len);
	assert_non_null(out);
	for (char *p = data; p < data + len;) {
		end = memchr(p, '\n', (size_t)(data + len - p));
		assert_non_null(end);
		if (*p != '-') {
			memcpy(out + n, p, (size_t)(end + 1 - p));
			n += (size_t)(end + 1 - p);
		}
		if (end == p) { /* the blank line: the pack follows */
			memcpy(out + n, end + 1, (size_t)(data + len - end - 1));
			n += (size_t)(data + len - end - 1);
			break;
		}
		p = end + 1;
	}
	scratch_write(b, out, n);
	files = pack_files(f->dst);

	assert_int_equal(sanshe_bundle_read(sanshe_store_repository(f->dst), b, &h),
			 SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "missing"));
	assert_int_equal(pack_files(f->dst), files); /* nothing stored, nothing left behind */
	assert_int_equal(git_repository_odb(&odb, sanshe_store_repository(f->dst)), 0);
	assert_false(git_odb_exists(odb, &id));
	git_odb_free(odb);
	sanshe_bundle_header_dispose(&h);
	free(data);
	free(out);
	free(b);
}

static void test_bundle_header_parse_is_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"# v2 git bundle",
		"# v2 git bundle\n",
		"# v3 git bundle\n@object-format=sha1\n\n",
		"# v1 git bundle\n\n",
		"# v2 git bundle\n\n",
		"# v2 git bundle\n0123456789012345678901234567890123456789\n\n",
		"# v2 git bundle\n012345678901234567890123456789012345678 refs/heads/a\n\n",
		"# v2 git bundle\n01234567890123456789012345678901234567zz refs/heads/a\n\n",
		"# v2 git bundle\n0123456789012345678901234567890123456789 refs/heads/a..b\n\n",
		"# v2 git bundle\n0123456789012345678901234567890123456789 refs/heads/a\n"
		"0123456789012345678901234567890123456789 refs/heads/a\n\n",
		"# v2 git bundle\n0123456789012345678901234567890123456789 refs/heads/a\n"
		"-0123456789012345678901234567890123456789\n\n",
		"# v2 git bundle\n-0123456789012345678901234567890123456789x\n"
		"0123456789012345678901234567890123456789 refs/heads/a\n\n",
		"# v2 git bundle\n0123456789012345678901234567890123456789 refs/heads/a\n",
	};
	static const char good[] = "# v2 git bundle\n"
				   "-0123456789012345678901234567890123456789 a comment\n"
				   "-abcdefabcdefabcdefabcdefabcdefabcdefabcd\n"
				   "0123456789012345678901234567890123456789 refs/heads/org/o1\n"
				   "\nPACK";
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	char *long_line;
	size_t i;

	(void)state;
	for (i = 0; i < SANSHE_ARRAY_SIZE(bad); i++) {
		if (sanshe_bundle_header_parse(&h, bad[i], strlen(bad[i])) != SANSHE_EPARSE)
			fail_msg("accepted bad header %zu", i);
		assert_true(*sanshe_error_last() != '\0');
		sanshe_bundle_header_dispose(&h);
	}
	assert_int_equal(sanshe_bundle_header_parse(&h, good, sizeof(good) - 1), 0);
	assert_int_equal(h.prerequisites_count, 2);
	assert_int_equal(h.refs_count, 1);
	assert_string_equal(h.refs[0].name, "refs/heads/org/o1");
	assert_int_equal(h.length, sizeof(good) - 1 - 4);
	sanshe_bundle_header_dispose(&h);

	long_line = malloc(4 * SANSHE_BUNDLE_LINE_MAX);
	assert_non_null(long_line);
	memset(long_line, 'a', 4 * SANSHE_BUNDLE_LINE_MAX);
	memcpy(long_line, "# v2 git bundle\n", 16);
	assert_int_equal(sanshe_bundle_header_parse(&h, long_line, 4 * SANSHE_BUNDLE_LINE_MAX),
			 SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "too long"));
	sanshe_bundle_header_dispose(&h);
	free(long_line);
}

/* ---- sealed bundles ---- */

typedef struct keys {
	sanshe_key *alice, *bob, *carol, *mallory;
} keys;

static void keys_make(keys *k)
{
	assert_int_equal(sanshe_key_generate(&k->alice, "alice"), 0);
	assert_int_equal(sanshe_key_generate(&k->bob, "bob"), 0);
	assert_int_equal(sanshe_key_generate(&k->carol, "carol"), 0);
	assert_int_equal(sanshe_key_generate(&k->mallory, "mallory"), 0);
}

static void keys_free(keys *k)
{
	sanshe_key_free(k->alice);
	sanshe_key_free(k->bob);
	sanshe_key_free(k->carol);
	sanshe_key_free(k->mallory);
}

/* Seal `plain` from alice to bob and carol as `sealed`. */
static void seal_to_bob_and_carol(const keys *k, const char *plain, const char *sealed)
{
	unsigned char to[2][SANSHE_KEY_PUBLIC_BYTES];

	memcpy(to[0], sanshe_key_public(k->bob), SANSHE_KEY_PUBLIC_BYTES);
	memcpy(to[1], sanshe_key_public(k->carol), SANSHE_KEY_PUBLIC_BYTES);
	if (sanshe_bundle_seal(plain, sealed, k->alice, (const unsigned char(*)[32])to, 2) != 0)
		fail_msg("seal: %s", sanshe_error_last());
}

static void expect_opens_to(const sanshe_key *me, const keys *k, const char *sealed,
			    const char *out, const char *plain)
{
	unsigned char sender[SANSHE_KEY_PUBLIC_BYTES];
	char *a, *b;
	size_t alen, blen;

	unlink(out);
	if (sanshe_bundle_open(sealed, out, me, sender) != 0)
		fail_msg("open: %s", sanshe_error_last());
	assert_memory_equal(sender, sanshe_key_public(k->alice), SANSHE_KEY_PUBLIC_BYTES);
	a = scratch_read(out, &alen);
	b = scratch_read(plain, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/* Opening refuses with `code`, and writes nothing. */
static void expect_refused(const sanshe_key *me, const char *sealed, const char *out, int code)
{
	unsigned char sender[SANSHE_KEY_PUBLIC_BYTES];
	static const unsigned char zero[SANSHE_KEY_PUBLIC_BYTES];
	int err;

	unlink(out);
	err = sanshe_bundle_open(sealed, out, me, sender);
	if (err == 0 || (code != 0 && err != code))
		fail_msg("open gave %d (%s), wanted %d", err, sanshe_error_last(), code);
	assert_false(file_exists(out));
	assert_memory_equal(sender, zero, sizeof(zero));
	assert_non_null(strchr(sanshe_error_last(), ' '));
	assert_null(strchr(sanshe_error_last(), '\n'));
}

static void test_bundle_sealed_opens_for_each_recipient_only(void **state)
{
	fixture *f = *state;
	char *plain = path_of(f, "all.bundle"), *sealed = path_of(f, "all.sealed");
	char *out = path_of(f, "out.bundle");
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	keys k = { 0 };

	keys_make(&k);
	write_bundle(f, plain, NULL, 0);
	seal_to_bob_and_carol(&k, plain, sealed);
	expect_opens_to(k.bob, &k, sealed, out, plain);
	expect_opens_to(k.carol, &k, sealed, out, plain);
	assert_int_equal(run("git -C '%s' bundle verify -q '%s' 2>/dev/null",
			     sanshe_store_path(f->src), out), 0);
	read_bundle(f->dst, out, &h);
	expect_refs_of(f->src, &h);
	sanshe_bundle_header_dispose(&h);

	expect_refused(k.mallory, sealed, out, SANSHE_ENOTFOUND);
	assert_non_null(strstr(sanshe_error_last(), "this bundle is for other recipients: "));
	assert_non_null(strstr(sanshe_error_last(), sanshe_key_fingerprint(k.bob)));
	assert_non_null(strstr(sanshe_error_last(), sanshe_key_fingerprint(k.carol)));
	expect_refused(k.alice, sealed, out, SANSHE_ENOTFOUND);
	expect_refused(k.bob, plain, out, SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "not a sanshe bundle"));
	keys_free(&k);
	free(plain);
	free(sealed);
	free(out);
}

static void test_bundle_sealed_tampered_anywhere_is_refused(void **state)
{
	fixture *f = *state;
	char *plain = path_of(f, "all.bundle"), *sealed = path_of(f, "all.sealed");
	char *bad = path_of(f, "bad.sealed"), *out = path_of(f, "out.bundle");
	char *data;
	size_t len, i;
	keys k = { 0 };

	keys_make(&k);
	write_bundle(f, plain, NULL, 0);
	seal_to_bob_and_carol(&k, plain, sealed);
	data = scratch_read(sealed, &len);
	for (i = 0; i < len; i++) {
		data[i] ^= 0x01;
		scratch_write(bad, data, len);
		expect_refused(k.bob, bad, out, 0);
		data[i] ^= 0x01;
	}
	/* A byte added at the end. */
	data = realloc(data, len + 1);
	assert_non_null(data);
	data[len] = 0;
	scratch_write(bad, data, len + 1);
	expect_refused(k.bob, bad, out, SANSHE_EBADSIG);
	keys_free(&k);
	free(data);
	free(plain);
	free(sealed);
	free(bad);
	free(out);
}

static void test_bundle_sealed_truncated_is_refused(void **state)
{
	fixture *f = *state;
	char *plain = path_of(f, "all.bundle"), *sealed = path_of(f, "all.sealed");
	char *bad = path_of(f, "bad.sealed"), *out = path_of(f, "out.bundle");
	char *data;
	size_t len, i;
	keys k = { 0 };

	keys_make(&k);
	write_bundle(f, plain, NULL, 0);
	seal_to_bob_and_carol(&k, plain, sealed);
	data = scratch_read(sealed, &len);
	for (i = 0; i < len; i++) {
		scratch_write(bad, data, i);
		expect_refused(k.bob, bad, out, i < 16 ? SANSHE_EPARSE : 0);
	}
	scratch_write(bad, data, len - 64);
	expect_refused(k.bob, bad, out, SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "cut short"));
	keys_free(&k);
	free(data);
	free(plain);
	free(sealed);
	free(bad);
	free(out);
}

static void test_bundle_sealed_round_trips_across_chunks(void **state)
{
	static const size_t sizes[] = { 0, 1, SANSHE_BUNDLE_CHUNK - 1, SANSHE_BUNDLE_CHUNK,
					SANSHE_BUNDLE_CHUNK + 1, 3 * SANSHE_BUNDLE_CHUNK + 17 };
	fixture *f = *state;
	char *plain = path_of(f, "blob"), *sealed = path_of(f, "blob.sealed");
	char *out = path_of(f, "blob.out");
	unsigned char *data = malloc(sizes[5]);
	char *whole;
	size_t i, len;
	keys k = { 0 };

	assert_non_null(data);
	keys_make(&k);
	randombytes_buf(data, sizes[5]);
	for (i = 0; i < SANSHE_ARRAY_SIZE(sizes); i++) {
		scratch_write(plain, data, sizes[i]);
		seal_to_bob_and_carol(&k, plain, sealed);
		expect_opens_to(k.carol, &k, sealed, out, plain);
	}
	/* A chunk cut at its end: no final chunk. */
	whole = scratch_read(sealed, &len);
	scratch_write(sealed, whole, 16 + 32 + 2 + 2 * 112 + 24 + 4 + SANSHE_BUNDLE_CHUNK + 17);
	expect_refused(k.carol, sealed, out, SANSHE_EPARSE);
	free(whole);
	keys_free(&k);
	free(data);
	free(plain);
	free(sealed);
	free(out);
}

static void test_bundle_seal_refuses_no_recipient_and_a_locked_key(void **state)
{
	fixture *f = *state;
	char *plain = path_of(f, "all.bundle"), *sealed = path_of(f, "x.sealed");
	unsigned char to[1][SANSHE_KEY_PUBLIC_BYTES];
	sanshe_key *locked = NULL;
	keys k = { 0 };

	keys_make(&k);
	write_bundle(f, plain, NULL, 0);
	memcpy(to[0], sanshe_key_public(k.bob), SANSHE_KEY_PUBLIC_BYTES);
	assert_int_equal(sanshe_bundle_seal(plain, sealed, k.alice,
					    (const unsigned char(*)[32])to, 0),
			 SANSHE_EINVALID);
	assert_false(file_exists(sealed));
	assert_int_equal(sanshe_key__new(&locked, "alice", sanshe_key_public(k.alice)), 0);
	assert_int_equal(sanshe_bundle_seal(plain, sealed, locked,
					    (const unsigned char(*)[32])to, 1),
			 SANSHE_EINVALID);
	assert_false(file_exists(sealed));
	sanshe_key_free(locked);
	keys_free(&k);
	free(plain);
	free(sealed);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_header_parse_is_strict),
		T(test_bundle_written_is_verified_by_git),
		T(test_bundle_read_gives_the_same_refs_and_objects_and_moves_none),
		T(test_bundle_read_twice_is_harmless),
		T(test_bundle_whose_pack_lacks_what_it_names_is_refused),
		T(test_bundle_with_missing_prerequisite_is_refused_clearly),
		T(test_bundle_with_nothing_new_holds_an_empty_pack),
		T(test_bundle_made_by_git_is_read),
		T(test_bundle_with_a_broken_pack_is_refused),
		T(test_bundle_sealed_opens_for_each_recipient_only),
		T(test_bundle_sealed_tampered_anywhere_is_refused),
		T(test_bundle_sealed_truncated_is_refused),
		T(test_bundle_sealed_round_trips_across_chunks),
		T(test_bundle_seal_refuses_no_recipient_and_a_locked_key),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

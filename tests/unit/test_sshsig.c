/*
 * SSH signatures: the armor sanshe writes, and hostile signatures refused
 * one field at a time with a message naming it.  The blobs are built here
 * by a second writer, so that sanshe's reader is not checked against its
 * own writer.  (test_sshsig_interop.c checks both against ssh-keygen and
 * git.)
 */
#include "common.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "key_int.h"
#include "sshsig.h"

static const char msg[] = "case c-17: home visit, 2026-11-22, by Wang Fang\n";

/* A key made by ssh-keygen 9.2 (see test_key.c), and its OpenSSH form. */
static const unsigned char vector_pk[32] = {
	0xe3, 0x4a, 0x65, 0x6a, 0xf1, 0x68, 0xc3, 0xd8, 0xe9, 0x50, 0x96,
	0xe3, 0xd2, 0x3d, 0x3a, 0x51, 0x2d, 0x3a, 0xe2, 0x2f, 0xed, 0xf4,
	0x6a, 0x15, 0x29, 0xc1, 0xf8, 0x32, 0xd4, 0x2c, 0x55, 0xce,
};
#define VECTOR_OPENSSH \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIONKZWrxaMPY6VCW49I9OlEtOuIv7fRqFS" \
	"nB+DLULFXO"

/* Signs the hand-made blobs. */
static sanshe_key *blob_key;

/* Sign `len` bytes of `data` with `key` in `ns`; the caller frees the armor. */
static char *sign(const sanshe_key *key, const char *ns, const void *data,
		  size_t len)
{
	sanshe_buf armor = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_sshsig_sign(&armor, key, ns, data, len), 0);
	return sanshe_buf_detach(&armor);
}

/* ---- hand-made blobs ---- */

/* What a blob holds; `good` is what ssh-keygen writes. */
typedef struct blob_spec {
	const char *magic;
	uint32_t version;
	const char *key_type;
	size_t pk_len, key_extra;
	const char *ns, *reserved, *hash, *sig_type;
	size_t sig_len, sig_extra, extra;
} blob_spec;

static const blob_spec good = { "SSHSIG", 1, "ssh-ed25519", 32, 0, "git",
				"", "sha512", "ssh-ed25519", 64, 0, 0 };

static void put_u32(sanshe_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	assert_int_equal(sanshe_buf_put(b, p, 4), 0);
}

static void put_bytes(sanshe_buf *b, const void *p, size_t len)
{
	put_u32(b, (uint32_t)len);
	assert_int_equal(sanshe_buf_put(b, p, len), 0);
}

/* string(type) string(`len` bytes: `value`, then 'z's) and `extra` 'x's */
static void put_typed(sanshe_buf *b, const char *type, const void *value,
		      size_t value_len, size_t len, size_t extra)
{
	sanshe_buf field = SANSHE_BUF_INIT;
	unsigned char bytes[512];

	assert_true(len <= sizeof(bytes) && value_len <= sizeof(bytes));
	memset(bytes, 'z', sizeof(bytes));
	memcpy(bytes, value, value_len < len ? value_len : len);
	put_bytes(&field, type, strlen(type));
	put_bytes(&field, bytes, len);
	for (size_t i = 0; i < extra; i++)
		assert_int_equal(sanshe_buf_putc(&field, 'x'), 0);
	put_bytes(b, field.ptr, field.size);
	sanshe_buf_dispose(&field);
}

/* The blob `s` describes, signed by blob_key over `msg` as ssh-keygen does. */
static void make_blob(sanshe_buf *blob, const blob_spec *s)
{
	unsigned char hash[64], sig[64];
	sanshe_buf data = SANSHE_BUF_INIT;
	size_t hash_len = 64;

	if (strcmp(s->hash, "sha256") == 0) {
		crypto_hash_sha256(hash, (const unsigned char *)msg, strlen(msg));
		hash_len = 32;
	} else {
		crypto_hash_sha512(hash, (const unsigned char *)msg, strlen(msg));
	}
	assert_int_equal(sanshe_buf_put(&data, "SSHSIG", 6), 0);
	put_bytes(&data, s->ns, strlen(s->ns));
	put_bytes(&data, "", 0);
	put_bytes(&data, s->hash, strlen(s->hash));
	put_bytes(&data, hash, hash_len);
	assert_int_equal(sanshe_key_sign(blob_key, sig, data.ptr, data.size), 0);

	assert_int_equal(sanshe_buf_puts(blob, s->magic), 0);
	put_u32(blob, s->version);
	put_typed(blob, s->key_type, sanshe_key_public(blob_key), 32, s->pk_len,
		  s->key_extra);
	put_bytes(blob, s->ns, strlen(s->ns));
	put_bytes(blob, s->reserved, strlen(s->reserved));
	put_bytes(blob, s->hash, strlen(s->hash));
	put_typed(blob, s->sig_type, sig, 64, s->sig_len, s->sig_extra);
	for (size_t i = 0; i < s->extra; i++)
		assert_int_equal(sanshe_buf_putc(blob, 'x'), 0);
	sanshe_buf_dispose(&data);
}

#define BEGIN_LINE "-----BEGIN SSH SIGNATURE-----\n"
#define END_LINE "-----END SSH SIGNATURE-----"

/* Armor `len` bytes of `blob`, base64 lines of `width` characters. */
static char *armor_of(const void *blob, size_t len, size_t width)
{
	char b64[2048];
	sanshe_buf out = SANSHE_BUF_INIT;
	size_t n;

	assert_true(len < sizeof(b64) / 2);
	sodium_bin2base64(b64, sizeof(b64), blob, len,
			  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(b64);
	assert_int_equal(sanshe_buf_puts(&out, BEGIN_LINE), 0);
	for (size_t i = 0; i < n; i += width) {
		size_t take = n - i < width ? n - i : width;

		assert_int_equal(sanshe_buf_put(&out, b64 + i, take), 0);
		assert_int_equal(sanshe_buf_putc(&out, '\n'), 0);
	}
	assert_int_equal(sanshe_buf_puts(&out, END_LINE), 0);
	return sanshe_buf_detach(&out);
}

/* Verify `armor` against `msg` in namespace git. */
static int verify(const char *armor, size_t len)
{
	unsigned char pk[32];
	int err;

	memset(pk, 0xaa, sizeof(pk));
	err = sanshe_sshsig_verify(armor, len, "git", msg, strlen(msg), pk);
	if (err == 0)
		assert_memory_equal(pk, sanshe_key_public(blob_key), 32);
	else
		for (size_t i = 0; i < sizeof(pk); i++)
			assert_int_equal(pk[i], 0);
	return err;
}

static int verify_bytes(const void *blob, size_t len)
{
	char *armor = armor_of(blob, len, 70);
	int err = verify(armor, strlen(armor));

	free(armor);
	return err;
}

static int verify_spec(const blob_spec *s)
{
	sanshe_buf blob = SANSHE_BUF_INIT;
	int err;

	make_blob(&blob, s);
	err = verify_bytes(blob.ptr, blob.size);
	sanshe_buf_dispose(&blob);
	return err;
}

static void expect_refused(int err, const char *message)
{
	assert_int_equal(err, SANSHE_EBADSIG);
	assert_string_equal(sanshe_error_last(), message);
}

static void test_sshsig_signature_verifies_and_names_its_signer(void **state)
{
	sanshe_key *key;
	unsigned char pk[32];
	char *armor;
	const char *line;

	(void)state;
	assert_int_equal(sanshe_key_generate(&key, "li-lei"), 0);
	armor = sign(key, "git", msg, strlen(msg));
	assert_int_equal(sanshe_sshsig_verify(armor, strlen(armor), "git", msg,
					      strlen(msg), pk), 0);
	assert_memory_equal(pk, sanshe_key_public(key), 32);
	/* header, three lines of 70, one of 22, footer without newline */
	line = armor;
	for (size_t i = 0; i < 5; i++) {
		static const size_t widths[] = { 29, 70, 70, 70, 22 };

		assert_int_equal(strcspn(line, "\n"), widths[i]);
		line += widths[i] + 1;
	}
	assert_string_equal(line, "-----END SSH SIGNATURE-----");
	sanshe_key_free(key);
	free(armor);
}

static void test_sshsig_hand_made_blob_verifies(void **state)
{
	blob_spec s = good;

	(void)state;
	assert_int_equal(verify_spec(&s), 0);
	s.hash = "sha256";
	assert_int_equal(verify_spec(&s), 0);
}

static void test_sshsig_sign_refuses_locked_key_and_bad_namespace(void **state)
{
	static const char *const bad[] = { "", "g it", "git\n", "名字",
		"0123456789" "0123456789" "0123456789" "0123456789"
		"0123456789" "0123456789" "0123x" };
	sanshe_buf armor = SANSHE_BUF_INIT;
	sanshe_key *locked;

	(void)state;
	assert_int_equal(sanshe_buf_puts(&armor, "kept"), 0);
	assert_int_equal(sanshe_key__new(&locked, "locked",
					 sanshe_key_public(blob_key)), 0);
	assert_int_equal(sanshe_sshsig_sign(&armor, locked, "git", msg, 3),
			 SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(),
			    "key 'locked' is locked: unlock it to sign");
	assert_string_equal(armor.ptr, "kept");
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++) {
		unsigned char pk[32];

		assert_int_equal(sanshe_sshsig_sign(&armor, blob_key, bad[i],
						    msg, 3), SANSHE_EINVALID);
		assert_non_null(strstr(sanshe_error_last(),
				       "is not a signature namespace"));
		assert_int_equal(sanshe_sshsig_verify("x", 1, bad[i], msg, 3, pk),
				 SANSHE_EINVALID);
	}
	assert_string_equal(armor.ptr, "kept");
	sanshe_key_free(locked);
	sanshe_buf_dispose(&armor);
}

static void test_sshsig_verify_refuses_every_truncation(void **state)
{
	sanshe_buf blob = SANSHE_BUF_INIT;

	(void)state;
	make_blob(&blob, &good);
	expect_refused(verify_bytes(blob.ptr, 0),
		       "not an SSH signature: it holds no base64");
	for (size_t n = 1; n < 6; n++)
		expect_refused(verify_bytes(blob.ptr, n),
			       "not an SSH signature: it does not begin with "
			       "\"SSHSIG\"");
	for (size_t n = 6; n < 10; n++)
		expect_refused(verify_bytes(blob.ptr, n),
			       "not an SSH signature: its version is cut short");
	for (size_t n = 10; n < blob.size; n++) {
		assert_int_equal(verify_bytes(blob.ptr, n), SANSHE_EBADSIG);
		if (!strstr(sanshe_error_last(), "not an SSH signature: its ") ||
		    !strstr(sanshe_error_last(), " is cut short"))
			fail_msg("at %zu bytes: %s", n, sanshe_error_last());
	}
	expect_refused(verify_bytes(blob.ptr, 10 + 4 + 50),
		       "not an SSH signature: its public key is cut short (51 "
		       "bytes announced, 50 left)");
	expect_refused(verify_bytes(blob.ptr, blob.size - 1),
		       "not an SSH signature: its signature is cut short (83 "
		       "bytes announced, 82 left)");
	sanshe_buf_dispose(&blob);
}

static void test_sshsig_verify_refuses_huge_length_field(void **state)
{
	sanshe_buf blob = SANSHE_BUF_INIT;

	(void)state;
	make_blob(&blob, &good);
	memset(blob.ptr + 10, 0xff, 4);
	expect_refused(verify_bytes(blob.ptr, blob.size),
		       "not an SSH signature: its public key is cut short "
		       "(4294967295 bytes announced, 159 left)");
	memset(blob.ptr + 10, 0, 4);
	blob.ptr[13] = 51;
	memset(blob.ptr + 65, 0x80, 4); /* the namespace */
	expect_refused(verify_bytes(blob.ptr, blob.size),
		       "not an SSH signature: its namespace is cut short "
		       "(2155905152 bytes announced, 104 left)");
	sanshe_buf_dispose(&blob);
}

static void test_sshsig_verify_refuses_trailing_bytes(void **state)
{
	blob_spec s = good;

	(void)state;
	s.extra = 1;
	expect_refused(verify_spec(&s),
		       "not an SSH signature: extra bytes after its end (1)");
	s = good;
	s.key_extra = 2;
	expect_refused(verify_spec(&s), "not an SSH signature: extra bytes "
					"after its public key (2)");
	s = good;
	s.sig_extra = 3;
	expect_refused(verify_spec(&s), "not an SSH signature: extra bytes "
					"after its signature (3)");
}

static void test_sshsig_verify_refuses_wrong_magic(void **state)
{
	blob_spec s = good;

	(void)state;
	s.magic = "SSHSIH";
	expect_refused(verify_spec(&s), "not an SSH signature: it does not "
					"begin with \"SSHSIG\"");
	s.magic = "sshsig";
	expect_refused(verify_spec(&s), "not an SSH signature: it does not "
					"begin with \"SSHSIG\"");
}

static void test_sshsig_verify_refuses_other_versions(void **state)
{
	blob_spec s = good;

	(void)state;
	s.version = 2;
	expect_refused(verify_spec(&s), "SSH signature version 2 is not "
					"supported: sanshe reads version 1");
	s.version = 0;
	expect_refused(verify_spec(&s), "SSH signature version 0 is not "
					"supported: sanshe reads version 1");
}

static void test_sshsig_verify_refuses_other_key_types(void **state)
{
	blob_spec s = good;

	(void)state;
	s.key_type = "ssh-rsa";
	s.pk_len = 257;
	expect_refused(verify_spec(&s), "SSH signature by a 'ssh-rsa' key: "
					"sanshe accepts ssh-ed25519 keys only");
	s.key_type = "ssh-ed25519\n\x1b[2J";
	expect_refused(verify_spec(&s), "SSH signature by a 'ssh-ed25519??[2J' "
					"key: sanshe accepts ssh-ed25519 keys only");
}

static void test_sshsig_verify_refuses_wrong_key_length(void **state)
{
	blob_spec s = good;

	(void)state;
	s.pk_len = 31;
	expect_refused(verify_spec(&s), "not an SSH signature: its ssh-ed25519 "
					"key is 31 bytes, not 32");
	s.pk_len = 33;
	expect_refused(verify_spec(&s), "not an SSH signature: its ssh-ed25519 "
					"key is 33 bytes, not 32");
}

static void test_sshsig_verify_refuses_unknown_hash(void **state)
{
	blob_spec s = good;

	(void)state;
	s.hash = "md5";
	expect_refused(verify_spec(&s), "SSH signature hash 'md5' is not "
					"supported: sanshe accepts sha512 and sha256");
	s.hash = "SHA512";
	expect_refused(verify_spec(&s), "SSH signature hash 'SHA512' is not "
					"supported: sanshe accepts sha512 and sha256");
}

static void test_sshsig_verify_refuses_wrong_namespace(void **state)
{
	blob_spec s = good;

	(void)state;
	s.ns = "file";
	expect_refused(verify_spec(&s),
		       "signature namespace is 'file', expected 'git'");
	s.ns = "gi";
	expect_refused(verify_spec(&s),
		       "signature namespace is 'gi', expected 'git'");
	s.ns = "git\n";
	expect_refused(verify_spec(&s),
		       "signature namespace is 'git?', expected 'git'");
	s.ns = "0123456789012345678901234567890123456789-and-more";
	expect_refused(verify_spec(&s),
		       "signature namespace is "
		       "'0123456789012345678901234567890123456789...', "
		       "expected 'git'");
}

static void test_sshsig_verify_refuses_nonempty_reserved(void **state)
{
	blob_spec s = good;

	(void)state;
	/* ssh-keygen accepts this blob: its signature covers an empty field */
	s.reserved = "tag";
	expect_refused(verify_spec(&s), "not an SSH signature: its reserved "
					"field is not empty (3 bytes)");
}

static void test_sshsig_verify_refuses_bad_signature_field(void **state)
{
	blob_spec s = good;

	(void)state;
	s.sig_type = "rsa-sha2-512";
	expect_refused(verify_spec(&s), "not an SSH signature: its signature is "
					"of type 'rsa-sha2-512', not ssh-ed25519");
	s = good;
	s.sig_len = 63;
	expect_refused(verify_spec(&s), "not an SSH signature: its ssh-ed25519 "
					"signature is 63 bytes, not 64");
}

static void test_sshsig_verify_refuses_changed_signature_or_key(void **state)
{
	sanshe_buf blob = SANSHE_BUF_INIT;
	sanshe_key *other;

	(void)state;
	make_blob(&blob, &good);
	blob.ptr[blob.size - 1] ^= 1;
	expect_refused(verify_bytes(blob.ptr, blob.size),
		       "signature does not match the signed data");
	blob.ptr[blob.size - 1] ^= 1;
	assert_int_equal(sanshe_key_generate(&other, "other"), 0);
	memcpy(blob.ptr + 33, sanshe_key_public(other), 32);
	expect_refused(verify_bytes(blob.ptr, blob.size),
		       "signature does not match the signed data");
	sanshe_key_free(other);
	sanshe_buf_dispose(&blob);
}

/* ---- armor ---- */

/* The armor of the good blob with `what` in place of the `len` bytes at `at`. */
static char *armor_edited(size_t at, size_t len, const char *what)
{
	sanshe_buf blob = SANSHE_BUF_INIT, out = SANSHE_BUF_INIT;
	char *armor;

	make_blob(&blob, &good);
	armor = armor_of(blob.ptr, blob.size, 70);
	assert_true(at + len <= strlen(armor));
	assert_int_equal(sanshe_buf_put(&out, armor, at), 0);
	assert_int_equal(sanshe_buf_puts(&out, what), 0);
	assert_int_equal(sanshe_buf_puts(&out, armor + at + len), 0);
	free(armor);
	sanshe_buf_dispose(&blob);
	return sanshe_buf_detach(&out);
}

static void expect_edit_refused(size_t at, size_t len, const char *what,
				const char *message)
{
	char *armor = armor_edited(at, len, what);

	expect_refused(verify(armor, strlen(armor)), message);
	free(armor);
}

#define BEGIN_LEN 30             /* "-----BEGIN SSH SIGNATURE-----\n" */
#define LINE(n) (BEGIN_LEN + 71 * ((n) - 2)) /* where line n starts */
#define END_AT (LINE(5) + 22)                /* the "\n" before the footer */

static void test_sshsig_verify_accepts_final_newline_and_any_width(void **state)
{
	/* 231: the padding '=' alone on the last line */
	static const size_t widths[] = { 76, 64, 4, 231, 1000 };
	sanshe_buf blob = SANSHE_BUF_INIT;
	char *armor;

	(void)state;
	armor = armor_edited(END_AT + 28, 0, "\n");
	assert_int_equal(verify(armor, strlen(armor)), 0);
	free(armor);
	make_blob(&blob, &good);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(widths); i++) {
		armor = armor_of(blob.ptr, blob.size, widths[i]);
		assert_int_equal(verify(armor, strlen(armor)), 0);
		free(armor);
	}
	sanshe_buf_dispose(&blob);
}

static void test_sshsig_verify_refuses_bad_armor(void **state)
{
	static const char no_begin[] = "not an SSH signature: it does not begin "
				       "with a line '-----BEGIN SSH SIGNATURE-----'";
	static const char no_end[] = "not an SSH signature: it does not end "
				     "with a line '-----END SSH SIGNATURE-----'";
	static const char bare[] = "-----BEGIN SSH SIGNATURE-----\n"
				   "-----END SSH SIGNATURE-----\n";
	char big[SANSHE_SSHSIG_ARMOR_MAX + 1];

	(void)state;
	expect_edit_refused(11, 1, "s", no_begin);
	expect_edit_refused(0, 0, " ", no_begin);
	expect_edit_refused(0, 0, "\n", no_begin);
	expect_edit_refused(29, 1, " \n", no_begin);
	expect_edit_refused(END_AT + 28, 0, "\n\n", no_end);
	expect_edit_refused(END_AT + 28, 0, " ", no_end);
	expect_edit_refused(END_AT + 6, 3, "BEGIN", no_end);
	expect_edit_refused(END_AT, 28, "", no_end);
	expect_refused(verify("", 0), no_begin);
	expect_refused(verify("-----BEGIN PGP SIGNATURE-----\n", 30), no_begin);
	expect_refused(verify(bare, strlen(bare)),
		       "not an SSH signature: it holds no base64");
	expect_edit_refused(BEGIN_LEN, 0, "\n",
			    "not an SSH signature: line 2 is empty");
	expect_edit_refused(LINE(3), 0, "\n",
			    "not an SSH signature: line 3 is empty");
	expect_edit_refused(END_AT, 0, "\n",
			    "not an SSH signature: line 6 is empty");
	memset(big, 'A', sizeof(big));
	expect_refused(verify(big, sizeof(big)),
		       "not an SSH signature: it is longer than 4096 bytes");
}

static void test_sshsig_verify_refuses_base64_junk(void **state)
{
	static const char bad_len[] = "not an SSH signature: its base64 has a "
				      "wrong length or padding";
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				       "opqrstuvwxyz0123456789+/";
	const char *last;
	char *armor;
	size_t len;

	(void)state;
	expect_edit_refused(LINE(3) + 5, 1, "*",
			    "not an SSH signature: line 3 is not base64");
	expect_edit_refused(LINE(2) + 70, 0, " ",
			    "not an SSH signature: line 2 is not base64");
	expect_edit_refused(LINE(4) + 10, 1, "=",
			    "not an SSH signature: line 4 is not base64");
	expect_edit_refused(LINE(5) + 22, 0, "\nAAAA",
			    "not an SSH signature: line 6 is not base64");
	expect_edit_refused(LINE(5) + 20, 0, "=\n",
			    "not an SSH signature: line 6 is not base64");
	expect_edit_refused(LINE(2), 1, "-",
			    "not an SSH signature: line 2 is not base64");
	expect_edit_refused(LINE(5) + 21, 1, "", bad_len);
	expect_edit_refused(LINE(5) + 17, 0, "A", bad_len);
	/* the last character carries two unused bits: they must be zero */
	armor = armor_edited(0, 0, "");
	len = strlen(armor);
	last = strchr(alphabet, armor[LINE(5) + 20]);
	armor[LINE(5) + 20] = alphabet[(last - alphabet) ^ 1];
	expect_refused(verify(armor, len), bad_len);
	armor[LINE(5) + 20] = *last;
	armor[LINE(3) + 7] = '\0';
	expect_refused(verify(armor, len),
		       "not an SSH signature: line 3 is not base64");
	free(armor);
}

/* ---- allowed signers ---- */

/* One allowed-signers line for the vector key, appended to `line`. */
static int allowed(sanshe_buf *line, const char *principal, const char *after,
		   const char *before)
{
	return sanshe_sshsig_allowed_signer(line, principal, vector_pk, after,
					    before);
}

static void test_sshsig_allowed_signer_line(void **state)
{
	sanshe_buf line = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(allowed(&line, "wang.fang@shequ.example", NULL, NULL), 0);
	assert_string_equal(line.ptr, "wang.fang@shequ.example "
				      "namespaces=\"git\" " VECTOR_OPENSSH "\n");
	sanshe_buf_clear(&line);
	assert_int_equal(allowed(&line, "王芳@三社", "20260101Z", "202612312359Z"),
			 0);
	assert_int_equal(allowed(&line, "li", NULL, "20261231235959Z"), 0);
	assert_string_equal(line.ptr,
			    "王芳@三社 namespaces=\"git\","
			    "valid-after=\"20260101Z\","
			    "valid-before=\"202612312359Z\" " VECTOR_OPENSSH "\n"
			    "li namespaces=\"git\","
			    "valid-before=\"20261231235959Z\" " VECTOR_OPENSSH "\n");
	sanshe_buf_dispose(&line);
}

static void test_sshsig_allowed_signer_refuses_odd_principals(void **state)
{
	static const char *const bad[] = {
		"", "wang fang", "wang\tfang", "wang\nfang", "\"wang\"", "a,b",
		"*", "*@shequ.example", "wang?", "!wang", "#wang", "a\\b",
		"caf\xe9", "a\x7f",
	};
	char longest[258];
	sanshe_buf line = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(sanshe_buf_puts(&line, "kept"), 0);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++) {
		assert_int_equal(allowed(&line, bad[i], NULL, NULL),
				 SANSHE_EINVALID);
		assert_non_null(strstr(sanshe_error_last(),
				       "cannot be the principal of an "
				       "allowed signer"));
	}
	memset(longest, 'w', sizeof(longest));
	longest[257] = '\0';
	assert_int_equal(allowed(&line, longest, NULL, NULL), SANSHE_EINVALID);
	assert_string_equal(line.ptr, "kept");
	longest[256] = '\0';
	assert_int_equal(allowed(&line, longest, NULL, NULL), 0);
	assert_int_equal(allowed(&line, "a#b@c", NULL, NULL), 0);
	sanshe_buf_dispose(&line);
}

static void test_sshsig_allowed_signer_refuses_bad_times(void **state)
{
	static const char *const bad[] = {
		"", "Z", "20260101", "20260101000000", "20260101000000z",
		"2026010100Z", "2026-01-01Z", "20261301Z", "20260001Z",
		"20260230Z", "20230229Z", "20260100Z", "20260101240000Z",
		"20260101236000Z", "20260101235960Z", "19691231Z",
		"202601010000000Z", "+2026010Z",
	};
	static const char *const good_times[] = {
		"20240229Z", "19700101Z", "202601012359Z", "20261231235959Z",
	};
	sanshe_buf line = SANSHE_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++) {
		assert_int_equal(allowed(&line, "li", bad[i], NULL),
				 SANSHE_EINVALID);
		assert_non_null(strstr(sanshe_error_last(), "is not a UTC time"));
		assert_int_equal(allowed(&line, "li", NULL, bad[i]),
				 SANSHE_EINVALID);
	}
	assert_string_equal(sanshe_error_last(),
			    "valid-before '+2026010Z' is not a UTC time: write "
			    "YYYYMMDDZ, YYYYMMDDHHMMZ or YYYYMMDDHHMMSSZ");
	assert_null(line.ptr);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(good_times); i++) {
		assert_int_equal(allowed(&line, "li", good_times[i], NULL), 0);
		assert_int_equal(allowed(&line, "li", NULL, good_times[i]), 0);
	}
	assert_int_equal(allowed(&line, "li", "20270101Z", "20261231235959Z"),
			 SANSHE_EINVALID);
	assert_string_equal(sanshe_error_last(),
			    "valid-after '20270101Z' is not earlier than "
			    "valid-before '20261231235959Z'");
	/* ssh-keygen refuses an empty window */
	assert_int_equal(allowed(&line, "li", "20261231Z", "202612310000Z"),
			 SANSHE_EINVALID);
	assert_int_equal(allowed(&line, "li", "20261231Z", "20261231000001Z"),
			 0);
	sanshe_buf_dispose(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sshsig_signature_verifies_and_names_its_signer),
		cmocka_unit_test(test_sshsig_hand_made_blob_verifies),
		cmocka_unit_test(test_sshsig_sign_refuses_locked_key_and_bad_namespace),
		cmocka_unit_test(test_sshsig_verify_refuses_every_truncation),
		cmocka_unit_test(test_sshsig_verify_refuses_huge_length_field),
		cmocka_unit_test(test_sshsig_verify_refuses_trailing_bytes),
		cmocka_unit_test(test_sshsig_verify_refuses_wrong_magic),
		cmocka_unit_test(test_sshsig_verify_refuses_other_versions),
		cmocka_unit_test(test_sshsig_verify_refuses_other_key_types),
		cmocka_unit_test(test_sshsig_verify_refuses_wrong_key_length),
		cmocka_unit_test(test_sshsig_verify_refuses_unknown_hash),
		cmocka_unit_test(test_sshsig_verify_refuses_wrong_namespace),
		cmocka_unit_test(test_sshsig_verify_refuses_nonempty_reserved),
		cmocka_unit_test(test_sshsig_verify_refuses_bad_signature_field),
		cmocka_unit_test(test_sshsig_verify_refuses_changed_signature_or_key),
		cmocka_unit_test(test_sshsig_verify_accepts_final_newline_and_any_width),
		cmocka_unit_test(test_sshsig_verify_refuses_bad_armor),
		cmocka_unit_test(test_sshsig_verify_refuses_base64_junk),
		cmocka_unit_test(test_sshsig_allowed_signer_line),
		cmocka_unit_test(test_sshsig_allowed_signer_refuses_odd_principals),
		cmocka_unit_test(test_sshsig_allowed_signer_refuses_bad_times),
	};
	int failed;

	if (sanshe_key_generate(&blob_key, "blob-maker") != 0)
		return 1;
	failed = cmocka_run_group_tests_name("sshsig", tests, NULL, NULL);
	sanshe_key_free(blob_key);
	return failed;
}

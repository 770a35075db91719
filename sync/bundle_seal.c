/*
 * Sealed bundles (bundle.h; the format is laid out in docs/bundle.md):
 *
 *   magic "SANSHE-BUNDLE 1\n" | sender pk (32) | recipients (u16, big-endian)
 *   | per recipient: Ed25519 pk (32), crypto_box_seal of the stream key (80)
 *   | secretstream header (24)
 *   | chunks: length (u32, big-endian) + ciphertext, the last tagged FINAL
 *   | Ed25519 signature (64) of CONTEXT + BLAKE2b-512 of all the above
 */
#include "common.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "bundle_int.h"

#define MAGIC_LEN (sizeof(SANSHE_BUNDLE_MAGIC) - 1)
#define KEY_BYTES crypto_secretstream_xchacha20poly1305_KEYBYTES
#define SEALED_KEY_BYTES (crypto_box_SEALBYTES + KEY_BYTES)
#define ENTRY_BYTES (SANSHE_KEY_PUBLIC_BYTES + SEALED_KEY_BYTES)
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define HASH_BYTES crypto_generichash_BYTES_MAX
/* What the sender signs: this context, then the hash. */
#define CONTEXT "SANSHE-BUNDLE-SIGNATURE 1\n"
#define CONTEXT_LEN (sizeof(CONTEXT) - 1)
/* Recipients named in the message of a bundle meant for others. */
#define NAMED_MAX 4

/* A sealed bundle being written or read: the stream, and the hash so far. */
typedef struct sealed {
	FILE *fp;
	crypto_generichash_state hash;
} sealed;

static int emit(sealed *s, const void *data, size_t len)
{
	if (fwrite(data, 1, len, s->fp) != len)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot write the sealed bundle"));
	crypto_generichash_update(&s->hash, data, len);
	return 0;
}

/* Read exactly `len` bytes: 0, or SANSHE_EPARSE "cut short", or SANSHE_EIO. */
static int take(sealed *s, void *data, size_t len)
{
	size_t n = fread(data, 1, len, s->fp);

	if (n != len) {
		if (ferror(s->fp))
			return sanshe_error_set_os(SANSHE_EIO, _("cannot read the sealed bundle"));
		return sanshe_error_set(SANSHE_EPARSE,
					_("the sealed bundle is cut short (truncated)"));
	}
	crypto_generichash_update(&s->hash, data, len);
	return 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void sign_message(unsigned char msg[CONTEXT_LEN + HASH_BYTES], sealed *s)
{
	memcpy(msg, CONTEXT, CONTEXT_LEN);
	crypto_generichash_final(&s->hash, msg + CONTEXT_LEN, HASH_BYTES);
}

/* ---- sealing ---- */

static int seal_header(sealed *s, const sanshe_key *sender, const unsigned char *key,
		       const unsigned char (*recipients)[SANSHE_KEY_PUBLIC_BYTES], size_t count)
{
	unsigned char x[SANSHE_KEY_X25519_BYTES], box[SEALED_KEY_BYTES], n[2];
	size_t i;
	int err;

	n[0] = (unsigned char)(count >> 8);
	n[1] = (unsigned char)count;
	if ((err = emit(s, SANSHE_BUNDLE_MAGIC, MAGIC_LEN)) != 0 ||
	    (err = emit(s, sanshe_key_public(sender), SANSHE_KEY_PUBLIC_BYTES)) != 0 ||
	    (err = emit(s, n, sizeof(n))) != 0)
		return err;
	for (i = 0; i < count; i++) {
		if (sanshe_key_x25519_public(x, recipients[i]) != 0)
			return sanshe_error_prefix(_("recipient %zu"), i + 1);
		if (crypto_box_seal(box, key, KEY_BYTES, x) != 0)
			return sanshe_error_set(SANSHE_ERROR, _("cannot seal the bundle's key"));
		if ((err = emit(s, recipients[i], SANSHE_KEY_PUBLIC_BYTES)) != 0 ||
		    (err = emit(s, box, sizeof(box))) != 0)
			return err;
	}
	return 0;
}

/* Read up to a chunk of plain bundle; `*last` when the input has no more. */
static int read_plain(FILE *in, unsigned char *buf, size_t *len, int *last)
{
	int c;

	*len = fread(buf, 1, SANSHE_BUNDLE_CHUNK, in);
	if (ferror(in))
		return sanshe_error_set_os(SANSHE_EIO, _("cannot read the plain bundle"));
	*last = 1;
	if (*len == SANSHE_BUNDLE_CHUNK && (c = getc(in)) != EOF) {
		*last = 0;
		ungetc(c, in);
	}
	return 0;
}

static int seal_chunks(sealed *s, FILE *in, const unsigned char *key, unsigned char *plain,
		       unsigned char *cipher)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES], len4[4];
	unsigned long long clen;
	size_t len;
	int last = 0, err = 0;

	crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
	if ((err = emit(s, header, sizeof(header))) != 0)
		goto done;
	while (!last) {
		if ((err = read_plain(in, plain, &len, &last)) != 0)
			goto done;
		crypto_secretstream_xchacha20poly1305_push(
			&st, cipher, &clen, plain, len, NULL, 0,
			last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		put_be32(len4, (uint32_t)clen);
		if ((err = emit(s, len4, 4)) != 0 || (err = emit(s, cipher, clen)) != 0)
			goto done;
	}
done:
	sodium_memzero(&st, sizeof(st));
	return err;
}

int sanshe_bundle_seal_stream(FILE *in, FILE *out, const sanshe_key *sender,
			      const unsigned char (*recipients)[SANSHE_KEY_PUBLIC_BYTES],
			      size_t count)
{
	unsigned char key[KEY_BYTES], msg[CONTEXT_LEN + HASH_BYTES];
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	unsigned char *plain = NULL, *cipher = NULL;
	sealed s = { out, { { 0 } } };
	int err;

	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, _("libsodium cannot start"));
	if (!sanshe_key_is_unlocked(sender))
		return sanshe_error_set(SANSHE_EINVALID, _("key '%s' is locked: it cannot sign"),
					sanshe_key_name(sender));
	if (count == 0 || count > SANSHE_BUNDLE_RECIPIENTS_MAX)
		return sanshe_error_set(SANSHE_EINVALID,
					_("a sealed bundle has 1 to %d recipients, not %zu"),
					SANSHE_BUNDLE_RECIPIENTS_MAX, count);
	plain = malloc(SANSHE_BUNDLE_CHUNK);
	cipher = malloc(SANSHE_BUNDLE_CHUNK + ABYTES);
	if (!plain || !cipher) {
		err = sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
		goto done;
	}
	crypto_generichash_init(&s.hash, NULL, 0, HASH_BYTES);
	crypto_secretstream_xchacha20poly1305_keygen(key);
	if ((err = seal_header(&s, sender, key, recipients, count)) != 0 ||
	    (err = seal_chunks(&s, in, key, plain, cipher)) != 0)
		goto done;
	sign_message(msg, &s);
	if ((err = sanshe_key_sign(sender, sig, msg, sizeof(msg))) != 0)
		goto done;
	if (fwrite(sig, 1, sizeof(sig), out) != sizeof(sig))
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot write the sealed bundle"));
done:
	sodium_memzero(key, sizeof(key));
	if (plain)
		sodium_memzero(plain, SANSHE_BUNDLE_CHUNK);
	free(plain);
	free(cipher);
	return err;
}

/* ---- opening ---- */

static int tampered(const char *what)
{
	return sanshe_error_set(SANSHE_EBADSIG, _("the sealed bundle was tampered with: %s"), what);
}

static int not_for_me(const unsigned char *named, size_t count)
{
	sanshe_buf list = SANSHE_BUF_INIT;
	char fp[SANSHE_KEY_FINGERPRINT_MAX];
	size_t i, shown = count < NAMED_MAX ? count : NAMED_MAX;
	int err;

	for (i = 0; i < shown; i++) {
		if (sanshe_key_fingerprint_of(fp, named + i * SANSHE_KEY_PUBLIC_BYTES) != 0)
			snprintf(fp, sizeof(fp), "?");
		sanshe_buf_printf(&list, "%s%s", i ? ", " : "", fp);
	}
	if (count > shown)
		sanshe_buf_printf(&list, _(" and %zu more"), count - shown);
	err = sanshe_error_set(SANSHE_ENOTFOUND, _("this bundle is for other recipients: %s"),
			       list.ptr ? list.ptr : "");
	sanshe_buf_dispose(&list);
	return err;
}

/*
 * The header up to the chunks: checks the magic, finds the entry of `me`
 * and opens the stream key sealed to it into `key`.
 */
static int open_header(sealed *s, const sanshe_key *me, unsigned char sender[32],
		       unsigned char key[KEY_BYTES])
{
	unsigned char magic[MAGIC_LEN], n[2], entry[ENTRY_BYTES];
	unsigned char named[NAMED_MAX * SANSHE_KEY_PUBLIC_BYTES];
	unsigned char x_pk[SANSHE_KEY_X25519_BYTES], x_sk[SANSHE_KEY_X25519_BYTES];
	unsigned char box[SEALED_KEY_BYTES];
	size_t count, i;
	int found = 0, err;

	if (take(s, magic, MAGIC_LEN) != 0 || memcmp(magic, SANSHE_BUNDLE_MAGIC, MAGIC_LEN) != 0)
		return sanshe_error_set(SANSHE_EPARSE, _("not a sanshe bundle"));
	if ((err = take(s, sender, SANSHE_KEY_PUBLIC_BYTES)) != 0 || (err = take(s, n, 2)) != 0)
		return err;
	count = (size_t)n[0] << 8 | n[1];
	if (count == 0 || count > SANSHE_BUNDLE_RECIPIENTS_MAX)
		return tampered(_("a recipient count out of range"));
	for (i = 0; i < count; i++) {
		if ((err = take(s, entry, sizeof(entry))) != 0)
			return err;
		if (i < NAMED_MAX)
			memcpy(named + i * SANSHE_KEY_PUBLIC_BYTES, entry, SANSHE_KEY_PUBLIC_BYTES);
		if (!found && sodium_memcmp(entry, sanshe_key_public(me), SANSHE_KEY_PUBLIC_BYTES) == 0) {
			memcpy(box, entry + SANSHE_KEY_PUBLIC_BYTES, sizeof(box));
			found = 1;
		}
	}
	if (!found)
		return not_for_me(named, count);
	if ((err = sanshe_key_x25519_public(x_pk, sanshe_key_public(me))) != 0 ||
	    (err = sanshe_key_x25519_secret(me, x_sk)) != 0)
		return err;
	err = crypto_box_seal_open(key, box, sizeof(box), x_pk, x_sk) == 0
		      ? 0
		      : tampered(_("the key sealed to this recipient does not open"));
	sodium_memzero(x_sk, sizeof(x_sk));
	return err;
}

static int open_chunks(sealed *s, FILE *out, const unsigned char key[KEY_BYTES],
		       unsigned char *cipher, unsigned char *plain)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES], len4[4];
	unsigned long long plen;
	unsigned char tag = 0;
	uint32_t clen;
	int err;

	if ((err = take(s, header, sizeof(header))) != 0)
		goto done;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, header, key) != 0) {
		err = tampered(_("a bad stream header"));
		goto done;
	}
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		if ((err = take(s, len4, 4)) != 0)
			goto done;
		clen = get_be32(len4);
		if (clen < ABYTES || clen > SANSHE_BUNDLE_CHUNK + ABYTES) {
			err = tampered(_("a chunk length out of range"));
			goto done;
		}
		if ((err = take(s, cipher, clen)) != 0)
			goto done;
		if (crypto_secretstream_xchacha20poly1305_pull(&st, plain, &plen, &tag, cipher,
							       clen, NULL, 0) != 0) {
			err = tampered(_("a chunk fails its authentication"));
			goto done;
		}
		if (fwrite(plain, 1, plen, out) != plen) {
			err = sanshe_error_set_os(SANSHE_EIO, _("cannot write the plain bundle"));
			goto done;
		}
	}
done:
	sodium_memzero(&st, sizeof(st));
	return err;
}

/* The signature, the end of the file, and whether it verifies. */
static int open_signature(sealed *s, const unsigned char sender[32])
{
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES], msg[CONTEXT_LEN + HASH_BYTES];
	size_t n = fread(sig, 1, sizeof(sig), s->fp);

	if (ferror(s->fp))
		return sanshe_error_set_os(SANSHE_EIO, _("cannot read the sealed bundle"));
	if (n != sizeof(sig))
		return sanshe_error_set(SANSHE_EPARSE,
					_("the sealed bundle is cut short (truncated)"));
	if (getc(s->fp) != EOF)
		return tampered(_("bytes after the signature"));
	sign_message(msg, s);
	if (sanshe_key_verify(sender, sig, msg, sizeof(msg)) != 0)
		return tampered(_("the sender's signature does not verify"));
	return 0;
}

int sanshe_bundle_open_stream(FILE *in, FILE *out, const sanshe_key *me,
			      unsigned char sender[SANSHE_KEY_PUBLIC_BYTES])
{
	unsigned char key[KEY_BYTES];
	unsigned char *plain = NULL, *cipher = NULL;
	sealed s = { in, { { 0 } } };
	int err;

	memset(sender, 0, SANSHE_KEY_PUBLIC_BYTES);
	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, _("libsodium cannot start"));
	if (!sanshe_key_is_unlocked(me))
		return sanshe_error_set(SANSHE_EINVALID, _("key '%s' is locked: it cannot open bundles"),
					sanshe_key_name(me));
	plain = malloc(SANSHE_BUNDLE_CHUNK);
	cipher = malloc(SANSHE_BUNDLE_CHUNK + ABYTES);
	if (!plain || !cipher) {
		err = sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
		goto done;
	}
	crypto_generichash_init(&s.hash, NULL, 0, HASH_BYTES);
	if ((err = open_header(&s, me, sender, key)) != 0 ||
	    (err = open_chunks(&s, out, key, cipher, plain)) != 0)
		goto done;
	err = open_signature(&s, sender);
done:
	sodium_memzero(key, sizeof(key));
	if (plain)
		sodium_memzero(plain, SANSHE_BUNDLE_CHUNK);
	free(plain);
	free(cipher);
	if (err != 0)
		memset(sender, 0, SANSHE_KEY_PUBLIC_BYTES);
	return err;
}

/* ---- files ---- */

int sanshe_bundle_seal(const char *plain, const char *sealed_path, const sanshe_key *sender,
		       const unsigned char (*recipients)[SANSHE_KEY_PUBLIC_BYTES],
		       size_t count)
{
	sanshe_buf tmp = SANSHE_BUF_INIT;
	FILE *in, *out = NULL;
	int err;

	in = fopen(plain, "rb");
	if (!in)
		return sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					   _("cannot open '%s'"), plain);
	if ((err = sanshe_bundle__temp_open(sealed_path, &tmp, &out)) == 0) {
		err = sanshe_bundle_seal_stream(in, out, sender, recipients, count);
		err = sanshe_bundle__temp_finish(out, tmp.ptr, sealed_path, err);
	}
	fclose(in);
	sanshe_buf_dispose(&tmp);
	return err;
}

int sanshe_bundle_open(const char *sealed_path, const char *plain, const sanshe_key *me,
		       unsigned char sender[SANSHE_KEY_PUBLIC_BYTES])
{
	sanshe_buf tmp = SANSHE_BUF_INIT;
	FILE *in, *out = NULL;
	int err;

	memset(sender, 0, SANSHE_KEY_PUBLIC_BYTES);
	in = fopen(sealed_path, "rb");
	if (!in)
		return sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					   _("cannot open '%s'"), sealed_path);
	if ((err = sanshe_bundle__temp_open(plain, &tmp, &out)) == 0) {
		err = sanshe_bundle_open_stream(in, out, me, sender);
		if (err != 0)
			sanshe_error_prefix("'%s'", sealed_path);
		err = sanshe_bundle__temp_finish(out, tmp.ptr, plain, err);
	}
	if (err != 0)
		memset(sender, 0, SANSHE_KEY_PUBLIC_BYTES);
	fclose(in);
	sanshe_buf_dispose(&tmp);
	return err;
}

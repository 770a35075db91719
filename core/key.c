/* Ed25519 key pairs, their fingerprints and their OpenSSH public form. */
#include "common.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "key_int.h"

_Static_assert(SANSHE_KEY_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "pk");
_Static_assert(SANSHE_KEY_SIGNATURE_BYTES == crypto_sign_BYTES, "sig");
_Static_assert(SANSHE_KEY_SEED_BYTES == crypto_sign_SEEDBYTES, "seed");

#define SSH_TYPE "ssh-ed25519"
#define SSH_TYPE_LEN 11
/* base64 of the 51-byte blob: 68 characters, with its NUL. */
#define SSH_BLOB_B64_MAX sodium_base64_ENCODED_LEN(SANSHE_KEY_SSH_BLOB_BYTES, \
	sodium_base64_VARIANT_ORIGINAL)

int sanshe_key__crypto_ready(void)
{
	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, "%s",
					_("cannot initialise libsodium"));
	return 0;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int sanshe_key__name_ok(const char *name, size_t len)
{
	if (len == 0 || len > SANSHE_KEY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(name[i]) &&
		    (i == 0 || !name[i] || !strchr("._-", name[i])))
			return 0;
	return 1;
}

int sanshe_key_name_check(const char *name)
{
	if (sanshe_key__name_ok(name, strnlen(name, SANSHE_KEY_NAME_MAX + 1)))
		return 0;
	return sanshe_error_set(SANSHE_EINVALID,
				_("'%.*s' is not a valid key name: use up to %d "
				  "letters, digits, '.', '_' and '-', beginning "
				  "with a letter or digit"),
				SANSHE_KEY_NAME_MAX + 2, name, SANSHE_KEY_NAME_MAX);
}

int sanshe_kdf_limits_named(sanshe_kdf_limits *out, const char *name)
{
	if (strcmp(name, "interactive") == 0) {
		out->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		out->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	} else if (strcmp(name, "moderate") == 0) {
		out->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		out->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	} else if (strcmp(name, "sensitive") == 0) {
		out->opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
		out->memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
	} else {
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' is not a passphrase hashing cost: use "
					  "interactive, moderate or sensitive"),
					name);
	}
	return 0;
}

int sanshe_key__new(sanshe_key **out, const char *name,
		    const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	sanshe_key *key;
	int err;

	*out = NULL;
	if ((err = sanshe_key_name_check(name)) != 0)
		return err;
	if (!(key = calloc(1, sizeof(*key))))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	memcpy(key->name, name, strlen(name) + 1);
	memcpy(key->pk, pk, SANSHE_KEY_PUBLIC_BYTES);
	if ((err = sanshe_key_fingerprint_of(key->fingerprint, pk)) != 0) {
		free(key);
		return err;
	}
	*out = key;
	return 0;
}

int sanshe_key__unlock_with_seed(sanshe_key *key,
				 const unsigned char seed[SANSHE_KEY_SEED_BYTES])
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char *sk;

	if (!(sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	crypto_sign_seed_keypair(pk, sk, seed);
	if (sodium_memcmp(pk, key->pk, sizeof(pk)) != 0) {
		sodium_free(sk);
		return sanshe_error_set(SANSHE_EINVALID,
					_("the secret key of '%s' does not match "
					  "its public key"), key->name);
	}
	sodium_free(key->sk);
	key->sk = sk;
	return 0;
}

int sanshe_key_generate(sanshe_key **out, const char *name)
{
	unsigned char seed[SANSHE_KEY_SEED_BYTES];
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	int err;

	*out = NULL;
	if ((err = sanshe_key_name_check(name)) != 0 ||
	    (err = sanshe_key__crypto_ready()) != 0)
		return err;
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	if ((err = sanshe_key__new(out, name, pk)) == 0 &&
	    (err = sanshe_key__unlock_with_seed(*out, seed)) != 0) {
		sanshe_key_free(*out);
		*out = NULL;
	}
	sodium_memzero(seed, sizeof(seed));
	return err;
}

const char *sanshe_key_name(const sanshe_key *key)
{
	return key->name;
}

const unsigned char *sanshe_key_public(const sanshe_key *key)
{
	return key->pk;
}

const char *sanshe_key_fingerprint(const sanshe_key *key)
{
	return key->fingerprint;
}

int sanshe_key_is_unlocked(const sanshe_key *key)
{
	return key->sk != NULL;
}

int sanshe_key_openssh(const sanshe_key *key, sanshe_buf *out)
{
	return sanshe_key_openssh_of(out, key->pk, key->name);
}

int sanshe_key_sign(const sanshe_key *key,
		    unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES],
		    const void *msg, size_t len)
{
	if (!key->sk) {
		sodium_memzero(sig, SANSHE_KEY_SIGNATURE_BYTES);
		return sanshe_error_set(SANSHE_EINVALID,
					_("key '%s' is locked: unlock it to sign"),
					key->name);
	}
	crypto_sign_detached(sig, NULL, msg, len, key->sk);
	return 0;
}

int sanshe_key_verify(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
		      const unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES],
		      const void *msg, size_t len)
{
	if (sanshe_key__crypto_ready() != 0)
		return SANSHE_EBADSIG;
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return sanshe_error_set(SANSHE_EBADSIG, "%s",
					_("the signature does not verify"));
	return 0;
}

void sanshe_key_free(sanshe_key *key)
{
	if (!key)
		return;
	sodium_free(key->sk);
	sodium_memzero(key, sizeof(*key));
	free(key);
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void sanshe_key_ssh_blob(unsigned char out[SANSHE_KEY_SSH_BLOB_BYTES],
			 const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	put_u32(out, SSH_TYPE_LEN);
	memcpy(out + 4, SSH_TYPE, SSH_TYPE_LEN);
	put_u32(out + 4 + SSH_TYPE_LEN, SANSHE_KEY_PUBLIC_BYTES);
	memcpy(out + 8 + SSH_TYPE_LEN, pk, SANSHE_KEY_PUBLIC_BYTES);
}

int sanshe_key_fingerprint_of(char out[SANSHE_KEY_FINGERPRINT_MAX],
			      const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	unsigned char blob[SANSHE_KEY_SSH_BLOB_BYTES];
	unsigned char hash[crypto_hash_sha256_BYTES];
	int err;

	if ((err = sanshe_key__crypto_ready()) != 0)
		return err;
	sanshe_key_ssh_blob(blob, pk);
	crypto_hash_sha256(hash, blob, sizeof(blob));
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, SANSHE_KEY_FINGERPRINT_MAX - 7, hash,
			  sizeof(hash), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return 0;
}

int sanshe_key_openssh_of(sanshe_buf *out,
			  const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			  const char *comment)
{
	unsigned char blob[SANSHE_KEY_SSH_BLOB_BYTES];
	char b64[SSH_BLOB_B64_MAX];
	int err;

	if ((err = sanshe_key__crypto_ready()) != 0)
		return err;
	sanshe_key_ssh_blob(blob, pk);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
			  sodium_base64_VARIANT_ORIGINAL);
	if (comment && *comment)
		return sanshe_buf_printf(out, "%s %s %s", SSH_TYPE, b64, comment);
	return sanshe_buf_printf(out, "%s %s", SSH_TYPE, b64);
}

static int bad_line(const char *why)
{
	return sanshe_error_set(SANSHE_EPARSE, _("not an OpenSSH public key: %s"),
				why);
}

/* Check the decoded blob and take the public key out of it. */
static int read_blob(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
		     const unsigned char *blob, size_t len)
{
	unsigned char want[SANSHE_KEY_SSH_BLOB_BYTES];

	if (len >= 4 + SSH_TYPE_LEN &&
	    (memcmp(blob, "\0\0\0\13" SSH_TYPE, 4 + SSH_TYPE_LEN) != 0))
		return bad_line(_("its key data is not of type ssh-ed25519"));
	if (len != SANSHE_KEY_SSH_BLOB_BYTES)
		return bad_line(_("its key data has the wrong length"));
	memcpy(pk, blob + 8 + SSH_TYPE_LEN, SANSHE_KEY_PUBLIC_BYTES);
	sanshe_key_ssh_blob(want, pk);
	if (memcmp(want, blob, sizeof(want)) != 0)
		return bad_line(_("its key data has the wrong length"));
	return 0;
}

static int decode_key_data(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			   const char *b64, size_t b64_len)
{
	unsigned char blob[SANSHE_KEY_SSH_BLOB_BYTES + 16];
	size_t len;

	if (b64_len == 0)
		return bad_line(_("the key data is missing"));
	if (sodium_base642bin(blob, sizeof(blob), b64, b64_len, NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return bad_line(b64_len > 2 * sizeof(blob) ?
					_("its key data is too long") :
					_("its key data is not base64"));
	return read_blob(pk, blob, len);
}

static int check_key_type(const char *type, size_t len)
{
	if (len == SSH_TYPE_LEN && memcmp(type, SSH_TYPE, len) == 0)
		return 0;
	if (len == 0)
		return bad_line(_("it does not begin with a key type"));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)type[i] < 0x21 || (unsigned char)type[i] > 0x7e)
			return bad_line(_("it does not begin with a key type"));
	return sanshe_error_set(SANSHE_EPARSE,
				_("'%.*s' keys are not supported: sanshe uses "
				  "ssh-ed25519 keys only"),
				(int)(len > 40 ? 40 : len), type);
}

static int check_comment(const char *comment, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)comment[i] < 0x20 || comment[i] == 0x7f)
			return bad_line(_("it holds a control character or more "
					  "than one line"));
	return 0;
}

int sanshe_key_parse_openssh(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			     sanshe_buf *comment, const char *line)
{
	size_t len = strlen(line), type_len, data_len;
	const char *data, *rest;
	int err;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	type_len = strcspn(line, " \t\r\n");
	if ((err = check_key_type(line, type_len)) != 0)
		return err;
	data = line + type_len + strspn(line + type_len, " \t");
	data_len = strcspn(data, " \t\r\n");
	if ((err = decode_key_data(pk, data, data_len)) != 0)
		return err;
	rest = data + data_len + strspn(data + data_len, " \t");
	if ((size_t)(rest - line) > len)
		rest = line + len;
	if ((err = check_comment(rest, len - (size_t)(rest - line))) != 0)
		return err;
	if (comment && (err = sanshe_buf_put(comment, rest,
					     len - (size_t)(rest - line))) != 0)
		return err;
	return 0;
}

int sanshe_key_x25519_public(unsigned char out[SANSHE_KEY_X25519_BYTES],
			     const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	if (crypto_sign_ed25519_pk_to_curve25519(out, pk) != 0) {
		sodium_memzero(out, SANSHE_KEY_X25519_BYTES);
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("this public key has no X25519 form: not a usable key"));
	}
	return 0;
}

int sanshe_key_x25519_secret(const sanshe_key *key, unsigned char out[SANSHE_KEY_X25519_BYTES])
{
	if (!key->sk)
		return sanshe_error_set(SANSHE_EINVALID, _("key '%s' is locked"), key->name);
	if (crypto_sign_ed25519_sk_to_curve25519(out, key->sk) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("key '%s' has no X25519 form"), key->name);
	return 0;
}

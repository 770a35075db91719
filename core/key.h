/*
 * Ed25519 keys: each member signs with a key pair kept in the home
 * directory (`SANSHE_HOME`), the secret half encrypted under a passphrase.
 *
 * A sanshe_key is an opaque handle holding a name, the public key and its
 * SSH fingerprint, and — only after sanshe_key_generate or sanshe_key_unlock
 * — the secret key, in guarded memory (sodium_malloc) wiped when the key is
 * freed.  Public keys travel in OpenSSH form (`ssh-ed25519 AAAA… NAME`) and
 * are named by their fingerprint (`SHA256:…`), identical to what
 * `ssh-keygen -l` prints.
 *
 * In the home directory:
 *   keys/NAME.key  JSON: version, name, public (OpenSSH line), kdf
 *                  ("argon2id13"), opslimit, memlimit, salt, nonce, box (the
 *                  32-byte seed sealed with crypto_secretbox under a key
 *                  derived from the passphrase by Argon2id); mode 0600,
 *                  written once and never replaced
 *   keys/NAME.pub  the OpenSSH public line, mode 0644
 *   default        the name of the default key (set when the first key is
 *                  saved, or by sanshe_key_default_set)
 * A key file is hostile input: every field is checked before use.
 */
#ifndef SANSHE_KEY_H
#define SANSHE_KEY_H

#include <stddef.h>

#include "buf.h"

/** Longest key name (`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`). */
#define SANSHE_KEY_NAME_MAX 64
/** Bytes of an Ed25519 public key (crypto_sign_PUBLICKEYBYTES). */
#define SANSHE_KEY_PUBLIC_BYTES 32
/** Bytes of an Ed25519 signature (crypto_sign_BYTES). */
#define SANSHE_KEY_SIGNATURE_BYTES 64
/** Bytes of the SSH wire form: string "ssh-ed25519" + string pk. */
#define SANSHE_KEY_SSH_BLOB_BYTES 51
/** Room for a fingerprint, "SHA256:" + 43 base64 characters, with its NUL. */
#define SANSHE_KEY_FINGERPRINT_MAX 51

typedef struct sanshe_key sanshe_key;

/** Cost of the passphrase hash (Argon2id) when a key is saved. */
typedef struct sanshe_kdf_limits {
	unsigned long long opslimit;
	size_t memlimit;
} sanshe_kdf_limits;

/**
 * The limits libsodium calls `name`: "interactive" (fast, ~0.1 s),
 * "moderate" (the default, ~0.5 s) or "sensitive" (~3 s, 1 GiB).
 * 0 or SANSHE_EINVALID.
 */
int sanshe_kdf_limits_named(sanshe_kdf_limits *out, const char *name);

/**
 * Is `name` a valid key name?  0, or SANSHE_EINVALID with a message saying
 * what a name may hold.
 */
int sanshe_key_name_check(const char *name);

/**
 * Make a new key pair called `name`, unlocked, in memory only.
 *
 * @param out  receives the key, freed with sanshe_key_free
 * @return 0, SANSHE_EINVALID (bad name) or SANSHE_ENOMEM
 */
int sanshe_key_generate(sanshe_key **out, const char *name);

/** The key's name (borrowed). */
const char *sanshe_key_name(const sanshe_key *key);

/** The key's public key, SANSHE_KEY_PUBLIC_BYTES bytes (borrowed). */
const unsigned char *sanshe_key_public(const sanshe_key *key);

/** The key's fingerprint, "SHA256:…" (borrowed). */
const char *sanshe_key_fingerprint(const sanshe_key *key);

/** Does the key hold its secret half (can it sign)? */
int sanshe_key_is_unlocked(const sanshe_key *key);

/** Append the key's OpenSSH public line, `ssh-ed25519 AAAA… NAME`. */
int sanshe_key_openssh(const sanshe_key *key, sanshe_buf *out);

/**
 * Sign `len` bytes of `msg` (Ed25519, detached).  The key must be unlocked
 * (SANSHE_EINVALID otherwise).  On failure `sig` is zeroed.
 */
int sanshe_key_sign(const sanshe_key *key,
		    unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES],
		    const void *msg, size_t len);

/**
 * Check an Ed25519 signature of `len` bytes of `msg` by the public key
 * `pk`.  0 when it verifies, SANSHE_EBADSIG otherwise.
 */
int sanshe_key_verify(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
		      const unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES],
		      const void *msg, size_t len)
	__attribute__((warn_unused_result));

/** Bytes of an X25519 key, public or secret. */
#define SANSHE_KEY_X25519_BYTES 32

/**
 * The key's Ed25519 public key as X25519 (for sealed boxes and key
 * exchange, DESIGN §6): 0, or SANSHE_EINVALID for a point that has none.
 */
int sanshe_key_x25519_public(unsigned char out[SANSHE_KEY_X25519_BYTES],
			     const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/**
 * The key's secret half as X25519, written into `out`, which the caller
 * keeps in locked memory and wipes (sodium_memzero).  The key must be
 * unlocked (SANSHE_EINVALID otherwise).
 */
int sanshe_key_x25519_secret(const sanshe_key *key, unsigned char out[SANSHE_KEY_X25519_BYTES]);

/** Wipe and release a key.  NULL is fine. */
void sanshe_key_free(sanshe_key *key);

/** The SSH wire form of a public key (what SSHSIG and fingerprints hash). */
void sanshe_key_ssh_blob(unsigned char out[SANSHE_KEY_SSH_BLOB_BYTES],
			 const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/** The fingerprint of a public key, as `ssh-keygen -l` prints it. */
int sanshe_key_fingerprint_of(char out[SANSHE_KEY_FINGERPRINT_MAX],
			      const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/**
 * Append the OpenSSH line of a public key: `ssh-ed25519 AAAA…`, then a
 * space and `comment` unless it is NULL or empty.
 */
int sanshe_key_openssh_of(sanshe_buf *out,
			  const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			  const char *comment);

/**
 * Read an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`, one
 * trailing newline allowed).  Only ssh-ed25519 keys are accepted.
 *
 * @param pk       receives the public key
 * @param comment  if not NULL, receives the comment (empty when none)
 * @return 0 or SANSHE_EPARSE with a message saying what is wrong
 */
int sanshe_key_parse_openssh(unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			     sanshe_buf *comment, const char *line);

/**
 * Save `key` (which must be unlocked) in `home`, its secret half encrypted
 * under `passphrase` (not empty).  Makes `home` (mode 0700) and `home/keys`
 * when missing; the first key saved becomes the default.
 *
 * @param limits  cost of the passphrase hash; NULL for "moderate"
 * @return 0, SANSHE_EEXISTS (a key of that name exists: nothing is
 *         replaced), SANSHE_EINVALID, SANSHE_ENOMEM or SANSHE_EIO
 */
int sanshe_key_save(const sanshe_key *key, const char *home,
		    const char *passphrase, const sanshe_kdf_limits *limits);

/**
 * Load the public half of the key `name` from `home`.
 *
 * @param out  receives a locked key, freed with sanshe_key_free
 * @return 0, SANSHE_ENOTFOUND, SANSHE_EINVALID (bad name), SANSHE_EPARSE (a
 *         damaged key file; the message names it) or SANSHE_EIO
 */
int sanshe_key_load_public(sanshe_key **out, const char *home,
			   const char *name);

/**
 * Load the key `name` from `home` and decrypt its secret half.
 *
 * @param out  receives an unlocked key, freed with sanshe_key_free
 * @return 0, SANSHE_EPASSPHRASE ("wrong passphrase for key 'NAME'"; a
 *         tampered secret box reads the same), or as sanshe_key_load_public
 */
int sanshe_key_unlock(sanshe_key **out, const char *home, const char *name,
		      const char *passphrase);

/**
 * Called by sanshe_key_list for each key, with its public half (borrowed
 * for the call).  A non-zero return stops the listing and is returned.
 */
typedef int (*sanshe_key_list_cb)(const sanshe_key *key, void *payload);

/**
 * Call `cb` for every key of `home`, in byte order of their names.  A home
 * or key directory that does not exist has no keys.  0, the callback's
 * non-zero value, or the error of a key that cannot be loaded.
 */
int sanshe_key_list(const char *home, sanshe_key_list_cb cb, void *payload);

/**
 * Find the key of `home` whose fingerprint is `fingerprint` ("SHA256:…").
 * @param out  receives a locked key, freed with sanshe_key_free
 * @return 0, SANSHE_ENOTFOUND, or as sanshe_key_list
 */
int sanshe_key_find_fingerprint(sanshe_key **out, const char *home,
				const char *fingerprint);

/**
 * Append the name of the default key of `home` to `name`: the one named by
 * `home/default`, or when that file is missing the first key made.
 * 0, SANSHE_ENOTFOUND (no key at all), SANSHE_EPARSE (a damaged default
 * file) or SANSHE_EIO.
 */
int sanshe_key_default_get(const char *home, sanshe_buf *name);

/** Make the existing key `name` the default.  0, SANSHE_ENOTFOUND, … */
int sanshe_key_default_set(const char *home, const char *name);

#endif

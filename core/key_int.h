/*
 * Inside the key module: the key object, shared by key.c (the key pair and
 * its SSH forms) and key_file.c (keys kept in the home directory).
 */
#ifndef SANSHE_KEY_INT_H
#define SANSHE_KEY_INT_H

#include "key.h"

/** Bytes of the seed a key pair is made from (crypto_sign_SEEDBYTES). */
#define SANSHE_KEY_SEED_BYTES 32

struct sanshe_key {
	char name[SANSHE_KEY_NAME_MAX + 1];
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
	/* crypto_sign_SECRETKEYBYTES in sodium_malloc'd memory; NULL if locked */
	unsigned char *sk;
};

/** Are the `len` bytes at `name` a valid key name?  Sets no message. */
int sanshe_key__name_ok(const char *name, size_t len);

/* libsodium initialised (idempotent): 0, or SANSHE_ERROR with a message. */
int sanshe_key__crypto_ready(void);

/** A locked key with a checked `name` and public key `pk`. */
int sanshe_key__new(sanshe_key **out, const char *name,
		    const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/**
 * Unlock `key` with the seed of its key pair.  SANSHE_EINVALID when the
 * seed makes another public key than the key's own.
 */
int sanshe_key__unlock_with_seed(sanshe_key *key,
				 const unsigned char seed[SANSHE_KEY_SEED_BYTES]);

#endif

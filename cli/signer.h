/* The key a command signs with, and the keys this home knows. */
#ifndef SANSHE_CLI_SIGNER_H
#define SANSHE_CLI_SIGNER_H

#include "key.h"

/**
 * Unlock the key called `name` (NULL: the home's default key), asking for
 * its passphrase (or taking SANSHE_PASSPHRASE).  `*out` is freed with
 * sanshe_key_free.
 */
int cli_signing_key(const char *name, sanshe_key **out);

/**
 * Make a new key called `name` in `home`, asking for its passphrase twice
 * on a terminal (or taking SANSHE_PASSPHRASE), with the Argon2id cost
 * SANSHE_KDF names.  `*key` can sign; free it with sanshe_key_free.
 */
int cli_make_key(sanshe_key **key, const char *home, const char *name);

/** A sanshe_doc_key_lookup over the public keys in this home. */
int cli_home_key_lookup(unsigned char pk[32], const char *fingerprint, void *payload);

#endif

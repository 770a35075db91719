/*
 * libFuzzer target: an SSH signature as it could arrive in a commit.  The
 * input is checked as the armored signature of a fixed message in the
 * namespace "git".  Nothing may crash, leak or hang; a refusal is
 * SANSHE_EBADSIG with a message and leaves the signer zeroed; an accepted
 * signature no longer verifies once the message changes.  Besides, the
 * input signed as a message with a known key verifies and names that key.
 */
#include "common.h"

#include <sodium.h>
#include <string.h>

#include "fuzz.h"
#include "key_int.h"
#include "sshsig.h"

/* The message the seeds sign (scripts/fuzz-seeds.sh). */
static const char message[] = "case c-17: home visit\n";

static sanshe_key *known;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[SANSHE_KEY_SEED_BYTES], pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	(void)argc;
	(void)argv;
	memset(seed, 0x5a, sizeof(seed));
	if (sodium_init() < 0)
		fuzz_fail("libsodium starts", NULL);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	if (sanshe_key__new(&known, "fuzz", pk) != 0 ||
	    sanshe_key__unlock_with_seed(known, seed) != 0)
		fuzz_fail("the known key is made", sanshe_error_last());
	return 0;
}

static void check_refusal(int err, const unsigned char pk[32])
{
	static const unsigned char zero[32];

	fuzz_require(err == SANSHE_EBADSIG, "a refusal is SANSHE_EBADSIG",
		     sanshe_error_last());
	fuzz_require(*sanshe_error_last() != '\0', "a refusal says why", NULL);
	fuzz_require(memcmp(pk, zero, sizeof(zero)) == 0,
		     "a refusal leaves the signer zeroed", sanshe_error_last());
}

/* The input as a signature of `message`. */
static void check_as_signature(const uint8_t *data, size_t size)
{
	unsigned char pk[32];
	char changed[sizeof(message)];
	int err;

	memset(pk, 0xaa, sizeof(pk));
	err = sanshe_sshsig_verify((const char *)data, size, "git", message,
				   strlen(message), pk);
	if (err != 0) {
		check_refusal(err, pk);
		return;
	}
	memcpy(changed, message, sizeof(message));
	changed[5] ^= 1;
	err = sanshe_sshsig_verify((const char *)data, size, "git", changed,
				   strlen(changed), pk);
	fuzz_require(err == SANSHE_EBADSIG,
		     "an accepted signature is bound to its message", NULL);
}

/* The input as a message signed with the known key. */
static void check_as_message(const uint8_t *data, size_t size)
{
	sanshe_buf armor = SANSHE_BUF_INIT;
	unsigned char pk[32];

	if (sanshe_sshsig_sign(&armor, known, "git", data, size) != 0)
		fuzz_fail("signing works", sanshe_error_last());
	if (sanshe_sshsig_verify(armor.ptr, armor.size, "git", data, size,
				 pk) != 0)
		fuzz_fail("a signature made here verifies", sanshe_error_last());
	fuzz_require(memcmp(pk, sanshe_key_public(known), sizeof(pk)) == 0,
		     "the signer is the known key", NULL);
	sanshe_buf_dispose(&armor);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_as_signature(data, size);
	check_as_message(data, size);
	return 0;
}

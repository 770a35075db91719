/*
 * libFuzzer target: bundles as they could arrive on a USB stick.  The
 * first byte of the input chooses what the rest is:
 *
 *   0  the header of a plain git bundle: parsed; an accepted header lies
 *      within the input, names at least one ref, and at most the bounds
 *   1  a sealed bundle opened by a known recipient: refused with a known
 *      code, a message and the sender zeroed (a forged bundle cannot open)
 *   2  a plain bundle sealed by a known sender to the known recipient: it
 *      opens to the same bytes and names the sender; with one byte of it
 *      changed (where and how chosen by the input) it is refused
 *
 * Nothing may crash, leak or hang.
 */
#include "common.h"

#include <git2.h>
#include <sodium.h>
#include <string.h>

#include "bundle.h"
#include "fuzz.h"
#include "key_int.h"

static sanshe_key *sender, *recipient;

int LLVMFuzzerInitialize(int *argc, char ***argv);

static sanshe_key *known_key(const char *name, unsigned char fill)
{
	unsigned char seed[SANSHE_KEY_SEED_BYTES], pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	sanshe_key *key = NULL;

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	if (sanshe_key__new(&key, name, pk) != 0 || sanshe_key__unlock_with_seed(key, seed) != 0)
		fuzz_fail("a known key is made", sanshe_error_last());
	return key;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || git_libgit2_init() < 1)
		fuzz_fail("libsodium and libgit2 start", NULL);
	sender = known_key("sender", 0x11);
	recipient = known_key("recipient", 0x22);
	return 0;
}

static void check_header(const uint8_t *data, size_t size)
{
	sanshe_bundle_header h = SANSHE_BUNDLE_HEADER_INIT;
	int err = sanshe_bundle_header_parse(&h, (const char *)data, size);

	if (err != 0) {
		fuzz_require(err == SANSHE_EPARSE || err == SANSHE_ENOMEM,
			     "a refused header is SANSHE_EPARSE", sanshe_error_last());
		fuzz_require(*sanshe_error_last() != '\0', "a refusal says why", NULL);
	} else {
		fuzz_require(h.length <= size && h.length <= SANSHE_BUNDLE_HEADER_MAX,
			     "the header lies within the input", NULL);
		fuzz_require(h.refs_count >= 1 && h.refs_count <= SANSHE_BUNDLE_ENTRIES_MAX,
			     "an accepted header has refs, within the bound", NULL);
		fuzz_require(h.prerequisites_count <= SANSHE_BUNDLE_ENTRIES_MAX,
			     "prerequisites within the bound", NULL);
		fuzz_require(h.length >= 2 && data[h.length - 1] == '\n' && data[h.length - 2] == '\n',
			     "the header ends with a blank line", NULL);
	}
	sanshe_bundle_header_dispose(&h);
}

/* Open `len` bytes as a sealed bundle; the plain bundle goes to `plain`. */
static int open_bytes(const void *data, size_t len, char **plain, size_t *plain_len,
		      unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	static const char empty[1];
	FILE *in = fmemopen(len ? (void *)data : (void *)empty, len ? len : 1, "rb");
	FILE *out = open_memstream(plain, plain_len);
	int err;

	if (!in || !out)
		fuzz_fail("memory streams open", NULL);
	if (len == 0)
		fseek(in, 0, SEEK_END);
	err = sanshe_bundle_open_stream(in, out, recipient, pk);
	fclose(in);
	fclose(out);
	return err;
}

static void check_refusal(int err, const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	static const unsigned char zero[SANSHE_KEY_PUBLIC_BYTES];

	fuzz_require(err == SANSHE_EPARSE || err == SANSHE_EBADSIG || err == SANSHE_ENOTFOUND,
		     "a refused bundle is EPARSE, EBADSIG or ENOTFOUND", sanshe_error_last());
	fuzz_require(*sanshe_error_last() != '\0' && !strchr(sanshe_error_last(), '\n'),
		     "a refusal says why on one line", sanshe_error_last());
	fuzz_require(memcmp(pk, zero, sizeof(zero)) == 0, "a refusal zeroes the sender", NULL);
}

static void check_sealed(const uint8_t *data, size_t size)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char *plain = NULL;
	size_t plain_len = 0;
	int err = open_bytes(data, size, &plain, &plain_len, pk);

	/* Only the known sender could sign, and the input never holds its key. */
	if (err == 0)
		fuzz_fail("a bundle nobody sealed opens", NULL);
	check_refusal(err, pk);
	free(plain);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	unsigned char to[1][SANSHE_KEY_PUBLIC_BYTES], pk[SANSHE_KEY_PUBLIC_BYTES];
	static const char empty[1];
	char *sealed = NULL, *plain = NULL;
	size_t sealed_len = 0, plain_len = 0, at;
	FILE *in, *out;
	int err;

	memcpy(to[0], sanshe_key_public(recipient), SANSHE_KEY_PUBLIC_BYTES);
	in = fmemopen(size ? (void *)data : (void *)empty, size ? size : 1, "rb");
	out = open_memstream(&sealed, &sealed_len);
	if (!in || !out)
		fuzz_fail("memory streams open", NULL);
	if (size == 0)
		fseek(in, 0, SEEK_END);
	err = sanshe_bundle_seal_stream(in, out, sender, (const unsigned char(*)[32])to, 1);
	fclose(in);
	fclose(out);
	if (err != 0)
		fuzz_fail("sealing works", sanshe_error_last());
	if (open_bytes(sealed, sealed_len, &plain, &plain_len, pk) != 0)
		fuzz_fail("a sealed bundle opens", sanshe_error_last());
	fuzz_require(plain_len == size && memcmp(plain, data, size) == 0,
		     "it opens to what was sealed", NULL);
	fuzz_require(memcmp(pk, sanshe_key_public(sender), sizeof(pk)) == 0,
		     "it names its sender", NULL);
	free(plain);
	plain = NULL;

	at = size >= 2 ? ((size_t)data[0] << 8 | data[1]) % sealed_len : sealed_len / 2;
	sealed[at] ^= (char)(size >= 3 && data[2] ? data[2] : 1);
	err = open_bytes(sealed, sealed_len, &plain, &plain_len, pk);
	fuzz_require(err != 0, "a changed byte is noticed", NULL);
	check_refusal(err, pk);
	free(plain);
	free(sealed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_header(data + 1, size - 1);
		break;
	case 1:
		check_sealed(data + 1, size - 1);
		break;
	default:
		check_round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}

/*
 * libFuzzer target: a document as it could arrive from a peer.  The text
 * is parsed, validated as its own type and then as every registered type
 * (the schemas embedded in the library), and its signature is checked
 * with a lookup that knows one key.  Nothing may crash, leak or hang, and
 * every failure sets a message.  Two invariants besides: verifying leaves
 * the document as it was, and the document signed here with the known key
 * verifies once written out canonically and read back.
 */
#include "common.h"

#include <sodium.h>
#include <string.h>

#include "canon.h"
#include "doc.h"
#include "fuzz.h"
#include "json.h"
#include "key.h"
#include "registry.h"

#define SIGNED_AT "2022-11-03T08:05:12.345Z/0000"

/* The one key the lookup knows, made from a fixed seed. */
static struct known_key {
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
} known;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	(void)argc;
	(void)argv;
	memset(seed, 0x5a, sizeof(seed));
	if (sodium_init() < 0 ||
	    crypto_sign_seed_keypair(known.pk, known.sk, seed) != 0 ||
	    sanshe_key_fingerprint_of(known.fingerprint, known.pk) != 0 ||
	    sanshe_registry_init() != 0)
		fuzz_fail("the target can start", sanshe_error_last());
	return 0;
}

static int lookup(unsigned char pk[32], const char *fingerprint, void *payload)
{
	const struct known_key *key = payload;

	if (strcmp(fingerprint, key->fingerprint) != 0)
		return sanshe_error_set(SANSHE_ENOTFOUND, "no key '%s'",
					fingerprint);
	memcpy(pk, key->pk, sizeof(key->pk));
	return 0;
}

/* A failure (err != 0) always says why. */
static void check_message(int err, const char *what)
{
	if (err && !*sanshe_error_last())
		fuzz_fail("every failure sets a message", what);
}

static void canonical_or_fail(sanshe_buf *out, const cJSON *doc)
{
	if (sanshe_canon_write(out, doc) != 0)
		fuzz_fail("a parsed document has a canonical form",
			  sanshe_error_last());
}

/* Validating as `type` (NULL: as its own type). */
static void check_validation(const cJSON *doc, const sanshe_type *type)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	int err;

	sanshe_error_clear();
	err = type ? sanshe_doc_validate_as(doc, type, &errors)
		   : sanshe_doc_validate(doc, NULL, &errors);
	check_message(err, type ? type->name : "validate");
	for (size_t i = 0; i < errors.count; i++)
		fuzz_require(errors.items[i].pointer &&
				 *errors.items[i].message,
			     "a violation has a place and a message",
			     type ? type->name : "");
	sanshe_schema_errors_dispose(&errors);
}

static void check_verify(cJSON *doc)
{
	sanshe_buf before = SANSHE_BUF_INIT, after = SANSHE_BUF_INIT;
	sanshe_doc_sig sig;
	int err;

	canonical_or_fail(&before, doc);
	sanshe_error_clear();
	err = sanshe_doc_verify(doc, lookup, &known, &sig);
	check_message(err, "verify");
	canonical_or_fail(&after, doc);
	fuzz_require(before.size == after.size &&
			 memcmp(before.ptr, after.ptr, before.size) == 0,
		     "verify leaves the document as it was", before.ptr);
	sanshe_buf_dispose(&before);
	sanshe_buf_dispose(&after);
}

/* Sign `doc` in place as sanshe_doc_sign does, with the known key. */
static void sign_with_known_key(cJSON *doc)
{
	unsigned char sig[crypto_sign_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	sanshe_buf bytes = SANSHE_BUF_INIT;
	cJSON *member;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	member = cJSON_AddObjectToObject(doc, "_sig");
	fuzz_require(
	    member &&
		cJSON_AddStringToObject(member, "key", known.fingerprint) &&
		cJSON_AddStringToObject(member, "at", SIGNED_AT),
	    "memory for _sig", NULL);
	canonical_or_fail(&bytes, doc);
	crypto_sign_detached(sig, NULL, (const unsigned char *)bytes.ptr,
			     bytes.size, known.sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	fuzz_require(cJSON_AddStringToObject(member, "sig", b64) != NULL,
		     "memory for sig", NULL);
	sanshe_buf_dispose(&bytes);
}

/* Signed, written canonically and read back, the document verifies. */
static void check_sign_round_trip(const cJSON *doc)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *copy = cJSON_Duplicate(doc, 1), *back = NULL;
	sanshe_doc_sig sig;

	fuzz_require(copy != NULL, "memory for a copy", NULL);
	sign_with_known_key(copy);
	canonical_or_fail(&text, copy);
	if (sanshe_json_parse(&back, text.ptr, text.size, NULL, NULL) != 0)
		fuzz_fail("a signed document reads back", sanshe_error_last());
	if (sanshe_doc_verify(back, lookup, &known, &sig) != 0)
		fuzz_fail("a signed document verifies", sanshe_error_last());
	fuzz_require(strcmp(sig.key, known.fingerprint) == 0,
		     "verify names the signer", sig.key);
	cJSON_Delete(back);
	cJSON_Delete(copy);
	sanshe_buf_dispose(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const sanshe_type *type;
	cJSON *doc = NULL;
	int err;

	sanshe_error_clear();
	err = sanshe_json_parse(&doc, (const char *)data, size, NULL, NULL);
	check_message(err, "parse");
	if (err)
		return 0;
	check_validation(doc, NULL);
	for (size_t i = 0; (type = sanshe_registry_at(i)) != NULL; i++)
		check_validation(doc, type);
	check_verify(doc);
	if (cJSON_IsObject(doc))
		check_sign_round_trip(doc);
	cJSON_Delete(doc);
	return 0;
}

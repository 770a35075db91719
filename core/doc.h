/*
 * Signed documents (DESIGN §4).  A document is a JSON object with `type`,
 * `id`, the record's own fields, and reserved members written by sanshe
 * only: `_sig` on a version a person wrote, `_merge` on a version the merge
 * engine made (never both), `_conflicts` for values kept after a conflict.
 *
 * `_sig` = {"key": fingerprint, "at": HLC, "sig": base64 Ed25519}.  What is
 * signed is the RFC 8785 canonical form of the document whose `_sig` holds
 * only "at" and "key": the signature covers the record, the signer and the
 * time (so neither can be changed without breaking it), and a document's
 * signed bytes are themselves a JSON document.
 */
#ifndef SANSHE_DOC_H
#define SANSHE_DOC_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "hlc.h"
#include "key.h"
#include <stdbool.h>

#include "registry.h"
#include "schema.h"

/** Longest document id. */
#define SANSHE_DOC_ID_MAX 128

/** What a valid `_sig` says. */
typedef struct sanshe_doc_sig {
	char key[64];                 /* "SHA256:…" fingerprint */
	sanshe_hlc at;                /* when, by the signer's clock */
	unsigned char sig[64];        /* Ed25519 signature */
} sanshe_doc_sig;

/**
 * Find the public key with the given fingerprint.  Returns 0 and fills
 * `pk`, or SANSHE_ENOTFOUND (with a message) when the key is unknown.
 */
typedef int (*sanshe_doc_key_lookup)(unsigned char pk[32], const char *fingerprint,
				     void *payload);

/** Is `name` one of the members sanshe itself writes: _sig, _merge, _conflicts? */
bool sanshe_doc_reserved(const char *name);

/** Is `id` acceptable as a document id (and so as a file name)? */
int sanshe_doc_id_valid(const char *id);

/**
 * Make a record ready to be signed: it must be an object whose `type` is a
 * registered type; an absent `id` becomes a new UUIDv7, a present one must
 * be valid; `_sig` and `_merge` are dropped (a person signing makes an
 * authored version); any other reserved name but `_conflicts` is refused.
 * `*type` receives the type.  Modifies `doc`.
 */
int sanshe_doc_prepare(cJSON *doc, const sanshe_type **type);

/**
 * Validate `doc` against the envelope and its type's schema.  0, or
 * SANSHE_ESCHEMA with every violation in `errors` (when not NULL) and the
 * first as the message ("case 'c-17': /client/birth_date: not a date").
 * An unknown or missing type is SANSHE_ENOTFOUND / SANSHE_ESCHEMA.
 */
int sanshe_doc_validate(const cJSON *doc, const sanshe_type **type,
			sanshe_schema_errors *errors);

/** Validate `doc` as a document of `type`, whatever its own `type` says. */
int sanshe_doc_validate_as(const cJSON *doc, const sanshe_type *type,
			   sanshe_schema_errors *errors);

/**
 * Sign `doc` (prepared and valid) with the unlocked `key` at time `at`:
 * sets `_sig`.  Modifies `doc`.
 */
int sanshe_doc_sign(cJSON *doc, const sanshe_key *key, const sanshe_hlc *at);

/**
 * Check `doc`'s `_sig`: well formed, made by the key `lookup` finds for its
 * fingerprint, over these exact contents.  Fills `sig` when not NULL.
 * SANSHE_EBADSIG names the document and the key; the document is left as
 * it was (it is briefly modified while its signed bytes are computed).
 */
int sanshe_doc_verify(cJSON *doc, sanshe_doc_key_lookup lookup, void *payload,
		      sanshe_doc_sig *sig) __attribute__((warn_unused_result));

/**
 * Are `len` bytes of `text` exactly the canonical form of `doc` (parsed
 * from them), with at most one final newline?  A signed document is stored
 * and exchanged in that one form: any other spelling of the same content
 * would be another blob, another file, another hash.  0, or SANSHE_EBADSIG
 * naming the first byte that differs.
 */
int sanshe_doc_check_canonical(const cJSON *doc, const char *text, size_t len);

/**
 * sanshe_doc_check_canonical, and in the same pass the bytes a signature of
 * `doc` covers (the canonical form with `_sig` holding only "at" and
 * "key"), appended to `signed_bytes` for sanshe_doc_verify_bytes: the
 * document is serialized once.  On an error nothing is appended.
 */
int sanshe_doc_check_signed_form(const cJSON *doc, const char *text, size_t len,
				 sanshe_buf *signed_bytes);

/**
 * sanshe_doc_verify over `len` bytes of `signed_bytes`, which
 * sanshe_doc_check_signed_form gave for this same `doc`; `doc` is not
 * modified.
 */
int sanshe_doc_verify_bytes(const cJSON *doc, const char *signed_bytes, size_t len,
			    sanshe_doc_key_lookup lookup, void *payload, sanshe_doc_sig *sig)
	__attribute__((warn_unused_result));

/** A record about to become a new signed version (sanshe_doc_draft). */
typedef struct sanshe_doc_draft {
	const sanshe_type *type;
	int has_before;    /* it carried a version time... */
	sanshe_hlc before; /* ...this one, the latest: sign after it */
} sanshe_doc_draft;

/** How far ahead of the wall clock the version being replaced may be dated. */
#define SANSHE_DOC_AHEAD_MAX_MS (24ULL * 3600 * 1000)

/**
 * Make `doc` a draft: note the latest time it carries (the version it
 * replaces), then prepare and validate it (sanshe_doc_prepare,
 * sanshe_doc_validate).  Modifies `doc`.
 */
int sanshe_doc_draft_new(cJSON *doc, sanshe_doc_draft *draft);

/**
 * Make the draft sign after every clock value `version` carries too (the
 * version it replaces, when `doc` no longer carries all of them).
 */
void sanshe_doc_draft_after(sanshe_doc_draft *draft, const cJSON *version);

/**
 * Sign the draft `doc` with the unlocked `key`, at a time from `clock`
 * after the version it replaces.  A replaced version dated more than
 * SANSHE_DOC_AHEAD_MAX_MS after `wall_ms` is refused (a wrong clock
 * somewhere), rather than dragging this home's clock along for good.
 */
int sanshe_doc_draft_sign(cJSON *doc, const sanshe_doc_draft *draft, const sanshe_key *key,
			  sanshe_clock *clock, uint64_t wall_ms);

/**
 * The latest clock value `doc` carries: in `_sig`, `_merge` and each
 * `_conflicts` entry (values that do not parse are ignored).  1 and `*out`
 * filled when there is one, 0 when there is none.  A new version of the
 * document must be signed after it.
 */
int sanshe_doc_latest_time(const cJSON *doc, sanshe_hlc *out);

/**
 * Describe `doc` for messages: "case 'c-17'" (or "document" when it has no
 * usable type or id).  Writes into `out` of `size` bytes; returns `out`.
 */
const char *sanshe_doc_describe(const cJSON *doc, char *out, size_t size);

#endif

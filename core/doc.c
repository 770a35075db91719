/* Signed documents: prepare, validate, sign, verify (see doc.h). */
#include "common.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "doc.h"
#include "json.h"
#include "uuid.h"

#define SIG_B64_LEN sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)

static const char *const reserved_names[] = { "_sig", "_merge", "_conflicts" };

int sanshe_doc_id_valid(const char *id)
{
	size_t n = 0;

	if (!id || !((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z') ||
		     (id[0] >= '0' && id[0] <= '9')))
		return 0;
	for (const char *c = id; *c; c++, n++) {
		if (n >= SANSHE_DOC_ID_MAX)
			return 0;
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return 0;
	}
	return 1;
}

const char *sanshe_doc_describe(const cJSON *doc, char *out, size_t size)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	const char *t = cJSON_IsString(type) ? type->valuestring : NULL;
	const char *i = cJSON_IsString(id) ? id->valuestring : NULL;

	/* cut on character boundaries: these come from the document */
	if (t && i)
		snprintf(out, size, "%.*s '%.*s'", (int)sanshe_utf8_prefix(t, 40), t,
			 (int)sanshe_utf8_prefix(i, 128), i);
	else if (t)
		snprintf(out, size, _("new %.*s"), (int)sanshe_utf8_prefix(t, 40), t);
	else
		snprintf(out, size, "%s", _("document"));
	return out;
}

/* Is `text` the canonical form `canon` of `doc` (with at most one final newline)? */
static int same_text(const cJSON *doc, const char *canon, size_t canon_len, const char *text,
		     size_t len)
{
	char what[200];
	size_t at = 0;

	if (len == canon_len + 1 && text[len - 1] == '\n')
		len--;
	while (at < len && at < canon_len && text[at] == canon[at])
		at++;
	if (at < len || at < canon_len)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("%s is not in canonical form (it differs at byte %zu): "
					  "signed documents are kept in one form only; "
					  "'sanshe canon' writes it"),
					sanshe_doc_describe(doc, what, sizeof(what)), at + 1);
	return 0;
}

int sanshe_doc_check_canonical(const cJSON *doc, const char *text, size_t len)
{
	sanshe_buf canon = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_canon_write(&canon, doc)) == 0)
		err = same_text(doc, canon.ptr, canon.size, text, len);
	sanshe_buf_dispose(&canon);
	return err;
}

int sanshe_doc_check_signed_form(const cJSON *doc, const char *text, size_t len,
				 sanshe_buf *signed_bytes)
{
	const cJSON *member = cJSON_GetObjectItemCaseSensitive(doc, "_sig");
	const cJSON *sig = cJSON_IsObject(member)
				   ? cJSON_GetObjectItemCaseSensitive(member, "sig")
				   : NULL;
	size_t at, cut, from = signed_bytes->size;
	int err;

	if ((err = sanshe_canon_write_marking(signed_bytes, doc, sig, &at, &cut)) != 0 ||
	    (err = same_text(doc, signed_bytes->ptr + from, signed_bytes->size - from, text,
			     len)) != 0) {
		signed_bytes->size = from;
		if (signed_bytes->ptr)
			signed_bytes->ptr[from] = '\0';
		return err;
	}
	if (cut) {
		memmove(signed_bytes->ptr + at, signed_bytes->ptr + at + cut,
			signed_bytes->size - at - cut + 1);
		signed_bytes->size -= cut;
	}
	return 0;
}

static void consider_time(const cJSON *holder, sanshe_hlc *latest, int *found)
{
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(holder, "at");
	sanshe_hlc t;

	if (cJSON_IsString(at) && sanshe_hlc_parse(&t, at->valuestring) == 0 &&
	    (!*found || sanshe_hlc_compare(t, *latest) > 0)) {
		*latest = t;
		*found = 1;
	}
}

int sanshe_doc_latest_time(const cJSON *doc, sanshe_hlc *out)
{
	const cJSON *conflicts = cJSON_GetObjectItemCaseSensitive(doc, "_conflicts");
	const cJSON *entry;
	int found = 0;

	consider_time(cJSON_GetObjectItemCaseSensitive(doc, "_sig"), out, &found);
	consider_time(cJSON_GetObjectItemCaseSensitive(doc, "_merge"), out, &found);
	if (cJSON_IsArray(conflicts))
		cJSON_ArrayForEach(entry, conflicts)
			consider_time(entry, out, &found);
	return found;
}

int sanshe_doc_draft_new(cJSON *doc, sanshe_doc_draft *draft)
{
	int err;

	draft->has_before = sanshe_doc_latest_time(doc, &draft->before);
	if ((err = sanshe_doc_prepare(doc, &draft->type)) != 0)
		return err;
	return sanshe_doc_validate(doc, NULL, NULL);
}

void sanshe_doc_draft_after(sanshe_doc_draft *draft, const cJSON *version)
{
	sanshe_hlc latest;

	if (sanshe_doc_latest_time(version, &latest) &&
	    (!draft->has_before || sanshe_hlc_compare(latest, draft->before) > 0)) {
		draft->before = latest;
		draft->has_before = 1;
	}
}

int sanshe_doc_draft_sign(cJSON *doc, const sanshe_doc_draft *draft, const sanshe_key *key,
			  sanshe_clock *clock, uint64_t wall_ms)
{
	char what[200], when[SANSHE_HLC_MAX];
	sanshe_hlc at;
	int err;

	if (draft->has_before && draft->before.ms > wall_ms + SANSHE_DOC_AHEAD_MAX_MS) {
		sanshe_hlc_format(when, draft->before);
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: the version it replaces is dated %s, more than a day "
					  "ahead of this computer's clock; check both clocks"),
					sanshe_doc_describe(doc, what, sizeof(what)), when);
	}
	if ((draft->has_before && (err = sanshe_clock_observe(clock, draft->before)) != 0) ||
	    (err = sanshe_clock_tick(clock, &at)) != 0)
		return err;
	return sanshe_doc_sign(doc, key, &at);
}

bool sanshe_doc_reserved(const char *name)
{
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(reserved_names); i++)
		if (strcmp(name, reserved_names[i]) == 0)
			return true;
	return false;
}

static int find_type(const cJSON *doc, const sanshe_type **out)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
	int err;

	if (!cJSON_IsObject(doc))
		return sanshe_error_set(SANSHE_ESCHEMA, "%s", _("a document must be a JSON object"));
	if (!cJSON_IsString(type))
		return sanshe_error_set(SANSHE_ESCHEMA, "%s",
					_("/type: required field 'type' is missing or not a string"));
	if ((err = sanshe_registry_init()) != 0)
		return err;
	if (!(*out = sanshe_registry_find(type->valuestring)))
		return sanshe_error_set(SANSHE_ENOTFOUND, _("unknown document type '%s'"),
					type->valuestring);
	return 0;
}

static int prepare_id(cJSON *doc)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
	char uuid[SANSHE_UUID_STRLEN + 1];

	int err;

	if (!id) {
		if ((err = sanshe_uuid_v7(uuid)) != 0)
			return err;
		return cJSON_AddStringToObject(doc, "id", uuid)
			       ? 0 : sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	if (!cJSON_IsString(id) || !sanshe_doc_id_valid(id->valuestring))
		return sanshe_error_set(SANSHE_ESCHEMA, "%s",
					_("/id: must be 1 to 128 letters, digits, '.', '_' or '-', "
					  "starting with a letter or digit"));
	return 0;
}

int sanshe_doc_prepare(cJSON *doc, const sanshe_type **type)
{
	char what[200];
	int err;

	if ((err = find_type(doc, type)) != 0 || (err = prepare_id(doc)) != 0)
		return err;
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_merge");
	for (const cJSON *m = doc->child; m; m = m->next)
		if (m->string[0] == '_' && !sanshe_doc_reserved(m->string))
			return sanshe_error_set(SANSHE_ESCHEMA,
						_("%s: reserved member '%s': names beginning with '_' "
						  "are written by sanshe only"),
						sanshe_doc_describe(doc, what, sizeof(what)), m->string);
	return 0;
}

static int validate_with(const sanshe_schema *schema, const cJSON *doc,
			 sanshe_schema_errors *errors)
{
	char what[200];
	int err = sanshe_schema_validate(schema, doc, errors);

	if (err == SANSHE_ESCHEMA)
		sanshe_error_prefix("%s", sanshe_doc_describe(doc, what, sizeof(what)));
	return err;
}

int sanshe_doc_validate_as(const cJSON *doc, const sanshe_type *type,
			   sanshe_schema_errors *errors)
{
	const sanshe_schema *envelope = sanshe_registry_envelope();
	int err, err2;

	if (!envelope)
		return sanshe_registry_init();
	err = validate_with(envelope, doc, errors);
	if (err && err != SANSHE_ESCHEMA)
		return err;
	err2 = validate_with(type->schema, doc, errors);
	if (err2 && err2 != SANSHE_ESCHEMA)
		return err2;
	if (err == SANSHE_ESCHEMA && errors && errors->count) {
		/* the first violation found stays the message */
		char what[200];

		sanshe_error_set(SANSHE_ESCHEMA, "%s: %s%s%s",
				 sanshe_doc_describe(doc, what, sizeof(what)),
				 errors->items[0].pointer, *errors->items[0].pointer ? ": " : "",
				 errors->items[0].message);
	}
	return err ? err : err2;
}

int sanshe_doc_validate(const cJSON *doc, const sanshe_type **type,
			sanshe_schema_errors *errors)
{
	const sanshe_type *t = NULL;
	int err;

	if ((err = find_type(doc, &t)) != 0)
		return err;
	if (type)
		*type = t;
	return sanshe_doc_validate_as(doc, t, errors);
}

/* Canonical bytes of `doc` whose _sig holds only "at" and "key". */
static int signed_bytes(sanshe_buf *out, cJSON *doc, cJSON *sig_member)
{
	cJSON *sig = cJSON_DetachItemFromObjectCaseSensitive(sig_member, "sig");
	int err = sanshe_canon_write(out, doc);

	if (sig)
		cJSON_AddItemToObject(sig_member, "sig", sig);
	return err;
}

int sanshe_doc_sign(cJSON *doc, const sanshe_key *key, const sanshe_hlc *at)
{
	unsigned char sig[crypto_sign_BYTES];
	char at_text[SANSHE_HLC_MAX], sig_b64[SIG_B64_LEN];
	sanshe_buf bytes = SANSHE_BUF_INIT;
	cJSON *member;
	int err;

	cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	sanshe_hlc_format(at_text, *at);
	if (!(member = cJSON_AddObjectToObject(doc, "_sig")) ||
	    !cJSON_AddStringToObject(member, "key", sanshe_key_fingerprint(key)) ||
	    !cJSON_AddStringToObject(member, "at", at_text)) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	if ((err = signed_bytes(&bytes, doc, member)) != 0 ||
	    (err = sanshe_key_sign(key, sig, (const unsigned char *)bytes.ptr, bytes.size)) != 0)
		goto done;
	sodium_bin2base64(sig_b64, sizeof(sig_b64), sig, sizeof(sig),
			  sodium_base64_VARIANT_ORIGINAL);
	if (!cJSON_AddStringToObject(member, "sig", sig_b64))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
done:
	if (err)
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "_sig");
	sanshe_buf_dispose(&bytes);
	return err;
}

/* Read `_sig` strictly: exactly key, at and sig, each well formed. */
static int read_sig(const cJSON *doc, cJSON **member, sanshe_doc_sig *out, const char *what)
{
	const cJSON *key, *at, *sig;
	size_t len = 0, n = 0;
	const char *end = NULL;

	*member = cJSON_GetObjectItemCaseSensitive(doc, "_sig");
	if (!*member)
		return sanshe_error_set(SANSHE_EBADSIG, _("%s is not signed (no _sig)"), what);
	for (const cJSON *m = (*member)->child; m; m = m->next)
		n++;
	key = cJSON_GetObjectItemCaseSensitive(*member, "key");
	at = cJSON_GetObjectItemCaseSensitive(*member, "at");
	sig = cJSON_GetObjectItemCaseSensitive(*member, "sig");
	if (!cJSON_IsObject(*member) || n != 3 || !cJSON_IsString(key) || !cJSON_IsString(at) ||
	    !cJSON_IsString(sig) || strlen(key->valuestring) >= sizeof(out->key))
		return sanshe_error_set(SANSHE_EBADSIG,
					_("%s: /_sig must hold exactly \"key\", \"at\" and \"sig\""), what);
	if (sanshe_hlc_parse(&out->at, at->valuestring) != 0)
		return sanshe_error_set(SANSHE_EBADSIG, _("%s: /_sig/at: '%s' is not a sanshe clock value"),
					what, at->valuestring);
	if (strlen(sig->valuestring) != SIG_B64_LEN - 1 ||
	    sodium_base642bin(out->sig, sizeof(out->sig), sig->valuestring, SIG_B64_LEN - 1, NULL,
			      &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != crypto_sign_BYTES || *end != '\0')
		return sanshe_error_set(SANSHE_EBADSIG,
					_("%s: /_sig/sig is not the base64 of a 64-byte signature"), what);
	strcpy(out->key, key->valuestring);
	return 0;
}

/* `_sig` read and its key found: `pk` filled. */
static int sig_and_key(const cJSON *doc, sanshe_doc_key_lookup lookup, void *payload,
		       cJSON **member, sanshe_doc_sig *sig, unsigned char *pk, char *what,
		       size_t what_size)
{
	int err;

	sanshe_doc_describe(doc, what, what_size);
	if ((err = read_sig(doc, member, sig, what)) != 0)
		return err;
	if ((err = lookup(pk, sig->key, payload)) != 0) {
		sanshe_error_prefix(_("%s: signed by %s"), what, sig->key);
		return err == SANSHE_ENOTFOUND ? SANSHE_EBADSIG : err;
	}
	return 0;
}

/* Does the signature match the signed bytes? */
static int check_signature(const unsigned char *pk, const sanshe_doc_sig *sig,
			   const char *bytes, size_t len, const char *what)
{
	if (sanshe_key_verify(pk, sig->sig, (const unsigned char *)bytes, len) != 0)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("%s: the signature by %s does not match the contents "
					  "(changed after signing, or signed by another key)"),
					what, sig->key);
	return 0;
}

int sanshe_doc_verify(cJSON *doc, sanshe_doc_key_lookup lookup, void *payload,
		      sanshe_doc_sig *out)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	sanshe_buf bytes = SANSHE_BUF_INIT;
	sanshe_doc_sig sig;
	char what[200];
	cJSON *member;
	int err;

	if ((err = sig_and_key(doc, lookup, payload, &member, &sig, pk, what, sizeof(what))) != 0)
		return err;
	if ((err = signed_bytes(&bytes, doc, member)) == 0 &&
	    (err = check_signature(pk, &sig, bytes.ptr, bytes.size, what)) == 0 && out)
		*out = sig;
	sanshe_buf_dispose(&bytes);
	return err;
}

int sanshe_doc_verify_bytes(const cJSON *doc, const char *signed_bytes, size_t len,
			    sanshe_doc_key_lookup lookup, void *payload, sanshe_doc_sig *out)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	sanshe_doc_sig sig;
	char what[200];
	cJSON *member;
	int err;

	if ((err = sig_and_key(doc, lookup, payload, &member, &sig, pk, what, sizeof(what))) == 0 &&
	    (err = check_signature(pk, &sig, signed_bytes, len, what)) == 0 && out)
		*out = sig;
	return err;
}

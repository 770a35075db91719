/* SSH signatures (SSHSIG): the blob, its armor, and allowed-signers lines. */
#include "common.h"

#include <sodium.h>
#include <string.h>

#include "calendar.h"
#include "json.h"
#include "key_int.h"
#include "sshsig.h"

#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
#define VERSION 1
#define KEY_TYPE "ssh-ed25519"
#define KEY_TYPE_LEN 11
/* the wire form of a signature before its 64 bytes: two lengths, the type */
#define SIG_HEAD_LEN (4 + KEY_TYPE_LEN + 4)
#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
/* ssh-keygen's width for the base64 lines */
#define ARMOR_WIDTH 70
#define PRINCIPAL_MAX 256
/* room for a hostile string shown in a message: 40 bytes, "...", NUL */
#define SHOWN_MAX 44

/* The hash algorithms PROTOCOL.sshsig allows; sha512 signs. */
typedef struct hash_alg {
	const char *name;
	size_t bytes;
	int (*hash)(unsigned char *out, const unsigned char *in,
		    unsigned long long len);
} hash_alg;

static const hash_alg hash_algs[] = {
	{ "sha512", crypto_hash_sha512_BYTES, crypto_hash_sha512 },
	{ "sha256", crypto_hash_sha256_BYTES, crypto_hash_sha256 },
};

/* A parsed blob; the pointers are into the decoded bytes. */
typedef struct sshsig {
	const unsigned char *pk;  /* SANSHE_KEY_PUBLIC_BYTES */
	const hash_alg *hash;
	const unsigned char *sig; /* SANSHE_KEY_SIGNATURE_BYTES */
} sshsig;

/* Bytes of a blob still to be read. */
typedef struct reader {
	const unsigned char *p;
	size_t left;
} reader;

/* Give `buf` back its first `size` bytes (undo a failed append). */
static void buf_cut(sanshe_buf *buf, size_t size)
{
	if (buf->ptr) {
		buf->size = size;
		buf->ptr[size] = '\0';
	}
}

static int namespace_check(const char *ns)
{
	size_t len = strnlen(ns, SANSHE_SSHSIG_NAMESPACE_MAX + 1);
	int ok = len > 0 && len <= SANSHE_SSHSIG_NAMESPACE_MAX;

	for (size_t i = 0; ok && i < len; i++)
		ok = ns[i] > 0x20 && ns[i] < 0x7f;
	if (ok)
		return 0;
	return sanshe_error_set(SANSHE_EINVALID,
				_("'%.*s' is not a signature namespace: use 1 "
				  "to %d printable ASCII characters without "
				  "spaces"),
				SANSHE_SSHSIG_NAMESPACE_MAX, ns,
				SANSHE_SSHSIG_NAMESPACE_MAX);
}

/*
 * Up to 40 bytes of hostile text for a message: printable ASCII is kept,
 * any other byte shown as '?', and "..." marks a cut.
 */
static const char *shown(char out[SHOWN_MAX], const reader *text)
{
	size_t n = text->left > SHOWN_MAX - 4 ? SHOWN_MAX - 4 : text->left;

	for (size_t i = 0; i < n; i++)
		out[i] = text->p[i] >= 0x20 && text->p[i] < 0x7f ?
				 (char)text->p[i] : '?';
	if (n < text->left) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

static int reader_is(const reader *r, const char *s)
{
	return r->left == strlen(s) && memcmp(r->p, s, r->left) == 0;
}

/* ---- writing ---- */

static int put_u32(sanshe_buf *out, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	return sanshe_buf_put(out, p, sizeof(p));
}

/* An SSH string; `len` is bounded by the callers (namespace, hash, keys). */
static int put_string(sanshe_buf *out, const void *s, size_t len)
{
	int err = put_u32(out, (uint32_t)len);

	return err ? err : sanshe_buf_put(out, s, len);
}

/* What the signature covers (PROTOCOL.sshsig §3): reserved is empty. */
static int put_signed_data(sanshe_buf *out, const char *ns,
			   const hash_alg *alg, const void *msg, size_t len)
{
	unsigned char hash[crypto_hash_sha512_BYTES];
	int err;

	alg->hash(hash, msg, len);
	if ((err = sanshe_buf_put(out, MAGIC, MAGIC_LEN)) != 0 ||
	    (err = put_string(out, ns, strlen(ns))) != 0 ||
	    (err = put_string(out, "", 0)) != 0 ||
	    (err = put_string(out, alg->name, strlen(alg->name))) != 0 ||
	    (err = put_string(out, hash, alg->bytes)) != 0)
		return err;
	return 0;
}

/* The blob (PROTOCOL.sshsig §2) of a sha512 signature `sig` by `key`. */
static int put_blob(sanshe_buf *out, const sanshe_key *key, const char *ns,
		    const unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES])
{
	unsigned char pk_blob[SANSHE_KEY_SSH_BLOB_BYTES];
	unsigned char sig_blob[SIG_HEAD_LEN + SANSHE_KEY_SIGNATURE_BYTES];
	const char *hash = hash_algs[0].name;
	int err;

	sanshe_key_ssh_blob(pk_blob, sanshe_key_public(key));
	/* string "ssh-ed25519" (11 bytes), string sig (64 bytes) */
	memcpy(sig_blob, "\0\0\0\13" KEY_TYPE "\0\0\0\100", SIG_HEAD_LEN);
	memcpy(sig_blob + SIG_HEAD_LEN, sig, SANSHE_KEY_SIGNATURE_BYTES);
	if ((err = sanshe_buf_put(out, MAGIC, MAGIC_LEN)) != 0 ||
	    (err = put_u32(out, VERSION)) != 0 ||
	    (err = put_string(out, pk_blob, sizeof(pk_blob))) != 0 ||
	    (err = put_string(out, ns, strlen(ns))) != 0 ||
	    (err = put_string(out, "", 0)) != 0 ||
	    (err = put_string(out, hash, strlen(hash))) != 0 ||
	    (err = put_string(out, sig_blob, sizeof(sig_blob))) != 0)
		return err;
	return 0;
}

static int put_armor(sanshe_buf *out, const sanshe_buf *blob)
{
	const int variant = sodium_base64_VARIANT_ORIGINAL;
	size_t size = sodium_base64_ENCODED_LEN(blob->size, variant), len;
	sanshe_buf b64 = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_buf_grow(&b64, size)) != 0)
		return err;
	sodium_bin2base64(b64.ptr, size, (const unsigned char *)blob->ptr,
			  blob->size, variant);
	len = strlen(b64.ptr);
	err = sanshe_buf_puts(out, ARMOR_BEGIN "\n");
	for (size_t i = 0; !err && i < len; i += ARMOR_WIDTH) {
		size_t n = len - i < ARMOR_WIDTH ? len - i : ARMOR_WIDTH;

		if ((err = sanshe_buf_put(out, b64.ptr + i, n)) == 0)
			err = sanshe_buf_putc(out, '\n');
	}
	if (!err)
		err = sanshe_buf_puts(out, ARMOR_END);
	sanshe_buf_dispose(&b64);
	return err;
}

int sanshe_sshsig_sign(sanshe_buf *armor, const sanshe_key *key,
		       const char *namespace, const void *msg, size_t len)
{
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_buf data = SANSHE_BUF_INIT, blob = SANSHE_BUF_INIT;
	size_t start = armor->size;
	int err;

	if ((err = namespace_check(namespace)) != 0 ||
	    (err = sanshe_key__crypto_ready()) != 0)
		return err;
	if ((err = put_signed_data(&data, namespace, &hash_algs[0], msg,
				   len)) != 0 ||
	    (err = sanshe_key_sign(key, sig, data.ptr, data.size)) != 0 ||
	    (err = put_blob(&blob, key, namespace, sig)) != 0 ||
	    (err = put_armor(armor, &blob)) != 0)
		buf_cut(armor, start);
	sanshe_buf_dispose(&data);
	sanshe_buf_dispose(&blob);
	return err;
}

/* ---- reading ---- */

static int not_sshsig(const char *why)
{
	return sanshe_error_set(SANSHE_EBADSIG, _("not an SSH signature: %s"),
				why);
}

static int cut_short(const char *what)
{
	return sanshe_error_set(SANSHE_EBADSIG,
				_("not an SSH signature: its %s is cut short"),
				what);
}

static int is_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int bad_line(size_t line, int empty)
{
	return sanshe_error_set(SANSHE_EBADSIG,
				empty ? _("not an SSH signature: line %zu is "
					  "empty") :
					_("not an SSH signature: line %zu is "
					  "not base64"),
				line);
}

/*
 * The lines between header and footer: not empty, base64 characters, and
 * after the first '=' only '=' (padding may fall on a line of its own when
 * the width is right).  libsodium, told to skip "\n", would also take empty
 * lines.
 */
static int check_base64_lines(const char *body, size_t len)
{
	size_t line = 2, line_len = 0; /* the header is line 1 */
	int padded = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || body[i] == '\n') {
			if (line_len == 0)
				return bad_line(line, 1);
			line++;
			line_len = 0;
			continue;
		}
		line_len++;
		if (body[i] == '=')
			padded = 1;
		else if (padded || !is_base64(body[i]))
			return bad_line(line, 0);
	}
	return 0;
}

/* The blob inside the armor, into `blob`. */
static int dearmor(sanshe_buf *blob, const char *armor, size_t len)
{
	const size_t begin = strlen(ARMOR_BEGIN "\n");
	const size_t end = strlen("\n" ARMOR_END);
	const char *body;
	size_t body_len;
	int err;

	if (len > SANSHE_SSHSIG_ARMOR_MAX)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: it is longer "
					  "than %d bytes"),
					SANSHE_SSHSIG_ARMOR_MAX);
	if (len > 0 && memchr(armor, '\r', len))
		return not_sshsig(_("it holds a carriage return (lines end "
				    "in LF only)"));
	if (len > 0 && armor[len - 1] == '\n')
		len--;
	if (len < begin || memcmp(armor, ARMOR_BEGIN "\n", begin) != 0)
		return not_sshsig(_("it does not begin with a line "
				    "'-----BEGIN SSH SIGNATURE-----'"));
	if (len < end || memcmp(armor + len - end, "\n" ARMOR_END, end) != 0)
		return not_sshsig(_("it does not end with a line "
				    "'-----END SSH SIGNATURE-----'"));
	if (len < begin + end)
		return not_sshsig(_("it holds no base64"));
	body = armor + begin;
	body_len = len - begin - end;
	if ((err = check_base64_lines(body, body_len)) != 0 ||
	    (err = sanshe_buf_grow(blob, body_len)) != 0)
		return err;
	if (sodium_base642bin((unsigned char *)blob->ptr, body_len, body,
			      body_len, "\n", &blob->size, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		blob->size = 0;
		return not_sshsig(_("its base64 has a wrong length or "
				    "padding"));
	}
	blob->ptr[blob->size] = '\0';
	return 0;
}

static int read_u32(reader *r, uint32_t *v, const char *what)
{
	if (r->left < 4)
		return cut_short(what);
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* An SSH string of `r` into `s`; its length is checked against what is left. */
static int read_string(reader *r, reader *s, const char *what)
{
	uint32_t n = 0;
	int err;

	if ((err = read_u32(r, &n, what)) != 0)
		return err;
	if (n > r->left)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: its %s is cut "
					  "short (%lu bytes announced, %zu "
					  "left)"),
					what, (unsigned long)n, r->left);
	s->p = r->p;
	s->left = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static int trailing(const reader *r, const char *what)
{
	if (r->left == 0)
		return 0;
	return sanshe_error_set(SANSHE_EBADSIG,
				_("not an SSH signature: extra bytes after its "
				  "%s (%zu)"), what, r->left);
}

/* The public key field: string "ssh-ed25519", string pk[32]. */
static int read_public_key(sshsig *out, reader field)
{
	char type_shown[SHOWN_MAX];
	reader type, pk;
	int err;

	if ((err = read_string(&field, &type, _("key type"))) != 0)
		return err;
	if (!reader_is(&type, KEY_TYPE))
		return sanshe_error_set(SANSHE_EBADSIG,
					_("SSH signature by a '%s' key: sanshe "
					  "accepts ssh-ed25519 keys only"),
					shown(type_shown, &type));
	if ((err = read_string(&field, &pk, _("ssh-ed25519 key"))) != 0)
		return err;
	if (pk.left != SANSHE_KEY_PUBLIC_BYTES)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: its "
					  "ssh-ed25519 key is %zu bytes, not "
					  "%d"),
					pk.left, SANSHE_KEY_PUBLIC_BYTES);
	out->pk = pk.p;
	return trailing(&field, _("public key"));
}

/* The signature field: string "ssh-ed25519", string sig[64]. */
static int read_signature(sshsig *out, reader field)
{
	char type_shown[SHOWN_MAX];
	reader type, sig;
	int err;

	if ((err = read_string(&field, &type, _("signature type"))) != 0)
		return err;
	if (!reader_is(&type, KEY_TYPE))
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: its signature "
					  "is of type '%s', not ssh-ed25519"),
					shown(type_shown, &type));
	if ((err = read_string(&field, &sig, _("ssh-ed25519 signature"))) != 0)
		return err;
	if (sig.left != SANSHE_KEY_SIGNATURE_BYTES)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: its "
					  "ssh-ed25519 signature is %zu bytes, "
					  "not %d"),
					sig.left, SANSHE_KEY_SIGNATURE_BYTES);
	out->sig = sig.p;
	return trailing(&field, _("signature"));
}

static int read_hash_alg(sshsig *out, const reader *name)
{
	char name_shown[SHOWN_MAX];

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(hash_algs); i++)
		if (reader_is(name, hash_algs[i].name)) {
			out->hash = &hash_algs[i];
			return 0;
		}
	return sanshe_error_set(SANSHE_EBADSIG,
				_("SSH signature hash '%s' is not supported: "
				  "sanshe accepts sha512 and sha256"),
				shown(name_shown, name));
}

static int check_namespace(const reader *got, const char *want)
{
	char got_shown[SHOWN_MAX];

	if (reader_is(got, want))
		return 0;
	return sanshe_error_set(SANSHE_EBADSIG,
				_("signature namespace is '%s', expected '%s'"),
				shown(got_shown, got), want);
}

/*
 * The fields of the blob: every length is checked against the bytes left
 * before anything is read, then what each field holds.
 */
static int read_blob(sshsig *out, const sanshe_buf *blob, const char *ns)
{
	reader r = { (const unsigned char *)blob->ptr, blob->size };
	reader key, got_ns, reserved, hash, sig;
	uint32_t version = 0;
	int err;

	if (r.left < MAGIC_LEN || memcmp(r.p, MAGIC, MAGIC_LEN) != 0)
		return not_sshsig(_("it does not begin with \"SSHSIG\""));
	r.p += MAGIC_LEN;
	r.left -= MAGIC_LEN;
	if ((err = read_u32(&r, &version, _("version"))) != 0)
		return err;
	if (version != VERSION)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("SSH signature version %lu is not "
					  "supported: sanshe reads version %d"),
					(unsigned long)version, VERSION);
	if ((err = read_string(&r, &key, _("public key"))) != 0 ||
	    (err = read_string(&r, &got_ns, _("namespace"))) != 0 ||
	    (err = read_string(&r, &reserved, _("reserved field"))) != 0 ||
	    (err = read_string(&r, &hash, _("hash algorithm"))) != 0 ||
	    (err = read_string(&r, &sig, _("signature"))) != 0 ||
	    (err = trailing(&r, _("end"))) != 0)
		return err;
	if ((err = read_public_key(out, key)) != 0 ||
	    (err = check_namespace(&got_ns, ns)) != 0)
		return err;
	if (reserved.left != 0)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("not an SSH signature: its reserved "
					  "field is not empty (%zu bytes)"),
					reserved.left);
	if ((err = read_hash_alg(out, &hash)) != 0)
		return err;
	return read_signature(out, sig);
}

int sanshe_sshsig_verify(const char *armor, size_t armor_len,
			 const char *namespace, const void *msg, size_t len,
			 unsigned char signer_pk[SANSHE_KEY_PUBLIC_BYTES])
{
	sanshe_buf blob = SANSHE_BUF_INIT, data = SANSHE_BUF_INIT;
	sshsig sig = { NULL, NULL, NULL };
	int err;

	memset(signer_pk, 0, SANSHE_KEY_PUBLIC_BYTES);
	if ((err = namespace_check(namespace)) != 0 ||
	    (err = sanshe_key__crypto_ready()) != 0)
		return err;
	if ((err = dearmor(&blob, armor, armor_len)) != 0 ||
	    (err = read_blob(&sig, &blob, namespace)) != 0 ||
	    (err = put_signed_data(&data, namespace, sig.hash, msg, len)) != 0)
		goto done;
	if (crypto_sign_verify_detached(sig.sig,
					(const unsigned char *)data.ptr,
					data.size, sig.pk) != 0) {
		err = sanshe_error_set(SANSHE_EBADSIG, "%s",
				       _("signature does not match the signed "
					 "data"));
		goto done;
	}
	memcpy(signer_pk, sig.pk, SANSHE_KEY_PUBLIC_BYTES);
done:
	sanshe_buf_dispose(&blob);
	sanshe_buf_dispose(&data);
	return err;
}

/* ---- allowed signers ---- */

static int principal_check(const char *principal)
{
	size_t len = strnlen(principal, PRINCIPAL_MAX + 1);
	const char *why = NULL;

	if (len == 0)
		why = _("it is empty");
	else if (len > PRINCIPAL_MAX)
		why = _("it is longer than 256 bytes");
	else if (!sanshe_utf8_valid(principal, len, NULL))
		why = _("it is not UTF-8");
	else if (principal[0] == '#')
		why = _("it begins with '#'");
	for (size_t i = 0; !why && i < len; i++)
		if ((unsigned char)principal[i] <= 0x20 || principal[i] == 0x7f)
			why = _("it holds a space or a control character");
		else if (strchr("\",\\*?!", principal[i]))
			why = _("it holds one of \" , \\ * ? !");
	if (!why)
		return 0;
	return sanshe_error_set(SANSHE_EINVALID,
				_("'%.*s' cannot be the principal of an "
				  "allowed signer: %s"),
				(int)sanshe_utf8_prefix(principal, 64),
				principal, why);
}

/* Are the 14 characters at `d` a time YYYYMMDDHHMMSS, from 1970 on? */
static int time_digits_ok(const char *d)
{
	int y = sanshe_calendar_digits(d, 4);
	int mo = sanshe_calendar_digits(d + 4, 2);
	int day = sanshe_calendar_digits(d + 6, 2);
	int h = sanshe_calendar_digits(d + 8, 2);
	int mi = sanshe_calendar_digits(d + 10, 2);
	int s = sanshe_calendar_digits(d + 12, 2);

	return y >= 1970 && mo >= 1 && mo <= 12 && day >= 1 &&
	       day <= sanshe_calendar_days_in_month(y, mo) && h >= 0 &&
	       h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

/*
 * Is `t` a time ssh-keygen reads as UTC, YYYYMMDD[HHMM[SS]]Z?  `digits`
 * receives its 14 digits (zeros for those left out), which sort as the
 * times do.
 */
static int time_check(char digits[15], const char *t, const char *option)
{
	size_t len = strnlen(t, 16);

	if ((len == 9 || len == 13 || len == 15) && t[len - 1] == 'Z') {
		memset(digits, '0', 14);
		memcpy(digits, t, len - 1);
		digits[14] = '\0';
		if (time_digits_ok(digits))
			return 0;
	}
	return sanshe_error_set(SANSHE_EINVALID,
				_("%s '%.*s' is not a UTC time: write "
				  "YYYYMMDDZ, YYYYMMDDHHMMZ or "
				  "YYYYMMDDHHMMSSZ"),
				option, (int)sanshe_utf8_prefix(t, 40), t);
}

static int put_allowed_signer(sanshe_buf *out, const char *principal,
			      const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
			      const char *valid_after, const char *valid_before)
{
	int err;

	if ((err = sanshe_buf_printf(out, "%s namespaces=\"git\"",
				     principal)) != 0 ||
	    (valid_after && (err = sanshe_buf_printf(out, ",valid-after=\"%s\"",
						     valid_after)) != 0) ||
	    (valid_before &&
	     (err = sanshe_buf_printf(out, ",valid-before=\"%s\"",
				      valid_before)) != 0) ||
	    (err = sanshe_buf_putc(out, ' ')) != 0 ||
	    (err = sanshe_key_openssh_of(out, pk, NULL)) != 0)
		return err;
	return sanshe_buf_putc(out, '\n');
}

int sanshe_sshsig_allowed_signer(sanshe_buf *out, const char *principal,
				 const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
				 const char *valid_after,
				 const char *valid_before)
{
	char after[15] = "", before[15] = "";
	size_t start = out->size;
	int err;

	if ((err = principal_check(principal)) != 0 ||
	    (valid_after && (err = time_check(after, valid_after,
					      "valid-after")) != 0) ||
	    (valid_before && (err = time_check(before, valid_before,
					       "valid-before")) != 0))
		return err;
	if (valid_after && valid_before && strcmp(after, before) >= 0)
		return sanshe_error_set(SANSHE_EINVALID,
					_("valid-after '%s' is not earlier "
					  "than valid-before '%s'"),
					valid_after, valid_before);
	if ((err = put_allowed_signer(out, principal, pk, valid_after,
				      valid_before)) != 0)
		buf_cut(out, start);
	return err;
}

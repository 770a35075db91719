/*
 * The secret handshake of the wire layer as pure steps over byte buffers
 * (docs/wire.md has the messages byte by byte).  Names follow the usual
 * notation: a/A the client's long-term key, b/B the server's, lowercase
 * ephemeral; ab, aB and Ab the three X25519 shared secrets.
 */
#include "common.h"

#include <string.h>

#include "wire.h"

enum { HS_DEAD = -1, HS_DONE = 4 };

/* Layout of the plaintext sealed in client_auth and server_accept. */
enum {
	AUTH_STATUS = 0,    /* 0: go on, 1: refused */
	AUTH_SIG = 1,       /* accept: the signature, 64 bytes */
	AUTH_KEY = 65,      /* client_auth accept: the client's key, 32 bytes */
	AUTH_REASON_LEN = 1,/* refusal: the reason's length, 1 byte */
	AUTH_REASON = 2,    /* refusal: the reason */
};

#define AUTH_BOX_BYTES (SANSHE_WIRE_AUTH_PLAIN_BYTES + crypto_secretbox_MACBYTES)

struct sanshe_wire_handshake {
	int client;
	int step;
	const sanshe_key *self;
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES];
	unsigned char self_pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char peer_pk[SANSHE_KEY_PUBLIC_BYTES];
	unsigned char eph_pk[crypto_scalarmult_BYTES];
	unsigned char eph_sk[crypto_scalarmult_SCALARBYTES];
	unsigned char peer_eph[crypto_scalarmult_BYTES];
	unsigned char ab[crypto_scalarmult_BYTES];
	unsigned char aB[crypto_scalarmult_BYTES];
	unsigned char Ab[crypto_scalarmult_BYTES];
	unsigned char ab_hash[32];
	unsigned char key_auth[crypto_secretbox_KEYBYTES];
	unsigned char key_accept[crypto_secretbox_KEYBYTES];
	unsigned char client_sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_wire_stream tx, rx;
};

static const char label_hello[] = "sanshe-wire-1 hello";
static const char label_auth[] = "sanshe-wire-1 client_auth";
static const char label_accept[] = "sanshe-wire-1 server_accept";
static const char label_session[] = "sanshe-wire-1 session";
static const char label_c2s[] = "sanshe-wire-1 client to server";
static const char label_s2c[] = "sanshe-wire-1 server to client";

/* BLAKE2b-256 keyed with the network key over `label` (with its NUL) and
 * up to three parts (NULL ends them). */
static void kdf(unsigned char out[32], const sanshe_wire_handshake *hs,
		const char *label, const unsigned char *p1,
		const unsigned char *p2, const unsigned char *p3)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, hs->netkey, sizeof(hs->netkey), 32);
	crypto_generichash_update(&st, (const unsigned char *)label,
				  strlen(label) + 1);
	if (p1)
		crypto_generichash_update(&st, p1, 32);
	if (p2)
		crypto_generichash_update(&st, p2, 32);
	if (p3)
		crypto_generichash_update(&st, p3, 32);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

static int step_check(sanshe_wire_handshake *hs, int client, int step)
{
	if (hs->client != client || hs->step != step) {
		hs->step = HS_DEAD;
		return sanshe_error_set(SANSHE_EINVALID,
					_("handshake step out of order"));
	}
	return 0;
}

/* Fail the handshake: it cannot go on. */
static int dead(sanshe_wire_handshake *hs, int code, const char *msg)
{
	hs->step = HS_DEAD;
	return sanshe_error_set(code, "%s", msg);
}

int sanshe_wire_handshake_new(sanshe_wire_handshake **out,
			      const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
			      const sanshe_key *self,
			      const unsigned char *server_pk)
{
	sanshe_wire_handshake *hs;
	unsigned char x[SANSHE_KEY_X25519_BYTES];

	*out = NULL;
	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, _("libsodium cannot start"));
	if (!sanshe_key_is_unlocked(self))
		return sanshe_error_set(SANSHE_EINVALID,
					_("key '%s' is locked; the handshake needs its secret half"),
					sanshe_key_name(self));
	if (server_pk && sanshe_key_x25519_public(x, server_pk) != 0)
		return sanshe_error_set(SANSHE_EINVALID,
					_("the server's key is not a usable Ed25519 key"));
	hs = sodium_malloc(sizeof(*hs));
	if (!hs)
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	memset(hs, 0, sizeof(*hs));
	hs->client = server_pk != NULL;
	hs->self = self;
	memcpy(hs->netkey, netkey, sizeof(hs->netkey));
	memcpy(hs->self_pk, sanshe_key_public(self), sizeof(hs->self_pk));
	if (server_pk)
		memcpy(hs->peer_pk, server_pk, sizeof(hs->peer_pk));
	crypto_box_keypair(hs->eph_pk, hs->eph_sk);
	*out = hs;
	return 0;
}

void sanshe_wire_handshake_free(sanshe_wire_handshake *hs)
{
	if (hs)
		sodium_free(hs); /* sodium_free wipes */
}

const unsigned char *sanshe_wire_handshake_peer(const sanshe_wire_handshake *hs)
{
	return hs->peer_pk;
}

/* hello: HMAC(netkey, label || eph) || eph */
static void hello_make(sanshe_wire_handshake *hs,
		       unsigned char out[SANSHE_WIRE_HELLO_BYTES])
{
	unsigned char key[crypto_auth_KEYBYTES];

	kdf(key, hs, label_hello, NULL, NULL, NULL);
	crypto_auth(out, hs->eph_pk, sizeof(hs->eph_pk), key);
	memcpy(out + crypto_auth_BYTES, hs->eph_pk, sizeof(hs->eph_pk));
	sodium_memzero(key, sizeof(key));
}

static int hello_parse(sanshe_wire_handshake *hs, const unsigned char *in,
		       size_t len)
{
	unsigned char key[crypto_auth_KEYBYTES];
	int ok;

	if (len != SANSHE_WIRE_HELLO_BYTES)
		return dead(hs, SANSHE_EPARSE, _("the hello has the wrong length"));
	kdf(key, hs, label_hello, NULL, NULL, NULL);
	ok = crypto_auth_verify(in, in + crypto_auth_BYTES,
				crypto_auth_BYTES, key) == 0;
	sodium_memzero(key, sizeof(key));
	if (!ok)
		return dead(hs, SANSHE_EBADSIG,
			    _("the hello does not authenticate: another network key, or not a sanshe peer"));
	memcpy(hs->peer_eph, in + crypto_auth_BYTES, sizeof(hs->peer_eph));
	if (crypto_scalarmult(hs->ab, hs->eph_sk, hs->peer_eph) != 0)
		return dead(hs, SANSHE_EBADSIG, _("the hello holds a weak ephemeral key"));
	crypto_generichash(hs->ab_hash, sizeof(hs->ab_hash), hs->ab,
			   sizeof(hs->ab), NULL, 0);
	return 0;
}

/* X25519 of our long-term secret with `pub`. */
static int long_term_dh(sanshe_wire_handshake *hs, unsigned char out[32],
			const unsigned char pub[32])
{
	unsigned char x[SANSHE_KEY_X25519_BYTES];
	int err = 0;

	if (sanshe_key_x25519_secret(hs->self, x) != 0 ||
	    crypto_scalarmult(out, x, pub) != 0)
		err = dead(hs, SANSHE_EBADSIG, _("no shared secret with the peer's key"));
	sodium_memzero(x, sizeof(x));
	return err;
}

/* Our ephemeral secret with the X25519 form of the Ed25519 key `pk`. */
static int ephemeral_dh(sanshe_wire_handshake *hs, unsigned char out[32],
			const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	unsigned char x[SANSHE_KEY_X25519_BYTES];

	if (sanshe_key_x25519_public(x, pk) != 0 ||
	    crypto_scalarmult(out, hs->eph_sk, x) != 0)
		return dead(hs, SANSHE_EBADSIG, _("the peer's key has no X25519 form"));
	return 0;
}

int sanshe_wire_client_hello_make(sanshe_wire_handshake *hs,
				  unsigned char out[SANSHE_WIRE_HELLO_BYTES])
{
	int err = step_check(hs, 1, 0);

	if (err)
		return err;
	hello_make(hs, out);
	hs->step = 1;
	return 0;
}

int sanshe_wire_client_hello_parse(sanshe_wire_handshake *hs,
				   const unsigned char *in, size_t len)
{
	int err = step_check(hs, 0, 0);

	if (!err)
		err = hello_parse(hs, in, len);
	/* aB: the server's long-term secret with the client's ephemeral */
	if (!err)
		err = long_term_dh(hs, hs->aB, hs->peer_eph);
	if (err)
		return err;
	kdf(hs->key_auth, hs, label_auth, hs->ab, hs->aB, NULL);
	hs->step = 1;
	return 0;
}

int sanshe_wire_server_hello_make(sanshe_wire_handshake *hs,
				  unsigned char out[SANSHE_WIRE_HELLO_BYTES])
{
	int err = step_check(hs, 0, 1);

	if (err)
		return err;
	hello_make(hs, out);
	hs->step = 2;
	return 0;
}

int sanshe_wire_server_hello_parse(sanshe_wire_handshake *hs,
				   const unsigned char *in, size_t len)
{
	int err = step_check(hs, 1, 1);

	if (!err)
		err = hello_parse(hs, in, len);
	if (!err)
		err = ephemeral_dh(hs, hs->aB, hs->peer_pk);
	/* Ab: the client's long-term secret with the server's ephemeral */
	if (!err)
		err = long_term_dh(hs, hs->Ab, hs->peer_eph);
	if (err)
		return err;
	kdf(hs->key_auth, hs, label_auth, hs->ab, hs->aB, NULL);
	kdf(hs->key_accept, hs, label_accept, hs->ab, hs->aB, hs->Ab);
	hs->step = 2;
	return 0;
}

/* The bytes a client signs: label || netkey || B || hash(ab). */
static void client_signed(const sanshe_wire_handshake *hs, sanshe_buf *msg,
			  const unsigned char server_pk[32])
{
	sanshe_buf_put(msg, label_auth, sizeof(label_auth));
	sanshe_buf_put(msg, hs->netkey, sizeof(hs->netkey));
	sanshe_buf_put(msg, server_pk, 32);
	sanshe_buf_put(msg, hs->ab_hash, sizeof(hs->ab_hash));
}

/* The bytes a server signs: label || netkey || sig_A || A || hash(ab). */
static void server_signed(const sanshe_wire_handshake *hs, sanshe_buf *msg,
			  const unsigned char client_pk[32])
{
	sanshe_buf_put(msg, label_accept, sizeof(label_accept));
	sanshe_buf_put(msg, hs->netkey, sizeof(hs->netkey));
	sanshe_buf_put(msg, hs->client_sig, sizeof(hs->client_sig));
	sanshe_buf_put(msg, client_pk, 32);
	sanshe_buf_put(msg, hs->ab_hash, sizeof(hs->ab_hash));
}

/* The two stream keys, from all three shared secrets and both keys. */
static void stream_keys(const sanshe_wire_handshake *hs, unsigned char c2s[32],
			unsigned char s2c[32])
{
	unsigned char master[32];
	const unsigned char *a = hs->client ? hs->self_pk : hs->peer_pk;
	const unsigned char *b = hs->client ? hs->peer_pk : hs->self_pk;

	kdf(master, hs, label_session, hs->ab, hs->aB, hs->Ab);
	crypto_generichash(c2s, 32, (const unsigned char *)label_c2s,
			   sizeof(label_c2s), master, sizeof(master));
	crypto_generichash(s2c, 32, (const unsigned char *)label_s2c,
			   sizeof(label_s2c), master, sizeof(master));
	/* bind the keys to both identities */
	crypto_generichash(master, 32, a, 32, c2s, 32);
	memcpy(c2s, master, 32);
	crypto_generichash(master, 32, b, 32, s2c, 32);
	memcpy(s2c, master, 32);
	sodium_memzero(master, sizeof(master));
}

/* Write a refusal reason into the plaintext, cut at a character boundary. */
static void reason_put(unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES],
		       const char *reason)
{
	size_t n = strlen(reason);

	if (n > SANSHE_WIRE_REASON_MAX) {
		n = SANSHE_WIRE_REASON_MAX;
		while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
			n--;
	}
	plain[AUTH_STATUS] = 1;
	plain[AUTH_REASON_LEN] = (unsigned char)n;
	memcpy(plain + AUTH_REASON, reason, n);
}

/* The peer's refusal, as an error "peer refused us: REASON". */
static int reason_get(sanshe_wire_handshake *hs,
		      const unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES])
{
	char reason[SANSHE_WIRE_REASON_MAX + 1];
	size_t n = plain[AUTH_REASON_LEN], i;

	hs->step = HS_DEAD;
	if (n > SANSHE_WIRE_REASON_MAX)
		return sanshe_error_set(SANSHE_EPARSE,
					_("the peer refused us with a reason too long to read"));
	for (i = 0; i < n; i++) {
		unsigned char c = plain[AUTH_REASON + i];

		reason[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	reason[n] = '\0';
	return sanshe_error_set(SANSHE_EINVALID, _("the peer refused us: %s"),
				reason);
}

/* Are the plaintext's bytes from `from` on all zero? */
static int padding_ok(const unsigned char *plain, size_t from)
{
	unsigned char acc = 0;

	for (size_t i = from; i < SANSHE_WIRE_AUTH_PLAIN_BYTES; i++)
		acc |= plain[i];
	return acc == 0;
}

/* Seal `plain` under `key` (used once, so the nonce is zero), then start
 * the outgoing stream with `stream_key` and append its header. */
static void auth_seal(sanshe_wire_handshake *hs,
		      unsigned char out[SANSHE_WIRE_AUTH_BYTES],
		      const unsigned char *plain, const unsigned char *key,
		      const unsigned char *stream_key)
{
	static const unsigned char nonce[crypto_secretbox_NONCEBYTES];

	crypto_secretbox_easy(out, plain, SANSHE_WIRE_AUTH_PLAIN_BYTES, nonce, key);
	if (stream_key)
		crypto_secretstream_xchacha20poly1305_init_push(&hs->tx,
			out + AUTH_BOX_BYTES, stream_key);
	else
		memset(out + AUTH_BOX_BYTES, 0,
		       crypto_secretstream_xchacha20poly1305_HEADERBYTES);
}

static int auth_open(sanshe_wire_handshake *hs,
		     unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES],
		     const unsigned char *in, size_t len, const unsigned char *key)
{
	static const unsigned char nonce[crypto_secretbox_NONCEBYTES];

	if (len != SANSHE_WIRE_AUTH_BYTES)
		return dead(hs, SANSHE_EPARSE,
			    _("the authentication message has the wrong length"));
	if (crypto_secretbox_open_easy(plain, in, AUTH_BOX_BYTES, nonce, key) != 0)
		return dead(hs, SANSHE_EBADSIG,
			    _("the authentication message does not open: tampered, another network, or a client that expects another server key"));
	if (plain[AUTH_STATUS] > 1)
		return dead(hs, SANSHE_EPARSE,
			    _("the authentication message has an unknown status"));
	return 0;
}

int sanshe_wire_client_auth_make(sanshe_wire_handshake *hs,
				 unsigned char out[SANSHE_WIRE_AUTH_BYTES],
				 const char *refusal)
{
	unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES] = { 0 };
	unsigned char c2s[32], s2c[32];
	sanshe_buf msg = SANSHE_BUF_INIT;
	int err = step_check(hs, 1, 2);

	if (err)
		return err;
	if (refusal) {
		reason_put(plain, refusal);
		auth_seal(hs, out, plain, hs->key_auth, NULL);
		hs->step = HS_DEAD;
		return 0;
	}
	client_signed(hs, &msg, hs->peer_pk);
	if (!msg.ptr || sanshe_key_sign(hs->self, hs->client_sig, msg.ptr, msg.size) != 0) {
		sanshe_buf_dispose(&msg);
		return dead(hs, SANSHE_ENOMEM, _("cannot sign the handshake"));
	}
	sanshe_buf_dispose(&msg);
	memcpy(plain + AUTH_SIG, hs->client_sig, sizeof(hs->client_sig));
	memcpy(plain + AUTH_KEY, hs->self_pk, sizeof(hs->self_pk));
	stream_keys(hs, c2s, s2c);
	auth_seal(hs, out, plain, hs->key_auth, c2s);
	sodium_memzero(c2s, sizeof(c2s));
	sodium_memzero(s2c, sizeof(s2c));
	hs->step = 3;
	return 0;
}

int sanshe_wire_client_auth_parse(sanshe_wire_handshake *hs,
				  const unsigned char *in, size_t len)
{
	unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES];
	unsigned char c2s[32], s2c[32];
	sanshe_buf msg = SANSHE_BUF_INIT;
	int err = step_check(hs, 0, 2);

	if (!err)
		err = auth_open(hs, plain, in, len, hs->key_auth);
	if (err)
		return err;
	if (plain[AUTH_STATUS] == 1)
		return reason_get(hs, plain);
	if (!padding_ok(plain, AUTH_KEY + SANSHE_KEY_PUBLIC_BYTES))
		return dead(hs, SANSHE_EPARSE, _("client_auth has stray bytes"));
	memcpy(hs->client_sig, plain + AUTH_SIG, sizeof(hs->client_sig));
	client_signed(hs, &msg, hs->self_pk);
	err = !msg.ptr ? SANSHE_ENOMEM :
	      sanshe_key_verify(plain + AUTH_KEY, hs->client_sig, msg.ptr, msg.size);
	sanshe_buf_dispose(&msg);
	if (err)
		return dead(hs, SANSHE_EBADSIG,
			    _("the client does not prove the key it claims"));
	memcpy(hs->peer_pk, plain + AUTH_KEY, sizeof(hs->peer_pk));
	/* Ab: our ephemeral with the client's long-term key */
	if ((err = ephemeral_dh(hs, hs->Ab, hs->peer_pk)) != 0)
		return err;
	kdf(hs->key_accept, hs, label_accept, hs->ab, hs->aB, hs->Ab);
	stream_keys(hs, c2s, s2c);
	err = crypto_secretstream_xchacha20poly1305_init_pull(&hs->rx,
		in + AUTH_BOX_BYTES, c2s);
	sodium_memzero(c2s, sizeof(c2s));
	sodium_memzero(s2c, sizeof(s2c));
	sodium_memzero(plain, sizeof(plain));
	if (err != 0)
		return dead(hs, SANSHE_EBADSIG, _("the client's stream header is not usable"));
	hs->step = 3;
	return 0;
}

int sanshe_wire_server_accept_make(sanshe_wire_handshake *hs,
				   unsigned char out[SANSHE_WIRE_AUTH_BYTES],
				   const char *refusal)
{
	unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES] = { 0 };
	unsigned char c2s[32], s2c[32];
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_buf msg = SANSHE_BUF_INIT;
	int err = step_check(hs, 0, 3);

	if (err)
		return err;
	if (refusal) {
		reason_put(plain, refusal);
		auth_seal(hs, out, plain, hs->key_accept, NULL);
		hs->step = HS_DEAD;
		return 0;
	}
	server_signed(hs, &msg, hs->peer_pk);
	if (!msg.ptr || sanshe_key_sign(hs->self, sig, msg.ptr, msg.size) != 0) {
		sanshe_buf_dispose(&msg);
		return dead(hs, SANSHE_ENOMEM, _("cannot sign the handshake"));
	}
	sanshe_buf_dispose(&msg);
	memcpy(plain + AUTH_SIG, sig, sizeof(sig));
	stream_keys(hs, c2s, s2c);
	auth_seal(hs, out, plain, hs->key_accept, s2c);
	sodium_memzero(c2s, sizeof(c2s));
	sodium_memzero(s2c, sizeof(s2c));
	hs->step = HS_DONE;
	return 0;
}

int sanshe_wire_server_accept_parse(sanshe_wire_handshake *hs,
				    const unsigned char *in, size_t len)
{
	unsigned char plain[SANSHE_WIRE_AUTH_PLAIN_BYTES];
	unsigned char c2s[32], s2c[32];
	sanshe_buf msg = SANSHE_BUF_INIT;
	int err = step_check(hs, 1, 3);

	if (!err)
		err = auth_open(hs, plain, in, len, hs->key_accept);
	if (err)
		return err;
	if (plain[AUTH_STATUS] == 1)
		return reason_get(hs, plain);
	if (!padding_ok(plain, AUTH_SIG + SANSHE_KEY_SIGNATURE_BYTES))
		return dead(hs, SANSHE_EPARSE, _("server_accept has stray bytes"));
	server_signed(hs, &msg, hs->self_pk);
	err = !msg.ptr ? SANSHE_ENOMEM :
	      sanshe_key_verify(hs->peer_pk, plain + AUTH_SIG, msg.ptr, msg.size);
	sanshe_buf_dispose(&msg);
	if (err)
		return dead(hs, SANSHE_EBADSIG, _("the server does not prove its key"));
	stream_keys(hs, c2s, s2c);
	err = crypto_secretstream_xchacha20poly1305_init_pull(&hs->rx,
		in + AUTH_BOX_BYTES, s2c);
	sodium_memzero(c2s, sizeof(c2s));
	sodium_memzero(s2c, sizeof(s2c));
	if (err != 0)
		return dead(hs, SANSHE_EBADSIG, _("the server's stream header is not usable"));
	hs->step = HS_DONE;
	return 0;
}

int sanshe_wire_handshake_streams(sanshe_wire_handshake *hs,
				  sanshe_wire_stream *tx, sanshe_wire_stream *rx)
{
	if (hs->step != HS_DONE)
		return sanshe_error_set(SANSHE_EINVALID, _("the handshake is not complete"));
	memcpy(tx, &hs->tx, sizeof(*tx));
	memcpy(rx, &hs->rx, sizeof(*rx));
	return 0;
}

/*
 * libFuzzer target: the secret handshake as a hostile peer plays it.  A
 * real client and server (fixed long-term keys, fresh ephemeral keys) run
 * the four messages through the pure steps; the first byte picks one
 * message (byte mod 4) and how to spoil it:
 *
 *   byte < 128  the message is replaced by the rest of the input
 *   otherwise   bytes 1-2 are a position and byte 3 a bit mask applied to
 *               the genuine message
 *
 * Nothing may crash, leak or hang; a spoiled message is refused with a
 * message (a changed stream header, which the handshake does not cover,
 * is caught by the first frame instead); an unspoiled one completes, and
 * both sides then know each other's key and talk.
 */
#include "common.h"

#include <string.h>

#include "fuzz.h"
#include "key.h"
#include "wire.h"

static sanshe_key *client_key, *server_key;
static const unsigned char net[SANSHE_WIRE_NETWORK_KEY_BYTES] = { 's', 'a', 'n' };

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sanshe_key_generate(&client_key, "client") != 0 ||
	    sanshe_key_generate(&server_key, "server") != 0)
		fuzz_fail("the keys are made", sanshe_error_last());
	return 0;
}

struct spoil {
	int which;            /* 0..3: the message spoiled */
	const uint8_t *bytes; /* replacement, or NULL */
	size_t len;
	size_t pos;
	unsigned char mask;
};

/* Apply the spoiling to message `which`; the bytes to parse and their
 * length come back in *in and *len. */
static void spoil_apply(const struct spoil *sp, int which, unsigned char *msg,
			size_t size, const unsigned char **in, size_t *len)
{
	*in = msg;
	*len = size;
	if (sp->which != which)
		return;
	if (sp->bytes) {
		*in = sp->bytes;
		*len = sp->len;
	} else {
		msg[sp->pos % size] ^= sp->mask;
	}
}

static int spoiled(const struct spoil *sp)
{
	return sp->bytes || sp->mask;
}

/* Was the change confined to the stream header of an auth message? */
static int header_only(const struct spoil *sp)
{
	size_t at;

	if (sp->bytes || sp->which < 2)
		return 0;
	at = sp->pos % SANSHE_WIRE_AUTH_BYTES;
	return at >= SANSHE_WIRE_AUTH_BYTES -
		crypto_secretstream_xchacha20poly1305_HEADERBYTES;
}

static void refused(int err)
{
	fuzz_require(err < 0, "a spoiled message is refused", NULL);
	fuzz_require(*sanshe_error_last() != '\0', "a refusal says why", NULL);
}

/* After a completed handshake: one frame each way. */
static void talk(sanshe_wire_handshake *c, sanshe_wire_handshake *s,
		 const struct spoil *sp)
{
	sanshe_wire_stream ctx, crx, stx, srx;
	sanshe_buf wire = SANSHE_BUF_INIT, msg = SANSHE_BUF_INIT;
	size_t used;
	int final, err;

	if (sanshe_wire_handshake_streams(c, &ctx, &crx) != 0 ||
	    sanshe_wire_handshake_streams(s, &stx, &srx) != 0)
		fuzz_fail("a completed handshake gives streams", sanshe_error_last());
	fuzz_require(memcmp(sanshe_wire_handshake_peer(s), sanshe_key_public(client_key), 32) == 0,
		     "the server learns the client's key", NULL);
	if (sanshe_wire_frame_encode(&ctx, &wire, "ping", 4, 0) != 0 ||
	    sanshe_wire_frame_encode(&stx, &wire, "pong", 4, 1) != 0)
		fuzz_fail("encoding works", sanshe_error_last());
	err = sanshe_wire_frame_decode(&srx, (unsigned char *)wire.ptr, wire.size,
				       &msg, &final, &used);
	if (spoiled(sp) && sp->which == 2) {
		refused(err);
	} else {
		fuzz_require(err == 0 && msg.size == 4 && memcmp(msg.ptr, "ping", 4) == 0,
			     "the server reads the client's frame", sanshe_error_last());
		err = sanshe_wire_frame_decode(&crx, (unsigned char *)wire.ptr + used,
					       wire.size - used, &msg, &final, &used);
		if (spoiled(sp) && sp->which == 3)
			refused(err);
		else
			fuzz_require(err == 0 && final && memcmp(msg.ptr, "pong", 4) == 0,
				     "the client reads the server's frame", sanshe_error_last());
	}
	sanshe_buf_dispose(&wire);
	sanshe_buf_dispose(&msg);
}

static void run(const struct spoil *sp)
{
	sanshe_wire_handshake *c = NULL, *s = NULL;
	unsigned char hello[SANSHE_WIRE_HELLO_BYTES], auth[SANSHE_WIRE_AUTH_BYTES];
	const unsigned char *in;
	size_t len;
	int err;

	if (sanshe_wire_handshake_new(&c, net, client_key, sanshe_key_public(server_key)) != 0 ||
	    sanshe_wire_handshake_new(&s, net, server_key, NULL) != 0 ||
	    sanshe_wire_client_hello_make(c, hello) != 0)
		fuzz_fail("a handshake starts", sanshe_error_last());
	spoil_apply(sp, 0, hello, sizeof(hello), &in, &len);
	if ((err = sanshe_wire_client_hello_parse(s, in, len)) != 0)
		goto done;
	if (sanshe_wire_server_hello_make(s, hello) != 0)
		fuzz_fail("server_hello is made", sanshe_error_last());
	spoil_apply(sp, 1, hello, sizeof(hello), &in, &len);
	if ((err = sanshe_wire_server_hello_parse(c, in, len)) != 0)
		goto done;
	if (sanshe_wire_client_auth_make(c, auth, NULL) != 0)
		fuzz_fail("client_auth is made", sanshe_error_last());
	spoil_apply(sp, 2, auth, sizeof(auth), &in, &len);
	if ((err = sanshe_wire_client_auth_parse(s, in, len)) != 0)
		goto done;
	if (sanshe_wire_server_accept_make(s, auth, NULL) != 0)
		fuzz_fail("server_accept is made", sanshe_error_last());
	spoil_apply(sp, 3, auth, sizeof(auth), &in, &len);
	if ((err = sanshe_wire_server_accept_parse(c, in, len)) != 0)
		goto done;
	fuzz_require(!spoiled(sp) || header_only(sp),
		     "a spoiled handshake message is refused", NULL);
	talk(c, s, sp);
done:
	if (err)
		refused(err);
	fuzz_require(!err || spoiled(sp), "an unspoiled handshake completes",
		     sanshe_error_last());
	sanshe_wire_handshake_free(c);
	sanshe_wire_handshake_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spoil sp = { 0 };

	if (size == 0)
		return 0;
	sp.which = data[0] % 4;
	if (data[0] < 128) {
		sp.bytes = data + 1;
		sp.len = size - 1;
	} else if (size >= 4) {
		sp.pos = (size_t)data[1] << 8 | data[2];
		sp.mask = data[3];
	}
	run(&sp);
	return 0;
}

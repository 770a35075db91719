/*
 * libFuzzer target: frames of the wire layer as a hostile peer sends them.
 * The first byte picks a mode:
 *
 *   even  the rest is read as a stream of frames by the pure decoder;
 *         nothing may crash, leak or hang, a refusal says why, and no frame
 *         longer than the limit or than the input is ever decoded
 *   odd   bytes 1-2 are a position and byte 3 a bit mask; the rest is a
 *         plaintext, sent as two frames (the second final).  Unchanged (mask
 *         0) both decode to what was sent; with one byte changed the pair
 *         never decodes whole: every change is caught
 *
 * The stream states are fixed: pulling from a fixed header gives the same
 * state as pushing with it, so a copy of the reader is a writer.
 */
#include "common.h"

#include <string.h>

#include "fuzz.h"
#include "wire.h"

static sanshe_wire_stream reader;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		fuzz_fail("libsodium starts", NULL);
	memset(key, 0x42, sizeof(key));
	memset(header, 0x24, sizeof(header));
	if (crypto_secretstream_xchacha20poly1305_init_pull(&reader, header, key) != 0)
		fuzz_fail("the fixed stream starts", NULL);
	return 0;
}

static void check_stream(const uint8_t *data, size_t size)
{
	sanshe_wire_stream rx = reader;
	sanshe_buf msg = SANSHE_BUF_INIT;
	size_t used;
	int err, final = 0;

	while (!final) {
		err = sanshe_wire_frame_decode(&rx, data, size, &msg, &final, &used);
		if (err) {
			fuzz_require(*sanshe_error_last() != '\0', "a refusal says why", NULL);
			break;
		}
		if (used == 0)
			break;
		fuzz_require(used <= size, "a frame lies within the input", NULL);
		fuzz_require(msg.size <= SANSHE_WIRE_FRAME_MAX, "a frame keeps to the limit", NULL);
		fuzz_require(used == msg.size + SANSHE_WIRE_FRAME_PREFIX +
			     crypto_secretstream_xchacha20poly1305_ABYTES,
			     "a frame's length is its prefix, plaintext and tag", NULL);
		data += used;
		size -= used;
	}
	sanshe_buf_dispose(&msg);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	sanshe_wire_stream tx = reader, rx = reader;
	sanshe_buf wire = SANSHE_BUF_INIT, msg = SANSHE_BUF_INIT;
	size_t pos, used, half, got = 0, frames = 0;
	unsigned char mask;
	int final = 0;

	if (size < 3)
		return;
	pos = (size_t)data[0] << 8 | data[1];
	mask = data[2];
	data += 3;
	size -= 3;
	half = size / 2;
	if (sanshe_wire_frame_encode(&tx, &wire, data, half, 0) != 0 ||
	    sanshe_wire_frame_encode(&tx, &wire, data + half, size - half, 1) != 0)
		fuzz_fail("encoding works", sanshe_error_last());
	wire.ptr[pos % wire.size] ^= (char)mask;
	while (frames < 2) {
		if (sanshe_wire_frame_decode(&rx, (unsigned char *)wire.ptr + got,
					     wire.size - got, &msg, &final, &used) != 0 ||
		    used == 0)
			break;
		fuzz_require(msg.size == (frames ? size - half : half) &&
			     memcmp(msg.ptr, frames ? data + half : data, msg.size) == 0,
			     "a frame decodes to what was sent", NULL);
		fuzz_require(final == (frames == 1), "only the last frame is final", NULL);
		got += used;
		frames++;
	}
	fuzz_require((frames == 2 && got == wire.size) == (mask == 0),
		     "a changed byte is caught, an unchanged frame pair decodes", NULL);
	sanshe_buf_dispose(&wire);
	sanshe_buf_dispose(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		check_round_trip(data + 1, size - 1);
	else
		check_stream(data + 1, size - 1);
	return 0;
}

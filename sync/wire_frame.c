/*
 * Frames of the wire layer: a 4-byte big-endian length, then that many
 * bytes of secretstream ciphertext.  Pure functions over byte buffers.
 */
#include "common.h"

#include <string.h>

#include "wire.h"

#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

int sanshe_wire_frame_encode(sanshe_wire_stream *tx, sanshe_buf *out,
			     const void *msg, size_t len, int final)
{
	unsigned char *p;
	size_t clen = len + ABYTES;
	int err;

	if (len > SANSHE_WIRE_FRAME_MAX)
		return sanshe_error_set(SANSHE_EINVALID,
					_("a frame of %zu bytes is over the limit of %d"),
					len, SANSHE_WIRE_FRAME_MAX);
	if ((err = sanshe_buf_grow(out, SANSHE_WIRE_FRAME_PREFIX + clen)) != 0)
		return err;
	p = (unsigned char *)out->ptr + out->size;
	p[0] = (unsigned char)(clen >> 24);
	p[1] = (unsigned char)(clen >> 16);
	p[2] = (unsigned char)(clen >> 8);
	p[3] = (unsigned char)clen;
	crypto_secretstream_xchacha20poly1305_push(tx, p + SANSHE_WIRE_FRAME_PREFIX,
		NULL, msg, len, NULL, 0,
		final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
		      : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	out->size += SANSHE_WIRE_FRAME_PREFIX + clen;
	out->ptr[out->size] = '\0';
	return 0;
}

int sanshe_wire_frame_length(const unsigned char prefix[SANSHE_WIRE_FRAME_PREFIX],
			     size_t *cipher_len)
{
	uint32_t n = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 |
		     (uint32_t)prefix[2] << 8 | prefix[3];

	*cipher_len = 0;
	if (n < ABYTES)
		return sanshe_error_set(SANSHE_EPARSE,
					_("peer sent a frame of %lu bytes, shorter than its authentication tag"),
					(unsigned long)n);
	if (n - ABYTES > SANSHE_WIRE_FRAME_MAX)
		return sanshe_error_set(SANSHE_EPARSE,
					_("peer sent a frame of %lu bytes; the limit is %d"),
					(unsigned long)(n - ABYTES), SANSHE_WIRE_FRAME_MAX);
	*cipher_len = n;
	return 0;
}

int sanshe_wire_frame_decode(sanshe_wire_stream *rx, const unsigned char *bytes,
			     size_t len, sanshe_buf *msg, int *final, size_t *used)
{
	unsigned char tag;
	size_t clen;
	int err;

	*used = 0;
	*final = 0;
	sanshe_buf_clear(msg);
	if (len < SANSHE_WIRE_FRAME_PREFIX)
		return 0;
	if ((err = sanshe_wire_frame_length(bytes, &clen)) != 0)
		return err;
	if (len - SANSHE_WIRE_FRAME_PREFIX < clen)
		return 0;
	if ((err = sanshe_buf_grow(msg, clen - ABYTES + 1)) != 0)
		return err;
	if (crypto_secretstream_xchacha20poly1305_pull(rx,
		(unsigned char *)msg->ptr, NULL, &tag,
		bytes + SANSHE_WIRE_FRAME_PREFIX, clen, NULL, 0) != 0)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("peer sent a frame that does not authenticate (tampered, replayed or out of order)"));
	if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
	    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		return sanshe_error_set(SANSHE_EPARSE,
					_("peer sent a frame with an unexpected tag %u"),
					(unsigned)tag);
	msg->size = clen - ABYTES;
	msg->ptr[msg->size] = '\0';
	*final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	*used = SANSHE_WIRE_FRAME_PREFIX + clen;
	return 0;
}

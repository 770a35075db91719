/*
 * The wire layer of TCP sync (DESIGN §8, docs/wire.md): a secret handshake
 * that authenticates both peers by their Ed25519 keys and gives forward
 * secrecy, then length-prefixed frames sealed with XChaCha20-Poly1305
 * secretstream, one stream per direction, read and written with an idle
 * timeout and a session deadline.
 *
 * The handshake is four messages of fixed size, each made and parsed by a
 * pure function over byte buffers (no sockets: they are unit-tested and
 * fuzzed as they are):
 *
 *   client_hello   client → server   SANSHE_WIRE_HELLO_BYTES
 *   server_hello   server → client   SANSHE_WIRE_HELLO_BYTES
 *   client_auth    client → server   SANSHE_WIRE_AUTH_BYTES
 *   server_accept  server → client   SANSHE_WIRE_AUTH_BYTES
 *
 * The client knows the server's public key before it starts.  Each side
 * hands the other's key to an accept callback before any application data
 * moves; a refusal travels to the peer inside the next handshake message, so
 * both ends can say why.  Every byte from the peer is hostile: lengths are
 * checked before use and secrets are wiped.
 *
 * Errors: SANSHE_EBADSIG (a message that does not authenticate: another
 * network, a tampered byte, a peer that cannot prove its key),
 * SANSHE_EINVALID (a refusal, ours or the peer's), SANSHE_EPARSE (a frame
 * too large or malformed), SANSHE_EIO (the connection failed, stalled,
 * overran its deadline or ended without its final frame).
 */
#ifndef SANSHE_WIRE_H
#define SANSHE_WIRE_H

#include <sodium.h>
#include <stddef.h>

#include "buf.h"
#include "key.h"

/** Bytes of the network key that separates federations. */
#define SANSHE_WIRE_NETWORK_KEY_BYTES 32
/** Bytes of client_hello and of server_hello. */
#define SANSHE_WIRE_HELLO_BYTES 64
/** Bytes of the plaintext sealed in client_auth and server_accept. */
#define SANSHE_WIRE_AUTH_PLAIN_BYTES 256
/** Bytes of client_auth and of server_accept: the sealed box, then the
 * sender's secretstream header. */
#define SANSHE_WIRE_AUTH_BYTES                                          \
	(SANSHE_WIRE_AUTH_PLAIN_BYTES + crypto_secretbox_MACBYTES +     \
	 crypto_secretstream_xchacha20poly1305_HEADERBYTES)
/** Longest refusal reason sent to a peer, in bytes (longer ones are cut). */
#define SANSHE_WIRE_REASON_MAX 200
/** Bytes of a frame's length prefix. */
#define SANSHE_WIRE_FRAME_PREFIX 4
/** Largest plaintext a frame may carry (1 MiB). */
#define SANSHE_WIRE_FRAME_MAX (1024 * 1024)

typedef crypto_secretstream_xchacha20poly1305_state sanshe_wire_stream;

/**
 * Decide whether the peer whose Ed25519 public key is `pk` may go on.
 * Return 0 to accept, or a negative code with a message set by
 * sanshe_error_set (e.g. "key SHA256:… is not a member of this
 * federation"); the message is sent to the peer as the reason.
 */
typedef int (*sanshe_wire_accept_cb)(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
				     void *payload);

/* ---- the handshake, step by step ---- */

/** The state of one side of a handshake (opaque, in guarded memory). */
typedef struct sanshe_wire_handshake sanshe_wire_handshake;

/**
 * Start a handshake with fresh ephemeral keys.
 *
 * @param out        receives the state, freed with sanshe_wire_handshake_free
 * @param netkey     the network key (both ends must hold the same)
 * @param self       our own key, unlocked (borrowed for the handshake's life)
 * @param server_pk  the server's public key for a client; NULL for a server
 * @return 0, SANSHE_EINVALID (a locked key, a server key with no X25519
 *         form) or SANSHE_ENOMEM
 */
int sanshe_wire_handshake_new(sanshe_wire_handshake **out,
			      const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
			      const sanshe_key *self,
			      const unsigned char *server_pk);

/** Wipe and release a handshake state.  NULL is fine. */
void sanshe_wire_handshake_free(sanshe_wire_handshake *hs);

/** Client: write client_hello. */
int sanshe_wire_client_hello_make(sanshe_wire_handshake *hs,
				  unsigned char out[SANSHE_WIRE_HELLO_BYTES]);

/** Server: read client_hello.  SANSHE_EBADSIG for another network. */
int sanshe_wire_client_hello_parse(sanshe_wire_handshake *hs,
				   const unsigned char *in, size_t len)
	__attribute__((warn_unused_result));

/** Server: write server_hello. */
int sanshe_wire_server_hello_make(sanshe_wire_handshake *hs,
				  unsigned char out[SANSHE_WIRE_HELLO_BYTES]);

/** Client: read server_hello.  SANSHE_EBADSIG for another network. */
int sanshe_wire_server_hello_parse(sanshe_wire_handshake *hs,
				   const unsigned char *in, size_t len)
	__attribute__((warn_unused_result));

/**
 * Client: write client_auth, proving our key, or — when `refusal` is not
 * NULL — telling the server why we will not go on (the handshake then
 * ends).  Starts our outgoing stream.
 */
int sanshe_wire_client_auth_make(sanshe_wire_handshake *hs,
				 unsigned char out[SANSHE_WIRE_AUTH_BYTES],
				 const char *refusal);

/**
 * Server: read client_auth.  On success the client's key is
 * sanshe_wire_handshake_peer(); the server then decides and answers with
 * server_accept.
 *
 * @return 0, SANSHE_EBADSIG (tampered, another network, or a client that
 *         cannot prove its key) or SANSHE_EINVALID ("peer refused us:
 *         REASON", the client's refusal)
 */
int sanshe_wire_client_auth_parse(sanshe_wire_handshake *hs,
				  const unsigned char *in, size_t len)
	__attribute__((warn_unused_result));

/** Server: write server_accept, proving our key, or a refusal as above. */
int sanshe_wire_server_accept_make(sanshe_wire_handshake *hs,
				   unsigned char out[SANSHE_WIRE_AUTH_BYTES],
				   const char *refusal);

/** Client: read server_accept.  Errors as sanshe_wire_client_auth_parse. */
int sanshe_wire_server_accept_parse(sanshe_wire_handshake *hs,
				    const unsigned char *in, size_t len)
	__attribute__((warn_unused_result));

/** The peer's Ed25519 public key: the server's for a client (known from
 * the start), the client's for a server once client_auth is read. */
const unsigned char *sanshe_wire_handshake_peer(const sanshe_wire_handshake *hs);

/**
 * After a completed handshake (both auth messages made and read), copy out
 * the two stream states.  SANSHE_EINVALID before that.
 */
int sanshe_wire_handshake_streams(sanshe_wire_handshake *hs,
				  sanshe_wire_stream *tx, sanshe_wire_stream *rx);

/* ---- frames ---- */

/**
 * Append one frame carrying `len` bytes of `msg` (at most
 * SANSHE_WIRE_FRAME_MAX) to `out`: a 4-byte big-endian length, then the
 * secretstream ciphertext.  `final` seals it with TAG_FINAL (end of session).
 */
int sanshe_wire_frame_encode(sanshe_wire_stream *tx, sanshe_buf *out,
			     const void *msg, size_t len, int final);

/**
 * Read the length prefix of a frame (`prefix`, 4 bytes) and check it:
 * `*cipher_len` receives the ciphertext length that follows.  SANSHE_EPARSE
 * ("peer sent a frame of N bytes; the limit is M") before anything more is
 * read.
 */
int sanshe_wire_frame_length(const unsigned char prefix[SANSHE_WIRE_FRAME_PREFIX],
			     size_t *cipher_len)
	__attribute__((warn_unused_result));

/**
 * Decode the first frame of `len` bytes at `bytes` with the incoming stream.
 *
 * @param msg    receives the plaintext (appended; cleared first)
 * @param final  set to 1 when the frame ends the session (TAG_FINAL)
 * @param used   bytes consumed; 0 when `bytes` does not yet hold a whole
 *               frame (the function then returns 0 and reads nothing)
 * @return 0, SANSHE_EPARSE (too large, or a tag that has no place here),
 *         SANSHE_EBADSIG (tampered or out of order) or SANSHE_ENOMEM
 */
int sanshe_wire_frame_decode(sanshe_wire_stream *rx, const unsigned char *bytes,
			     size_t len, sanshe_buf *msg, int *final, size_t *used)
	__attribute__((warn_unused_result));

/* ---- sessions over a file descriptor ---- */

/** Limits of a session, in milliseconds. */
typedef struct sanshe_wire_options {
	int idle_ms;    /* longest wait for the peer on one read or write (> 0) */
	int session_ms; /* longest whole session, handshake included (> 0) */
} sanshe_wire_options;

#define SANSHE_WIRE_OPTIONS_INIT { 30 * 1000, 60 * 60 * 1000 }

/** A session with one peer after the handshake (opaque).  After any error
 * of sanshe_wire_send or sanshe_wire_recv the connection is out of step:
 * free the session and close the fd. */
typedef struct sanshe_wire_session sanshe_wire_session;

/**
 * Run the client side of the handshake on the connected `fd` (made
 * non-blocking; the caller keeps and closes it).  `server_pk` is the key the
 * server must prove; `accept` is asked about it before we prove ours.
 *
 * @param peer  how to name the peer in messages (e.g. "tcp://host:7010")
 * @param opts  NULL for SANSHE_WIRE_OPTIONS_INIT
 * @return 0 with `*out` (freed with sanshe_wire_session_free), or an error
 *         whose message starts "peer 'NAME': "
 */
int sanshe_wire_client(sanshe_wire_session **out, int fd, const char *peer,
		       const sanshe_wire_options *opts,
		       const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
		       const sanshe_key *self,
		       const unsigned char server_pk[SANSHE_KEY_PUBLIC_BYTES],
		       sanshe_wire_accept_cb accept, void *payload);

/** Run the server side of the handshake on `fd`; as sanshe_wire_client. */
int sanshe_wire_server(sanshe_wire_session **out, int fd, const char *peer,
		       const sanshe_wire_options *opts,
		       const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
		       const sanshe_key *self,
		       sanshe_wire_accept_cb accept, void *payload);

/** The peer's proven Ed25519 public key (borrowed). */
const unsigned char *sanshe_wire_session_peer(const sanshe_wire_session *s);

/**
 * The longest wait for the peer from now on, in milliseconds (> 0): longer
 * while the peer is known to be working on what it received, then back.
 * Returns the limit it replaces.
 */
int sanshe_wire_set_idle(sanshe_wire_session *s, int idle_ms);

/** Send one message of `len` bytes (at most SANSHE_WIRE_FRAME_MAX). */
int sanshe_wire_send(sanshe_wire_session *s, const void *msg, size_t len);

/** End our direction of the session (an empty frame with TAG_FINAL). */
int sanshe_wire_end(sanshe_wire_session *s);

/**
 * Receive one message into `msg` (cleared first).
 * @return 0 (a message), 1 (the peer ended the session; `msg` holds what
 *         its final frame carried, usually nothing) or an error: the peer
 *         stalled, overran the session, closed without ending ("truncated"),
 *         or sent a frame too large or tampered
 */
int sanshe_wire_recv(sanshe_wire_session *s, sanshe_buf *msg);

/** Wipe and release a session (the fd stays open).  NULL is fine. */
void sanshe_wire_session_free(sanshe_wire_session *s);

#endif

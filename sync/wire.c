/*
 * Sessions of the wire layer over a file descriptor: the handshake driven
 * over the connection, then frames, every read and write bounded by the idle
 * timeout and the session deadline (poll(2), non-blocking fd).
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

struct sanshe_wire_session {
	int fd;
	char *peer;
	sanshe_wire_options opts;
	long long deadline; /* monotonic, in ms */
	int rx_ended, tx_ended;
	unsigned char peer_pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_wire_stream tx, rx;
	sanshe_buf frame;
};

/* read_full's answer when the peer closed before sending anything. */
#define WIRE_EOF 1

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until `fd` is ready for `events`, within the idle timeout and the
 * session deadline. */
static int wait_ready(sanshe_wire_session *s, short events)
{
	struct pollfd p = { .fd = s->fd, .events = events };
	long long left;
	int wait, rc;

	for (;;) {
		left = s->deadline - now_ms();
		if (left <= 0)
			return sanshe_error_set(SANSHE_EIO,
						_("the session took longer than %g s; dropped"),
						s->opts.session_ms / 1000.0);
		wait = left < s->opts.idle_ms ? (int)left : s->opts.idle_ms;
		rc = poll(&p, 1, wait);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return sanshe_error_set_os(SANSHE_EIO, _("cannot wait for the peer"));
		if (wait == s->opts.idle_ms)
			return sanshe_error_set(SANSHE_EIO,
						_("peer stalled for %g s; dropped"),
						s->opts.idle_ms / 1000.0);
	}
}

/* Read exactly `n` bytes: 0, WIRE_EOF (closed before the first byte) or an
 * error (closed part way through: truncated). */
static int read_full(sanshe_wire_session *s, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int err;

	while (got < n) {
		r = read(s->fd, (char *)buf + got, n - got);
		if (r > 0) {
			got += (size_t)r;
		} else if (r == 0) {
			if (got == 0)
				return WIRE_EOF;
			return sanshe_error_set(SANSHE_EIO,
						_("the connection closed in the middle of a message (truncated)"));
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((err = wait_ready(s, POLLIN)) != 0)
				return err;
		} else if (errno != EINTR) {
			return sanshe_error_set_os(SANSHE_EIO, _("cannot read from the peer"));
		}
	}
	return 0;
}

static int write_full(sanshe_wire_session *s, const void *buf, size_t n)
{
	size_t put = 0;
	ssize_t r;
	int err;

	while (put < n) {
		r = send(s->fd, (const char *)buf + put, n - put, MSG_NOSIGNAL);
		if (r < 0 && errno == ENOTSOCK)
			r = write(s->fd, (const char *)buf + put, n - put);
		if (r >= 0) {
			put += (size_t)r;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((err = wait_ready(s, POLLOUT)) != 0)
				return err;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			return sanshe_error_set(SANSHE_EIO, _("the peer closed the connection"));
		} else if (errno != EINTR) {
			return sanshe_error_set_os(SANSHE_EIO, _("cannot write to the peer"));
		}
	}
	return 0;
}

/* Read one handshake message of `n` bytes. */
static int read_step(sanshe_wire_session *s, unsigned char *buf, size_t n)
{
	int err = read_full(s, buf, n);

	if (err == WIRE_EOF)
		return sanshe_error_set(SANSHE_EIO,
					_("the connection closed during the handshake (another network key, or a peer that gave up)"));
	return err;
}

static int session_new(sanshe_wire_session **out, int fd, const char *peer,
		       const sanshe_wire_options *opts)
{
	static const sanshe_wire_options defaults = SANSHE_WIRE_OPTIONS_INIT;
	sanshe_wire_session *s;
	int flags;

	*out = NULL;
	if (opts && (opts->idle_ms <= 0 || opts->session_ms <= 0))
		return sanshe_error_set(SANSHE_EINVALID,
					_("the idle timeout and the session deadline must be positive"));
	if (sodium_init() < 0)
		return sanshe_error_set(SANSHE_ERROR, _("libsodium cannot start"));
	s = sodium_malloc(sizeof(*s));
	if (!s)
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->opts = opts ? *opts : defaults;
	s->deadline = now_ms() + s->opts.session_ms;
	s->peer = strdup(peer ? peer : "?");
	*out = s;
	if (!s->peer)
		return sanshe_error_set(SANSHE_ENOMEM, _("out of memory"));
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot set up the connection"));
	return 0;
}

/*
 * Ask `accept` about the peer's key.  On a refusal, `reason` receives the
 * message to send and the callback's code is returned with its message.
 */
static int ask(sanshe_wire_accept_cb accept, void *payload,
	       const unsigned char *pk, sanshe_buf *reason)
{
	int err;

	sanshe_error_clear();
	err = accept ? accept(pk, payload) : 0;
	if (err == 0)
		return 0;
	if (err > 0)
		err = SANSHE_EINVALID;
	if (!*sanshe_error_last())
		sanshe_error_set(err, _("refused"));
	sanshe_buf_puts(reason, sanshe_error_last());
	return err;
}

/* Send our refusal and keep our own message as the error. */
static int refuse(sanshe_wire_session *s, const unsigned char *msg, int code,
		  const sanshe_buf *reason)
{
	write_full(s, msg, SANSHE_WIRE_AUTH_BYTES);
	return sanshe_error_set(code, "%s", reason->ptr ? reason->ptr : "");
}

static int client_steps(sanshe_wire_session *s, sanshe_wire_handshake *hs,
			const unsigned char *server_pk,
			sanshe_wire_accept_cb accept, void *payload)
{
	unsigned char hello[SANSHE_WIRE_HELLO_BYTES];
	unsigned char auth[SANSHE_WIRE_AUTH_BYTES];
	sanshe_buf reason = SANSHE_BUF_INIT;
	int err, refused;

	if ((err = sanshe_wire_client_hello_make(hs, hello)) != 0 ||
	    (err = write_full(s, hello, sizeof(hello))) != 0 ||
	    (err = read_step(s, hello, sizeof(hello))) != 0 ||
	    (err = sanshe_wire_server_hello_parse(hs, hello, sizeof(hello))) != 0)
		return err;
	refused = ask(accept, payload, server_pk, &reason);
	err = sanshe_wire_client_auth_make(hs, auth, refused ? reason.ptr : NULL);
	if (!err && refused)
		err = refuse(s, auth, refused, &reason);
	sanshe_buf_dispose(&reason);
	if (!err)
		err = write_full(s, auth, sizeof(auth));
	if (!err)
		err = read_step(s, auth, sizeof(auth));
	if (!err)
		err = sanshe_wire_server_accept_parse(hs, auth, sizeof(auth));
	return err;
}

static int server_steps(sanshe_wire_session *s, sanshe_wire_handshake *hs,
			sanshe_wire_accept_cb accept, void *payload)
{
	unsigned char hello[SANSHE_WIRE_HELLO_BYTES];
	unsigned char auth[SANSHE_WIRE_AUTH_BYTES];
	sanshe_buf reason = SANSHE_BUF_INIT;
	int err, refused;

	if ((err = read_step(s, hello, sizeof(hello))) != 0 ||
	    (err = sanshe_wire_client_hello_parse(hs, hello, sizeof(hello))) != 0 ||
	    (err = sanshe_wire_server_hello_make(hs, hello)) != 0 ||
	    (err = write_full(s, hello, sizeof(hello))) != 0 ||
	    (err = read_step(s, auth, sizeof(auth))) != 0 ||
	    (err = sanshe_wire_client_auth_parse(hs, auth, sizeof(auth))) != 0)
		return err;
	refused = ask(accept, payload, sanshe_wire_handshake_peer(hs), &reason);
	err = sanshe_wire_server_accept_make(hs, auth, refused ? reason.ptr : NULL);
	if (!err && refused)
		err = refuse(s, auth, refused, &reason);
	sanshe_buf_dispose(&reason);
	if (!err)
		err = write_full(s, auth, sizeof(auth));
	return err;
}

static int run(sanshe_wire_session **out, int fd, const char *peer,
	       const sanshe_wire_options *opts, const unsigned char *netkey,
	       const sanshe_key *self, const unsigned char *server_pk,
	       sanshe_wire_accept_cb accept, void *payload)
{
	sanshe_wire_session *s = NULL;
	sanshe_wire_handshake *hs = NULL;
	int err;

	*out = NULL;
	if ((err = session_new(&s, fd, peer, opts)) != 0 ||
	    (err = sanshe_wire_handshake_new(&hs, netkey, self, server_pk)) != 0)
		goto done;
	err = server_pk ? client_steps(s, hs, server_pk, accept, payload)
			: server_steps(s, hs, accept, payload);
	if (!err)
		err = sanshe_wire_handshake_streams(hs, &s->tx, &s->rx);
	if (!err)
		memcpy(s->peer_pk, sanshe_wire_handshake_peer(hs), sizeof(s->peer_pk));
done:
	sanshe_wire_handshake_free(hs);
	if (err) {
		sanshe_error_prefix(_("peer '%s'"), s && s->peer ? s->peer : peer);
		sanshe_wire_session_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int sanshe_wire_client(sanshe_wire_session **out, int fd, const char *peer,
		       const sanshe_wire_options *opts,
		       const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
		       const sanshe_key *self,
		       const unsigned char server_pk[SANSHE_KEY_PUBLIC_BYTES],
		       sanshe_wire_accept_cb accept, void *payload)
{
	return run(out, fd, peer, opts, netkey, self, server_pk, accept, payload);
}

int sanshe_wire_server(sanshe_wire_session **out, int fd, const char *peer,
		       const sanshe_wire_options *opts,
		       const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES],
		       const sanshe_key *self,
		       sanshe_wire_accept_cb accept, void *payload)
{
	return run(out, fd, peer, opts, netkey, self, NULL, accept, payload);
}

const unsigned char *sanshe_wire_session_peer(const sanshe_wire_session *s)
{
	return s->peer_pk;
}

int sanshe_wire_set_idle(sanshe_wire_session *s, int idle_ms)
{
	int was = s->opts.idle_ms;

	if (idle_ms > 0)
		s->opts.idle_ms = idle_ms;
	return was;
}

static int send_frame(sanshe_wire_session *s, const void *msg, size_t len,
		      int final)
{
	int err;

	if (s->tx_ended)
		return sanshe_error_set(SANSHE_EINVALID, _("peer '%s': our side of the session is over"),
					s->peer);
	sanshe_buf_clear(&s->frame);
	err = sanshe_wire_frame_encode(&s->tx, &s->frame, msg, len, final);
	if (!err)
		err = write_full(s, s->frame.ptr, s->frame.size);
	if (!err && final)
		s->tx_ended = 1;
	if (err)
		sanshe_error_prefix(_("peer '%s'"), s->peer);
	return err;
}

int sanshe_wire_send(sanshe_wire_session *s, const void *msg, size_t len)
{
	return send_frame(s, msg, len, 0);
}

int sanshe_wire_end(sanshe_wire_session *s)
{
	return send_frame(s, "", 0, 1);
}

static int recv_frame(sanshe_wire_session *s, sanshe_buf *msg)
{
	unsigned char *p;
	size_t clen, used;
	int err, final;

	sanshe_buf_clear(&s->frame);
	if ((err = sanshe_buf_grow(&s->frame, SANSHE_WIRE_FRAME_PREFIX)) != 0)
		return err;
	p = (unsigned char *)s->frame.ptr;
	err = read_full(s, p, SANSHE_WIRE_FRAME_PREFIX);
	if (err == WIRE_EOF)
		return sanshe_error_set(SANSHE_EIO,
					_("the session was truncated: the connection closed before the peer ended it"));
	if (err || (err = sanshe_wire_frame_length(p, &clen)) != 0 ||
	    (err = sanshe_buf_grow(&s->frame, SANSHE_WIRE_FRAME_PREFIX + clen)) != 0)
		return err;
	p = (unsigned char *)s->frame.ptr;
	err = read_full(s, p + SANSHE_WIRE_FRAME_PREFIX, clen);
	if (err == WIRE_EOF)
		return sanshe_error_set(SANSHE_EIO,
					_("the session was truncated in the middle of a frame"));
	if (err || (err = sanshe_wire_frame_decode(&s->rx, p,
			SANSHE_WIRE_FRAME_PREFIX + clen, msg, &final, &used)) != 0)
		return err;
	s->rx_ended = final;
	return final ? 1 : 0;
}

int sanshe_wire_recv(sanshe_wire_session *s, sanshe_buf *msg)
{
	int err;

	sanshe_buf_clear(msg);
	if (s->rx_ended)
		return 1;
	err = recv_frame(s, msg);
	if (err < 0)
		sanshe_error_prefix(_("peer '%s'"), s->peer);
	return err;
}

void sanshe_wire_session_free(sanshe_wire_session *s)
{
	if (!s)
		return;
	free(s->peer);
	if (s->frame.ptr)
		sodium_memzero(s->frame.ptr, s->frame.asize);
	sanshe_buf_dispose(&s->frame);
	sodium_free(s);
}

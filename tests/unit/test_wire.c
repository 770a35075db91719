/* Wire layer: the secret handshake, frames, and sessions over a socketpair. */
#include "common.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "key.h"
#include "wire.h"

static sanshe_key *alice; /* the client */
static sanshe_key *bob;   /* the server */
static unsigned char net[SANSHE_WIRE_NETWORK_KEY_BYTES];

/* One end of a session, run on its own thread for the server.  No cmocka
 * assertion runs off the main thread: results are kept here. */
struct side {
	sanshe_key *key;
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES];
	const unsigned char *server_pk; /* NULL: the server */
	int refuse;
	sanshe_wire_options opts;
	int fd;
	void (*after)(struct side *); /* what to do after the handshake */
	sanshe_wire_session *s;
	int err;
	char msg[512];
	unsigned char peer[SANSHE_KEY_PUBLIC_BYTES];
	int messages; /* received before the end */
	int ended;    /* the peer ended with TAG_FINAL */
	int recv_err;
	char recv_msg[512];
	double took; /* seconds the client ran */
};

static int accept_cb(const unsigned char *pk, void *payload)
{
	struct side *side = payload;
	char fp[SANSHE_KEY_FINGERPRINT_MAX];

	if (!side->refuse)
		return 0;
	sanshe_key_fingerprint_of(fp, pk);
	return sanshe_error_set(SANSHE_EINVALID,
				"key %s is not a member of this federation", fp);
}

static void side_init(struct side *side, sanshe_key *key, const unsigned char *server_pk)
{
	sanshe_wire_options opts = SANSHE_WIRE_OPTIONS_INIT;

	memset(side, 0, sizeof(*side));
	side->key = key;
	memcpy(side->netkey, net, sizeof(net));
	side->server_pk = server_pk;
	side->opts = opts;
	side->opts.idle_ms = 5000;
}

/* Receive until the end or an error, counting messages. */
static void drain(struct side *side)
{
	sanshe_buf msg = SANSHE_BUF_INIT;
	int rc;

	while ((rc = sanshe_wire_recv(side->s, &msg)) == 0)
		side->messages++;
	if (rc == 1) {
		side->ended = 1;
	} else {
		side->recv_err = rc;
		snprintf(side->recv_msg, sizeof(side->recv_msg), "%s",
			 sanshe_error_last());
	}
	sanshe_buf_dispose(&msg);
}

static void *side_run(void *arg)
{
	struct side *side = arg;

	if (side->server_pk)
		side->err = sanshe_wire_client(&side->s, side->fd, "test-server",
			&side->opts, side->netkey, side->key, side->server_pk,
			accept_cb, side);
	else
		side->err = sanshe_wire_server(&side->s, side->fd, "test-client",
			&side->opts, side->netkey, side->key, accept_cb, side);
	if (side->err) {
		snprintf(side->msg, sizeof(side->msg), "%s", sanshe_error_last());
	} else {
		memcpy(side->peer, sanshe_wire_session_peer(side->s), sizeof(side->peer));
		if (side->after)
			side->after(side);
	}
	sanshe_wire_session_free(side->s);
	close(side->fd);
	return NULL;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Run the client here and the server on a thread, over a socketpair;
 * the client's time is kept in client->took. */
static void run_pair(struct side *client, struct side *server)
{
	int fds[2];
	pthread_t t;
	struct timespec t0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	client->fd = fds[0];
	server->fd = fds[1];
	assert_int_equal(pthread_create(&t, NULL, side_run, server), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	side_run(client);
	client->took = elapsed(&t0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* Send "one" and a frame of the largest size, then end. */
static void send_two(struct side *side)
{
	static unsigned char big[SANSHE_WIRE_FRAME_MAX];

	side->err = sanshe_wire_send(side->s, "one", 3);
	if (!side->err)
		side->err = sanshe_wire_send(side->s, big, sizeof(big));
	if (!side->err)
		side->err = sanshe_wire_end(side->s);
}

/* The client talks first, the server answers once the client has ended
 * (neither blocks on a full socket buffer while the other writes too). */
static void send_then_drain(struct side *side)
{
	send_two(side);
	if (!side->err)
		drain(side);
}

static void drain_then_send(struct side *side)
{
	drain(side);
	send_two(side);
}

static void test_wire_handshake_and_frames_both_ways(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	c.after = send_then_drain;
	s.after = drain_then_send;
	run_pair(&c, &s);
	assert_string_equal(c.msg, "");
	assert_int_equal(c.err, 0);
	assert_int_equal(s.err, 0);
	assert_memory_equal(c.peer, sanshe_key_public(bob), 32);
	assert_memory_equal(s.peer, sanshe_key_public(alice), 32);
	assert_int_equal(c.messages, 2);
	assert_int_equal(s.messages, 2);
	assert_true(c.ended && s.ended);
}

static void test_wire_server_refusal_reaches_the_client(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	s.refuse = 1;
	run_pair(&c, &s);
	assert_int_equal(s.err, SANSHE_EINVALID);
	assert_non_null(strstr(s.msg, "peer 'test-client': key SHA256:"));
	assert_non_null(strstr(s.msg, "is not a member of this federation"));
	assert_int_equal(c.err, SANSHE_EINVALID);
	assert_non_null(strstr(c.msg, "peer 'test-server': the peer refused us: key "));
	assert_non_null(strstr(c.msg, sanshe_key_fingerprint(alice)));
}

static void test_wire_client_refusal_reaches_the_server(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	c.refuse = 1;
	run_pair(&c, &s);
	assert_int_equal(c.err, SANSHE_EINVALID);
	assert_non_null(strstr(c.msg, sanshe_key_fingerprint(bob)));
	assert_non_null(strstr(c.msg, "is not a member of this federation"));
	assert_int_equal(s.err, SANSHE_EINVALID);
	assert_non_null(strstr(s.msg, "peer 'test-client': the peer refused us: key "));
}

static void test_wire_wrong_network_key_fails_on_both_ends(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	c.netkey[0] ^= 1;
	run_pair(&c, &s);
	assert_int_equal(s.err, SANSHE_EBADSIG);
	assert_non_null(strstr(s.msg, "another network key"));
	assert_int_equal(c.err, SANSHE_EIO);
	assert_non_null(strstr(c.msg, "closed during the handshake"));
}

static void test_wire_client_must_know_the_server_key(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(alice)); /* not bob's */
	side_init(&s, bob, NULL);
	run_pair(&c, &s);
	assert_int_not_equal(s.err, 0);
	assert_int_not_equal(c.err, 0);
}

/* The four messages, made and read by the pure steps. */
struct transcript {
	unsigned char c_hello[SANSHE_WIRE_HELLO_BYTES];
	unsigned char s_hello[SANSHE_WIRE_HELLO_BYTES];
	unsigned char c_auth[SANSHE_WIRE_AUTH_BYTES];
	unsigned char s_accept[SANSHE_WIRE_AUTH_BYTES];
};

/* Run the handshake, flipping bit 0 of byte `at` of message `which`
 * (1..4; 0 tampers nothing).  Returns the first error. */
static int pure_handshake(int which, size_t at, sanshe_wire_stream *c_tx,
			  sanshe_wire_stream *s_rx)
{
	sanshe_wire_handshake *c, *s;
	sanshe_wire_stream tx, rx;
	struct transcript m;
	int err;

	assert_int_equal(sanshe_wire_handshake_new(&c, net, alice, sanshe_key_public(bob)), 0);
	assert_int_equal(sanshe_wire_handshake_new(&s, net, bob, NULL), 0);
	assert_int_equal(sanshe_wire_client_hello_make(c, m.c_hello), 0);
	if (which == 1)
		m.c_hello[at] ^= 1;
	if ((err = sanshe_wire_client_hello_parse(s, m.c_hello, sizeof(m.c_hello))) != 0)
		goto done;
	assert_int_equal(sanshe_wire_server_hello_make(s, m.s_hello), 0);
	if (which == 2)
		m.s_hello[at] ^= 1;
	if ((err = sanshe_wire_server_hello_parse(c, m.s_hello, sizeof(m.s_hello))) != 0)
		goto done;
	assert_int_equal(sanshe_wire_client_auth_make(c, m.c_auth, NULL), 0);
	if (which == 3)
		m.c_auth[at] ^= 1;
	if ((err = sanshe_wire_client_auth_parse(s, m.c_auth, sizeof(m.c_auth))) != 0)
		goto done;
	assert_memory_equal(sanshe_wire_handshake_peer(s), sanshe_key_public(alice), 32);
	assert_int_equal(sanshe_wire_server_accept_make(s, m.s_accept, NULL), 0);
	if (which == 4)
		m.s_accept[at] ^= 1;
	if ((err = sanshe_wire_server_accept_parse(c, m.s_accept, sizeof(m.s_accept))) != 0)
		goto done;
	assert_int_equal(sanshe_wire_handshake_streams(c, c_tx, &rx), 0);
	assert_int_equal(sanshe_wire_handshake_streams(s, &tx, s_rx), 0);
done:
	sanshe_wire_handshake_free(c);
	sanshe_wire_handshake_free(s);
	return err;
}

static void test_wire_tampered_handshake_message_is_refused(void **state)
{
	sanshe_wire_stream tx, rx;
	size_t box = SANSHE_WIRE_AUTH_PLAIN_BYTES + crypto_secretbox_MACBYTES;
	size_t at;
	int which;

	(void)state;
	assert_int_equal(pure_handshake(0, 0, &tx, &rx), 0);
	for (which = 1; which <= 4; which++) {
		size_t len = which <= 2 ? SANSHE_WIRE_HELLO_BYTES : box;

		for (at = 0; at < len; at += 13) {
			assert_int_equal(pure_handshake(which, at, &tx, &rx),
					 SANSHE_EBADSIG);
			assert_true(*sanshe_error_last() != '\0');
		}
	}
}

static void test_wire_steps_out_of_order_are_refused(void **state)
{
	sanshe_wire_handshake *c;
	unsigned char auth[SANSHE_WIRE_AUTH_BYTES] = { 0 };

	(void)state;
	assert_int_equal(sanshe_wire_handshake_new(&c, net, alice, sanshe_key_public(bob)), 0);
	assert_int_equal(sanshe_wire_server_accept_parse(c, auth, sizeof(auth)), SANSHE_EINVALID);
	assert_int_equal(sanshe_wire_client_hello_make(c, auth), SANSHE_EINVALID);
	sanshe_wire_handshake_free(c);
	assert_int_equal(sanshe_wire_handshake_new(&c, net, bob, NULL), 0);
	assert_int_equal(sanshe_wire_client_hello_parse(c, auth, 63), SANSHE_EPARSE);
	sanshe_wire_handshake_free(c);
}

static void test_wire_frames_decode_and_refuse_tampering(void **state)
{
	sanshe_wire_stream tx, rx, rx2;
	sanshe_buf out = SANSHE_BUF_INIT, msg = SANSHE_BUF_INIT;
	size_t used;
	int final;

	(void)state;
	assert_int_equal(pure_handshake(0, 0, &tx, &rx), 0);
	assert_int_equal(sanshe_wire_frame_encode(&tx, &out, "visit", 5, 0), 0);
	memcpy(&rx2, &rx, sizeof(rx));
	/* a partial frame reads nothing */
	assert_int_equal(sanshe_wire_frame_decode(&rx, (unsigned char *)out.ptr,
						  out.size - 1, &msg, &final, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(sanshe_wire_frame_decode(&rx, (unsigned char *)out.ptr,
						  out.size, &msg, &final, &used), 0);
	assert_int_equal(used, out.size);
	assert_int_equal(final, 0);
	assert_string_equal(msg.ptr, "visit");
	/* the same frame again is out of order */
	assert_int_equal(sanshe_wire_frame_decode(&rx, (unsigned char *)out.ptr,
						  out.size, &msg, &final, &used), SANSHE_EBADSIG);
	out.ptr[8] ^= 1;
	assert_int_equal(sanshe_wire_frame_decode(&rx2, (unsigned char *)out.ptr,
						  out.size, &msg, &final, &used), SANSHE_EBADSIG);
	assert_non_null(strstr(sanshe_error_last(), "does not authenticate"));
	assert_int_equal(sanshe_wire_frame_encode(&tx, &out, NULL, SANSHE_WIRE_FRAME_MAX + 1, 0),
			 SANSHE_EINVALID);
	sanshe_buf_dispose(&out);
	sanshe_buf_dispose(&msg);
}

static void test_wire_frame_length_is_checked_before_reading(void **state)
{
	unsigned char big[4] = { 0x00, 0x10, 0x00, 0x12 }; /* 1 MiB + 1 + 17 */
	unsigned char short_[4] = { 0, 0, 0, 16 };
	unsigned char max[4] = { 0x00, 0x10, 0x00, 0x11 };
	size_t n;

	(void)state;
	assert_int_equal(sanshe_wire_frame_length(big, &n), SANSHE_EPARSE);
	assert_string_equal(sanshe_error_last(),
			    "peer sent a frame of 1048577 bytes; the limit is 1048576");
	assert_int_equal(sanshe_wire_frame_length(short_, &n), SANSHE_EPARSE);
	assert_int_equal(sanshe_wire_frame_length(max, &n), 0);
	assert_int_equal(n, SANSHE_WIRE_FRAME_MAX + 17);
}

static void send_huge_prefix(struct side *side)
{
	unsigned char huge[4] = { 0xff, 0xff, 0xff, 0xff };

	/* the length only: a reader that waited for the body would stall */
	if (write(side->fd, huge, sizeof(huge)) != 4)
		side->err = SANSHE_EIO;
	sleep(1);
}

static void send_one_and_close(struct side *side)
{
	side->err = sanshe_wire_send(side->s, "one", 3);
}

static void receive(struct side *side)
{
	drain(side);
}

static void test_wire_oversized_frame_is_refused_without_reading(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	s.after = send_huge_prefix;
	c.after = receive;
	run_pair(&c, &s);
	assert_true(c.took < 0.9); /* refused at once, not after a wait */
	assert_int_equal(c.err, 0);
	assert_int_equal(c.recv_err, SANSHE_EPARSE);
	assert_string_equal(c.recv_msg,
			    "peer 'test-server': peer sent a frame of 4294967278 bytes; the limit is 1048576");
}

static void test_wire_session_without_final_frame_is_truncated(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	s.after = send_one_and_close;
	c.after = receive;
	run_pair(&c, &s);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.messages, 1);
	assert_int_equal(c.ended, 0);
	assert_int_equal(c.recv_err, SANSHE_EIO);
	assert_non_null(strstr(c.recv_msg, "peer 'test-server': the session was truncated"));
}

static void stall(struct side *side)
{
	(void)side;
	usleep(1000 * 1000);
}

static void test_wire_stalled_peer_is_dropped(void **state)
{
	struct side c, s;

	(void)state;
	side_init(&c, alice, sanshe_key_public(bob));
	side_init(&s, bob, NULL);
	c.opts.idle_ms = 200;
	s.after = stall;
	c.after = receive;
	run_pair(&c, &s);
	assert_int_equal(c.err, 0);
	assert_int_equal(c.recv_err, SANSHE_EIO);
	assert_string_equal(c.recv_msg, "peer 'test-server': peer stalled for 0.2 s; dropped");
	assert_true(c.took < 0.9);
}

static void test_wire_silent_server_stalls_the_handshake(void **state)
{
	sanshe_wire_options opts = { 200, 60000 };
	sanshe_wire_session *s = NULL;
	int fds[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(sanshe_wire_client(&s, fds[0], "quiet", &opts, net, alice,
					    sanshe_key_public(bob), NULL, NULL),
			 SANSHE_EIO);
	assert_null(s);
	assert_string_equal(sanshe_error_last(), "peer 'quiet': peer stalled for 0.2 s; dropped");
	opts.idle_ms = 0;
	assert_int_equal(sanshe_wire_server(&s, fds[0], "slow", &opts, net, bob, NULL, NULL),
			 SANSHE_EINVALID);
	opts.idle_ms = 5000;
	opts.session_ms = 300;
	assert_int_equal(sanshe_wire_server(&s, fds[0], "slow", &opts, net, bob, NULL, NULL),
			 SANSHE_EIO);
	assert_string_equal(sanshe_error_last(),
			    "peer 'slow': the session took longer than 0.3 s; dropped");
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_handshake_and_frames_both_ways),
		cmocka_unit_test(test_wire_server_refusal_reaches_the_client),
		cmocka_unit_test(test_wire_client_refusal_reaches_the_server),
		cmocka_unit_test(test_wire_wrong_network_key_fails_on_both_ends),
		cmocka_unit_test(test_wire_client_must_know_the_server_key),
		cmocka_unit_test(test_wire_tampered_handshake_message_is_refused),
		cmocka_unit_test(test_wire_steps_out_of_order_are_refused),
		cmocka_unit_test(test_wire_frames_decode_and_refuse_tampering),
		cmocka_unit_test(test_wire_frame_length_is_checked_before_reading),
		cmocka_unit_test(test_wire_oversized_frame_is_refused_without_reading),
		cmocka_unit_test(test_wire_session_without_final_frame_is_truncated),
		cmocka_unit_test(test_wire_stalled_peer_is_dropped),
		cmocka_unit_test(test_wire_silent_server_stalls_the_handshake),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (sanshe_key_generate(&alice, "alice") != 0 ||
	    sanshe_key_generate(&bob, "bob") != 0)
		return 1;
	memset(net, 0x17, sizeof(net));
	rc = cmocka_run_group_tests_name("wire", tests, NULL, NULL);
	sanshe_key_free(alice);
	sanshe_key_free(bob);
	return rc;
}

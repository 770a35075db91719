/*
 * evil_peer — a sanshe node that misbehaves on purpose, for the scenario
 * test of sync over TCP against hostile peers (t1020-sync-tcp-hostile.sh).
 *
 *   evil_peer connect HOST:PORT MODE [--key NAME] [--repo DIR]
 *             a client attacking `sanshe serve`; prints "session with
 *             HOST:PORT begun" on stdout once the handshake is done
 *   evil_peer serve MODE [--key NAME] [--repo DIR]
 *             a server attacking `sanshe sync tcp://`: listens on
 *             127.0.0.1, prints "listening on 127.0.0.1:PORT" on stdout,
 *             takes one connection
 *
 * It speaks the real session of cli/proto.h (whose helpers it links) with a
 * real key: NAME in $SANSHE_HOME (the home's default key without --key),
 * unlocked with $SANSHE_PASSPHRASE.  DIR is the node whose history it
 * offers and pushes.  MODE is what it does wrong:
 *
 *   honest         nothing: a whole session (a key the peer does not know
 *                  or has revoked is then the only fault)
 *   not-sanshe     serve only: an HTTP answer instead of the announcement
 *   wrong-network  the handshake under another network key
 *   oversized      after the handshake, a frame longer than 1 MiB
 *   bad-json       a first message that is not JSON (nested 100,000 deep)
 *   wrong-order    a first message of the wrong type
 *   bad-head       heads naming a commit the pack does not hold
 *   bad-space      heads naming a space that cannot be ("../../trust")
 *   tamper-pack    a correct session, one byte of the pack flipped
 *   truncate-pack  half the pack, then the connection closed
 *   stall          half the pack, then silence until the peer leaves
 *   partial-pack   a well-formed pack of the head commits alone, without
 *                  the trees and documents they name
 *
 * Last, one line on stderr says how the session ended: exit status 0 when
 * the peer went along to the end, 1 when it refused or dropped us (its
 * reason in the line), 2 for a bad command line or setup.
 */
#include "common.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "node.h"
#include "proto.h"
#include "store.h"
#include "transfer.h"
#include "trust.h"

#define SPACES_MAX 64
#define WAIT_MS (60 * 1000) /* longest wait for a peer to come or to leave */

typedef struct evil {
	const char *mode;
	int serving;
	int fd;
	proto p;
	sanshe_key *key;
	sanshe_store *store;
	git_repository *repo;
	char ours_space[SPACES_MAX][SANSHE_SPACE_MAX];
	git_oid ours[SPACES_MAX];
	size_t n_ours;
	git_oid common[SANSHE_TRANSFER_HAVES_MAX * SANSHE_TRANSFER_ROUNDS_MAX];
	size_t n_common;
} evil;

static int is(const evil *e, const char *mode)
{
	return strcmp(e->mode, mode) == 0;
}

static int fail(const char *what)
{
	return sanshe_error_set(SANSHE_EINVALID, "%s", what);
}

/* ---- setup ---- */

static int load_key(const char *name, sanshe_key **out)
{
	const char *home = getenv("SANSHE_HOME");
	const char *pass = getenv("SANSHE_PASSPHRASE");
	sanshe_buf chosen = SANSHE_BUF_INIT;
	int err = 0;

	if (!home || !pass)
		return fail("set SANSHE_HOME and SANSHE_PASSPHRASE");
	if (!name && (err = sanshe_key_default_get(home, &chosen)) == 0)
		name = chosen.ptr;
	if (!err)
		err = sanshe_key_unlock(out, home, name, pass);
	sanshe_buf_dispose(&chosen);
	return err;
}

static int note_ours(const char *space, const git_oid *head, void *payload)
{
	evil *e = payload;

	if (e->n_ours == SPACES_MAX)
		return 0;
	snprintf(e->ours_space[e->n_ours], SANSHE_SPACE_MAX, "%s", space);
	git_oid_cpy(&e->ours[e->n_ours++], head);
	return 0;
}

static int open_repo(evil *e, const char *dir)
{
	int err;

	if ((err = sanshe_store_open(&e->store, dir)) != 0)
		return err;
	e->repo = sanshe_store_repository(e->store);
	return sanshe_store_spaces(e->store, note_ours, e);
}

static void network_key(const evil *e, unsigned char key[SANSHE_WIRE_NETWORK_KEY_BYTES])
{
	static const char other[] = "a network that is not sanshe's";

	if (is(e, "wrong-network"))
		crypto_generichash(key, SANSHE_WIRE_NETWORK_KEY_BYTES,
				   (const unsigned char *)other, sizeof(other) - 1, NULL, 0);
	else
		proto_network_key(key);
}

/* ---- messages ---- */

/* Send a JSON text as it is (it may be anything). */
static int send_text(evil *e, const char *text)
{
	return sanshe_wire_send(e->p.ws, text, strlen(text));
}

/* Send a JSON object built by the caller, then free it. */
static int send_json(evil *e, cJSON *msg)
{
	int err = msg ? proto_send(&e->p, msg) : fail("out of memory");

	cJSON_Delete(msg);
	return err;
}

static cJSON *message(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	if (o && !cJSON_AddStringToObject(o, "type", type)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Add {SPACE: ID} for each head of ours, or the mode's lie instead. */
static cJSON *heads_map(evil *e, cJSON *msg, const char *field)
{
	cJSON *map = cJSON_AddObjectToObject(msg, field);
	char hex[GIT_OID_HEXSZ + 1];

	for (size_t i = 0; map && i < e->n_ours; i++) {
		const char *space = e->ours_space[i];

		git_oid_tostr(hex, sizeof(hex), &e->ours[i]);
		if (is(e, "bad-head"))
			memset(hex, 'e', GIT_OID_HEXSZ);
		else if (is(e, "bad-space") && i == 0)
			space = "../../trust";
		cJSON_AddStringToObject(map, space, hex);
	}
	return map;
}

/* Read the pieces of the peer's pack up to pack-end, keeping nothing. */
static int skip_pack(evil *e)
{
	sanshe_buf msg = SANSHE_BUF_INIT;
	int rc;

	while ((rc = sanshe_wire_recv(e->p.ws, &msg)) == 0 && msg.size && msg.ptr[0] == 'P')
		;
	if (rc == 1)
		rc = fail("the peer ended the session in the middle of its pack");
	else if (rc == 0 && !strstr(msg.ptr ? msg.ptr : "", "\"pack-end\""))
		rc = sanshe_error_set(SANSHE_EPARSE, "the peer said %.200s where pack-end was due",
				      msg.ptr ? msg.ptr : "nothing");
	sanshe_buf_dispose(&msg);
	return rc;
}

/* After our fault: read what the peer still says until it leaves. */
static int drain(evil *e)
{
	cJSON *msg = NULL;
	int err;

	while ((err = proto_recv(&e->p, NULL, &msg)) == 0)
		cJSON_Delete(msg);
	return err;
}

/* Wait until the peer closes the connection (or WAIT_MS pass). */
static void wait_close(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char junk[4096];

	while (poll(&p, 1, WAIT_MS) > 0 && read(fd, junk, sizeof(junk)) > 0)
		;
}

/* ---- packs ---- */

static int collect(const void *data, size_t len, void *payload)
{
	return sanshe_buf_put(payload, data, len);
}

static int collect_git(void *data, size_t len, void *payload)
{
	return sanshe_buf_put(payload, data, len);
}

/* A well-formed pack of our head commits alone: none of their trees. */
static int heads_only(evil *e, sanshe_buf *pack, size_t *objects)
{
	git_packbuilder *pb = NULL;
	int err = git_packbuilder_new(&pb, e->repo);

	for (size_t i = 0; !err && i < e->n_ours; i++)
		err = git_packbuilder_insert(pb, &e->ours[i], NULL);
	if (!err)
		err = git_packbuilder_foreach(pb, collect_git, pack);
	*objects = err ? 0 : git_packbuilder_object_count(pb);
	git_packbuilder_free(pb);
	return err ? fail(git_error_last() ? git_error_last()->message : "packbuilder") : 0;
}

/* Our pack for the peer, spoilt as the mode says. */
static int send_pack(evil *e)
{
	sanshe_buf pack = SANSHE_BUF_INIT, frame = SANSHE_BUF_INIT;
	size_t objects = 0, len, at;
	char end[64];
	int err;

	if (!is(e, "tamper-pack") && !is(e, "truncate-pack") && !is(e, "stall") &&
	    !is(e, "partial-pack"))
		return proto_send_pack(&e->p, e->repo, e->ours, e->n_ours, e->common, e->n_common);
	err = is(e, "partial-pack")
		      ? heads_only(e, &pack, &objects)
		      : sanshe_transfer_send(e->repo, e->ours, e->n_ours, e->common, e->n_common,
					     collect, &pack, &objects);
	if (err)
		goto done;
	if (pack.size < 64) {
		err = fail("nothing to send: this node has nothing the peer lacks");
		goto done;
	}
	len = is(e, "tamper-pack") || is(e, "partial-pack") ? pack.size : pack.size / 2;
	if (is(e, "tamper-pack"))
		pack.ptr[pack.size / 2] ^= 0x20;
	for (at = 0; !err && at < len; at += SANSHE_TRANSFER_PIECE) {
		size_t n = len - at < SANSHE_TRANSFER_PIECE ? len - at : SANSHE_TRANSFER_PIECE;

		sanshe_buf_clear(&frame);
		if ((err = sanshe_buf_putc(&frame, 'P')) == 0 &&
		    (err = sanshe_buf_put(&frame, pack.ptr + at, n)) == 0)
			err = sanshe_wire_send(e->p.ws, frame.ptr, frame.size);
	}
	if (!err && is(e, "truncate-pack"))
		err = fail("closed the connection in the middle of the pack");
	if (err)
		goto done;
	if (is(e, "stall")) {
		wait_close(e->fd);
		err = fail("stalled in the middle of the pack until the peer left");
		goto done;
	}
	snprintf(end, sizeof(end), "{\"type\":\"pack-end\",\"objects\":%zu}", objects);
	err = send_text(e, end);
done:
	sanshe_buf_dispose(&pack);
	sanshe_buf_dispose(&frame);
	return err;
}

/* ---- faults at the first message ---- */

/* 1 when the mode's fault comes at the first message (then sent, and `*err` set). */
static int early_fault(evil *e, int *err)
{
	if (is(e, "oversized")) {
		/* a length one byte over the limit; the frame itself never follows */
		uint32_t n = SANSHE_WIRE_FRAME_MAX + crypto_secretstream_xchacha20poly1305_ABYTES + 1;
		unsigned char prefix[SANSHE_WIRE_FRAME_PREFIX] = { n >> 24, n >> 16 & 0xff,
								   n >> 8 & 0xff, n & 0xff };

		*err = write(e->fd, prefix, sizeof(prefix)) == sizeof(prefix) ? 0 : fail("write");
	} else if (is(e, "bad-json")) {
		sanshe_buf text = SANSHE_BUF_INIT;

		*err = sanshe_buf_puts(&text, "{\"type\":\"hello\",\"version\":1,\"spaces\":");
		for (int i = 0; !*err && i < 100000; i++)
			*err = sanshe_buf_putc(&text, '[');
		if (!*err)
			*err = send_text(e, text.ptr);
		sanshe_buf_dispose(&text);
	} else if (is(e, "wrong-order")) {
		*err = send_text(e, e->serving ? "{\"type\":\"result\",\"spaces\":{}}"
					       : "{\"type\":\"want\"}");
	} else {
		return 0;
	}
	if (!*err)
		*err = drain(e);
	return 1;
}

/* ---- the client ---- */

static int dial(const char *where, int *fd)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int rc;

	snprintf(host, sizeof(host), "%s", where);
	if (!(colon = strrchr(host, ':')))
		return fail("write HOST:PORT");
	*colon = '\0';
	if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0)
		return sanshe_error_set(SANSHE_EIO, "cannot find %s: %s", host, gai_strerror(rc));
	*fd = socket(ai->ai_family, SOCK_STREAM, 0);
	rc = *fd < 0 || connect(*fd, ai->ai_addr, ai->ai_addrlen) != 0;
	freeaddrinfo(ai);
	return rc ? sanshe_error_set_os(SANSHE_EIO, "cannot reach %s", where) : 0;
}

/* The server's heads: those we hold are what both have. */
static int their_heads(evil *e)
{
	const cJSON *h;
	cJSON *heads = NULL;
	git_oid id;
	int err;

	if ((err = proto_recv(&e->p, "heads", &heads)) != 0)
		return err;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(heads, "heads"))
		if (e->n_common < SPACES_MAX && proto_oid(h, &id, "a head") == 0 &&
		    sanshe_transfer_has_commit(e->repo, &id))
			git_oid_cpy(&e->common[e->n_common++], &id);
	cJSON_Delete(heads);
	return 0;
}

/* After a session that went well: end ours, then wait for the peer's end. */
static int finish(evil *e)
{
	sanshe_buf msg = SANSHE_BUF_INIT;
	int rc = sanshe_wire_end(e->p.ws);

	while (rc == 0)
		rc = sanshe_wire_recv(e->p.ws, &msg);
	sanshe_buf_dispose(&msg);
	return rc == 1 ? 0 : rc;
}

/* Our heads, our pack, then the peer's verdict on each space in `said`. */
static int push(evil *e, sanshe_buf *said)
{
	cJSON *msg = message("push"), *result = NULL;
	const cJSON *spaces, *s;
	int err;

	if (msg && !heads_map(e, msg, "heads")) {
		cJSON_Delete(msg);
		msg = NULL;
	}
	if ((err = send_json(e, msg)) != 0 || (err = send_pack(e)) != 0 ||
	    (err = proto_recv(&e->p, "result", &result)) != 0)
		return err;
	spaces = cJSON_GetObjectItemCaseSensitive(result, "spaces");
	cJSON_ArrayForEach(s, spaces)
		sanshe_buf_printf(said, " %s: %s;", s->string, cJSON_IsString(s) ? s->valuestring : "?");
	cJSON_Delete(result);
	return 0;
}

/* hello, heads, want, their pack, our push, the result */
static int client_session(evil *e, sanshe_buf *said)
{
	int err;

	if ((err = send_text(e, "{\"type\":\"hello\",\"version\":1,\"founding\":null,"
				"\"spaces\":null}")) != 0 ||
	    (err = their_heads(e)) != 0 || (err = send_text(e, "{\"type\":\"want\"}")) != 0 ||
	    (err = skip_pack(e)) != 0 || (err = push(e, said)) != 0)
		return err;
	return finish(e);
}

static int run_client(evil *e, const char *where, sanshe_buf *said)
{
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES], pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_wire_options opts;
	int err;

	e->p.peer = where;
	proto_wire_options(&opts);
	network_key(e, netkey);
	if ((err = dial(where, &e->fd)) != 0 || (err = proto_announce_recv(e->fd, where, pk)) != 0 ||
	    (err = sanshe_wire_client(&e->p.ws, e->fd, where, &opts, netkey, e->key, pk, NULL,
				      NULL)) != 0)
		return err;
	printf("session with %s begun\n", where);
	fflush(stdout);
	if (early_fault(e, &err))
		return err;
	return client_session(e, said);
}

/* ---- the server ---- */

static int listen_any(int *lfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((*lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(*lfd, 1) != 0 ||
	    getsockname(*lfd, (struct sockaddr *)&sa, &len) != 0)
		return sanshe_error_set_os(SANSHE_EIO, "cannot listen");
	printf("listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
	fflush(stdout);
	return 0;
}

static int accept_one(int lfd, int *fd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, WAIT_MS) != 1)
		return fail("no peer came");
	if ((*fd = accept(lfd, NULL, NULL)) < 0)
		return sanshe_error_set_os(SANSHE_EIO, "cannot accept");
	return 0;
}

static int greet(evil *e)
{
	char hex[GIT_OID_HEXSZ + 1];
	cJSON *hello = NULL, *heads;
	git_oid root;
	int err;

	if ((err = proto_recv(&e->p, "hello", &hello)) != 0)
		return err;
	cJSON_Delete(hello);
	if ((err = sanshe_trust_founding(e->store, NULL, &root)) != 0)
		return err;
	heads = message("heads");
	if (heads && (!cJSON_AddStringToObject(heads, "founding",
					       git_oid_tostr(hex, sizeof(hex), &root)) ||
		      !heads_map(e, heads, "heads"))) {
		cJSON_Delete(heads);
		heads = NULL;
	}
	return send_json(e, heads);
}

/* have → ack, honestly, until want */
static int answer_haves(evil *e)
{
	for (;;) {
		cJSON *msg = NULL, *ack;
		const cJSON *id;
		sanshe_buf has = SANSHE_BUF_INIT;
		int err, want;

		if ((err = proto_recv(&e->p, NULL, &msg)) != 0)
			return err;
		want = strcmp(cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, "want") == 0;
		cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(msg, "ids"))
		{
			git_oid oid;
			int yes = proto_oid(id, &oid, "an id") == 0 &&
				  sanshe_transfer_has_commit(e->repo, &oid);

			if (yes && e->n_common < SANSHE_ARRAY_SIZE(e->common))
				git_oid_cpy(&e->common[e->n_common++], &oid);
			sanshe_buf_putc(&has, yes ? '1' : '0');
		}
		cJSON_Delete(msg);
		if (want) {
			sanshe_buf_dispose(&has);
			return 0;
		}
		ack = message("ack");
		if (ack && !cJSON_AddStringToObject(ack, "has", has.ptr ? has.ptr : "")) {
			cJSON_Delete(ack);
			ack = NULL;
		}
		sanshe_buf_dispose(&has);
		if ((err = send_json(e, ack)) != 0)
			return err;
	}
}

/* The peer's push, taken and thrown away: nothing here moves. */
static int refuse_push(evil *e, sanshe_buf *said)
{
	cJSON *msg = NULL;
	int err;

	if ((err = proto_recv(&e->p, "push", &msg)) != 0 || (err = skip_pack(e)) != 0) {
		cJSON_Delete(msg);
		return err;
	}
	sanshe_buf_puts(said, " the peer pushed; nothing kept;");
	cJSON_Delete(msg);
	return send_text(e, "{\"type\":\"result\",\"spaces\":{}}");
}

static int server_session(evil *e, sanshe_buf *said)
{
	int err;

	if ((err = greet(e)) != 0 || (err = answer_haves(e)) != 0 || (err = send_pack(e)) != 0)
		return err;
	if (!is(e, "honest"))
		return drain(e);
	if ((err = refuse_push(e, said)) != 0)
		return err;
	return finish(e);
}

static int run_server(evil *e, sanshe_buf *said)
{
	static const char http[] = "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES];
	sanshe_wire_options opts;
	int err, lfd = -1;

	e->p.peer = "client";
	proto_wire_options(&opts);
	network_key(e, netkey);
	err = listen_any(&lfd);
	if (!err)
		err = accept_one(lfd, &e->fd);
	if (lfd >= 0)
		close(lfd);
	if (err)
		return err;
	if (is(e, "not-sanshe")) {
		if (write(e->fd, http, sizeof(http) - 1) != (ssize_t)sizeof(http) - 1)
			return fail("cannot write");
		wait_close(e->fd);
		sanshe_buf_puts(said, " answered as a web server");
		return 0;
	}
	if ((err = proto_announce_send(e->fd, sanshe_key_public(e->key))) != 0 ||
	    (err = sanshe_wire_server(&e->p.ws, e->fd, "client", &opts, netkey, e->key, NULL,
				      NULL)) != 0)
		return err;
	if (is(e, "oversized") || is(e, "bad-json") || is(e, "wrong-order")) {
		cJSON *hello = NULL;

		if ((err = proto_recv(&e->p, "hello", &hello)) == 0)
			early_fault(e, &err);
		cJSON_Delete(hello);
		return err;
	}
	return server_session(e, said);
}

/* ---- main ---- */

static const char *const modes[] = { "honest",	    "not-sanshe", "wrong-network", "oversized",
				     "bad-json",    "wrong-order", "bad-head",	    "bad-space",
				     "tamper-pack", "truncate-pack", "stall", "partial-pack" };

static int usage(void)
{
	fprintf(stderr, "usage: evil_peer connect HOST:PORT MODE [--key NAME] [--repo DIR]\n"
			"       evil_peer serve MODE [--key NAME] [--repo DIR]\n"
			"modes:");
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(modes); i++)
		fprintf(stderr, " %s", modes[i]);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *where = NULL, *key = NULL, *dir = ".";
	sanshe_buf said = SANSHE_BUF_INIT;
	evil e = { .fd = -1 };
	int i = 2, err, known = 0;

	if (argc < 3 || (strcmp(argv[1], "serve") != 0 && strcmp(argv[1], "connect") != 0))
		return usage();
	e.serving = strcmp(argv[1], "serve") == 0;
	if (!e.serving && argc < 4)
		return usage();
	if (!e.serving)
		where = argv[i++];
	e.mode = argv[i++];
	for (; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--key") == 0)
			key = argv[i + 1];
		else if (strcmp(argv[i], "--repo") == 0)
			dir = argv[i + 1];
		else
			return usage();
	}
	for (size_t m = 0; m < SANSHE_ARRAY_SIZE(modes); m++)
		known |= is(&e, modes[m]);
	if (i != argc || !known || (!e.serving && is(&e, "not-sanshe")))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	git_libgit2_init();
	if (sodium_init() < 0 || load_key(key, &e.key) != 0 || open_repo(&e, dir) != 0) {
		fprintf(stderr, "evil_peer: %s\n", sanshe_error_last());
		return 2;
	}
	err = e.serving ? run_server(&e, &said) : run_client(&e, where, &said);
	if (err)
		fprintf(stderr, "evil_peer: %s: %s\n", e.mode, sanshe_error_last());
	else
		fprintf(stderr, "evil_peer: %s: the session ended;%s\n", e.mode,
			said.ptr ? said.ptr : "");
	sanshe_wire_session_free(e.p.ws);
	if (e.fd >= 0)
		close(e.fd);
	sanshe_buf_dispose(&said);
	sanshe_store_free(e.store);
	sanshe_key_free(e.key);
	git_libgit2_shutdown();
	return err ? 1 : 0;
}

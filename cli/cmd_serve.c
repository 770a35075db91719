/*
 * sanshe serve [--listen HOST:PORT] [--once] [--key NAME] — serve this node
 * to the other nodes of the federation over TCP (docs/wire.md), until
 * SIGTERM or SIGINT.  Each session runs in its own process: a peer that
 * misbehaves is dropped while the others go on being served.  Each session
 * ends with one log line on stderr: when, who, what moved, the outcome.
 *
 * The serving side sends what the peer's organization may read and what it
 * lacks, then takes what the peer sends back, verified, only when it moves
 * its spaces forward (the merging is the connecting side's: both end with
 * the same heads).
 */
#include "cli.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node.h"
#include "merging.h"
#include "proto.h"
#include "syncing.h"
#include "transfer.h"

#define MAX_SESSIONS 16
#define SPACES_MAX SYNC_MAX_SPACES

typedef struct head {
	char space[SANSHE_SPACE_MAX];
	git_oid id;
} head;

typedef struct serving {
	sanshe_store *store;
	cli_writer w;
	sanshe_trust *trust;
	proto p;
	char addr[128];
	sanshe_trust_signer who; /* the peer's member, once proven */
	char who_name[128], who_fp[SANSHE_KEY_FINGERPRINT_MAX], label[SANSHE_PEER_NAME_MAX];
	const char *wanted[SPACES_MAX];
	cJSON *hello;
	head offered[SPACES_MAX];
	size_t n_offered, withheld;
	git_oid *common;
	size_t n_common, cap_common;
	head pushed[SPACES_MAX];
	size_t n_pushed;
	sanshe_buf log;
} serving;

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* ---- one session ---- */

static int accept_peer(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES], void *payload)
{
	serving *v = payload;
	int err;

	sanshe_key_fingerprint_of(v->who_fp, pk);
	err = sanshe_trust_signer_at(v->trust, pk, sanshe_node_wall_ms(), &v->who);
	/* a member refused (revoked, not yet valid) is still named in the log */
	if (v->who.name)
		snprintf(v->who_name, sizeof(v->who_name), "%s", v->who.name);
	if (err)
		return err;
	if (!v->who.name)
		snprintf(v->who_name, sizeof(v->who_name), "?");
	snprintf(v->label, sizeof(v->label), "%s", v->who.member);
	return 0;
}

static int space_wanted(const serving *v, const char *space)
{
	const cJSON *spaces = cJSON_GetObjectItemCaseSensitive(v->hello, "spaces"), *e;

	if (!cJSON_IsArray(spaces))
		return 1;
	cJSON_ArrayForEach(e, spaces)
		if (cJSON_IsString(e) && strcmp(e->valuestring, space) == 0)
			return 1;
	return 0;
}

static int offer_space(const char *space, const git_oid *id, void *payload)
{
	serving *v = payload;

	if (v->n_offered == SPACES_MAX || !space_wanted(v, space))
		return 0;
	if (!sanshe_trust_may_read(v->trust, v->who.roles, v->who.org, space)) {
		v->withheld++; /* told as a number, never by name */
		return 0;
	}
	snprintf(v->offered[v->n_offered].space, SANSHE_SPACE_MAX, "%s", space);
	git_oid_cpy(&v->offered[v->n_offered++].id, id);
	return 0;
}

/* hello → heads */
static int greet(serving *v)
{
	const cJSON *version, *founding;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid ours, theirs;
	cJSON *heads = NULL, *map;
	int err;

	if ((err = proto_recv(&v->p, "hello", &v->hello)) != 0)
		return err;
	version = cJSON_GetObjectItemCaseSensitive(v->hello, "version");
	founding = cJSON_GetObjectItemCaseSensitive(v->hello, "founding");
	if (!cJSON_IsNumber(version) || version->valuedouble != PROTO_VERSION)
		return sanshe_error_set(SANSHE_EPARSE, "%s",
					_("the peer speaks another version of sanshe sync"));
	if ((err = sanshe_trust_founding(v->store, NULL, &ours)) != 0)
		return err;
	if (!cJSON_IsNull(founding)) {
		if ((err = proto_oid(founding, &theirs, "the peer's founding commit")) != 0)
			return err;
		if (!git_oid_equal(&ours, &theirs))
			return sanshe_error_set(SANSHE_EINVALID,
						_("the peer belongs to another federation (founded "
						  "by commit %.12s, this one by %.12s)"),
						founding->valuestring, git_oid_tostr_s(&ours));
	}
	if ((err = sanshe_store_spaces(v->store, offer_space, v)) != 0)
		return err;
	if (!(heads = cJSON_CreateObject()) || !cJSON_AddStringToObject(heads, "type", "heads") ||
	    !cJSON_AddStringToObject(heads, "founding", git_oid_tostr(hex, sizeof(hex), &ours)) ||
	    !cJSON_AddNumberToObject(heads, "withheld", (double)v->withheld) ||
	    !(map = cJSON_AddObjectToObject(heads, "heads")))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (size_t i = 0; !err && i < v->n_offered; i++)
		if (!cJSON_AddStringToObject(map, v->offered[i].space,
					     git_oid_tostr(hex, sizeof(hex), &v->offered[i].id)))
			err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if (!err)
		err = proto_send(&v->p, heads);
	cJSON_Delete(heads);
	return err;
}

static int note_common(serving *v, const git_oid *id)
{
	int err = sanshe_grow((void **)&v->common, &v->cap_common, v->n_common,
			      sizeof(*v->common));

	if (err)
		return err;
	git_oid_cpy(&v->common[v->n_common++], id);
	return 0;
}

/* have → ack, until want */
static int answer_haves(serving *v)
{
	git_repository *repo = sanshe_store_repository(v->store);
	char has[SANSHE_TRANSFER_HAVES_MAX + 1];
	unsigned rounds = 0;
	int err = 0;

	for (;;) {
		cJSON *msg = NULL, *ack = NULL;
		const cJSON *ids, *e;
		size_t n = 0;

		if ((err = proto_recv(&v->p, NULL, &msg)) != 0)
			return err;
		if (strcmp(cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, "want") == 0) {
			cJSON_Delete(msg);
			return 0;
		}
		ids = cJSON_GetObjectItemCaseSensitive(msg, "ids");
		if (strcmp(cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, "have") != 0 ||
		    ++rounds > SANSHE_TRANSFER_ROUNDS_MAX || !cJSON_IsArray(ids) ||
		    cJSON_GetArraySize(ids) > SANSHE_TRANSFER_HAVES_MAX)
			err = sanshe_error_set(SANSHE_EPARSE, "%s",
					       _("the peer does not follow the negotiation"));
		cJSON_ArrayForEach(e, ids)
		{
			git_oid id;

			if (err || (err = proto_oid(e, &id, "a commit the peer has")) != 0)
				break;
			has[n] = sanshe_transfer_has_commit(repo, &id) ? '1' : '0';
			if (has[n++] == '1' && (err = note_common(v, &id)) != 0)
				break;
		}
		has[n] = '\0';
		cJSON_Delete(msg);
		if (err)
			return err;
		if (!(ack = cJSON_CreateObject()) || !cJSON_AddStringToObject(ack, "type", "ack") ||
		    !cJSON_AddStringToObject(ack, "has", has))
			err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		else
			err = proto_send(&v->p, ack);
		cJSON_Delete(ack);
		if (err)
			return err;
	}
}

static int send_offered(serving *v)
{
	git_oid tips[SPACES_MAX];

	for (size_t i = 0; i < v->n_offered; i++)
		git_oid_cpy(&tips[i], &v->offered[i].id);
	return proto_send_pack(&v->p, sanshe_store_repository(v->store), tips, v->n_offered,
			       v->common, v->n_common);
}

/* push: the heads the peer offers us, then their pack */
static int take_push(serving *v)
{
	const cJSON *heads, *e;
	cJSON *msg = NULL;
	int err;

	/* meanwhile the peer verifies and merges what we sent */
	if ((err = proto_recv_after_work(&v->p, "push", &msg)) != 0)
		return err;
	heads = cJSON_GetObjectItemCaseSensitive(msg, "heads");
	if (!cJSON_IsObject(heads))
		err = sanshe_error_set(SANSHE_EPARSE, "%s", _("the peer's push names no heads"));
	cJSON_ArrayForEach(e, heads)
	{
		if (err)
			break;
		if (v->n_pushed == SPACES_MAX || !e->string || !sanshe_store_space_valid(e->string)) {
			err = sanshe_error_set(SANSHE_EPARSE, "%s",
					       _("the peer's push names a space that cannot be"));
			break;
		}
		snprintf(v->pushed[v->n_pushed].space, SANSHE_SPACE_MAX, "%s", e->string);
		err = proto_oid(e, &v->pushed[v->n_pushed++].id, "a head the peer pushes");
	}
	cJSON_Delete(msg);
	return err ? err : proto_recv_pack(&v->p, sanshe_store_repository(v->store));
}

static int by_rank(const void *a, const void *b)
{
	const head *x = a, *y = b;
	int c = sync_rank(x->space) - sync_rank(y->space);

	return c ? c : strcmp(x->space, y->space);
}

/* One pushed space, verified and moved forward; its outcome in `out`. */
static int take_space(serving *v, const head *h, char *out, size_t size)
{
	git_repository *repo = sanshe_store_repository(v->store);
	merging mg;
	int err;

	if (!sanshe_trust_may_read(v->trust, v->w.member.roles, v->w.member.org, h->space)) {
		snprintf(out, size, "%s", _("refused: this node's organization may not hold it"));
		return 0;
	}
	if (!sanshe_transfer_has_commit(repo, &h->id)) {
		snprintf(out, size, "%s", _("refused: the pack did not hold its head"));
		return 0;
	}
	if ((err = cli_merge_from_peer(&mg, v->store, &v->w, v->label, h->space, &h->id)) != 0)
		return err;
	mg.ff_only = 1;
	err = cli_merge_run(&mg);
	cli_writer_end(&v->w, v->store);
	sanshe_buf_dispose(&mg.held_report);
	if (err == SANSHE_EBADSIG) {
		snprintf(out, size, _("refused: its history fails verification: %s"),
			 sanshe_error_last());
		sanshe_error_clear();
		return 0;
	}
	if (!err)
		snprintf(out, size, "%s",
			 strcmp(mg.outcome, "not moved") == 0
				 ? _("refused: not a step forward from this node's head; sync again")
				 : mg.outcome);
	return err;
}

static int take_pushed(serving *v)
{
	cJSON *result = cJSON_CreateObject(), *map;
	int err = 0;

	if (!result || !cJSON_AddStringToObject(result, "type", "result") ||
	    !(map = cJSON_AddObjectToObject(result, "spaces"))) {
		cJSON_Delete(result);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	qsort(v->pushed, v->n_pushed, sizeof(*v->pushed), by_rank);
	for (size_t i = 0; !err && i < v->n_pushed; i++) {
		char outcome[400];

		if (i > 0 && strcmp(v->pushed[i - 1].space, "trust") == 0) {
			/* the roster it brought judges the rest */
			sanshe_trust_free(v->trust);
			v->trust = NULL;
			if ((err = sanshe_trust_load(&v->trust, v->store, NULL)) != 0)
				break;
		}
		if ((err = take_space(v, &v->pushed[i], outcome, sizeof(outcome))) == 0 &&
		    !cJSON_AddStringToObject(map, v->pushed[i].space, outcome))
			err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		if (!err)
			sanshe_buf_printf(&v->log, " %s %s;", v->pushed[i].space, outcome);
	}
	if (!err)
		err = proto_send(&v->p, result);
	cJSON_Delete(result);
	return err;
}

static int converse(serving *v)
{
	int err;

	if ((err = greet(v)) != 0 || (err = answer_haves(v)) != 0 ||
	    (err = send_offered(v)) != 0 || (err = take_push(v)) != 0 ||
	    (err = take_pushed(v)) != 0)
		return err;
	return sanshe_wire_end(v->p.ws);
}

static void log_session(serving *v, int err)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cli_line(stderr, "sanshe serve: ",
		 _("%s %s %s (%s): sent %zu space(s), %llu objects, %llu bytes; received %llu "
		   "objects, %llu bytes;%s %s%s"),
		 when, v->addr, v->who_name[0] ? v->who_name : _("unknown peer"),
		 v->who_fp[0] ? v->who_fp : "-", v->n_offered, (unsigned long long)v->p.objects_out,
		 (unsigned long long)v->p.bytes_out, (unsigned long long)v->p.objects_in,
		 (unsigned long long)v->p.bytes_in, v->log.ptr ? v->log.ptr : "",
		 err ? _("dropped: ") : _("ok"), err ? sanshe_error_last() : "");
}

/* Serve one connection; the fd is closed.  0 when the session went well. */
static int serve_one(sanshe_store *store, cli_writer *w, int fd, const char *addr)
{
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES];
	sanshe_wire_options opts;
	serving *v = calloc(1, sizeof(*v));
	int err;

	if (!v) {
		close(fd);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	/* the node as it is now: other sessions may have moved it since serving began */
	v->w = *w;
	snprintf(v->addr, sizeof(v->addr), "%s", addr);
	v->p.peer = v->addr;
	proto_network_key(netkey);
	proto_wire_options(&opts);
	if ((err = sanshe_store_open(&v->store, sanshe_store_path(store))) == 0 &&
	    (err = sanshe_node_member(v->store, w->key, &v->w.member)) == 0 &&
	    (err = sanshe_trust_load(&v->trust, v->store, NULL)) == 0 &&
	    (err = proto_announce_send(fd, sanshe_key_public(w->key))) == 0 &&
	    (err = sanshe_wire_server(&v->p.ws, fd, v->addr, &opts, netkey, w->key, accept_peer,
				      v)) == 0) {
		err = converse(v);
		if (err && err != SANSHE_EIO)
			proto_send_error(&v->p, sanshe_error_last());
	}
	log_session(v, err);
	sanshe_wire_session_free(v->p.ws);
	close(fd);
	sanshe_trust_free(v->trust);
	sanshe_store_free(v->store);
	cJSON_Delete(v->hello);
	free(v->common);
	sanshe_buf_dispose(&v->log);
	free(v);
	return err;
}

/* ---- listening ---- */

static int listen_on(const char *spec, int *out, char *shown, size_t size)
{
	char url[SANSHE_PEER_HOST_MAX + 32], host[SANSHE_PEER_HOST_MAX], port[8];
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char h[NI_MAXHOST], p[NI_MAXSERV];
	int fd = -1, one = 1, rc, err;

	/* port 0: any free port, shown when listening (for tests) */
	snprintf(url, sizeof(url), "tcp://%s", spec);
	if (strlen(url) > 2 && strcmp(url + strlen(url) - 2, ":0") == 0)
		url[strlen(url) - 2] = '\0';
	if (sanshe_peers_tcp_parse(url, host, port) != 0) {
		sanshe_error_clear();
		return sanshe_error_set(SANSHE_EUSAGE,
					_("--listen %s: write HOST:PORT, e.g. 0.0.0.0:7150"), spec);
	}
	if (strlen(spec) > 2 && strcmp(spec + strlen(spec) - 2, ":0") == 0)
		snprintf(port, sizeof(port), "0");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("cannot listen on %s: %s"), spec,
					gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot listen on %s"), spec);
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return err;
	}
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&bound, &len) == 0 &&
	    getnameinfo((struct sockaddr *)&bound, len, h, sizeof(h), p, sizeof(p),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(shown, size, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
	else
		snprintf(shown, size, "%s", spec);
	*out = fd;
	return 0;
}

static void peer_address(const struct sockaddr_storage *sa, socklen_t len, char *out, size_t size)
{
	char h[NI_MAXHOST], p[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)sa, len, h, sizeof(h), p, sizeof(p),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(out, size, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
	else
		snprintf(out, size, "?");
}

static int reap(int *running)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		(*running)--;
	return 0;
}

static int serve_loop(sanshe_store *store, cli_writer *w, int lfd, int once)
{
	int running = 0;

	while (!stopping) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		char addr[128];
		int fd, rc;
		pid_t pid;

		reap(&running);
		rc = poll(&pfd, 1, 500);
		if (rc <= 0)
			continue;
		if ((fd = accept4(lfd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC)) < 0)
			continue;
		peer_address(&sa, len, addr, sizeof(addr));
		if (once) {
			rc = serve_one(store, w, fd, addr);
			return rc;
		}
		if (running >= MAX_SESSIONS) {
			cli_line(stderr, "sanshe serve: ", _("%s: too many sessions at once; refused"),
				 addr);
			close(fd);
			continue;
		}
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			sigset_t block;

			/* a session finishes what it began: the parent stops by waiting for it */
			sigemptyset(&block);
			sigaddset(&block, SIGTERM);
			sigaddset(&block, SIGINT);
			sigprocmask(SIG_BLOCK, &block, NULL);
			close(lfd);
			rc = serve_one(store, w, fd, addr);
			fflush(NULL);
			_exit(rc ? 1 : 0);
		}
		close(fd);
		if (pid > 0)
			running++;
		else
			cli_line(stderr, "sanshe serve: ", _("%s: cannot start a session: %s"), addr,
				 strerror(errno));
	}
	cli_line(stderr, "sanshe serve: ", _("stopping: waiting for %d session(s) to end"),
		 running);
	while (running > 0 && waitpid(-1, NULL, 0) > 0)
		running--;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option options[] = { { "listen", required_argument, NULL, 'l' },
						 { "once", no_argument, NULL, '1' },
						 { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	const char *listen_spec = "127.0.0.1:" SANSHE_PEER_PORT_DEFAULT, *key_name = NULL;
	char shown[SANSHE_PEER_HOST_MAX + 16];
	sanshe_store *store = NULL;
	struct sigaction sa;
	cli_writer w;
	int c, err, lfd = -1, once = 0;

	memset(&w, 0, sizeof(w));
	while ((c = cli_getopt(argc, argv, "", options)) != -1) {
		if (c == 'l')
			listen_spec = optarg;
		else if (c == '1')
			once = 1;
		else if (c == 'k')
			key_name = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc != optind)
		return cli_usage_error("serve", "%s", _("serve takes no arguments"));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((err = cli_open_store(&store)) == 0 && (err = cli_writer_open(&w, store, key_name)) == 0 &&
	    (err = listen_on(listen_spec, &lfd, shown, sizeof(shown))) == 0) {
		if (once)
			printf(_("serving %s on %s as %s, for one session\n"),
			       sanshe_store_path(store), shown, w.member.name);
		else
			printf(_("serving %s on %s as %s; stop with Ctrl-C\n"),
			       sanshe_store_path(store), shown, w.member.name);
		fflush(stdout);
		err = serve_loop(store, &w, lfd, once);
		close(lfd);
	}
	cli_writer_dispose(&w, store);
	sanshe_store_free(store);
	return err ? cli_fail() : 0;
}

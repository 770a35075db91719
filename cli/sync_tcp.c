/*
 * Sync and clone over TCP, the connecting side (sync_kinds.h; the session
 * is described in proto.h and docs/wire.md).
 */
#include "cli.h"

#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "node.h"
#include "proto.h"
#include "sync_kinds.h"
#include "transfer.h"

typedef struct client {
	sanshe_store *store;
	const sanshe_peer *where;
	const sanshe_key *key;
	sanshe_trust *trust; /* NULL when cloning: the server is judged afterwards */
	proto p;
	int fd;
	unsigned char server_pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_trust_signer server; /* who serves, by our roster */
	tcp_heads heads; /* what the server offers us */
	size_t withheld; /* spaces the server holds that our member may not read */
	git_oid founding;
	const git_oid *common;
	size_t n_common;
	sanshe_negotiation *neg;
} client;

static int dial(client *c)
{
	struct addrinfo hints, *ai = NULL, *a;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(c->where->host, c->where->port, &hints, &ai)) != 0)
		return sanshe_error_set(SANSHE_ENOTFOUND, _("cannot find '%s': %s"), c->where->host,
					gai_strerror(rc));
	c->fd = -1;
	for (a = ai; a && c->fd < 0; a = a->ai_next) {
		c->fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd >= 0 && connect(c->fd, a->ai_addr, a->ai_addrlen) != 0) {
			close(c->fd);
			c->fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (c->fd < 0)
		return sanshe_error_set_os(SANSHE_EIO,
					   _("cannot reach %s (is 'sanshe serve' running there?)"),
					   c->where->url);
	return 0;
}

/* The server's key: the one the peer was added with, and a member in good standing. */
static int judge_server(const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES], void *payload)
{
	client *c = payload;
	char fp[SANSHE_KEY_FINGERPRINT_MAX];
	int err;

	sanshe_key_fingerprint_of(fp, pk);
	if (c->where->key[0] && strcmp(fp, c->where->key) != 0)
		return sanshe_error_set(SANSHE_EBADSIG,
					_("the node at %s has key %s, not %s as its peer entry "
					  "says: not synced"),
					c->where->url, fp, c->where->key);
	if (!c->trust)
		return 0;
	if ((err = sanshe_trust_signer_at(c->trust, pk, sanshe_node_wall_ms(),
					  &c->server)) != 0)
		return sanshe_error_prefix(_("the node at %s"), c->where->url);
	return 0;
}

/* Run the handshake only to tell the server why we refuse it; keep our message. */
static int tell_refusal(client *c, const sanshe_wire_options *opts,
			const unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES], int err)
{
	sanshe_buf why = SANSHE_BUF_INIT;

	if (sanshe_buf_puts(&why, sanshe_error_last()) != 0)
		return err;
	(void)sanshe_wire_client(&c->p.ws, c->fd, c->where->url, opts, netkey, c->key,
				 c->server_pk, judge_server, c);
	sanshe_error_set(err, "%s", why.ptr);
	sanshe_buf_dispose(&why);
	return err;
}

static int connect_and_prove(client *c)
{
	unsigned char netkey[SANSHE_WIRE_NETWORK_KEY_BYTES];
	sanshe_wire_options opts;
	int err;

	proto_network_key(netkey);
	proto_wire_options(&opts);
	c->p.peer = c->where->url;
	if ((err = dial(c)) != 0 ||
	    (err = proto_announce_recv(c->fd, c->where->url, c->server_pk)) != 0)
		return err;
	/* judged before the handshake too: a refusal then names the reason here,
	 * and still travels to the server inside the handshake, for its log */
	if ((err = judge_server(c->server_pk, c)) != 0)
		return tell_refusal(c, &opts, netkey, err);
	return sanshe_wire_client(&c->p.ws, c->fd, c->where->url, &opts, netkey, c->key,
				  c->server_pk, judge_server, c);
}

/* hello → heads */
static int greet(client *c, const char *const *only, size_t n_only)
{
	char hex[GIT_OID_HEXSZ + 1];
	cJSON *hello = cJSON_CreateObject(), *heads = NULL, *spaces;
	const cJSON *founding, *map, *e;
	git_oid ours;
	int err = 0, has_ours = c->trust != NULL;

	if (has_ours && (err = sanshe_trust_founding(c->store, NULL, &ours)) != 0)
		goto done;
	if (!hello || !cJSON_AddStringToObject(hello, "type", "hello") ||
	    !cJSON_AddNumberToObject(hello, "version", PROTO_VERSION) ||
	    !(has_ours ? cJSON_AddStringToObject(hello, "founding",
						 git_oid_tostr(hex, sizeof(hex), &ours))
		       : cJSON_AddNullToObject(hello, "founding")) ||
	    !(spaces = n_only ? cJSON_AddArrayToObject(hello, "spaces")
			      : cJSON_AddNullToObject(hello, "spaces"))) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	for (size_t i = 0; i < n_only; i++)
		cJSON_AddItemToArray(spaces, cJSON_CreateString(only[i]));
	if ((err = proto_send(&c->p, hello)) != 0 ||
	    (err = proto_recv(&c->p, "heads", &heads)) != 0)
		goto done;
	founding = cJSON_GetObjectItemCaseSensitive(heads, "founding");
	e = cJSON_GetObjectItemCaseSensitive(heads, "withheld");
	if (cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble <= 4096)
		c->withheld = (size_t)e->valuedouble;
	map = cJSON_GetObjectItemCaseSensitive(heads, "heads");
	if ((err = proto_oid(founding, &c->founding, "the peer's founding commit")) != 0)
		goto done;
	if (has_ours && !git_oid_equal(&ours, &c->founding)) {
		err = sanshe_error_set(SANSHE_EINVALID,
				       _("%s is a node of another federation (founded by commit "
					 "%.12s, this one by %.12s)"),
				       c->where->url, founding->valuestring, git_oid_tostr_s(&ours));
		goto done;
	}
	if (!cJSON_IsObject(map)) {
		err = sanshe_error_set(SANSHE_EPARSE, _("peer '%s' sent no heads"), c->where->url);
		goto done;
	}
	cJSON_ArrayForEach(e, map)
	{
		if (c->heads.n == SYNC_MAX_SPACES || !e->string ||
		    !sanshe_store_space_valid(e->string)) {
			err = sanshe_error_set(SANSHE_EPARSE, _("peer '%s' names a space that cannot be"),
					       c->where->url);
			break;
		}
		snprintf(c->heads.space[c->heads.n], SANSHE_SPACE_MAX, "%s", e->string);
		if ((err = proto_oid(e, &c->heads.id[c->heads.n++], "a head of the peer")) != 0)
			break;
	}
done:
	cJSON_Delete(hello);
	cJSON_Delete(heads);
	return err;
}

static int add_line(const char *space, const git_oid *head, void *payload)
{
	(void)space;
	return sanshe_negotiation_line(payload, head);
}

/* have ↔ ack until both know what they share, then want */
static int negotiate(client *c)
{
	git_repository *repo = sanshe_store_repository(c->store);
	unsigned char has[SANSHE_TRANSFER_HAVES_MAX];
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	if ((err = sanshe_negotiation_new(&c->neg, repo)) != 0)
		return err;
	for (size_t i = 0; i < c->heads.n; i++)
		if (sanshe_transfer_has_commit(repo, &c->heads.id[i]) &&
		    (err = sanshe_negotiation_known(c->neg, &c->heads.id[i])) != 0)
			return err;
	if (c->trust && (err = sanshe_store_spaces(c->store, add_line, c->neg)) != 0)
		return err;
	for (;;) {
		const git_oid *ids;
		const cJSON *answer;
		cJSON *msg = NULL, *list, *ack = NULL;
		size_t n;

		if ((err = sanshe_negotiation_next(c->neg, &ids, &n)) != 0)
			return err;
		if (!(msg = cJSON_CreateObject()) ||
		    !cJSON_AddStringToObject(msg, "type", n ? "have" : "want") ||
		    (n && !(list = cJSON_AddArrayToObject(msg, "ids")))) {
			cJSON_Delete(msg);
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		}
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(list,
					     cJSON_CreateString(git_oid_tostr(hex, sizeof(hex), &ids[i])));
		err = proto_send(&c->p, msg);
		cJSON_Delete(msg);
		if (err || !n)
			break;
		if ((err = proto_recv(&c->p, "ack", &ack)) != 0)
			return err;
		answer = cJSON_GetObjectItemCaseSensitive(ack, "has");
		if (!cJSON_IsString(answer) || strlen(answer->valuestring) != n ||
		    strspn(answer->valuestring, "01") != n)
			err = sanshe_error_set(SANSHE_EPARSE, _("peer '%s' answered out of turn"),
					       c->where->url);
		for (size_t i = 0; !err && i < n; i++)
			has[i] = answer->valuestring[i] == '1';
		cJSON_Delete(ack);
		if (err || (err = sanshe_negotiation_answer(c->neg, has, n)) != 0)
			return err;
	}
	if (!err)
		c->common = sanshe_negotiation_common(c->neg, &c->n_common);
	return err;
}

/* Every head the server named must be here now: sent in its pack, or held already. */
static int heads_held(const client *c)
{
	git_repository *repo = sanshe_store_repository(c->store);
	char hex[GIT_OID_HEXSZ + 1];

	for (size_t i = 0; i < c->heads.n; i++)
		if (!sanshe_transfer_has_commit(repo, &c->heads.id[i]))
			return sanshe_error_set(SANSHE_EPARSE,
						_("peer '%s' named commit %s as the head of '%s' "
						  "but did not send it"),
						c->where->url,
						git_oid_tostr(hex, sizeof(hex), &c->heads.id[i]),
						c->heads.space[i]);
	return 0;
}

static void client_dispose(client *c)
{
	sanshe_negotiation_free(c->neg);
	sanshe_wire_session_free(c->p.ws);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sanshe_trust_free(c->trust);
}

/* ---- sync ---- */

/* The server's head of `space`: its objects came in its pack. */
static int offered_head(const char *space, git_oid *out, void *payload)
{
	const git_oid *id = tcp_heads_find(payload, space);

	if (id)
		git_oid_cpy(out, id);
	return id != NULL;
}

/* Take each space, verified and merged: the roster first, which judges the rest. */
static int receive_all(syncing *s, client *c)
{
	const char *spaces[SYNC_MAX_SPACES];
	int err;

	for (size_t i = 0; i < c->heads.n; i++)
		spaces[i] = c->heads.space[i];
	sanshe_trust_free(c->trust);
	c->trust = NULL;
	if ((err = sync_receive_all(s, spaces, c->heads.n, offered_head, &c->heads, &c->trust)) !=
	    0)
		return err;
	/* the server as the roster now says */
	if (sanshe_trust_signer_at(c->trust, c->server_pk, sanshe_node_wall_ms(),
				   &c->server) != 0) {
		sanshe_error_clear();
		memset(&c->server, 0, sizeof(c->server));
	}
	return 0;
}

typedef struct pushing {
	syncing *s;
	client *c;
	git_repository *repo;
	cJSON *map;
	git_oid tips[SYNC_MAX_SPACES];
	size_t n;
} pushing;

/* A space of ours the server lacks, or holds behind our head, and may hold. */
static int offer(const char *space, const git_oid *ours, void *payload)
{
	pushing *pu = payload;
	const git_oid *t = tcp_heads_find(&pu->c->heads, space);
	char hex[GIT_OID_HEXSZ + 1];
	sync_space *sp = NULL;

	if (!sync_wanted(pu->s, space) || pu->n == SYNC_MAX_SPACES || !pu->c->server.member)
		return 0;
	if (t && (git_oid_equal(t, ours) ||
		  git_graph_descendant_of(pu->repo, ours, t) != 1))
		return 0; /* the same, or held back: nothing to bring */
	if (!sanshe_trust_may_read(pu->c->trust, pu->c->server.roles, pu->c->server.org, space))
		return 0;
	if (sync_add_space(pu->s, NULL, space, &sp) != 0 || !sp)
		return sanshe_error_code();
	if (!cJSON_AddStringToObject(pu->map, space, git_oid_tostr(hex, sizeof(hex), ours)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	git_oid_cpy(&pu->tips[pu->n++], ours);
	return 0;
}

static int push_all(syncing *s, client *c)
{
	git_repository *repo = sanshe_store_repository(c->store);
	pushing pu = { s, c, repo, NULL, { { { 0 } } }, 0 };
	cJSON *msg = cJSON_CreateObject(), *result = NULL;
	const cJSON *spaces, *e;
	git_oid *common = NULL;
	size_t n_common = 0;
	int err;

	if (!msg || !cJSON_AddStringToObject(msg, "type", "push") ||
	    !(pu.map = cJSON_AddObjectToObject(msg, "heads"))) {
		cJSON_Delete(msg);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	if ((c->trust && (err = sanshe_store_spaces(c->store, offer, &pu)) != 0) ||
	    (err = proto_send(&c->p, msg)) != 0)
		goto done;
	/* what both have: the negotiation's finds and the server's heads we hold */
	if (!(common = calloc(c->n_common + c->heads.n + 1, sizeof(*common)))) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	for (size_t i = 0; i < c->n_common; i++)
		git_oid_cpy(&common[n_common++], &c->common[i]);
	for (size_t i = 0; i < c->heads.n; i++)
		if (sanshe_transfer_has_commit(repo, &c->heads.id[i]))
			git_oid_cpy(&common[n_common++], &c->heads.id[i]);
	if ((err = proto_send_pack(&c->p, repo, pu.tips, pu.n, common, n_common)) != 0 ||
	    (err = proto_recv_after_work(&c->p, "result", &result)) != 0)
		goto done;
	spaces = cJSON_GetObjectItemCaseSensitive(result, "spaces");
	cJSON_ArrayForEach(e, spaces)
	{
		sync_space *sp = NULL;

		if (!e->string || !cJSON_IsString(e) || !cJSON_GetObjectItemCaseSensitive(pu.map, e->string))
			continue; /* only what we offered */
		for (size_t i = 0; i < s->n_spaces; i++)
			if (strcmp(s->spaces[i].name, e->string) == 0)
				sp = &s->spaces[i];
		if (!sp)
			continue;
		if (strcmp(e->valuestring, "fast-forward") == 0 || strcmp(e->valuestring, "up to date") == 0)
			sp->sent = 1;
		else
			snprintf(sp->refused, sizeof(sp->refused), "%s", e->valuestring);
	}
	err = sanshe_wire_end(c->p.ws);
done:
	free(common);
	cJSON_Delete(msg);
	cJSON_Delete(result);
	return err;
}

int sync_tcp(syncing *s, const sanshe_peer *where)
{
	client c;
	int err;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.store = s->store;
	c.where = where;
	c.key = s->w.key;
	c.p.progress = &s->progress;
	signal(SIGPIPE, SIG_IGN);
	if ((err = sanshe_trust_load(&c.trust, s->store, NULL)) == 0 &&
	    (err = connect_and_prove(&c)) == 0 &&
	    (err = greet(&c, s->only, s->n_only)) == 0) {
		cli_progress_phase(&s->progress, N_("negotiate"), 0);
		err = negotiate(&c);
		cli_progress_done(&s->progress);
		if (!err && (err = proto_recv_pack(&c.p, sanshe_store_repository(s->store))) == 0 &&
		    (err = heads_held(&c)) == 0 && (err = receive_all(s, &c)) == 0)
			err = push_all(s, &c);
	}
	if (err && err != SANSHE_EIO && c.p.ws)
		proto_send_error(&c.p, sanshe_error_last());
	s->not_readable += c.withheld;
	s->objects_in = c.p.objects_in;
	s->bytes_in = c.p.bytes_in;
	s->objects_out = c.p.objects_out;
	s->bytes_out = c.p.bytes_out;
	client_dispose(&c);
	return err;
}

/* ---- clone ---- */

const git_oid *tcp_heads_find(const tcp_heads *h, const char *space)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->space[i], space) == 0)
			return &h->id[i];
	return NULL;
}

int tcp_heads_server_member(const tcp_heads *h, const sanshe_trust *trust, const char *url)
{
	sanshe_trust_signer who;

	if (sanshe_trust_signer_at(trust, h->server_pk, sanshe_node_wall_ms(), &who) == 0)
		return 0;
	return sanshe_error_set(SANSHE_EBADSIG,
				_("the node at %s serves with key %s, which is not a member in "
				  "good standing of the federation it sent: nothing was made"),
				url, who.fingerprint);
}

int clone_tcp_fetch(const sanshe_peer *where, sanshe_store *node, const sanshe_key *key,
		    tcp_heads *out)
{
	syncing *s = calloc(1, sizeof(*s));
	client c;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (!s)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	c.fd = -1;
	c.store = node;
	c.where = where;
	c.key = key;
	cli_progress_init(&s->progress, 0);
	c.p.progress = &s->progress;
	signal(SIGPIPE, SIG_IGN);
	/* no roster yet: nothing to push, nothing to negotiate */
	if ((err = connect_and_prove(&c)) == 0 && (err = greet(&c, NULL, 0)) == 0 &&
	    (err = negotiate(&c)) == 0 &&
	    (err = proto_recv_pack(&c.p, sanshe_store_repository(node))) == 0 &&
	    (err = heads_held(&c)) == 0)
		err = push_all(s, &c);
	if (err && err != SANSHE_EIO && c.p.ws)
		proto_send_error(&c.p, sanshe_error_last());
	if (!err)
		*out = c.heads;
	memcpy(out->server_pk, c.server_pk, sizeof(out->server_pk));
	cli_progress_done(&s->progress);
	client_dispose(&c);
	free(s);
	return err;
}

/* The sync session over TCP (proto.h). */
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "proto.h"
#include "transfer.h"

/* Frame overhead on the wire: the length prefix and the authentication tag. */
#define FRAME_OVERHEAD (SANSHE_WIRE_FRAME_PREFIX + crypto_secretstream_xchacha20poly1305_ABYTES)

void proto_network_key(unsigned char key[SANSHE_WIRE_NETWORK_KEY_BYTES])
{
	static const char label[] = "sanshe sync, version 1: the network of sanshe nodes";

	crypto_generichash(key, SANSHE_WIRE_NETWORK_KEY_BYTES, (const unsigned char *)label,
			   sizeof(label) - 1, NULL, 0);
}

void proto_wire_options(sanshe_wire_options *opts)
{
	static const sanshe_wire_options defaults = SANSHE_WIRE_OPTIONS_INIT;
	const char *idle = getenv("SANSHE_IDLE_TIMEOUT");

	*opts = defaults;
	if (idle && *idle) {
		double s = strtod(idle, NULL);

		if (s > 0 && s < 86400)
			opts->idle_ms = (int)(s * 1000);
	}
}

int proto_work_ms(void)
{
	const char *idle = getenv("SANSHE_IDLE_TIMEOUT");
	sanshe_wire_options opts;

	if (idle && *idle) {
		proto_wire_options(&opts);
		return opts.idle_ms;
	}
	return 15 * 60 * 1000;
}

/* Move `n` bytes to or from a blocking-or-not fd within the idle limit. */
static int raw_io(int fd, void *buf, size_t n, int writing, const char *peer)
{
	sanshe_wire_options opts;
	size_t done = 0;

	proto_wire_options(&opts);
	while (done < n) {
		struct pollfd p = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
		ssize_t r;
		int rc = poll(&p, 1, opts.idle_ms);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return sanshe_error_set(SANSHE_EIO, _("peer '%s' stalled for %g s; dropped"),
						peer, opts.idle_ms / 1000.0);
		if (rc < 0)
			return sanshe_error_set_os(SANSHE_EIO, _("peer '%s'"), peer);
		r = writing ? write(fd, (char *)buf + done, n - done)
			    : read(fd, (char *)buf + done, n - done);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return sanshe_error_set_os(SANSHE_EIO, _("peer '%s'"), peer);
		if (r == 0)
			return sanshe_error_set(SANSHE_EIO,
						_("peer '%s' closed the connection before saying who "
						  "it is: is it a sanshe node?"),
						peer);
		done += (size_t)r;
	}
	return 0;
}

int proto_announce_send(int fd, const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	unsigned char msg[PROTO_ANNOUNCE_BYTES] = { 0 };

	memcpy(msg, PROTO_MAGIC, sizeof(PROTO_MAGIC) - 1);
	memcpy(msg + PROTO_ANNOUNCE_BYTES - SANSHE_KEY_PUBLIC_BYTES, pk, SANSHE_KEY_PUBLIC_BYTES);
	return raw_io(fd, msg, sizeof(msg), 1, "client");
}

int proto_announce_recv(int fd, const char *peer, unsigned char pk[SANSHE_KEY_PUBLIC_BYTES])
{
	unsigned char msg[PROTO_ANNOUNCE_BYTES];
	int err;

	if ((err = raw_io(fd, msg, sizeof(msg), 0, peer)) != 0)
		return err;
	if (memcmp(msg, PROTO_MAGIC, sizeof(PROTO_MAGIC) - 1) != 0)
		return sanshe_error_set(SANSHE_EPARSE,
					_("'%s' does not answer as a sanshe node (sanshe serve)"),
					peer);
	memcpy(pk, msg + PROTO_ANNOUNCE_BYTES - SANSHE_KEY_PUBLIC_BYTES, SANSHE_KEY_PUBLIC_BYTES);
	return 0;
}

static int send_bytes(proto *p, const void *data, size_t len)
{
	int err = sanshe_wire_send(p->ws, data, len);

	if (!err)
		p->bytes_out += len + FRAME_OVERHEAD;
	return err;
}

int proto_send(proto *p, const cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);
	int err;

	if (!text)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	if (strlen(text) > SANSHE_WIRE_FRAME_MAX)
		err = sanshe_error_set(SANSHE_EINVALID, "%s", _("a message too long to send"));
	else
		err = send_bytes(p, text, strlen(text));
	cJSON_free(text);
	return err;
}

/* The next message; 1 when the peer ended the session. */
static int next_message(proto *p, sanshe_buf *msg)
{
	int rc = sanshe_wire_recv(p->ws, msg);

	if (rc >= 0)
		p->bytes_in += msg->size + FRAME_OVERHEAD;
	return rc;
}

static int parse_message(proto *p, const sanshe_buf *msg, const char *type, cJSON **out)
{
	cJSON *o;
	const cJSON *t;

	*out = NULL;
	if (!msg->size || msg->ptr[0] != '{' ||
	    !(o = cJSON_ParseWithLengthOpts(msg->ptr, msg->size, NULL, 0)))
		return sanshe_error_set(SANSHE_EPARSE,
					_("peer '%s' sent something that is not a message where "
					  "'%s' was due"),
					p->peer, type ? type : "a message");
	t = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsObject(o) || !cJSON_IsString(t)) {
		cJSON_Delete(o);
		return sanshe_error_set(SANSHE_EPARSE, _("peer '%s' sent a message without a type"),
					p->peer);
	}
	if (strcmp(t->valuestring, "error") == 0) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
		char said[SANSHE_WIRE_REASON_MAX + 1];

		snprintf(said, sizeof(said), "%s",
			 cJSON_IsString(m) ? m->valuestring : _("(no reason given)"));
		for (char *c = said; *c; c++)
			if ((unsigned char)*c < 0x20)
				*c = ' ';
		cJSON_Delete(o);
		return sanshe_error_set(SANSHE_EINVALID, _("peer '%s' says: %s"), p->peer, said);
	}
	if (type && strcmp(t->valuestring, type) != 0) {
		char got[40];

		snprintf(got, sizeof(got), "%s", t->valuestring);
		for (char *c = got; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				*c = '?';
		cJSON_Delete(o);
		return sanshe_error_set(SANSHE_EPARSE, _("peer '%s' sent '%s' where '%s' was due"),
					p->peer, got, type);
	}
	*out = o;
	return 0;
}

int proto_recv(proto *p, const char *type, cJSON **out)
{
	sanshe_buf msg = SANSHE_BUF_INIT;
	int rc = next_message(p, &msg);

	*out = NULL;
	if (rc == 1)
		rc = sanshe_error_set(SANSHE_EPARSE, _("peer '%s' ended the session where '%s' was due"),
				      p->peer, type ? type : "a message");
	else if (rc == 0)
		rc = parse_message(p, &msg, type, out);
	sanshe_buf_dispose(&msg);
	return rc;
}

int proto_recv_after_work(proto *p, const char *type, cJSON **out)
{
	int was = sanshe_wire_set_idle(p->ws, proto_work_ms());
	int rc = proto_recv(p, type, out);

	sanshe_wire_set_idle(p->ws, was);
	return rc;
}

void proto_send_error(proto *p, const char *message)
{
	int code = sanshe_error_code();
	char *reason = strdup(sanshe_error_last());
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_AddStringToObject(o, "type", "error") &&
	    cJSON_AddStringToObject(o, "message", message))
		(void)proto_send(p, o);
	cJSON_Delete(o);
	(void)sanshe_wire_end(p->ws);
	/* a peer gone already must not replace the reason we stop with its own */
	if (reason)
		sanshe_error_set(code, "%s", reason);
	free(reason);
}

int proto_oid(const cJSON *value, git_oid *out, const char *what)
{
	if (!cJSON_IsString(value) || strlen(value->valuestring) != GIT_OID_HEXSZ ||
	    strspn(value->valuestring, "0123456789abcdef") != GIT_OID_HEXSZ ||
	    git_oid_fromstr(out, value->valuestring) != 0) {
		git_error_clear();
		return sanshe_error_set(SANSHE_EPARSE, _("%s is not a commit id"), what);
	}
	return 0;
}

/* ---- packs ---- */

typedef struct piece_out {
	proto *p;
	sanshe_buf frame;
	uint64_t bytes;
} piece_out;

static int send_piece(const void *data, size_t len, void *payload)
{
	piece_out *o = payload;

	o->frame.size = 0;
	if (sanshe_buf_putc(&o->frame, 'P') != 0 || sanshe_buf_put(&o->frame, data, len) != 0 ||
	    send_bytes(o->p, o->frame.ptr, o->frame.size) != 0)
		return -1;
	o->bytes += len;
	cli_progress_update(o->p->progress, 0, o->bytes);
	return 0;
}

int proto_send_pack(proto *p, git_repository *repo, const git_oid *tips, size_t tips_count,
		    const git_oid *common, size_t common_count)
{
	piece_out o = { p, SANSHE_BUF_INIT, 0 };
	size_t objects = 0;
	cJSON *end;
	int err;

	if (p->progress)
		cli_progress_phase(p->progress, N_("send"), 0);
	err = sanshe_transfer_send(repo, tips, tips_count, common, common_count, send_piece, &o,
				   &objects);
	sanshe_buf_dispose(&o.frame);
	if (p->progress) {
		cli_progress_update(p->progress, objects, o.bytes);
		cli_progress_done(p->progress);
	}
	if (err)
		return err;
	p->objects_out += objects;
	if (!(end = cJSON_CreateObject()) || !cJSON_AddStringToObject(end, "type", "pack-end") ||
	    !cJSON_AddNumberToObject(end, "objects", (double)objects))
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	else
		err = proto_send(p, end);
	cJSON_Delete(end);
	return err;
}

int proto_recv_pack(proto *p, git_repository *repo)
{
	sanshe_transfer_in *in = NULL;
	sanshe_buf msg = SANSHE_BUF_INIT;
	uint64_t bytes = 0, objects = 0, total = 0;
	cJSON *end = NULL;
	int rc, idle = sanshe_wire_set_idle(p->ws, proto_work_ms());

	if (p->progress)
		cli_progress_phase(p->progress, N_("receive"), 0);
	for (;;) {
		rc = next_message(p, &msg);
		sanshe_wire_set_idle(p->ws, idle); /* the pack is built: it flows */
		if (rc == 1)
			rc = sanshe_error_set(SANSHE_EPARSE,
					      _("peer '%s' ended the session in the middle of a pack"),
					      p->peer);
		if (rc)
			break;
		if (msg.size && msg.ptr[0] == 'P') {
			if (!in && (rc = sanshe_transfer_in_new(&in, repo)) != 0)
				break;
			if ((rc = sanshe_transfer_in_add(in, msg.ptr + 1, msg.size - 1)) != 0) {
				sanshe_error_prefix(_("peer '%s'"), p->peer);
				break;
			}
			bytes += msg.size - 1;
			sanshe_transfer_in_progress(in, &objects, &total);
			if (p->progress) {
				p->progress->total = total;
				cli_progress_update(p->progress, objects, bytes);
			}
			continue;
		}
		if ((rc = parse_message(p, &msg, "pack-end", &end)) != 0)
			break;
		if (in && (rc = sanshe_transfer_in_finish(in)) != 0) {
			sanshe_error_prefix(_("peer '%s'"), p->peer);
			break;
		}
		if (in)
			sanshe_transfer_in_progress(in, &objects, &total);
		p->objects_in += objects;
		break;
	}
	if (p->progress)
		cli_progress_done(p->progress);
	cJSON_Delete(end);
	sanshe_transfer_in_free(in);
	sanshe_buf_dispose(&msg);
	return rc;
}

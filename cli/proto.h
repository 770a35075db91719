/*
 * The sync session over TCP (docs/wire.md, "The session"): what `sanshe
 * serve` and `sanshe sync tcp://` say to each other once the wire layer
 * (wire.h) has authenticated both ends.
 *
 *   S→C  announce     64 bytes in clear: "SANSHE-SYNC 1\n", zeros, the
 *                     server's Ed25519 public key (the client checks it
 *                     against its roster, or the fingerprint it expects,
 *                     before the handshake proves it)
 *        handshake    wire.h; each end refuses a key that is not a member
 *                     in good standing of its roster
 *   C→S  hello        {"type":"hello","version":1,"founding":ID|null,"spaces":[…]|null}
 *   S→C  heads        {"type":"heads","founding":ID,"heads":{SPACE:ID…},
 *                     "withheld":N}: the spaces the client's member may read,
 *                     and how many others there are
 *   C→S  have         {"type":"have","ids":[ID…]}   (up to 8 rounds)
 *   S→C  ack          {"type":"ack","has":"0110…"}
 *   C→S  want         {"type":"want"}
 *   S→C  pack         pieces, then {"type":"pack-end","objects":N}
 *   C→S  push         {"type":"push","heads":{SPACE:ID…}}, pack pieces, pack-end
 *   S→C  result       {"type":"result","spaces":{SPACE:"fast-forward"|"up to date"|
 *                     "refused: …"|"quarantined"}}
 *        end          both end their direction (wire.h)
 *
 * Either side may send {"type":"error","message":TEXT} instead of what is
 * expected and end the session.  A control message is a JSON object (its
 * first byte '{'); a piece of pack is a frame whose first byte is 'P'.
 * Every message from the peer is hostile: its type, fields, ids and space
 * names are checked, counts bounded.
 */
#ifndef SANSHE_CLI_PROTO_H
#define SANSHE_CLI_PROTO_H

#include <stdint.h>

#include "progress.h"
#include "store.h"
#include "wire.h"

/** Bytes of the server's announcement. */
#define PROTO_ANNOUNCE_BYTES 64
#define PROTO_MAGIC "SANSHE-SYNC 1\n"
#define PROTO_VERSION 1

/** One side of a session: the wire, the peer's name for messages, the traffic. */
typedef struct proto {
	sanshe_wire_session *ws;
	const char *peer; /* "tcp://HOST:PORT" or "HOST:PORT" of a client */
	uint64_t bytes_in, bytes_out;
	uint64_t objects_in, objects_out;
	cli_progress *progress; /* may be NULL */
} proto;

/** The network key of sanshe sessions (the same for every federation). */
void proto_network_key(unsigned char key[SANSHE_WIRE_NETWORK_KEY_BYTES]);

/** The options of a session: idle and session limits, SANSHE_IDLE_TIMEOUT (seconds) when set. */
void proto_wire_options(sanshe_wire_options *opts);

/**
 * How long to wait for a peer that is working on what it received
 * (building a pack, or verifying and merging history): 15 minutes, or
 * SANSHE_IDLE_TIMEOUT when set.  In milliseconds.
 */
int proto_work_ms(void);

/** Write the announcement of `pk` to `fd` (blocking, with the idle limit). */
int proto_announce_send(int fd, const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/** Read the server's announcement from `fd`; `pk` receives its key. */
int proto_announce_recv(int fd, const char *peer, unsigned char pk[SANSHE_KEY_PUBLIC_BYTES]);

/** Send `msg` (a JSON object). */
int proto_send(proto *p, const cJSON *msg);

/**
 * Receive a JSON object of type `type` (NULL: any type) into `*out`.  An "error" message
 * from the peer becomes SANSHE_EINVALID "peer …: says: TEXT"; another type,
 * a piece of pack, or a session ended early is SANSHE_EPARSE naming it.
 */
int proto_recv(proto *p, const char *type, cJSON **out);

/** proto_recv, waiting up to proto_work_ms(): the peer has work to do first. */
int proto_recv_after_work(proto *p, const char *type, cJSON **out);

/** Tell the peer why we stop (best effort) and end our direction; our last error stays. */
void proto_send_error(proto *p, const char *message);

/** A commit id from a JSON string (40 hex digits): 0 or SANSHE_EPARSE naming `what`. */
int proto_oid(const cJSON *value, git_oid *out, const char *what);

/**
 * Send a pack of what `tips` reach and `common` does not (transfer.h), then
 * pack-end.  Progress in phase "send".
 */
int proto_send_pack(proto *p, git_repository *repo, const git_oid *tips, size_t tips_count,
		    const git_oid *common, size_t common_count);

/**
 * Receive the pieces of a pack up to pack-end into `repo`'s objects
 * (checked by the indexer; nothing stored when damaged).  The first piece
 * may take proto_work_ms() to come: the peer builds the pack first.
 * Progress in phase "receive".
 */
int proto_recv_pack(proto *p, git_repository *repo);

#endif

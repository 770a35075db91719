/*
 * Peers (DESIGN §8): the other nodes a node meets, by name, and the
 * plumbing of meeting one whose repository is a path (a shared folder, a
 * USB stick): fetching a space's history into refs/sanshe/peers/<peer>/,
 * and telling that both nodes belong to the same federation.
 *
 * Peers are local settings, kept in the repository's config (never in a
 * commit): sanshe-peer.<name>.url and sanshe-peer.<name>.key.
 */
#ifndef SANSHE_PEERS_H
#define SANSHE_PEERS_H

#include <git2.h>
#include <stddef.h>

#include "key.h"
#include "store.h"

/** Longest peer name, with its NUL. */
#define SANSHE_PEER_NAME_MAX 64

/** Is `name` a peer name: 1 to 63 letters, digits, '_' or '-', not starting with '-'? */
int sanshe_peers_name_valid(const char *name);

/**
 * Remember the peer `name` at `url` (a path to another node, whose absolute
 * form is kept, or tcp://HOST:PORT), with the key fingerprint `key` expected of it (may be
 * NULL).  SANSHE_EEXISTS when the name is taken; SANSHE_EINVALID naming a
 * bad name, a URL that is not a node or a bad fingerprint.
 */
int sanshe_peers_add(sanshe_store *store, const char *name, const char *url, const char *key);

/** Forget the peer `name` (SANSHE_ENOTFOUND naming it). */
int sanshe_peers_remove(sanshe_store *store, const char *name);

/** Each peer, by name: its URL and its key (NULL when none). */
int sanshe_peers_each(sanshe_store *store,
		      int (*cb)(const char *name, const char *url, const char *key, void *payload),
		      void *payload);

/** What kind of peer a sync meets. */
typedef enum sanshe_peer_kind {
	SANSHE_PEER_NODE,   /* another node's repository at a path */
	SANSHE_PEER_TCP,    /* a node running `sanshe serve`, tcp://HOST:PORT */
	SANSHE_PEER_BUNDLE, /* a sealed bundle file */
} sanshe_peer_kind;

/** Longest host name of a tcp:// peer, with its NUL. */
#define SANSHE_PEER_HOST_MAX 256
/** The port `sanshe serve` listens on unless told otherwise. */
#define SANSHE_PEER_PORT_DEFAULT "7150"

/** A peer as resolved from the command line. */
typedef struct sanshe_peer {
	sanshe_peer_kind kind;
	char url[4096];			   /* absolute path, or "tcp://HOST:PORT" */
	char label[SANSHE_PEER_NAME_MAX];  /* the name its refs go under */
	char key[SANSHE_KEY_FINGERPRINT_MAX]; /* the fingerprint expected of it; "" when none */
	char host[SANSHE_PEER_HOST_MAX];   /* tcp: */
	char port[8];
	int named;			   /* given by a peer's name */
} sanshe_peer;

/**
 * Split "tcp://HOST:PORT" (PORT may be left out: 7150; HOST may be an IPv6
 * address in brackets) into `host` and `port`.  SANSHE_EINVALID naming
 * what is wrong.
 */
int sanshe_peers_tcp_parse(const char *url, char host[SANSHE_PEER_HOST_MAX], char port[8]);

/**
 * What `arg` names: a peer's name (of `store`; NULL: no names), a
 * tcp://HOST:PORT, a file (a bundle), or a path to another node (made
 * absolute, and checked to be a node).  The label is the peer's name, or
 * made from the path's last part or from HOST-PORT.
 */
int sanshe_peers_resolve(sanshe_store *store, const char *arg, sanshe_peer *out);

/** The last part of `path`, made safe for a ref name, in `label`. */
int sanshe_peers_label_of(const char *path, char label[SANSHE_PEER_NAME_MAX]);

/**
 * Fetch the head of `space` of the node at `from` into `ref` of `store`
 * (forced: it tracks the peer).  The objects are copied, no space moves.
 */
int sanshe_peers_fetch(sanshe_store *store, const char *from, const char *space, const char *ref);

/**
 * Do both nodes descend from the same founding (the root of their trust
 * spaces' first-parent lines)?  0, or SANSHE_EINVALID: "'<path>' is a node
 * of another federation".
 */
int sanshe_peers_same_federation(sanshe_store *ours, sanshe_store *theirs, const char *path);

#endif

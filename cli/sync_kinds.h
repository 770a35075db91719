/*
 * The kinds of peer `sanshe sync` meets, each over the shared engine of
 * syncing.h: a node's folder (cmd_sync.c), a node running `sanshe serve`
 * (sync_tcp.c) and a sealed bundle file (cmd_bundle.c).
 */
#ifndef SANSHE_CLI_SYNC_KINDS_H
#define SANSHE_CLI_SYNC_KINDS_H

#include "syncing.h"

/**
 * Sync with the node serving at `where` (tcp://HOST:PORT): authenticate
 * both ways, take what it has for us, verify and merge it, then send it
 * what it lacks so that it moves forward to our heads.
 */
int sync_tcp(syncing *s, const sanshe_peer *where);

/**
 * Apply the sealed bundle `where->url`: open it with the writer's key,
 * check that its sender is a member in good standing, store its objects,
 * then verify and merge each space it carries (the roster first).
 * Applying the same bundle twice changes nothing.  `s->label` becomes the
 * sender's member id.
 */
int sync_bundle(syncing *s, const sanshe_peer *where);

/**
 * `sanshe sync PEER` with the command's arguments (argv[0] names the
 * command for its usage); with `bundle_only`, PEER must be a bundle file
 * (`sanshe bundle apply FILE`).  Returns the exit status.
 */
int sync_command(int argc, char **argv, int bundle_only);

/** What a node serving over TCP holds for us: its spaces' heads and its key. */
typedef struct tcp_heads {
	char space[SYNC_MAX_SPACES][SANSHE_SPACE_MAX];
	git_oid id[SYNC_MAX_SPACES];
	size_t n;
	unsigned char server_pk[SANSHE_KEY_PUBLIC_BYTES];
} tcp_heads;

/** The head of `space` in `h` (borrowed), or NULL when it has none. */
const git_oid *tcp_heads_find(const tcp_heads *h, const char *space);

/**
 * Is the key the node at `url` served with a member in good standing of
 * `trust` (the roster it sent)?  0, or SANSHE_EBADSIG saying it is not.
 */
int tcp_heads_server_member(const tcp_heads *h, const sanshe_trust *trust, const char *url);

/**
 * For `sanshe clone tcp://HOST:PORT`: take everything the node serving at
 * `where` lets the member of `key` (unlocked) read into the new, empty node
 * `node` — objects only, no ref moves — and its heads into `out`.  The
 * server's key is judged afterwards, by the roster it sent.
 */
int clone_tcp_fetch(const sanshe_peer *where, sanshe_store *node, const sanshe_key *key,
		    tcp_heads *out);

#endif

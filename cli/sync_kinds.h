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

/**
 * `sanshe clone tcp://HOST:PORT DIR --expect FINGERPRINT`: make a new node
 * at DIR from the node serving at `where`, keeping it only when the key
 * that founded its federation has the fingerprint `expect` and the serving
 * node's key is a member of that federation.
 */
int clone_tcp(const sanshe_peer *where, const char *dir, const char *expect, const char *key_name);

#endif

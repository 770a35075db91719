/*
 * Bundles: the sync exchange carried as a file (a USB stick, a weekly
 * hand-off; DESIGN §8).
 *
 * A plain bundle is a standard git bundle, version 2: "# v2 git bundle",
 * prerequisite lines "-<oid> <comment>", ref lines "<oid> <refname>", a
 * blank line, then a packfile of what the refs reach and the
 * prerequisites do not.  Stock `git bundle verify` reads what is written
 * here, and bundles git writes are read here.  Reading one stores its
 * objects (checked by libgit2's indexer) and reports its refs; no ref
 * moves: the caller verifies the history and merges.
 *
 * A sealed bundle wraps a plain one for carrying (docs/bundle.md): signed
 * by the sender's Ed25519 key, encrypted with XChaCha20-Poly1305
 * secretstream under a random key sealed (crypto_box_seal) to each
 * recipient's X25519 key.  Opening one writes the plain bundle only when
 * it is whole, authentic and meant for the key that opens it; the caller
 * decides whether the sender is trusted.
 *
 * Every header field is hostile input: lengths and counts are bounded and
 * checked before use.  Memory stays bounded whatever the size of the pack.
 */
#ifndef SANSHE_BUNDLE_H
#define SANSHE_BUNDLE_H

#include <git2.h>
#include <stddef.h>
#include <stdio.h>

#include "key.h"

/** Longest line of a plain bundle's header, newline included. */
#define SANSHE_BUNDLE_LINE_MAX 1024
/** Most prerequisites, and most refs, a plain bundle may name. */
#define SANSHE_BUNDLE_ENTRIES_MAX 4096
/** Most bytes of a plain bundle's header (the lines and the blank line). */
#define SANSHE_BUNDLE_HEADER_MAX (1024 * 1024)
/** Most recipients of a sealed bundle. */
#define SANSHE_BUNDLE_RECIPIENTS_MAX 256

/** A ref a plain bundle carries. */
typedef struct sanshe_bundle_ref {
	git_oid id;
	char *name; /* "refs/heads/…", NUL-terminated */
} sanshe_bundle_ref;

/** What the header of a plain bundle says. */
typedef struct sanshe_bundle_header {
	git_oid *prerequisites; /* commits the reader must already have */
	size_t prerequisites_count;
	sanshe_bundle_ref *refs;
	size_t refs_count;
	size_t length; /* bytes of the header, blank line included */
	size_t objects; /* objects sanshe_bundle_read stored (0: all were here) */
} sanshe_bundle_header;

#define SANSHE_BUNDLE_HEADER_INIT { NULL, 0, NULL, 0, 0, 0 }

/**
 * Parse the header at the start of `data` (`len` bytes, which may go on
 * into the pack).  Strict: the version-2 signature line, prerequisites
 * before refs, 40 hex digits for each id, valid ref names, no ref twice,
 * every line shorter than SANSHE_BUNDLE_LINE_MAX, at most
 * SANSHE_BUNDLE_ENTRIES_MAX of each.  A header with no ref is refused.
 * libgit2 must be initialised (it checks the ref names).
 *
 * @param out  filled in; released with sanshe_bundle_header_dispose, also
 *             after a failure
 * @return 0, SANSHE_EPARSE (the message says which line and why; also for
 *         a header cut short) or SANSHE_ENOMEM
 */
int sanshe_bundle_header_parse(sanshe_bundle_header *out, const char *data, size_t len);

/** Release what a header holds; it is SANSHE_BUNDLE_HEADER_INIT again. */
void sanshe_bundle_header_dispose(sanshe_bundle_header *header);

/**
 * Write a plain bundle of `repo` to `path` (through a temporary file
 * renamed when complete): the refs `refs` (full names, e.g.
 * "refs/heads/common") at their current targets, and a pack of every
 * object they reach that the commits `prerequisites` do not.
 *
 * @return 0, SANSHE_ENOTFOUND (a ref or prerequisite this repository does
 *         not have), SANSHE_EINVALID (no ref), SANSHE_EIO or SANSHE_ENOMEM
 */
int sanshe_bundle_write(git_repository *repo, const char *path,
			const char *const *refs, size_t refs_count,
			const git_oid *prerequisites, size_t prerequisites_count);

/**
 * Read the plain bundle at `path` into `repo`: check its header and that
 * every prerequisite is here ("the bundle needs commit X, which this node
 * does not have: apply the bundles before it first"), store its objects
 * through libgit2's indexer (checked; a pack that does not hold what its
 * refs reach is refused) and report the refs in `out`.  No ref moves.
 * A bundle whose refs all name objects that are here already is not
 * indexed again: reading a bundle twice changes nothing.
 *
 * @param out  filled in, with the number of objects stored; released with
 *             sanshe_bundle_header_dispose, also after a failure
 * @return 0, SANSHE_ENOTFOUND (a prerequisite missing, or the file),
 *         SANSHE_EPARSE (not a bundle, or a damaged one), SANSHE_EIO or
 *         SANSHE_ENOMEM
 */
int sanshe_bundle_read(git_repository *repo, const char *path, sanshe_bundle_header *out);

/* ---- sealed bundles ---- */

/** The first bytes of a sealed bundle. */
#define SANSHE_BUNDLE_MAGIC "SANSHE-BUNDLE 1\n"
/** Bytes of plain bundle in each encrypted chunk (the last may hold fewer). */
#define SANSHE_BUNDLE_CHUNK (64 * 1024)

/**
 * Seal the plain bundle read from `in` into `out`, signed by `sender`
 * (unlocked) and readable by each of the `count` Ed25519 public keys
 * `recipients` (1 to SANSHE_BUNDLE_RECIPIENTS_MAX; the sender is not added
 * unless listed).
 *
 * @return 0, SANSHE_EINVALID (a locked sender, no recipient or too many,
 *         a recipient key with no X25519 form), SANSHE_EIO or SANSHE_ENOMEM
 */
int sanshe_bundle_seal_stream(FILE *in, FILE *out, const sanshe_key *sender,
			      const unsigned char (*recipients)[SANSHE_KEY_PUBLIC_BYTES],
			      size_t count);

/**
 * Open the sealed bundle read from `in` with `me` (unlocked), writing the
 * plain bundle to `out` as it is decrypted.  Whatever was written must be
 * discarded unless 0 is returned: authenticity is known only at the end
 * (sanshe_bundle_open does that).
 *
 * @param sender  receives the sender's Ed25519 public key (who signed;
 *                whether to trust it is the caller's decision); zeroed on
 *                failure
 * @return 0; SANSHE_EPARSE "not a sanshe bundle", or truncated ("cut
 *         short"); SANSHE_ENOTFOUND "this bundle is for other recipients:
 *         …"; SANSHE_EBADSIG when tampered with (a signature or an
 *         authentication tag that does not verify); SANSHE_EINVALID (a
 *         locked key), SANSHE_EIO
 */
int sanshe_bundle_open_stream(FILE *in, FILE *out, const sanshe_key *me,
			      unsigned char sender[SANSHE_KEY_PUBLIC_BYTES])
	__attribute__((warn_unused_result));

/** sanshe_bundle_seal_stream from the file `plain` to the file `sealed`
 * (written to a temporary file, renamed when complete). */
int sanshe_bundle_seal(const char *plain, const char *sealed, const sanshe_key *sender,
		       const unsigned char (*recipients)[SANSHE_KEY_PUBLIC_BYTES],
		       size_t count);

/**
 * sanshe_bundle_open_stream from the file `sealed` to the file `plain`,
 * which appears only when the bundle opened (a temporary file renamed);
 * on failure nothing is written.  The messages name `sealed`.
 */
int sanshe_bundle_open(const char *sealed, const char *plain, const sanshe_key *me,
		       unsigned char sender[SANSHE_KEY_PUBLIC_BYTES])
	__attribute__((warn_unused_result));

#endif

/*
 * SSH signatures (OpenSSH's SSHSIG format, PROTOCOL.sshsig), made and
 * checked with libsodium, so that `git verify-commit` with gpg.format=ssh
 * accepts the commits sanshe signs and sanshe can check commits signed by
 * git and ssh-keygen without running either.
 *
 * Only ssh-ed25519 keys are made and accepted.  A signature is made over
 *   "SSHSIG" string(namespace) string(reserved="") string(hash_alg)
 *   string(H(message))
 * and travels as a blob
 *   "SSHSIG" uint32(1) string(public key) string(namespace)
 *   string(reserved) string(hash_alg) string(signature)
 * (string = big-endian uint32 length + bytes), armored as base64 between
 * "-----BEGIN SSH SIGNATURE-----" and "-----END SSH SIGNATURE-----".
 * Signing uses sha512 and wraps the base64 at 70 columns, exactly as
 * `ssh-keygen -Y sign` does: the bytes are identical (Ed25519 is
 * deterministic), less ssh-keygen's final newline, as git stores them.
 *
 * Checking an armored signature reads hostile input and is strict; what it
 * accepts is documented at sanshe_sshsig_verify.  It says who signed, never
 * whether that signer may: the caller compares the key with its own list.
 *
 * A namespace (`git` for commits) is 1 to SANSHE_SSHSIG_NAMESPACE_MAX
 * printable ASCII characters without spaces.
 */
#ifndef SANSHE_SSHSIG_H
#define SANSHE_SSHSIG_H

#include <stddef.h>

#include "buf.h"
#include "key.h"

/** Longest namespace signed or expected, in bytes. */
#define SANSHE_SSHSIG_NAMESPACE_MAX 64
/** Longest armored signature read, in bytes (an ed25519 one is ~300). */
#define SANSHE_SSHSIG_ARMOR_MAX 4096

/**
 * Sign `len` bytes of `msg` in `namespace` with `key`, which must be
 * unlocked, and append the armored signature to `armor`: the header line,
 * base64 lines of 70 characters and the footer, with no newline after it.
 *
 * @return 0; SANSHE_EINVALID (a locked key or a bad namespace) or
 *         SANSHE_ENOMEM, and then `armor` is as it was
 */
int sanshe_sshsig_sign(sanshe_buf *armor, const sanshe_key *key,
		       const char *namespace, const void *msg, size_t len);

/**
 * Check that `armor` (`armor_len` bytes, need not be NUL-terminated) is an
 * SSH signature of `len` bytes of `msg` in `namespace`, and say who made it.
 *
 * Accepted: the header line, one or more non-empty lines of base64 (of any
 * width: ssh-keygen wraps at 70, PROTOCOL.sshsig suggests 76), the footer
 * line, and at most one newline after it (ssh-keygen writes one, git's
 * commit headers drop it).  Lines end in "\n" only: ssh-keygen refuses
 * CRLF armor, and so does sanshe.  The blob is version 1, an ssh-ed25519
 * key of 32 bytes, `namespace` exactly, an empty reserved field, hash
 * sha512 or sha256 (both allowed by the protocol), an ssh-ed25519
 * signature of 64 bytes and nothing after it.
 *
 * The reserved field is refused when not empty, although PROTOCOL.sshsig
 * asks verifiers to ignore it: ssh-keygen signs and checks an empty one
 * whatever the blob holds, so accepting another value would let anyone
 * change the signature's bytes (and so a commit's id) without breaking it.
 *
 * @param signer_pk  receives the signer's public key; zeroed on failure
 * @return 0; SANSHE_EBADSIG with a message naming what is wrong ("not an
 *         SSH signature: …", "signature namespace is 'file', expected
 *         'git'", "signature does not match the signed data", …);
 *         SANSHE_EINVALID for a bad `namespace`; SANSHE_ENOMEM
 */
int sanshe_sshsig_verify(const char *armor, size_t armor_len,
			 const char *namespace, const void *msg, size_t len,
			 unsigned char signer_pk[SANSHE_KEY_PUBLIC_BYTES])
	__attribute__((warn_unused_result));

/**
 * Append one line of an ssh-keygen allowed-signers file (git's
 * gpg.ssh.allowedSignersFile) for git commits, newline included:
 *   PRINCIPAL namespaces="git"[,valid-after="T"][,valid-before="T"] ssh-ed25519 AAAA…
 *
 * `principal` is one identity (an e-mail address, a name; UTF-8): not
 * empty, at most 256 bytes, without spaces, control characters, quotes,
 * commas, backslashes, or the pattern characters `*`, `?` and `!`, and not
 * starting with `#` (ssh-keygen would read a pattern, several principals,
 * or a comment).  `valid_after` and `valid_before` are NULL (no bound) or
 * UTC times as ssh-keygen reads them: "YYYYMMDDZ", "YYYYMMDDHHMMZ" or
 * "YYYYMMDDHHMMSSZ".  The final Z is required: without it ssh-keygen uses
 * the time zone of the machine that verifies.  git judges them against the
 * committer date, both bounds included.
 *
 * @return 0; SANSHE_EINVALID (a bad principal or time, or valid_after
 *         later than valid_before) or SANSHE_ENOMEM, and then `out` is as
 *         it was
 */
int sanshe_sshsig_allowed_signer(sanshe_buf *out, const char *principal,
				 const unsigned char pk[SANSHE_KEY_PUBLIC_BYTES],
				 const char *valid_after,
				 const char *valid_before);

#endif

/*
 * The federation's trust roster over time (DESIGN §6): which keys may write
 * which document types into which spaces, when.
 *
 * Roles decide what a member may write (the table is sanshe_roles_may_write
 * and the README's):
 *
 *   admin             org, member (the roster, space trust)
 *   social-worker     case, case-note in its own organization's space
 *   community-worker  case, case-note in its own organization's space; roster
 *   supervisor        project (stages, evaluations); case, case-note in its
 *                     own organization's space (supervision notes, closures)
 *   coordinator       roster
 *   finance           ledger-entry
 *   auditor           nothing: reads and verifies
 *
 * The roster is read from the whole history of the trust space: every
 * version of every member document, each in force from the time its admin
 * signed it (the first from the member's `valid_from`) until the next
 * version.  A signature at time T by key K is judged by the version of K's
 * member in force at T: its key, roles, organization and `valid_from`.  A
 * revocation is judged by the member's newest version: signatures at or
 * after `revoked.at` are refused, earlier ones stay valid.  Times are the
 * signer's own claims (a document's `_sig.at`, a commit's committer time).
 *
 * Every version of the roster must itself be signed by a key that was an
 * admin at its time; the versions of the trust space's first commit (the
 * founding) are taken as given, and an admin's own founding member
 * document vouches for itself.  A version that fails is not part of the
 * roster (sanshe_trust_problems lists it for verify).
 */
#ifndef SANSHE_TRUST_H
#define SANSHE_TRUST_H

#include <cjson/cJSON.h>
#include <git2.h>

#include "doc.h"
#include "key.h"
#include "registry.h"
#include "store.h"

/* ---- roles ---- */

enum {
	SANSHE_ROLE_SOCIAL_WORKER = 1u << 0,
	SANSHE_ROLE_COMMUNITY_WORKER = 1u << 1,
	SANSHE_ROLE_COORDINATOR = 1u << 2,
	SANSHE_ROLE_FINANCE = 1u << 3,
	SANSHE_ROLE_SUPERVISOR = 1u << 4,
	SANSHE_ROLE_AUDITOR = 1u << 5,
	SANSHE_ROLE_ADMIN = 1u << 6,
};

/** The roles, in the order of the table above' bits, NULL-terminated. */
extern const char *const sanshe_role_names[];

/** The role called `name` (one bit), or 0 when there is none. */
unsigned sanshe_role_parse(const char *name);

/** The roles an array of role names names (unknown names, and not an array: none). */
unsigned sanshe_roles_list(const cJSON *names);

/** The roles a member document's `roles` array names. */
unsigned sanshe_roles_of(const cJSON *member);

/**
 * Write the roles as "social-worker, finance" into `out` (`size` bytes);
 * "no role" when there is none.  Returns `out`.
 */
const char *sanshe_roles_text(unsigned roles, char *out, size_t size);

/**
 * May a member with `roles`, of organization `org`, write a document of
 * `type` into `space` ("trust", "common" or "org/<id>")?  0, or
 * SANSHE_EINVALID with a plain reason naming `who` ("Li Na (social-worker)
 * may not write ledger-entry documents: that is for finance"; "... may
 * write case documents only in its own organization's space org/tongxin").
 */
int sanshe_roles_may_write(unsigned roles, const char *org, const sanshe_type *type,
			   const char *space, const char *who);

/* ---- the roster ---- */

typedef struct sanshe_trust sanshe_trust;

/** What the roster says of a key at one time (strings borrowed from the roster). */
typedef struct sanshe_trust_signer {
	const char *member;	/* member id */
	const char *name;	/* the member's name */
	const char *org;	/* the member's organization */
	unsigned roles;		/* in force at that time */
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
	int revoked;		/* the member is revoked (at any time) */
	uint64_t revoked_ms;	/* when, if revoked */
	const char *revoked_reason;
} sanshe_trust_signer;

/**
 * Read the roster from the history of the trust space up to `head` (NULL:
 * the space's head).  Release with sanshe_trust_free.
 */
int sanshe_trust_load(sanshe_trust **out, sanshe_store *store, const git_oid *head);

/** Release the roster.  NULL is fine. */
void sanshe_trust_free(sanshe_trust *trust);

/**
 * The founding commit of the federation as `store` knows it: the root of
 * the first-parent line of its trust space (from `head`, NULL: the space's
 * head).  Two nodes of one federation have the same.
 */
int sanshe_trust_founding(sanshe_store *store, const git_oid *head, git_oid *root);

/**
 * Who signed with `pk` at `at_ms` (ms since the epoch), and may they sign
 * then?  0 with `*out` filled: a member in good standing at that time.
 * Otherwise a clear message and `*out` filled as far as known:
 *   SANSHE_ENOTFOUND  no member of the roster has ever had this key
 *   SANSHE_EINVALID   the key's member could not sign then: before its
 *                     valid_from, at or after its revocation, after the key
 *                     was replaced, or its organization is not in the roster
 */
int sanshe_trust_signer_at(const sanshe_trust *trust, const unsigned char pk[32], uint64_t at_ms,
			   sanshe_trust_signer *out);

/** Like sanshe_trust_signer_at, by the key's fingerprint ("SHA256:…"). */
int sanshe_trust_signer_fp(const sanshe_trust *trust, const char *fingerprint, uint64_t at_ms,
			   sanshe_trust_signer *out);

/**
 * A sanshe_doc_key_lookup over every key the roster has ever listed
 * (`payload` is the roster): a document's signature is checked whatever
 * the signer's standing, which is judged apart.
 */
int sanshe_trust_key_lookup(unsigned char pk[32], const char *fingerprint, void *payload);

/** Is the organization `org` in the roster? */
int sanshe_trust_has_org(const sanshe_trust *trust, const char *org);

/**
 * May a member with `roles` of organization `org` receive (read) `space`?
 * trust and common: every member; org/<id>: the organization's own members,
 * members of the organizations its `readers` list, and members holding one
 * of its `reader_roles` (e.g. a bureau's auditor).  1 or 0.
 */
int sanshe_trust_may_read(const sanshe_trust *trust, unsigned roles, const char *org,
			  const char *space);

/** One member as listed (strings borrowed from the roster). */
typedef struct sanshe_trust_member {
	const char *id, *name, *org, *kind;
	unsigned roles;
	const char *key;	  /* OpenSSH line */
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
	const char *valid_from;	  /* UTC text */
	const char *revoked_at;	  /* NULL: not revoked */
	const char *revoked_reason;
	const char *revoked_note; /* may be NULL */
} sanshe_trust_member;

/** Each member's newest version, by name then id; a non-zero return stops. */
int sanshe_trust_members(const sanshe_trust *trust,
			 int (*cb)(const sanshe_trust_member *member, void *payload), void *payload);

/** The newest version of the member `id` in the roster (borrowed), or NULL. */
const cJSON *sanshe_trust_member_doc(const sanshe_trust *trust, const char *id);

/**
 * A version of the roster that is not part of it (badly signed, signed by
 * someone who was not an admin then, not a valid document): `blob` and a
 * message naming the document and the reason.
 */
int sanshe_trust_problems(const sanshe_trust *trust,
			  int (*cb)(const git_oid *blob, const char *type, const char *id,
				    const char *message, void *payload),
			  void *payload);

/* ---- times ---- */

/** ms since the epoch of an RFC 3339 UTC text ("…Z", fractions allowed); -1 if not one. */
int64_t sanshe_utc_ms(const char *text);

#endif

/*
 * A sanshe node: the store (store.h) seen as the federation's records.  A
 * node is founded with its trust roster (an org and its first admin); from
 * then on every change is written by a member of that roster, with the key
 * the roster lists for them, into the space the document's type belongs
 * to, as one commit signed in git's SSH format (SSHSIG, namespace "git"),
 * authored "<member name> <member-id@org-id>" and ending with trailers
 * ("Sanshe-Op: put case/<id>").
 */
#ifndef SANSHE_NODE_H
#define SANSHE_NODE_H

#include <cjson/cJSON.h>

#include "doc.h"
#include "hlc.h"
#include "key.h"
#include "registry.h"
#include "store.h"
#include "trust.h"

/** A member of the roster writing with their unlocked key. */
typedef struct sanshe_member {
	char id[SANSHE_DOC_ID_MAX + 1];
	char org[SANSHE_DOC_ID_MAX + 1];
	char name[256];
	unsigned roles;        /* SANSHE_ROLE_* bits (trust.h), what the member may write */
	const sanshe_key *key; /* borrowed */
} sanshe_member;

/** What a node is founded with. */
typedef struct sanshe_founding {
	const char *org_name;
	const char *org_kind; /* agency, community, street-office, social-org, bureau */
	const char *org_id;   /* NULL: a new UUIDv7 */
	const char *admin_name;
	unsigned roles;       /* the founder's roles beyond admin (SANSHE_ROLE_*), or 0 */
} sanshe_founding;

/** Longest space name: "org/" and an id. */
#define SANSHE_SPACE_MAX (4 + SANSHE_DOC_ID_MAX + 1)

/**
 * Check what a node would be founded with (the org id, the org and member
 * documents against their schemas) before anything is made: 0 or the
 * first problem.
 */
int sanshe_node_founding_check(const sanshe_founding *f);

/**
 * Found a node at `path`: the repository, the spaces trust, common and
 * org/<org-id>, and in trust the org document and the admin's member
 * document (roles: admin and `f->roles`), both signed by `admin_key` at times from
 * `clock`.  The node is made beside `path` and renamed into place once
 * complete, so that `path` holds either nothing new or a whole node.
 * `*member` (when not NULL) receives the founding admin.
 */
int sanshe_node_found(sanshe_store **out, const char *path, const sanshe_founding *f,
		      const sanshe_key *admin_key, sanshe_clock *clock, sanshe_member *member);

/**
 * The member of this node's roster whose key is `key` (the member document
 * whose `key`, and `fingerprint` when present, are that key's), of an
 * organization in the roster, valid now: SANSHE_ENOTFOUND ("key SHA256:…
 * is not a member of this federation") or SANSHE_EINVALID naming why the
 * member cannot write (revoked, not valid yet, unknown organization).
 */
int sanshe_node_member(sanshe_store *store, const sanshe_key *key, sanshe_member *out);

/** Who is who in the roster: member names by key fingerprint. */
typedef struct sanshe_node_names sanshe_node_names;

/**
 * Read the member documents of the trust space (revoked members too: they
 * wrote what they wrote) and note each one's name under the fingerprint of
 * its key.  A member document that cannot be read names no one.  Release
 * with sanshe_node_names_free.
 */
int sanshe_node_names_load(sanshe_node_names **out, sanshe_store *store);

/**
 * The name of the member whose key has `fingerprint` ("SHA256:…"), or
 * NULL when the roster has none (borrowed from `names`).
 */
const char *sanshe_node_names_find(const sanshe_node_names *names, const char *fingerprint);

/** Release the names.  NULL is fine. */
void sanshe_node_names_free(sanshe_node_names *names);

/**
 * May `member` write documents of `type` into `space` ("trust", "common"
 * or "org/<id>")?  Their roles decide (sanshe_roles_may_write): an admin
 * writes the roster, a social worker cases and notes in its own
 * organization's space, and so on.  0 or SANSHE_EINVALID with the reason,
 * naming the member.
 */
int sanshe_node_may_write(const sanshe_member *member, const sanshe_type *type,
			  const char *space);

/** The space a document of `type` written by `member` goes to. */
int sanshe_node_space(const sanshe_type *type, const sanshe_member *member,
		      char out[SANSHE_SPACE_MAX]);

/**
 * Sign the draft `doc` as `member` (sanshe_doc_draft_sign) and write its
 * canonical form into `change`, when the member may write its type into
 * the change's space (sanshe_node_may_write).  `what` receives
 * "<type>/<id>".
 */
int sanshe_node_write(sanshe_change *change, cJSON *doc, const sanshe_doc_draft *draft,
		      const sanshe_member *member, sanshe_clock *clock, sanshe_buf *what);

/**
 * `doc`, a draft, is about to replace its version in the space of
 * `change`: when `doc` has no `_conflicts` and that version has some,
 * they are carried into `doc` (sanshe_conflicts_carry), so that a put
 * never drops the values nobody settled.  Only a version whose text holds
 * "_conflicts" is parsed.  1 when carried, 0 when there was nothing to
 * carry.
 */
int sanshe_node_carry_conflicts(sanshe_change *change, cJSON *doc, sanshe_doc_draft *draft);

/**
 * Commit `change` as `member`: message "<subject>\n\nSanshe-Op: <op>\n",
 * author and committer the member at the current time, signed with their
 * key.  The caller holds the store's lock.
 */
int sanshe_node_commit(sanshe_change *change, const sanshe_member *member,
		       const char *subject, const char *op, git_oid *id);

/**
 * Add `roles` (SANSHE_ROLE_* bits) to the member document `doc` as its
 * "roles" array, in the order of sanshe_role_names.  0 or SANSHE_ENOMEM.
 */
int sanshe_node_add_roles(cJSON *doc, unsigned roles);

/** Longest UTC text sanshe writes, with its NUL: "2026-11-22T08:10:00Z". */
#define SANSHE_UTC_TEXT_MAX 32

/** `seconds` since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into `out`. */
int sanshe_node_utc_text(char out[SANSHE_UTC_TEXT_MAX], int64_t seconds);

/**
 * Seconds since the epoch of a UTC text "YYYY-MM-DDTHH:MM:SS[.fff]Z"
 * (fractions dropped), or -1 when it is not one.
 */
int64_t sanshe_node_utc_seconds(const char *text);

/** The wall clock, in ms since the epoch. */
uint64_t sanshe_node_wall_ms(void);

#endif

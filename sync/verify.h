/*
 * The auditor's verify (DESIGN §2.3, §7): walk the history of a node's
 * spaces and check that every commit and every document version is
 * accounted for by the trust roster and the merge engine.
 *
 * Rules (the name each finding carries):
 *
 *   commit-unsigned        a commit without an SSH signature
 *   commit-signature-bad   a signature that does not match the commit
 *   signer-unknown         signed by a key no member of the roster has had
 *   signer-not-valid       signed by a member who could not sign then:
 *                          before valid_from, at or after a revocation,
 *                          after the key was replaced
 *   not-allowed            a commit that is not a merge changes documents its
 *                          signer's roles do not allow (type, or another
 *                          organization's space); or a document version
 *                          signed by a key not allowed to write its type
 *   document-unsigned      an authored version without `_sig`, or a merge
 *                          version (`_merge`) outside a merge commit
 *   document-signature-bad a `_sig` that does not match the document
 *   document-invalid       not canonical JSON, not parseable, against its
 *                          schema, or in the wrong place (path, type, space)
 *   append-only-changed    an append-only document changed or removed
 *   merge-mismatch         a merge commit whose tree is not what the merge
 *                          engine computes from its parents (or that has
 *                          more than two parents)
 *   history-rewritten      a space's history no longer contains a head this
 *                          node accepted before (refs/sanshe/accepted/<space>)
 *   roster-invalid         a version of a trust document the roster ignores
 *                          (sanshe_trust_problems)
 *   and the rules between documents of rules.h, over each space's head.
 *
 * Each commit is checked once, each document version once per space (by
 * blob id); signatures are verified on a second thread while the history
 * is read.  Findings are reported in history order, per space (trust
 * first, then common, then the organizations' spaces by name).
 */
#ifndef SANSHE_VERIFY_H
#define SANSHE_VERIFY_H

#include <git2.h>

#include "rules.h"
#include "store.h"
#include "trust.h"

#define SANSHE_VERIFY_COMMIT_UNSIGNED "commit-unsigned"
#define SANSHE_VERIFY_COMMIT_BADSIG "commit-signature-bad"
#define SANSHE_VERIFY_SIGNER_UNKNOWN "signer-unknown"
#define SANSHE_VERIFY_SIGNER_NOT_VALID "signer-not-valid"
#define SANSHE_VERIFY_NOT_ALLOWED "not-allowed"
#define SANSHE_VERIFY_DOC_UNSIGNED "document-unsigned"
#define SANSHE_VERIFY_DOC_BADSIG "document-signature-bad"
#define SANSHE_VERIFY_DOC_INVALID "document-invalid"
#define SANSHE_VERIFY_APPEND_ONLY "append-only-changed"
#define SANSHE_VERIFY_MERGE_MISMATCH "merge-mismatch"
#define SANSHE_VERIFY_REWRITTEN "history-rewritten"
#define SANSHE_VERIFY_ROSTER_INVALID "roster-invalid"

/** One finding; every string is borrowed for the callback, NULL when not known. */
typedef struct sanshe_verify_finding {
	const char *rule;
	const char *space;
	const char *commit;	 /* hex id */
	const char *type, *id;	 /* the document */
	const char *signer;	 /* key fingerprint */
	const char *signer_name; /* the member's name in the roster */
	const char *at;		 /* the signer's claimed time (RFC 3339 / HLC text) */
	const char *message;	 /* for a person */
} sanshe_verify_finding;

typedef int (*sanshe_verify_finding_cb)(const sanshe_verify_finding *f, void *payload);

typedef struct sanshe_verify_options {
	const char *space; /* NULL: every space */
	const char *since; /* a revision: its history is taken as verified */
	/*
	 * Incoming history (for merge and sync): walk `tip` instead of the
	 * head of `space` (which must be given), leaving out what `known`
	 * (may be NULL) already has; no history-rewritten check, and the
	 * rules between documents are left out (they never block a merge).
	 */
	const git_oid *tip;
	const git_oid *known;
	unsigned threads;  /* signature threads; 0: one per core, at most 4 */
	sanshe_verify_finding_cb finding;
	int (*project)(const sanshe_rules_project *p, void *payload); /* may be NULL */
	void *payload;
} sanshe_verify_options;

typedef struct sanshe_verify_summary {
	size_t spaces;
	size_t commits;	   /* commits checked */
	size_t merges;	   /* of which merge commits recomputed */
	size_t versions;   /* document versions checked */
	size_t signatures; /* signatures verified (commits and documents) */
	size_t findings;
} sanshe_verify_summary;

/**
 * Verify the history of `store` as `opt` says, calling `opt->finding` for
 * each finding and `opt->project` for each project at the end.  0 when the
 * walk completed (findings or not: see `summary->findings`); an error when
 * something could not be read at all, or what a callback returned.
 */
int sanshe_verify(sanshe_store *store, const sanshe_verify_options *opt,
		  sanshe_verify_summary *summary);

/**
 * sanshe_verify of just the history `tip` of `space` brings beyond `known`
 * (may be NULL: all of it), each finding told to `cb` — what sync, merge
 * and the quarantine check of incoming history.
 */
int sanshe_verify_history(sanshe_store *store, const char *space, const git_oid *tip,
			  const git_oid *known, sanshe_verify_finding_cb cb, void *payload);

#endif

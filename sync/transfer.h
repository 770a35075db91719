/*
 * Moving history between two nodes that talk (DESIGN §8): deciding which
 * commits both already have, a pack of what the other lacks built with
 * libgit2's packbuilder and handed out in pieces, and a pack received piece
 * by piece through libgit2's indexer (every object checked as it comes).
 * No ref moves here: the caller verifies the history, then merges.
 *
 * Negotiation.  The side that asks samples the first-parent line of each
 * of its heads: the head, then 1, 2, 4, 8 … commits back.  The other side
 * answers which samples it has.  Between the newest sample it has and the
 * one before it, the asker samples again, evenly, until the gap is small.
 * Having a commit means having its whole history (a node stores only whole
 * histories), so the newest commit found on each line bounds what need not
 * travel: the pack holds at most a few commits the other side had, also
 * when the two nodes share history only through a third.
 */
#ifndef SANSHE_TRANSFER_H
#define SANSHE_TRANSFER_H

#include <git2.h>
#include <stddef.h>
#include <stdint.h>

/** Most commit ids one round of negotiation may carry. */
#define SANSHE_TRANSFER_HAVES_MAX 1024
/** Most rounds of negotiation. */
#define SANSHE_TRANSFER_ROUNDS_MAX 8
/** Largest piece of pack handed to the write callback. */
#define SANSHE_TRANSFER_PIECE (256 * 1024)

/* ---- negotiation (the asking side) ---- */

typedef struct sanshe_negotiation sanshe_negotiation;

/** Start a negotiation over `repo`'s history.  Free with sanshe_negotiation_free. */
int sanshe_negotiation_new(sanshe_negotiation **out, git_repository *repo);

void sanshe_negotiation_free(sanshe_negotiation *n);

/** A head of ours whose first-parent line is to be sampled. */
int sanshe_negotiation_line(sanshe_negotiation *n, const git_oid *head);

/** A commit both sides are known to have already (e.g. their head, when it is here). */
int sanshe_negotiation_known(sanshe_negotiation *n, const git_oid *commit);

/**
 * The commits to ask about in the next round (borrowed until the next
 * call), at most SANSHE_TRANSFER_HAVES_MAX; `*count` 0 when the
 * negotiation is over, and the commits both have are then settled.
 */
int sanshe_negotiation_next(sanshe_negotiation *n, const git_oid **haves, size_t *count);

/**
 * The other side's answer to the round just asked: `has[i]` non-zero when
 * it has the i-th commit asked about.  SANSHE_EPARSE when `count` is not
 * the number asked.
 */
int sanshe_negotiation_answer(sanshe_negotiation *n, const unsigned char *has, size_t count);

/** The commits both sides have, once sanshe_negotiation_next said the
 * negotiation is over: the known ones and what the answers found (borrowed). */
const git_oid *sanshe_negotiation_common(const sanshe_negotiation *n, size_t *count);

/**
 * The answering side: does `repo` have the commit `id`?  (Only commits
 * count: another kind of object is answered no.)
 */
int sanshe_transfer_has_commit(git_repository *repo, const git_oid *id);

/* ---- sending ---- */

/** Called with each piece of the pack, in order; non-zero stops. */
typedef int (*sanshe_transfer_write_cb)(const void *data, size_t len, void *payload);

/**
 * Build a pack of everything the commits `tips` reach that the commits
 * `common` (which must be here) do not, and hand it to `write` in pieces of
 * at most SANSHE_TRANSFER_PIECE bytes.  When there is nothing to send
 * nothing is written and `*objects` is 0.
 */
int sanshe_transfer_send(git_repository *repo, const git_oid *tips, size_t tips_count,
			 const git_oid *common, size_t common_count,
			 sanshe_transfer_write_cb write, void *payload, size_t *objects);

/* ---- receiving ---- */

typedef struct sanshe_transfer_in sanshe_transfer_in;

/**
 * Start receiving a pack into `repo`'s objects: written aside
 * (objects/pack/incoming-XXXXXX, removed whatever happens), and moved in
 * only when whole and when every object it names is in it or in `repo`.
 * With `thin`, the pack may also take delta bases from `repo` (git's
 * bundles); a peer's pack may not.
 */
int sanshe_transfer_in_open(sanshe_transfer_in **out, git_repository *repo, int thin);

/** sanshe_transfer_in_open, not thin. */
int sanshe_transfer_in_new(sanshe_transfer_in **out, git_repository *repo);

/** The next piece of the pack.  SANSHE_EPARSE when the pack is damaged. */
int sanshe_transfer_in_add(sanshe_transfer_in *in, const void *data, size_t len);

/**
 * The pack is whole: check it and store it (the objects are then readable
 * through `repo`).  SANSHE_EPARSE when it is damaged, cut short, or names
 * objects that are neither in it nor in `repo` ("the pack is missing N
 * object(s) it needs").
 */
int sanshe_transfer_in_finish(sanshe_transfer_in *in);

/** Objects received so far, and how many the pack announced (0 before its header). */
void sanshe_transfer_in_progress(const sanshe_transfer_in *in, uint64_t *objects,
				 uint64_t *total);

/** Release (a pack not finished is thrown away).  NULL is fine. */
void sanshe_transfer_in_free(sanshe_transfer_in *in);

#endif

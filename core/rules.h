/*
 * Rules between documents (DESIGN §7): what no schema can say, because it
 * needs arithmetic over many records or another document.  They never
 * block a merge or a write; `sanshe status` and `sanshe verify` report them
 * as findings, for people to settle.
 *
 *   budget-exceeded                  a project's category has spent more
 *                                    than its budget: the expenses of the
 *                                    ledger minus those a reversal cancels,
 *                                    against the project's `budget`
 *   tranche-before-final-evaluation  a tranche whose condition is
 *                                    after-final-evaluation was paid (a
 *                                    ledger disbursement, or the tranche's
 *                                    own `paid` date when no disbursement
 *                                    pays it) before a passed final
 *                                    evaluation: none passed on or before
 *                                    the day the money arrived
 *   case-closed-open-referrals       a closed case with a referral that is
 *                                    neither completed nor declined
 *   reversal-target-missing          a reversal names an entry that does
 *                                    not exist
 *   ledger-project-missing           ledger entries name a project that does
 *                                    not exist (one finding per project)
 *
 * A reversal cancels the entry it names once, however many reversals name
 * it: a cancelled expense is not spent, a cancelled disbursement not paid.
 * A reversal naming another reversal cancels nothing (the schema's way to
 * undo a wrong reversal is a new entry).  The project's budget is its
 * `budget` object; ledger entries of kind budget do not change it.
 *
 * The rules read documents one at a time, as cJSON trees, in any order and
 * from any source (the heads of a node, or the tree of a commit for
 * verify), and keep no document: per project a few figures, and per ledger
 * entry 32 bytes (a 128-bit BLAKE2b digest of its id, its amount, project,
 * kind and category), so that reversals can find what they name whatever
 * the order.  Each document must be given at most once.  Documents that
 * break their schema are read as far as they make sense and otherwise
 * ignored: the schema check reports them.
 */
#ifndef SANSHE_RULES_H
#define SANSHE_RULES_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define SANSHE_RULE_BUDGET_EXCEEDED "budget-exceeded"
#define SANSHE_RULE_TRANCHE_EARLY "tranche-before-final-evaluation"
#define SANSHE_RULE_CASE_REFERRALS "case-closed-open-referrals"
#define SANSHE_RULE_REVERSAL_MISSING "reversal-target-missing"
#define SANSHE_RULE_PROJECT_MISSING "ledger-project-missing"

typedef struct sanshe_rules sanshe_rules;

/** One finding; every string is borrowed for the callback. */
typedef struct sanshe_finding {
	const char *rule;    /* one of the SANSHE_RULE_* ids */
	const char *space;   /* where the document lives */
	const char *type;    /* the document the finding is about */
	const char *id;
	const char *message; /* for a person, with the figures (translated) */
} sanshe_finding;

/** The document types the rules read, NULL-terminated; others are ignored. */
extern const char *const sanshe_rules_types[];

/** Do the rules read documents of `type`? (Callers skip the others unread.) */
int sanshe_rules_reads(const char *type);

/** Start an evaluation.  Release with sanshe_rules_free. */
int sanshe_rules_new(sanshe_rules **out);

/**
 * Read the document `doc` of `space` (borrowed; nothing of it is kept
 * after the call but the figures the rules need).  Documents of types the
 * rules do not read are ignored.  0, or SANSHE_ENOMEM; SANSHE_EINVALID
 * after sanshe_rules_finish.
 */
int sanshe_rules_add(sanshe_rules *rules, const char *space, const cJSON *doc);

/** Called once per finding; a non-zero return stops sanshe_rules_finish. */
typedef int (*sanshe_finding_cb)(const sanshe_finding *finding, void *payload);

/**
 * Evaluate the rules over every document added and call `cb` for each
 * finding, sorted by space, type, id, rule and message, so that the same
 * documents give the same findings in the same order whatever order they
 * came in.  Returns 0, SANSHE_ENOMEM, or what `cb` returned.  Once only:
 * the rules can then only be freed.
 */
int sanshe_rules_finish(sanshe_rules *rules, sanshe_finding_cb cb, void *payload);

/** The budget categories, in the project schema's order. */
#define SANSHE_RULES_CATEGORIES 5
extern const char *const sanshe_rules_categories[SANSHE_RULES_CATEGORIES];

/** The longest amount sanshe_rules_yuan writes, with its NUL. */
#define SANSHE_RULES_YUAN_SIZE 32

/**
 * `fen` as yuan with two decimals and the thousands separated by commas
 * ("12,345.67"), as every message of the rules writes amounts.
 */
void sanshe_rules_yuan(char out[SANSHE_RULES_YUAN_SIZE], uint64_t fen);

/** A project's figures once the rules are finished (fen; strings borrowed). */
typedef struct sanshe_rules_project {
	const char *space; /* of the project document, NULL when none was added */
	const char *id;
	const char *title; /* NULL when unknown */
	uint64_t budget[SANSHE_RULES_CATEGORIES];
	uint64_t spent[SANSHE_RULES_CATEGORIES]; /* expenses less what reversals cancel */
	uint64_t disbursed;                      /* disbursements not cancelled */
	size_t entries;                          /* ledger entries naming it */
} sanshe_rules_project;

/**
 * After sanshe_rules_finish: call `cb` for each project (a project document
 * or a project named by ledger entries), sorted by id.  A non-zero return
 * stops and is returned; SANSHE_EINVALID before sanshe_rules_finish,
 * SANSHE_ENOMEM when there is no room to sort.
 */
int sanshe_rules_projects(const sanshe_rules *rules,
			  int (*cb)(const sanshe_rules_project *project, void *payload),
			  void *payload);

/** Release everything.  NULL is fine. */
void sanshe_rules_free(sanshe_rules *rules);

#endif

/*
 * Inside the rules module: the evaluation's state, shared by rules.c (the
 * interface, findings, case files) and rules_ledger.c (projects and their
 * ledgers).
 */
#ifndef SANSHE_RULES_INT_H
#define SANSHE_RULES_INT_H

#include <sodium.h>

#include "rules.h"

/** Bytes of the digest that stands for a ledger entry's id. */
#define RULES_DIGEST_BYTES 16
/** "YYYY-MM-DD" and its NUL. */
#define RULES_DATE_SIZE 11
/** A project slot that is none. */
#define RULES_NO_PROJECT UINT32_MAX

/** The budget categories (sanshe_rules_categories), and an index that is none. */
enum { RULES_CATEGORIES = SANSHE_RULES_CATEGORIES, RULES_NO_CATEGORY = RULES_CATEGORIES };

typedef enum rules_kind {
	RULES_BUDGET,
	RULES_DISBURSEMENT,
	RULES_EXPENSE,
	RULES_REVERSAL,
	RULES_OTHER_KIND,
} rules_kind;

/* One ledger entry, as little as the rules need of it (32 bytes). */
typedef struct rules_entry {
	unsigned char digest[RULES_DIGEST_BYTES]; /* of its id */
	uint64_t amount;  /* fen; 0 when unusable */
	uint32_t project; /* slot, or RULES_NO_PROJECT */
	uint8_t kind;     /* rules_kind */
	uint8_t category; /* index, or RULES_NO_CATEGORY */
	uint8_t cancelled;
} rules_entry;

/* A ledger entry that names something: where it is, its id, what it names. */
typedef struct rules_ref {
	char *space, *id, *name;
} rules_ref;

/* A reversal: `ref.name` is the entry it cancels. */
typedef struct rules_reversal {
	rules_ref ref;
	unsigned char target_digest[RULES_DIGEST_BYTES];
} rules_reversal;

/* A disbursement: `ref.name` is the tranche it pays. */
typedef struct rules_disbursement {
	rules_ref ref;
	char date[RULES_DATE_SIZE]; /* "" when unusable */
	unsigned char digest[RULES_DIGEST_BYTES];
	uint32_t project;
} rules_disbursement;

/* A tranche due only after a passed final evaluation. */
typedef struct rules_tranche {
	char *id;
	char paid[RULES_DATE_SIZE]; /* "" while unpaid */
	bool in_ledger;             /* a disbursement not cancelled pays it */
} rules_tranche;

/* A project named by a project document or by ledger entries. */
typedef struct rules_project {
	char *id;
	char *space; /* of the project document; NULL while none was added */
	char *title; /* of the project document; NULL when it has none */
	uint64_t budget[RULES_CATEGORIES];
	uint64_t spent[RULES_CATEGORIES];
	uint64_t disbursed; /* disbursements not cancelled */
	unsigned budgeted;                    /* bit i: budget[i] is known */
	char passed_final[RULES_DATE_SIZE];   /* earliest, "" when none */
	rules_tranche *late;                  /* sorted by id */
	size_t n_late;
	size_t entries;                       /* ledger entries naming it */
	char *first_entry, *first_space;      /* the smallest of their ids */
} rules_project;

/* A finding kept until the end, to be sorted. */
typedef struct rules_finding {
	const char *rule;
	char *space, *type, *id, *message;
} rules_finding;

struct sanshe_rules {
	rules_project *projects;
	size_t n_projects, cap_projects;
	uint32_t *table; /* slots by hash of id; RULES_NO_PROJECT when empty */
	size_t table_size;
	unsigned char hash_key[crypto_shorthash_KEYBYTES];
	rules_entry *entries;
	size_t n_entries, cap_entries;
	rules_reversal *reversals;
	size_t n_reversals, cap_reversals;
	rules_disbursement *disbursements;
	size_t n_disbursements, cap_disbursements;
	rules_finding *findings;
	size_t n_findings, cap_findings;
	bool finished;
};

/** Record "out of memory"; returns SANSHE_ENOMEM. */
int sanshe_rules__no_memory(void);

/** A copy of `s`, or NULL having set SANSHE_ENOMEM. */
char *sanshe_rules__strdup(const char *s);

/**
 * Keep a finding about `type`/`id` of `space`: the message is formatted
 * (printf-style, already translated).  0 or SANSHE_ENOMEM.
 */
int sanshe_rules__report(sanshe_rules *rules, const char *rule, const char *space,
			 const char *type, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/** The member `name` of `obj` when it is a string, else NULL. */
const char *sanshe_rules__string(const cJSON *obj, const char *name);

/** Copy the member `name` of `obj` into `out` when it looks like a date, else "". */
void sanshe_rules__date(char out[RULES_DATE_SIZE], const cJSON *obj, const char *name);

/* rules_ledger.c */
int sanshe_rules__add_project(sanshe_rules *rules, const char *space, const cJSON *doc);
int sanshe_rules__add_entry(sanshe_rules *rules, const char *space, const cJSON *doc);
/** Settle the reversals, add up the ledgers and report what breaks a rule. */
int sanshe_rules__check_ledgers(sanshe_rules *rules);
void sanshe_rules__free_ledgers(sanshe_rules *rules);

#endif

/*
 * Property tests: seeded scenarios, random edits of documents, and what
 * the edits wrote, for the tests of the merge (test_merge_prop.c, one
 * document; test_merge_replicas.c, whole repositories).
 *
 * A run draws its scenarios from SANSHE_PROP_SEED; SANSHE_PROP_RUNS says
 * how many; SANSHE_PROP_SCENARIO=n runs scenario n alone.  Each scenario
 * has its own generator, seeded from the seed and its number, so that
 * any one of them can be replayed by itself.  A failed check prints the
 * seed, the scenario, what was being checked and the line that replays
 * it, then fails the test.  Properties the engine is known to break are
 * counted instead, unless SANSHE_PROP_STRICT=1 (see prop_known).
 *
 * What an edit wrote is a list of writes: a value at a path, a new object
 * or keyed array (a shape), or a removal.  Paths go the way the merge
 * goes: into objects member by member, into keyed arrays (objects with
 * distinct string ids) element by element, named by id; anything else is
 * one value.  Symbols are prop_: this file is linked into every unit test.
 */
#ifndef SANSHE_TEST_PROP_H
#define SANSHE_TEST_PROP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- runs and failures ---- */

typedef struct prop_run {
	uint64_t seed;
	unsigned long runs;
	long only;	      /* SANSHE_PROP_SCENARIO, or -1 */
	unsigned long number; /* the scenario at hand */
	char doing[200];      /* what is being checked, for failure reports */
	void (*dump)(void);   /* prints the scenario at hand, or NULL */
	bool strict;	      /* SANSHE_PROP_STRICT: known gaps fail too */
	unsigned long known;  /* scenarios that ran into a known gap */
	long known_last;      /* the last of them */
} prop_run;

extern prop_run prop;

/** Read the environment: `runs` scenarios unless SANSHE_PROP_RUNS says otherwise. */
void prop_init(unsigned long runs);

/** Run `scenario` on every scenario number of the run (or the one asked for). */
void prop_each(void (*scenario)(unsigned long number));

/** Say what is being checked now (printf format). */
void prop_doing(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Fail the test: the message, the scenario and how to replay it. */
void prop_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * A property the engine is known to break today (each test's header says
 * which, and why): with SANSHE_PROP_STRICT=1 a failure like prop_fail;
 * otherwise the scenario is counted, the first few are shown with the
 * line that replays them, and the test goes on.
 */
void prop_known(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** "# N scenarios ran into known gaps ..." when there were some. */
void prop_known_report(void);

#define PROP_KNOWN(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			prop_known(__FILE__, __LINE__, __VA_ARGS__);                               \
	} while (0)

#define PROP_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			prop_fail(__FILE__, __LINE__, __VA_ARGS__);                                \
	} while (0)

/* ---- the generator: splitmix64 ---- */

typedef struct prop_rng {
	uint64_t state;
} prop_rng;

/** The generator of scenario `number` of the run. */
prop_rng prop_rng_for(unsigned long number);

uint64_t prop_next(prop_rng *r);

/** A number below `n` (n > 0). */
unsigned prop_below(prop_rng *r, unsigned n);

/** True `percent` times in a hundred. */
bool prop_chance(prop_rng *r, unsigned percent);

/* ---- JSON ---- */

/** `v`, failing the test when it is NULL (out of memory). */
cJSON *prop_must(cJSON *v);

/** The example document of `type` (schemas/examples), parsed; the caller frees it. */
cJSON *prop_example(const char *type);

/** The canonical text of `v` (RFC 8785); the caller frees it. */
char *prop_canon(const cJSON *v);

/** The element of the array `arr` whose id is `id`. */
const cJSON *prop_find_id(const cJSON *arr, const char *id);

/** Is `v` a keyed array: objects with distinct string ids (an empty array is one)? */
bool prop_keyed(const cJSON *v);

/** `_sig`, `_merge` or `_conflicts`. */
bool prop_reserved(const char *name);

/** The member `name` of `obj` (NULL when there is none, or `obj` is no object). */
const cJSON *prop_get(const cJSON *obj, const char *name);

/** The same record: equal but for `_sig` and `_merge` (two NULLs are too). */
bool prop_same_record(const cJSON *a, const cJSON *b);

/**
 * One random edit of `doc` (never of its type, id or reserved members, nor
 * of an element's id): a member set, removed or added, an element added to
 * a keyed array (a sibling's copy when there is one, ids from a small pool
 * so that replicas add the same one) or removed.
 */
void prop_edit(prop_rng *r, cJSON *doc);

/* ---- writes ---- */

#define PROP_PATH_MAX 24

/** A step of a path: a member, or the element of a keyed array with this id. */
typedef struct prop_step {
	const char *name; /* borrowed from the version written */
	bool id;
} prop_step;

typedef enum prop_write_kind {
	PROP_VALUE,   /* this value */
	PROP_SHAPE,   /* an object or a keyed array, where there was none */
	PROP_REMOVED, /* nothing */
} prop_write_kind;

typedef struct prop_write {
	prop_write_kind kind;
	const cJSON *value; /* PROP_VALUE and PROP_SHAPE: borrowed from the version written */
	int by;		    /* the caller's number of the edit (a replica, an event) */
	size_t depth;
	prop_step path[PROP_PATH_MAX];
} prop_write;

typedef struct prop_writes {
	prop_write *w;
	size_t n, cap;
} prop_writes;

/**
 * Add what `after` writes over `before` (either may be NULL: a new or a
 * removed document) to `out`, each write marked `by`.  The top's reserved
 * members are not the record's: left out.  `after` must outlive `out`.
 */
void prop_diff(prop_writes *out, int by, const cJSON *before, const cJSON *after);

void prop_writes_free(prop_writes *ws);

/** What `path` of `depth` steps leads to in `v` (NULL: nothing). */
const cJSON *prop_resolve(const cJSON *v, const prop_step *path, size_t depth);

/** Does `v` (what is at the write's path; NULL: nothing) hold the write? */
bool prop_write_matches(const prop_write *w, const cJSON *v);

/**
 * Is the write in `doc` (NULL: none): at its path, or in a `_conflicts`
 * entry at its path or at a parent's whose recorded value holds it?
 */
bool prop_write_kept(const prop_write *w, const cJSON *doc);

/**
 * Check `doc`, a merge of the writers in `mask` (bit `by`): each of their
 * writes is kept (prop_write_kept); when no two of them wrote incompatibly
 * (prop_compatible), it has no conflicts and every write is at its path.
 */
void prop_check_merged(const prop_writes *ws, const cJSON *doc, unsigned mask);

/** An edit beats a removal: what writer `gone` removed and writer `kept` changed stays. */
void prop_check_edit_wins(const prop_writes *ws, const cJSON *doc, int gone, int kept);

/** "/client/phone/[rf-01]/status": the write's path for messages (static buffer). */
const char *prop_path_text(const prop_write *w);

/**
 * Do two writes apply together without a conflict: on unrelated paths, the
 * same write twice, or a new container and what is inside it?
 */
bool prop_compatible(const prop_write *v, const prop_write *w);

/** Is `outer`'s path `inner`'s or one of its parents'? */
bool prop_path_within(const prop_write *outer, const prop_write *inner);

/** The steps the JSON pointer `ptr` takes through `doc`; false when it leads nowhere. */
bool prop_pointer_steps(const cJSON *doc, const char *ptr, prop_step *path, size_t *depth);

#endif

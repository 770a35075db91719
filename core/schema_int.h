/*
 * Internals of the schema module, shared by its files:
 *
 *   schema.c           the public API: compile, free, extension lookup
 *   schema_compile.c   keywords of one schema object into a node
 *   schema_ref.c       $ref resolution and the check for $ref loops
 *   schema_regex.c     `pattern` in PCRE2, translated from ECMA-262 names
 *   schema_format.c    the asserted formats: date, date-time, uuid
 *   schema_validate.c  an instance against the nodes; combinators
 *   schema_check.c     type, enum/const, string and number keywords
 *   schema_object.c    object and array keywords
 *   schema_report.c    violations and their messages
 *
 * A compiled schema is a flat array of nodes, one per subschema, each
 * pointing into the schema's own copy of the JSON tree (member names, enum
 * and const values are borrowed from it).  Once compiled, nothing in it is
 * written again, so several threads may validate with one schema.
 */
#ifndef SANSHE_SCHEMA_INT_H
#define SANSHE_SCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "json.h"
#include "schema.h"

/* Deepest nesting of subschemas, in compiling and in validating. */
#define SCHEMA_MAX_DEPTH 1024

/*
 * Most subschemas one validation applies.  A small schema can make that
 * number grow exponentially ($defs where each level is an allOf of two
 * $refs to the one below); past this limit the validation gives up instead
 * of hanging.  A document of sanshe's own types usually takes a few
 * hundred; a very large one (half a million team ids) reaches it too.
 */
#define SCHEMA_MAX_STEPS 1000000

/*
 * Most violations one validation keeps.  A document of 400k bad items would
 * otherwise give 800k messages (150 MB); past this many they are only
 * counted, and one last line at the root says how many more there were.
 */
#define SCHEMA_MAX_VIOLATIONS 100

/* An unset maximum (maxLength, maxItems, ...). */
#define SCHEMA_UNLIMITED SIZE_MAX

/* The values of `type`; integer is also a number. */
enum schema_type {
	SCHEMA_NULL = 1 << 0,
	SCHEMA_BOOLEAN = 1 << 1,
	SCHEMA_OBJECT = 1 << 2,
	SCHEMA_ARRAY = 1 << 3,
	SCHEMA_NUMBER = 1 << 4,
	SCHEMA_STRING = 1 << 5,
	SCHEMA_INTEGER = 1 << 6,
};

/* The formats that are asserted; any other is an annotation. */
enum schema_format {
	SCHEMA_FORMAT_NONE,
	SCHEMA_FORMAT_DATE,
	SCHEMA_FORMAT_DATE_TIME,
	SCHEMA_FORMAT_UUID,
};

struct schema_node;

struct schema_list {
	struct schema_node **items;
	size_t count;
};

/* A member name and its subschema (properties, dependentSchemas). */
struct schema_member {
	const char *name;
	struct schema_node *node;
};

/** qsort/bsearch order of struct schema_member: by name. */
int schema_member_cmp(const void *a, const void *b);

struct schema_members {
	struct schema_member *items; /* sorted by name */
	size_t count;
};

struct schema_regex {
	pcre2_code *code; /* NULL when the keyword is absent */
	const char *source;
};

struct schema_pattern_member {
	struct schema_regex regex;
	struct schema_node *node;
};

struct schema_patterns {
	struct schema_pattern_member *items;
	size_t count;
};

struct schema_bound {
	bool set;
	double value;
};

struct schema_node {
	size_t number;	     /* its place in sanshe_schema.nodes */
	const cJSON *source; /* in the schema's copy of the tree */
	char *where;	     /* its JSON pointer in the schema */
	int boolean;	     /* 0 or 1 for false / true; -1 for an object */
	unsigned types;	     /* enum schema_type bits; 0 for any */

	struct schema_members properties;
	struct schema_patterns pattern_properties;
	struct schema_node *additional_properties;
	struct schema_node *property_names;
	size_t min_properties, max_properties;
	const cJSON *required;		 /* array of strings */
	const cJSON *dependent_required; /* object of arrays of strings */
	struct schema_members dependent_schemas;

	const cJSON *enum_values; /* array */
	const cJSON *const_value;

	struct schema_regex pattern;
	size_t min_length, max_length;
	enum schema_format format;

	struct schema_bound minimum, maximum;
	struct schema_bound exclusive_minimum, exclusive_maximum;
	double multiple_of; /* 0 when absent */

	struct schema_list prefix_items;
	struct schema_node *items;
	struct schema_node *contains;
	size_t min_contains, max_contains;
	size_t min_items, max_items;
	bool unique_items;

	/* Applied to the same instance. */
	const char *ref_text;
	struct schema_node *ref;
	struct schema_list all_of, any_of, one_of;
	struct schema_node *not_schema;
	struct schema_node *if_schema, *then_schema, *else_schema;
};

struct sanshe_schema {
	char *name;
	cJSON *tree;	     /* the schema's own copy */
	const char *root_id; /* root $id, borrowed from tree; or NULL */
	struct schema_node **nodes;
	size_t count, alloc;
	struct schema_node *root;
	pcre2_match_context *match_context; /* limits on backtracking */
};

/* State of one compilation. */
struct schema_compiler {
	sanshe_schema *schema;
	sanshe_buf where; /* pointer of the schema object being compiled */
	int depth;
};

/* State of one validation. */
struct schema_validation {
	const sanshe_schema *schema;
	sanshe_schema_errors *errors;
	sanshe_buf pointer;	 /* where in the instance */
	pcre2_match_data *match; /* for every regex of the schema */
	int quiet;		 /* >0: inside not/anyOf/oneOf/if/contains */
	int depth;
	const char *prefix; /* put before each message (propertyNames) */
	size_t steps;	    /* subschemas applied so far */
	size_t rest;	    /* violations past SCHEMA_MAX_VIOLATIONS, counted */
};

/* schema.c */

/** A new node for `source`, owned by the schema. NULL when out of memory. */
struct schema_node *schema_node_new(sanshe_schema *schema, const cJSON *source,
				    const char *where);

/**
 * Fail compiling: "schema 'NAME': POINTER: message".  Returns
 * SANSHE_EINVALID.
 */
int schema_compile_fail(const struct schema_compiler *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* schema_compile.c */

/** Compile the schema (object or boolean) `json` found at c->where. */
int schema_compile_node(struct schema_compiler *c, const cJSON *json,
			struct schema_node **out);

/* schema_ref.c */

/** Point every node's `ref` at its target; refuse what does not resolve. */
int schema_resolve_refs(struct schema_compiler *c);

/** Refuse $ref loops that come back to a node without consuming input. */
int schema_check_loops(struct schema_compiler *c);

/* schema_regex.c */

/** Compile `source` for `regex` ("invalid pattern" names `keyword`). */
int schema_regex_compile(struct schema_compiler *c, struct schema_regex *regex,
			 const char *source, const char *keyword);

/** Release the compiled code (the source is borrowed). */
void schema_regex_dispose(struct schema_regex *regex);

/**
 * Does `regex` match somewhere in `subject`?  1 or 0; negative (with
 * *why set to a reason for a person) when PCRE2 gives up: invalid UTF-8
 * or the backtracking limit.
 */
int schema_regex_match(const struct schema_validation *v,
		       const struct schema_regex *regex, const char *subject,
		       const char **why);

/* schema_format.c */

/** The asserted format called `name`, or SCHEMA_FORMAT_NONE. */
enum schema_format schema_format_lookup(const char *name);

/** Is `s` a valid instance of `format`? */
bool schema_format_valid(enum schema_format format, const char *s);

/** The message for a string that is not a valid `format`. */
const char *schema_format_message(enum schema_format format);

/* schema_validate.c */

/** One group of keywords: 0 valid, 1 invalid (reported unless quiet), < 0. */
typedef int (*schema_check_fn)(struct schema_validation *v,
			       const struct schema_node *node,
			       const cJSON *instance);

/**
 * Run `checks` in turn, each to the end unless quiet (then the first
 * failure decides); the worst result.
 */
int schema_run_checks(struct schema_validation *v,
		      const struct schema_node *node, const cJSON *instance,
		      const schema_check_fn *checks, size_t count);

/**
 * Fold the result `rc` of one check into `*acc`.  True when the caller
 * should stop: an error, or a failure while quiet.
 */
bool schema_fold(const struct schema_validation *v, int *acc, int rc);

/** Validate: 0 valid, 1 invalid (reported unless quiet), or < 0. */
int schema_validate_node(struct schema_validation *v,
			 const struct schema_node *node, const cJSON *instance);

/** Same, one step down: under `name` (an object member) or at `index`. */
int schema_validate_member(struct schema_validation *v,
			   const struct schema_node *node,
			   const cJSON *instance, const char *name);
int schema_validate_item(struct schema_validation *v,
			 const struct schema_node *node, const cJSON *instance,
			 size_t index);

/* schema_check.c */

/** Does `instance` have one of the `types` (enum schema_type bits; 0: any)? */
bool schema_types_admit(unsigned types, const cJSON *instance);

int schema_check_type(struct schema_validation *v,
		      const struct schema_node *node, const cJSON *instance);
int schema_check_value(struct schema_validation *v,
		       const struct schema_node *node, const cJSON *instance);
int schema_check_string(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance);
int schema_check_number(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance);

/* schema_object.c */

int schema_check_object(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance);
int schema_check_array(struct schema_validation *v,
		       const struct schema_node *node, const cJSON *instance);

/* schema_report.c */

/**
 * Record a violation at the current pointer (nothing when quiet).  Returns
 * 1 (invalid) or SANSHE_ENOMEM.
 */
int schema_report(struct schema_validation *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Same, at the member `name` of the current object. */
int schema_report_member(struct schema_validation *v, const char *name,
			 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Same, at item `index` of the current array. */
int schema_report_item(struct schema_validation *v, size_t index,
		       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * When violations past SCHEMA_MAX_VIOLATIONS were only counted, add one
 * last at the root: "and N more violations".  0 or SANSHE_ENOMEM.
 */
int schema_report_rest(struct schema_validation *v);

/** Shortest text that reads back as `d` ("0.1", "1e+308"). */
void schema_number_text(char *out, size_t size, double d);

/**
 * Compact JSON of `value` for a message, cut with "…" past `max` bytes;
 * appended to `out`.
 */
int schema_value_text(sanshe_buf *out, const cJSON *value, size_t max);

/** Shorten the instance pointer back to `size` bytes. */
void schema_pointer_truncate(struct schema_validation *v, size_t size);

#endif

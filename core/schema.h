/*
 * JSON Schema (draft 2020-12) validation, for the keywords sanshe's schemas
 * use.  A schema is compiled once; compiling refuses any keyword the
 * validator does not implement (never silently ignored), except annotations
 * (title, description, $comment, default, examples, deprecated, readOnly,
 * writeOnly, $schema, and $id at the root) and sanshe's own extensions
 * beginning with "x-".  docs/schema.md lists what is supported and why the
 * rest is not.
 *
 * Regular expressions (`pattern`, `patternProperties`) are PCRE2 in UTF
 * mode, which agrees with ECMA-262 on the patterns schemas use (classes,
 * quantifiers, anchors, groups); \d and \w are ASCII as in ECMA-262.
 */
#ifndef SANSHE_SCHEMA_H
#define SANSHE_SCHEMA_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct sanshe_schema sanshe_schema;

/** One violation: where in the instance, and why. */
typedef struct sanshe_schema_error {
	char *pointer; /* RFC 6901 pointer into the instance ("" is the root) */
	char *message; /* for a person, e.g. "not a date (YYYY-MM-DD)" */
} sanshe_schema_error;

/** The violations found by one validation. Starts as SANSHE_SCHEMA_ERRORS_INIT. */
typedef struct sanshe_schema_errors {
	sanshe_schema_error *items;
	size_t count;
	size_t alloc;
} sanshe_schema_errors;

#define SANSHE_SCHEMA_ERRORS_INIT { NULL, 0, 0 }

/**
 * Compile `schema` (the tree is copied; the caller keeps its own).
 * `name` names the schema in messages.  SANSHE_EINVALID with a message
 * naming the keyword and its place for an unsupported keyword, a bad value,
 * a regex that does not compile or a $ref that does not resolve.
 */
int sanshe_schema_compile(sanshe_schema **out, const cJSON *schema,
			  const char *name);

/** Release a compiled schema (NULL is fine). */
void sanshe_schema_free(sanshe_schema *schema);

/**
 * Validate `instance`.  Returns 0 when valid; SANSHE_ESCHEMA when not, with
 * the violations appended to `errors` (when not NULL) and the first one as
 * the error message ("<pointer>: <reason>").  At most 100 violations are
 * kept; past that they are counted, and one last entry at the root ("")
 * says "and N more violations".  SANSHE_EINVALID when checking would apply
 * too many subschemas (a schema whose $refs multiply the work, or a very
 * large document; the message names the place in the instance), or when
 * uniqueItems meets an item with no canonical form (a repeated member name,
 * which sanshe's parser refuses); SANSHE_ENOMEM.
 */
int sanshe_schema_validate(const sanshe_schema *schema, const cJSON *instance,
			   sanshe_schema_errors *errors);

/** Release the violations; `errors` is empty again. */
void sanshe_schema_errors_dispose(sanshe_schema_errors *errors);

/**
 * The value of a top-level extension keyword ("x-sanshe-merge", ...) of the
 * compiled schema, borrowed; NULL when absent.
 */
const cJSON *sanshe_schema_extension(const sanshe_schema *schema,
				     const char *keyword);

#endif

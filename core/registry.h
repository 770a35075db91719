/*
 * The document types sanshe knows: one schema per type in schemas/, each
 * compiled into the library.  A type's schema declares how its documents
 * merge ("x-sanshe-merge") and in which space they live ("x-sanshe-space").
 * schemas/envelope.json describes the reserved members (_sig, _merge,
 * _conflicts) every document may carry, and is checked for every type.
 */
#ifndef SANSHE_REGISTRY_H
#define SANSHE_REGISTRY_H

#include <stddef.h>

#include "schema.h"

/** A schema file as embedded by scripts/embed-schemas.sh. */
struct sanshe_embedded_schema {
	const char *name; /* file name without .json */
	size_t len;
	const char *text;
};

extern const struct sanshe_embedded_schema sanshe_embedded_schemas[];
extern const size_t sanshe_embedded_schema_count;

typedef enum sanshe_merge_kind {
	SANSHE_MERGE_FIELDS,
	SANSHE_MERGE_APPEND_ONLY,
	SANSHE_MERGE_SET,
} sanshe_merge_kind;

typedef enum sanshe_space_kind {
	SANSHE_SPACE_TRUST,  /* the federation's roster */
	SANSHE_SPACE_COMMON, /* shared across the federation */
	SANSHE_SPACE_ORG,    /* one organization's private space */
} sanshe_space_kind;

typedef struct sanshe_type {
	const char *name;
	sanshe_merge_kind merge;
	sanshe_space_kind space;
	const sanshe_schema *schema;
} sanshe_type;

/**
 * The registry of built-in types, compiled on first use and kept for the
 * life of the process (thread-safe).  Returns 0 or the compile failure.
 */
int sanshe_registry_init(void);

/** The type called `name`, or NULL (the registry must be initialised). */
const sanshe_type *sanshe_registry_find(const char *name);

/** The i-th type (sorted by name), or NULL past the end. */
const sanshe_type *sanshe_registry_at(size_t i);

/** The envelope schema, checked on every document. */
const sanshe_schema *sanshe_registry_envelope(void);

/** "fields", "append-only" or "set". */
const char *sanshe_merge_kind_name(sanshe_merge_kind kind);

/** "trust", "common" or "org". */
const char *sanshe_space_kind_name(sanshe_space_kind kind);

#endif

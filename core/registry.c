/*
 * The registry of built-in document types, compiled once from the schemas
 * embedded at build time.  A schema that does not compile, or a type schema
 * without a valid x-sanshe-merge / x-sanshe-space, is a build defect: the
 * registry then refuses to start, naming the schema.
 */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "registry.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_error;
static char init_message[1024];
static sanshe_type *types;
static size_t type_count;
static sanshe_schema *envelope;

static const char *const merge_names[] = { "fields", "append-only", "set" };
static const char *const space_names[] = { "trust", "common", "org" };

const char *sanshe_merge_kind_name(sanshe_merge_kind kind)
{
	return (size_t)kind < SANSHE_ARRAY_SIZE(merge_names) ? merge_names[kind] : "?";
}

const char *sanshe_space_kind_name(sanshe_space_kind kind)
{
	return (size_t)kind < SANSHE_ARRAY_SIZE(space_names) ? space_names[kind] : "?";
}

static int lookup_name(const cJSON *value, const char *const *names, size_t n)
{
	if (!cJSON_IsString(value))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(value->valuestring, names[i]) == 0)
			return (int)i;
	return -1;
}

/* The type's own name must be what its schema requires of "type". */
static int check_type_const(const cJSON *tree, const char *name)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(tree, "properties");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(props, "type");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(type, "const");

	if (!cJSON_IsString(c) || strcmp(c->valuestring, name) != 0)
		return sanshe_error_set(SANSHE_EINVALID,
					_("schema '%s': /properties/type must be {\"const\": \"%s\"}"),
					name, name);
	return 0;
}

static int describe_type(sanshe_type *t, const cJSON *tree, sanshe_schema *schema,
			 const char *name)
{
	int merge = lookup_name(sanshe_schema_extension(schema, "x-sanshe-merge"),
				merge_names, SANSHE_ARRAY_SIZE(merge_names));
	int space = lookup_name(sanshe_schema_extension(schema, "x-sanshe-space"),
				space_names, SANSHE_ARRAY_SIZE(space_names));

	if (merge < 0 || space < 0)
		return sanshe_error_set(SANSHE_EINVALID,
					_("schema '%s': x-sanshe-merge or x-sanshe-space is missing or unknown"),
					name);
	t->name = name;
	t->merge = (sanshe_merge_kind)merge;
	t->space = (sanshe_space_kind)space;
	t->schema = schema;
	return check_type_const(tree, name);
}

static int load_one(const struct sanshe_embedded_schema *src)
{
	sanshe_schema *schema = NULL;
	cJSON *tree = NULL;
	int err;

	if ((err = sanshe_json_parse(&tree, src->text, src->len, src->name, NULL)) != 0 ||
	    (err = sanshe_schema_compile(&schema, tree, src->name)) != 0)
		goto done;
	if (strcmp(src->name, "envelope") == 0) {
		envelope = schema;
		schema = NULL;
	} else if ((err = describe_type(&types[type_count], tree, schema, src->name)) == 0) {
		type_count++;
		schema = NULL;
	}
done:
	sanshe_schema_free(schema);
	cJSON_Delete(tree);
	return err;
}

static void load_all(void)
{
	size_t n = sanshe_embedded_schema_count;

	types = calloc(n ? n : 1, sizeof(*types));
	if (!types) {
		init_error = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	} else {
		for (size_t i = 0; i < n && !init_error; i++)
			init_error = load_one(&sanshe_embedded_schemas[i]);
		if (!init_error && !envelope)
			init_error = sanshe_error_set(SANSHE_EINVALID, "%s",
						      _("the envelope schema is missing"));
	}
	if (init_error)
		snprintf(init_message, sizeof(init_message), "%s", sanshe_error_last());
}

int sanshe_registry_init(void)
{
	pthread_once(&once, load_all);
	if (init_error)
		return sanshe_error_set(init_error, "%s", init_message);
	return 0;
}

const sanshe_type *sanshe_registry_find(const char *name)
{
	if (sanshe_registry_init() != 0 || !name)
		return NULL;
	for (size_t i = 0; i < type_count; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

const sanshe_type *sanshe_registry_at(size_t i)
{
	if (sanshe_registry_init() != 0 || i >= type_count)
		return NULL;
	return &types[i];
}

const sanshe_schema *sanshe_registry_envelope(void)
{
	return sanshe_registry_init() == 0 ? envelope : NULL;
}

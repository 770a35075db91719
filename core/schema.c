/*
 * JSON Schema: the public entry points for compiling and releasing a
 * schema, and the ownership of its nodes.  How keywords compile is in
 * schema_compile.c, how instances are checked in schema_validate.c; see
 * schema_int.h for the map.
 */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* Limits on one regex match, so that a pattern cannot hang a validation. */
#define MATCH_LIMIT 1000000
#define MATCH_HEAP_LIMIT_KIB 8192

/* Longest place in the schema quoted whole in a message, in bytes. */
#define WHERE_MAX 200

static void node_free(struct schema_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->pattern_properties.count; i++)
		schema_regex_dispose(&n->pattern_properties.items[i].regex);
	free(n->pattern_properties.items);
	schema_regex_dispose(&n->pattern);
	free(n->properties.items);
	free(n->dependent_schemas.items);
	free(n->prefix_items.items);
	free(n->all_of.items);
	free(n->any_of.items);
	free(n->one_of.items);
	free(n->where);
	free(n);
}

static int grow_nodes(sanshe_schema *schema)
{
	size_t alloc = schema->alloc ? schema->alloc * 2 : 16;
	struct schema_node **nodes;

	nodes = realloc(schema->nodes, alloc * sizeof(*nodes));
	if (!nodes)
		return SANSHE_ENOMEM;
	schema->nodes = nodes;
	schema->alloc = alloc;
	return 0;
}

struct schema_node *schema_node_new(sanshe_schema *schema, const cJSON *source,
				    const char *where)
{
	struct schema_node *n;

	if (schema->count == schema->alloc && grow_nodes(schema) != 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->where = strdup(where))) {
		free(n);
		return NULL;
	}
	n->number = schema->count;
	n->source = source;
	n->boolean = -1;
	n->max_properties = n->max_length = SCHEMA_UNLIMITED;
	n->max_items = n->max_contains = SCHEMA_UNLIMITED;
	n->min_contains = 1;
	schema->nodes[schema->count++] = n;
	return n;
}

/*
 * The end of a long place in the schema, from a "/", so that the message
 * after it still fits: "…/not/not/items".
 */
static const char *where_tail(const sanshe_buf *where, const char **ellipsis)
{
	const char *tail = where->ptr, *slash;

	*ellipsis = "";
	if (where->size <= WHERE_MAX)
		return tail;
	tail += where->size - WHERE_MAX;
	slash = strchr(tail, '/');
	*ellipsis = "\xe2\x80\xa6";
	return slash ? slash : tail;
}

int schema_compile_fail(const struct schema_compiler *c, const char *fmt, ...)
{
	const char *where, *ellipsis;
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (c->where.size == 0)
		return sanshe_error_set(SANSHE_EINVALID, _("schema '%s': %s"),
					c->schema->name, message);
	where = where_tail(&c->where, &ellipsis);
	return sanshe_error_set(SANSHE_EINVALID, _("schema '%s': %s%s: %s"),
				c->schema->name, ellipsis, where, message);
}

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* An empty compiled schema holding a copy of `json`. */
static int schema_new(sanshe_schema **out, const cJSON *json, const char *name)
{
	sanshe_schema *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s)
		return out_of_memory();
	s->name = strdup(name ? name : "");
	s->tree = cJSON_Duplicate(json, 1);
	s->match_context = pcre2_match_context_create(NULL);
	if (!s->name || !s->tree || !s->match_context)
		return out_of_memory();
	pcre2_set_match_limit(s->match_context, MATCH_LIMIT);
	pcre2_set_heap_limit(s->match_context, MATCH_HEAP_LIMIT_KIB);
	return 0;
}

int sanshe_schema_compile(sanshe_schema **out, const cJSON *schema,
			  const char *name)
{
	struct schema_compiler c = {NULL, SANSHE_BUF_INIT, 0};
	sanshe_schema *s = NULL;
	int err;

	*out = NULL;
	if (!schema)
		return sanshe_error_set(SANSHE_EINVALID,
					_("schema '%s': no schema"),
					name ? name : "");
	if ((err = schema_new(&s, schema, name)) != 0)
		goto done;
	c.schema = s;
	if ((err = schema_compile_node(&c, s->tree, &s->root)) != 0 ||
	    (err = schema_resolve_refs(&c)) != 0 ||
	    (err = schema_check_loops(&c)) != 0)
		goto done;
	*out = s;
	s = NULL;
done:
	sanshe_buf_dispose(&c.where);
	sanshe_schema_free(s);
	return err;
}

void sanshe_schema_free(sanshe_schema *schema)
{
	size_t i;

	if (!schema)
		return;
	for (i = 0; i < schema->count; i++)
		node_free(schema->nodes[i]);
	free(schema->nodes);
	pcre2_match_context_free(schema->match_context);
	cJSON_Delete(schema->tree);
	free(schema->name);
	free(schema);
}

const cJSON *sanshe_schema_extension(const sanshe_schema *schema,
				     const char *keyword)
{
	if (!schema || !keyword || strncmp(keyword, "x-", 2) != 0 ||
	    !cJSON_IsObject(schema->tree))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(schema->tree, keyword);
}

void sanshe_schema_errors_dispose(sanshe_schema_errors *errors)
{
	size_t i;

	if (!errors)
		return;
	for (i = 0; i < errors->count; i++) {
		free(errors->items[i].pointer);
		free(errors->items[i].message);
	}
	free(errors->items);
	errors->items = NULL;
	errors->count = errors->alloc = 0;
}

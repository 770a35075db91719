/*
 * JSON Schema: compiling the keywords of one schema object into a node.
 *
 * Every keyword sanshe knows has a row in the table below; a keyword that
 * has no row fails the compilation (unless it begins with "x-", sanshe's
 * extensions), so that no keyword is ever ignored by accident.  Values are
 * checked as they compile: a schema that says "minLength": "3" is refused
 * here, not silently mistaken for no limit.  Many rows share one handler
 * that writes the field at the row's offset in the node.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

#define DIALECT "https://json-schema.org/draft/2020-12/schema"

/* Largest count taken: every integer below it is exact in a double. */
#define COUNT_MAX 9007199254740992.0

struct keyword {
	const char *name;
	int (*compile)(struct schema_compiler *c, struct schema_node *n,
		       const cJSON *value, size_t offset);
	size_t offset; /* of the node's field, for the shared handlers */
};

#define FIELD(type, n, offset) ((type *)(void *)((char *)(n) + (offset)))

static const char *where_text(const struct schema_compiler *c)
{
	return c->where.ptr ? c->where.ptr : "";
}

static void where_restore(struct schema_compiler *c, size_t mark)
{
	c->where.size = mark;
	if (c->where.ptr)
		c->where.ptr[mark] = '\0';
}

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/*
 * Compile the subschema `json` that sits under the keyword `value` names
 * and, when `name` is not NULL, under that member of it, or else under
 * `index` when that is not SIZE_MAX.
 */
static int compile_under(struct schema_compiler *c, const cJSON *value,
			 const char *name, size_t index, const cJSON *json,
			 struct schema_node **out)
{
	size_t mark = c->where.size;
	int err;

	err = sanshe_json_pointer_push(&c->where, value->string);
	if (!err && name)
		err = sanshe_json_pointer_push(&c->where, name);
	else if (!err && index != SIZE_MAX)
		err = sanshe_json_pointer_push_index(&c->where, index);
	if (!err)
		err = schema_compile_node(c, json, out);
	where_restore(c, mark);
	return err;
}

static int bad_value(struct schema_compiler *c, const cJSON *value,
		     const char *what)
{
	return schema_compile_fail(c, _("'%s' must be %s"), value->string,
				   what);
}

static int need_string_array(struct schema_compiler *c, const cJSON *value)
{
	const cJSON *s;

	if (!cJSON_IsArray(value))
		return bad_value(c, value, _("an array of strings"));
	cJSON_ArrayForEach(s, value) if (!cJSON_IsString(s)) return bad_value(
	    c, value, _("an array of strings"));
	return 0;
}

static int need_object(struct schema_compiler *c, const cJSON *value)
{
	if (!cJSON_IsObject(value))
		return bad_value(c, value, _("an object"));
	return 0;
}

/* Annotations: checked for their type, then left alone. */

static int kw_text(struct schema_compiler *c, struct schema_node *n,
		   const cJSON *value, size_t offset)
{
	(void)n;
	(void)offset;
	return cJSON_IsString(value) ? 0 : bad_value(c, value, _("a string"));
}

static int kw_flag(struct schema_compiler *c, struct schema_node *n,
		   const cJSON *value, size_t offset)
{
	(void)n;
	(void)offset;
	return cJSON_IsBool(value) ? 0
				   : bad_value(c, value, _("true or false"));
}

static int kw_examples(struct schema_compiler *c, struct schema_node *n,
		       const cJSON *value, size_t offset)
{
	(void)n;
	(void)offset;
	return cJSON_IsArray(value) ? 0 : bad_value(c, value, _("an array"));
}

static int kw_any(struct schema_compiler *c, struct schema_node *n,
		  const cJSON *value, size_t offset)
{
	(void)c;
	(void)n;
	(void)value;
	(void)offset;
	return 0;
}

/* $schema may only name the dialect this validator implements. */
static int kw_dialect(struct schema_compiler *c, struct schema_node *n,
		      const cJSON *value, size_t offset)
{
	const char *s = cJSON_GetStringValue(value);

	(void)n;
	(void)offset;
	if (s && (strcmp(s, DIALECT) == 0 || strcmp(s, DIALECT "#") == 0))
		return 0;
	return schema_compile_fail(c,
				   _("unsupported dialect in '$schema' "
				     "(only '%s')"),
				   DIALECT);
}

/*
 * $id at the root only names the schema: references still resolve within
 * this document.  Elsewhere it would start an embedded resource with its
 * own base URI, which is not supported.
 */
static int kw_id(struct schema_compiler *c, struct schema_node *n,
		 const cJSON *value, size_t offset)
{
	const char *s = cJSON_GetStringValue(value);

	(void)offset;
	if (n->source != c->schema->tree)
		return schema_compile_fail(c,
					   _("unsupported keyword '%s' "
					     "(only allowed at the root)"),
					   value->string);
	if (!s || !*s || strchr(s, '#'))
		return bad_value(c, value, _("an identifier without '#'"));
	c->schema->root_id = s;
	return 0;
}

static int kw_defs(struct schema_compiler *c, struct schema_node *n,
		   const cJSON *value, size_t offset)
{
	struct schema_node *def;
	const cJSON *m;
	int err;

	(void)n;
	(void)offset;
	if ((err = need_object(c, value)) != 0)
		return err;
	cJSON_ArrayForEach(
	    m, value) if ((err = compile_under(c, value, m->string, SIZE_MAX, m,
					       &def)) != 0) return err;
	return 0;
}

static int kw_ref(struct schema_compiler *c, struct schema_node *n,
		  const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsString(value))
		return bad_value(c, value, _("a string"));
	n->ref_text = value->valuestring;
	return 0;
}

/* Shared handlers that write the field at `offset`. */

static int kw_count(struct schema_compiler *c, struct schema_node *n,
		    const cJSON *value, size_t offset)
{
	double d = cJSON_IsNumber(value) ? value->valuedouble : -1;

	if (!(d >= 0 && d <= COUNT_MAX) || (double)(int64_t)d != d)
		return bad_value(c, value, _("a non-negative integer"));
	*FIELD(size_t, n, offset) = (size_t)d;
	return 0;
}

static int kw_bound(struct schema_compiler *c, struct schema_node *n,
		    const cJSON *value, size_t offset)
{
	struct schema_bound *bound = FIELD(struct schema_bound, n, offset);

	if (!cJSON_IsNumber(value))
		return bad_value(c, value, _("a number"));
	bound->set = true;
	bound->value = value->valuedouble;
	return 0;
}

static int kw_subschema(struct schema_compiler *c, struct schema_node *n,
			const cJSON *value, size_t offset)
{
	return compile_under(c, value, NULL, SIZE_MAX, value,
			     FIELD(struct schema_node *, n, offset));
}

/* A non-empty array of schemas: prefixItems, allOf, anyOf, oneOf. */
static int kw_schema_list(struct schema_compiler *c, struct schema_node *n,
			  const cJSON *value, size_t offset)
{
	struct schema_list *list = FIELD(struct schema_list, n, offset);
	const cJSON *item;
	int err;

	if (!cJSON_IsArray(value) || !value->child)
		return bad_value(c, value, _("a non-empty array of schemas"));
	list->items =
	    calloc((size_t)cJSON_GetArraySize(value), sizeof(*list->items));
	if (!list->items)
		return out_of_memory();
	cJSON_ArrayForEach(item, value)
	{
		err = compile_under(c, value, NULL, list->count, item,
				    &list->items[list->count]);
		if (err)
			return err;
		list->count++;
	}
	return 0;
}

int schema_member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct schema_member *)a)->name,
		      ((const struct schema_member *)b)->name);
}

/* An object of schemas: properties, dependentSchemas; sorted by name. */
static int kw_members(struct schema_compiler *c, struct schema_node *n,
		      const cJSON *value, size_t offset)
{
	struct schema_members *members =
	    FIELD(struct schema_members, n, offset);
	struct schema_member *m;
	const cJSON *json;
	int err;

	if ((err = need_object(c, value)) != 0)
		return err;
	members->items = calloc((size_t)cJSON_GetArraySize(value) + 1,
				sizeof(*members->items));
	if (!members->items)
		return out_of_memory();
	cJSON_ArrayForEach(json, value)
	{
		m = &members->items[members->count];
		m->name = json->string;
		err = compile_under(c, value, json->string, SIZE_MAX, json,
				    &m->node);
		if (err)
			return err;
		members->count++;
	}
	qsort(members->items, members->count, sizeof(*members->items), schema_member_cmp);
	return 0;
}

static int kw_pattern_properties(struct schema_compiler *c,
				 struct schema_node *n, const cJSON *value,
				 size_t offset)
{
	struct schema_patterns *patterns = &n->pattern_properties;
	struct schema_pattern_member *p;
	const cJSON *json;
	int err;

	(void)offset;
	if ((err = need_object(c, value)) != 0)
		return err;
	patterns->items = calloc((size_t)cJSON_GetArraySize(value) + 1,
				 sizeof(*patterns->items));
	if (!patterns->items)
		return out_of_memory();
	cJSON_ArrayForEach(json, value)
	{
		p = &patterns->items[patterns->count++];
		err = schema_regex_compile(c, &p->regex, json->string,
					   value->string);
		if (!err)
			err = compile_under(c, value, json->string, SIZE_MAX,
					    json, &p->node);
		if (err)
			return err;
	}
	return 0;
}

/* Keywords with a value of their own kind. */

static const struct {
	const char *name;
	unsigned bit;
} type_names[] = {
    {"null", SCHEMA_NULL},	 {"boolean", SCHEMA_BOOLEAN},
    {"object", SCHEMA_OBJECT},	 {"array", SCHEMA_ARRAY},
    {"number", SCHEMA_NUMBER},	 {"string", SCHEMA_STRING},
    {"integer", SCHEMA_INTEGER},
};

static unsigned type_bit(const cJSON *name)
{
	const char *s = cJSON_GetStringValue(name);
	size_t i;

	for (i = 0; s && i < SANSHE_ARRAY_SIZE(type_names); i++)
		if (strcmp(s, type_names[i].name) == 0)
			return type_names[i].bit;
	return 0;
}

static int kw_type(struct schema_compiler *c, struct schema_node *n,
		   const cJSON *value, size_t offset)
{
	const cJSON *names = cJSON_IsArray(value) ? value : NULL, *name;
	unsigned bit;

	(void)offset;
	if (cJSON_IsString(value))
		n->types = type_bit(value);
	cJSON_ArrayForEach(name, names)
	{
		bit = type_bit(name);
		if (!bit || (n->types & bit))
			return bad_value(c, value,
					 _("a type name or an array "
					   "of different ones"));
		n->types |= bit;
	}
	if (!n->types)
		return bad_value(c, value,
				 _("a type name or an array of "
				   "different ones"));
	return 0;
}

static int kw_required(struct schema_compiler *c, struct schema_node *n,
		       const cJSON *value, size_t offset)
{
	int err = need_string_array(c, value);

	(void)offset;
	if (!err)
		n->required = value;
	return err;
}

static int kw_dependent_required(struct schema_compiler *c,
				 struct schema_node *n, const cJSON *value,
				 size_t offset)
{
	const cJSON *m;
	int err;

	(void)offset;
	if ((err = need_object(c, value)) != 0)
		return err;
	cJSON_ArrayForEach(
	    m,
	    value) if (need_string_array(c, m) !=
		       0) return schema_compile_fail(c,
						     _("'%s': '%s' must be an "
						       "array of strings"),
						     value->string, m->string);
	n->dependent_required = value;
	return 0;
}

static int kw_enum(struct schema_compiler *c, struct schema_node *n,
		   const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsArray(value))
		return bad_value(c, value, _("an array"));
	n->enum_values = value;
	return 0;
}

static int kw_const(struct schema_compiler *c, struct schema_node *n,
		    const cJSON *value, size_t offset)
{
	(void)c;
	(void)offset;
	n->const_value = value;
	return 0;
}

static int kw_pattern(struct schema_compiler *c, struct schema_node *n,
		      const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsString(value))
		return bad_value(c, value, _("a string"));
	return schema_regex_compile(c, &n->pattern, value->valuestring,
				    value->string);
}

static int kw_format(struct schema_compiler *c, struct schema_node *n,
		     const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsString(value))
		return bad_value(c, value, _("a string"));
	n->format = schema_format_lookup(value->valuestring);
	return 0;
}

static int kw_multiple_of(struct schema_compiler *c, struct schema_node *n,
			  const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsNumber(value) || !(value->valuedouble > 0))
		return bad_value(c, value, _("a number greater than 0"));
	n->multiple_of = value->valuedouble;
	return 0;
}

static int kw_unique_items(struct schema_compiler *c, struct schema_node *n,
			   const cJSON *value, size_t offset)
{
	(void)offset;
	if (!cJSON_IsBool(value))
		return bad_value(c, value, _("true or false"));
	n->unique_items = cJSON_IsTrue(value);
	return 0;
}

#define AT(field) offsetof(struct schema_node, field)

static const struct keyword keywords[] = {
    {"$comment", kw_text, 0},
    {"$defs", kw_defs, 0},
    {"$id", kw_id, 0},
    {"$ref", kw_ref, 0},
    {"$schema", kw_dialect, 0},
    {"additionalProperties", kw_subschema, AT(additional_properties)},
    {"allOf", kw_schema_list, AT(all_of)},
    {"anyOf", kw_schema_list, AT(any_of)},
    {"const", kw_const, 0},
    {"contains", kw_subschema, AT(contains)},
    {"default", kw_any, 0},
    {"dependentRequired", kw_dependent_required, 0},
    {"dependentSchemas", kw_members, AT(dependent_schemas)},
    {"deprecated", kw_flag, 0},
    {"description", kw_text, 0},
    {"else", kw_subschema, AT(else_schema)},
    {"enum", kw_enum, 0},
    {"examples", kw_examples, 0},
    {"exclusiveMaximum", kw_bound, AT(exclusive_maximum)},
    {"exclusiveMinimum", kw_bound, AT(exclusive_minimum)},
    {"format", kw_format, 0},
    {"if", kw_subschema, AT(if_schema)},
    {"items", kw_subschema, AT(items)},
    {"maxContains", kw_count, AT(max_contains)},
    {"maxItems", kw_count, AT(max_items)},
    {"maxLength", kw_count, AT(max_length)},
    {"maxProperties", kw_count, AT(max_properties)},
    {"maximum", kw_bound, AT(maximum)},
    {"minContains", kw_count, AT(min_contains)},
    {"minItems", kw_count, AT(min_items)},
    {"minLength", kw_count, AT(min_length)},
    {"minProperties", kw_count, AT(min_properties)},
    {"minimum", kw_bound, AT(minimum)},
    {"multipleOf", kw_multiple_of, 0},
    {"not", kw_subschema, AT(not_schema)},
    {"oneOf", kw_schema_list, AT(one_of)},
    {"pattern", kw_pattern, 0},
    {"patternProperties", kw_pattern_properties, 0},
    {"prefixItems", kw_schema_list, AT(prefix_items)},
    {"properties", kw_members, AT(properties)},
    {"propertyNames", kw_subschema, AT(property_names)},
    {"readOnly", kw_flag, 0},
    {"required", kw_required, 0},
    {"then", kw_subschema, AT(then_schema)},
    {"title", kw_text, 0},
    {"type", kw_type, 0},
    {"uniqueItems", kw_unique_items, 0},
    {"writeOnly", kw_flag, 0},
};

/*
 * Does a member before `member` in `object` have its name?  cJSON keeps
 * both copies of a repeated key; sanshe's parser refuses them, but trees
 * may come from elsewhere.
 */
static bool repeated(const cJSON *object, const cJSON *member)
{
	const cJSON *m;

	for (m = object->child; m != member; m = m->next)
		if (strcmp(m->string, member->string) == 0)
			return true;
	return false;
}

static int compile_keyword(struct schema_compiler *c, struct schema_node *n,
			   const cJSON *member)
{
	size_t i;

	if (repeated(n->source, member))
		return schema_compile_fail(c, _("keyword '%s' appears twice"),
					   member->string);
	for (i = 0; i < SANSHE_ARRAY_SIZE(keywords); i++)
		if (strcmp(member->string, keywords[i].name) == 0)
			return keywords[i].compile(c, n, member,
						   keywords[i].offset);
	if (strncmp(member->string, "x-", 2) == 0)
		return 0;
	return schema_compile_fail(c, _("unsupported keyword '%s'"),
				   member->string);
}

int schema_compile_node(struct schema_compiler *c, const cJSON *json,
			struct schema_node **out)
{
	struct schema_node *n;
	const cJSON *member;
	int err = 0;

	if (c->depth >= SCHEMA_MAX_DEPTH)
		return schema_compile_fail(c, "%s",
					   _("schemas nested too deeply"));
	if (!cJSON_IsBool(json) && !cJSON_IsObject(json))
		return schema_compile_fail(c, "%s",
					   _("a schema must be an "
					     "object or true or false"));
	if (!(n = schema_node_new(c->schema, json, where_text(c))))
		return out_of_memory();
	*out = n;
	if (cJSON_IsBool(json)) {
		n->boolean = cJSON_IsTrue(json);
		return 0;
	}
	c->depth++;
	for (member = json->child; member && !err; member = member->next)
		err = compile_keyword(c, n, member);
	c->depth--;
	return err;
}

/*
 * JSON Schema: $ref.
 *
 * Only references within the schema's own document are supported: "#",
 * "#/json/pointer" (with RFC 6901 "~0" "~1" and URI %-escapes), the empty
 * reference, and the same with the root $id written in front.  The target
 * must be a place the compiler already made a node for (a subschema), so
 * validation never compiles anything.
 *
 * A chain of $ref that comes back to where it started without stepping
 * into the instance (through allOf, not, if, dependentSchemas and the like)
 * would recurse for ever; such loops are refused when compiling.  Loops
 * that step into the instance (properties, items, ...) are fine: each turn
 * consumes a level of the instance.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

/* Node states in the search for loops. */
enum { UNSEEN, ON_PATH, DONE };

struct loop_search {
	struct schema_compiler *compiler;
	const struct schema_node **path;
	size_t depth;
	unsigned char *state; /* by node number */
};

static int hex_value(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* Undo URI %-escapes into `out`; 1 for a bad escape or a NUL byte. */
static int percent_decode(sanshe_buf *out, const char *s)
{
	int hi, lo, err;
	char ch;

	for (; *s; s++) {
		ch = *s;
		if (ch == '%') {
			hi = hex_value(s[1]);
			lo = hi < 0 ? -1 : hex_value(s[2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return 1;
			ch = (char)(hi * 16 + lo);
			s += 2;
		}
		if ((err = sanshe_buf_putc(out, ch)) != 0)
			return err;
	}
	return sanshe_buf_puts(out, "");
}

/* Undo "~1" and "~0" in place; -1 for any other "~". */
static int unescape_token(char *token)
{
	char *r, *w;

	for (r = w = token; *r; r++, w++) {
		*w = *r;
		if (*r != '~')
			continue;
		if (r[1] != '0' && r[1] != '1')
			return -1;
		*w = r[1] == '0' ? '~' : '/';
		r++;
	}
	*w = '\0';
	return 0;
}

static const cJSON *step(const cJSON *at, const char *token)
{
	const char *p;

	if (cJSON_IsObject(at))
		return cJSON_GetObjectItemCaseSensitive(at, token);
	if (!cJSON_IsArray(at) || !*token || (token[0] == '0' && token[1]))
		return NULL;
	for (p = token; *p; p++)
		if (*p < '0' || *p > '9' || p - token >= 9)
			return NULL;
	return cJSON_GetArrayItem(at, atoi(token));
}

/* Follow the (decoded, writable) JSON pointer from `root`; NULL if absent. */
static const cJSON *pointer_lookup(const cJSON *root, char *pointer)
{
	const cJSON *at = root;
	char *token = pointer, *next;

	if (!*pointer)
		return root;
	if (*pointer != '/')
		return NULL;
	for (token = pointer + 1; at && token; token = next) {
		next = strchr(token, '/');
		if (next)
			*next++ = '\0';
		if (unescape_token(token) != 0)
			return NULL;
		at = step(at, token);
	}
	return at;
}

/* The fragment of a reference to this document (after "#"), or NULL. */
static const char *local_fragment(const sanshe_schema *schema, const char *ref)
{
	size_t len;

	if (ref[0] == '#')
		return ref + 1;
	if (ref[0] == '\0')
		return ref;
	if (!schema->root_id)
		return NULL;
	len = strlen(schema->root_id);
	if (strncmp(ref, schema->root_id, len) != 0)
		return NULL;
	if (ref[len] == '\0')
		return ref + len;
	return ref[len] == '#' ? ref + len + 1 : NULL;
}

static const struct schema_node *node_at(const sanshe_schema *schema,
					 const cJSON *json)
{
	size_t i;

	for (i = 0; i < schema->count; i++)
		if (schema->nodes[i]->source == json)
			return schema->nodes[i];
	return NULL;
}

static int resolve(struct schema_compiler *c, struct schema_node *n)
{
	const char *ref = n->ref_text, *fragment;
	sanshe_buf pointer = SANSHE_BUF_INIT;
	const struct schema_node *target = NULL;
	int err;

	fragment = local_fragment(c->schema, ref);
	if (!fragment)
		return schema_compile_fail(c,
					   _("$ref '%s': only references "
					     "within the schema ('#/...') are "
					     "supported"),
					   ref);
	if (*fragment && *fragment != '/')
		return schema_compile_fail(c,
					   _("$ref '%s': anchors are not "
					     "supported, use a JSON pointer"),
					   ref);
	err = percent_decode(&pointer, fragment);
	if (err > 0)
		err =
		    schema_compile_fail(c, _("$ref '%s': bad %%-escape"), ref);
	if (!err)
		target = node_at(c->schema,
				 pointer_lookup(c->schema->tree, pointer.ptr));
	if (!err && !target)
		err = schema_compile_fail(c,
					  _("$ref '%s' does not lead to a "
					    "schema"),
					  ref);
	n->ref = (struct schema_node *)target;
	sanshe_buf_dispose(&pointer);
	return err;
}

static int where_set(struct schema_compiler *c, const char *where)
{
	sanshe_buf_clear(&c->where);
	return sanshe_buf_puts(&c->where, where);
}

int schema_resolve_refs(struct schema_compiler *c)
{
	struct schema_node *n;
	size_t i;
	int err;

	for (i = 0; i < c->schema->count; i++) {
		n = c->schema->nodes[i];
		if (!n->ref_text)
			continue;
		if ((err = where_set(c, n->where)) != 0 ||
		    (err = resolve(c, n)) != 0)
			return err;
	}
	return 0;
}

/* "a -> b -> a" for the loop that comes back to `n`. */
static int report_loop(struct loop_search *ls, const struct schema_node *n)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	size_t i = 0;
	int err = 0;

	while (ls->path[i] != n)
		i++;
	for (; i < ls->depth && !err; i++)
		err = sanshe_buf_printf(&text, "%s -> ",
					*ls->path[i]->where ? ls->path[i]->where
							    : "#");
	if (!err)
		err = sanshe_buf_puts(&text, *n->where ? n->where : "#");
	if (!err && !(err = where_set(ls->compiler, n->where)))
		err = schema_compile_fail(ls->compiler,
					  _("$ref loop that never reaches into "
					    "the instance: %s"),
					  text.ptr);
	sanshe_buf_dispose(&text);
	return err;
}

static int visit(struct loop_search *ls, const struct schema_node *n);

static int visit_list(struct loop_search *ls, const struct schema_list *list)
{
	size_t i;
	int err = 0;

	for (i = 0; i < list->count && !err; i++)
		err = visit(ls, list->items[i]);
	return err;
}

/* The subschemas that apply to the same instance as `n`. */
static int visit_same_instance(struct loop_search *ls,
			       const struct schema_node *n)
{
	const struct schema_node *one[] = {n->ref, n->not_schema, n->if_schema,
					   n->then_schema, n->else_schema};
	size_t i;
	int err = 0;

	for (i = 0; i < SANSHE_ARRAY_SIZE(one) && !err; i++)
		if (one[i])
			err = visit(ls, one[i]);
	for (i = 0; i < n->dependent_schemas.count && !err; i++)
		err = visit(ls, n->dependent_schemas.items[i].node);
	if (!err)
		err = visit_list(ls, &n->all_of);
	if (!err)
		err = visit_list(ls, &n->any_of);
	if (!err)
		err = visit_list(ls, &n->one_of);
	return err;
}

static int visit(struct loop_search *ls, const struct schema_node *n)
{
	size_t number = n->number;
	int err;

	if (ls->state[number] == DONE)
		return 0;
	if (ls->state[number] == ON_PATH)
		return report_loop(ls, n);
	if (ls->depth == SCHEMA_MAX_DEPTH) {
		where_set(ls->compiler, n->where);
		return schema_compile_fail(ls->compiler, "%s",
					   _("$ref chain too long"));
	}
	ls->state[number] = ON_PATH;
	ls->path[ls->depth++] = n;
	err = visit_same_instance(ls, n);
	ls->depth--;
	ls->state[number] = DONE;
	return err;
}

int schema_check_loops(struct schema_compiler *c)
{
	struct loop_search ls = {c, NULL, 0, NULL};
	size_t i;
	int err = 0;

	ls.path = calloc(SCHEMA_MAX_DEPTH, sizeof(*ls.path));
	ls.state = calloc(c->schema->count, 1);
	if (!ls.path || !ls.state)
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	for (i = 0; i < c->schema->count && !err; i++)
		err = visit(&ls, c->schema->nodes[i]);
	free(ls.path);
	free(ls.state);
	return err;
}

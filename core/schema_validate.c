/*
 * JSON Schema: validating an instance against the compiled nodes.
 *
 * Each node runs its groups of keywords in turn and collects every
 * violation.  The applicators that only ask whether a subschema matches
 * (anyOf, oneOf, not, if) run it quietly and report one line of their own,
 * so that a failed anyOf of five alternatives is one message, not twenty.
 * One exception makes messages useful for the usual "a date or null":
 * when only one alternative admits the instance's type, that alternative's
 * own violations are reported instead of the line.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

bool schema_fold(const struct schema_validation *v, int *acc, int rc)
{
	if (*acc < 0)
		return true;
	if (rc < 0) {
		*acc = rc;
		return true;
	}
	if (rc > 0)
		*acc = 1;
	return *acc > 0 && v->quiet;
}

int schema_run_checks(struct schema_validation *v,
		      const struct schema_node *node, const cJSON *instance,
		      const schema_check_fn *checks, size_t count)
{
	size_t i;
	int acc = 0;

	for (i = 0; i < count; i++)
		if (schema_fold(v, &acc, checks[i](v, node, instance)))
			break;
	return acc;
}

/* Run `node` quietly: 0 it matches, 1 it does not, < 0 an error. */
static int matches_not(struct schema_validation *v,
		       const struct schema_node *node, const cJSON *instance)
{
	int rc;

	v->quiet++;
	rc = schema_validate_node(v, node, instance);
	v->quiet--;
	return rc;
}

static int check_ref(struct schema_validation *v, const struct schema_node *n,
		     const cJSON *instance)
{
	return n->ref ? schema_validate_node(v, n->ref, instance) : 0;
}

static int check_all_of(struct schema_validation *v,
			const struct schema_node *n, const cJSON *instance)
{
	size_t i;
	int acc = 0;

	for (i = 0; i < n->all_of.count; i++)
		if (schema_fold(
			v, &acc,
			schema_validate_node(v, n->all_of.items[i], instance)))
			break;
	return acc;
}

/* The one alternative that admits the type of `instance`, if only one does. */
static const struct schema_node *only_fitting(const struct schema_list *list,
					      const cJSON *instance)
{
	const struct schema_node *found = NULL, *n;
	size_t i;

	for (i = 0; i < list->count; i++) {
		n = list->items[i];
		if (n->boolean == 0 || !schema_types_admit(n->types, instance))
			continue;
		if (found)
			return NULL;
		found = n;
	}
	return found;
}

/* None of `list` matched: say so, as well as can be said. */
static int report_no_match(struct schema_validation *v,
			   const struct schema_list *list,
			   const cJSON *instance)
{
	const struct schema_node *fitting;
	int rc;

	if (v->quiet)
		return 1;
	fitting = only_fitting(list, instance);
	if (fitting && (rc = schema_validate_node(v, fitting, instance)) != 0)
		return rc;
	return schema_report(v, "%s",
			     _("does not match any of the allowed schemas"));
}

static int check_any_of(struct schema_validation *v,
			const struct schema_node *n, const cJSON *instance)
{
	size_t i;
	int rc;

	for (i = 0; i < n->any_of.count; i++)
		if ((rc = matches_not(v, n->any_of.items[i], instance)) <= 0)
			return rc;
	return n->any_of.count ? report_no_match(v, &n->any_of, instance) : 0;
}

static int check_one_of(struct schema_validation *v,
			const struct schema_node *n, const cJSON *instance)
{
	const struct schema_node *first = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n->one_of.count; i++) {
		if ((rc = matches_not(v, n->one_of.items[i], instance)) < 0)
			return rc;
		if (rc > 0)
			continue;
		if (first)
			return schema_report(
			    v,
			    _("matches more than one of the "
			      "allowed schemas ('%s' and '%s')"),
			    first->where, n->one_of.items[i]->where);
		first = n->one_of.items[i];
	}
	return first || !n->one_of.count
		   ? 0
		   : report_no_match(v, &n->one_of, instance);
}

static int check_not(struct schema_validation *v, const struct schema_node *n,
		     const cJSON *instance)
{
	int rc;

	if (!n->not_schema ||
	    (rc = matches_not(v, n->not_schema, instance)) > 0)
		return 0;
	if (rc < 0)
		return rc;
	return schema_report(v, _("must not match the schema at '%s'"),
			     n->not_schema->where);
}

static int check_if(struct schema_validation *v, const struct schema_node *n,
		    const cJSON *instance)
{
	const struct schema_node *branch;
	int rc;

	if (!n->if_schema || (!n->then_schema && !n->else_schema))
		return 0;
	if ((rc = matches_not(v, n->if_schema, instance)) < 0)
		return rc;
	branch = rc == 0 ? n->then_schema : n->else_schema;
	return branch ? schema_validate_node(v, branch, instance) : 0;
}

/*
 * Past SCHEMA_MAX_STEPS.  A large document gets there as surely as a
 * schema whose $refs multiply the work, so the message says where in the
 * document checking stopped rather than blame the schema.
 */
static int too_costly(const struct schema_validation *v)
{
	const char *where = v->pointer.ptr ? v->pointer.ptr : "";

	if (!*where)
		return sanshe_error_set(SANSHE_EINVALID,
					_("too costly to check against schema "
					  "'%s' (more than %d subschemas to "
					  "apply)"),
					v->schema->name, SCHEMA_MAX_STEPS);
	return sanshe_error_set(SANSHE_EINVALID,
				_("%s: too costly to check against schema '%s' "
				  "(more than %d subschemas to apply)"),
				where, v->schema->name, SCHEMA_MAX_STEPS);
}

static const schema_check_fn node_checks[] = {
    schema_check_type,	 schema_check_value,  schema_check_string,
    schema_check_number, schema_check_object, schema_check_array,
    check_ref,		 check_all_of,	      check_any_of,
    check_one_of,	 check_not,	      check_if,
};

int schema_validate_node(struct schema_validation *v,
			 const struct schema_node *node, const cJSON *instance)
{
	int rc;

	if (node->boolean >= 0)
		return node->boolean ? 0
				     : schema_report(v, "%s", _("not allowed"));
	if (v->depth >= SCHEMA_MAX_DEPTH)
		return schema_report(v, "%s", _("nested too deeply to check"));
	if (++v->steps > SCHEMA_MAX_STEPS)
		return too_costly(v);
	v->depth++;
	rc = schema_run_checks(v, node, instance, node_checks,
			       SANSHE_ARRAY_SIZE(node_checks));
	v->depth--;
	return rc;
}

int schema_validate_member(struct schema_validation *v,
			   const struct schema_node *node,
			   const cJSON *instance, const char *name)
{
	size_t mark = v->pointer.size;
	int rc;

	if ((rc = sanshe_json_pointer_push(&v->pointer, name)) != 0)
		return rc;
	rc = schema_validate_node(v, node, instance);
	schema_pointer_truncate(v, mark);
	return rc;
}

int schema_validate_item(struct schema_validation *v,
			 const struct schema_node *node, const cJSON *instance,
			 size_t index)
{
	size_t mark = v->pointer.size;
	int rc;

	if ((rc = sanshe_json_pointer_push_index(&v->pointer, index)) != 0)
		return rc;
	rc = schema_validate_node(v, node, instance);
	schema_pointer_truncate(v, mark);
	return rc;
}

/* Move every violation of `from` to the end of `to`. */
static int move_errors(sanshe_schema_errors *to, sanshe_schema_errors *from)
{
	sanshe_schema_error *items;
	size_t need = to->count + from->count;

	if (need > to->alloc) {
		items = realloc(to->items, need * sizeof(*items));
		if (!items)
			return sanshe_error_set(SANSHE_ENOMEM, "%s",
						_("out of memory"));
		to->items = items;
		to->alloc = need;
	}
	memcpy(to->items + to->count, from->items,
	       from->count * sizeof(*items));
	to->count = need;
	from->count = 0;
	return 0;
}

static int fail_with_first(const sanshe_schema_errors *found)
{
	const sanshe_schema_error *first = found->items;

	if (!found->count)
		return sanshe_error_set(SANSHE_ESCHEMA, "%s",
					_("does not match the schema"));
	if (!*first->pointer)
		return sanshe_error_set(SANSHE_ESCHEMA, "%s", first->message);
	return sanshe_error_set(SANSHE_ESCHEMA, "%s: %s", first->pointer,
				first->message);
}

int sanshe_schema_validate(const sanshe_schema *schema, const cJSON *instance,
			   sanshe_schema_errors *errors)
{
	sanshe_schema_errors found = SANSHE_SCHEMA_ERRORS_INIT;
	struct schema_validation v = {
	    schema, &found, SANSHE_BUF_INIT, NULL, 0, 0, NULL, 0, 0};
	int rc;

	if (!schema || !instance)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("nothing to validate"));
	v.match = pcre2_match_data_create(1, NULL);
	if (!v.match) {
		rc = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	if ((rc = schema_validate_node(&v, schema->root, instance)) <= 0)
		goto done;
	if ((rc = schema_report_rest(&v)) != 0)
		goto done;
	rc = fail_with_first(&found);
	if (errors && move_errors(errors, &found) != 0)
		rc = SANSHE_ENOMEM;
done:
	pcre2_match_data_free(v.match);
	sanshe_buf_dispose(&v.pointer);
	sanshe_schema_errors_dispose(&found);
	return rc;
}

/*
 * JSON Schema: the keywords on objects and arrays.
 *
 * A violation about one member or item points at it: a missing required
 * field at "/client/name" ("required field 'name' is missing"), a field
 * additionalProperties forbids at that field ("unknown field"), a repeated
 * item at the repeat ("duplicate of item 0").  Counts (minItems, ...) point
 * at the object or array itself.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "schema_int.h"

static int count_limits(struct schema_validation *v, size_t count, size_t min,
			size_t max, const char *const texts[4])
{
	if (count < min)
		return schema_report(v, _(min == 1 ? texts[0] : texts[1]), min);
	if (count > max)
		return schema_report(v, _(max == 1 ? texts[2] : texts[3]), max);
	return 0;
}

static int check_property_count(struct schema_validation *v,
				const struct schema_node *n,
				const cJSON *instance)
{
	const char *const texts[] = {
	    N_("must have at least %zu field"),
	    N_("must have at least %zu fields"),
	    N_("must have at most %zu field"),
	    N_("must have at most %zu fields"),
	};

	if (!n->min_properties && n->max_properties == SCHEMA_UNLIMITED)
		return 0;
	return count_limits(v, (size_t)cJSON_GetArraySize(instance),
			    n->min_properties, n->max_properties, texts);
}

static bool has_member(const cJSON *object, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(object, name) != NULL;
}

static int check_required(struct schema_validation *v,
			  const struct schema_node *n, const cJSON *instance)
{
	const cJSON *name;
	int acc = 0;

	cJSON_ArrayForEach(
	    name, n->required) if (!has_member(instance, name->valuestring) &&
				   schema_fold(v, &acc,
					       schema_report_member(
						   v, name->valuestring,
						   _("required field '%s' is "
						     "missing"),
						   name->valuestring))) break;
	return acc;
}

static int check_dependent_required(struct schema_validation *v,
				    const struct schema_node *n,
				    const cJSON *instance)
{
	const cJSON *present, *name;
	int acc = 0;

	cJSON_ArrayForEach(present, n->dependent_required)
	{
		if (!has_member(instance, present->string))
			continue;
		cJSON_ArrayForEach(
		    name,
		    present) if (!has_member(instance, name->valuestring) &&
				 schema_fold(
				     v, &acc,
				     schema_report_member(
					 v, name->valuestring,
					 _("field '%s' is required when "
					   "'%s' is present"),
					 name->valuestring,
					 present->string))) return acc;
	}
	return acc;
}

static const struct schema_node *property(const struct schema_node *n,
					  const char *name)
{
	const struct schema_member key = { name, NULL };
	const struct schema_member *m;

	if (!n->properties.count)
		return NULL;
	m = bsearch(&key, n->properties.items, n->properties.count,
		    sizeof(key), schema_member_cmp);
	return m ? m->node : NULL;
}

/* patternProperties for one member; *matched is set when one applies. */
static int check_patterns(struct schema_validation *v,
			  const struct schema_node *n, const cJSON *member,
			  bool *matched)
{
	const struct schema_pattern_member *p;
	const char *why = NULL;
	size_t i;
	int acc = 0, rc;

	for (i = 0; i < n->pattern_properties.count; i++) {
		p = &n->pattern_properties.items[i];
		rc = schema_regex_match(v, &p->regex, member->string, &why);
		if (rc < 0)
			rc =
			    schema_report_member(v, member->string,
						 _("cannot check pattern '%s': "
						   "%s"),
						 p->regex.source, why);
		else if (rc > 0) {
			*matched = true;
			rc = schema_validate_member(v, p->node, member,
						    member->string);
		}
		if (schema_fold(v, &acc, rc))
			break;
	}
	return acc;
}

/* propertyNames: the name as a string instance, its messages marked. */
static int check_name(struct schema_validation *v, const struct schema_node *n,
		      const cJSON *member)
{
	const char *saved = v->prefix;
	cJSON name;
	int rc;

	memset(&name, 0, sizeof(name));
	name.type = cJSON_String | cJSON_IsReference;
	name.valuestring = member->string;
	v->prefix = _("field name");
	rc =
	    schema_validate_member(v, n->property_names, &name, member->string);
	v->prefix = saved;
	return rc;
}

/* A member neither properties nor patternProperties speak of. */
static int check_additional(struct schema_validation *v,
			    const struct schema_node *n, const cJSON *member)
{
	const struct schema_node *other = n->additional_properties;

	if (!other)
		return 0;
	if (other->boolean == 0)
		return schema_report_member(v, member->string, "%s",
					    _("unknown field"));
	return schema_validate_member(v, other, member, member->string);
}

static int check_member(struct schema_validation *v,
			const struct schema_node *n, const cJSON *member)
{
	const struct schema_node *known = property(n, member->string);
	bool matched = known != NULL;
	int acc = 0;

	if (known) {
		if (schema_fold(v, &acc,
				schema_validate_member(v, known, member,
						       member->string)))
			return acc;
	}
	if (schema_fold(v, &acc, check_patterns(v, n, member, &matched)))
		return acc;
	if (!matched && schema_fold(v, &acc, check_additional(v, n, member)))
		return acc;
	if (n->property_names)
		schema_fold(v, &acc, check_name(v, n, member));
	return acc;
}

static int check_members(struct schema_validation *v,
			 const struct schema_node *n, const cJSON *instance)
{
	const cJSON *member;
	int acc = 0;

	if (!n->properties.count && !n->pattern_properties.count &&
	    !n->additional_properties && !n->property_names)
		return 0;
	cJSON_ArrayForEach(
	    member,
	    instance) if (schema_fold(v, &acc,
				      check_member(v, n, member))) break;
	return acc;
}

static int check_dependent_schemas(struct schema_validation *v,
				   const struct schema_node *n,
				   const cJSON *instance)
{
	const struct schema_member *m;
	size_t i;
	int acc = 0;

	for (i = 0; i < n->dependent_schemas.count; i++) {
		m = &n->dependent_schemas.items[i];
		if (has_member(instance, m->name) &&
		    schema_fold(v, &acc,
				schema_validate_node(v, m->node, instance)))
			break;
	}
	return acc;
}

static const schema_check_fn object_checks[] = {
    check_property_count, check_required,	   check_dependent_required,
    check_members,	  check_dependent_schemas,
};

int schema_check_object(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance)
{
	if (!cJSON_IsObject(instance))
		return 0;
	return schema_run_checks(v, node, instance, object_checks,
				 SANSHE_ARRAY_SIZE(object_checks));
}

static int check_item_count(struct schema_validation *v,
			    const struct schema_node *n, const cJSON *instance)
{
	const char *const texts[] = {
	    N_("must have at least %zu item"),
	    N_("must have at least %zu items"),
	    N_("must have at most %zu item"),
	    N_("must have at most %zu items"),
	};

	if (!n->min_items && n->max_items == SCHEMA_UNLIMITED)
		return 0;
	return count_limits(v, (size_t)cJSON_GetArraySize(instance),
			    n->min_items, n->max_items, texts);
}

/* prefixItems for the first items, then items for the rest. */
static int check_items(struct schema_validation *v, const struct schema_node *n,
		       const cJSON *instance)
{
	const struct schema_node *schema;
	const cJSON *item;
	size_t i = 0;
	int acc = 0, rc;

	cJSON_ArrayForEach(item, instance)
	{
		schema = i < n->prefix_items.count ? n->prefix_items.items[i]
						   : n->items;
		if (!schema)
			break;
		if (schema->boolean == 0 && schema == n->items)
			rc = schema_report_item(v, i, "%s",
						_("unexpected item"));
		else
			rc = schema_validate_item(v, schema, item, i);
		if (schema_fold(v, &acc, rc))
			break;
		i++;
	}
	return acc;
}

static int check_contains(struct schema_validation *v,
			  const struct schema_node *n, const cJSON *instance)
{
	const char *const texts[] = {
	    N_("must contain at least %zu matching item"),
	    N_("must contain at least %zu matching items"),
	    N_("must contain at most %zu matching item"),
	    N_("must contain at most %zu matching items"),
	};
	const cJSON *item;
	size_t found = 0;
	int rc = 0;

	if (!n->contains)
		return 0;
	v->quiet++;
	cJSON_ArrayForEach(item, instance)
	{
		if ((rc = schema_validate_node(v, n->contains, item)) < 0)
			break;
		found += rc == 0;
	}
	v->quiet--;
	if (rc < 0)
		return rc;
	return count_limits(v, found, n->min_contains, n->max_contains, texts);
}

/*
 * uniqueItems.  Comparing every item with every earlier one is quadratic
 * in the items, so each item is written once in its canonical form
 * (RFC 8785) and the forms are sorted: equal items end up side by side.
 * Two forms are the same bytes exactly when the values are equal as JSON
 * (1 and 1.0 both read "1", members sorted by name).
 */
struct item_form {
	const char *text; /* in the buffer of all the forms */
	size_t start, len;
	size_t index; /* in the array */
};

static int text_order(const struct item_form *x, const struct item_form *y)
{
	int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);

	if (c || x->len == y->len)
		return c;
	return x->len < y->len ? -1 : 1;
}

/* By text, then by index: the first of a run of equals is the earliest. */
static int form_order(const void *a, const void *b)
{
	const struct item_form *x = a, *y = b;
	int c = text_order(x, y);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The canonical form of each of the `count` items, one after another. */
static int write_forms(struct schema_validation *v, const cJSON *array,
		       sanshe_buf *all, struct item_form *forms, size_t count)
{
	const cJSON *item = array->child;
	size_t i;

	for (i = 0; i < count; i++, item = item->next) {
		forms[i].start = all->size;
		forms[i].index = i;
		/* Fails only for a tree sanshe's parser never builds (a
		 * repeated member name) or when out of memory. */
		if (sanshe_canon_write(all, item) != 0)
			return sanshe_error_prefix(
			    _("%s/%zu: cannot check uniqueItems"),
			    v->pointer.ptr ? v->pointer.ptr : "", i);
		forms[i].len = all->size - forms[i].start;
	}
	for (i = 0; i < count; i++)
		forms[i].text = all->ptr + forms[i].start;
	return 0;
}

/* first[i]: the index of the first item equal to item i (i itself if none). */
static int find_firsts(struct schema_validation *v, const cJSON *array,
		       size_t *first, size_t count)
{
	sanshe_buf all = SANSHE_BUF_INIT;
	struct item_form *forms = calloc(count, sizeof(*forms));
	size_t i, run = 0;
	int err;

	if (!forms)
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	if ((err = write_forms(v, array, &all, forms, count)) != 0)
		goto done;
	qsort(forms, count, sizeof(*forms), form_order);
	for (i = 0; i < count; i++) {
		if (text_order(&forms[run], &forms[i]) != 0)
			run = i;
		first[forms[i].index] = forms[run].index;
	}
done:
	free(forms);
	sanshe_buf_dispose(&all);
	return err;
}

static int check_unique(struct schema_validation *v,
			const struct schema_node *n, const cJSON *instance)
{
	size_t count = (size_t)cJSON_GetArraySize(instance), i, *first;
	int acc = 0;

	if (!n->unique_items || count < 2)
		return 0;
	if (!(first = calloc(count, sizeof(*first))))
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("out of memory"));
	if ((acc = find_firsts(v, instance, first, count)) != 0)
		goto done;
	for (i = 0; i < count; i++)
		if (first[i] != i &&
		    schema_fold(v, &acc,
				schema_report_item(v, i,
						   _("duplicate of item %zu"),
						   first[i])))
			break;
done:
	free(first);
	return acc;
}

static const schema_check_fn array_checks[] = {
    check_item_count,
    check_items,
    check_contains,
    check_unique,
};

int schema_check_array(struct schema_validation *v,
		       const struct schema_node *node, const cJSON *instance)
{
	if (!cJSON_IsArray(instance))
		return 0;
	return schema_run_checks(v, node, instance, array_checks,
				 SANSHE_ARRAY_SIZE(array_checks));
}

/*
 * JSON Schema: the keywords on one value: type, enum and const, and those
 * for strings and numbers.  A keyword about one kind of value ignores the
 * others ("minLength" says nothing about a number); "type" is what says
 * which kinds are allowed.
 *
 * Numbers are doubles (the parser refuses integers beyond 2^53, so every
 * integer is exact).  An integer is a number with no fractional part, so
 * 1.0 is one.  multipleOf allows for the rounding of decimal steps such as
 * 0.01, which have no exact binary form.
 */
#include "common.h"

#include <float.h>
#include <string.h>

#include "schema_int.h"

/* Beyond this every double is an integer. */
#define EXACT_LIMIT 9007199254740992.0

/* Longest enum or const text quoted in a message, in bytes. */
#define VALUE_TEXT_MAX 80

static bool is_finite(double d)
{
	return d - d == 0;
}

static double absolute(double d)
{
	return d < 0 ? -d : d;
}

static bool is_integer(double d)
{
	if (!is_finite(d))
		return false;
	if (absolute(d) >= EXACT_LIMIT)
		return true;
	return (double)(int64_t)d == d;
}

/* The integer nearest to `d` (which is finite). */
static double nearest_integer(double d)
{
	if (absolute(d) >= EXACT_LIMIT)
		return d;
	return (double)(int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}

static bool is_multiple(double d, double step)
{
	double quotient = d / step;

	if (!is_finite(quotient))
		return false;
	return absolute(quotient - nearest_integer(quotient)) <=
	       4 * DBL_EPSILON *
		   (absolute(quotient) > 1 ? absolute(quotient) : 1);
}

static unsigned instance_type(const cJSON *instance)
{
	switch (instance->type & 0xFF) {
	case cJSON_NULL:
		return SCHEMA_NULL;
	case cJSON_True:
	case cJSON_False:
		return SCHEMA_BOOLEAN;
	case cJSON_Number:
		return is_integer(instance->valuedouble)
			   ? SCHEMA_NUMBER | SCHEMA_INTEGER
			   : SCHEMA_NUMBER;
	case cJSON_String:
		return SCHEMA_STRING;
	case cJSON_Array:
		return SCHEMA_ARRAY;
	case cJSON_Object:
		return SCHEMA_OBJECT;
	default:
		return 0;
	}
}

bool schema_types_admit(unsigned types, const cJSON *instance)
{
	return !types || (types & instance_type(instance)) != 0;
}

/* In the order messages list them. */
static const struct {
	unsigned bit;
	const char *name;
} type_names[] = {
    {SCHEMA_OBJECT, "object"},	 {SCHEMA_ARRAY, "array"},
    {SCHEMA_STRING, "string"},	 {SCHEMA_NUMBER, "number"},
    {SCHEMA_INTEGER, "integer"}, {SCHEMA_BOOLEAN, "boolean"},
    {SCHEMA_NULL, "null"},
};

static const char *type_name(const cJSON *instance)
{
	unsigned bit = instance_type(instance) & ~(unsigned)SCHEMA_INTEGER;
	size_t i;

	for (i = 0; i < SANSHE_ARRAY_SIZE(type_names); i++)
		if (type_names[i].bit == bit)
			return type_names[i].name;
	return "?";
}

/* "string", "string or null", "object, array or null". */
static int put_types(sanshe_buf *out, unsigned types)
{
	size_t i, left = 0;
	int err = 0;

	for (i = 0; i < SANSHE_ARRAY_SIZE(type_names); i++)
		left += (types & type_names[i].bit) != 0;
	for (i = 0; i < SANSHE_ARRAY_SIZE(type_names) && !err; i++) {
		if (!(types & type_names[i].bit))
			continue;
		err = sanshe_buf_puts(out, type_names[i].name);
		left--;
		if (!err && left)
			err = sanshe_buf_puts(out, left > 1 ? ", " : _(" or "));
	}
	return err;
}

int schema_check_type(struct schema_validation *v,
		      const struct schema_node *node, const cJSON *instance)
{
	sanshe_buf expected = SANSHE_BUF_INIT;
	int rc;

	if (schema_types_admit(node->types, instance))
		return 0;
	if (v->quiet)
		return 1;
	rc = put_types(&expected, node->types);
	if (!rc)
		rc = schema_report(v, _("expected %s, got %s"), expected.ptr,
				   type_name(instance));
	sanshe_buf_dispose(&expected);
	return rc;
}

/* `"open", "assessed", …`: the values, cut short for a message. */
static int put_values(sanshe_buf *out, const cJSON *values)
{
	const cJSON *value;
	int err = 0;

	cJSON_ArrayForEach(value, values)
	{
		if (out->size > VALUE_TEXT_MAX)
			return sanshe_buf_puts(out, ", \xe2\x80\xa6");
		if (value != values->child)
			err = sanshe_buf_puts(out, ", ");
		if (!err)
			err = schema_value_text(out, value, VALUE_TEXT_MAX);
		if (err)
			return err;
	}
	return 0;
}

static bool in_enum(const cJSON *values, const cJSON *instance)
{
	const cJSON *value;

	cJSON_ArrayForEach(
	    value, values) if (sanshe_json_equal(value, instance)) return true;
	return false;
}

static int report_enum(struct schema_validation *v, const cJSON *values)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int rc;

	if (v->quiet)
		return 1;
	if (!values->child)
		return schema_report(v, "%s", _("no value is allowed"));
	if (!values->child->next)
		rc = schema_value_text(&text, values->child, VALUE_TEXT_MAX);
	else
		rc = put_values(&text, values);
	if (!rc && values->child->next)
		rc = schema_report(v, _("must be one of: %s"), text.ptr);
	else if (!rc)
		rc = schema_report(v, _("must be %s"), text.ptr);
	sanshe_buf_dispose(&text);
	return rc;
}

int schema_check_value(struct schema_validation *v,
		       const struct schema_node *node, const cJSON *instance)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	int acc = 0, rc;

	if (node->const_value &&
	    !sanshe_json_equal(node->const_value, instance)) {
		rc = v->quiet ? 1
			      : schema_value_text(&text, node->const_value,
						  VALUE_TEXT_MAX);
		if (!v->quiet && !rc)
			rc = schema_report(v, _("must be %s"), text.ptr);
		sanshe_buf_dispose(&text);
		if (schema_fold(v, &acc, rc))
			return acc;
	}
	if (node->enum_values && !in_enum(node->enum_values, instance))
		schema_fold(v, &acc, report_enum(v, node->enum_values));
	return acc;
}

static int check_length(struct schema_validation *v,
			const struct schema_node *node, const char *s)
{
	size_t length;

	if (!node->min_length && node->max_length == SCHEMA_UNLIMITED)
		return 0;
	length = sanshe_utf8_length(s);
	if (length < node->min_length)
		return node->min_length == 1
			   ? schema_report(v, "%s", _("must not be empty"))
			   : schema_report(v,
					   _("must be at least %zu "
					     "characters long"),
					   node->min_length);
	if (length > node->max_length)
		return node->max_length == 1
			   ? schema_report(v, "%s",
					   _("must be at most 1 "
					     "character long"))
			   : schema_report(v,
					   _("must be at most %zu "
					     "characters long"),
					   node->max_length);
	return 0;
}

/*
 * A schema may say in plain words what its pattern wants ("x-sanshe-hint":
 * "a phone number like …"): people filling in records read that, not the
 * regular expression.
 */
static int check_pattern(struct schema_validation *v,
			 const struct schema_node *node, const char *s)
{
	const cJSON *hint = cJSON_GetObjectItemCaseSensitive(node->source, "x-sanshe-hint");
	const char *why = NULL;
	int rc;

	if (!node->pattern.code)
		return 0;
	rc = schema_regex_match(v, &node->pattern, s, &why);
	if (rc > 0)
		return 0;
	if (rc == 0 && cJSON_IsString(hint))
		return schema_report(v, _("must be %s"), _(hint->valuestring));
	if (rc == 0)
		return schema_report(v, _("does not match pattern '%s'"),
				     node->pattern.source);
	return schema_report(v, _("cannot check pattern '%s': %s"),
			     node->pattern.source, why);
}

int schema_check_string(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance)
{
	const char *s = cJSON_GetStringValue(instance);
	int acc = 0;

	if (!s)
		return 0;
	if (schema_fold(v, &acc, check_length(v, node, s)) ||
	    schema_fold(v, &acc, check_pattern(v, node, s)))
		return acc;
	if (node->format && !schema_format_valid(node->format, s))
		schema_fold(v, &acc,
			    schema_report(v, "%s",
					  schema_format_message(node->format)));
	return acc;
}

static int report_number(struct schema_validation *v, const char *fmt,
			 double value)
{
	char text[40];

	schema_number_text(text, sizeof(text), value);
	return schema_report(v, fmt, text);
}

static int check_bounds(struct schema_validation *v,
			const struct schema_node *n, double d)
{
	const struct {
		const struct schema_bound *bound;
		bool broken;
		const char *message;
	} bounds[] = {
	    {&n->minimum, d < n->minimum.value, N_("must be at least %s")},
	    {&n->maximum, d > n->maximum.value, N_("must be at most %s")},
	    {&n->exclusive_minimum, d <= n->exclusive_minimum.value,
	     N_("must be greater than %s")},
	    {&n->exclusive_maximum, d >= n->exclusive_maximum.value,
	     N_("must be less than %s")},
	};
	size_t i;
	int acc = 0;

	for (i = 0; i < SANSHE_ARRAY_SIZE(bounds); i++)
		if (bounds[i].bound->set && bounds[i].broken &&
		    schema_fold(v, &acc,
				report_number(v, _(bounds[i].message),
					      bounds[i].bound->value)))
			break;
	return acc;
}

int schema_check_number(struct schema_validation *v,
			const struct schema_node *node, const cJSON *instance)
{
	double d;
	int acc = 0;

	if (!cJSON_IsNumber(instance))
		return 0;
	d = instance->valuedouble;
	if (schema_fold(v, &acc, check_bounds(v, node, d)))
		return acc;
	if (node->multiple_of > 0 && !is_multiple(d, node->multiple_of))
		schema_fold(v, &acc,
			    report_number(v, _("must be a multiple of %s"),
					  node->multiple_of));
	return acc;
}

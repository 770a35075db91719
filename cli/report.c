/* Reports on a document for validate and check. */
#include "cli.h"

#include "report.h"

static int add_member(cJSON *to, const cJSON *doc, const char *name)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(doc, name);

	return !cJSON_IsString(value) || cJSON_AddStringToObject(to, name, value->valuestring);
}

static cJSON *violations_json(const sanshe_schema_errors *errors)
{
	cJSON *array = cJSON_CreateArray();

	for (size_t i = 0; array && errors && i < errors->count; i++) {
		cJSON *item = cJSON_CreateObject();

		if (!item || !cJSON_AddStringToObject(item, "pointer", errors->items[i].pointer) ||
		    !cJSON_AddStringToObject(item, "message", errors->items[i].message)) {
			cJSON_Delete(item);
			cJSON_Delete(array);
			return NULL;
		}
		cJSON_AddItemToArray(array, item);
	}
	return array;
}

cJSON *cli_report_json(const cJSON *doc, int valid, const sanshe_schema_errors *errors)
{
	cJSON *report = cJSON_CreateObject(), *violations = violations_json(errors);

	if (!report || !violations || !add_member(report, doc, "type") ||
	    !add_member(report, doc, "id") || !cJSON_AddBoolToObject(report, "valid", valid)) {
		cJSON_Delete(report);
		cJSON_Delete(violations);
		sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		return NULL;
	}
	cJSON_AddItemToObject(report, "violations", violations);
	return report;
}

void cli_print_violation(FILE *out, const char *prefix, const char *what,
			 const sanshe_schema_error *violation)
{
	const char *pointer = violation->pointer;

	cli_line(out, prefix, "%s%s%s%s%s", what ? what : "", what ? ": " : "", pointer,
		 *pointer ? ": " : "", violation->message);
}
